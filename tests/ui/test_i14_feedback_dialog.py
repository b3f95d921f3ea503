"""Issue 14 on screen: the recipient's answer imported from a file, seen before it is recorded."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from sqlmodel import select

from broadtalk import i18n
from broadtalk.i18n import dutch_today
from broadtalk.interop.handover_fhir import handover_bundle
from broadtalk.practitioners import Actor, Role, create_practitioner
from broadtalk.referral_steps import FEEDBACK, FIRST_CONTACT, SENT
from broadtalk.referrals import advance_referral
from broadtalk.store.database import Database
from broadtalk.store.tables import Referral, ReferralEvent
from broadtalk.ui.feedback_import import FeedbackImportDialog
from broadtalk.ui.main_window import MainWindow
from tests.unit.test_handover_pdf import load, realistic_case, record_case


@pytest.fixture(autouse=True)
def messages(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    shown: list[str] = []
    for name in ("warning", "critical", "information", "question"):
        monkeypatch.setattr(
            QMessageBox, name, staticmethod(lambda _parent, _title, text, *args, **kwargs: shown.append(text))
        )
    return shown


@pytest.fixture
def answer(db: Database, actor: Actor, tmp_path: Path) -> tuple[int, Path]:
    """A referral sent a week ago, and the recipient's answer: completed, with feedback."""
    referral_id = record_case(db, actor, realistic_case())
    week_ago = datetime.now(UTC) - timedelta(days=7)
    with db.transaction() as tx:
        advance_referral(tx, actor, referral_id, SENT, now=week_ago)
    task = handover_bundle(load(db, actor, referral_id))["entry"][0]["resource"]
    today = dutch_today()
    task.update(
        status="completed",
        executionPeriod={"start": (today - timedelta(days=3)).isoformat(), "end": today.isoformat()},
        output=[{"type": {"text": "Terugkoppeling"}, "valueString": "Ron komt <b>elke dinsdag</b> naar de moestuin."}],
    )
    path = tmp_path / "antwoord.json"
    path.write_text(json.dumps(task), encoding="utf-8")
    return referral_id, path


def _statuses(db: Database, referral_id: int) -> list[str]:
    with db.transaction() as tx:
        return [e.status for e in tx.exec(select(ReferralEvent).where(ReferralEvent.referral_id == referral_id))]


def test_the_dialog_shows_what_the_answer_records_and_records_it_on_request(qtbot, db, actor, answer):
    referral_id, path = answer
    dialog = FeedbackImportDialog(db, actor, path)
    qtbot.addWidget(dialog)
    assert not dialog.refusal
    text = dialog.steps_label.text()
    assert "Eerste contact" in text and "Terugkoppeling ontvangen" in text
    assert "&lt;b&gt;elke dinsdag&lt;/b&gt;" in text  # the recipient's words shown literally, never as markup
    assert _statuses(db, referral_id)[-1] == SENT  # nothing recorded by looking
    requested: list[int] = []
    dialog.client_requested.connect(requested.append)
    dialog.show()
    qtbot.mouseClick(dialog.record_button, Qt.MouseButton.LeftButton)
    assert _statuses(db, referral_id)[-2:] == [FIRST_CONTACT, FEEDBACK]
    assert not dialog.record_button.isEnabled() and dialog.client_button.isVisible()
    qtbot.mouseClick(dialog.client_button, Qt.MouseButton.LeftButton)
    with db.transaction() as tx:
        assert requested == [tx.get(Referral, referral_id).client_id]


def test_a_file_that_is_refused_shows_why_and_records_nothing(qtbot, db, actor, answer, messages, tmp_path):
    referral_id, path = answer
    data = json.loads(path.read_text(encoding="utf-8"))
    data["for"] = {"reference": "Patient/iemand-anders"}
    other = tmp_path / "ander.json"
    other.write_text(json.dumps(data), encoding="utf-8")
    dialog = FeedbackImportDialog(db, actor, other)
    qtbot.addWidget(dialog)
    assert dialog.exec() == 0
    assert len(messages) == 1 and "Task.for" in messages[0]
    assert _statuses(db, referral_id)[-1] == SENT


def test_the_practice_menu_offers_the_import_only_to_who_manages_referrals(qtbot, db, actor):
    window = MainWindow(db, actor)
    qtbot.addWidget(window)
    labels = {a.text(): a.isVisible() for a in window.practice_menu.actions()}
    assert labels[i18n._("&Import a recipient's answer…")]
    with db.transaction() as tx:
        manager = create_practitioner(tx, "Joyce van Dijk", Role.PRACTICE_MANAGER)
    other = MainWindow(db, manager)
    qtbot.addWidget(other)
    assert not {a.text(): a.isVisible() for a in other.practice_menu.actions()}[i18n._("&Import a recipient's answer…")]
