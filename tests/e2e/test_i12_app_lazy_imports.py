"""Issue 12: the app's start loads what its first page (Today) needs, not the rest of the program.

The real ``broadtalk --startup-check`` as a child process, with Python's import log: the PDF
viewer, ReportLab and the handover renderers, the client's page with its charts, the conversation
pages, the dialogs and reading aloud load when they are first used, never before the first page.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from broadtalk.demo import DEMO_SECRET, generate_demo
from broadtalk.practitioners import Role, list_practitioners
from broadtalk.store.database import Database
from broadtalk.workstation import use_practitioner_here
from tests.e2e.signing_in import signed_in

IMPORTED = re.compile(r"^import time:\s+\d+ \|\s+\d+ \|\s*(\S+)\s*$")
#: Modules (or packages) the first page does not need.
NOT_AT_START = (
    "reportlab",
    "PySide6.QtPdf",
    "PySide6.QtPdfWidgets",
    "PySide6.QtPrintSupport",
    "PySide6.QtTextToSpeech",
    "PySide6.QtMultimedia",
    "broadtalk.handover.pdf",
    "broadtalk.handover.export",
    "broadtalk.demo",
    "broadtalk.ui.client_page",
    "broadtalk.ui.client_view",
    "broadtalk.ui.trend_chart",
    "broadtalk.ui.spider_chart",
    "broadtalk.ui.referrals_panel",
    "broadtalk.ui.referral_dialogs",
    "broadtalk.ui.handover_preview",
    "broadtalk.ui.client_summary_dialog",
    "broadtalk.ui.client_dialog",
    "broadtalk.ui.conversation",
    "broadtalk.ui.social_map_window",
    "broadtalk.ui.welcome",
    "broadtalk.ui.access_notice_dialog",
    "broadtalk.ui.read_aloud",
)


def _practice(path: Path) -> int:
    db = Database.open(path)
    try:
        generate_demo(db, clients=8, seed=5, today=date(2026, 5, 1))
        with db.transaction() as tx:
            nurse = next(a for a in list_practitioners(tx) if a.role == Role.PRACTICE_NURSE)
            use_practitioner_here(tx, nurse)
    finally:
        db.close()
    return nurse.id


def _loaded(module: str, imported: set[str]) -> bool:
    return any(name == module or name.startswith(module + ".") for name in imported)


@pytest.mark.slow
def test_the_start_up_to_the_first_page_does_not_load_what_that_page_does_not_need(tmp_path):
    path = tmp_path / "practice.sqlite"
    nurse = _practice(path)
    environment = {k: v for k, v in os.environ.items() if k not in ("BROADTALK_USER", "BROADTALK_PIN")}
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "broadtalk", "--db", str(path), "--startup-check"],
        capture_output=True,
        text=True,
        env={
            **environment,
            "QT_QPA_PLATFORM": "offscreen",
            "BROADTALK_HOME": str(tmp_path),
            **signed_in(nurse, DEMO_SECRET),
        },
        stdin=subprocess.DEVNULL,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.startswith("startup-check:"), result.stdout
    imported = {m.group(1) for line in result.stderr.splitlines() if (m := IMPORTED.match(line))}
    assert "broadtalk.ui.main_window" in imported and "broadtalk.ui.today_page" in imported  # the log works
    early = [module for module in NOT_AT_START if _loaded(module, imported)]
    assert early == [], f"loaded before the first page: {early}"
