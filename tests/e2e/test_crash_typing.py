"""Kill the app (SIGKILL) in the middle of typing: a reopened app shows everything typed up to the
last second. Real processes, real key presses, no cooperation from the killed process."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

import pytest
from PySide6.QtWidgets import QApplication

from broadtalk import conversations as conv
from broadtalk.clients import ClientInput, create_client
from broadtalk.practitioners import Actor, Role, create_practitioner
from broadtalk.sign_in import choose_first_secret
from broadtalk.store.database import Database
from broadtalk.ui.conversation.conversation_page import ConversationPage
from tests.conftest import NOW, REPO
from tests.e2e.typing_driver import TEXT

GRACE_SECONDS = 1.0  # the promise: at most the last second of typing is lost
PASSPHRASE = "kerstrozen in de sneeuw"
PIN = "27182"


@pytest.fixture
def practice(tmp_path):
    """An encrypted database, as the app makes one now."""
    database = Database.open(tmp_path / "practice.sqlite", passphrase=PASSPHRASE)
    yield database
    database.close()


@pytest.fixture
def nurse(practice) -> Actor:
    """A practice nurse with her own PIN: who may hold a conversation, signed in from the
    environment as on the command line."""
    with practice.transaction() as tx:
        created = create_practitioner(tx, "Anouk de Vries", Role.PRACTICE_NURSE, now=NOW)
        return choose_first_secret(tx, created.id, PIN)


def _start_conversation(db: Database, actor) -> int:
    with db.transaction() as tx:
        client = create_client(tx, actor, ClientInput("Ron", "Bakker", "12-05-1980"))
        return conv.start_conversation(tx, actor, client.id, "positive-health", 1).id


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_killing_the_app_while_typing_loses_at_most_the_last_second(tmp_path, practice, nurse, qtbot, seed):
    conversation_id = _start_conversation(practice, nurse)
    env = {key: value for key, value in os.environ.items() if not key.startswith("BROADTALK_")}
    env.update(
        QT_QPA_PLATFORM="offscreen",
        BROADTALK_HOME=str(tmp_path / "home"),
        BROADTALK_PASSPHRASE=PASSPHRASE,
        BROADTALK_USER=str(nurse.id),
        BROADTALK_PIN=PIN,
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.e2e.typing_driver", str(practice.path), str(conversation_id)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    typed_at: list[float] = []
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "ready"
        wanted = random.Random(seed).randint(60, 140)
        while len(typed_at) < wanted:
            line = process.stdout.readline()
            assert line.startswith("typed "), line
            typed_at.append(float(line.split()[2]))
        killed_at = time.monotonic()
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.kill()
        process.wait(timeout=30)

    # What was typed more than a second before the kill must be in the database.
    must_have = sum(1 for moment in typed_at if moment <= killed_at - GRACE_SECONDS)
    assert must_have >= 20, "the test typed too little before the kill to prove anything"

    reopened = Database.open(practice.path, passphrase=PASSPHRASE)
    try:
        with reopened.transaction() as tx:
            saved = conv.load_conversation(tx, nurse, conversation_id).assessments["bodily-functions"].own_words
        assert TEXT.startswith(saved) or TEXT.strip().startswith(saved)
        assert len(saved) >= len(TEXT[:must_have].strip())

        page = ConversationPage(reopened, nurse, conversation_id)
        qtbot.addWidget(page)
        assert page.current_step() == "bodily-functions"  # resumes where the typing was
        assert page.domain_pages["bodily-functions"].own_words.toPlainText() == saved
    finally:
        reopened.close()
    assert QApplication.instance() is not None
