"""Producing a handover document: consent checked, content built, PDF written, disclosure logged.

One use case per document. The file is written to a temporary name beside the target and
renamed only when complete, so a refused or failed export leaves no file behind; the
disclosure is logged in the same transaction, so a document that exists was logged.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import BinaryIO

from sqlmodel import Session

from broadtalk.errors import InputError
from broadtalk.handover.content import HandoverContent, load_handover
from broadtalk.i18n import _
from broadtalk.practitioners import Actor
from broadtalk.referrals import get_referral
from broadtalk.store.tables import Disclosure

HANDOVER_PDF = "handover_pdf"
CLIENT_COPY = "client_copy"


def _renderer(kind: str) -> Callable[[HandoverContent, BinaryIO], None]:
    from broadtalk.handover import pdf  # ReportLab is loaded only when a document is made

    return pdf.render_handover_pdf if kind == HANDOVER_PDF else pdf.render_client_copy_pdf


def scope_of(content: HandoverContent) -> dict[str, object]:
    """What a document holds, for the disclosure log: sections and domain ids, never the content."""
    return {
        "domains": [d.domain_id for d in content.domains],
        "identity_details": content.consent.share_identity_details,
        "goals_actions": content.goals_shared,
        "own_words": content.own_words_shared,
    }


def log_disclosure(
    tx: Session, actor: Actor, referral_id: int, content: HandoverContent, kind: str, now: datetime
) -> None:
    consent = get_referral(tx, referral_id).consent
    tx.add(
        Disclosure(
            referral_id=referral_id,
            consent_id=consent.id if consent else None,
            practitioner_id=actor.id,
            at=now,
            kind=kind,
            scope=json.dumps(scope_of(content)),
        )
    )
    tx.flush()


def render_document(tx: Session, referral_id: int, kind: str, *, today: date) -> tuple[HandoverContent, bytes]:
    """The document as bytes (for the on-screen preview); refuses without a valid consent."""
    import io

    content = load_handover(tx, referral_id, today=today)
    buffer = io.BytesIO()
    _renderer(kind)(content, buffer)
    return content, buffer.getvalue()


def export_document(
    tx: Session, actor: Actor, referral_id: int, kind: str, target: Path, *, now: datetime | None = None
) -> Path:
    """Write the handover PDF or the client's copy to ``target`` and log the disclosure."""
    now = now or datetime.now(UTC)
    target = Path(target)
    if target.suffix.lower() != ".pdf":
        raise InputError(_("The file name must end in .pdf, e.g. handover.pdf."))
    if not target.parent.is_dir():
        raise InputError(
            _("The folder {folder} does not exist; choose an existing folder.").format(folder=target.parent)
        )
    content, data = render_document(tx, referral_id, kind, today=now.date())
    try:
        handle, partial = tempfile.mkstemp(prefix=".broadtalk-", suffix=".partial", dir=target.parent)
    except OSError as error:
        raise InputError(
            _("{folder} cannot be written to ({reason}); choose another folder.").format(
                folder=target.parent, reason=error.strerror
            )
        ) from None
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        log_disclosure(tx, actor, referral_id, content, kind, now)
        os.replace(partial, target)
    except OSError as error:
        Path(partial).unlink(missing_ok=True)
        raise InputError(
            _("{file} cannot be written ({reason}); choose another place.").format(file=target, reason=error.strerror)
        ) from None
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    return target
