"""Timing a child process from the parent's side: from the moment it is started until it prints a
given line (the app's ``startup-check: N ms``, the floor's ``painted``) or until it ends.

The clock runs in the parent, so the interpreter's own start, every import and the work are all in
the figure, for the product and its floor alike. A child that fails, or takes longer than
``timeout``, raises ``ChildFailed`` with the tail of its error output.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
PEAK = BENCH / "peak.py"


class ChildFailed(RuntimeError):
    pass


@dataclass(frozen=True)
class Run:
    seconds: float
    #: The child's own peak resident memory (VmHWM) in MB, when it was measured.
    peak_mb: float | None
    stdout: str
    #: The line that stopped the clock (None: the clock ran until the child ended).
    line: str | None


def python(*args: str | Path) -> list[str]:
    return [sys.executable, *map(str, args)]


def run(
    argv: list[str],
    env: dict[str, str],
    *,
    until_line: str | None = None,
    peak: bool = False,
    timeout: float = 900.0,
) -> Run:
    """Run ``argv`` (a Python program: ``python(...)``) and time it.

    ``until_line``: stop the clock when a line of its output starts with this; the child may
    still tidy up afterwards (waited for, untimed). ``peak``: run it under ``peak.py`` and read its
    VmHWM at its end."""
    with tempfile.TemporaryDirectory(prefix="broadtalk-bench-run-") as scratch:
        peak_file = Path(scratch) / "peak"
        if peak:
            argv = [argv[0], str(PEAK), str(peak_file), *argv[1:]]
        with open(Path(scratch) / "stderr", "w+", encoding="utf-8", errors="replace") as stderr:
            started = time.perf_counter()
            child = subprocess.Popen(
                argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=stderr, text=True
            )
            watchdog = threading.Timer(timeout, child.kill)
            watchdog.start()
            try:
                assert child.stdout is not None
                seen: list[str] = []
                stopped_at, stop_line = None, None
                for line in child.stdout:
                    seen.append(line)
                    if until_line is not None and stop_line is None and line.startswith(until_line):
                        stopped_at, stop_line = time.perf_counter(), line.strip()
                code = child.wait()
                ended = time.perf_counter()
            finally:
                watchdog.cancel()
                if child.poll() is None:
                    child.kill()
                    child.wait()
            stderr.seek(0)
            errors = stderr.read()
        if code != 0 or (until_line is not None and stop_line is None):
            tail = " | ".join(errors.strip().splitlines()[-3:])
            reason = f"exit code {code}" if code != 0 else f"no line starting with {until_line!r}"
            raise ChildFailed(f"{Path(argv[1]).name if len(argv) > 1 else argv[0]}: {reason}: {tail}"[:500])
        peak_mb = None
        if peak:
            peak_mb = int(peak_file.read_text().split()[1]) / 1024  # "VmHWM:  123456 kB"
    return Run((stopped_at or ended) - started, peak_mb, "".join(seen), stop_line)
