"""Today (the start page) and the client list's next follow-up and filter, driven by keyboard.

The practice is the fixed one of tests/unit/test_today.py (today is Wednesday 4 March 2026)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from broadtalk import follow_ups
from broadtalk.i18n import _, format_short_date, ngettext
from broadtalk.ui import client_table, today_page
from broadtalk.ui.main_window import MainWindow
from tests.unit.test_today import TODAY, practice  # noqa: F401 (the fixture)


@pytest.fixture(autouse=True)
def fixed_day(monkeypatch):
    monkeypatch.setattr(today_page, "local_today", lambda: TODAY)
    monkeypatch.setattr(client_table, "dutch_today", lambda: TODAY)


def _window(qtbot, db, actor) -> MainWindow:
    main = MainWindow(db, actor)
    qtbot.addWidget(main)
    main.show()
    qtbot.waitExposed(main)
    qtbot.waitUntil(main.isActiveWindow)  # shortcuts need the active window
    return main


def _rows(main: MainWindow, key: str) -> list[list[str]]:
    model = main.today_page.groups[key].model
    return [[model.index(r, c).data() for c in range(model.columnCount())] for r in range(model.rowCount())]


def _focused() -> object:
    return QApplication.focusWidget()


def test_start_up_shows_today_with_every_group_and_the_focus_on_the_first_item(qtbot, db, practice):  # noqa: F811
    main = _window(qtbot, db, practice["a"])
    page = main.today_page
    assert main.pages.currentWidget() is page
    assert [row[0] for row in _rows(main, "drafts")] == ["Superseded, Kim", "Amending, Kim"]
    # This week first, then overdue (the most recent first).
    follow = [row[1] for row in _rows(main, "follow_ups")]
    assert follow == ["Today, Kim", "Amending, Kim", "Sunday, Kim", "Overdue, Kim", "Othermodel, Kim"]
    # Overdue in words, not only in colour; counts in the headings.
    overdue_text = ngettext("{date} ({n} day overdue)", "{date} ({n} days overdue)", 1)
    assert _rows(main, "follow_ups")[3][0] == overdue_text.format(date=format_short_date(TODAY.replace(day=3)), n=1)
    assert _rows(main, "follow_ups")[0][0] == _("{date} (today)").format(date=format_short_date(TODAY))
    assert "2" in page.groups["follow_ups"].heading.text() and "3" in page.groups["follow_ups"].heading.text()
    assert len(_rows(main, "actions")) == 2 and len(_rows(main, "referrals")) == 2
    qtbot.waitUntil(lambda: _focused() is page.groups["drafts"].table)


def test_enter_on_a_follow_up_opens_that_client(qtbot, db, practice):  # noqa: F811
    main = _window(qtbot, db, practice["a"])
    qtbot.keyClick(main, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    table = main.today_page.groups["follow_ups"].table
    qtbot.waitUntil(lambda: _focused() is table)
    for _step in range(3):  # the fourth: "Overdue"
        qtbot.keyClick(table, Qt.Key.Key_Down)
    qtbot.keyClick(table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: main.pages.currentWidget() is main.client_page)
    assert main.client_page.name_label.text() == "Kim Overdue"
    # Esc goes back to where the practitioner came from: Today.
    qtbot.keyClick(_focused(), Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: main.pages.currentWidget() is main.today_page)


def test_enter_on_a_draft_opens_the_draft_itself(qtbot, db, practice):  # noqa: F811
    main = _window(qtbot, db, practice["a"])
    table = main.today_page.groups["drafts"].table
    qtbot.waitUntil(lambda: _focused() is table)
    qtbot.keyClick(table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: main.conversation is not None)
    assert main.conversation.conversation_id == practice["conversations"]["draft"]
    assert main.pages.currentWidget() is main.conversation


def test_tab_and_ctrl_numbers_move_between_the_groups(qtbot, db, practice):  # noqa: F811
    main = _window(qtbot, db, practice["a"])
    groups = main.today_page.groups
    qtbot.waitUntil(lambda: _focused() is groups["drafts"].table)
    for key in ("follow_ups", "actions", "referrals"):
        qtbot.keyClick(_focused(), Qt.Key.Key_Tab)
        qtbot.waitUntil(lambda key=key: _focused() is groups[key].table)
    qtbot.keyClick(_focused(), Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: _focused() is groups["actions"].table)
    # Enter on an action opens its client (both actions are the client "Overdue"'s).
    qtbot.keyClick(_focused(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: main.pages.currentWidget() is main.client_page)
    assert main.client_page.name_label.text() == "Kim Overdue"


def test_the_whole_practice_adds_the_colleagues_follow_up(qtbot, db, practice):  # noqa: F811
    main = _window(qtbot, db, practice["a"])
    scope = main.today_page.scope
    scope.setFocus()
    qtbot.keyClick(scope, Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: "Colleague, Kim" in [row[1] for row in _rows(main, "follow_ups")])


def test_empty_groups_say_so_in_words(qtbot, db, practice):  # noqa: F811
    main = _window(qtbot, db, practice["b"])  # nurse B: no drafts, no overdue follow-ups
    group = main.today_page.groups["drafts"]
    assert group.table.isHidden() and not group.empty.isHidden()
    assert group.empty.text() == _("No open drafts.")
    assert _("Open drafts ({n})").format(n=0) == group.heading.text()


def test_ctrl_shift_c_shows_the_client_list_and_ctrl_t_brings_today_back(qtbot, db, practice):  # noqa: F811
    main = _window(qtbot, db, practice["a"])
    qtbot.keyClick(main, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: main.pages.currentWidget() is main.list_page)
    assert _focused() is main.table
    qtbot.keyClick(main.table, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: main.pages.currentWidget() is main.today_page)
    qtbot.waitUntil(lambda: _focused() is main.today_page.groups["drafts"].table)
    # Also from inside a text field (no line-editing key is taken).
    qtbot.keyClick(main, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: _focused() is main.search)
    qtbot.keyClick(main.search, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: main.pages.currentWidget() is main.today_page)
    qtbot.keyClick(_focused(), Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: main.pages.currentWidget() is main.list_page)


def test_the_client_list_shows_the_next_follow_up_overdue_in_words(qtbot, db, practice):  # noqa: F811
    main = _window(qtbot, db, practice["a"])
    model = main.model
    column = model.COLUMNS.index("next_follow_up")
    assert model.headerData(column, Qt.Orientation.Horizontal) == _("Next follow-up")
    cells = {model.client_at(r).family_name: model.index(r, column).data() for r in range(model.rowCount())}
    late = ngettext("{date} ({n} day overdue)", "{date} ({n} days overdue)", 1)
    assert cells["Overdue"] == late.format(date=format_short_date(TODAY.replace(day=3)), n=1)
    assert cells["Superseded"] == ""  # the follow-up conversation has started
    assert cells["Replaced"] == format_short_date(TODAY.replace(month=4, day=1))
    overdue_row = [model.client_at(r).family_name for r in range(model.rowCount())].index("Overdue")
    assert model.index(overdue_row, column).data(Qt.ItemDataRole.ForegroundRole) is not None
    assert model.index(overdue_row, column).data(Qt.ItemDataRole.AccessibleTextRole).endswith(cells["Overdue"])


def test_the_list_filter_by_keyboard_keeps_the_clients_due(qtbot, db, practice):  # noqa: F811
    main = _window(qtbot, db, practice["a"])
    qtbot.keyClick(main, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: _focused() is main.search)
    qtbot.keyClick(main.search, Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: _focused() is main.focus_box)

    def names() -> list[str]:
        return [main.model.client_at(r).family_name for r in range(main.model.rowCount())]

    qtbot.keyClick(main.focus_box, Qt.Key.Key_Down)  # follow-up this week
    assert main.focus_box.currentData() == follow_ups.FOLLOW_UP_THIS_WEEK
    qtbot.waitUntil(lambda: names() == ["Amending", "Sunday", "Today"])
    assert _("Follow-up this week") in main.statusBar().currentMessage()
    qtbot.keyClick(main.focus_box, Qt.Key.Key_Down)  # follow-up overdue
    qtbot.waitUntil(lambda: names() == ["Othermodel", "Overdue"])
    qtbot.keyClick(main.focus_box, Qt.Key.Key_Down)  # open drafts
    qtbot.waitUntil(lambda: names() == ["Superseded"])
    # The search still works inside the filter.
    qtbot.keyClick(main.focus_box, Qt.Key.Key_Up)
    qtbot.keyClicks(main.search, "overd")
    qtbot.waitUntil(lambda: names() == ["Overdue"])


def test_a_practice_manager_sees_the_referrals_only_and_no_filter(qtbot, db, practice):  # noqa: F811
    main = _window(qtbot, db, practice["manager"])
    groups = main.today_page.groups
    assert [key for key, g in groups.items() if not g.box.isHidden()] == ["referrals"]
    assert len(_rows(main, "referrals")) == 3
    assert not main.today_page.note.isHidden() and main.today_page.scope.isHidden()
    main.show_list()
    assert main.focus_box.isHidden()
    column = main.model.COLUMNS.index("next_follow_up")
    assert all(main.model.index(r, column).data() == "" for r in range(main.model.rowCount()))
