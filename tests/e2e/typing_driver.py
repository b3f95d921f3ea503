"""A real app process that types into a conversation, for the kill test (tests/e2e/test_crash_typing.py).

Run as ``python -m tests.e2e.typing_driver DB CONVERSATION_ID`` with the database's passphrase
in ``BROADTALK_PASSPHRASE`` and the practitioner holding the conversation in ``BROADTALK_USER``
and ``BROADTALK_PIN`` (signed in as the command line and ``--startup-check`` do). It opens the
conversation page offscreen, focuses the client's own words of the first domain and types
TEXT one real key press at a time, printing ``typed N MONOTONIC_TIME`` after each key, until it
is killed.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from broadtalk.sign_in import environment_actor
from broadtalk.store.database import Database
from broadtalk.ui.conversation.conversation_page import ConversationPage

TEXT = "de schulden houden me wakker en ik durf de post niet meer open te maken " * 20
KEY_INTERVAL_MS = 30


def main() -> None:
    db_path, conversation_id = Path(sys.argv[1]), int(sys.argv[2])
    app = QApplication([])
    db = Database.open(db_path, passphrase=os.environ.get("BROADTALK_PASSPHRASE") or None)
    actor = environment_actor(db)  # BROADTALK_USER and BROADTALK_PIN: signed in, and audited
    page = ConversationPage(db, actor, conversation_id)
    page.resize(1100, 800)
    page.show()
    first = next(iter(page.domain_pages))
    page.go_to(first)
    editor = page.domain_pages[first].own_words
    editor.setFocus()
    state = {"n": 0}

    def type_one() -> None:
        char = TEXT[state["n"] % len(TEXT)]
        QTest.keyClick(editor, Qt.Key.Key_Space if char == " " else char)
        state["n"] += 1
        print(f"typed {state['n']} {time.monotonic():.4f}", flush=True)

    timer = QTimer(interval=KEY_INTERVAL_MS, timeout=type_one)
    timer.start()
    print("ready", flush=True)
    app.exec()


if __name__ == "__main__":
    main()
