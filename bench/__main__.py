"""Run the benchmarks, each beside its floor and its budget; exit 1 when one is over budget.

``python -m bench`` runs them all at 1,000 and 10,000 clients (``make bench``);
``python -m bench --sizes 100000`` is ``make bench-large``; ``python -m bench search autosave``
runs only those named (``--list`` names them); ``python -m bench --engine postgresql`` runs them
on a PostgreSQL server the run starts and stops itself (``make bench-server``). See
bench/README.md for the budgets and how to read the table.
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
import sys
import tempfile
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bench import report
from bench.server import ENGINES, POSTGRESQL, SQLITE

RESULTS = Path(__file__).resolve().parent / "results"
DEMO_LARGE_BUDGET_S = 300.0  # 100,000 clients in under 5 minutes
LARGE = 100_000

#: Name -> what it measures; run in this order per size.
BENCHMARKS = {
    "demo": "demo generation through the use cases (the build of the practice, timed)",
    "search": "search as you type, per keystroke, in the app",
    "open": "opening a client's page in the app",
    "autosave": "one autosave commit in the app",
    "handover-app": "a handover PDF made in the app",
    "dashboard": "the monitor opening on the year after a change (its kept count), the year counted again behind it, then a month (in process)",
    "startup": "start-up until the first page has painted, and peak memory (child processes)",
    "command": "clients --search berg --json (child process)",
    "handover-command": "handover pdf as a command (child process)",
    "batch": "batch export of handover documents: documents/s in 1 process and with 2 workers (in process)",
}
IN_APP = ("search", "open", "autosave", "handover-app")


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of numbers: {text!r}") from None
    if not sizes or any(size < 1 for size in sizes):
        raise argparse.ArgumentTypeError("sizes are positive numbers of clients, separated by commas")
    return sizes


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", metavar="BENCHMARK", help="only these (default: all; see --list)")
    parser.add_argument("--sizes", type=_sizes, default=[1_000, 10_000], help="clients, e.g. 1000,10000 (default)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each child process and its floor (default 3)")
    parser.add_argument("--json", type=Path, default=None, help="where to write the results (default bench/results/)")
    parser.add_argument("--cache", type=Path, default=None, help="reuse demo practices kept in this folder")
    parser.add_argument(
        "--engine",
        choices=ENGINES,
        default=SQLITE,
        help="the practice database: the embedded SQLCipher file (default) or a PostgreSQL server started for the run",
    )
    parser.add_argument("--list", action="store_true", help="name the benchmarks and stop")
    args = parser.parse_args(argv)
    unknown = [name for name in args.names if name not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark: {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    if args.repeat < 1:
        parser.error("--repeat is at least 1")
    return args


def main(argv: list[str]) -> int:
    args = parse(argv)
    if args.list:
        for name, what in BENCHMARKS.items():
            print(f"{name:<17} {what}")
        return 0
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    # An installed broadtalk runs from compiled bytecode, as the floors' libraries do: a sandbox's
    # PYTHONDONTWRITEBYTECODE would make every child compile broadtalk's sources anew.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    compileall.compile_dir(Path(__file__).resolve().parent.parent / "broadtalk", quiet=1)
    chosen = [name for name in BENCHMARKS if not args.names or name in args.names]
    started = datetime.now(UTC)
    work = Path(tempfile.mkdtemp(prefix="broadtalk-bench-"))
    try:
        results = run_all(chosen, args, work)
    except KeyboardInterrupt:  # Ctrl-C or a SIGTERM (on a server run): everything started is stopped by now
        print("bench: interrupted; nothing written", file=sys.stderr)
        return 130
    finally:
        shutil.rmtree(work, ignore_errors=True)
    engine = report.Engine(args.engine, getattr(args, "engine_version", None))
    print(report.format_table(results, engine=engine))
    path = report.write_json(
        report.as_json(results, started=started, arguments=argv, engine=engine),
        args.json or report.default_json_path(RESULTS, started, engine=args.engine),
    )
    print(f"written: {path}")
    return report.exit_code(results)


def run_all(chosen: list[str], args: argparse.Namespace, work: Path) -> list[report.Result]:
    """Every size in turn; with ``--engine postgresql`` on a server started here, stopped at the end
    (its version is left in ``args.engine_version`` for the table and the JSON)."""
    from broadtalk.i18n import dutch_today

    today = dutch_today()
    results: list[report.Result] = []
    if args.engine != POSTGRESQL:
        for size in args.sizes:
            results += run_size(size, chosen, args, work, today)
        return results
    from bench import server as servers

    try:
        with servers.running() as server:
            args.engine_version = servers.version(server)
            for size in args.sizes:
                results += run_size(size, chosen, args, work, today, server)
    except servers.NotStarted as error:
        results.append(_failed("the PostgreSQL server for the run", 0, report.Budget(report.REPORT), str(error)))
    return results


def run_size(
    size: int, chosen: list[str], args: argparse.Namespace, work: Path, today, server=None
) -> list[report.Result]:
    from bench import children
    from bench.in_app import App, choose_referrals
    from bench.practice import make, remove

    try:  # a demo to be timed is always made here (and refreshes the cache); otherwise a cached one will do
        practice = make(size, work, today, cache=args.cache, reuse="demo" not in chosen, server=server)
    except Exception as error:
        traceback.print_exc(file=sys.stderr)
        return [_failed("demo: making the practice", size, _demo_budget(size), error)]
    results: list[report.Result] = []
    if "demo" in chosen and practice.demo_seconds is not None:
        results.append(
            report.Result(
                "demo: clients generated through the use cases", size, _demo_budget(size), figure=practice.demo_seconds
            )
        )
    repeat_in_app = max(5, 2 * args.repeat + 1)
    referrals: dict[str, int] = {}
    no_referral = "no referral with a valid consent"
    in_app = [name for name in chosen if name in IN_APP]
    finished: set[str] = set()
    if "handover-app" in chosen or "handover-command" in chosen:
        try:
            referrals.update(choose_referrals(practice, today))
        except Exception as error:
            no_referral = f"no referral chosen: {type(error).__name__}: {error}"
            _progress(size, no_referral)
    if in_app:
        try:
            with App(practice, today) as app:
                steps: dict[str, Callable[[], list[report.Result]]] = {
                    "search": lambda: app.search(repeat_in_app),
                    "open": lambda: app.open_client(repeat_in_app),
                    "autosave": lambda: app.autosave(repeat_in_app),
                    "handover-app": lambda: app.handover(repeat_in_app, referrals),
                }
                for name in in_app:
                    _progress(size, name)
                    finished.add(name)
                    if name == "handover-app" and not referrals:
                        results.append(_failed(BENCHMARKS[name], size, _budget(name), no_referral))
                        continue
                    results += _guarded(name, size, steps[name])
        except Exception as error:
            traceback.print_exc(file=sys.stderr)
            results += [
                _failed(f"{BENCHMARKS[name]} (the app failed)", size, _budget(name), error)
                for name in in_app
                if name not in finished
            ]
    if "dashboard" in chosen:
        from bench.dashboard import dashboard

        _progress(size, "dashboard")
        results += _guarded("dashboard", size, lambda: dashboard(practice, today, repeat_in_app))
    child_steps: dict[str, Callable[[], list[report.Result]]] = {
        "startup": lambda: children.startup(practice, args.repeat),
        "command": lambda: children.command_search(practice, args.repeat),
        "handover-command": lambda: children.handover_command(practice, args.repeat, referrals["typical"]),
    }
    for name, step in child_steps.items():
        if name in chosen:
            _progress(size, name)
            if name == "handover-command" and not referrals:
                results.append(_failed(BENCHMARKS[name], size, _budget(name), no_referral))
                continue
            results += _guarded(name, size, step)
    if "batch" in chosen:  # last: it adds referrals and disclosures to the run's copy of the practice
        from bench.batch_export import batch_export

        _progress(size, "batch")
        results += _guarded("batch", size, lambda: batch_export(practice, today, args.repeat))
    remove(practice, server)  # 100,000 clients take most of a GB
    return results


def _progress(size: int, what: str) -> None:
    print(f"bench: {size:,} clients: {what} ...", file=sys.stderr, flush=True)


def _demo_budget(size: int) -> report.Budget:
    if size >= LARGE:
        return report.Budget(report.SECONDS, DEMO_LARGE_BUDGET_S * size / LARGE)
    return report.Budget(report.REPORT)


def _budget(name: str) -> report.Budget:
    from bench import batch_export, children, dashboard, in_app

    return {
        "search": report.Budget(report.SECONDS, in_app.SEARCH_BUDGET_S),
        "open": report.Budget(report.SECONDS, in_app.OPEN_CLIENT_BUDGET_S),
        "autosave": report.Budget(report.SECONDS, in_app.AUTOSAVE_BUDGET_S),
        "handover-app": report.Budget(report.SECONDS, in_app.HANDOVER_BUDGET_S),
        "startup": report.Budget(report.RATIO, children.STARTUP_RATIO),
        "command": report.Budget(report.RATIO, children.COMMAND_RATIO),
        "handover-command": report.Budget(report.RATIO, children.HANDOVER_COMMAND_RATIO),
        "dashboard": report.Budget(report.SECONDS, dashboard.DASHBOARD_BUDGET_S),
        "batch": report.Budget(report.MIN_RATIO, batch_export.TWO_WORKERS_MIN_RATIO),
    }[name]


def _failed(name: str, size: int, budget: report.Budget, error: BaseException | str) -> report.Result:
    text = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
    return report.Result(name, size, budget, error=text[:500])


def _guarded(name: str, size: int, step: Callable[[], list[report.Result]]) -> list[report.Result]:
    """A benchmark that fails is a row of its own (ERROR), and the others still run."""
    try:
        return step()
    except Exception as error:
        traceback.print_exc(file=sys.stderr)
        return [_failed(BENCHMARKS[name], size, _budget(name), error)]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
