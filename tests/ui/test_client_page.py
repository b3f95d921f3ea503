"""The client page, driven through the real widgets (offscreen): the history it shows, the signals
it gives, and ticking actions off."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QMessageBox, QWidget
from sqlmodel import select

from broadtalk import i18n
from broadtalk.client_history import client_history
from broadtalk.clients import ClientInput, create_client, get_client
from broadtalk.conversation_records import (
    ActionEntry,
    ConversationContent,
    DomainEntry,
    GoalEntry,
    record_conversation,
)
from broadtalk.conversations import add_action, complete_conversation, start_conversation
from broadtalk.i18n import _, format_short_date
from broadtalk.practitioners import Role, create_practitioner
from broadtalk.store.tables import Action, DomainAssessment
from broadtalk.ui import client_page
from broadtalk.ui.client_page import ActionsModel, ClientPage
from broadtalk.ui.main_window import MainWindow
from tests.conftest import NOW


@pytest.fixture(autouse=True)
def no_message_boxes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A modal box would hang the test; every message the page tries to show is recorded instead."""
    shown: list[str] = []
    for name in ("warning", "critical", "information", "question"):
        monkeypatch.setattr(
            QMessageBox,
            name,
            staticmethod(lambda _parent, _title, text, *args, **kwargs: shown.append(text)),
        )
    return shown


@dataclass(frozen=True)
class Greet:
    client_id: int
    four_domains: int  # completed, 200 days ago
    health: int  # completed, 60 days ago
    self_sufficiency: int  # draft, today


@pytest.fixture
def greet(db, actor) -> Greet:
    """Greet with three conversations, made through the app's own use cases."""
    with db.transaction() as tx:
        client = create_client(
            tx,
            actor,
            ClientInput("Greet", "Berg", "03-03-1942", name_prefix="van den", phone="030 123 4567", city="Utrecht"),
            now=NOW,
        )
        first_day = NOW - timedelta(days=200)
        four_domains = record_conversation(
            tx,
            actor,
            client.id,
            ConversationContent(
                "four-domains",
                1,
                first_day,
                goals=[
                    GoalEntry(
                        "Minder alleen zijn",
                        "social",
                        actions=[ActionEntry("Aanmelden bij de maaltijd in het buurthuis", "Greet", date(2025, 9, 1))],
                    )
                ],
                completed_at=first_day + timedelta(minutes=55),
                duration_seconds=55 * 60,
            ),
        )
        health = start_conversation(tx, actor, client.id, "positive-health", 1, now=NOW - timedelta(days=60)).id
        add_action(tx, actor, health, "Wandelgroep op dinsdag proberen", who="Greet en dochter", now=NOW)
        complete_conversation(tx, actor, health, duration_seconds=70 * 60, now=NOW - timedelta(days=60, minutes=-70))
        draft = start_conversation(tx, actor, client.id, "self-sufficiency", 1, now=NOW).id
    return Greet(client.id, four_domains, health, draft)


@pytest.fixture
def page(qtbot, db, actor) -> ClientPage:
    widget = ClientPage(db, actor)
    qtbot.addWidget(widget)
    widget.resize(1000, 700)
    widget.show()
    _activate(qtbot, widget)
    return widget


@pytest.fixture
def make_page(qtbot) -> Iterator[Callable[..., ClientPage]]:
    """Pages a test makes itself (e.g. after choosing the language), held until the test is over.

    qtbot holds a window only weakly. A shown page the test no longer names lives on in reference
    cycles alone, and the garbage collector then deletes it at a moment of its choosing, even in
    the middle of painting it: a crash in a paint event after the test has passed.
    """
    pages: list[ClientPage] = []

    def make(db, actor) -> ClientPage:
        widget = ClientPage(db, actor)
        qtbot.addWidget(widget)
        pages.append(widget)
        widget.resize(1000, 700)
        widget.show()
        _activate(qtbot, widget)
        return widget

    yield make
    for widget in pages:
        widget.close()
        widget.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)


def _activate(qtbot, window) -> None:
    """The offscreen platform does not activate new windows by itself, as a desktop does."""
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)


def _column(model, column: int) -> list[str]:
    return [model.index(row, column).data() for row in range(model.rowCount())]


def test_conversations_are_listed_newest_first_with_the_models_dutch_title(page, greet):
    assert page.show_client(greet.client_id)
    model = page.conversations_model
    assert [model.conversation_at(row).id for row in range(model.rowCount())] == [
        greet.self_sufficiency,
        greet.health,
        greet.four_domains,
    ]
    assert _column(model, 1) == [
        "Zelfredzaamheid per levensdomein",
        "Gezondheid breed bekeken (zes dimensies)",
        "Vier domeinen (4D-model)",
    ]
    assert _column(model, 0)[0] == "02-03-2026"  # dd-mm-jjjj
    assert _column(model, 3) == ["Anouk de Vries"] * 3
    assert page.conversations_table.isVisible() and not page.conversations_section.empty.isVisible()


def test_status_and_duration_read_as_words(page, greet):
    i18n.set_language("en")
    page.show_client(greet.client_id)
    assert _column(page.conversations_model, 2) == ["Draft", "Completed", "Completed"]
    assert _column(page.conversations_model, 4) == ["–", "1 h 10 min", "55 min"]


def test_the_header_shows_name_client_number_and_dutch_birth_date(db, actor, page, greet):
    page.show_client(greet.client_id)
    with db.transaction() as tx:
        client = get_client(tx, actor, greet.client_id)
    assert page.name_label.text() == "Greet van den Berg"
    details = page.details_label.text()
    assert client.client_number in details and "03-03-1942" in details
    assert str(client.age_on(date.today())) in details
    assert "030 123 4567" in page.contact_label.text() and "Utrecht" in page.contact_label.text()


def test_enter_on_a_conversation_asks_to_open_it(qtbot, page, greet):
    page.show_client(greet.client_id)
    table = page.conversations_table
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_Down)
    assert table.currentIndex().row() == 1
    with qtbot.waitSignal(page.open_conversation_requested) as opened:
        qtbot.keyClick(table, Qt.Key.Key_Return)
    assert opened.args == [greet.health]


def test_double_click_on_a_conversation_asks_to_open_it(qtbot, page, greet):
    page.show_client(greet.client_id)
    table = page.conversations_table
    where = table.visualRect(page.conversations_model.index(2, 1)).center()
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=where)
    with qtbot.waitSignal(page.open_conversation_requested) as opened:
        qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=where)
    assert opened.args == [greet.four_domains]


def test_the_page_opens_with_the_cursor_on_the_newest_conversation(qtbot, page, greet):
    page.show_client(greet.client_id)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is page.conversations_table)
    with qtbot.waitSignal(page.open_conversation_requested) as opened:
        qtbot.keyClick(page.conversations_table, Qt.Key.Key_Return)
    assert opened.args == [greet.self_sufficiency]


def test_new_conversation_asks_for_one_for_this_client(qtbot, page, greet):
    page.show_client(greet.client_id)
    with qtbot.waitSignal(page.start_conversation_requested) as asked:
        qtbot.mouseClick(page.new_conversation_button, Qt.MouseButton.LeftButton)
    assert asked.args == [greet.client_id]


def test_goals_and_actions_from_all_conversations_are_listed(page, greet):
    i18n.set_language("en")
    page.show_client(greet.client_id)
    assert _column(page.goals_model, 0) == ["Minder alleen zijn"]
    assert _column(page.goals_model, 1) == ["Social"]
    actions = page.actions_model
    assert _column(actions, ActionsModel.WHAT) == [
        "Aanmelden bij de maaltijd in het buurthuis",  # has a date: first
        "Wandelgroep op dinsdag proberen",
    ]
    assert _column(actions, ActionsModel.WHO) == ["Greet", "Greet en dochter"]
    assert _column(actions, ActionsModel.DUE) == ["01/09/2025", ""]
    assert page.actions_section.note.text() == "2 open"
    for table in (page.conversations_table, page.goals_table, page.actions_table):
        assert table.accessibleName()


def test_ticking_an_action_off_by_keyboard_is_stored_and_stays_in_sync(qtbot, db, page, greet):
    i18n.set_language("en")
    page.show_client(greet.client_id)
    table, model = page.actions_table, page.actions_model
    action = model.action_at(0)
    table.setFocus()
    table.setCurrentIndex(model.index(0, ActionsModel.DONE))
    qtbot.keyClick(table, Qt.Key.Key_Space)

    qtbot.waitUntil(
        lambda: model.index(0, ActionsModel.DONE).data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
    )
    with db.transaction() as tx:
        assert tx.get(Action, action.id).done is True
    # The row stays under the cursor; the count follows.
    assert model.action_at(0).id == action.id and model.action_at(0).done
    assert page.actions_section.note.text() == "1 open"

    qtbot.keyClick(table, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: not model.action_at(0).done)
    with db.transaction() as tx:
        assert tx.get(Action, action.id).done is False


def test_ticking_an_action_off_by_mouse_on_a_completed_conversation(qtbot, db, actor, page, greet):
    page.show_client(greet.client_id)
    model = page.actions_model
    row = next(r for r in range(model.rowCount()) if model.action_at(r).conversation_id == greet.health)
    action_id = model.action_at(row).id
    model.setData(model.index(row, ActionsModel.DONE), Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
    with db.transaction() as tx:
        assert tx.get(Action, action_id).done is True
        assert next(a for a in client_history(tx, actor, greet.client_id).actions if a.id == action_id).done
    page.show_client(greet.client_id)
    assert model.action_at(model.rowCount() - 1).id == action_id  # done: at the bottom after a reload


def test_an_action_removed_meanwhile_is_reported_and_the_list_reloads(qtbot, db, page, greet, no_message_boxes):
    page.show_client(greet.client_id)
    model = page.actions_model
    gone = model.action_at(0).id
    with db.transaction() as tx:
        tx.delete(tx.get(Action, gone))
    assert not model.setData(
        model.index(0, ActionsModel.DONE), Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole
    )
    assert len(no_message_boxes) == 1
    qtbot.waitUntil(lambda: model.rowCount() == 1)
    assert model.action_at(0).id != gone


def test_escape_asks_to_go_back_to_the_list(qtbot, page, greet):
    page.show_client(greet.client_id)
    page.conversations_table.setFocus()
    with qtbot.waitSignal(page.back_requested):
        qtbot.keyClick(page.conversations_table, Qt.Key.Key_Escape)


def test_alt_left_and_the_back_button_ask_to_go_back(qtbot, page, greet):
    page.show_client(greet.client_id)
    with qtbot.waitSignal(page.back_requested):
        qtbot.keyClick(page.conversations_table, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    with qtbot.waitSignal(page.back_requested):
        qtbot.mouseClick(page.back_button, Qt.MouseButton.LeftButton)


def test_editing_the_details_stores_them_refreshes_the_header_and_says_so(qtbot, db, actor, page, greet):
    page.show_client(greet.client_id)
    qtbot.mouseClick(page.edit_button, Qt.MouseButton.LeftButton)
    dialog = page.client_dialog
    assert dialog is not None and dialog.isModal()
    _activate(qtbot, dialog)
    assert dialog.edits["family_name"].text() == "Berg"
    dialog.edits["family_name"].selectAll()
    qtbot.keyClicks(dialog.edits["family_name"], "Bergen")
    with qtbot.waitSignal(page.client_changed) as changed:
        qtbot.keyClick(dialog.edits["family_name"], Qt.Key.Key_Return)
    assert changed.args == [greet.client_id]
    with db.transaction() as tx:
        assert get_client(tx, actor, greet.client_id).family_name == "Bergen"
    assert page.name_label.text() == "Greet van den Bergen"
    assert page.conversations_model.rowCount() == 3


def test_cancelling_the_details_changes_nothing(qtbot, db, actor, page, greet):
    page.show_client(greet.client_id)
    page.edit_client()
    dialog = page.client_dialog
    _activate(qtbot, dialog)
    dialog.edits["given_name"].setText("Margaretha")
    with (
        qtbot.assertNotEmitted(page.client_changed),
        qtbot.assertNotEmitted(page.back_requested),  # Esc closes the dialog, not the page
        qtbot.waitSignal(dialog.rejected),
    ):
        qtbot.keyClick(dialog.edits["given_name"], Qt.Key.Key_Escape)
    assert page.name_label.text() == "Greet van den Berg"
    with db.transaction() as tx:
        assert get_client(tx, actor, greet.client_id).given_name == "Greet"


def test_a_client_without_conversations_gets_calm_sentences_and_the_new_conversation_button(qtbot, db, actor, page):
    with db.transaction() as tx:
        ron = create_client(tx, actor, ClientInput("Ron", "Jansen", "12-08-1980"), now=NOW)
    page.show_client(ron.id)
    for section in (page.conversations_section, page.goals_section, page.actions_section):
        assert section.is_empty
        assert section.empty.isVisible() and section.empty.text()
        assert not section.table.isVisible()
    assert page.actions_section.note.text() == ""
    qtbot.waitUntil(lambda: QApplication.focusWidget() is page.new_conversation_button)


def test_an_unknown_client_is_reported(page, no_message_boxes):
    assert not page.show_client(424242)
    assert len(no_message_boxes) == 1
    assert page.client is None


def test_refresh_shows_a_conversation_held_meanwhile(db, actor, page, greet):
    page.show_client(greet.client_id)
    with db.transaction() as tx:
        newest = start_conversation(tx, actor, greet.client_id, "four-domains", 1, now=NOW + timedelta(hours=2)).id
    page.refresh()
    assert page.conversations_model.conversation_at(0).id == newest
    assert page.conversations_model.rowCount() == 4


# -- how things moved, the follow-up, the actions' domains, the mnemonics (issue 11) ---------------

HEALTH = ("bodily-functions", "mental-wellbeing", "meaningfulness", "quality-of-life", "participation",
          "daily-functioning")  # fmt: skip


def _scored(tx, actor, client_id, model_id, days_ago, scores, own=None, follow_up=None) -> int:
    started = NOW - timedelta(days=days_ago)
    conversation_id = record_conversation(
        tx,
        actor,
        client_id,
        ConversationContent(
            model_id,
            1,
            started,
            domains=[DomainEntry(domain_id, score) for domain_id, score in scores.items()],
            completed_at=started + timedelta(minutes=40),
            follow_up_date=follow_up,
        ),
    )
    for domain_id, value in (own or {}).items():  # the client's own score, as the client view stores it
        row = tx.exec(
            select(DomainAssessment).where(
                DomainAssessment.conversation_id == conversation_id, DomainAssessment.domain_id == domain_id
            )
        ).one()
        row.client_score = value
        tx.add(row)
    return conversation_id


@pytest.fixture
def moved(db, actor) -> int:
    """Joke with three positive-health conversations (one domain skipped, own scores) and one ZRM."""
    with db.transaction() as tx:
        client_id = create_client(tx, actor, ClientInput("Joke", "Smit", "12-05-1960"), now=NOW).id
        _scored(tx, actor, client_id, "self-sufficiency", 400, {"finances": 2, "housing": 3})
        _scored(tx, actor, client_id, "positive-health", 300, dict.fromkeys(HEALTH, 3))
        _scored(tx, actor, client_id, "positive-health", 150, dict.fromkeys(HEALTH, 5) | {"participation": None},
                own={"bodily-functions": 4})  # fmt: skip
        _scored(tx, actor, client_id, "positive-health", 10, dict.fromkeys(HEALTH, 7),
                own={"bodily-functions": 6, "participation": 2}, follow_up=date(2026, 12, 8))  # fmt: skip
    return client_id


def _mnemonic(text: str) -> str:
    match = re.search(r"&([^&])", text)
    return match.group(1).lower() if match else ""


def test_the_trends_show_every_conversation_per_domain_with_gaps_and_own_scores(qtbot, page, moved):
    assert page.show_client(moved)
    panel = page.trends_panel
    assert page.trends_section.isVisible() and not page.trends_section.is_empty
    assert [t.model_id for t in panel.trends] == ["positive-health", "self-sufficiency"]
    assert panel.model_combo.isVisible()  # two models: a chooser
    assert [t.chart.data().title for t in panel.domain_trends] == [
        "Lichaam",
        "Mentaal welbevinden",
        "Zingeving",
        "Kwaliteit van leven",
        "Meedoen",
        "Dagelijks leven",
    ]
    assert all(trend.chart.isVisible() and trend.table.isVisible() for trend in panel.domain_trends)
    participation = panel.domain_trends[4]
    assert participation.chart.data().scores == (3, None, 7)  # skipped: None, never 0
    table = participation.table
    assert table.header_texts() == [_("Date"), _("Score"), _("Own score")]
    assert [[table.cell_text(r, c) for c in range(3)] for r in range(3)] == [
        [format_short_date((NOW - timedelta(days=300)).date()), "3", "\u2013"],
        [format_short_date((NOW - timedelta(days=150)).date()), "\u2013", "\u2013"],
        [format_short_date((NOW - timedelta(days=10)).date()), "7", "2"],
    ]
    assert table.item(1, 1).data(Qt.ItemDataRole.AccessibleTextRole) == _("skipped, no score")
    body = panel.domain_trends[0]
    assert body.chart.data().own_scores == (None, 4, 6)
    assert body.chart.accessibleName() == _("Trend of {domain}").format(domain="Lichaam")
    assert "Lichaam" in body.chart.accessibleDescription()
    # The spider chart: the first and the latest overlaid, the client's own score beside them.
    spider = panel.spider.chart.data()
    assert spider.first_and_latest
    assert spider.previous["bodily-functions"] == 3 and spider.current["bodily-functions"] == 7
    assert spider.own == {"bodily-functions": 6, "participation": 2}
    assert panel.spider.table.header_texts() == [_("Domain"), _("First"), _("Latest"), _("Change"), _("Own score")]


def test_the_trends_are_reached_and_the_model_switched_by_keyboard(qtbot, db, actor, moved, make_page):
    i18n.set_language("en")  # the page's mnemonics in English do not wait for the Dutch catalog
    page = make_page(db, actor)
    page.show_client(moved)
    heading = page.trends_section.heading
    letter = _mnemonic(heading.text())
    assert letter and heading.buddy() is page.trends_panel.model_combo
    qtbot.keyClick(page.conversations_table, letter, Qt.KeyboardModifier.AltModifier)
    combo = page.trends_panel.model_combo
    qtbot.waitUntil(lambda: QApplication.focusWidget() is combo)
    # The page scrolled down to it.
    bar = page.scroll.verticalScrollBar()
    assert bar.value() > 0
    top = combo.mapTo(page.scroll.widget(), combo.rect().topLeft()).y()
    assert bar.value() <= top <= bar.value() + page.scroll.viewport().height()
    assert heading.mapTo(page.scroll.widget(), heading.rect().topLeft()).y() >= bar.value()  # its heading too

    qtbot.keyClick(combo, Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: page.trends_panel.current_trends().model_id == "self-sufficiency")
    trends = page.trends_panel.domain_trends
    assert len(trends) == 13 and all(trend.isVisible() for trend in trends)
    finances = next(t for t in trends if t.chart.data().title == "Finances")
    assert finances.table.header_texts() == [_("Date"), _("Score")]  # no own scores: no column of dashes
    assert finances.table.cell_text(0, 1) == "2"
    justice = next(t for t in trends if t.chart.data().title == "Justice")
    assert justice.table.cell_text(0, 1) == "\u2013"
    assert [t.chart.data().title for t in trends][:2] == ["Finances", "Work and education"]

    # Tab goes on from the chooser into the charts and tables, in reading order.
    qtbot.keyClick(combo, Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is page.trends_panel.spider.table)
    qtbot.keyClick(page.trends_panel.spider.table, Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is trends[0].chart)
    qtbot.keyClick(trends[0].chart, Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is trends[0].table)


def test_one_model_needs_no_chooser_and_no_scores_gives_a_calm_sentence(qtbot, db, actor, page, greet):
    with db.transaction() as tx:
        _scored(tx, actor, greet.client_id, "positive-health", 5, dict.fromkeys(HEALTH, 6))
    # 4D (no scores), positive health without and with scores, a ZRM draft without scores
    page.show_client(greet.client_id)
    panel = page.trends_panel
    assert [t.model_id for t in panel.trends] == ["positive-health"]
    assert not panel.model_combo.isVisible()
    assert page.trends_section.heading.buddy() is panel.spider.table
    assert panel.spider.chart.data().previous is None  # the first is the latest: one web
    with db.transaction() as tx:
        ron = create_client(tx, actor, ClientInput("Ron", "Jansen", "12-08-1980"), now=NOW)
    page.show_client(ron.id)
    assert page.trends_section.is_empty and page.trends_section.empty.isVisible()
    assert page.trends_section.heading.buddy() is None
    assert "&" not in page.trends_section.heading.text()


def test_the_latest_follow_up_date_is_shown_with_its_weekday(page, moved):
    i18n.set_language("en")
    page.show_client(moved)
    text = page.follow_up_label.text()
    assert page.follow_up_label.isVisible()
    assert text == _("Follow-up conversation: {date}").format(date="Tue 8 December")


def test_the_actions_table_has_a_domain_column(qtbot, page, greet):
    i18n.set_language("en")
    page.show_client(greet.client_id)
    model = page.actions_model
    assert model.headerData(ActionsModel.DOMAIN, Qt.Orientation.Horizontal) == "Domain"
    domains = {model.action_at(r).what: model.index(r, ActionsModel.DOMAIN).data() for r in range(model.rowCount())}
    # The goal's domain for an action serving a goal; none for a loose action without a domain.
    assert domains == {"Aanmelden bij de maaltijd in het buurthuis": "Social", "Wandelgroep op dinsdag proberen": ""}
    first = next(r for r in range(model.rowCount()) if domains[model.action_at(r).what])
    assert "Social" in model.index(first, ActionsModel.WHAT).data(Qt.ItemDataRole.AccessibleTextRole)


@pytest.mark.parametrize("language", ["nl", "en"])
def test_no_mnemonic_on_the_client_page_clashes_with_the_menus_or_another(qtbot, db, actor, moved, language):
    # Alt+P on the client page went to the Praktijk menu and to "Volgende sta&p…" at once.
    i18n.set_language(language)
    window = MainWindow(db, actor)
    qtbot.addWidget(window)
    window.resize(1280, 860)
    window.show()
    qtbot.waitExposed(window)
    window.show_client(moved)
    page = window.client_page
    # Built while the page was not on screen yet, the trends are shown with it.
    assert page.trends_panel.domain_trends and all(t.isVisible() for t in page.trends_panel.domain_trends)
    menus = [_mnemonic(action.text()) for action in window.menuBar().actions()]
    assert all(menus) and len(set(menus)) == len(menus)
    seen: dict[str, str] = {}
    for widget in page.findChildren(QWidget):
        if not isinstance(widget, QAbstractButton | QLabel) or not widget.isVisibleTo(page):
            continue
        letter = _mnemonic(widget.text())
        if not letter:
            continue
        assert letter not in menus, f"{widget.text()!r} clashes with a menu"
        assert letter not in seen, f"{widget.text()!r} clashes with {seen[letter]!r}"
        seen[letter] = widget.text()
    assert _mnemonic(page.trends_section.heading.text()) in seen


def test_a_practice_manager_sees_no_trends_and_no_follow_up(qtbot, db, moved, make_page):
    with db.transaction() as tx:
        manager = create_practitioner(tx, "Joyce van Dijk", Role.PRACTICE_MANAGER, now=NOW)
    page = make_page(db, manager)
    assert page.show_client(moved)
    assert not page.trends_section.isVisible() and page.trends_panel.trends == ()
    assert not page.follow_up_label.isVisible()
    assert page.referrals_panel.isVisible()


def test_a_row_of_conversation_actions_follows_the_conversations(qtbot, page, greet, monkeypatch):
    """The GP note and the client's summary act on the conversation under the cursor, by keyboard."""
    opened = []
    monkeypatch.setattr(client_page, "open_gp_note", lambda _parent, _db, _actor, cid: opened.append(("gp", cid)))
    monkeypatch.setattr(
        client_page, "open_client_summary", lambda _parent, _db, _actor, cid: opened.append(("summary", cid))
    )
    page.show_client(greet.client_id)
    assert page.conversation_actions.isVisible() and page.gp_note_button.isVisible()
    page.conversations_table.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is page.conversations_table)
    qtbot.keyClick(page.conversations_table, Qt.Key.Key_Down)
    qtbot.keyClick(page.conversations_table, Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is page.gp_note_button)
    qtbot.keyClick(page.gp_note_button, Qt.Key.Key_Space)
    qtbot.keyClick(page.gp_note_button, Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is page.summary_button)
    qtbot.keyClick(page.summary_button, Qt.Key.Key_Space)
    assert opened == [("gp", greet.health), ("summary", greet.health)]
    qtbot.keyClick(page.summary_button, Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is page.goals_table)
