"""The client dialog, driven through the real widgets by keyboard (offscreen): what is stored, and
what is refused with a message under the field."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from broadtalk import i18n
from broadtalk.clients import ClientInput, ClientRecord, count_clients, create_client, get_client, search_clients
from broadtalk.ui.client_dialog import FIELDS, MIN_WIDTH, ClientDialog
from tests.conftest import NOW


@pytest.fixture(autouse=True)
def no_message_boxes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A modal box would hang the test; every message the dialog tries to show is recorded instead."""
    shown: list[str] = []
    for name in ("warning", "critical", "information", "question"):
        monkeypatch.setattr(
            QMessageBox,
            name,
            staticmethod(lambda _parent, _title, text, *args, **kwargs: shown.append(text)),
        )
    return shown


def _open(qtbot, db, actor, client: ClientRecord | None = None) -> ClientDialog:
    dialog = ClientDialog(db, actor, client)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.edits["given_name"])
    return dialog


def _type(qtbot, text: str) -> None:
    """Type into whatever has the keyboard focus, like a person at the keyboard."""
    if text:
        qtbot.keyClicks(QApplication.focusWidget(), text)


def _tab(qtbot) -> None:
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)


def _fill_by_keyboard(qtbot, values: dict[str, str | bool]) -> None:
    """From the first field on: type each field's value (or nothing) and Tab to the next; Space
    ticks "interpreter needed" (after the last field) when asked; the cursor ends on Save."""
    for name in FIELDS:
        _type(qtbot, str(values.get(name, "")))
        _tab(qtbot)
    if values.get("interpreter_needed"):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Space)
    _tab(qtbot)


def _count(db, actor) -> int:
    with db.transaction() as tx:
        return count_clients(tx, actor)


def _visible_errors(dialog: ClientDialog) -> dict[str, str]:
    return {name: label.text() for name, label in dialog.errors.items() if label.isVisible()}


def test_a_client_is_created_by_keyboard_only(qtbot, db, actor):
    dialog = _open(qtbot, db, actor)
    _fill_by_keyboard(
        qtbot,
        {
            "given_name": "Greet",
            "name_prefix": "van den",
            "family_name": "Berg",
            "birth_date": "03-03-1942",
            "bsn": "111222333",
            "phone": "030 123 4567",
            "email": "greet@example.nl",
            "address": "Lindenlaan 12",
            "postal_code": "3552ab",
            "city": "Utrecht",
            "general_practitioner": "Huisartsenpraktijk De Linde, dr. Wit",
            "language": "Tigrinya",
            "interpreter_needed": True,
        },
    )
    # After the last field Tab lands on Save; Enter there (or in any field) saves.
    assert QApplication.focusWidget() is dialog.save_button
    with qtbot.waitSignal(dialog.accepted):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)

    with db.transaction() as tx:
        (stored,) = search_clients(tx, actor)
    assert stored.name == "Greet van den Berg"
    assert stored.birth_date == date(1942, 3, 3)
    assert (stored.bsn, stored.phone, stored.email) == ("111222333", "030 123 4567", "greet@example.nl")
    assert (stored.address, stored.postal_code, stored.city) == ("Lindenlaan 12", "3552 AB", "Utrecht")
    assert (stored.general_practitioner, stored.language, stored.interpreter_needed) == (
        "Huisartsenpraktijk De Linde, dr. Wit",
        "Tigrinya",
        True,
    )
    assert dialog.saved_client == stored
    assert dialog.result() == QDialog.DialogCode.Accepted


def test_enter_in_a_field_saves(qtbot, db, actor):
    dialog = _open(qtbot, db, actor)
    _type(qtbot, "Ron")
    _tab(qtbot)
    _tab(qtbot)
    _type(qtbot, "Jansen")
    _tab(qtbot)
    _type(qtbot, "12-08-1980")
    with qtbot.waitSignal(dialog.accepted):
        qtbot.keyClick(dialog.edits["birth_date"], Qt.Key.Key_Return)
    assert dialog.saved_client is not None and dialog.saved_client.name == "Ron Jansen"
    assert _count(db, actor) == 1


def test_enter_still_saves_after_the_cursor_visited_the_buttons(qtbot, db, actor):
    dialog = _open(qtbot, db, actor)
    _fill_by_keyboard(qtbot, {"given_name": "Ron", "family_name": "Jansen", "birth_date": "12-08-1980"})
    _tab(qtbot)  # Save, then Cancel
    assert QApplication.focusWidget() is dialog.cancel_button
    dialog.edits["city"].setFocus()
    with qtbot.waitSignal(dialog.accepted):
        qtbot.keyClick(dialog.edits["city"], Qt.Key.Key_Return)
    assert _count(db, actor) == 1


def test_tab_visits_the_fields_in_screen_order_then_save_and_cancel(qtbot, db, actor):
    dialog = _open(qtbot, db, actor)
    visited = []
    for _ in range(len(FIELDS) + 3):
        visited.append(QApplication.focusWidget())
        _tab(qtbot)
    assert visited == [dialog.inputs[name] for name in FIELDS] + [
        dialog.interpreter,
        dialog.save_button,
        dialog.cancel_button,
    ]
    assert [widget.objectName() for widget in visited[-6:-2]] == [
        "city",
        "general_practitioner",
        "language",
        "interpreter_needed",
    ]


def test_every_field_has_a_label_with_a_mnemonic_that_focuses_it(qtbot, db, actor):
    dialog = _open(qtbot, db, actor)
    for name in FIELDS:
        label = dialog.labels[name]
        assert label.buddy() is dialog.inputs[name]
        assert "&" in label.text()
        assert dialog.inputs[name].accessibleName()
    assert "&" in dialog.interpreter.text()
    labels = [label.text() for label in dialog.labels.values()] + [dialog.interpreter.text(), dialog.save_button.text()]
    mnemonics = [text[text.index("&") + 1].lower() for text in labels]
    assert len(set(mnemonics)) == len(mnemonics), "two fields share a mnemonic"
    letter = mnemonics[FIELDS.index("bsn")]
    qtbot.keyClick(dialog.edits["given_name"], letter, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.edits["bsn"])


def test_empty_required_fields_are_named_under_each_field_and_nothing_is_stored(qtbot, db, actor):
    dialog = _open(qtbot, db, actor)
    dialog.edits["phone"].setFocus()
    _type(qtbot, "06 12345678")
    qtbot.keyClick(dialog.edits["phone"], Qt.Key.Key_Return)

    assert set(_visible_errors(dialog)) == {"given_name", "family_name", "birth_date"}
    assert all(_visible_errors(dialog).values())
    assert dialog.isVisible() and dialog.saved_client is None
    assert _count(db, actor) == 0
    # The first field that needs attention gets the cursor; what was typed stays.
    assert QApplication.focusWidget() is dialog.edits["given_name"]
    assert dialog.edits["phone"].text() == "06 12345678"


def test_each_message_sits_right_under_its_field(qtbot, db, actor):
    dialog = _open(qtbot, db, actor)
    dialog.save_button.click()

    def under_its_field(name: str) -> bool:
        edit, error = dialog.edits[name], dialog.errors[name]
        edit_corner = edit.mapTo(dialog, edit.rect().bottomLeft())
        error_corner = error.mapTo(dialog, error.rect().topLeft())
        return 0 <= error_corner.y() - edit_corner.y() <= 20 and error_corner.x() == edit_corner.x()

    qtbot.waitUntil(lambda: all(under_its_field(name) for name in ("given_name", "family_name", "birth_date")))


def test_a_bsn_that_fails_the_11_test_is_refused_under_the_field_and_a_valid_one_is_accepted(qtbot, db, actor):
    i18n.set_language("en")
    dialog = _open(qtbot, db, actor)
    _fill_by_keyboard(
        qtbot, {"given_name": "Jan", "family_name": "Berg", "birth_date": "07-03-1951", "bsn": "123456789"}
    )
    qtbot.keyClick(dialog.save_button, Qt.Key.Key_Return)

    assert set(_visible_errors(dialog)) == {"bsn"}
    assert "11-test" in dialog.errors["bsn"].text()
    assert dialog.edits["bsn"].accessibleDescription() == dialog.errors["bsn"].text()
    assert QApplication.focusWidget() is dialog.edits["bsn"]
    assert _count(db, actor) == 0

    # The cursor is in the BSN field with its text selected: typing replaces it.
    _type(qtbot, "111222333")
    with qtbot.waitSignal(dialog.accepted):
        qtbot.keyClick(dialog.edits["bsn"], Qt.Key.Key_Return)
    with db.transaction() as tx:
        (stored,) = search_clients(tx, actor)
    assert stored.bsn == "111222333"


def test_a_birth_date_in_the_future_is_refused(qtbot, db, actor):
    i18n.set_language("en")
    dialog = _open(qtbot, db, actor)
    next_year = (date.today() + timedelta(days=400)).strftime("%d-%m-%Y")
    _fill_by_keyboard(qtbot, {"given_name": "Jan", "family_name": "Berg", "birth_date": next_year})
    qtbot.keyClick(dialog.save_button, Qt.Key.Key_Return)

    assert set(_visible_errors(dialog)) == {"birth_date"}
    assert "future" in dialog.errors["birth_date"].text()
    assert QApplication.focusWidget() is dialog.edits["birth_date"]
    assert dialog.edits["birth_date"].text() == next_year
    assert _count(db, actor) == 0


def test_a_corrected_field_loses_its_message_on_the_next_save(qtbot, db, actor):
    dialog = _open(qtbot, db, actor)
    _fill_by_keyboard(qtbot, {"given_name": "Jan", "birth_date": "31-02-1951"})
    dialog.save_button.click()
    assert set(_visible_errors(dialog)) == {"family_name", "birth_date"}
    dialog.edits["family_name"].setText("Berg")
    dialog.save_button.click()
    assert set(_visible_errors(dialog)) == {"birth_date"}
    assert _count(db, actor) == 0


def test_the_dialog_makes_room_for_long_messages_instead_of_squeezing_fields(qtbot, db, actor):
    dialog = _open(qtbot, db, actor)
    _fill_by_keyboard(qtbot, {"given_name": "Jan", "birth_date": "1951", "bsn": "123456789"})
    dialog.save_button.click()
    qtbot.waitUntil(lambda: dialog.height() >= dialog.heightForWidth(dialog.width()))
    for name in ("family_name", "birth_date", "bsn"):
        error = dialog.errors[name]
        assert error.height() >= error.heightForWidth(error.width())
    for edit in dialog.inputs.values():
        assert edit.height() >= edit.sizeHint().height()


def test_editing_changes_the_stored_client(qtbot, db, actor):
    with db.transaction() as tx:
        client = create_client(
            tx, actor, ClientInput("Jan", "Berg", "07-03-1951", name_prefix="van der", bsn="111222333"), now=NOW
        )
    dialog = _open(qtbot, db, actor, client)
    assert dialog.edits["family_name"].text() == "Berg"
    assert dialog.edits["name_prefix"].text() == "van der"
    assert dialog.edits["birth_date"].text() == "07-03-1951"
    assert dialog.edits["bsn"].text() == "111222333"

    dialog.edits["family_name"].setFocus()
    dialog.edits["family_name"].selectAll()
    _type(qtbot, "Bergen")
    _tab(qtbot)
    dialog.edits["city"].setFocus()
    _type(qtbot, "Utrecht")
    with qtbot.waitSignal(dialog.accepted):
        qtbot.keyClick(dialog.edits["city"], Qt.Key.Key_Return)

    with db.transaction() as tx:
        stored = get_client(tx, actor, client.id)
        assert count_clients(tx, actor) == 1
    assert (stored.name, stored.city, stored.client_number) == ("Jan van der Bergen", "Utrecht", client.client_number)
    assert dialog.saved_client == stored


def test_escape_cancels_and_stores_nothing(qtbot, db, actor):
    dialog = _open(qtbot, db, actor)
    _fill_by_keyboard(qtbot, {"given_name": "Jan", "family_name": "Berg", "birth_date": "07-03-1951"})
    with qtbot.waitSignal(dialog.rejected):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)
    assert dialog.saved_client is None
    assert _count(db, actor) == 0


def test_escape_while_editing_leaves_the_client_as_it_was(qtbot, db, actor):
    with db.transaction() as tx:
        client = create_client(tx, actor, ClientInput("Jan", "Berg", "07-03-1951"), now=NOW)
    dialog = _open(qtbot, db, actor, client)
    dialog.edits["given_name"].selectAll()
    _type(qtbot, "Piet")
    with qtbot.waitSignal(dialog.rejected):
        qtbot.keyClick(dialog.edits["given_name"], Qt.Key.Key_Escape)
    with db.transaction() as tx:
        assert get_client(tx, actor, client.id).given_name == "Jan"


def test_cancel_button_cancels(qtbot, db, actor):
    dialog = _open(qtbot, db, actor)
    _type(qtbot, "Jan")
    with qtbot.waitSignal(dialog.rejected):
        qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert _count(db, actor) == 0


def test_titles_say_whether_a_client_is_new_or_changed(qtbot, db, actor):
    i18n.set_language("en")
    with db.transaction() as tx:
        client = create_client(tx, actor, ClientInput("Jan", "Berg", "07-03-1951"), now=NOW)
    assert _open(qtbot, db, actor).windowTitle() == "New client"
    assert _open(qtbot, db, actor, client).windowTitle() == "Edit client"


def test_the_dialog_is_not_cramped_and_marks_required_fields(qtbot, db, actor):
    i18n.set_language("en")
    dialog = _open(qtbot, db, actor)
    assert dialog.minimumWidth() >= MIN_WIDTH and dialog.width() >= MIN_WIDTH
    assert dialog.edits["birth_date"].placeholderText() == "dd-mm-yyyy"
    assert [name for name in FIELDS if "*" in dialog.labels[name].text()] == ["given_name", "family_name", "birth_date"]
    assert "*" in dialog.required_note.text() and dialog.required_note.isVisible()
    assert not _visible_errors(dialog)


def test_a_client_removed_meanwhile_is_reported_and_the_dialog_stays_open(qtbot, db, actor, no_message_boxes):
    from broadtalk.store.tables import Client

    with db.transaction() as tx:
        client = create_client(tx, actor, ClientInput("Jan", "Berg", "07-03-1951"), now=NOW)
    dialog = _open(qtbot, db, actor, client)
    with db.transaction() as tx:
        tx.delete(tx.get(Client, client.id))
    dialog.save_button.click()
    assert len(no_message_boxes) == 1
    assert dialog.isVisible() and dialog.saved_client is None


# -- GP, preferred language, interpreter ------------------------------------------------------


def test_gp_language_and_interpreter_reach_the_database_and_come_back_when_editing(qtbot, db, actor):
    dialog = _open(qtbot, db, actor)
    _fill_by_keyboard(
        qtbot,
        {
            "given_name": "Amanuel",
            "family_name": "Tesfay",
            "birth_date": "14-02-1990",
            "general_practitioner": "dr. H. de Wit, Gezondheidscentrum Oost",
            "language": "Amhaars",  # not offered: typed
            "interpreter_needed": True,
        },
    )
    with qtbot.waitSignal(dialog.accepted):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    with db.transaction() as tx:
        (stored,) = search_clients(tx, actor)
    assert (stored.general_practitioner, stored.language, stored.interpreter_needed) == (
        "dr. H. de Wit, Gezondheidscentrum Oost",
        "Amhaars",
        True,
    )

    again = _open(qtbot, db, actor, stored)
    assert again.edits["general_practitioner"].text() == "dr. H. de Wit, Gezondheidscentrum Oost"
    assert again.language.currentText() == "Amhaars"
    assert again.interpreter.isChecked()

    # Change them: another GP, a language from the list, no interpreter any more.
    again.edits["general_practitioner"].setFocus()
    again.edits["general_practitioner"].selectAll()
    _type(qtbot, "Huisartsenpraktijk De Linde")
    _tab(qtbot)
    assert QApplication.focusWidget() is again.language
    again.language.setCurrentIndex(again.language.findText("Tigrinya"))
    _tab(qtbot)
    assert QApplication.focusWidget() is again.interpreter
    qtbot.keyClick(again.interpreter, Qt.Key.Key_Space)
    with qtbot.waitSignal(again.accepted):
        qtbot.keyClick(again.interpreter, Qt.Key.Key_Return)
    with db.transaction() as tx:
        changed = get_client(tx, actor, stored.id)
    assert (changed.general_practitioner, changed.language, changed.interpreter_needed) == (
        "Huisartsenpraktijk De Linde",
        "Tigrinya",
        False,
    )
    assert (changed.name, changed.client_number) == ("Amanuel Tesfay", stored.client_number)


def test_dutch_is_the_first_language_offered_and_is_stored_as_empty(qtbot, db, actor):
    i18n.set_language("en")
    with db.transaction() as tx:
        client = create_client(tx, actor, ClientInput("Jan", "Berg", "07-03-1951", language="Pools"), now=NOW)
    dialog = _open(qtbot, db, actor, client)
    assert dialog.language.currentText() == "Pools"
    offered = [dialog.language.itemText(i) for i in range(dialog.language.count())]
    assert offered[0] == "Dutch"
    assert {"Arabic", "English", "Polish", "Turkish", "Tigrinya", "Ukrainian", "Papiamento"} <= set(offered)
    assert offered[1:] == sorted(offered[1:])

    dialog.language.setCurrentIndex(0)
    with qtbot.waitSignal(dialog.accepted):
        dialog.save_button.click()
    with db.transaction() as tx:
        assert get_client(tx, actor, client.id).language == ""
    assert _open(qtbot, db, actor, dialog.saved_client).language.currentText() == "Dutch"


def test_an_empty_language_box_says_dutch_and_nothing_new_is_added_to_the_list(qtbot, db, actor):
    i18n.set_language("en")
    dialog = _open(qtbot, db, actor)
    count = dialog.language.count()
    dialog.language.setFocus()
    dialog.language.lineEdit().selectAll()
    _type(qtbot, "Amhaars")
    qtbot.keyClick(dialog.language, Qt.Key.Key_Return)  # Enter saves here too: refused, as there is no name
    assert set(_visible_errors(dialog)) == {"given_name", "family_name", "birth_date"}
    assert dialog.language.count() == count  # the typed language was not added to the list
    assert dialog.language.currentText() == "Amhaars"
    dialog.language.clearEditText()
    assert dialog.language.lineEdit().placeholderText() == "Dutch"


def test_a_too_long_gp_is_refused_under_its_field_and_nothing_is_stored(qtbot, db, actor):
    i18n.set_language("en")
    dialog = _open(qtbot, db, actor)
    _fill_by_keyboard(qtbot, {"given_name": "Jan", "family_name": "Berg", "birth_date": "07-03-1951"})
    # The field holds no more than the column; a longer value (e.g. pasted past a different
    # limit) is still refused by the core, and the message lands under the field.
    dialog.edits["general_practitioner"].setMaxLength(1000)
    dialog.edits["general_practitioner"].setText("x" * 201)
    dialog.language.lineEdit().setMaxLength(1000)
    dialog.language.setEditText("y" * 101)
    dialog.save_button.click()

    assert set(_visible_errors(dialog)) == {"general_practitioner", "language"}
    assert "GP" in dialog.errors["general_practitioner"].text()
    assert "language" in dialog.errors["language"].text()
    assert dialog.language.accessibleDescription() == dialog.errors["language"].text()
    assert QApplication.focusWidget() is dialog.edits["general_practitioner"]
    assert _count(db, actor) == 0


def test_gp_and_language_fields_keep_to_their_columns_and_have_accessible_names(qtbot, db, actor):
    i18n.set_language("en")
    dialog = _open(qtbot, db, actor)
    assert dialog.edits["general_practitioner"].maxLength() == 200
    assert dialog.language.lineEdit().maxLength() == 100
    assert dialog.edits["general_practitioner"].placeholderText()
    assert dialog.edits["general_practitioner"].accessibleName() == "General practitioner"
    assert dialog.language.accessibleName() == "Preferred language"
    assert dialog.interpreter.text().replace("&", "") == "Interpreter needed"
    # The check box sits beside the language box, not on top of it.
    box = dialog.language.geometry()
    tick = dialog.interpreter.geometry()
    assert dialog.language.parentWidget() is dialog.interpreter.parentWidget()
    assert box.right() < tick.left() and tick.right() <= dialog.interpreter.parentWidget().width()
    assert box.width() >= dialog.language.minimumSizeHint().width()
