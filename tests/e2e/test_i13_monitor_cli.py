"""``broadtalk monitor`` (issue 13): the monitor's figures of a period as a CSV file or a PDF
report, signed in like every command; a wrong period and a role without the permission are
refused, and nothing is written then."""

from __future__ import annotations

import csv
import io
import stat
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlmodel import select

from broadtalk.permissions import MATRIX, Permission
from broadtalk.practitioners import Role
from broadtalk.store.database import Database
from broadtalk.store.tables import AuditEntry
from tests.e2e.signing_in import demo_practice
from tests.e2e.test_cli import PASSPHRASE, run, sign_in_as

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


@pytest.fixture(autouse=True)
def environment(monkeypatch):
    """English, the practice's passphrase, and nobody signed in until a test says who."""
    monkeypatch.setenv("BROADTALK_LANGUAGE", "en")
    monkeypatch.setenv("BROADTALK_PASSPHRASE", PASSPHRASE)
    for name in ("BROADTALK_NEW_PASSPHRASE", "BROADTALK_USER", "BROADTALK_PIN"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def practice(tmp_path: Path) -> tuple[Path, dict[Role, int]]:
    path = tmp_path / "practice.sqlite"
    return path, demo_practice(path, PASSPHRASE, clients=30)


def monitor_entries(path: Path) -> list[str]:
    db = Database.open(path, passphrase=PASSPHRASE)
    try:
        with db.transaction() as tx:
            return list(tx.exec(select(AuditEntry.detail).where(AuditEntry.object_type == "monitor")).all())
    finally:
        db.close()


def test_the_command_writes_a_csv_file_and_a_pdf_report(practice, tmp_path, capsys, monkeypatch):
    path, numbers = practice
    sign_in_as(monkeypatch, numbers[Role.PRACTICE_MANAGER])
    out = tmp_path / "monitor.csv"
    argv = ["--db", str(path), "monitor", "--period", "2026", "--by", "area", "age", "--csv", str(out)]
    code, stdout, err = run(argv, capsys)
    assert code == 0, err
    assert str(out) in stdout
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    rows = list(csv.reader(io.StringIO(out.read_bytes().decode("utf-8-sig"), newline="")))
    titles = [rows[i + 1][0] for i, row in enumerate(rows[:-1]) if not row]
    assert titles[:2] == [
        "Clients with a conversation, per month",
        "Clients with a conversation, per conversation model",
    ]
    assert "Referrals per organisation" in titles
    assert titles[-2:] == ["Reach per postal code area", "Reach per age band"]
    assert dict(r[:2] for r in rows[1:5] if len(r) > 1) == {
        "Period": "2026",
        "Practitioner": "all",
        "Conversation model": "all",
        "Made on": rows[4][1],
    }
    # Thirty clients: the counts are small; each is written as "< 10", 0, or a number of 10 or more.
    start = rows.index(["Clients with a conversation, per month"])
    months = rows[start + 2 : start + 15]
    assert [m[0] for m in months] == [*(f"{name}" for name in MONTHS), "Whole period"]
    assert "< 10" in [m[1] for m in months]
    assert all(m[1] in ("< 10", "0") or int(m[1]) >= 10 for m in months), months
    # The look is in the audit trail (the filter as codes).
    assert any(detail.endswith(":2026") for detail in monitor_entries(path))

    nurse = numbers[Role.PRACTICE_NURSE]
    sign_in_as(monkeypatch, nurse)
    report = tmp_path / "monitor.pdf"
    argv = ["--db", str(path), "monitor", "--period", "2026-Q2", "--practitioner", str(nurse), "--pdf", str(report)]
    code, _stdout, err = run(argv, capsys)
    assert code == 0, err
    reader = PdfReader(str(report))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert "Q2 2026" in text and "Clients with a conversation, per month" in text and "Page 1 of" in text
    assert "Huisartsenpraktijk De Linde" in text  # the practice's name heads the pages
    assert reader.metadata.title == "Monitor report"
    assert stat.S_IMODE(report.stat().st_mode) == 0o600


@pytest.mark.parametrize(
    ("period", "says"),
    [("2026-13", "no month 13"), ("26", "give a year (2026), a quarter (2026-Q1) or a month (2026-03)")],
)
def test_a_wrong_period_is_refused_with_where_and_how(practice, tmp_path, capsys, monkeypatch, period, says):
    path, numbers = practice
    sign_in_as(monkeypatch, numbers[Role.PRACTICE_MANAGER])
    out = tmp_path / "monitor.csv"
    code, _out, err = run(["--db", str(path), "monitor", "--period", period, "--csv", str(out)], capsys)
    assert code == 2
    line = err.strip().splitlines()[-1]
    assert "--period" in line and says in line and f"'{period}'" in line
    assert not out.exists()


def test_a_role_without_the_permission_is_refused_and_nothing_is_written(practice, tmp_path, capsys, monkeypatch):
    path, numbers = practice
    manager = Role.PRACTICE_MANAGER
    monkeypatch.setitem(MATRIX, manager, MATRIX[manager] - {Permission.VIEW_REFERRAL_STATUS})
    sign_in_as(monkeypatch, numbers[manager])
    out = tmp_path / "monitor.pdf"
    code, _out, err = run(["--db", str(path), "monitor", "--period", "2026", "--pdf", str(out)], capsys)
    assert code == 1
    (line,) = err.strip().splitlines()
    assert "you may not see referrals" in line
    assert not out.exists() and [p.name for p in tmp_path.iterdir() if p.name.startswith("monitor")] == []
    assert monitor_entries(path) == []


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        (["--practitioner", "999"], "no practitioner with number 999"),
        (["--model", "no-such-model"], "no conversation model 'no-such-model'"),
        (["--area-scores", "scores.csv"], "add --by area"),
    ],
)
def test_an_unknown_practitioner_or_model_is_refused_and_nothing_is_written(
    practice, tmp_path, capsys, monkeypatch, extra, says
):
    path, numbers = practice
    sign_in_as(monkeypatch, numbers[Role.PRACTICE_MANAGER])
    out = tmp_path / "monitor.csv"
    code, _out, err = run(["--db", str(path), "monitor", "--period", "2026", *extra, "--csv", str(out)], capsys)
    assert code == 1
    (line,) = err.strip().splitlines()
    assert says in line
    assert not out.exists()
