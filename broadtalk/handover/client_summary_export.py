"""The client's summary leaves the app: rendered for the preview, saved as PDF, or printed.

Saving is an export in the audit trail (detail ``client_summary``), printing a print; the entry is
written in the use case's transaction and the file only after it commits, whole or not at all
and the owner's alone (``export.write_private_file``). A file that cannot be written then is
said, and the trail gets a failed export after the successful one.
"""

from __future__ import annotations

import secrets
from contextlib import suppress
from pathlib import Path

from sqlalchemy import event
from sqlmodel import Session

from broadtalk import audit
from broadtalk.client_summary import CLIENT_SUMMARY, ClientSummary, load_summary
from broadtalk.errors import InputError
from broadtalk.handover.export import PARTIAL_PREFIX, PARTIAL_SUFFIX, check_pdf_target, write_private_file
from broadtalk.i18n import _
from broadtalk.practitioners import Actor


def render_summary(tx: Session, actor: Actor, conversation_id: int) -> tuple[ClientSummary, bytes]:
    """The summary and its one-page PDF (for the preview): a view of the conversation."""
    from broadtalk.handover.client_summary_pdf import render_client_summary_pdf  # ReportLab only when used

    summary = load_summary(tx, actor, conversation_id)
    return summary, render_client_summary_pdf(summary)


def default_file_name(summary: ClientSummary) -> str:
    """Named after the date: a file name never carries the client's name."""
    return _("summary-{date}.pdf").format(date=summary.conversation_date.isoformat())


def _record(tx: Session, actor: Actor, summary: ClientSummary, action: audit.Action, **extra) -> None:
    audit.record(
        tx,
        actor,
        action,
        object_type="conversation",
        object_id=summary.conversation_id,
        client_id=summary.client_id,
        detail=CLIENT_SUMMARY,
        **extra,
    )


def record_print(tx: Session, actor: Actor, conversation_id: int) -> ClientSummary:
    """The summary goes to a printer: written to the audit trail (in the caller's transaction,
    which should hold the printing, so a failed print leaves no entry)."""
    summary = load_summary(tx, actor, conversation_id)
    _record(tx, actor, summary, audit.Action.PRINT)
    return summary


def export_summary(tx: Session, actor: Actor, conversation_id: int, target: Path) -> Path:
    """Save the summary as a PDF at ``target``: the audit entry in this transaction, the file
    after it commits (whole, owner-only). A file that cannot be written then is raised from the
    commit as an ``InputError``, and the trail gets a failed export after the successful one."""
    target = Path(target)
    check_pdf_target(target)
    summary, data = render_summary(tx, actor, conversation_id)
    _record(tx, actor, summary, audit.Action.EXPORT)
    partial = target.parent / f"{PARTIAL_PREFIX}{secrets.token_hex(8)}{PARTIAL_SUFFIX}"

    def put_in_place(_session: Session) -> None:
        try:
            write_private_file(partial, target, data)
        except OSError as error:
            with suppress(OSError):
                partial.unlink(missing_ok=True)
            failure = InputError(
                _("{file} cannot be written ({reason}); choose another place.").format(
                    file=target, reason=error.strerror or type(error).__name__
                )
            )
            raise audit.after_rollback(
                failure, lambda fresh: _record(fresh, actor, summary, audit.Action.EXPORT, outcome=audit.Outcome.FAILED)
            ) from None

    event.listen(tx, "after_commit", put_in_place, once=True)
    return target
