"""Producing a handover document: consent checked, content built, PDF written, disclosure logged.

One use case per document. The file is written to a temporary name beside the target and
renamed only when complete, so a refused or failed export leaves no file behind; the
disclosure is logged in the same transaction, so a document that exists was logged.

Every use case needs ``EXPORT_HANDOVERS``. The audit trail gets a view when the document is
shown on screen, an export when it is written to a file and a print when it went to a printer.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, BinaryIO

from sqlmodel import Session

from broadtalk import audit
from broadtalk.consent import latest_consent_unchecked
from broadtalk.errors import InputError
from broadtalk.handover.content import (
    HandoverContent,
    WithdrawalContent,
    load_unchecked,
    load_withdrawal_unchecked,
    require_export,
)
from broadtalk.i18n import _, dutch_today
from broadtalk.practitioners import Actor
from broadtalk.store.tables import Disclosure

HANDOVER_PDF = "handover_pdf"
CLIENT_COPY = "client_copy"
#: After a withdrawal: the notice for the recipient and the confirmation for the client.
WITHDRAWAL_NOTICE = "withdrawal_notice"
WITHDRAWAL_CONFIRMATION = "withdrawal_confirmation"
KINDS = (HANDOVER_PDF, CLIENT_COPY, WITHDRAWAL_NOTICE, WITHDRAWAL_CONFIRMATION)
WITHDRAWAL_KINDS = (WITHDRAWAL_NOTICE, WITHDRAWAL_CONFIRMATION)

Document = HandoverContent | WithdrawalContent


def _renderer(kind: str) -> Callable[[Any, BinaryIO], None]:
    from broadtalk.handover import pdf  # ReportLab is loaded only when a document is made

    return {
        HANDOVER_PDF: pdf.render_handover_pdf,
        CLIENT_COPY: pdf.render_client_copy_pdf,
        WITHDRAWAL_NOTICE: pdf.render_withdrawal_notice_pdf,
        WITHDRAWAL_CONFIRMATION: pdf.render_withdrawal_confirmation_pdf,
    }[kind]


def scope_of(content: Document) -> dict[str, object]:
    """What a document holds, for the disclosure log: sections and domain ids, never the content.
    A withdrawal document holds no content at all: only that consent was withdrawn."""
    if isinstance(content, WithdrawalContent):
        return {"withdrawal": True}
    return {
        "domains": [d.domain_id for d in content.domains],
        "identity_details": content.consent.share_identity_details,
        "goals_actions": content.goals_shared,
        "own_words": content.own_words_shared,
        "pieces": len(content.consent.piece_labels),
        "changed_after_consent": content.changed_after_consent,
        "draft": content.draft,
    }


def log_disclosure(
    tx: Session,
    actor: Actor,
    referral_id: int,
    content: Document,
    kind: str,
    now: datetime,
    *,
    printed: bool = False,
) -> None:
    """The document left the practice: a disclosure (what was shared, under which consent) and
    an audit entry (export to a file, or print when ``printed``)."""
    client_id = require_export(tx, actor, referral_id)
    consent = latest_consent_unchecked(tx, referral_id)
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
    audit.record(
        tx,
        actor,
        audit.Action.PRINT if printed else audit.Action.EXPORT,
        object_type="handover",
        object_id=referral_id,
        client_id=client_id,
        detail=kind,
        now=now,
    )


def render_document(tx: Session, actor: Actor, referral_id: int, kind: str, *, today: date) -> tuple[Document, bytes]:
    """The document as bytes (for the on-screen preview); refuses without a valid consent.
    Recorded as a view of the handover."""
    client_id = require_export(tx, actor, referral_id)
    content, data = _render(tx, referral_id, kind, today)
    audit.record_once(
        tx, actor, audit.Action.VIEW, object_type="handover", object_id=referral_id, client_id=client_id, detail=kind
    )
    return content, data


def _render(tx: Session, referral_id: int, kind: str, today: date) -> tuple[Document, bytes]:
    import io

    if kind not in KINDS:
        raise InputError(_("Unknown kind of document '{kind}'.").format(kind=kind))
    content: Document
    if kind in WITHDRAWAL_KINDS:
        content = load_withdrawal_unchecked(tx, referral_id, today)
    else:
        content = load_unchecked(tx, referral_id, today)
    buffer = io.BytesIO()
    _renderer(kind)(content, buffer)
    return content, buffer.getvalue()


def export_document(
    tx: Session, actor: Actor, referral_id: int, kind: str, target: Path, *, now: datetime | None = None
) -> Path:
    """Write the handover PDF or the client's copy to ``target`` and log the disclosure."""
    require_export(tx, actor, referral_id)
    now = now or datetime.now(UTC)
    target = Path(target)
    if target.suffix.lower() != ".pdf":
        raise InputError(_("The file name must end in .pdf, e.g. handover.pdf."))
    if not target.parent.is_dir():
        raise InputError(
            _("The folder {folder} does not exist; choose an existing folder.").format(folder=target.parent)
        )
    content, data = _render(tx, referral_id, kind, dutch_today(now))
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
