"""Issue 12, part 3: two workstations edit one conversation. The one that saves on top of a
version it did not see is told who changed it and when; both versions are kept (its own edits
in a copy, opened at once), and nothing typed on either side is lost."""

from __future__ import annotations

from datetime import date

from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QMessageBox

from broadtalk import conversations as conv
from broadtalk import i18n
from broadtalk.clients import ClientInput, create_client
from broadtalk.practitioners import Role, create_practitioner
from broadtalk.ui.main_window import MainWindow
from tests import engines
from tests.conftest import NOW


def test_a_save_on_a_version_changed_elsewhere_keeps_both_and_opens_the_copy(qtbot, db, actor, monkeypatch):
    i18n.set_language("en")
    with db.transaction() as tx:
        client = create_client(tx, actor, ClientInput("Jan", "Bakker", birth_date=date(1950, 1, 2)), now=NOW)
        original = conv.start_conversation(tx, actor, client.id, "positive-health", 1, now=NOW).id
    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda _parent, _title, text, *a: told.append(text))
    window = MainWindow(db, actor)
    qtbot.addWidget(window)
    window.show()
    window.open_conversation(original)
    page = window.conversation
    body = page.domain_pages["bodily-functions"]

    # Here: the nurse types and it is saved (her own change: no conflict).
    qtbot.keyClicks(body.notes, "Slaapt slecht")
    assert page.session.flush()
    assert told == []

    # Elsewhere: a colleague changes the same conversation on another workstation.
    other = engines.reopen(db)
    try:
        with other.transaction() as tx:
            colleague = create_practitioner(tx, "Sanne Visser", Role.SOCIAL_WORKER, now=NOW)
            conv.assess_domain(tx, colleague, original, "bodily-functions", own_words="Ik ben moe", now=NOW)
            conv.set_closing(tx, colleague, original, what_matters_most="Rust", now=NOW)
    finally:
        other.close()

    # Here again: the nurse goes on typing; the save finds the other version.
    qtbot.keyClicks(body.notes, " en piekert")
    page.session.flush()
    qtbot.waitUntil(lambda: window.conversation is not page)

    assert len(told) == 1 and "Sanne Visser" in told[0] and "Both versions are kept" in told[0]
    copy = window.conversation.conversation_id
    assert copy != original
    with db.transaction() as tx:
        theirs = conv.load_conversation(tx, actor, original)
        mine = conv.load_conversation(tx, actor, copy)
    # The conversation keeps the colleague's version whole ...
    assert theirs.assessments["bodily-functions"].notes == "Slaapt slecht"
    assert theirs.assessments["bodily-functions"].own_words == "Ik ben moe"
    assert theirs.what_matters_most == "Rust"
    # ... and the copy holds what the nurse typed, with the colleague's changes beside it.
    assert mine.assessments["bodily-functions"].notes == "Slaapt slecht en piekert"
    assert mine.assessments["bodily-functions"].own_words == "Ik ben moe"
    assert mine.summary.client_id == client.id and mine.summary.status == conv.DRAFT
    # The copy's page shows it, and goes on saving into the copy without another conflict.
    shown = window.conversation.domain_pages["bodily-functions"]
    assert shown.notes.toPlainText() == "Slaapt slecht en piekert"
    shown.notes.moveCursor(QTextCursor.MoveOperation.End)
    qtbot.keyClicks(shown.notes, ".")
    assert window.conversation.session.flush()
    assert len(told) == 1
    with db.transaction() as tx:
        assert conv.load_conversation(tx, actor, copy).assessments["bodily-functions"].notes.endswith("piekert.")
