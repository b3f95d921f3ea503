"""The client's summary leaves the app: rendered for the preview, saved as PDF, or printed.

Saving is an export in the audit trail (detail ``client_summary``), printing a print; the entry is
written in the use case's transaction and the file only after it commits, whole or not at all
and the owner's alone, with the handover documents' journal (``export.write_after_commit``), so a
kill in between is settled at the next start. A file that cannot be written then is said, and
the trail gets a failed export after the successful one.
"""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session

from broadtalk import audit
from broadtalk.client_summary import CLIENT_SUMMARY, ClientSummary, load_summary
from broadtalk.handover.export import check_pdf_target, write_after_commit
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
    """Save the summary as a PDF at ``target``: the audit entry and a journal entry in this
    transaction, the file after it commits (whole, owner-only), as a handover document is saved
    (``export.write_after_commit``): a kill in between is settled at the next start by
    ``recover_interrupted_exports``. A file that cannot be written then is raised from the commit
    as an ``InputError``, and the trail gets a failed export after the successful one."""
    target = Path(target)
    check_pdf_target(target)
    summary, data = render_summary(tx, actor, conversation_id)
    _record(tx, actor, summary, audit.Action.EXPORT)
    write_after_commit(
        tx,
        actor,
        target,
        data,
        object_type="conversation",
        object_id=summary.conversation_id,
        client_id=summary.client_id,
        kind=CLIENT_SUMMARY,
    )
    return target
