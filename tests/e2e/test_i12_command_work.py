"""Issue 12, "commands are instant": a command does only its own work. Behaviour, not timing
(the timings are the benchmark's, ``python -m bench command handover-command``):

- ``clients --search`` loads nothing of the handover documents (no ReportLab, no fonts);
- ``handover pdf`` reads each font file once, and only the faces the document prints in.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from pypdf import PdfReader

from tests.e2e.test_cli_handover import practice  # noqa: F401 (fixture)

#: Runs the command line in a fresh interpreter and reports, as JSON on its last line, the
#: exit code, the modules it loaded and each font file ReportLab read (one entry per reading).
DRIVER = """
import json, sys
from reportlab.pdfbase import ttfonts
read = []
original = ttfonts.TTFontFile.__init__
def counting(self, file, *args, **kwargs):
    read.append(str(file).rsplit('/', 1)[-1])
    return original(self, file, *args, **kwargs)
ttfonts.TTFontFile.__init__ = counting
from broadtalk.cli import main
code = main(json.loads(sys.argv[1]))
print(json.dumps({"code": code, "fonts": read, "modules": sorted(sys.modules)}))
"""

DRIVER_NO_PRELOAD = """
import json, sys
from broadtalk.cli import main
code = main(json.loads(sys.argv[1]))
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def _command(argv: list[str], driver: str = DRIVER) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", driver, json.dumps(argv)],
        capture_output=True,
        text=True,
        env={**os.environ},
        stdin=subprocess.DEVNULL,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_client_search_loads_nothing_of_the_handover_documents(practice):  # noqa: F811
    ran = _command(["--db", practice["path"], "clients", "--search", "bak", "--json"], DRIVER_NO_PRELOAD)
    assert ran["code"] == 0
    loaded = ran["modules"]
    assert not [m for m in loaded if m == "reportlab" or m.startswith("reportlab.")]
    assert not [m for m in loaded if m.startswith("broadtalk.handover")]
    assert "PySide6" not in loaded


def test_a_handover_pdf_reads_each_font_it_prints_in_once_and_no_other(practice, tmp_path):  # noqa: F811
    out = tmp_path / "handover.pdf"
    ran = _command(["--db", practice["path"], "handover", "pdf", str(practice["consented"]), "--out", str(out)])
    assert ran["code"] == 0
    # Each face read once, however many paragraphs, table cells and chart labels use it.
    assert len(ran["fonts"]) == len(set(ran["fonts"])), ran["fonts"]
    # Only the faces the document prints in: no face read for nothing.
    embedded = _embedded_fonts(out)
    assert len(ran["fonts"]) == len(embedded), (ran["fonts"], embedded)


def _embedded_fonts(path: Path) -> set[str]:
    """The TrueType faces a PDF embeds (subset prefixes "ABCDEF+" dropped; the standard Type 1
    fonts a canvas names by default are references, not embedded)."""
    names: set[str] = set()
    for page in PdfReader(path).pages:
        fonts = page["/Resources"].get_object().get("/Font") or {}
        for ref in fonts.values():
            font = ref.get_object()
            if font.get("/Subtype") != "/Type1":
                names.add(str(font["/BaseFont"]).split("+", 1)[-1].lstrip("/"))
    return names


#: Runs the ``broadtalk`` entry point as the command does (``python -m broadtalk``) and prints, at
#: the very end of the process (the first exit handler registered runs last), how many objects
#: the collector was told to leave alone.
ENTRY = """
import atexit, gc, json, runpy, sys
atexit.register(lambda: print(json.dumps({"frozen": gc.get_freeze_count()})))
if sys.argv[1] == "app":
    import PySide6  # as when the desktop app ran: Qt's objects are collected as before
sys.argv = ["broadtalk", *json.loads(sys.argv[2])]
runpy.run_module("broadtalk", run_name="__main__", alter_sys=True)
"""


def _entry(argv: list[str], *, app: bool = False) -> tuple[int, str, int]:
    result = subprocess.run(
        [sys.executable, "-c", ENTRY, "app" if app else "command", json.dumps(argv)],
        capture_output=True,
        text=True,
        env={**os.environ},
        stdin=subprocess.DEVNULL,
        timeout=300,
    )
    *lines, last = result.stdout.strip().splitlines()
    return result.returncode, "\n".join(lines), json.loads(last)["frozen"]


def test_a_command_ends_without_freeing_what_it_loaded_and_its_work_stands(practice, tmp_path):  # noqa: F811
    """At its end a command leaves what it loaded to go with the process (frozen for the
    collector, so the exit does not free SQLAlchemy's and pydantic's objects one by one); what it
    wrote is whole: the document, its disclosure and the audit entries."""
    from sqlmodel import select

    from broadtalk.store.tables import AuditEntry, Disclosure
    from tests import engines

    out = tmp_path / "handover.pdf"
    code, printed, frozen = _entry(
        ["--db", practice["path"], "handover", "pdf", str(practice["consented"]), "--out", str(out)]
    )
    assert code == 0 and str(out) in printed
    assert frozen > 0
    assert len(PdfReader(out).pages) >= 1
    reopened = engines.reopen(practice["db"])
    try:
        with reopened.transaction() as tx:
            assert [d.kind for d in tx.exec(select(Disclosure)).all()] == ["handover_pdf"]
            actions = [e.action for e in tx.exec(select(AuditEntry).order_by(AuditEntry.id)).all()]
    finally:
        reopened.close()
    assert actions[-2:] == ["sign_in", "export"], actions


def test_the_desktop_app_is_left_to_tidy_up_as_before():
    """Only a process without Qt is frozen at its end: Qt deletes its objects when their wrappers
    are collected, so once Qt is loaded (the desktop app ran) the exit is left as it was."""
    model = Path(__file__).resolve().parents[2] / "broadtalk" / "forms" / "builtin"
    files = sorted(str(path) for path in model.glob("*.yaml"))[:1]
    code, _printed, frozen = _entry(["forms", "validate", *files], app=True)
    assert code == 0
    assert frozen == 0
    code, _printed, frozen = _entry(["forms", "validate", *files])
    assert code == 0
    assert frozen > 0
