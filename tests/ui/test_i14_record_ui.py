"""Issue 14 on screen: the client page exports the whole record; Praktijk > "Dossier van een
cliënt inlezen…" adds a record as a new client and shows it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from sqlmodel import select

from broadtalk.interop import fhir
from broadtalk.practitioners import Role, create_practitioner
from broadtalk.store.database import Database
from broadtalk.store.tables import Client, Referral
from broadtalk.ui import file_dialogs
from broadtalk.ui.main_window import MainWindow
from tests.unit.test_handover_pdf import NOW, realistic_case, record_case


@pytest.fixture(autouse=True)
def messages(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    shown: list[str] = []

    def answer(_parent, _title, text, *args, **kwargs):
        shown.append(text)
        return QMessageBox.StandardButton.Yes

    for name in ("warning", "critical", "information", "question"):
        monkeypatch.setattr(QMessageBox, name, staticmethod(answer))
    return shown


def test_the_record_is_exported_from_the_client_page_and_imported_as_a_new_client(
    qtbot, db: Database, actor, tmp_path: Path, monkeypatch, messages
):
    referral_id = record_case(db, actor, realistic_case())
    with db.transaction() as tx:
        client_id = tx.get(Referral, referral_id).client_id
    window = MainWindow(db, actor)
    qtbot.addWidget(window)
    window.show()
    window.show_client(client_id)
    page = window.client_page
    assert page.record_button.isVisible()
    target = tmp_path / "dossier.json"
    monkeypatch.setattr(file_dialogs, "ask_save_path", lambda *args, **kwargs: target)
    qtbot.mouseClick(page.record_button, Qt.MouseButton.LeftButton)
    bundle = json.loads(target.read_text(encoding="utf-8"))
    fhir.validate(bundle)
    assert str(target) in messages[-1]

    # The same record as another practice's client (another number): imported and shown.
    patient = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient")
    patient["identifier"][0]["value"] = "MOV-003"
    moved = tmp_path / "verhuisd.json"
    moved.write_text(json.dumps(bundle), encoding="utf-8")
    monkeypatch.setattr(file_dialogs, "ask_open_path", lambda *args, **kwargs: moved)
    window.import_record()
    with db.transaction() as tx:
        new_id = tx.exec(select(Client.id).where(Client.client_number == "MOV-003")).one()
    assert window.pages.currentWidget() is window.client_page and page.client.id == new_id
    assert "MOV-003" in messages[-1]  # asked first, naming the client


def test_a_manager_sees_no_export_of_the_record_and_a_refused_import_changes_nothing(
    qtbot, db: Database, actor, tmp_path: Path, monkeypatch, messages
):
    referral_id = record_case(db, actor, realistic_case())
    with db.transaction() as tx:
        client_id = tx.get(Referral, referral_id).client_id
        manager = create_practitioner(tx, "Joyce van Dijk", Role.PRACTICE_MANAGER, now=NOW)
    window = MainWindow(db, manager)
    qtbot.addWidget(window)
    window.show_client(client_id)
    assert not window.client_page.record_button.isVisibleTo(window.client_page)
    nurse_window = MainWindow(db, actor)
    qtbot.addWidget(nurse_window)
    broken = tmp_path / "kapot.json"
    broken.write_text('{"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "Goal"}}]}', encoding="utf-8")
    monkeypatch.setattr(file_dialogs, "ask_open_path", lambda *args, **kwargs: broken)
    with db.transaction() as tx:
        before = len(tx.exec(select(Client)).all())
    nurse_window.import_record()
    with db.transaction() as tx:
        assert len(tx.exec(select(Client)).all()) == before
    assert "entry[0] (Goal)" in messages[-1]
