"""Issue 11, screens polish: changing a goal and changing an action go the same way (one code path):
the field says it holds an entry being changed, the hint and Cancel show, Enter saves, Esc cancels,
and afterwards the field is a new entry's again."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from broadtalk.i18n import _
from broadtalk.ui.conversation.conversation_page import CLOSING
from tests.ui.test_conversation_closing import _add_goal, _open, _start


@pytest.fixture
def closing(qtbot, db, actor):
    page = _open(qtbot, db, actor, _start(db, actor, "positive-health"))
    page.go_to(CLOSING)
    return page.closing


def _add_action(qtbot, closing, what: str) -> None:
    count = closing.actions.count()
    closing.action_what.setFocus()
    qtbot.keyClicks(closing.action_what, what)
    qtbot.keyClick(closing.action_what, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: closing.actions.count() == count + 1)


@pytest.mark.parametrize("kind", ["goal", "action"])
def test_changing_a_goal_or_an_action_shows_the_same_state_and_leaves_it_the_same_way(qtbot, closing, kind):
    if kind == "goal":
        _add_goal(qtbot, closing, "Beter slapen")
        listing, field, hint, cancel, button = (
            closing.goals,
            closing.goal_text,
            closing.goal_editing_hint,
            closing.cancel_goal_button,
            closing.add_goal_button,
        )
        new_name, changing_name = _("New goal"), _("Goal being changed")
        adding, saving = _("Add &goal"), _("Save &goal")
    else:
        _add_action(qtbot, closing, "Slaapdagboek")
        listing, field, hint, cancel, button = (
            closing.actions,
            closing.action_what,
            closing.action_editing_hint,
            closing.cancel_action_button,
            closing.add_action_button,
        )
        new_name, changing_name = _("What will be done"), _("Action being changed")
        adding, saving = _("Add &action"), _("Save &action")
    assert field.accessibleName() == new_name

    # F2 on the entry: its text in the field, selected; the field, the button and the hint say so.
    listing.setFocus()
    listing.setCurrentRow(0)
    qtbot.keyClick(listing, Qt.Key.Key_F2)
    assert QApplication.focusWidget() is field
    assert field.selectedText() == field.text() != ""
    assert field.accessibleName() == changing_name
    assert button.text() == saving
    assert hint.isVisible() and cancel.isVisible()

    # Esc: back to the list, on that entry; the field is a new entry's again.
    qtbot.keyClick(field, Qt.Key.Key_Escape)
    assert QApplication.focusWidget() is listing and listing.currentRow() == 0
    assert field.text() == "" and field.accessibleName() == new_name
    assert button.text() == adding
    assert not hint.isVisible() and not cancel.isVisible()

    # Again, and Enter saves the change.
    qtbot.keyClick(listing, Qt.Key.Key_F2)
    field.selectAll()
    qtbot.keyClicks(field, "Anders")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: listing.item(0) is not None and "Anders" in listing.item(0).text())
    assert field.accessibleName() == new_name and button.text() == adding and not hint.isVisible()
