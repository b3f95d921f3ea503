"""The command line's two new commands attacked one by one (issue 11): ``conversations gp-note``
and ``conversations client-summary`` with the values of the hostile-input fuzz
(tests/e2e/test_fuzz_cli_hostile.py, which also feeds them at random), each pinned with the
message it must give: what is wrong, where, and what to do. Every refusal exits non-zero, prints
one line and no traceback, writes no file (whole or half) and no export in the audit trail.
"""

from __future__ import annotations

import errno
import os
import stat
import subprocess
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlmodel import select

from broadtalk.errors import os_reason
from broadtalk.i18n import _
from broadtalk.permissions import Permission, allows
from broadtalk.practitioners import Actor, Role
from broadtalk.sign_in import PIN_VARIABLE
from broadtalk.store.database import Database
from broadtalk.store.tables import AuditEntry
from tests.conftest import pdf_metadata
from tests.e2e import test_fuzz_cli_hostile as fuzz
from tests.e2e.test_fuzz_cli_hostile import PASSPHRASE, Practice, _one_practice_copy, assert_a_clear_answer, call

# The fuzz's practice (a demo with a completed conversation and a draft) and hostile files.
home, practice, own_hostile = fuzz.home, fuzz.practice, fuzz.own_hostile

pytestmark = pytest.mark.skipif(os.name != "posix", reason="FIFOs, devices and modes are POSIX")


def exports(db_path: Path) -> list[tuple[str, str, str]]:
    """(action, outcome, detail) of every export and print in the trail."""
    db = Database.open(db_path, passphrase=PASSPHRASE, full_check=False)
    try:
        with db.transaction() as tx:
            rows = tx.exec(select(AuditEntry).where(AuditEntry.action.in_(["export", "print"]))).all()
            return [(r.action, r.outcome, r.detail) for r in rows]
    finally:
        db.close()


def refused(answer, argv, expected: str, *, code: int = 1) -> None:
    assert_a_clear_answer(answer, argv, may_succeed=False)
    assert answer.code == code, answer
    assert expected in answer.err, (expected, answer.err)


def summary_argv(db: Path, conversation: str, out: str) -> list[str]:
    return ["--db", str(db), "conversations", "client-summary", conversation, "--out", out]


def note_argv(db: Path, conversation: str, *extra: str) -> list[str]:
    return ["--db", str(db), "conversations", "gp-note", conversation, *extra]


# -- who asks --------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["gp-note", "client-summary"])
def test_without_a_pin_or_with_a_wrong_one_nothing_is_shown(command, practice: Practice, tmp_path, monkeypatch):
    db = _one_practice_copy(practice, tmp_path, monkeypatch, Role.PRACTICE_NURSE)
    out = tmp_path / "out.pdf"
    argv = (
        note_argv(db, str(practice.completed))
        if command == "gp-note"
        else summary_argv(db, str(practice.completed), str(out))
    )
    monkeypatch.delenv(PIN_VARIABLE)
    answer = call(argv, monkeypatch, [])
    refused(answer, argv, PIN_VARIABLE)
    assert answer.out == ""
    monkeypatch.setenv(PIN_VARIABLE, "99999")
    answer = call(argv, monkeypatch, [])
    assert_a_clear_answer(answer, argv, may_succeed=False)
    assert answer.out == "" and not out.exists()
    assert exports(db) == []


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("command", ["gp-note", "client-summary"])
def test_only_a_role_that_reads_conversations_gets_them_as_in_the_app(
    role, command, practice: Practice, tmp_path, monkeypatch
):
    """The role matrix decides, on the command line as in the app (the client page offers both
    only with ``view_conversations``): a practice manager or administrator is refused."""
    if role not in practice.numbers:
        pytest.skip(f"no {role} in the demo practice")
    db = _one_practice_copy(practice, tmp_path, monkeypatch, role)
    out = tmp_path / "out.pdf"
    argv = (
        note_argv(db, str(practice.completed))
        if command == "gp-note"
        else summary_argv(db, str(practice.completed), str(out))
    )
    answer = call(argv, monkeypatch, [])
    if allows(Actor(id=1, name="x", role=role), Permission.VIEW_CONVERSATIONS):
        assert answer.code == 0, answer
        assert (answer.out.startswith("S: ")) if command == "gp-note" else out.exists()
        return
    refused(answer, argv, _("read conversations (scores, own words, notes, goals)"))
    assert answer.out == "" and not out.exists()
    assert exports(db) == []


# -- which conversation ----------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["gp-note", "client-summary"])
def test_a_draft_is_refused_with_what_to_do(command, practice: Practice, tmp_path, monkeypatch):
    db = _one_practice_copy(practice, tmp_path, monkeypatch, Role.PRACTICE_NURSE)
    out = tmp_path / "out.pdf"
    if command == "gp-note":
        argv = note_argv(db, str(practice.draft))
        expected = _(
            "This conversation is not completed yet; complete it first, then make the note for the GP's record."
        )
    else:
        argv = summary_argv(db, str(practice.draft), str(out))
        # About the summary, not about the GP's note.
        expected = _("This conversation is not completed yet; complete it first, then make the summary for the client.")
    refused(call(argv, monkeypatch, []), argv, expected)
    assert not out.exists() and exports(db) == []


@pytest.mark.parametrize(
    ("value", "code", "expected"),
    [
        ("0", 1, "0"),
        ("987654", 1, "987654"),
        (str(2**63 - 1), 1, str(2**63 - 1)),
        ("-1", 2, "-1"),
        (str(2**63), 2, str(2**63)),
        (str(2**64), 2, str(2**64)),
        ("abc", 2, "abc"),
        ("1.5", 2, "1.5"),
        ("", 2, ""),
    ],
)
@pytest.mark.parametrize("command", ["gp-note", "client-summary"])
def test_an_unknown_or_malformed_id_is_named_in_the_refusal(
    command, value, code, expected, practice: Practice, tmp_path, monkeypatch
):
    db = _one_practice_copy(practice, tmp_path, monkeypatch, Role.PRACTICE_NURSE)
    out = tmp_path / "out.pdf"
    argv = note_argv(db, value) if command == "gp-note" else summary_argv(db, value, str(out))
    answer = call(argv, monkeypatch, [])
    refused(answer, argv, f"'{expected}'" if code == 2 else expected, code=code)
    assert not out.exists() and exports(db) == []


def test_a_part_that_the_note_does_not_have_is_named(practice: Practice, tmp_path, monkeypatch):
    db = _one_practice_copy(practice, tmp_path, monkeypatch, Role.PRACTICE_NURSE)
    argv = note_argv(db, str(practice.completed), "--leave", "S.nothing\x1b[31m")
    answer = call(argv, monkeypatch, [])
    refused(answer, argv, "S.nothing")
    assert "--keys" in answer.err and answer.out == "" and exports(db) == []


def test_keys_shows_the_ticks_that_leave_and_tick_give(practice: Practice, tmp_path, monkeypatch):
    db = _one_practice_copy(practice, tmp_path, monkeypatch, Role.PRACTICE_NURSE)
    argv = note_argv(db, str(practice.completed), "--keys", "--leave", "S.context")
    answer = call(argv, monkeypatch, [])
    assert answer.code == 0, answer
    context = next(line for line in answer.out.splitlines() if " S.context " in line)
    assert context.startswith("  S.context"), context


# -- where the summary goes ------------------------------------------------------------------------


def _targets(hostile) -> dict[str, tuple[str, str]]:
    folder = hostile.folder
    return {
        "null": ("/dev/null", _("The file name must end in .pdf, e.g. handover.pdf.")),
        "full": ("/dev/full", _("The file name must end in .pdf, e.g. handover.pdf.")),
        "device": (
            str(folder / "null-device.pdf"),
            _("{file} is not an ordinary file (a device or a pipe); choose another file name.").format(
                file=folder / "null-device.pdf"
            ),
        ),
        "fifo": (
            str(folder / "pipe.pdf"),
            _("{file} is not an ordinary file (a device or a pipe); choose another file name.").format(
                file=folder / "pipe.pdf"
            ),
        ),
        "folder": (str(folder / "folder.pdf"), str(folder / "folder.pdf")),
        "missing parent": (
            str(folder / "missing" / "x.pdf"),
            _("The folder {folder} does not exist; choose an existing folder.").format(folder=folder / "missing"),
        ),
        "under a file": (str(folder / "junk.sqlite" / "x.pdf"), str(folder / "junk.sqlite")),
    }


@pytest.mark.parametrize("where", ["null", "full", "device", "fifo", "folder", "missing parent", "under a file"])
def test_a_summary_onto_something_that_is_not_a_new_file_is_refused_and_changes_nothing(
    where, practice: Practice, own_hostile, tmp_path, monkeypatch
):
    target, expected = _targets(own_hostile)[where]
    if where == "device" and not os.path.lexists(target):
        pytest.skip("no device nodes can be made here")
    db = _one_practice_copy(practice, tmp_path, monkeypatch, Role.PRACTICE_NURSE)
    before = own_hostile.state()
    argv = summary_argv(db, str(practice.completed), target)
    refused(call(argv, monkeypatch, own_hostile.fifos), argv, expected)
    assert own_hostile.state() == before
    assert exports(db) == []


def test_a_name_longer_than_the_file_system_allows_is_a_usage_error(
    practice: Practice, own_hostile, tmp_path, monkeypatch
):
    db = _one_practice_copy(practice, tmp_path, monkeypatch, Role.PRACTICE_NURSE)
    argv = summary_argv(db, str(practice.completed), own_hostile.long_names[2])
    answer = call(argv, monkeypatch, own_hostile.fifos)
    refused(answer, argv, "--out", code=2)
    assert exports(db) == []


@contextmanager
def read_only(folder: Path):
    """A folder nobody may write in: its write bits off, and for root (who may write anywhere) the
    immutable attribute as well (skipped where the file system has none)."""
    folder.chmod(0o555)
    immutable = os.geteuid() == 0
    if immutable:
        made = subprocess.run(["chattr", "+i", str(folder)], capture_output=True, check=False)
        if made.returncode != 0:
            folder.chmod(0o755)
            pytest.skip("root writes anywhere, and this file system has no immutable attribute")
    try:
        yield folder
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(folder)], check=False)
        folder.chmod(0o755)


def test_a_read_only_folder_is_refused_before_anything_is_logged(practice: Practice, tmp_path, monkeypatch):
    db = _one_practice_copy(practice, tmp_path, monkeypatch, Role.PRACTICE_NURSE)
    locked = tmp_path / "read-only"
    locked.mkdir()
    argv = summary_argv(db, str(practice.completed), str(locked / "samenvatting.pdf"))
    with read_only(locked):
        answer = call(argv, monkeypatch, [])
        assert list(locked.iterdir()) == []
    refused(
        answer,
        argv,
        _("{folder} cannot be written to ({reason}); choose another folder.").format(
            folder=locked, reason=os_reason(errno.EACCES)
        ),
    )
    assert exports(db) == []


def test_a_name_that_is_not_utf8_is_written_owner_only_and_shown_escaped(practice: Practice, tmp_path, monkeypatch):
    db = _one_practice_copy(practice, tmp_path, monkeypatch, Role.PRACTICE_NURSE)
    out = tmp_path / "out"
    out.mkdir()
    target = out / (os.fsdecode(b"samenvatting-\xff") + ".pdf")
    argv = summary_argv(db, str(practice.completed), str(target))
    answer = call(argv, monkeypatch, [])
    assert answer.code == 0, answer
    assert_a_clear_answer(answer, argv, may_succeed=True)
    assert [p.name for p in out.iterdir()] == [target.name]
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert target.read_bytes().startswith(b"%PDF")
    assert exports(db) == [("export", "success", "client_summary")]


# -- a second process ------------------------------------------------------------------------------


def _meanwhile(monkeypatch, db: Path, change) -> None:
    """The first time the command has found the conversation (in its transaction), another
    broadtalk (its own connection, in a thread) changes it and commits."""
    import threading

    from broadtalk import client_summary, gp_note

    done: list[bool] = []

    def other() -> None:
        database = Database.open(db, passphrase=PASSPHRASE, full_check=False)
        try:
            with database.transaction() as tx:
                change(tx)
        finally:
            database.close()

    def run_other_first(original):
        def wrapped(tx, actor, conversation_id, *args, **kwargs):
            result = original(tx, actor, conversation_id, *args, **kwargs)
            if not done:
                done.append(True)
                worker = threading.Thread(target=other)
                worker.start()
                worker.join(60)
                assert not worker.is_alive()
            return result

        return wrapped

    # Right after the conversation was found completed, before anything is written.
    checked = run_other_first(gp_note.completed_conversation)
    monkeypatch.setattr(gp_note, "completed_conversation", checked)
    monkeypatch.setattr(client_summary, "completed_conversation", checked)


def _erase(practice: Practice):
    def change(tx) -> None:
        from broadtalk.erasure import erase_client
        from broadtalk.store.tables import Conversation

        client_id = tx.get(Conversation, practice.completed).client_id
        manager = Actor(id=practice.numbers[Role.PRACTICE_MANAGER], name="Joyce", role=Role.PRACTICE_MANAGER)
        erase_client(tx, manager, client_id)

    return change


def _reopen(practice: Practice):
    def change(tx) -> None:
        from broadtalk.conversations import amend_conversation

        nurse = Actor(id=practice.numbers[Role.PRACTICE_NURSE], name="Sanne", role=Role.PRACTICE_NURSE)
        amend_conversation(tx, nurse, practice.completed)

    return change


@pytest.mark.parametrize("change", ["erase", "reopen"])
@pytest.mark.parametrize("command", ["gp-note", "client-summary"])
def test_a_conversation_changed_by_another_process_meanwhile_gets_a_clear_message(
    command, change, practice: Practice, tmp_path, monkeypatch
):
    """Erased with its client, or reopened for amending, while the command reads it: a clear
    refusal (the other process came first: try again), and the next try says what happened."""
    db = _one_practice_copy(practice, tmp_path, monkeypatch, Role.PRACTICE_NURSE)
    out = tmp_path / "out.pdf"
    argv = (
        note_argv(db, str(practice.completed))
        if command == "gp-note"
        else summary_argv(db, str(practice.completed), str(out))
    )
    _meanwhile(monkeypatch, db, _erase(practice) if change == "erase" else _reopen(practice))
    for _attempt in range(2):
        answer = call(argv, monkeypatch, [])
        assert_a_clear_answer(answer, argv, may_succeed=False)
        assert answer.out == "" and not out.exists()
    if change == "erase":
        assert str(practice.completed) in answer.err
    else:
        assert (
            _("This conversation is not completed yet; complete it first, then make the note for the GP's record.")
            if command == "gp-note"
            else _("This conversation is not completed yet; complete it first, then make the summary for the client.")
        ) in answer.err
    assert [e for e in exports(db) if e[1] == "success"] == []


def test_no_temporary_file_is_left_and_nothing_personal_is_logged(practice: Practice, tmp_path):
    """Both commands in a process of their own, with a temporary folder of their own."""
    import shutil
    import sys

    from tests.conftest import REPO

    work = tmp_path / "work"
    work.mkdir()
    for source in practice.folder.glob("practice.sqlite*"):
        if not source.name.endswith(".lock"):
            shutil.copyfile(source, work / source.name)
    home_copy = tmp_path / "home"
    shutil.copytree(practice.home, home_copy)
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    env = {
        **os.environ,
        "BROADTALK_HOME": str(home_copy),
        "BROADTALK_PASSPHRASE": PASSPHRASE,
        "BROADTALK_USER": str(practice.numbers[Role.PRACTICE_NURSE]),
        "BROADTALK_PIN": "12345",
        "PYTHONPATH": str(REPO),
        "TMPDIR": str(temporary),
    }
    db = work / "practice.sqlite"
    out = tmp_path / "out"
    out.mkdir()
    note = subprocess.run(
        [sys.executable, "-m", "broadtalk", *note_argv(db, str(practice.completed))],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert note.returncode == 0, note.stderr
    summary = subprocess.run(
        [sys.executable, "-m", "broadtalk", *summary_argv(db, str(practice.completed), str(out / "s.pdf"))],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert summary.returncode == 0, summary.stderr
    assert list(temporary.iterdir()) == []
    assert [p.name for p in out.iterdir()] == ["s.pdf"]
    quoted = [line.split('"')[1] for line in note.stdout.splitlines() if line.count('"') >= 2]
    assert quoted, note.stdout  # the client's own words are in the note ...
    logs = "".join(p.read_text(encoding="utf-8", errors="replace") for p in home_copy.rglob("*.log*"))
    for words in quoted:  # ... and never in the log
        assert words not in logs
    info = pdf_metadata(out / "s.pdf")
    for words in quoted:
        assert words not in info
