"""The audit trail dialog: entries made by real use cases, filters, the core's refusal, the chain check."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from PySide6.QtCore import QDate, Qt
from sqlalchemy.exc import DBAPIError
from sqlmodel import col, select

from broadtalk import audit, i18n
from broadtalk.clients import ClientInput, create_client, get_client, update_client
from broadtalk.erasure import erase_client
from broadtalk.practitioners import Role, create_practitioner
from broadtalk.store.tables import AuditEntry
from broadtalk.ui import audit_dialog
from broadtalk.ui.audit_dialog import AuditDialog
from tests import engines

#: The practice's history lies in the past, so "today's" entries (looking at the trail) differ.
MAY_10 = datetime(2024, 5, 10, 9, 15, tzinfo=UTC)
#: 00:30 on 11 May in Amsterdam (summer time), though still 10 May in UTC.
MAY_11_AFTER_MIDNIGHT = datetime(2024, 5, 10, 22, 30, tzinfo=UTC)


@pytest.fixture
def manager(db):
    with db.transaction() as tx:
        return create_practitioner(tx, "Bram Jansen", Role.PRACTICE_MANAGER, now=MAY_10)


@pytest.fixture
def practice(db, actor):
    """A nurse (the ``actor``) adds two clients, corrects one and opens the other."""
    with db.transaction() as tx:
        greet = create_client(tx, actor, ClientInput("Greet", "Visser", "03-03-1942"), now=MAY_10)
        jan = create_client(tx, actor, ClientInput("Jan", "Bakker", "12-08-1950"), now=MAY_10)
        update_client(tx, actor, jan.id, ClientInput("Jan", "Bakker", "12-08-1951"), now=MAY_11_AFTER_MIDNIGHT)
        get_client(tx, actor, greet.id)
    return {"greet": greet, "jan": jan}


def _open(qtbot, db, who) -> AuditDialog:
    i18n.set_language("en")
    dialog = AuditDialog(db, who)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


@pytest.fixture
def dialog(qtbot, db, manager, practice):
    return _open(qtbot, db, manager)


def _cells(dialog: AuditDialog) -> list[dict[str, str]]:
    model = dialog.model
    return [
        {name: model.data(model.index(row, column)) for column, name in enumerate(audit_dialog.AuditTableModel.COLUMNS)}
        for row in range(model.rowCount())
    ]


def _show(qtbot, dialog: AuditDialog) -> None:
    with qtbot.waitSignal(dialog.entries_loaded, timeout=2000):
        qtbot.mouseClick(dialog.show_button, Qt.MouseButton.LeftButton)


def _trail(db) -> list[AuditEntry]:
    with db.transaction() as tx:
        return list(tx.exec(select(AuditEntry).order_by(col(AuditEntry.id))))


def test_entries_made_by_a_nurse_show_for_the_practice_manager_newest_first(dialog, practice, db, manager):
    rows = _cells(dialog)
    assert [row["action"] for row in rows] == ["viewed", "changed", "created", "created"]
    created = rows[-1]
    assert created["practitioner"] == "Anouk de Vries"
    assert created["role"] == "Practice nurse (POH)"
    assert created["record"] == f"client {practice['greet'].id}"
    assert created["client"] == practice["greet"].client_number
    assert created["outcome"] == "success"
    assert created["time"] == i18n.format_datetime(MAY_10)  # shown in Amsterdam time: 11:15
    assert "11:15" in created["time"]
    assert rows[1]["client"] == practice["jan"].client_number
    assert dialog.summary.text() == "4 entries, newest first."
    # The trail holds who and what, never the client's name or anything said.
    assert not any("Greet" in text or "Visser" in text for row in rows for text in row.values())
    # Opening the screen is itself recorded, for the manager, after what it showed.
    last = _trail(db)[-1]
    assert (last.action, last.object_type, last.practitioner_id, last.detail) == (
        "view",
        "audit",
        manager.id,
        "4",  # how many entries were shown: a count, no content
    )


def test_a_client_number_narrows_the_list_to_that_client(qtbot, dialog, practice):
    dialog.client_edit.setFocus()
    qtbot.keyClicks(dialog.client_edit, practice["jan"].client_number.lower())  # typed in any case
    with qtbot.waitSignal(dialog.entries_loaded, timeout=2000):
        qtbot.keyClick(dialog.client_edit, Qt.Key.Key_Return)  # Enter shows
    rows = _cells(dialog)
    assert [row["action"] for row in rows] == ["changed", "created"]
    assert {row["client"] for row in rows} == {practice["jan"].client_number}
    assert not dialog.filter_error.isVisible()


def test_an_unknown_client_number_says_so_under_the_filters_and_lists_nothing(qtbot, dialog):
    dialog.client_edit.setText("ZZZ-999")
    _show(qtbot, dialog)
    assert dialog.filter_error.isVisible()
    assert "There is no client with number 'ZZZ-999'" in dialog.filter_error.text()
    assert dialog.model.rowCount() == 0


def test_the_practitioner_and_action_filters_narrow_the_rows(qtbot, dialog, manager, actor):
    combo = dialog.practitioner_combo
    assert combo.itemText(0) == "Everyone"
    combo.setCurrentIndex(combo.findData(manager.id))
    _show(qtbot, dialog)
    rows = _cells(dialog)
    assert rows and {row["practitioner"] for row in rows} == {"Bram Jansen"}
    assert {row["record"] for row in rows} == {"audit trail"}  # only their looks at the trail

    combo.setCurrentIndex(combo.findData(actor.id))
    dialog.action_combo.setCurrentIndex(dialog.action_combo.findData(audit.Action.CHANGE.value))
    _show(qtbot, dialog)
    assert [row["action"] for row in _cells(dialog)] == ["changed"]

    dialog.action_combo.setCurrentIndex(dialog.action_combo.findData(audit.Action.ERASE.value))
    _show(qtbot, dialog)
    assert dialog.model.rowCount() == 0
    assert dialog.summary.text() == "No entries match these filters."


def test_the_dates_are_calendar_days_in_the_netherlands(qtbot, dialog):
    dialog.from_check.setChecked(True)
    dialog.to_check.setChecked(True)
    dialog.from_date.setDate(QDate(2024, 5, 10))
    dialog.to_date.setDate(QDate(2024, 5, 10))
    _show(qtbot, dialog)
    # The change at 22:30 UTC was 00:30 on 11 May in Amsterdam: not on the 10th.
    assert [row["action"] for row in _cells(dialog)] == ["created", "created"]

    dialog.from_date.setDate(QDate(2024, 5, 11))
    dialog.to_date.setDate(QDate(2024, 5, 11))
    _show(qtbot, dialog)
    assert [row["action"] for row in _cells(dialog)] == ["changed"]

    dialog.to_check.setChecked(False)  # from 11 May on, open-ended: up to the manager's looks today
    _show(qtbot, dialog)
    rows = _cells(dialog)
    assert [row["action"] for row in rows[-2:]] == ["viewed", "changed"]  # the nurse opened Greet
    assert {row["record"] for row in rows[:-2]} == {"audit trail"}


def test_a_from_date_after_the_to_date_is_explained_inline(qtbot, dialog):
    dialog.from_check.setChecked(True)
    dialog.to_check.setChecked(True)
    dialog.from_date.setDate(QDate(2024, 5, 12))
    dialog.to_date.setDate(QDate(2024, 5, 10))
    before = dialog.model.rowCount()
    qtbot.mouseClick(dialog.show_button, Qt.MouseButton.LeftButton)
    assert dialog.filter_error.isVisible()
    assert "'from' date lies after the 'to' date" in dialog.filter_error.text()
    assert dialog.model.rowCount() == before


def test_dates_are_optional_and_off_until_ticked(dialog):
    assert not dialog.from_date.isEnabled() and not dialog.to_date.isEnabled()
    dialog.from_check.setChecked(True)
    assert dialog.from_date.isEnabled()


def test_only_the_newest_entries_are_loaded_and_the_screen_says_so(qtbot, dialog, monkeypatch):
    monkeypatch.setattr(audit_dialog, "LIMIT", 3)
    _show(qtbot, dialog)
    assert dialog.model.rowCount() == 3
    assert dialog.capped
    assert "Only the 3 newest matching entries are shown" in dialog.summary.text()
    assert _cells(dialog)[0]["action"] == "viewed"  # newest first: the earlier look at the trail


def test_an_erased_clients_entries_stay_and_say_the_client_is_gone(qtbot, db, manager, practice):
    with db.transaction() as tx:
        erase_client(tx, manager, practice["greet"].id)
    dialog = _open(qtbot, db, manager)
    dialog.action_combo.setCurrentIndex(dialog.action_combo.findData(audit.Action.CREATE.value))
    _show(qtbot, dialog)
    clients = [row["client"] for row in _cells(dialog)]
    assert clients == [practice["jan"].client_number, "erased"]


def test_a_nurse_is_refused_by_the_core_and_told_calmly(qtbot, db, actor, practice):
    dialog = _open(qtbot, db, actor)
    assert dialog.error.isVisible()
    assert "may not see the audit trail" in dialog.error.text()
    assert dialog.model.rowCount() == 0
    assert not dialog.show_button.isEnabled() and not dialog.check_button.isEnabled()
    refusal = _trail(db)[-1]
    assert (refusal.action, refusal.object_type, refusal.outcome, refusal.practitioner_id) == (
        "refused",
        "view_audit",
        "refused",
        actor.id,
    )


def _check(qtbot, dialog: AuditDialog) -> None:
    with qtbot.waitSignal(dialog.chain_checked, timeout=10_000):
        qtbot.mouseClick(dialog.check_button, Qt.MouseButton.LeftButton)
    assert not dialog.checking
    assert dialog.check_button.isEnabled() and not dialog.progress.isVisible()


def test_checking_an_untouched_chain_says_it_is_intact_and_is_recorded(qtbot, dialog, db, manager):
    count = len(_trail(db))
    _check(qtbot, dialog)
    assert dialog.chain_result.isVisible()
    assert dialog.chain_result.text() == f"The audit trail is intact: {count} entries."
    assert not dialog.chain_problem.isVisible()
    last = _trail(db)[-1]
    assert (last.action, last.object_type, last.practitioner_id, last.detail) == (
        "view",
        "audit",
        manager.id,
        "chain intact",
    )


def _tamper(db, statement: str) -> None:
    """What someone with the file (and its key) could do outside broadtalk."""
    with db.engine.begin() as connection:
        with pytest.raises(DBAPIError), connection.begin_nested():  # the triggers refuse it first...
            connection.exec_driver_sql(statement)
        engines.drop_audit_triggers(connection)  # ...so they are removed
        connection.exec_driver_sql(statement)


@pytest.mark.parametrize(
    ("statement", "says"),
    [
        ("UPDATE audit_entry SET practitioner_name = 'Niemand' WHERE id = {id}", "Entry {id} was changed"),
        ("DELETE FROM audit_entry WHERE id = {before}", "Entry {id} does not follow the entry before it"),
    ],
    ids=["changed", "removed"],
)
def test_after_tampering_the_check_names_the_broken_entry_and_what_to_do(qtbot, dialog, db, manager, statement, says):
    rows = _cells(dialog)
    changed = rows[1]  # the nurse's correction of a client
    target = int(changed["id"])
    _tamper(db, statement.format(id=target, before=target - 1))

    _check(qtbot, dialog)
    problem = dialog.chain_problem.text()
    assert dialog.chain_problem.isVisible() and not dialog.chain_result.isVisible()
    assert says.format(id=target) in problem
    assert "changed outside broadtalk" in problem
    assert "restore a backup" in problem and "privacy officer" in problem
    current = dialog.model.row_at(dialog.table.currentIndex().row())
    assert current is not None and current.id == target  # the broken entry is selected
    last = _trail(db)[-1]
    assert (last.practitioner_id, last.detail) == (manager.id, f"chain broken at {target}")


def test_stopping_a_check_concludes_nothing_and_records_nothing(qtbot, dialog, db, monkeypatch):
    original = audit_dialog.ChainChecker._progress

    def stop_on_first_batch(checker, done, total):
        checker.cancel_requested = True  # as if "Stop checking" was pressed during the walk
        original(checker, done, total)

    monkeypatch.setattr(audit_dialog.ChainChecker, "_progress", stop_on_first_batch)
    before = len(_trail(db))
    _check(qtbot, dialog)
    assert "stopped before the end" in dialog.chain_result.text()
    assert len(_trail(db)) == before


def test_a_nurse_cannot_check_the_chain_either(qtbot, db, actor, practice):
    dialog = _open(qtbot, db, actor)
    dialog.check_button.setEnabled(True)  # a screen that forgot to hide the button
    _check(qtbot, dialog)
    assert "may not see the audit trail" in dialog.chain_problem.text()
