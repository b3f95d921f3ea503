"""The benchmarks that run the real program as a child process, each beside its floor.

Product and floor runs alternate (floor first, then product first, ...), so both meet the same
load of the (shared) machine; the table gives the median of the runs, the JSON every run.
"""

from __future__ import annotations

import json
import statistics
import tempfile
from pathlib import Path

from bench import report
from bench.practice import ROOT, Practice
from bench.processes import BENCH, Run, python, run

FLOORS = BENCH / "floors"
FONT_DIR = ROOT / "resources" / "fonts"

STARTUP_RATIO = 1.25
MEMORY_PLUS_MB = 40.0
COMMAND_RATIO = 2.0
HANDOVER_COMMAND_RATIO = 1.5
SEARCH_TEXT = "berg"


def _pairs(repeat: int, product, floor) -> tuple[list[Run], list[Run]]:
    products: list[Run] = []
    floors: list[Run] = []
    for i in range(repeat):
        if i % 2 == 0:
            floors.append(floor())
            products.append(product())
        else:
            products.append(product())
            floors.append(floor())
    return products, floors


def _median(values) -> float:
    return statistics.median(values)


def _floor(practice: Practice, name: str) -> Path:
    """The floor script for this practice's engine: ``NAME.py`` for the file, ``NAME_server.py`` on a server."""
    return FLOORS / (f"{name}_server.py" if practice.url else f"{name}.py")


def startup(practice: Practice, repeat: int) -> list[report.Result]:
    """Start-up until the client list (the first page) has painted, and the peak memory meanwhile."""
    env = practice.environment()

    def product() -> Run:
        argv = python("-m", "broadtalk", "--db", practice.target, "--startup-check")
        return run(argv, env, until_line="startup-check:", peak=True, timeout=300)

    def floor() -> Run:
        return run(
            python(_floor(practice, "startup"), practice.target), env, until_line="painted", peak=True, timeout=300
        )

    products, floors = _pairs(repeat, product, floor)
    own = [r.line.split()[1] for r in products if r.line]
    times = report.Result(
        "start-up until the first page has painted (app, offscreen)",
        practice.size,
        report.Budget(report.RATIO, STARTUP_RATIO),
        figure=_median(r.seconds for r in products),
        floor=_median(r.seconds for r in floors),
        floor_what=(
            "SQLModel + psycopg + practice key (PBKDF2) + 50 rows, names decrypted + bare Qt list window "
            "(floors/startup_server.py)"
            if practice.url
            else "SQLModel + SQLCipher open + 50 rows + bare Qt list window (floors/startup.py)"
        ),
        samples=tuple(r.seconds for r in products),
        floor_samples=tuple(r.seconds for r in floors),
        note=f"the app's own --startup-check figure (from run_app, after the imports before it): {', '.join(own)} ms",
        extra={"app_reports_ms": own},
    )
    memory = report.Result(
        "peak memory at start-up (VmHWM)",
        practice.size,
        report.Budget(report.PLUS_MB, MEMORY_PLUS_MB),
        figure=_median(r.peak_mb for r in products),
        floor=_median(r.peak_mb for r in floors),
        unit="MB",
        floor_what="the start-up floor's VmHWM",
        samples=tuple(r.peak_mb for r in products),
        floor_samples=tuple(r.peak_mb for r in floors),
    )
    return [times, memory]


def command_search(practice: Practice, repeat: int) -> list[report.Result]:
    """``broadtalk clients --search berg --json`` beside a script that runs the query on the file."""
    env = practice.environment()

    def product() -> Run:
        argv = python("-m", "broadtalk", "--db", practice.target, "clients", "--search", SEARCH_TEXT, "--json")
        return run(argv, env)

    def floor() -> Run:
        return run(python(_floor(practice, "command_search"), practice.target, SEARCH_TEXT), env)

    products, floors = _pairs(repeat, product, floor)
    found, floor_found = len(json.loads(products[0].stdout)), len(json.loads(floors[0].stdout))
    note = "" if found == floor_found else f"the command found {found} clients, the floor's query {floor_found}"
    return [
        report.Result(
            f"command: clients --search {SEARCH_TEXT} --json",
            practice.size,
            report.Budget(report.RATIO, COMMAND_RATIO),
            figure=_median(r.seconds for r in products),
            floor=_median(r.seconds for r in floors),
            floor_what=(
                "psycopg + practice key (PBKDF2) + the search by token hashes + names decrypted + JSON "
                "(floors/command_search_server.py)"
                if practice.url
                else "SQLCipher open + the search query + JSON (floors/command_search.py)"
            ),
            samples=tuple(r.seconds for r in products),
            floor_samples=tuple(r.seconds for r in floors),
            note=note,
            extra={"clients_found": found},
        )
    ]


def handover_command(practice: Practice, repeat: int, referral: int) -> list[report.Result]:
    """``broadtalk handover pdf`` beside a bare ReportLab document of the same text and one chart."""
    from pypdf import PdfReader

    env = practice.environment()
    with tempfile.TemporaryDirectory(prefix="broadtalk-bench-pdf-") as scratch:
        folder = Path(scratch)
        count = iter(range(1_000_000))

        def product() -> Run:
            out = folder / f"handover-{next(count)}.pdf"
            argv = python("-m", "broadtalk", "--db", practice.target, "handover", "pdf", str(referral), "--out", out)
            return run(argv, env)

        # The real document first (untimed here: it is run again below), to read its text back.
        first = folder / "first.pdf"
        run(python("-m", "broadtalk", "--db", practice.target, "handover", "pdf", str(referral), "--out", first), env)
        reader = PdfReader(first)
        pages = len(reader.pages)
        text = "\n".join(page.extract_text() or "" for page in reader.pages)
        text_file = folder / "text.txt"
        text_file.write_text(text, encoding="utf-8")

        def floor() -> Run:
            return run(python(FLOORS / "handover_pdf.py", text_file, FONT_DIR, folder / "floor.pdf"), env)

        products, floors = _pairs(repeat, product, floor)
        floor_pages = len(PdfReader(folder / "floor.pdf").pages)
    return [
        report.Result(
            f"command: handover pdf (referral #{referral}, {pages} pages)",
            practice.size,
            report.Budget(report.RATIO, HANDOVER_COMMAND_RATIO),
            figure=_median(r.seconds for r in products),
            floor=_median(r.seconds for r in floors),
            floor_what="bare ReportLab document, same text, one chart, DejaVu embedded (floors/handover_pdf.py)",
            samples=tuple(r.seconds for r in products),
            floor_samples=tuple(r.seconds for r in floors),
            extra={"pages": pages, "floor_pages": floor_pages, "characters": len(text)},
        )
    ]
