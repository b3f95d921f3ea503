"""Fuzzing the command line with hostile values (issue 10).

Every command that takes an id, a date, a number or a file path gets values a user (or a
script) should never give: ids that are huge, negative, empty or written in other digits; dates
out of range or malformed; paths that are devices, pipes (FIFOs), folders, missing, huge sparse
files, or names too long for the file system; conversation models whose texts hold control
characters, terminal escape codes or lone surrogates. The answer is always a refusal: exit 1
with one clear line, or exit 2 with a usage message; never the internal-error message, never a
traceback, never a control character printed raw, never a hang, and the database and the
hostile files are as they were (the audit trail may only grow: sign-ins and refusals are
recorded).

``main`` runs in-process (much faster than a process per example) with streams like a
terminal's in a UTF-8 locale: stdout strict, stderr with backslash escapes. The examples are
the same every run (derandomized); ``BROADTALK_SLOW=1`` runs many more, new ones each run.

A few hostile values still go wrong in code outside this change; they are left out of the
fuzz (``PENDING_INCLUDED``) and pinned by the strict xfail tests at the end, each naming the
change that mends it.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import stat
import subprocess
import sys
import threading
from contextlib import suppress
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path

import pytest
import sqlcipher3.dbapi2 as sqlcipher
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from broadtalk import i18n
from broadtalk.cli import main
from broadtalk.conversations import start_conversation
from broadtalk.demo import DEMO_SECRET
from broadtalk.i18n import _
from broadtalk.practitioners import Actor, Role
from broadtalk.store.database import Database
from tests.e2e.signing_in import demo_practice, signed_in

pytestmark = pytest.mark.skipif(os.name != "posix", reason="FIFOs, devices and sparse files are POSIX")

SLOW = bool(os.environ.get("BROADTALK_SLOW"))
EXAMPLES = 600 if SLOW else 90
FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=not SLOW,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
#: True once the changes named by the xfail tests at the end are in: the fuzz then feeds those
#: values too (control characters in usage errors, pipes and devices as --db, as a restore
#: target and as a handover's file, file names that are not UTF-8).
PENDING_INCLUDED = True

PASSPHRASE = "oefenpraktijk"
MODEL_SOURCE = (Path(__file__).resolve().parents[2] / "broadtalk/forms/builtin/four-domains.v1.yaml").read_text(
    encoding="utf-8"
)
#: Lines of the model where a hostile text goes (each occurs once).
MODEL_LINES = ("  nl: Vier domeinen (4D-model)", "  en: Four domains (4D model)", "      nl: Lichaam")
#: A character printed raw that would move the cursor, colour the screen or ring the bell.
RAW_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
#: Characters a model text may not hold: C0 controls but tab and line breaks, DEL, C1, surrogates.
FORBIDDEN_IN_TEXT = [chr(c) for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0))] + [
    "\ud800",
    "\udbff",
    "\udc00",
    "\udfff",
]
_examples = count()


# -- the practice and the hostile files ------------------------------------------------------------


@dataclass
class Practice:
    folder: Path
    home: Path
    numbers: dict[Role, int]
    referral: int  # a referral with a valid consent: a handover of it gets as far as its file
    withdrawn: int  # a referral whose consent was withdrawn
    completed: int = 0  # a completed conversation: its GP note and client's summary can be made
    draft: int = 0  # a conversation not completed yet: refused for both


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    """One data and configuration folder for the module (the seal's key is in it): the practice is
    made and used with the same one."""
    return tmp_path_factory.mktemp("home")


@pytest.fixture(scope="module")
def practice(tmp_path_factory, home) -> Practice:
    """A demo practice (5 clients, seed 1) with an administrator added; everyone's PIN is 12345."""
    folder = tmp_path_factory.mktemp("template")
    path = folder / "practice.sqlite"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BROADTALK_HOME", str(home))
        numbers = demo_practice(path, PASSPHRASE, clients=5, seed=1, today=i18n.dutch_today())
    assert not Path(f"{path}-wal").exists()  # folded in at the close: the files are whole
    db = Database.open(path, passphrase=PASSPHRASE)
    try:
        nurse = Actor(id=numbers[Role.PRACTICE_NURSE], name="Sanne", role=Role.PRACTICE_NURSE)
        with db.transaction() as tx:
            draft = start_conversation(tx, nurse, 1, "four-domains", 1).id
    finally:
        db.close()
    connection = _connect(path)
    try:
        (completed,) = connection.execute("SELECT min(id) FROM conversation WHERE status = 'completed'").fetchone()
        found = dict(
            connection.execute(
                "SELECT c.withdrawn_at IS NOT NULL, min(r.id) FROM referral r JOIN consent c ON c.referral_id = r.id "
                "WHERE r.status NOT IN ('draft', 'declined') GROUP BY c.withdrawn_at IS NOT NULL"
            ).fetchall()
        )
    finally:
        connection.close()
    return Practice(
        folder, home, numbers, referral=found[0], withdrawn=found.get(1, found[0]), completed=completed, draft=draft
    )


def _devices(folder: Path) -> dict[str, Path]:
    """Device files to give where broadtalk might write: nodes of its own in a temporary folder
    (as root: a refusal that went wrong must never touch the system's /dev/null), or, for anyone
    else, links to the real ones (they cannot change them)."""
    made: dict[str, Path] = {}
    for name, minor in (("null", 3), ("zero", 5)):
        for suffix in ("", ".pdf", ".sqlite", ".yaml"):
            node = folder / f"{name}-device{suffix}"
            try:
                if os.geteuid() == 0:
                    os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, minor))
                else:
                    node.symlink_to(f"/dev/{name}")
            except OSError:
                return {}  # no device nodes here (a container without the right): none are fed
            made[f"{name}{suffix}"] = node
    return made


@dataclass
class Hostile:
    """Files that are not what a command expects. ``reads``: given where a file is read (a model,
    a backup); ``writes``: where one is written (a backup, a handover); ``databases``: as --db."""

    folder: Path
    reads: list[str] = field(default_factory=list)
    writes: list[str] = field(default_factory=list)
    databases: list[str] = field(default_factory=list)
    pending_reads: list[str] = field(default_factory=list)
    pending_writes: list[str] = field(default_factory=list)
    pending_databases: list[str] = field(default_factory=list)
    long_names: list[str] = field(default_factory=list)
    fifos: list[Path] = field(default_factory=list)

    def state(self) -> list[tuple]:
        """Every file in the hostile folder: kind, mode, size (lock files a refused open leaves
        beside a path are the lock's own business and not compared)."""
        found = []
        for path in sorted(self.folder.rglob("*")):
            if path.name.endswith(".lock"):
                continue
            info = path.lstat()
            size = info.st_size if stat.S_ISREG(info.st_mode) else 0
            found.append((str(path.relative_to(self.folder)), stat.S_IFMT(info.st_mode), info.st_mode & 0o777, size))
        return found


def make_hostile(folder: Path) -> Hostile:
    found = Hostile(folder)
    for name in ("pipe.yaml", "pipe.sqlite", "pipe.pdf"):
        os.mkfifo(folder / name)
        found.fifos.append(folder / name)
    devices = _devices(folder)
    (folder / "folder.yaml").mkdir()
    (folder / "folder.sqlite").mkdir()
    (folder / "folder.pdf").mkdir()
    for name in ("huge.yaml", "huge.sqlite", "huge.pdf"):
        with (folder / name).open("wb") as fh:
            fh.truncate(8 * 2**30)  # 8 GB that take no room: sparse
    junk = folder / "junk.sqlite"
    junk.write_bytes(b"not a database\n" * 40)
    long_name = "x" * 300
    missing = folder / "missing" / "nothing.sqlite"
    under_a_file = junk / "inside.sqlite"

    found.reads = [
        "/dev/null",  # read-only positions: the real devices cannot be harmed by a read
        "/dev/zero",
        str(folder / "pipe.yaml"),
        str(folder / "pipe.sqlite"),
        str(folder / "folder.yaml"),
        str(folder / "huge.yaml"),
        str(folder / "huge.sqlite"),
        str(junk),
        str(missing),
        str(under_a_file),
        *(str(p) for p in devices.values()),
    ]
    found.writes = [
        str(folder / "folder.sqlite"),
        str(folder / "folder.pdf"),
        str(folder / "pipe.sqlite"),  # exists: a backup never overwrites
        str(junk),
        str(under_a_file),
        str(junk / "inside.pdf"),
        str(folder / "missing" / "nothing.pdf"),  # a handover needs an existing folder
        *(str(p) for name, p in devices.items() if not name.endswith(".pdf")),
    ]
    # Replaced by the handover's file today (see the xfail test): fed once that is mended.
    found.pending_writes = [str(folder / "pipe.pdf"), *(str(p) for name, p in devices.items() if name.endswith(".pdf"))]
    found.databases = [
        str(folder / "folder.sqlite"),
        str(folder / "huge.sqlite"),
        str(junk),
        str(missing),
        str(under_a_file),
    ]
    # A pipe hangs the open and a device is changed by it today (see the xfail tests).
    found.pending_databases = [str(folder / "pipe.sqlite"), *(str(p) for p in devices.values())]
    # A name longer than the file system allows ends in an internal error today (see the xfail test).
    found.long_names = [str(folder / f"{long_name}{suffix}") for suffix in (".yaml", ".sqlite", ".pdf")]
    found.pending_reads = found.long_names[:2]
    found.pending_writes += found.long_names[1:]
    found.pending_databases.append(found.long_names[1])
    return found


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Hostile:
    """The hostile files of the fuzz (each example checks they are left as they were)."""
    return make_hostile(tmp_path_factory.mktemp("hostile"))


@pytest.fixture
def own_hostile(tmp_path) -> Hostile:
    """Hostile files of one test's own (the pinned tests below may change them)."""
    folder = tmp_path / "hostile"
    folder.mkdir()
    return make_hostile(folder)


# -- hostile values -----------------------------------------------------------------------------------

DIGITS = {
    "ascii": "0123456789",
    "arabic-indic": "٠١٢٣٤٥٦٧٨٩",
    "persian": "۰۱۲۳۴۵۶۷۸۹",
    "devanagari": "०१२३४५६७८९",
    "fullwidth": "０１２３４５６７８９",
    "bold": "𝟎𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖𝟗",
}


@st.composite
def written(draw, value: int) -> str:
    """A whole number as someone might type it: other digits, a sign, spaces, leading zeros,
    underscores. Python's int() reads every one of these as ``value``."""
    digits = DIGITS[draw(st.sampled_from(sorted(DIGITS)))]
    text = "".join(digits[int(d)] for d in str(abs(value)))
    if draw(st.booleans()) and len(text) > 1:
        cut = draw(st.integers(1, len(text) - 1))
        text = f"{text[:cut]}_{text[cut:]}"
    text = digits[0] * draw(st.integers(0, 2)) + text
    sign = "-" if value < 0 else draw(st.sampled_from(["", "", "+"]))
    return draw(st.sampled_from(["", " ", "\t"])) + sign + text + draw(st.sampled_from(["", " "]))


MALFORMED_NUMBERS = [
    "",
    " ",
    "-",
    "--1",
    "1e3",
    "0x10",
    "1.0",
    "1,000",
    "²",
    "½",
    "一",
    "Ⅻ",
    "nan",
    "inf",
    "9" * 5000,  # beyond Python's limit for reading a number from text
    "\udcff",  # a byte that is not UTF-8, as Python hands it over in argv
    "١٢x",
]
CONTROL_NUMBERS = ["3\x1b[31m", "\x07", "1\r2", "\x1b]0;title\x07", "\x9b2J"]  # pending: see the xfail test


def hostile_text(values: list[str]) -> st.SearchStrategy[str]:
    pool = values + (CONTROL_NUMBERS if PENDING_INCLUDED else [])
    return st.sampled_from(pool)


def unknown_id() -> st.SearchStrategy[str]:
    """An id that reads as a number no record has, or one the database cannot hold."""
    return st.one_of(
        st.sampled_from([0, 987_654, 2**63 - 1]).flatmap(written),
        st.sampled_from([-1, -(2**63), 2**63, 2**64, 10**30]).flatmap(written),
        hostile_text(MALFORMED_NUMBERS),
    )


def refused_count() -> st.SearchStrategy[str]:
    """A number of demo clients that is refused (never a valid one: a big demo takes hours)."""
    return st.one_of(
        st.sampled_from([-1, -5, 100_001, 2**63, 10**30]).flatmap(written),
        hostile_text([m for m in MALFORMED_NUMBERS if m.strip() != "0"]),
    )


def refused_seed() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from([-1, 2**63, 10**40]).flatmap(written), hostile_text(MALFORMED_NUMBERS))


def refused_years() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from([0, -1, 116, 10_000, 2**63]).flatmap(written), hostile_text(MALFORMED_NUMBERS))


REFUSED_DATES = [
    "",
    "2026-02-30",
    "2026-13-01",
    "31-04-2026",
    "0000-00-00",
    "0001-01-01",
    "1899-12-31",
    "1999-12-31",
    "2200-01-01",
    "9999-12-31",
    "99999-01-01",
    "1-1-1",
    "2026-01-01T08:00",
    "2026/01/01",
    "01.01.2026",
    "tomorrow",
    "١٩٩٩-١٢-٣١",
    "\udcff",
]
CONTROL_DATES = ["\x1b[2J", "2026-01-01\x1b[31m", "\x7f"]  # pending: see the xfail test


def refused_date() -> st.SearchStrategy[str]:
    return hostile_text(REFUSED_DATES + (CONTROL_DATES if PENDING_INCLUDED else []))


def any_date() -> st.SearchStrategy[str]:
    return st.one_of(refused_date(), st.sampled_from(["2026-03-02", "02-03-2026", "٢٠٢٦-٠٣-٠٢"]))


# -- hostile models -------------------------------------------------------------------------------------


def _yaml_escaped(text: str) -> str:
    """A double-quoted YAML scalar: a surrogate or control character as an escape YAML decodes."""
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif " " <= ch <= "~":
            out.append(ch)
        elif ord(ch) <= 0xFF:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) <= 0xFFFF:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    return '"' + "".join(out) + '"'


@st.composite
def hostile_model(draw) -> bytes:
    """The 4D model under another id, with one text holding a forbidden character: as a YAML
    escape (an escape code, a bell, a lone surrogate), or as raw bytes in the file."""
    line = draw(st.sampled_from(MODEL_LINES))
    indent, _, _ = line.partition("nl:" if "nl:" in line else "en:")
    key = "nl:" if "nl:" in line else "en:"
    plain = draw(st.text(st.characters(codec="utf-8", categories=["L", "N", "Zs", "P"]), max_size=12))
    bad = draw(st.lists(st.sampled_from([*FORBIDDEN_IN_TEXT, "\x1b[31m", "\x1b]0;x\x07"]), min_size=1, max_size=3))
    pieces = [plain, *bad]
    text = "".join(draw(st.permutations(pieces)))
    source = MODEL_SOURCE.replace("id: four-domains", "id: fuzz-model", 1)
    if draw(st.booleans()):
        return source.replace(line, f"{indent}{key} {_yaml_escaped(text)}", 1).encode("utf-8")
    raw = draw(st.sampled_from([b"\x1b[31m", b"\x07", b"\xc2\x9b", b"\xed\xa0\x80", b"\xff\xfe", b"\x00", b"\x7f"]))
    head, _, tail = source.partition(line)
    return head.encode() + f"{indent}{key} Vier ".encode() + raw + b" domeinen" + tail.encode()


# -- running a command --------------------------------------------------------------------------------


@dataclass
class Answer:
    code: int
    out: str
    err: str


def _terminal_streams() -> tuple[io.TextIOWrapper, io.TextIOWrapper]:
    """stdout and stderr as Python sets them up on a terminal in a UTF-8 locale."""
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict", write_through=True)
    err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="backslashreplace", write_through=True)
    return out, err


def _unblock(fifos: list[Path]) -> None:
    """Open the other end of every pipe, so a command stuck opening one comes loose."""
    for fifo in fifos:
        for flags in (os.O_WRONLY | os.O_NONBLOCK, os.O_RDONLY | os.O_NONBLOCK):
            with suppress(OSError):
                os.close(os.open(fifo, flags))


def call(argv: list[str], monkeypatch, fifos: list[Path], seconds: float = 60) -> Answer:
    """``main(argv)`` in a thread with terminal-like streams; a hang fails the test instead of
    hanging the suite."""
    out, err = _terminal_streams()
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["code"] = main(argv)
        except SystemExit as stop:  # argparse: usage errors
            outcome["code"] = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 2)
        except BaseException as error:  # handed to the test
            outcome["error"] = error

    with monkeypatch.context() as patch:
        patch.setattr(sys, "stdout", out)
        patch.setattr(sys, "stderr", err)
        worker = threading.Thread(target=run, daemon=True)
        worker.start()
        worker.join(seconds)
        hung = worker.is_alive()
        for _try in range(100):  # a command stuck on a pipe: let it come loose (again and again)
            if not worker.is_alive():
                break
            _unblock(fifos)
            worker.join(0.1)
    assert not hung, f"hung: {argv!r}"
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return Answer(
        int(outcome["code"]),  # type: ignore[arg-type]
        out.buffer.getvalue().decode("utf-8"),  # type: ignore[attr-defined]
        err.buffer.getvalue().decode("utf-8"),  # type: ignore[attr-defined]
    )


def _connect(path: Path) -> sqlcipher.Connection:
    connection = sqlcipher.connect(str(path))
    connection.execute("PRAGMA key = '" + PASSPHRASE.replace("'", "''") + "'")
    return connection


def _table_rows(connection: sqlcipher.Connection, name: str) -> list[tuple]:
    """A table's rows in the order they were written, or sorted for a table without rowids."""
    try:
        return connection.execute(f'SELECT * FROM "{name}" ORDER BY rowid').fetchall()
    except sqlcipher.OperationalError:  # WITHOUT ROWID (the client search tokens)
        return sorted(connection.execute(f'SELECT * FROM "{name}"').fetchall(), key=repr)


def rows(path: Path) -> dict[str, list[tuple]]:
    connection = _connect(path)
    try:
        names = [
            r[0]
            for r in connection.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        return {name: _table_rows(connection, name) for name in names}
    finally:
        connection.close()


def internal_error_marks() -> list[str]:
    """The start of the internal-error line, in the language shown and in English."""
    template = "broadtalk: something went wrong inside broadtalk ({kind}); details are in {log}."
    return [_(template).split("(")[0].strip(), template.split("(")[0].strip()]


def assert_a_clear_answer(answer: Answer, argv: list[str], *, may_succeed: bool, files: list[str] = ()) -> None:
    code, out, err = answer.code, answer.out, answer.err
    allowed = (0, 1, 2) if may_succeed else (1, 2)
    assert code in allowed, (argv, code, out, err)
    assert "Traceback" not in err, (argv, err)
    for mark in internal_error_marks():
        assert mark not in err, (argv, err)
    assert not RAW_CONTROL.search(out + err), (argv, out, err)  # nothing that moves the cursor or colours
    lines = err.strip().splitlines()
    if code == 1:
        if files:  # forms validate: one line per problem, each naming its file
            names = tuple(Path(f).name for f in files)
            assert lines and all(line.startswith(names) for line in lines), (argv, err)
        else:
            assert len(lines) == 1 and lines[0].startswith("broadtalk: "), (argv, err)
    if code == 2:
        assert lines and lines[-1].startswith("broadtalk"), (argv, err)


# -- the fuzz -------------------------------------------------------------------------------------------


@st.composite
def hostile_command(draw, practice: Practice, hostile: Hostile, work: Path) -> dict:
    """A command with at least one hostile value: argv, who runs it, what may happen."""
    databases = hostile.databases + (hostile.pending_databases if PENDING_INCLUDED else [])
    writes = hostile.writes + (hostile.pending_writes if PENDING_INCLUDED else [])
    reads = hostile.reads + (hostile.pending_reads if PENDING_INCLUDED else [])
    db = str(work / "practice.sqlite")
    other_db = draw(st.one_of(st.just(db), st.sampled_from(databases)))
    hostile_db = other_db != db
    model = work / "model.yaml"
    kind = draw(
        st.sampled_from(
            [
                "erase",
                "audit",
                "handover-id",
                "handover-file",
                "demo",
                "retention-today",
                "retention-set",
                "validate",
                "import",
                "backup",
                "restore",
                "clients",
                "encrypt",
                "gp-note",
                "summary-id",
                "summary-file",
            ]
        )
    )
    role, may_succeed, files, new_db = Role.PRACTICE_MANAGER, False, [], None
    if kind == "erase":
        argv = ["--db", other_db, "record", "erase", draw(unknown_id()), "--yes"]
    elif kind == "audit":
        client = draw(unknown_id())
        argv = ["--db", other_db, "audit", "--client", client]
        may_succeed = not hostile_db  # a client without entries: an empty list
    elif kind == "handover-id":
        document = draw(st.sampled_from(["pdf", "client-copy", "withdrawal-notice", "withdrawal-confirmation"]))
        argv = ["--db", other_db, "handover", document, draw(unknown_id()), "--out", str(work / "letter.pdf")]
        role = Role.PRACTICE_NURSE
    elif kind == "handover-file":
        document = draw(st.sampled_from(["pdf", "client-copy"]))
        argv = ["--db", other_db, "handover", document, str(practice.referral), "--out", draw(st.sampled_from(writes))]
        role = Role.PRACTICE_NURSE
    elif kind == "demo":
        new_db = work / "new" / "demo.sqlite"
        argv = ["--db", str(new_db), "demo"]
        hostile_part = draw(st.sampled_from(["clients", "seed", "today", "db"]))
        clients = draw(refused_count()) if hostile_part == "clients" else "1"
        argv += ["--clients", clients]
        if hostile_part == "seed" or draw(st.booleans()):
            argv += ["--seed", draw(refused_seed()) if hostile_part == "seed" else "7"]
        if hostile_part == "today":
            argv += ["--today", draw(refused_date())]
        elif draw(st.booleans()):
            argv += ["--today", draw(any_date())]
        if hostile_part == "db":
            new_db = None
            argv[1] = draw(st.sampled_from([d for d in databases if "missing" not in d]))
    elif kind == "retention-today":
        argv = ["--db", other_db, "retention", "--today", draw(any_date())]
        may_succeed = not hostile_db  # a valid day lists what is due
    elif kind == "retention-set":
        record_type = draw(st.sampled_from(["client_record", "referral", "", "client", "CLIENT_RECORD", "\udcff"]))
        years = draw(refused_years()) if record_type in ("client_record", "referral") else draw(st.just("5"))
        argv = ["--db", other_db, "retention", "--set", record_type, years]
    elif kind == "validate":
        model.write_bytes(draw(hostile_model()))
        files = draw(st.lists(st.sampled_from([str(model), *reads]), min_size=1, max_size=3))
        argv = ["--db", other_db, "forms", "validate", *files]
    elif kind == "import":
        model.write_bytes(draw(hostile_model()))
        argv = ["--db", other_db, "forms", "import", draw(st.sampled_from([str(model), *reads]))]
        role = Role.ADMINISTRATOR
    elif kind == "backup":
        argv = ["--db", other_db, "backup", "--out", draw(st.sampled_from(writes))]
        role = Role.PRACTICE_NURSE
    elif kind == "restore":
        model.write_bytes(draw(hostile_model()))
        # Never a huge --db: a damaged database is kept aside before it is replaced (see the
        # xfail test on memory). A folder as --db ends in an internal error today (xfail test).
        targets = [d for d in databases if "huge" not in d and (PENDING_INCLUDED or "folder" not in d)]
        target = draw(st.one_of(st.just(db), st.sampled_from(targets)))
        argv = ["--db", target, "restore", draw(st.sampled_from([str(model), db, *reads])), "--yes"]
        role = Role.ADMINISTRATOR
    elif kind == "gp-note":
        # An unknown or malformed id, a draft, a hostile part key, or the practice manager (who
        # reads no conversations, on the command line as in the app).
        hostile_part = draw(st.sampled_from(["id", "draft", "key", "manager"]))
        conversation = draw(unknown_id()) if hostile_part == "id" else str(practice.completed)
        if hostile_part == "draft":
            conversation = str(practice.draft)
        argv = ["--db", other_db, "conversations", "gp-note", conversation]
        if hostile_part == "key" or draw(st.booleans()):
            option = draw(st.sampled_from(["--leave", "--tick"]))
            key = draw(hostile_text(["", "S.nothing", "E.icpc:x:Z99", "\udcff", "x" * 5000, "S.context\u202e"]))
            argv += [option, key]
        if draw(st.booleans()):
            argv.append("--keys")
        role = Role.PRACTICE_MANAGER if hostile_part == "manager" else Role.PRACTICE_NURSE
        if hostile_db and hostile_part == "manager":
            role = Role.PRACTICE_NURSE
    elif kind == "summary-id":
        hostile_part = draw(st.sampled_from(["id", "draft", "manager"]))
        conversation = {"id": draw(unknown_id()), "draft": str(practice.draft), "manager": str(practice.completed)}[
            hostile_part
        ]
        argv = ["--db", other_db, "conversations", "client-summary", conversation, "--out", str(work / "summary.pdf")]
        role = Role.PRACTICE_MANAGER if hostile_part == "manager" else Role.PRACTICE_NURSE
    elif kind == "summary-file":
        target = draw(st.sampled_from([w for w in writes if w.endswith(".pdf")] + ["/dev/null", "/dev/full"]))
        argv = ["--db", other_db, "conversations", "client-summary", str(practice.completed), "--out", target]
        role = Role.PRACTICE_NURSE
    elif kind == "clients":
        argv = ["--db", draw(st.sampled_from(databases)), "clients", "--search", "Jansen"]
    else:
        argv = ["--db", draw(st.sampled_from(databases)), "encrypt"]
    return {"kind": kind, "argv": argv, "role": role, "may_succeed": may_succeed, "files": files, "new_db": new_db}


@FUZZ
@given(data=st.data())
def test_hostile_values_get_a_clear_refusal_and_change_nothing(practice, hostile, tmp_path, monkeypatch, data):
    work = tmp_path / f"example-{next(_examples)}"
    work.mkdir()
    monkeypatch.chdir(work)
    for source in practice.folder.glob("practice.sqlite*"):
        if not source.name.endswith(".lock"):
            shutil.copyfile(source, work / source.name)
    db = work / "practice.sqlite"
    monkeypatch.setenv("BROADTALK_HOME", str(practice.home))
    monkeypatch.setenv("BROADTALK_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("BROADTALK_NEW_PASSPHRASE", "een nieuwe wachtzin")
    monkeypatch.delenv("BROADTALK_LANGUAGE", raising=False)
    command = data.draw(hostile_command(practice, hostile, work))
    for name, value in signed_in(practice.numbers[command["role"]], DEMO_SECRET).items():
        monkeypatch.setenv(name, value)
    before, files_before = rows(db), hostile.state()

    answer = call(command["argv"], monkeypatch, hostile.fifos)
    event(f"{command['kind']}: exit {answer.code}")

    assert_a_clear_answer(answer, command["argv"], may_succeed=command["may_succeed"], files=command["files"])
    after = rows(db)
    trail_before, trail_after = before.pop("audit_entry"), after.pop("audit_entry")
    if trail_after != trail_before:  # the seal follows the trail
        before.pop("database_seal", None), after.pop("database_seal", None)
    assert after == before, command["argv"]
    assert trail_after[: len(trail_before)] == trail_before, command["argv"]  # the trail only grows
    assert hostile.state() == files_before, command["argv"]
    # A refused GP note or summary leaves no file and no export or print in the trail.
    assert not (work / "summary.pdf").exists(), command["argv"]
    assert not [entry for entry in trail_after[len(trail_before) :] if "export" in entry or "print" in entry], command[
        "argv"
    ]
    if command["new_db"] is not None and answer.code != 0:
        assert not command["new_db"].exists(), command["argv"]  # a refused demo makes no database


# -- pinned: hostile values that still go wrong outside this change (strict xfail) -----------------------


def _one_practice_copy(practice: Practice, work: Path, monkeypatch, role: Role) -> Path:
    for source in practice.folder.glob("practice.sqlite*"):
        if not source.name.endswith(".lock"):
            shutil.copyfile(source, work / source.name)
    monkeypatch.setenv("BROADTALK_HOME", str(practice.home))
    monkeypatch.setenv("BROADTALK_PASSPHRASE", PASSPHRASE)
    for name, value in signed_in(practice.numbers[role], DEMO_SECRET).items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(work)
    return work / "practice.sqlite"


@pytest.mark.parametrize("value", ["3\x1b[31m", "\x1b]0;title\x07", "1\r2"])
def test_a_usage_error_shows_a_typed_control_character_as_its_code(value, practice, own_hostile, tmp_path, monkeypatch):
    db = _one_practice_copy(practice, tmp_path, monkeypatch, Role.PRACTICE_MANAGER)
    argv = ["--db", str(db), "record", "erase", value, "--yes"]
    answer = call(argv, monkeypatch, own_hostile.fifos)
    assert answer.code == 2
    assert_a_clear_answer(answer, argv, may_succeed=False)


@pytest.mark.parametrize("name", ["pipe.sqlite", "null-device.sqlite", "zero-device.sqlite"])
def test_a_pipe_or_a_device_as_the_database_is_refused_untouched(name, practice, own_hostile, tmp_path, monkeypatch):
    path = own_hostile.folder / name
    if not os.path.lexists(path):
        pytest.skip("no device nodes can be made here")
    _one_practice_copy(practice, tmp_path, monkeypatch, Role.PRACTICE_MANAGER)
    before = own_hostile.state()
    for command in (["clients"], ["demo", "--clients", "1"], ["encrypt"], ["restore", str(tmp_path / "x"), "--yes"]):
        argv = ["--db", str(path), *command]
        answer = call(argv, monkeypatch, own_hostile.fifos, seconds=5)
        assert_a_clear_answer(answer, argv, may_succeed=False)
        assert own_hostile.state() == before, argv


def test_a_restore_never_replaces_a_device(practice, own_hostile, tmp_path, monkeypatch):
    node = own_hostile.folder / "null-device.sqlite"
    if os.geteuid() != 0 or not node.exists():
        pytest.skip("only root can replace a device node, and only made nodes are used")
    db = _one_practice_copy(practice, tmp_path, monkeypatch, Role.ADMINISTRATOR)
    backup = tmp_path / "backup.sqlite"
    assert call(["--db", str(db), "backup", "--out", str(backup)], monkeypatch, own_hostile.fifos).code == 0
    argv = ["--db", str(node), "restore", str(backup), "--yes"]
    answer = call(argv, monkeypatch, own_hostile.fifos)
    assert stat.S_ISCHR(node.lstat().st_mode), "the device was replaced by a file"
    assert_a_clear_answer(answer, argv, may_succeed=False)


def test_a_handover_never_replaces_a_pipe_or_a_device(practice, own_hostile, tmp_path, monkeypatch):
    db = _one_practice_copy(practice, tmp_path, monkeypatch, Role.PRACTICE_NURSE)
    before = own_hostile.state()
    for target in [w for w in own_hostile.pending_writes if w.endswith(".pdf") and w not in own_hostile.long_names]:
        argv = ["--db", str(db), "handover", "pdf", str(practice.referral), "--out", target]
        answer = call(argv, monkeypatch, own_hostile.fifos)
        assert_a_clear_answer(answer, argv, may_succeed=False)
        assert own_hostile.state() == before, argv


@pytest.mark.parametrize("command", ["handover", "backup", "validate"])
def test_a_file_name_that_is_not_utf8_is_written_and_shown(command, practice, own_hostile, tmp_path, monkeypatch):
    db = _one_practice_copy(practice, tmp_path, monkeypatch, Role.PRACTICE_NURSE)
    name = os.fsdecode(b"brief-\xff")  # a byte that is not UTF-8, as Python hands it over in argv
    if command == "handover":
        argv = ["--db", str(db), "handover", "pdf", str(practice.referral), "--out", str(tmp_path / f"{name}.pdf")]
    elif command == "backup":
        argv = ["--db", str(db), "backup", "--out", str(tmp_path / f"{name}.sqlite")]
    else:
        model = tmp_path / f"{name}.yaml"
        model.write_text(MODEL_SOURCE.replace("id: four-domains", "id: fuzz-model", 1), encoding="utf-8")
        argv = ["--db", str(db), "forms", "validate", str(model)]
    answer = call(argv, monkeypatch, own_hostile.fifos)
    assert answer.code == 0, answer
    assert_a_clear_answer(answer, argv, may_succeed=True)


@pytest.mark.parametrize("position", ["db", "restore", "backup", "handover"])
def test_a_name_longer_than_the_file_system_allows_is_refused_clearly(
    position, practice, own_hostile, tmp_path, monkeypatch
):
    role = Role.ADMINISTRATOR if position == "restore" else Role.PRACTICE_NURSE
    db = _one_practice_copy(practice, tmp_path, monkeypatch, role)
    _yaml_name, sqlite_name, pdf_name = own_hostile.long_names
    argv = {
        "db": ["--db", sqlite_name, "clients"],
        "restore": ["--db", str(db), "restore", sqlite_name, "--yes"],
        "backup": ["--db", str(db), "backup", "--out", sqlite_name],
        "handover": ["--db", str(db), "handover", "pdf", str(practice.referral), "--out", pdf_name],
    }[position]
    assert_a_clear_answer(call(argv, monkeypatch, own_hostile.fifos), argv, may_succeed=False)


def test_a_restore_onto_a_folder_is_refused_clearly(practice, own_hostile, tmp_path, monkeypatch):
    db = _one_practice_copy(practice, tmp_path, monkeypatch, Role.ADMINISTRATOR)
    folder = own_hostile.folder / "folder.sqlite"
    before = own_hostile.state()
    argv = ["--db", str(folder), "restore", str(db), "--yes"]
    assert_a_clear_answer(call(argv, monkeypatch, own_hostile.fifos), argv, may_succeed=False)
    assert own_hostile.state() == before


def test_a_restore_over_a_big_damaged_file_keeps_it_aside_without_reading_it_into_memory(practice, tmp_path):
    """In a process of its own, whose peak memory is measured: a 200 MB damaged file must not
    become 200 MB more memory (an 8 GB one ended in MemoryError, or took the computer's memory)."""
    if sys.platform != "linux":
        pytest.skip("the peak memory of a child is read the Linux way (kilobytes)")
    for source in practice.folder.glob("practice.sqlite*"):
        if not source.name.endswith(".lock"):
            shutil.copyfile(source, tmp_path / source.name)
    damaged = tmp_path / "damaged.sqlite"
    with damaged.open("wb") as fh:
        fh.truncate(200 * 2**20)
    env = {
        **os.environ,
        "BROADTALK_HOME": str(practice.home),
        "BROADTALK_PASSPHRASE": PASSPHRASE,
        **signed_in(practice.numbers[Role.ADMINISTRATOR], DEMO_SECRET),
    }
    peak_file = tmp_path / "peak.txt"
    # The command runs in a child whose own peak is read from /proc at its end: VmHWM is the high-water
    # mark of the child's address space alone. (ru_maxrss from wait4 is not: a child started with
    # posix_spawn or vfork inherits the parent's high-water mark at exec, so it grew with the test run.)
    measured = (
        "import runpy, sys\n"
        "peak_file = sys.argv[1]\n"
        "sys.argv = ['broadtalk', *sys.argv[2:]]\n"
        "code = 0\n"
        "try:\n"
        "    runpy.run_module('broadtalk', run_name='__main__')\n"
        "except SystemExit as end:\n"
        "    code = end.code\n"
        "finally:\n"
        "    with open('/proc/self/status') as status, open(peak_file, 'w') as out:\n"
        "        out.write(next(line for line in status if line.startswith('VmHWM:')))\n"
        "sys.exit(code)\n"
    )
    argv = [
        sys.executable,
        "-c",
        measured,
        str(peak_file),
        "--db",
        str(damaged),
        "restore",
        str(tmp_path / "practice.sqlite"),
        "--yes",
    ]
    answer = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)
    assert answer.returncode in (0, 1)
    peak_mb = int(peak_file.read_text().split()[1]) // 1024  # "VmHWM:  123456 kB"
    # broadtalk itself peaks near 80 MB (Python, SQLCipher, the models); reading the 200 MB
    # file into memory would add 200 MB on top of that.
    assert peak_mb < 200, f"{peak_mb} MB at the peak: the damaged file was read into memory"
