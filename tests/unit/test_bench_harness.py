"""The benchmark harness's own logic on made-up results: budgets, verdicts, the table, the JSON and the
exit code. Nothing here is timed: the budgets are checked by ``make bench``, never by a unit test."""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

import bench.__main__ as bench_main
from bench import report
from bench.practice import cache_key
from bench.processes import ChildFailed, run

STARTED = datetime(2026, 12, 3, 7, 0, tzinfo=UTC)


def seconds(name: str, figure: float | None, limit: float, **kw) -> report.Result:
    return report.Result(name, 1_000, report.Budget(report.SECONDS, limit), figure=figure, **kw)


def ratio(name: str, figure: float, floor: float | None, limit: float) -> report.Result:
    return report.Result(name, 10_000, report.Budget(report.RATIO, limit), figure=figure, floor=floor)


def memory(figure: float, floor: float) -> report.Result:
    return report.Result(
        "peak", 10_000, report.Budget(report.PLUS_MB, 40), figure=figure, floor=floor, unit="MB", samples=(figure,)
    )


@pytest.mark.parametrize(
    ("result", "verdict"),
    [
        (seconds("open", 0.049, 0.050), report.OK),
        (seconds("open", 0.050, 0.050), report.OK),
        (seconds("open", 0.051, 0.050), report.OVER),
        (ratio("start-up", 1.24, 1.0, 1.25), report.OK),
        (ratio("start-up", 3.9, 1.15, 1.25), report.OVER),
        (ratio("start-up", 1.0, None, 1.25), report.ERROR),  # no floor: the budget cannot be checked
        (memory(120, 83), report.OK),
        (memory(172, 83), report.OVER),
        (report.Result("demo", 1_000, report.Budget(report.REPORT), figure=600.0), report.REPORTED),
        (seconds("search", None, 0.016, error="RuntimeError: boom"), report.ERROR),
    ],
)
def test_each_kind_of_budget_gives_its_verdict(result, verdict):
    assert result.verdict == verdict
    assert result.failed == (verdict in (report.OVER, report.ERROR))


def test_a_budget_needs_a_limit_unless_it_only_reports():
    with pytest.raises(ValueError):
        report.Budget(report.SECONDS)
    with pytest.raises(ValueError):
        report.Budget(report.REPORT, 1.0)
    with pytest.raises(ValueError):
        report.Budget("minutes", 1.0)


def test_the_exit_code_is_1_when_one_figure_is_over_budget_or_failed_and_0_otherwise():
    fine = [seconds("open", 0.01, 0.05), memory(100, 83), report.Result("demo", 1, report.Budget(report.REPORT), 9.0)]
    assert report.exit_code(fine) == 0
    assert report.exit_code([*fine, seconds("autosave", 0.008, 0.005)]) == 1
    assert report.exit_code([*fine, seconds("search", None, 0.016, error="x")]) == 1
    assert report.exit_code([]) == 0


def test_the_table_shows_figure_floor_ratio_budget_and_verdict_on_one_line_per_figure():
    results = [
        ratio("start-up until the first page has painted", 3.9, 1.15, 1.25),
        memory(172, 83),
        seconds("search as you type", 0.026, 0.016),
        seconds("handover PDF in the app", None, 0.150, error="ChildFailed: exit code 1"),
    ]
    table = report.format_table(results)
    lines = table.splitlines()
    assert lines[0].split() == ["clients", "benchmark", "figure", "floor", "ratio", "budget", "verdict"]
    startup = next(line for line in lines if line.lstrip().startswith("10,000  start-up"))
    assert "3.90 s" in startup and "1.15 s" in startup and "3.39x" in startup
    assert "<= 1.25x floor" in startup and startup.endswith("OVER")
    peak = next(line for line in lines if "peak" in line)
    assert "172 MB" in peak and "83 MB" in peak and "+89 MB" in peak and "<= floor + 40 MB" in peak
    search = next(line for line in lines if "search as you type" in line)
    assert "26.0 ms" in search and "<= 16.0 ms" in search and search.endswith("OVER")
    assert any("ChildFailed: exit code 1" in line for line in lines)  # the error, under notes
    assert lines[-1] == "4 figures, 3 over budget, 1 failed to run"


def test_the_json_holds_every_figure_with_its_budget_verdict_and_samples(tmp_path):
    results = [memory(172, 83), seconds("open", 0.01, 0.05, samples=(0.01, 0.02, 0.01))]
    data = report.as_json(results, started=STARTED, arguments=["--sizes", "1000"])
    path = report.write_json(data, tmp_path / "deeper" / "run.json")
    back = json.loads(path.read_text(encoding="utf-8"))
    assert back["exit_code"] == 1
    assert back["arguments"] == ["--sizes", "1000"]
    assert back["started"] == "2026-12-03T07:00:00+00:00"
    first, second = back["results"]
    assert first["budget"] == {"kind": "plus_mb", "limit": 40}
    assert first["figure"] == 172 and first["floor"] == 83 and first["unit"] == "MB"
    assert first["verdict"] == "OVER"
    assert second["samples"] == [0.01, 0.02, 0.01] and second["verdict"] == "ok" and second["ratio"] is None
    assert [p.name for p in path.parent.iterdir()] == ["run.json"]  # no temporary file left behind


def test_the_default_json_file_is_named_after_the_start():
    assert report.default_json_path(Path("r"), STARTED) == Path("r/20261203T070000Z.json")


def test_main_prints_the_table_writes_the_json_and_exits_1_when_over_budget(monkeypatch, tmp_path, capsys):
    fake = [ratio("command", 2.64, 0.23, 2.0), seconds("open", 0.01, 0.05)]
    seen = {}

    def run_all(chosen, args, work):
        seen.update(chosen=chosen, sizes=args.sizes, repeat=args.repeat, work=work)
        assert work.is_dir()
        return fake

    monkeypatch.setattr(bench_main, "run_all", run_all)
    out = tmp_path / "out.json"
    code = bench_main.main(["command", "open", "--sizes", "1000,10_000", "--repeat", "2", "--json", str(out)])
    assert code == 1
    assert seen["chosen"] == ["open", "command"]  # in the harness's own order
    assert seen["sizes"] == [1000, 10000] and seen["repeat"] == 2
    assert not seen["work"].exists()  # the run's folder is removed at the end
    printed = capsys.readouterr().out
    assert "11.48x" in printed and f"written: {out}" in printed
    assert json.loads(out.read_text())["exit_code"] == 1

    monkeypatch.setattr(bench_main, "run_all", lambda chosen, args, work: [fake[1]])
    assert bench_main.main(["--json", str(out)]) == 0


def test_main_refuses_an_unknown_benchmark_or_size_with_exit_code_2(capsys):
    for argv in (["nonsense"], ["--sizes", "ten"], ["--sizes", "0"], ["--repeat", "0"]):
        with pytest.raises(SystemExit) as end:
            bench_main.main(argv)
        assert end.value.code == 2
    capsys.readouterr()
    assert bench_main.main(["--list"]) == 0
    assert capsys.readouterr().out.split()[0] == "demo"


def test_the_cache_key_changes_with_size_seed_and_day():
    day = date(2026, 12, 3)
    keys = {
        cache_key(1_000, 1, day),
        cache_key(10_000, 1, day),
        cache_key(1_000, 2, day),
        cache_key(1_000, 1, date(2026, 12, 4)),
    }
    assert len(keys) == 4
    assert cache_key(1_000, 1, day) == cache_key(1_000, 1, day)


def test_a_child_is_timed_until_its_line_and_its_own_peak_memory_is_read(tmp_path):
    script = tmp_path / "child.py"
    script.write_text("import sys\nprint('warming up')\nprint('ready now', flush=True)\nsys.exit(0)\n")
    result = run([sys.executable, str(script)], {}, until_line="ready", peak=True, timeout=60)
    assert result.line == "ready now"
    assert result.seconds > 0
    assert result.peak_mb is not None and 1 < result.peak_mb < 1000
    assert "warming up" in result.stdout


def test_a_child_that_fails_or_never_prints_its_line_is_an_error(tmp_path):
    failing = tmp_path / "failing.py"
    failing.write_text("import sys\nprint('no', file=sys.stderr)\nsys.exit(3)\n")
    with pytest.raises(ChildFailed, match="exit code 3: no"):
        run([sys.executable, str(failing)], {}, timeout=60)
    quiet = tmp_path / "quiet.py"
    quiet.write_text("print('something else')\n")
    with pytest.raises(ChildFailed, match="no line starting with 'ready'"):
        run([sys.executable, str(quiet)], {}, until_line="ready", timeout=60)
