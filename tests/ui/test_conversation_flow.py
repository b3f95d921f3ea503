"""A whole broad conversation through the real widgets, by keyboard and mouse, checked in the database."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from broadtalk import conversations as conv
from broadtalk.clients import search_clients
from broadtalk.conversation_changes import list_changes
from broadtalk.i18n import _, format_date
from broadtalk.sign_in import choose_first_secret
from broadtalk.ui.client_dialog import ClientDialog
from broadtalk.ui.conversation.closing_page import DETAIL_ROLE
from broadtalk.ui.conversation.conversation_page import ConversationPage
from broadtalk.ui.conversation.model_picker import ModelPicker
from broadtalk.ui.main_window import MainWindow


def when_dialog_opens(kind: type, act: Callable[[QDialog], None]) -> None:
    """Act on a modal dialog once it is open (exec() blocks the test until it closes)."""

    def attempt(tries: int = 0) -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, kind):
            act(dialog)
        elif tries < 100:
            QTimer.singleShot(20, lambda: attempt(tries + 1))

    QTimer.singleShot(0, attempt)


@pytest.fixture
def window(qtbot, db, actor):
    main = MainWindow(db, actor)
    qtbot.addWidget(main)
    main.show()
    qtbot.waitExposed(main)
    return main


def _create_client_by_keyboard(qtbot, window) -> None:
    def fill(dialog: ClientDialog) -> None:
        qtbot.keyClicks(dialog.edits["given_name"], "Ron")
        qtbot.keyClicks(dialog.edits["family_name"], "Bakker")
        qtbot.keyClicks(dialog.edits["birth_date"], "12-05-1980")
        qtbot.keyClick(dialog.edits["birth_date"], Qt.Key.Key_Return)

    when_dialog_opens(ClientDialog, fill)
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)


def _pick_model(qtbot, window, model_id: str) -> None:
    def choose(picker: ModelPicker) -> None:
        for row in range(picker.list.count()):
            if picker.list.item(row).data(Qt.ItemDataRole.UserRole).id == model_id:
                picker.list.setCurrentRow(row)
        qtbot.keyClick(picker.list, Qt.Key.Key_Return)

    when_dialog_opens(ModelPicker, choose)
    qtbot.mouseClick(window.client_page.new_conversation_button, Qt.MouseButton.LeftButton)


def _new_conversation(qtbot, window, model_id: str) -> ConversationPage:
    """A new client made by keyboard, then a new conversation with the model chosen in the picker."""
    _create_client_by_keyboard(qtbot, window)
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.client_page)
    _pick_model(qtbot, window, model_id)
    qtbot.waitUntil(lambda: window.conversation is not None)
    return window.conversation


def _tab_to(qtbot, target, limit: int = 60) -> None:
    """Press Tab until ``target`` has the focus, as a keyboard user walks a page."""
    for _press in range(limit):
        if QApplication.focusWidget() is target:
            return
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is target


def _mnemonic(qtbot, widget) -> None:
    """Alt + the underlined letter of a button or label, whatever the language."""
    text = widget.text()
    letter = text[text.index("&") + 1].upper()
    qtbot.keyClick(QApplication.focusWidget(), getattr(Qt.Key, f"Key_{letter}"), Qt.KeyboardModifier.AltModifier)


def _go_to(qtbot, page: ConversationPage, key: str) -> None:
    for row in range(page.steps.count()):
        item = page.steps.item(row)
        if item.data(Qt.ItemDataRole.UserRole) == key:
            rect = page.steps.visualItemRect(item)
            qtbot.mouseClick(page.steps.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
            break
    assert page.current_step() == key


def test_a_whole_conversation_by_keyboard_and_mouse_ends_up_in_the_database(qtbot, window, db, actor):
    page = _new_conversation(qtbot, window, "positive-health")
    assert page.model.id == "positive-health"

    # The client leads: participation first, then the body, skipping the rest.
    _go_to(qtbot, page, "participation")
    participation = page.domain_pages["participation"]
    participation.score.setFocus()
    qtbot.keyClick(participation.score, Qt.Key.Key_4)
    qtbot.keyClicks(participation.own_words, "Ik wil graag meedoen")
    participation.important.setFocus()
    qtbot.keyClick(participation.important, Qt.Key.Key_Space)

    _go_to(qtbot, page, "bodily-functions")
    body = page.domain_pages["bodily-functions"]
    qtbot.keyClick(body.score, Qt.Key.Key_7)
    qtbot.keyClick(body.score, Qt.Key.Key_Left)  # 6
    change = body.items.editors["bodily-functions.change"]
    assert not change.isVisible()  # shown only when the client wants to work on this
    yes = body.items.editors["bodily-functions.work-on"]._choices["yes"]
    qtbot.mouseClick(yes, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(change.isVisible)
    qtbot.keyClicks(change.editor, "Meer bewegen, weer fietsen")

    # From the last domain, Ctrl+PgDown: the closing step, and what is typed lands in "what matters most".
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    _go_to(qtbot, page, page.model.domains[-1].id)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)
    assert page.current_step() == "closing"
    closing = page.closing
    qtbot.keyClicks(QApplication.focusWidget(), "Meedoen")
    # A goal: Tab to its field, type, Tab to its domain, choose with the arrows, Alt+mnemonic adds it.
    _tab_to(qtbot, closing.goal_text)
    qtbot.keyClicks(closing.goal_text, "Een dag in de week vrijwilligerswerk")
    qtbot.keyClick(closing.goal_text, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is closing.goal_domain
    while closing.goal_domain.currentData() != "participation":
        qtbot.keyClick(closing.goal_domain, Qt.Key.Key_Down)
    _mnemonic(qtbot, closing.add_goal_button)
    qtbot.waitUntil(lambda: closing.goals.count() == 1)
    assert QApplication.focusWidget() is closing.goal_text  # ready for the next goal
    # An action for that goal: what, who, by when; Enter adds it.
    _tab_to(qtbot, closing.action_what)
    qtbot.keyClicks(closing.action_what, "Kennismaken bij het buurthuis")
    qtbot.keyClick(closing.action_what, Qt.Key.Key_Tab)
    qtbot.keyClicks(QApplication.focusWidget(), "Ron, met de welzijnscoach")
    qtbot.keyClick(closing.action_who, Qt.Key.Key_Tab)
    qtbot.keyClicks(QApplication.focusWidget(), "01-12-2099")
    qtbot.keyClick(closing.action_due, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is closing.action_goal
    qtbot.keyClick(closing.action_goal, Qt.Key.Key_Down)
    closing.action_due.setFocus()  # back with Shift+Tab would do as well
    qtbot.keyClick(closing.action_due, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: closing.actions.count() == 1)
    # The follow-up date by its label's mnemonic; its weekday is shown beside it.
    _mnemonic(qtbot, closing.follow_up_label)
    assert QApplication.focusWidget() is closing.follow_up
    qtbot.keyClicks(closing.follow_up, "15-01-2100")
    assert format_date(date(2100, 1, 15), "full") in closing.follow_up_day.text()

    # Complete, by its mnemonic.
    _mnemonic(qtbot, page.complete_button)
    qtbot.waitUntil(lambda: page.snapshot.summary.is_completed)
    assert body.own_words.isReadOnly()
    assert page.amend_button.isVisible() and not page.complete_button.isVisible()

    with db.transaction() as tx:
        client = search_clients(tx, actor, "Ron Bakker")[0]
        [summary] = conv.list_conversations(tx, actor, client.id)
        snapshot = conv.load_conversation(tx, actor, summary.id)
    assert snapshot.summary.is_completed
    assert snapshot.scores() == {"participation": 4, "bodily-functions": 6}
    assert snapshot.assessments["participation"].own_words == "Ik wil graag meedoen"
    assert snapshot.assessments["participation"].important
    assert snapshot.answers == {
        "bodily-functions.work-on": "yes",
        "bodily-functions.change": "Meer bewegen, weer fietsen",
    }
    assert snapshot.what_matters_most == "Meedoen"
    assert [(g.description, g.domain_id) for g in snapshot.goals] == [
        ("Een dag in de week vrijwilligerswerk", "participation")
    ]
    [action] = snapshot.actions
    assert action.goal_id == snapshot.goals[0].id
    assert (action.what, action.who, action.due_date.isoformat()) == (
        "Kennismaken bij het buurthuis",
        "Ron, met de welzijnscoach",
        "2099-12-01",
    )
    assert snapshot.follow_up_date.isoformat() == "2100-01-15"


def test_a_hidden_answer_is_dropped_when_the_condition_no_longer_holds(qtbot, window, db, actor):
    page = _new_conversation(qtbot, window, "positive-health")
    _go_to(qtbot, page, "meaningfulness")
    form = page.domain_pages["meaningfulness"].items
    qtbot.mouseClick(form.editors["meaningfulness.work-on"]._choices["yes"], Qt.MouseButton.LeftButton)
    qtbot.keyClicks(form.editors["meaningfulness.change"].editor, "Iets voor een ander doen")
    qtbot.mouseClick(form.editors["meaningfulness.work-on"]._choices["no"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not form.editors["meaningfulness.change"].isVisible())
    assert page.complete()
    with db.transaction() as tx:
        answers = conv.load_conversation(tx, actor, page.conversation_id).answers
    assert answers == {"meaningfulness.work-on": "no"}


def test_amending_a_completed_conversation_records_who_changed_what(qtbot, window, db, actor, monkeypatch):
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    page = _new_conversation(qtbot, window, "four-domains")
    assert page.domain_pages["body"].score is None  # the 4D model forces no number
    _go_to(qtbot, page, "social")
    qtbot.keyClicks(page.domain_pages["social"].own_words, "Ik zie bijna niemand")
    assert page.complete()

    qtbot.mouseClick(page.amend_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.snapshot.summary.is_editable)
    own_words = page.domain_pages["social"].own_words
    own_words.selectAll()
    qtbot.keyClicks(own_words, "Ik zie bijna nooit iemand")
    assert page.complete()
    with db.transaction() as tx:
        changes = list_changes(tx, actor, page.conversation_id)
    assert changes[0].target == "amend:start"
    assert changes[-1].target == "own_words:social"
    assert changes[-1].new_value == "Ik zie bijna nooit iemand"
    assert changes[-1].practitioner_name == "Anouk de Vries"


def test_the_4d_ranking_is_stored_in_the_clients_order(qtbot, window, db, actor):
    page = _new_conversation(qtbot, window, "four-domains")
    _go_to(qtbot, page, "closing")
    ranking = page.closing.ranking
    assert ranking is not None
    rows = {ranking.item(r).data(Qt.ItemDataRole.UserRole): r for r in range(ranking.count())}
    ranking.item(rows["societal"]).setCheckState(Qt.CheckState.Checked)
    ranking.item(rows["social"]).setCheckState(Qt.CheckState.Checked)
    # Ticked domains stand on top in the order of ticking (societal, social); the rows moved.
    ranking.setCurrentRow(next(r for r in range(ranking.count()) if ranking.item(r).data(256) == "social"))
    qtbot.keyClick(ranking, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(ranking, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
    page.session.flush()
    with db.transaction() as tx:
        assert conv.load_conversation(tx, actor, page.conversation_id).ranking() == ["social", "societal"]


def test_the_client_view_hides_everything_else_until_the_practitioners_key(qtbot, window, db):
    page = _new_conversation(qtbot, window, "positive-health")
    _go_to(qtbot, page, "mental-wellbeing")
    mental = page.domain_pages["mental-wellbeing"]
    qtbot.keyClick(mental.score, Qt.Key.Key_5)
    qtbot.keyClicks(mental.notes, "Vermoeden van depressie")  # a professional note: never in the client view
    qtbot.keyClicks(mental.own_words, "Ik pieker veel")
    mental.important.setFocus()
    qtbot.keyClick(mental.important, Qt.Key.Key_Space)

    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    qtbot.keyClick(page, Qt.Key.Key_F11)
    qtbot.waitUntil(lambda: window.client_view is not None and window.client_view.isVisible())
    view = window.client_view
    view.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is view)
    assert not window.isVisible()
    texts = " ".join(label.text() for label in view.findChildren(type(view.what_matters)))
    assert "Ik pieker veel" in texts
    assert "depressie" not in texts
    assert view.chart is not None

    # Leaving needs the practitioner's PIN: Escape and the close button only ask for it.
    with db.transaction() as tx:
        choose_first_secret(tx, window.actor.id, "24680")
    qtbot.keyClick(view, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: view.leave_dialog is not None and view.leave_dialog.isVisible())
    qtbot.keyClick(view.leave_dialog.secret_edit, Qt.Key.Key_Escape)  # back to the client
    view.close()  # a click on the window's close button: asks the PIN again
    assert view.isVisible()
    qtbot.waitUntil(lambda: view.leave_dialog.isVisible())
    qtbot.keyClicks(view.leave_dialog.secret_edit, "24680")
    qtbot.keyClick(view.leave_dialog.secret_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.isVisible() and window.client_view is None)


def _choose(qtbot, combo, data) -> None:
    """Choose an entry of a combo box by keyboard, as a practitioner would (Down from the top)."""
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Home)
    for _step in range(combo.count()):
        if combo.currentData() == data:
            return
        qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert combo.currentData() == data


def test_an_action_without_a_goal_gets_a_life_domain_of_its_own(qtbot, window, db, actor):
    page = _new_conversation(qtbot, window, "positive-health")
    _go_to(qtbot, page, "closing")
    closing = page.closing
    assert closing.action_domain.isEnabled() and closing.action_domain.currentData() is None
    assert closing.action_domain.accessibleName()
    # From the goal, Tab goes on to the life domain.
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    closing.action_goal.setFocus()
    qtbot.keyClick(closing.action_goal, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is closing.action_domain

    qtbot.keyClicks(closing.action_what, "Wandelen met de buurvrouw")
    qtbot.keyClicks(closing.action_who, "Ron")
    _choose(qtbot, closing.action_domain, "daily-functioning")
    qtbot.mouseClick(closing.add_action_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: closing.actions.count() == 1)
    # The list says which domain; an action without any says it is shared only when the client agrees to it separately.
    qtbot.keyClicks(closing.action_what, "Huisarts belt terug")
    _choose(qtbot, closing.action_domain, None)
    qtbot.keyClick(closing.action_what, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: closing.actions.count() == 2)

    with db.transaction() as tx:
        snapshot = conv.load_conversation(tx, actor, page.conversation_id)
    walk, call = snapshot.actions
    assert (walk.what, walk.goal_id, walk.domain_id) == ("Wandelen met de buurvrouw", None, "daily-functioning")
    assert (call.what, call.domain_id) == ("Huisarts belt terug", None)
    title = closing.action_domain.itemText(closing.action_domain.findData("daily-functioning"))
    first, second = closing.actions.item(0), closing.actions.item(1)
    assert title in first.data(DETAIL_ROLE)
    assert title in first.data(Qt.ItemDataRole.AccessibleTextRole)
    assert second.data(DETAIL_ROLE) == _("no life domain: shared only when the client agrees to it separately")


def test_an_action_for_a_goal_with_a_domain_has_the_goals_domain(qtbot, window, db, actor):
    page = _new_conversation(qtbot, window, "positive-health")
    _go_to(qtbot, page, "closing")
    closing = page.closing
    qtbot.keyClicks(closing.goal_text, "Een dag in de week vrijwilligerswerk")
    _choose(qtbot, closing.goal_domain, "participation")
    qtbot.mouseClick(closing.add_goal_button, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(closing.goal_text, "Beter slapen")
    _choose(qtbot, closing.goal_domain, None)
    qtbot.mouseClick(closing.add_goal_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: closing.goals.count() == 2)
    with db.transaction() as tx:
        volunteering, sleep = conv.load_conversation(tx, actor, page.conversation_id).goals

    # An own choice first; then a goal with a domain shows that domain and cannot be changed.
    _choose(qtbot, closing.action_domain, "mental-wellbeing")
    _choose(qtbot, closing.action_goal, volunteering.id)
    assert not closing.action_domain.isEnabled()
    assert closing.action_domain.currentData() == "participation"
    # A goal without a domain: the action's own domain may be chosen again, the earlier choice back.
    _choose(qtbot, closing.action_goal, sleep.id)
    assert closing.action_domain.isEnabled()
    assert closing.action_domain.currentData() == "mental-wellbeing"
    _choose(qtbot, closing.action_goal, volunteering.id)

    qtbot.keyClicks(closing.action_what, "Kennismaken bij het buurthuis")
    qtbot.keyClick(closing.action_what, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: closing.actions.count() == 1)
    with db.transaction() as tx:
        (action,) = conv.load_conversation(tx, actor, page.conversation_id).actions
    assert action.goal_id == volunteering.id and action.domain_id is None  # it has its goal's domain
    title = closing.goal_domain.itemText(closing.goal_domain.findData("participation"))
    assert title in closing.actions.item(0).data(DETAIL_ROLE)
    # Ready for the next action: no goal and no domain until chosen, so nothing lands under the wrong one.
    assert closing.action_goal.currentData() is None
    assert closing.action_domain.isEnabled() and closing.action_domain.currentData() is None

    # A completed conversation is read only: the domain cannot be chosen either.
    assert page.complete()
    assert not closing.action_domain.isEnabled()
