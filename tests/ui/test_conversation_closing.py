"""The steps of a conversation and its closing page, through the real widgets by keyboard (and a
wheel): where the focus goes, what the wheel may not change, the ranking's numbers, editing goals
and actions, the follow-up date, and the previous conversation beside each domain."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QWidget

from broadtalk import conversations as conv
from broadtalk.clients import ClientInput, create_client
from broadtalk.conversation_changes import list_changes
from broadtalk.i18n import _, format_date
from broadtalk.ui.conversation.conversation_page import CLOSING, OVERVIEW, ConversationPage
from tests.conftest import NOW


def _client(db, actor) -> int:
    with db.transaction() as tx:
        return create_client(tx, actor, ClientInput("Greet", "Visser", "03-03-1942"), now=NOW).id


def _open(qtbot, db, actor, conversation_id: int, size: tuple[int, int] = (1100, 700)) -> ConversationPage:
    page = ConversationPage(db, actor, conversation_id)
    qtbot.addWidget(page)
    page.resize(*size)
    page.show()
    qtbot.waitExposed(page)
    page.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is page)
    return page


def _start(db, actor, model_id: str, client_id: int | None = None) -> int:
    client_id = client_id if client_id is not None else _client(db, actor)
    with db.transaction() as tx:
        return conv.start_conversation(tx, actor, client_id, model_id, 1).id


@pytest.fixture
def health(qtbot, db, actor) -> ConversationPage:
    return _open(qtbot, db, actor, _start(db, actor, "positive-health"))


@pytest.fixture
def four_d(qtbot, db, actor) -> ConversationPage:
    return _open(qtbot, db, actor, _start(db, actor, "four-domains"))


def _snapshot(db, actor, page: ConversationPage) -> conv.ConversationSnapshot:
    page.session.flush()
    with db.transaction() as tx:
        return conv.load_conversation(tx, actor, page.conversation_id)


def _choose(qtbot, combo, data) -> None:
    """Choose an entry of a combo box by keyboard (Down from the top)."""
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Home)
    for _step in range(combo.count()):
        if combo.currentData() == data:
            return
        qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert combo.currentData() == data


def _expected_first_field(page: ConversationPage, key: str) -> QWidget:
    if key == OVERVIEW:
        return next(iter(page.overview.domain_buttons.values()))
    if key == CLOSING:
        return page.closing.what_matters
    domain = page.domain_pages[key]
    return domain.score if domain.score is not None else domain.own_words


# -- 1. the focus -----------------------------------------------------------------------------


def test_ctrl_page_down_gives_the_first_field_of_every_step_the_focus(qtbot, health):
    page = health
    page.go_to(OVERVIEW)
    keys = [page.steps.item(row).data(Qt.ItemDataRole.UserRole) for row in range(page.steps.count())]
    assert QApplication.focusWidget() is _expected_first_field(page, OVERVIEW)
    for key in keys[1:]:
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)
        assert page.current_step() == key
        assert QApplication.focusWidget() is _expected_first_field(page, key), key
    # Typed straight after reaching the closing step: it lands in "what matters most".
    qtbot.keyClicks(QApplication.focusWidget(), "Meedoen")
    assert page.closing.what_matters.toPlainText() == "Meedoen"
    # And back again.
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_PageUp, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is _expected_first_field(page, keys[-2])


def test_a_click_on_a_step_gives_its_first_field_the_focus(qtbot, four_d):
    page = four_d
    for key in (CLOSING, "social", OVERVIEW, CLOSING):
        row = next(r for r in range(page.steps.count()) if page.steps.item(r).data(Qt.ItemDataRole.UserRole) == key)
        rect = page.steps.visualItemRect(page.steps.item(row))
        qtbot.mouseClick(page.steps.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        assert page.current_step() == key
        assert QApplication.focusWidget() is _expected_first_field(page, key), key


def test_arrows_in_the_step_list_walk_the_steps_and_enter_goes_into_the_page(qtbot, health):
    page = health
    page.go_to(OVERVIEW)
    page.steps.setFocus()
    qtbot.keyClick(page.steps, Qt.Key.Key_Down)
    qtbot.keyClick(page.steps, Qt.Key.Key_Down)
    assert page.current_step() == page.steps.item(2).data(Qt.ItemDataRole.UserRole)
    assert QApplication.focusWidget() is page.steps  # a score is never changed by walking the list
    qtbot.keyClick(page.steps, Qt.Key.Key_Return)
    assert QApplication.focusWidget() is _expected_first_field(page, page.current_step())


def test_the_next_button_and_the_overview_buttons_give_the_focus_too(qtbot, health):
    page = health
    page.go_to(OVERVIEW)
    button = page.overview.domain_buttons["participation"]
    button.setFocus()
    qtbot.keyClick(button, Qt.Key.Key_Space)
    assert page.current_step() == "participation"
    assert QApplication.focusWidget() is page.domain_pages["participation"].score
    last = page.domain_pages[page.model.domains[-1].id]
    page.go_to(page.model.domains[-1].id)
    last.next_button.setFocus()
    qtbot.keyClick(last.next_button, Qt.Key.Key_Space)
    assert page.current_step() == CLOSING
    assert QApplication.focusWidget() is page.closing.what_matters


# -- 2. the wheel -----------------------------------------------------------------------------


def _wheel(widget: QWidget, steps: int = -1) -> None:
    centre = QPointF(widget.rect().center())
    event = QWheelEvent(
        centre,
        QPointF(widget.mapToGlobal(centre.toPoint())),
        QPoint(0, 0),
        QPoint(0, 120 * steps),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, event)


def test_the_wheel_over_a_combo_on_the_closing_page_scrolls_the_page_and_changes_nothing(qtbot, db, actor, health):
    page = health
    page.go_to(CLOSING)
    closing = page.closing
    qtbot.keyClicks(closing.goal_text, "Beter slapen")
    qtbot.keyClick(closing.goal_text, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: closing.goals.count() == 1)
    goal_id = _snapshot(db, actor, page).goals[0].id
    _choose(qtbot, closing.action_goal, goal_id)
    closing.what_matters.setFocus()  # the combos are not focused: the wheel is meant for the page
    bar = closing.verticalScrollBar()
    assert bar.maximum() > 0
    bar.setValue(0)
    for combo in (closing.goal_domain, closing.action_goal, closing.action_domain):
        before = combo.currentIndex()
        _wheel(combo, -1)
        _wheel(combo, -1)
        assert combo.currentIndex() == before, combo.accessibleName()
    assert bar.value() > 0  # the page scrolled instead
    assert closing.action_goal.currentData() == goal_id
    assert closing.goal_domain.currentData() is None


def test_the_wheel_guard_keeps_spin_boxes_and_date_fields_too_and_a_focused_field_still_takes_the_wheel(qtbot):
    from PySide6.QtCore import QDate
    from PySide6.QtWidgets import QComboBox, QDateEdit, QScrollArea, QSpinBox, QVBoxLayout

    from broadtalk.ui.wheel_guard import guard_wheel

    area = QScrollArea()
    qtbot.addWidget(area)
    body = QWidget()
    layout = QVBoxLayout(body)
    combo, spin, day = QComboBox(), QSpinBox(), QDateEdit(QDate(2026, 3, 4))
    combo.addItems(["a", "b", "c"])
    spin.setValue(5)
    for field in (combo, spin, day):
        layout.addWidget(field)
        layout.addSpacing(600)
    area.setWidget(body)
    area.resize(300, 300)
    guard_wheel(area)
    area.show()
    qtbot.waitExposed(area)
    for field in (combo, spin, day):
        _wheel(field, -1)
    assert (combo.currentIndex(), spin.value(), day.date()) == (0, 5, QDate(2026, 3, 4))
    assert area.verticalScrollBar().value() > 0
    area.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is area)
    combo.setFocus()
    _wheel(combo, -1)
    assert combo.currentIndex() == 1  # chosen on purpose: the field has the focus


# -- 3. the goal's domain after adding --------------------------------------------------------


def test_after_adding_a_goal_the_domain_is_neutral_again(qtbot, db, actor, health):
    page = health
    page.go_to(CLOSING)
    closing = page.closing
    qtbot.keyClicks(closing.goal_text, "Een dag in de week vrijwilligerswerk")
    _choose(qtbot, closing.goal_domain, "participation")
    closing.goal_text.setFocus()
    qtbot.keyClick(closing.goal_text, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: closing.goals.count() == 1)
    assert closing.goal_domain.currentData() is None
    qtbot.keyClicks(closing.goal_text, "Beter slapen")
    qtbot.keyClick(closing.goal_text, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: closing.goals.count() == 2)
    volunteering, sleep = _snapshot(db, actor, page).goals
    assert (volunteering.domain_id, sleep.domain_id) == ("participation", None)


def test_after_adding_an_action_its_goal_and_domain_are_neutral_again(qtbot, db, actor, health):
    page = health
    page.go_to(CLOSING)
    closing = page.closing
    qtbot.keyClicks(closing.goal_text, "Beter slapen")
    qtbot.keyClick(closing.goal_text, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: closing.goals.count() == 1)
    qtbot.keyClicks(closing.action_what, "Slaapdagboek bijhouden")
    _choose(qtbot, closing.action_goal, _snapshot(db, actor, page).goals[0].id)
    closing.action_what.setFocus()
    qtbot.keyClick(closing.action_what, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: closing.actions.count() == 1)
    assert closing.action_goal.currentData() is None
    qtbot.keyClicks(closing.action_what, "Wandelen")
    _choose(qtbot, closing.action_domain, "daily-functioning")
    closing.action_what.setFocus()
    qtbot.keyClick(closing.action_what, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: closing.actions.count() == 2)
    assert closing.action_domain.currentData() is None
    qtbot.keyClicks(closing.action_what, "Huisarts belt terug")
    qtbot.keyClick(closing.action_what, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: closing.actions.count() == 3)
    diary, walk, call = _snapshot(db, actor, page).actions
    assert diary.goal_id is not None
    assert (walk.goal_id, walk.domain_id) == (None, "daily-functioning")
    assert (call.goal_id, call.domain_id) == (None, None)


# -- 4. the ranking's numbers -----------------------------------------------------------------


def _ranking_texts(page: ConversationPage) -> dict[str, str]:
    ranking = page.closing.ranking
    return {ranking.item(r).data(Qt.ItemDataRole.UserRole): ranking.item(r).text() for r in range(ranking.count())}


def test_the_4d_ranking_shows_each_ranked_domains_number(qtbot, db, actor, four_d):
    page = four_d
    page.go_to(CLOSING)
    ranking = page.closing.ranking
    rows = {ranking.item(r).data(Qt.ItemDataRole.UserRole): r for r in range(ranking.count())}
    ranking.setCurrentRow(rows["social"])
    qtbot.keyClick(ranking, Qt.Key.Key_Space)  # ticked by keyboard: the order of ticking is the order
    ranking.setCurrentRow(next(r for r in range(ranking.count()) if ranking.item(r).data(256) == "societal"))
    qtbot.keyClick(ranking, Qt.Key.Key_Space)
    texts = _ranking_texts(page)
    assert texts["social"].startswith("1")
    assert texts["societal"].startswith("2")
    assert not texts["body"][0].isdigit() and not texts["mind"][0].isdigit()
    # Ctrl+Up moves societal above social: the numbers follow.
    ranking.setCurrentRow(next(r for r in range(ranking.count()) if ranking.item(r).data(256) == "societal"))
    qtbot.keyClick(ranking, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
    texts = _ranking_texts(page)
    assert texts["societal"].startswith("1") and texts["social"].startswith("2")
    assert _snapshot(db, actor, page).ranking() == ["societal", "social"]
    # The steps and the overview say the rank too.
    page.session.flush()
    qtbot.waitUntil(lambda: _(" · priority {rank}").format(rank=1) in page.overview.domain_buttons["societal"].text())
    steps = {page.steps.item(r).data(Qt.ItemDataRole.UserRole): page.steps.item(r).text() for r in range(6)}
    assert steps["social"].endswith(_(" · priority {rank}").format(rank=2))
    assert _(" · priority {rank}").format(rank=1) not in steps["body"]
    # Reopened, the numbers are there at once.
    again = _open(qtbot, db, actor, page.conversation_id)
    texts = _ranking_texts(again)
    assert texts["societal"].startswith("1") and texts["social"].startswith("2")
    assert again.closing.ranking.item(0).data(Qt.ItemDataRole.AccessibleTextRole)


# -- 5. editing goals and actions -------------------------------------------------------------


def _add_goal(qtbot, closing, text: str) -> None:
    count = closing.goals.count()
    closing.goal_text.setFocus()
    qtbot.keyClicks(closing.goal_text, text)
    qtbot.keyClick(closing.goal_text, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: closing.goals.count() == count + 1)


def test_a_goal_is_changed_by_keyboard_and_esc_cancels(qtbot, db, actor, health):
    page = health
    page.go_to(CLOSING)
    closing = page.closing
    _add_goal(qtbot, closing, "Beter slapen")
    _add_goal(qtbot, closing, "Vrijwilligerswerk")
    # F2 on the first goal: it stands in the fields; a new word and a domain, Enter saves.
    closing.goals.setFocus()
    closing.goals.setCurrentRow(0)
    qtbot.keyClick(closing.goals, Qt.Key.Key_F2)
    assert QApplication.focusWidget() is closing.goal_text
    assert closing.goal_text.text() == "Beter slapen" and closing.goal_editing_hint.isVisible()
    qtbot.keyClick(closing.goal_text, Qt.Key.Key_End)
    qtbot.keyClicks(closing.goal_text, " en doorslapen")
    _choose(qtbot, closing.goal_domain, "bodily-functions")
    closing.goal_text.setFocus()
    qtbot.keyClick(closing.goal_text, Qt.Key.Key_Return)
    sleep, work = _snapshot(db, actor, page).goals
    assert (sleep.description, sleep.domain_id) == ("Beter slapen en doorslapen", "bodily-functions")
    assert work.description == "Vrijwilligerswerk"
    assert closing.goals.count() == 2  # changed, not added
    assert closing.editing_goal is None and not closing.goal_editing_hint.isVisible()
    assert closing.goal_text.text() == "" and closing.goal_domain.currentData() is None
    assert QApplication.focusWidget() is closing.goals and closing.goals.currentRow() == 0

    # Enter on the second goal, typed over, then Esc: nothing changes.
    closing.goals.setCurrentRow(1)
    qtbot.keyClick(closing.goals, Qt.Key.Key_Return)
    assert closing.editing_goal == work.id
    qtbot.keyClicks(closing.goal_text, "Iets heel anders")  # the text was selected: typed over
    qtbot.keyClick(closing.goal_text, Qt.Key.Key_Escape)
    assert closing.editing_goal is None and closing.goal_text.text() == ""
    assert QApplication.focusWidget() is closing.goals and closing.goals.currentRow() == 1
    assert [g.description for g in _snapshot(db, actor, page).goals] == [
        "Beter slapen en doorslapen",
        "Vrijwilligerswerk",
    ]

    # An empty goal is refused with the reason; what was there stays in the field.
    qtbot.keyClick(closing.goals, Qt.Key.Key_F2)
    closing.goal_text.selectAll()
    qtbot.keyClick(closing.goal_text, Qt.Key.Key_Delete)
    qtbot.keyClick(closing.goal_text, Qt.Key.Key_Return)
    assert closing.goal_error.isVisible()
    assert closing.goal_error.text() == _("The goal is empty; describe what the client wants to reach.")
    assert closing.editing_goal == work.id
    assert _snapshot(db, actor, page).goals[1].description == "Vrijwilligerswerk"
    qtbot.keyClick(closing.goal_text, Qt.Key.Key_Escape)
    assert not closing.goal_error.isVisible()


def test_an_action_is_changed_by_keyboard(qtbot, db, actor, health):
    page = health
    page.go_to(CLOSING)
    closing = page.closing
    _add_goal(qtbot, closing, "Beter slapen")
    goal_id = _snapshot(db, actor, page).goals[0].id
    closing.action_what.setFocus()
    qtbot.keyClicks(closing.action_what, "Slaapdagboek")
    qtbot.keyClicks(closing.action_who, "Greet")
    qtbot.keyClick(closing.action_what, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: closing.actions.count() == 1)

    closing.actions.setFocus()
    closing.actions.setCurrentRow(0)
    qtbot.keyClick(closing.actions, Qt.Key.Key_F2)
    assert QApplication.focusWidget() is closing.action_what
    assert (closing.action_what.text(), closing.action_who.text()) == ("Slaapdagboek", "Greet")
    qtbot.keyClicks(closing.action_what, "Slaapdagboek twee weken bijhouden")
    closing.action_who.selectAll()
    qtbot.keyClicks(closing.action_who, "Greet en haar dochter")
    due = page.snapshot.summary.started_at.date() + timedelta(days=14)
    later = due.strftime("%d-%m-%Y")
    qtbot.keyClicks(closing.action_due, later)
    _choose(qtbot, closing.action_goal, goal_id)
    closing.action_due.setFocus()
    qtbot.keyClick(closing.action_due, Qt.Key.Key_Return)
    [action] = _snapshot(db, actor, page).actions
    assert (action.what, action.who, action.goal_id) == (
        "Slaapdagboek twee weken bijhouden",
        "Greet en haar dochter",
        goal_id,
    )
    assert action.due_date == due
    assert closing.actions.count() == 1 and closing.editing_action is None
    assert closing.action_goal.currentData() is None and closing.action_what.text() == ""

    # A date before the conversation is refused; Esc from the date field leaves it as it was.
    qtbot.keyClick(closing.actions, Qt.Key.Key_F2)
    assert closing.action_due.text() == later
    closing.action_due.selectAll()
    qtbot.keyClicks(closing.action_due, "01-01-2000")
    qtbot.keyClick(closing.action_due, Qt.Key.Key_Return)
    assert closing.action_error.text() == _("The action's date lies before the conversation; choose a later date.")
    qtbot.keyClick(closing.action_due, Qt.Key.Key_Escape)
    assert closing.editing_action is None
    assert _snapshot(db, actor, page).actions[0].due_date == due


def test_an_edit_after_completion_is_an_amendment_with_its_record(qtbot, db, actor, health, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    page = health
    page.go_to(CLOSING)
    closing = page.closing
    _add_goal(qtbot, closing, "Beter slapen")
    assert page.complete()
    assert not closing.edit_goal_button.isEnabled()
    closing.goals.setCurrentRow(0)
    qtbot.keyClick(closing.goals, Qt.Key.Key_F2)
    assert closing.editing_goal is None  # read only: nothing opens
    assert page.amend()
    closing.goals.setFocus()
    closing.goals.setCurrentRow(0)
    qtbot.keyClick(closing.goals, Qt.Key.Key_F2)
    qtbot.keyClicks(closing.goal_text, "Beter doorslapen")
    qtbot.keyClick(closing.goal_text, Qt.Key.Key_Return)
    assert page.complete()
    with db.transaction() as tx:
        changes = list_changes(tx, actor, page.conversation_id)
    assert changes[-1].target.startswith("goal:edit:")
    assert changes[-1].new_value["description"] == "Beter doorslapen"


# -- 6. the follow-up date --------------------------------------------------------------------


def test_the_follow_up_date_is_shown_with_its_weekday_and_distance(qtbot, db, actor, health):
    page = health
    page.go_to(CLOSING)
    closing = page.closing
    assert closing.follow_up_day.text() == _("No follow-up agreed yet.")
    started = page.snapshot.summary.started_at.date()
    day = started + timedelta(weeks=6)
    closing.follow_up.setFocus()
    qtbot.keyClicks(closing.follow_up, day.strftime("%d-%m-%Y"))
    assert format_date(day, "full") in closing.follow_up_day.text()
    assert "6" in closing.follow_up_day.text()
    assert _snapshot(db, actor, page).follow_up_date == day
    closing.follow_up.selectAll()
    qtbot.keyClicks(closing.follow_up, "31-02")
    assert closing.follow_up_error.isVisible() and closing.follow_up_day.text() == ""
    # Reopened (or completed), the day is shown at once.
    closing.follow_up.selectAll()
    qtbot.keyClicks(closing.follow_up, day.strftime("%d-%m-%Y"))
    again = _open(qtbot, db, actor, page.conversation_id)
    assert format_date(day, "full") in again.closing.follow_up_day.text()
    assert isinstance(day, date)


# -- 7. the previous conversation of the same model ---------------------------------------------


def test_a_new_conversation_shows_the_previous_one_of_the_same_model_per_domain(qtbot, db, actor):
    from datetime import UTC, datetime

    client_id = _client(db, actor)
    earlier = datetime.now(UTC) - timedelta(days=42)
    with db.transaction() as tx:
        first = conv.start_conversation(tx, actor, client_id, "positive-health", 1, now=earlier).id
        conv.assess_domain(tx, actor, first, "participation", score=4, own_words="Ik zit veel thuis", now=earlier)
        conv.assess_domain(tx, actor, first, "bodily-functions", important=True, now=earlier)
        conv.add_goal(tx, actor, first, "Een dag vrijwilligerswerk", domain_id="participation", now=earlier)
        conv.add_goal(tx, actor, first, "Beter slapen", domain_id="bodily-functions", now=earlier)
        conv.complete_conversation(tx, actor, first, now=earlier + timedelta(minutes=45))
        other = conv.start_conversation(tx, actor, client_id, "four-domains", 1, now=earlier).id
        conv.assess_domain(tx, actor, other, "social", own_words="Weinig contact met de buren", now=earlier)
        conv.complete_conversation(tx, actor, other, now=earlier + timedelta(minutes=45))
    page = _open(qtbot, db, actor, _start(db, actor, "positive-health", client_id))

    participation = page.domain_pages["participation"].previous
    assert participation.isVisible() or not page.domain_pages["participation"].isVisible()
    assert not participation.isHidden()
    text = participation.text()
    assert format_date(earlier) in text
    assert "4" in text and "Ik zit veel thuis" in text and "Een dag vrijwilligerswerk" in text
    assert "Beter slapen" not in text  # another domain's goal
    body = page.domain_pages["bodily-functions"].previous.text()
    assert "Beter slapen" in body and "★" in body
    assert _("not discussed") in page.domain_pages["meaningfulness"].previous.text()
    assert page.domain_pages["participation"].previous.accessibleName()
    # The overview's chart has the previous conversation underneath.
    assert page.previous is not None and page.previous.summary.id == first
    chart = page.overview.chart.chart.data()
    assert chart is not None and chart.has_previous and chart.previous_value("participation") == 4
    # A conversation with another model, or a first conversation, shows nothing of the kind.
    four = _open(qtbot, db, actor, _start(db, actor, "four-domains", client_id))
    assert four.domain_pages["social"].previous.isHidden() is False  # the earlier 4D conversation
    assert "Weinig contact met de buren" in four.domain_pages["social"].previous.text()
    fresh = _open(qtbot, db, actor, _start(db, actor, "positive-health"))
    assert all(p.previous.isHidden() for p in fresh.domain_pages.values())


def test_opening_a_conversation_puts_the_focus_in_the_step_it_resumes(qtbot, db, actor):
    from broadtalk.ui.main_window import MainWindow

    cid = _start(db, actor, "four-domains")
    with db.transaction() as tx:
        conv.set_current_step(tx, actor, cid, "social")
    window = MainWindow(db, actor)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    window.open_conversation(cid)
    page = window.conversation
    assert page is not None and page.current_step() == "social"
    qtbot.waitUntil(lambda: QApplication.focusWidget() is page.domain_pages["social"].own_words)
    qtbot.keyClicks(QApplication.focusWidget(), "Weinig contact")
    assert page.domain_pages["social"].own_words.toPlainText() == "Weinig contact"
