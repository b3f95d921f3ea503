"""Issue 12: a command loads only what it needs. Importing the command line and printing its
help loads no database, Qt, PDF, model or test library; a simple command (``clients``) loads
neither the handover package, the models, Alembic nor ReportLab; the modules every command
passes through (audit, permissions, store) pull in no use cases; Babel is loaded only to
format a date or number (``clients --json`` formats none). Each is run in a fresh
interpreter, so what another test imported does not count."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

from broadtalk.clients import ClientInput, create_client
from broadtalk.practitioners import Role
from broadtalk.store import migrations
from broadtalk.store.database import Database
from tests.conftest import NOW, REPO
from tests.e2e.signing_in import add_account_with_pin

PASSPHRASE = "de linde bloeit in juni"
PIN = "48213"

#: Never needed to print the help.
NOT_FOR_HELP = (
    "PySide6",
    "shiboken6",
    "reportlab",
    "hypothesis",
    "yaml",
    "babel",
    "sqlalchemy",
    "sqlmodel",
    "alembic",
    "broadtalk.handover",
    "broadtalk.forms",
    "broadtalk.store",
    "broadtalk.audit",
)
#: Never needed to list or search clients.
NOT_FOR_A_SEARCH = (
    "PySide6",
    "reportlab",
    "hypothesis",
    "yaml",
    "babel",
    "alembic",
    "mako",
    "broadtalk.handover",
    "broadtalk.forms",
    "broadtalk.consent",
    "broadtalk.referrals",
    "broadtalk.conversations",
)


def _loaded_after(code: str, env: dict[str, str] | None = None) -> set[str]:
    script = code + "\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))\n"
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def _found(loaded: set[str], unwanted: tuple[str, ...]) -> list[str]:
    return sorted(m for m in loaded if any(m == u or m.startswith(u + ".") for u in unwanted))


def test_importing_the_command_line_and_printing_its_help_loads_nothing_heavy(isolated_home) -> None:
    loaded = _loaded_after(
        "import contextlib, io\n"
        "from broadtalk import cli\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    cli.main(['--help'])\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    cli.main(['clients', '--help'])\n"
    )
    assert "broadtalk.cli" in loaded
    assert _found(loaded, NOT_FOR_HELP) == []


def test_a_search_loads_no_handover_models_pdf_or_migrations(tmp_path: Path, isolated_home, monkeypatch) -> None:
    path = tmp_path / "practice.sqlite"
    db = Database.open(path, passphrase=PASSPHRASE)
    try:
        nurse = add_account_with_pin(db, "Anouk de Vries", Role.PRACTICE_NURSE, PIN)
        with db.transaction() as tx:
            create_client(
                tx,
                nurse,
                ClientInput(given_name="Zwanetta", family_name="Oosterhuisbeek", birth_date=date(1951, 3, 7)),
                now=NOW,
            )
    finally:
        db.close()
    import os

    env = {
        **os.environ,
        "BROADTALK_HOME": str(isolated_home),
        "BROADTALK_PASSPHRASE": PASSPHRASE,
        "BROADTALK_USER": str(nurse.id),
        "BROADTALK_PIN": PIN,
    }
    loaded = _loaded_after(
        "import contextlib, io\n"
        "from broadtalk import cli\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        f"    code = cli.main(['clients', '--db', {str(path)!r}, '--search', 'Zwan', '--json'])\n"
        "assert code == 0 and 'Zwanetta' in out.getvalue(), (code, out.getvalue())\n",
        env,
    )
    assert "broadtalk.clients" in loaded and "broadtalk.store.database" in loaded
    assert _found(loaded, NOT_FOR_A_SEARCH) == []


def test_the_trail_and_the_role_matrix_pull_in_no_use_case(isolated_home) -> None:
    """audit → permissions → practitioners, one way: no cycle through referrals, consent or
    the handover (``tests/unit/test_architecture.py`` fails on any cycle at all)."""
    loaded = _loaded_after("import broadtalk.audit, broadtalk.permissions")
    assert _found(loaded, ("broadtalk.referrals", "broadtalk.consent", "broadtalk.handover", "broadtalk.forms")) == []
    assert _found(loaded, ("broadtalk.clients", "broadtalk.conversations", "alembic")) == []


def test_the_revisions_read_without_alembic_are_alembics() -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrations.config())
    assert script.get_heads() == [migrations.head_revision()]
    known = {revision.revision for revision in script.walk_revisions()}
    assert all(migrations.is_known(revision) for revision in known)
    assert not migrations.is_known("no-such-revision")


def test_the_command_line_looks_for_interrupted_exports_under_the_handovers_own_name(db: Database) -> None:
    from broadtalk import cli
    from broadtalk.handover.export import JOURNAL_PREFIX
    from broadtalk.store.tables import Setting

    assert cli.EXPORT_JOURNAL_PREFIX == JOURNAL_PREFIX
    assert not cli._exports_pending(db)
    with db.transaction() as tx:
        tx.add(Setting(key=JOURNAL_PREFIX + "abc", value="{}"))
    assert cli._exports_pending(db)
