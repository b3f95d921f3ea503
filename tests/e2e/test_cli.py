"""The command line: exit codes, one clear line on bad input, JSON shapes, no Qt loaded."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from broadtalk.cli import main
from broadtalk.demo import DEMO_SECRET
from broadtalk.practitioners import Role
from tests.conftest import BUILTIN
from tests.e2e.signing_in import demo_practice, signed_in

GOOD_MODEL = """\
id: practice-check
version: 1
title: {nl: Korte check, en: Short check}
description: {nl: Een korte check., en: A short check.}
scale:
  min: 1
  max: 5
  anchors:
    - {value: 1, label: {nl: slecht, en: poor}}
    - {value: 5, label: {nl: goed, en: good}}
domains:
  - id: sleep
    title: {nl: Slapen, en: Sleep}
    description: {nl: Hoe je slaapt., en: How you sleep.}
    colour: "#0072B2"
    items:
      - linkId: sleep.hours
        type: integer
        text: {nl: "Hoeveel uur slaap je?", en: "How many hours do you sleep?"}
"""


PASSPHRASE = "kamerplant vensterbank"


@pytest.fixture(autouse=True)
def passphrase(monkeypatch: pytest.MonkeyPatch) -> str:
    """New databases made from the command line are encrypted: they need a passphrase."""
    monkeypatch.setenv("BROADTALK_PASSPHRASE", PASSPHRASE)
    for name in ("BROADTALK_NEW_PASSPHRASE", "BROADTALK_USER", "BROADTALK_PIN"):
        monkeypatch.delenv(name, raising=False)
    return PASSPHRASE


def sign_in_as(monkeypatch: pytest.MonkeyPatch, number: int) -> None:
    for name, value in signed_in(number).items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def practice(tmp_path: Path) -> tuple[Path, dict[Role, int]]:
    """A demo practice with an administrator: the file and the practitioner number per role."""
    path = tmp_path / "practice.sqlite"
    return path, demo_practice(path, PASSPHRASE)


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as stop:  # argparse exits for usage errors and --help
        code = int(stop.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_forms_list_json_lists_the_three_builtin_models_with_domains_and_items(practice, capsys, monkeypatch):
    path, numbers = practice
    sign_in_as(monkeypatch, numbers[Role.PRACTICE_NURSE])
    code, out, err = run(["--db", str(path), "forms", "list", "--json"], capsys)
    assert code == 0, err
    models = json.loads(out)
    assert [(m["id"], m["version"]) for m in models] == [
        ("four-domains", 1),
        ("positive-health", 1),
        ("self-sufficiency", 1),
    ]
    positive = next(m for m in models if m["id"] == "positive-health")
    assert positive["title"]  # Dutch by default
    assert len(positive["domains"]) == 6
    first_item = positive["domains"][0]["items"][0]
    assert set(first_item) >= {"linkId", "type", "text", "required"}
    assert next(m for m in models if m["id"] == "four-domains")["domains"][0]["scale"] is None


def test_db_option_works_after_the_command_too(practice, capsys, monkeypatch):
    path, numbers = practice
    sign_in_as(monkeypatch, numbers[Role.SOCIAL_WORKER])
    code, out, err = run(["forms", "list", "--db", str(path)], capsys)
    assert code == 0, err
    assert "positive-health" in out


def test_forms_list_never_makes_a_database(tmp_path, capsys):
    """Listing models reads a practice's database; a mistyped --db conjures no empty one."""
    missing = tmp_path / "typo.sqlite"
    code, _out, err = run(["--db", str(missing), "forms", "list"], capsys)
    assert code == 1 and "typo.sqlite" in err
    assert not missing.exists()


def test_forms_validate_accepts_a_good_file_with_exit_0(tmp_path, capsys):
    path = tmp_path / "check.yaml"
    path.write_text(GOOD_MODEL, encoding="utf-8")
    code, out, err = run(["forms", "validate", str(path), str(BUILTIN / "four-domains.v1.yaml")], capsys)
    assert code == 0, err
    assert "check.yaml" in out and "four-domains.v1.yaml" in out
    assert err == ""


def test_forms_validate_reports_each_problem_on_its_own_line_and_exits_1(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("BROADTALK_LANGUAGE", "en")
    broken = GOOD_MODEL.replace("type: integer", "type: number").replace('colour: "#0072B2"', 'colour: "blue"')
    path = tmp_path / "broken.yaml"
    path.write_text(broken, encoding="utf-8")
    code, _out, err = run(["forms", "validate", str(path)], capsys)
    assert code == 1
    lines = err.strip().splitlines()
    assert lines == [
        "broken.yaml:18: domains[0].items[0].type: unknown item type 'number'; use one of: "
        "display, boolean, integer, decimal, date, string, text, choice"
    ]
    assert "Traceback" not in err


def test_forms_validate_of_a_missing_file_is_one_line_and_exit_1(tmp_path, capsys):
    code, _out, err = run(["forms", "validate", str(tmp_path / "nope.yaml")], capsys)
    assert code == 1
    assert len(err.strip().splitlines()) == 1
    assert "nope.yaml" in err


def test_forms_import_adds_the_model_and_refuses_a_changed_published_version(practice, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("BROADTALK_LANGUAGE", "en")
    db = str(practice[0])
    sign_in_as(monkeypatch, practice[1][Role.ADMINISTRATOR])  # importing models is for administrators
    path = tmp_path / "check.yaml"
    path.write_text(GOOD_MODEL, encoding="utf-8")
    assert run(["--db", db, "forms", "import", str(path)], capsys)[0] == 0
    code, out, _err = run(["--db", db, "forms", "import", str(path)], capsys)
    assert code == 0 and "nothing changed" in out
    path.write_text(GOOD_MODEL.replace("Korte check", "Andere check"), encoding="utf-8")
    code, _out, err = run(["--db", db, "forms", "import", str(path)], capsys)
    assert code == 1
    assert "raise 'version' to 2" in err
    code, out, _err = run(["--db", db, "forms", "list", "--json"], capsys)
    custom = [m for m in json.loads(out) if not m["builtin"]]
    assert [(m["id"], m["version"], m["title"]) for m in custom] == [("practice-check", 1, "Short check")]


def test_demo_then_clients_json_in_a_stable_order(tmp_path, capsys, monkeypatch):
    db = str(tmp_path / "demo.sqlite")
    code, out, err = run(["--db", db, "demo", "--clients", "25", "--seed", "4", "--today", "2026-06-01"], capsys)
    assert code == 0, err
    assert "25" in out
    # The demo needs nobody signed in (a new database, fictional people) and says how to sign in.
    assert f"BROADTALK_PIN={DEMO_SECRET}" in out and "Anouk de Vries" in out
    nurse = next(line.split()[0] for line in out.splitlines() if "Anouk de Vries" in line)
    code, _out, err = run(["--db", db, "clients", "--json"], capsys)
    assert code == 1 and "BROADTALK_USER" in err  # nobody signed in: no list
    sign_in_as(monkeypatch, int(nurse))
    code, out, _err = run(["--db", db, "clients", "--json"], capsys)
    rows = json.loads(out)
    assert len(rows) == 25
    assert set(rows[0]) >= {"id", "name", "birth_date", "client_number"}
    # A list, not a look at a record: no contact details, no GP, language or interpreter need.
    contact = {"bsn", "phone", "email", "address", "postal_code", "general_practitioner", "language"}
    assert not any(set(row) & (contact | {"interpreter_needed"}) for row in rows)
    code, again, _err = run(["--db", db, "clients", "--json"], capsys)
    assert again == out
    some = rows[3]
    code, out, _err = run(["--db", db, "clients", "--json", "--search", some["client_number"]], capsys)
    assert [r["id"] for r in json.loads(out)] == [some["id"]]


def test_demo_into_a_database_with_clients_is_refused_with_exit_1(tmp_path, capsys):
    db = str(tmp_path / "demo.sqlite")
    assert run(["--db", db, "demo", "--clients", "3"], capsys)[0] == 0
    code, _out, err = run(["--db", db, "demo", "--clients", "3"], capsys)
    assert code == 1
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "argv",
    [
        ["nonsense"],
        ["demo"],
        ["demo", "--clients", "many"],
        ["demo", "--clients", "-3"],
        ["demo", "--clients", "3", "--today", "yesterday"],
        ["forms"],
        ["forms", "validate"],
        ["clients", "--bogus"],
    ],
)
def test_usage_errors_exit_2_without_a_traceback(argv, tmp_path, capsys):
    code, _out, err = run(["--db", str(tmp_path / "u.sqlite"), *argv], capsys)
    assert code == 2
    assert "Traceback" not in err
    assert err.strip()


def test_a_junk_database_file_is_refused_with_exit_1_and_left_untouched(tmp_path, capsys):
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not a database\n" * 50)
    before = junk.read_bytes()
    code, _out, err = run(["--db", str(junk), "clients"], capsys)
    assert code == 1
    assert len(err.strip().splitlines()) == 1
    assert junk.read_bytes() == before


def _subprocess(args: list[str], home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BROADTALK_HOME": str(home)}
    env.pop("BROADTALK_LANGUAGE", None)
    return subprocess.run(
        [sys.executable, "-m", "broadtalk", *args], capture_output=True, text=True, env=env, timeout=120
    )


def test_the_command_line_never_imports_qt(tmp_path):
    script = (
        "import sys; from broadtalk.cli import main; "
        f"assert main(['--db', {str(tmp_path / 'q.sqlite')!r}, 'demo', '--clients', '2']) == 0; "
        f"assert main(['--db', {str(tmp_path / 'q.sqlite')!r}, 'clients', '--json']) == 0; "
        "print(any(m.startswith('PySide6') for m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        # The demo's first practitioner is number 1.
        env={**os.environ, "BROADTALK_HOME": str(tmp_path), **signed_in(1)},
        stdin=subprocess.DEVNULL,
        timeout=120,
    )
    assert result.stdout.strip().splitlines()[-1] == "False", result.stderr


def test_a_real_process_speaks_dutch_by_default_and_english_on_request(tmp_path):
    junk = tmp_path / "junk.sqlite"
    junk.write_text("no database")
    dutch = _subprocess(["--db", str(junk), "clients"], tmp_path)
    assert dutch.returncode == 1
    assert "geen broadtalk-database" in dutch.stderr
    english = subprocess.run(
        [sys.executable, "-m", "broadtalk", "--db", str(junk), "clients"],
        capture_output=True,
        text=True,
        env={**os.environ, "BROADTALK_HOME": str(tmp_path), "BROADTALK_LANGUAGE": "en"},
        timeout=120,
    )
    assert "is not a broadtalk database" in english.stderr
    assert "Traceback" not in dutch.stderr + english.stderr


def test_the_app_without_a_display_says_so_in_one_line(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["BROADTALK_HOME"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "broadtalk", "--db", str(tmp_path / "g.sqlite")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert "xvfb-run" in result.stderr


def test_the_model_example_in_the_readme_is_valid(tmp_path, capsys):
    import re

    from tests.conftest import REPO

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    example = re.search(r"```yaml\n(.*?)```", readme, re.S)
    assert example is not None
    path = tmp_path / "sleep.yaml"
    path.write_text(example.group(1), encoding="utf-8")
    code, _out, err = run(["forms", "validate", str(path)], capsys)
    assert code == 0, err


def test_listing_clients_of_a_database_that_does_not_exist_is_refused_and_creates_nothing(tmp_path, capsys):
    missing = tmp_path / "typo.sqlite"
    code, _out, err = run(["--db", str(missing), "clients"], capsys)
    assert code == 1
    assert "typo.sqlite" in err
    assert not missing.exists()


def test_control_characters_in_a_name_are_shown_as_codes_on_one_line(practice, capsys, monkeypatch):
    path, numbers = practice
    sign_in_as(monkeypatch, numbers[Role.ADMINISTRATOR])
    code, _out, err = run(["--db", str(path), "forms", "import", "model\r\x1b[2Jweg.yaml"], capsys)
    assert code == 1
    assert err.count("\n") == 1 and "\r" not in err and "\x1b" not in err
    assert "model\\r\\x1b[2Jweg.yaml" in err
