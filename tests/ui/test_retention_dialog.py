"""The retention dialog: periods saved through the core, old records listed, a row opens its client."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from PySide6.QtCore import Qt
from sqlmodel import col, select

from broadtalk import i18n, permissions
from broadtalk.clients import ClientInput, create_client
from broadtalk.permissions import Permission
from broadtalk.practitioners import Role, create_practitioner
from broadtalk.referral_steps import CLOSED
from broadtalk.referrals import advance_referral, create_referral
from broadtalk.retention import RecordType, record_type_label, retention_periods
from broadtalk.store.tables import AuditEntry, Offering, Organisation
from broadtalk.ui.retention_dialog import DueTableModel, RetentionDialog

TODAY = date(2026, 3, 2)


def at(year: int, month: int = 6, day: int = 15) -> datetime:
    return datetime(year, month, day, 10, 0, tzinfo=UTC)


@pytest.fixture
def manager(db):
    with db.transaction() as tx:
        return create_practitioner(tx, "Bram Jansen", Role.PRACTICE_MANAGER, now=at(2000))


@pytest.fixture
def practice(db, actor):
    """A client untouched since 2001, one referred and closed in 2003, and one added in 2025."""
    with db.transaction() as tx:
        organisation = Organisation(name="Welzijn Noord", created_at=at(2000), updated_at=at(2000))
        tx.add(organisation)
        tx.flush()
        offering = Offering(
            organisation_id=organisation.id,
            name="Buurtcoach",
            kind="welfare_coach",
            contact_function="Coördinator",
            created_at=at(2000),
            updated_at=at(2000),
        )
        tx.add(offering)
        tx.flush()
        old = create_client(tx, actor, ClientInput("Aaltje", "Hoekstra", "01-01-1950"), now=at(2001, 1, 10))
        referred = create_client(tx, actor, ClientInput("Dirk", "Hoekstra", "01-01-1950"), now=at(2001, 1, 10))
        referral = create_referral(
            tx,
            actor,
            referred.id,
            offering_id=offering.id,
            question="Eenzaamheid",
            urgency="routine",
            feedback_contact="POH",
            now=at(2002),
        )
        advance_referral(tx, actor, referral.id, CLOSED, now=at(2003, 2, 1))
        recent = create_client(tx, actor, ClientInput("Cor", "Hoekstra", "01-01-1950"), now=at(2025))
    return {"old": old, "referred": referred, "referral": referral.id, "recent": recent}


def _open(qtbot, db, who) -> RetentionDialog:
    i18n.set_language("en")
    dialog = RetentionDialog(db, who, today=TODAY)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


@pytest.fixture
def dialog(qtbot, db, manager, practice):
    return _open(qtbot, db, manager)


def _rows(dialog: RetentionDialog) -> list[tuple[str, ...]]:
    model = dialog.model
    return [
        tuple(model.data(model.index(row, column)) for column in range(model.columnCount()))
        for row in range(model.rowCount())
    ]


def test_records_past_their_period_are_listed_oldest_due_first(dialog, practice):
    short = i18n.format_short_date
    assert _rows(dialog) == [
        (
            record_type_label(RecordType.CLIENT_RECORD),
            practice["old"].client_number,
            "Aaltje Hoekstra",
            short(date(2001, 1, 10)),
            short(date(2021, 1, 10)),
        ),
        (
            record_type_label(RecordType.CLIENT_RECORD),
            practice["referred"].client_number,
            "Dirk Hoekstra",
            short(date(2003, 2, 1)),
            short(date(2023, 2, 1)),
        ),
        (
            record_type_label(RecordType.REFERRAL),
            practice["referred"].client_number,
            "Dirk Hoekstra",
            short(date(2003, 2, 1)),
            short(date(2023, 2, 1)),
        ),
    ]
    assert practice["recent"].client_number not in {row[1] for row in _rows(dialog)}
    assert dialog.summary.text() == f"3 records are past their retention period on {short(TODAY)}, oldest first."
    assert not dialog.table.isColumnHidden(DueTableModel.NAME)  # a practice manager may see clients
    assert "Nothing is erased here" in " ".join(label.text() for label in dialog.findChildren(type(dialog.summary)))


def test_looking_at_the_list_is_recorded(dialog, db, manager):
    with db.transaction() as tx:
        last = tx.exec(select(AuditEntry).order_by(col(AuditEntry.id).desc())).first()
    assert (last.action, last.object_type, last.practitioner_id, last.detail) == (
        "list",
        "retention",
        manager.id,
        "3",
    )


def test_the_periods_are_shown_and_saved_and_the_list_follows_them(qtbot, dialog, db, manager, practice):
    short = i18n.format_short_date
    spin = dialog.spin_boxes[RecordType.CLIENT_RECORD]
    assert spin.value() == 20 and dialog.spin_boxes[RecordType.REFERRAL].value() == 20
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, "24")
    with qtbot.waitSignal(dialog.periods_saved, timeout=2000):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    with db.transaction() as tx:
        assert retention_periods(tx) == {RecordType.CLIENT_RECORD: 24, RecordType.REFERRAL: 20}
        change = tx.exec(
            select(AuditEntry).where(AuditEntry.action == "change").order_by(col(AuditEntry.id).desc())
        ).first()
    assert (change.practitioner_id, change.detail) == (manager.id, "retention_years_client_record=24")
    assert dialog.saved_note.isVisible() and "saved" in dialog.saved_note.text()
    assert not dialog.periods_error.isVisible()
    # With 24 years Dirk's client record (last activity 2003) is not due yet; Aaltje's (2001) is,
    # since 2025, after Dirk's closed referral (still 20 years: due since 2023).
    assert [(row[0], row[1], row[4]) for row in _rows(dialog)] == [
        (record_type_label(RecordType.REFERRAL), practice["referred"].client_number, short(date(2023, 2, 1))),
        (record_type_label(RecordType.CLIENT_RECORD), practice["old"].client_number, short(date(2025, 1, 10))),
    ]


def test_a_refused_change_shows_under_the_periods_and_keeps_what_was_typed(dialog, db, monkeypatch):
    # The manager's role loses the right while the dialog is open: the core refuses the save.
    without = permissions.MATRIX[Role.PRACTICE_MANAGER] - {Permission.MANAGE_SETTINGS}
    monkeypatch.setitem(permissions.MATRIX, Role.PRACTICE_MANAGER, without)
    dialog.spin_boxes[RecordType.REFERRAL].setValue(30)
    dialog.save_button.click()
    assert dialog.periods_error.isVisible()
    assert "may not change practice settings" in dialog.periods_error.text()
    assert dialog.spin_boxes[RecordType.REFERRAL].value() == 30
    assert not dialog.saved_note.isVisible()
    with db.transaction() as tx:
        assert retention_periods(tx)[RecordType.REFERRAL] == 20


def test_enter_on_a_row_asks_for_that_client_once_and_closes(qtbot, dialog, practice):
    requested: list[int] = []
    dialog.client_requested.connect(requested.append)
    dialog.table.setFocus()
    dialog.table.setCurrentIndex(dialog.model.index(1, 0))  # Dirk's client record
    with qtbot.waitSignal(dialog.client_requested, timeout=2000) as signal:
        qtbot.keyClick(dialog.table, Qt.Key.Key_Return)
    assert signal.args == [practice["referred"].id]
    assert requested == [practice["referred"].id]
    assert not dialog.isVisible()


def test_double_clicking_a_row_asks_for_that_client(qtbot, dialog, practice):
    rect = dialog.table.visualRect(dialog.model.index(0, 1))
    with qtbot.waitSignal(dialog.client_requested, timeout=2000) as signal:
        qtbot.mouseClick(dialog.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(dialog.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert signal.args == [practice["old"].id]


def test_no_record_due_says_so(qtbot, db, manager, actor):
    with db.transaction() as tx:
        create_client(tx, actor, ClientInput("Cor", "Hoekstra", "01-01-1950"), now=at(2025))
    dialog = _open(qtbot, db, manager)
    assert dialog.model.rowCount() == 0
    assert dialog.summary.text() == f"No record is past its retention period on {i18n.format_short_date(TODAY)}."
    assert not dialog.open_button.isEnabled()


def test_a_nurse_is_refused_by_the_core_and_may_not_change_the_periods(qtbot, db, actor, practice):
    dialog = _open(qtbot, db, actor)
    assert dialog.error.isVisible()
    assert "may not review retention periods" in dialog.error.text()
    assert dialog.model.rowCount() == 0
    assert not dialog.open_button.isEnabled()
    assert not dialog.save_button.isEnabled()
    assert not any(spin.isEnabled() for spin in dialog.spin_boxes.values())
