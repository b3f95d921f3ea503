"""Results, budgets, the table and the JSON file: plain logic, no timing (unit-tested on made-up results).

A budget is one of four kinds:

* ``seconds``: the figure itself, at most ``limit`` seconds (opening a client: 0.050);
* ``ratio``: the figure divided by its floor, at most ``limit`` (start-up: 1.25);
* ``plus_mb``: the figure minus its floor, at most ``limit`` megabytes (peak memory: 40);
* ``min_ratio``: for a rate (``unit`` "doc/s", more is better), the figure divided by its floor,
  at least ``limit`` (the batch export with 2 workers: 1.3 times the single process);
* ``report``: no budget, the figure is only reported (demo generation at 1,000 clients).

A benchmark that failed to run has an ``error`` instead of a figure; it counts as over budget
(a run that could not measure something has not shown that it is within budget).
"""

from __future__ import annotations

import json
import os
import platform
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

SECONDS = "seconds"
RATIO = "ratio"
PLUS_MB = "plus_mb"
MIN_RATIO = "min_ratio"
REPORT = "report"
KINDS = (SECONDS, RATIO, PLUS_MB, MIN_RATIO, REPORT)
#: The unit of a rate: documents per second (more is better; its budget is ``min_ratio``).
PER_SECOND = "doc/s"

OK = "ok"
OVER = "OVER"
ERROR = "ERROR"
REPORTED = "report"


@dataclass(frozen=True)
class Budget:
    kind: str
    limit: float | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown budget kind {self.kind!r}")
        if (self.kind == REPORT) != (self.limit is None):
            raise ValueError("a budget has a limit unless it only reports")

    def text(self) -> str:
        if self.kind == SECONDS:
            return f"<= {_seconds(self.limit)}"
        if self.kind == RATIO:
            return f"<= {self.limit:g}x floor"
        if self.kind == PLUS_MB:
            return f"<= floor + {self.limit:g} MB"
        if self.kind == MIN_RATIO:
            return f">= {self.limit:g}x floor"
        return "-"


@dataclass(frozen=True)
class Engine:
    """What the practice database ran on: ``sqlite`` (the embedded SQLCipher file) or
    ``postgresql`` (a server of the run; ``version``: its own, e.g. "PostgreSQL 15.14")."""

    name: str = "sqlite"
    version: str | None = None

    def text(self) -> str:
        if self.name == "sqlite":
            return "sqlite (the embedded SQLCipher file)"
        where = f"{self.version}, " if self.version else ""
        return f"{self.name} ({where}a server started for this run, on loopback)"


@dataclass(frozen=True)
class Result:
    """One figure: what was measured, at which practice size, against what."""

    name: str
    size: int
    budget: Budget
    #: Seconds, megabytes when ``unit`` is "MB", documents per second when it is "doc/s"; None
    #: when the benchmark failed.
    figure: float | None = None
    #: The same machine's figure for the bare version of the work, measured in the same run.
    floor: float | None = None
    unit: str = "s"
    #: What the floor is (e.g. "bare SQLCipher query script"), shown in the JSON.
    floor_what: str = ""
    #: Every measurement, for whoever wants more than the best.
    samples: tuple[float, ...] = ()
    floor_samples: tuple[float, ...] = ()
    note: str = ""
    error: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.figure is None or not self.floor:
            return None
        return self.figure / self.floor

    @property
    def verdict(self) -> str:
        if self.error is not None or self.figure is None:
            return ERROR
        kind, limit = self.budget.kind, self.budget.limit
        if kind == REPORT:
            return REPORTED
        if kind == SECONDS:
            return OK if self.figure <= limit else OVER
        if self.floor is None:
            return ERROR  # a budget against a floor without a floor cannot be checked
        if kind == RATIO:
            return OK if self.figure <= limit * self.floor else OVER
        if kind == MIN_RATIO:
            return OK if self.figure >= limit * self.floor else OVER
        return OK if self.figure - self.floor <= limit else OVER

    @property
    def failed(self) -> bool:
        return self.verdict in (OVER, ERROR)


def exit_code(results: Iterable[Result]) -> int:
    """0 when every budget holds, 1 when one is over budget or a benchmark failed."""
    return 1 if any(r.failed for r in results) else 0


# -- the table -----------------------------------------------------------------------------------


def _seconds(value: float | None) -> str:
    if value is None:
        return "-"
    if value < 1.0:
        return f"{value * 1000:.1f} ms"
    return f"{value:.2f} s"


def _amount(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "MB":
        return f"{value:.0f} MB"
    if unit == PER_SECOND:
        return f"{value:.1f} {PER_SECOND}"
    return _seconds(value)


def _ratio_text(result: Result) -> str:
    if result.figure is None or result.floor is None:
        return "-"
    if result.unit == "MB":
        return f"{result.figure - result.floor:+.0f} MB"
    if not result.floor:
        return "-"
    return f"{result.ratio:.2f}x"


HEADERS = ("clients", "benchmark", "figure", "floor", "ratio", "budget", "verdict")


def table_rows(results: Sequence[Result]) -> list[tuple[str, ...]]:
    return [
        (
            f"{r.size:,}" if r.size else "-",
            r.name,
            _amount(r.figure, r.unit),
            _amount(r.floor, r.unit),
            _ratio_text(r),
            r.budget.text(),
            r.verdict,
        )
        for r in results
    ]


def format_table(results: Sequence[Result], *, engine: Engine | None = None) -> str:
    """A plain-text table, one line per figure, then the errors and notes below it; ``engine``:
    a first line naming what the database ran on."""
    rows = [HEADERS, *table_rows(results)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADERS))]
    right = {0, 2, 3, 4}

    def line(row: tuple[str, ...]) -> str:
        cells = [cell.rjust(widths[i]) if i in right else cell.ljust(widths[i]) for i, cell in enumerate(row)]
        return "  ".join(cells).rstrip()

    out = [f"engine: {engine.text()}", ""] if engine is not None else []
    out += [line(HEADERS), "  ".join("-" * w for w in widths)]
    out += [line(row) for row in rows[1:]]
    remarks = [
        f"  {r.name}{f' ({r.size:,} clients)' if r.size else ''}: {r.error or r.note}"
        for r in results
        if r.error is not None or r.note
    ]
    if remarks:
        out += ["", "notes:", *remarks]
    over = sum(1 for r in results if r.verdict == OVER)
    errors = sum(1 for r in results if r.verdict == ERROR)
    out += ["", f"{len(results)} figures, {over} over budget, {errors} failed to run"]
    return "\n".join(out)


# -- JSON ----------------------------------------------------------------------------------------


def as_json(
    results: Sequence[Result], *, started: datetime, arguments: Sequence[str], engine: Engine | None = None
) -> dict:
    engine = engine or Engine()
    return {
        "started": started.astimezone(UTC).isoformat(timespec="seconds"),
        "arguments": list(arguments),
        "engine": {"name": engine.name, "version": engine.version},
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "exit_code": exit_code(results),
        "results": [
            {
                **{k: v for k, v in asdict(r).items() if k not in ("budget", "samples", "floor_samples")},
                "budget": {"kind": r.budget.kind, "limit": r.budget.limit},
                "samples": list(r.samples),
                "floor_samples": list(r.floor_samples),
                "ratio": r.ratio,
                "verdict": r.verdict,
            }
            for r in results
        ],
    }


def write_json(data: dict, path: Path) -> Path:
    """Written atomically: a reader never sees half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(data, out, indent=2, ensure_ascii=False)
            out.write("\n")
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def default_json_path(results_dir: Path, started: datetime, *, engine: str = "sqlite") -> Path:
    """``<UTC time>.json``; on another engine than the file ``<UTC time>-<engine>.json``."""
    suffix = "" if engine == "sqlite" else f"-{engine}"
    return Path(results_dir) / f"{started.astimezone(UTC).strftime('%Y%m%dT%H%M%SZ')}{suffix}.json"
