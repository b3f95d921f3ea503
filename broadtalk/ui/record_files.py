"""A client's whole record to a file and back (FHIR; the work is ``interop.record``'s): the
client page's "Export the record…" and Praktijk > "Import a client's record…"."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from broadtalk.errors import BroadtalkError
from broadtalk.i18n import _, format_short_date, ngettext
from broadtalk.practitioners import Actor
from broadtalk.store.database import Database
from broadtalk.ui import file_dialogs
from broadtalk.ui.common import show_refusal

#: The file dialogs' remembered folder for records.
RECORDS = "records"


def export_record_to_file(parent: QWidget, db: Database, actor: Actor, client_id: int, client_number: str) -> bool:
    """Ask where, then write the record (logged); True when it was written."""
    from broadtalk.interop.record import export_record

    target = file_dialogs.ask_save_path(
        parent,
        RECORDS,
        _("Export the client's whole record"),
        _("record-{number}.json").format(number=client_number),
        _("FHIR data (*.json)"),
        suffix=".json",
    )
    if target is None:
        return False
    try:
        with db.transaction() as tx:
            written = export_record(tx, actor, client_id, target)
    except BroadtalkError as error:
        show_refusal(parent, error, _("The record was not exported"))
        return False
    QMessageBox.information(
        parent,
        _("Record exported"),
        _(
            "Everything broadtalk holds on this client is in {file}. It holds all that was said: give it only "
            "to the client, or to the practice the client moves to."
        ).format(file=written),
    )
    return True


def import_record_from_file(parent: QWidget, db: Database, actor: Actor) -> int | None:
    """Ask which file, then add the record as a new client; the new client's id, or None."""
    from broadtalk.interop.record import import_record, read_record_file

    path = file_dialogs.ask_open_path(parent, RECORDS, _("Import a client's record"), _("FHIR data (*.json)"))
    if path is None:
        return None
    try:
        record = read_record_file(path)
        identity = record.identity
        answer = QMessageBox.question(
            parent,
            _("Import a client's record"),
            _(
                "Add {name} (born {date}, client number {number}) to this practice with {conversations} and {referrals}?"
            ).format(
                name=identity.name,
                date=format_short_date(identity.birth_date),
                number=identity.client_number,
                conversations=ngettext("{n} conversation", "{n} conversations", len(record.conversations)).format(
                    n=len(record.conversations)
                ),
                referrals=ngettext("{n} referral", "{n} referrals", len(record.referrals)).format(
                    n=len(record.referrals)
                ),
            ),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Yes,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return None
        with db.transaction() as tx:
            return import_record(tx, actor, record)
    except BroadtalkError as error:
        show_refusal(parent, error, _("The record was not imported"))
        return None
