"""The locked client view (F11), driven through the real widgets by keyboard: the way out with
the practitioner's PIN, the client's own scores, reading aloud, large type and plain words."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QLabel
from sqlmodel import select

from broadtalk import conversations as conv
from broadtalk.client_scores import set_client_assessment
from broadtalk.clients import ClientInput, create_client
from broadtalk.conversation_changes import list_changes
from broadtalk.forms.library import builtin_models
from broadtalk.i18n import _, pick
from broadtalk.practitioners import Role
from broadtalk.store.tables import AuditEntry
from broadtalk.ui import read_aloud as read_aloud_module
from broadtalk.ui.client_dialog import ClientDialog
from broadtalk.ui.client_view import FONT_SCALE, ClientView, LeaveDialog, read_aloud_text
from broadtalk.ui.main_window import MainWindow
from broadtalk.ui.screen_lock import Curtain
from broadtalk.workstation import set_up_workstation
from tests.conftest import NOW

PIN = "24680"
MODELS = {m.id: m for m in builtin_models()}


@pytest.fixture(autouse=True)
def no_speech_engine_from_outside(monkeypatch):
    monkeypatch.delenv(read_aloud_module.ENGINE_ENV, raising=False)
    monkeypatch.delenv(read_aloud_module.LOCALE_ENV, raising=False)


@pytest.fixture
def nurse(db):
    with db.transaction() as tx:
        return set_up_workstation(tx, "Anouk de Vries", Role.PRACTICE_NURSE, "Praktijk De Linde", PIN, now=NOW)


def start(db, nurse, model_id: str = "self-sufficiency", scores: dict[str, int] | None = None) -> int:
    with db.transaction() as tx:
        client = create_client(tx, nurse, ClientInput("Greet", "Visser", "03-03-1942"), now=NOW)
        cid = conv.start_conversation(tx, nurse, client.id, model_id, 1, now=NOW).id
        for domain_id, score in (scores or {}).items():
            conv.assess_domain(tx, nurse, cid, domain_id, score=score, notes="Professionele notitie", now=NOW)
    return cid


@pytest.fixture
def window(qtbot, db, nurse):
    main = MainWindow(db, nurse)
    qtbot.addWidget(main)
    main.show()
    qtbot.waitExposed(main)
    yield main
    main.idle.stop()
    view = main.client_view
    if view is not None:  # a test that stopped inside the view: open it for the teardown
        view.leave()


def open_view(qtbot, window, cid: int) -> ClientView:
    window.open_conversation(cid)
    page = window.conversation
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    qtbot.keyClick(page, Qt.Key.Key_F11)
    qtbot.waitUntil(lambda: window.client_view is not None and window.client_view.isVisible())
    view = window.client_view
    view.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is view)
    return view


def leave_dialog(qtbot, view: ClientView) -> LeaveDialog:
    qtbot.waitUntil(lambda: view.leave_dialog is not None and view.leave_dialog.isVisible(), timeout=2000)
    dialog = view.leave_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.secret_edit.hasFocus(), timeout=2000)
    return dialog


def type_pin(qtbot, dialog: LeaveDialog, pin: str) -> None:
    qtbot.keyClicks(dialog.secret_edit, pin)
    qtbot.keyClick(dialog.secret_edit, Qt.Key.Key_Return)


def audit_actions(db) -> list[str]:
    with db.transaction() as tx:
        return [e.action for e in tx.exec(select(AuditEntry).order_by(AuditEntry.id))]


# -- the way out: Escape asks the practitioner's PIN -------------------------------------------------


def test_escape_asks_the_practitioners_pin_and_a_wrong_one_keeps_the_view(qtbot, db, window):
    view = open_view(qtbot, window, start(db, window.actor))
    assert view.leave_hint.isVisible()
    assert view.leave_hint.text() == _("Esc: back to the conversation, for the practitioner (PIN)")

    qtbot.keyClick(view.focusWidget() or view, Qt.Key.Key_Escape)
    dialog = leave_dialog(qtbot, view)
    type_pin(qtbot, dialog, "11111")
    assert dialog.isVisible() and view.isVisible() and not window.isVisible()
    assert dialog.error.isVisible() and dialog.error.text()
    assert dialog.secret_edit.hasFocus()

    qtbot.keyClick(dialog.secret_edit, Qt.Key.Key_Escape)  # pressed by mistake: back to the client
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert view.isVisible() and window.client_view is view and not window.isVisible()

    view.close()  # the window's close button (or Alt+F4) asks the PIN too
    assert view.isVisible()
    dialog = leave_dialog(qtbot, view)
    assert dialog.secret_edit.text() == ""  # nothing typed earlier is left in the field
    assert not dialog.error.isVisible()
    type_pin(qtbot, dialog, PIN)
    qtbot.waitUntil(lambda: window.isVisible() and window.client_view is None)
    assert not view.isVisible()
    actions = audit_actions(db)
    assert "unlock_failed" in actions and actions[-1] == "unlock"


def test_ctrl_alt_b_asks_the_pin_too(qtbot, db, window):
    view = open_view(qtbot, window, start(db, window.actor))
    qtbot.keyClick(view, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier)
    dialog = leave_dialog(qtbot, view)
    assert view.isVisible() and window.client_view is view
    type_pin(qtbot, dialog, PIN)
    qtbot.waitUntil(lambda: window.isVisible() and window.client_view is None)


def test_nothing_behind_the_view_can_be_reached(qtbot, db, window):
    view = open_view(qtbot, window, start(db, window.actor))
    assert view.windowModality() == Qt.WindowModality.ApplicationModal
    focus = view.focusWidget() or view
    for key, modifiers in (
        (Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier),  # new client
        (Qt.Key.Key_F11, Qt.KeyboardModifier.NoModifier),
        (Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier),
        (Qt.Key.Key_F, Qt.KeyboardModifier.AltModifier),  # a menu
        (Qt.Key.Key_Tab, Qt.KeyboardModifier.AltModifier),
    ):
        qtbot.keyClick(focus, key, modifiers)
        qtbot.wait(20)
        assert view.isVisible() and not window.isVisible()
        assert not [w for w in QApplication.topLevelWidgets() if isinstance(w, ClientDialog) and w.isVisible()]
        assert QApplication.activeModalWidget() is view
    assert window.client_view is view


def test_a_lockout_after_wrong_pins_keeps_the_view_locked(qtbot, db, window):
    view = open_view(qtbot, window, start(db, window.actor))
    qtbot.keyClick(view, Qt.Key.Key_Escape)
    dialog = leave_dialog(qtbot, view)
    for _attempt in range(5):
        dialog.secret_edit.clear()
        type_pin(qtbot, dialog, "99999")
    dialog.secret_edit.clear()
    type_pin(qtbot, dialog, PIN)  # locked out now: even the right PIN waits
    assert view.isVisible() and dialog.isVisible() and not window.isVisible()
    assert audit_actions(db).count("unlock_failed") >= 5


def test_the_screen_lock_covers_the_view_and_unlocking_returns_to_the_client(qtbot, db, window):
    view = open_view(qtbot, window, start(db, window.actor))
    window.lock()  # the practice's idle minutes passed
    dialog = window.screen_lock.dialog
    assert dialog is not None and dialog.isVisible()
    assert [w for w in QApplication.allWidgets() if isinstance(w, Curtain) and w.isVisible() and w.parent() is view]
    qtbot.keyClicks(dialog.secret_edit, PIN)
    qtbot.keyClick(dialog.secret_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.screen_lock.is_locked)
    assert view.isVisible() and window.client_view is view and not window.isVisible()  # still the client's


# -- the client's own scores -------------------------------------------------------------------


def test_the_client_scores_by_keyboard_beside_the_practitioners_score(qtbot, db, window):
    cid = start(db, window.actor, scores={"finances": 2, "housing": 4})
    view = open_view(qtbot, window, cid)
    finances = view.cards["finances"]
    # The practitioner's score is shown beside the client's own, which starts empty.
    assert finances.score is not None and finances.score.value() is None
    assert finances.theirs is not None
    assert " ".join(finances.theirs.text().replace("\u00a0", " ").split()) == _(
        "Your practitioner's score: {score}"
    ).format(score=2)
    # Plain words at the ends of the scale, never the professional's descriptions.
    labels = [label.text() for label in finances.score.findChildren(QLabel) if label.text()]
    low = MODELS["self-sufficiency"].scale_of(MODELS["self-sufficiency"].domain("finances")).anchor(1)
    assert pick(low.plain()) in labels and pick(low.label) not in labels
    assert finances.score.hasFocus()  # the first domain is ready for the client's keys

    qtbot.keyClick(finances.score, Qt.Key.Key_4)
    qtbot.keyClick(finances.score, Qt.Key.Key_Right)  # 5
    qtbot.keyClick(finances.score, Qt.Key.Key_Tab)
    assert finances.talk.hasFocus()
    qtbot.keyClick(finances.talk, Qt.Key.Key_Space)
    qtbot.keyClick(finances.talk, Qt.Key.Key_Tab)
    assert view.cards["work-education"].score.hasFocus()  # Tab goes on to the next domain
    qtbot.keyClick(view.focusWidget(), Qt.Key.Key_1)
    assert view.chart is not None and view.chart.data() is not None
    assert view.chart.data().own_value("finances") == 5  # drawn beside the practitioner's at once
    assert view.save_all()

    with db.transaction() as tx:
        assessments = conv.load_conversation(tx, window.actor, cid).assessments
    assert (assessments["finances"].score, assessments["finances"].client_score) == (2, 5)
    assert assessments["finances"].client_wants_to_talk
    assert assessments["finances"].notes == "Professionele notitie"
    assert (assessments["work-education"].score, assessments["work-education"].client_score) == (None, 1)
    assert (assessments["housing"].score, assessments["housing"].client_score) == (4, None)


def test_a_completed_conversation_shows_the_clients_scores_without_changing_them(qtbot, db, window):
    cid = start(db, window.actor, scores={"finances": 2})
    with db.transaction() as tx:
        set_client_assessment(tx, window.actor, cid, "finances", score=3, wants_to_talk=True)
        conv.complete_conversation(tx, window.actor, cid)
    view = open_view(qtbot, window, cid)
    finances = view.cards["finances"]
    assert finances.score.value() == 3 and finances.talk.isChecked()
    assert not finances.score.isEnabled() and not finances.talk.isEnabled()
    qtbot.keyClick(view, Qt.Key.Key_Escape)
    type_pin(qtbot, leave_dialog(qtbot, view), PIN)
    qtbot.waitUntil(lambda: window.client_view is None)


def test_amending_records_the_clients_new_score_as_an_amendment(qtbot, db, window):
    cid = start(db, window.actor, scores={"finances": 2})
    with db.transaction() as tx:
        set_client_assessment(tx, window.actor, cid, "finances", score=3)
        conv.complete_conversation(tx, window.actor, cid)
        conv.amend_conversation(tx, window.actor, cid)
    view = open_view(qtbot, window, cid)
    score = view.cards["finances"].score
    assert score.isEnabled()
    score.setFocus()
    qtbot.keyClick(score, Qt.Key.Key_Left)
    qtbot.keyClick(view, Qt.Key.Key_Escape)
    type_pin(qtbot, leave_dialog(qtbot, view), PIN)  # leaving saves what the client gave
    qtbot.waitUntil(lambda: window.client_view is None)
    with db.transaction() as tx:
        changes = list_changes(tx, window.actor, cid)
    assert [(c.target, c.old_value, c.new_value) for c in changes][-1] == ("client_score:finances", 3, 2)


def test_an_unscored_model_offers_only_i_want_to_talk_about_this(qtbot, db, window):
    cid = start(db, window.actor, model_id="four-domains")
    view = open_view(qtbot, window, cid)
    body = view.cards["body"]
    assert body.score is None
    assert body.talk.hasFocus()  # the first thing the client can do has the keyboard
    texts = [label.text() for label in view.findChildren(QLabel) if label.isVisibleTo(view)]
    assert _("Tick what you want to talk about.") in texts
    qtbot.keyClick(body.talk, Qt.Key.Key_Space)
    assert view.save_all()
    with db.transaction() as tx:
        assert conv.load_conversation(tx, window.actor, cid).assessments["body"].client_wants_to_talk


def test_the_view_shows_the_agreed_actions_and_the_next_conversation(qtbot, db, window):
    from datetime import date

    from broadtalk.i18n import format_date

    cid = start(db, window.actor)
    with db.transaction() as tx:
        goal = conv.add_goal(tx, window.actor, cid, "Overzicht over de rekeningen", domain_id="finances")
        conv.add_action(
            tx, window.actor, cid, "Papieren sorteren", who="Greet", due_date=date(2026, 3, 16), goal_id=goal.id
        )
        conv.add_action(tx, window.actor, cid, "Bellen met de schuldhulp")
        conv.set_closing(tx, window.actor, cid, follow_up_date=date(2026, 4, 13))
    view = open_view(qtbot, window, cid)
    texts = [label.text() for label in view.findChildren(QLabel) if label.isVisibleTo(view)]
    assert _("• {goal}").format(goal="Overzicht over de rekeningen") in texts
    assert (
        _("• {action} ({detail})").format(
            action="Papieren sorteren",
            detail="Greet, " + _("by {date}").format(date=format_date(date(2026, 3, 16), "long")),
        )
        in texts
    )
    assert _("• {goal}").format(goal="Bellen met de schuldhulp") in texts
    assert view.follow_up is not None and view.follow_up.text() == format_date(date(2026, 4, 13), "long")


# -- reading aloud -----------------------------------------------------------------------------


def test_f5_and_the_button_read_the_question_and_its_options_aloud(qtbot, db, window, monkeypatch):
    monkeypatch.setenv(read_aloud_module.ENGINE_ENV, "mock")  # Qt's test engine: English voices only
    monkeypatch.setenv(read_aloud_module.LOCALE_ENV, "en_GB")
    view = open_view(qtbot, window, start(db, window.actor))
    model = MODELS["self-sufficiency"]
    assert view.speech.available and not view.speech_notice.isVisible()
    qtbot.keyClick(view.focusWidget(), Qt.Key.Key_F5)  # the first domain has the focus
    assert view.speech.said == [read_aloud_text(model, model.domain("finances"))]
    assert view.speech.is_speaking()

    qtbot.keyClick(view.focusWidget(), Qt.Key.Key_Tab)
    qtbot.keyClick(view.focusWidget(), Qt.Key.Key_Tab)
    qtbot.keyClick(view.focusWidget(), Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    said = view.speech.said[-1]
    assert said == read_aloud_text(model, model.domain("work-education"))
    question = pick(model.domain("work-education").client_question)
    assert question in said
    for anchor in model.scale_of(model.domain("work-education")).anchors:
        assert pick(anchor.plain()) in said

    housing = view.cards["housing"]
    assert housing.read_button.isEnabled()
    qtbot.mouseClick(housing.read_button, Qt.MouseButton.LeftButton)
    assert view.speech.said[-1] == read_aloud_text(model, model.domain("housing"))
    assert not housing.read_button.hasFocus()  # the keyboard stays where the client was


def test_without_a_dutch_voice_the_view_says_so_and_never_crashes(qtbot, db, window, monkeypatch):
    monkeypatch.setenv(read_aloud_module.ENGINE_ENV, "mock")  # has no Dutch voice
    view = open_view(qtbot, window, start(db, window.actor))
    assert not view.speech.available
    assert view.speech_notice.isVisible()
    assert view.speech_notice.text() == _(
        "Reading aloud is not available: no Dutch voice is installed on this computer."
    )
    assert all(not card.read_button.isEnabled() for card in view.cards.values())
    qtbot.keyClick(view.focusWidget(), Qt.Key.Key_F5)
    assert view.speech.said == [] and view.isVisible()


def test_when_speech_cannot_load_at_all_the_view_says_so(qtbot, db, window, monkeypatch):
    monkeypatch.setattr(read_aloud_module, "_load_module", lambda: None)  # no libpulse, say
    view = open_view(qtbot, window, start(db, window.actor))
    assert not view.speech.available and view.speech_notice.isVisible()
    assert view.speech_notice.text() == _("Reading aloud is not available: this computer cannot play speech.")


def test_an_unknown_engine_is_no_voice(qtbot, monkeypatch):
    monkeypatch.setenv(read_aloud_module.ENGINE_ENV, "no-such-engine")
    speech = read_aloud_module.ReadAloud()
    assert not speech.available and speech.reason
    assert not speech.say("Hallo")


# -- large type and plain words ----------------------------------------------------------------


def test_large_type_that_follows_the_system_font_and_the_models_plain_questions(qtbot, db, window):
    app = QApplication.instance()
    original = QFont(app.font())
    doubled = QFont(original)
    doubled.setPointSizeF(original.pointSizeF() * 2)  # the system font at 200%
    app.setFont(doubled)
    try:
        view = open_view(qtbot, window, start(db, window.actor, model_id="positive-health"))
        qtbot.wait(50)
        card = view.cards["bodily-functions"]
        domain = MODELS["positive-health"].domain("bodily-functions")
        assert card.question.text() == pick(domain.client_question)
        assert card.heading.text() == pick(domain.plain())
        assert card.question.font().pointSizeF() >= doubled.pointSizeF() * FONT_SCALE * 0.99
        # Nothing is cut off: the question has the height its wrapped lines need, the buttons their text.
        assert card.question.height() >= card.question.heightForWidth(card.question.width())
        for button in card.score.group.buttons():
            assert button.width() >= button.fontMetrics().horizontalAdvance(button.text())
        assert view.scroll.horizontalScrollBar().maximum() == 0
    finally:
        app.setFont(original)
