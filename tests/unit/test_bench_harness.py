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


# -- the engine: the embedded file or a PostgreSQL server of the run ------------------------------


def test_the_engine_is_the_file_unless_a_server_is_asked_for(capsys):
    assert bench_main.parse([]).engine == "sqlite"
    assert bench_main.parse(["--engine", "postgresql", "--sizes", "1000"]).engine == "postgresql"
    with pytest.raises(SystemExit) as end:
        bench_main.parse(["--engine", "oracle"])
    assert end.value.code == 2
    capsys.readouterr()


def test_the_table_and_the_json_name_the_engine(monkeypatch, tmp_path, capsys):
    def run_all(chosen, args, work):
        assert args.engine == "postgresql"
        args.engine_version = "PostgreSQL 15.18"  # what the run's server says of itself
        return [seconds("open", 0.01, 0.05)]

    monkeypatch.setattr(bench_main, "run_all", run_all)
    out = tmp_path / "out.json"
    assert bench_main.main(["open", "--engine", "postgresql", "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert (
        printed.splitlines()[0] == "engine: postgresql (PostgreSQL 15.18, a server started for this run, on loopback)"
    )
    assert json.loads(out.read_text())["engine"] == {"name": "postgresql", "version": "PostgreSQL 15.18"}

    monkeypatch.setattr(bench_main, "run_all", lambda chosen, args, work: [seconds("open", 0.01, 0.05)])
    assert bench_main.main(["open", "--json", str(out)]) == 0
    assert capsys.readouterr().out.startswith("engine: sqlite (the embedded SQLCipher file)")
    assert json.loads(out.read_text())["engine"] == {"name": "sqlite", "version": None}


def test_a_server_run_writes_its_json_under_its_own_name_by_default():
    assert report.default_json_path(Path("r"), STARTED, engine="postgresql") == Path(
        "r/20261203T070000Z-postgresql.json"
    )
    assert report.default_json_path(Path("r"), STARTED, engine="sqlite") == Path("r/20261203T070000Z.json")


def test_the_cache_keeps_a_server_practice_apart_from_a_file_practice():
    day = date(2026, 12, 3)
    file_key = cache_key(1_000, 1, day)
    assert cache_key(1_000, 1, day, "sqlite") == file_key  # the file's keys are what they were
    server_key = cache_key(1_000, 1, day, "postgresql")
    assert server_key.startswith("postgresql-1000-seed1-2026-12-03-") and server_key != "postgresql-" + file_key


def test_a_practice_on_a_server_is_given_to_the_children_by_its_url(tmp_path):
    from bench import children
    from bench.practice import Practice

    on_file = Practice(1_000, tmp_path, nurse=3)
    on_server = Practice(1_000, tmp_path, nurse=3, url="postgresql://u:p@127.0.0.1:5432/practice_1000")
    assert (on_file.engine, on_file.target) == ("sqlite", str(tmp_path / "practice.sqlite"))
    assert (on_server.engine, on_server.target) == ("postgresql", on_server.url)
    for name in ("startup", "command_search"):
        assert children._floor(on_file, name).name == f"{name}.py"
        assert children._floor(on_server, name).name == f"{name}_server.py"
        assert children._floor(on_server, name).is_file()


class _FakeServer:
    port = 5999

    def __init__(self):
        self.stopped = 0

    def stop(self):
        self.stopped += 1


def test_a_server_run_starts_one_server_for_every_size_and_stops_it_also_on_ctrl_c(monkeypatch, tmp_path):
    from contextlib import contextmanager

    from bench import server as servers

    started: list[_FakeServer] = []

    @contextmanager
    def running():
        started.append(_FakeServer())
        try:
            yield started[-1]
        finally:
            started[-1].stop()

    sizes_seen = []

    def run_size(size, chosen, args, work, today, server=None):
        sizes_seen.append((size, server))
        if size == 99:
            raise KeyboardInterrupt
        return [seconds("open", 0.01, 0.05)]

    monkeypatch.setattr(servers, "running", running)
    monkeypatch.setattr(servers, "version", lambda server: "PostgreSQL 15.18")
    monkeypatch.setattr(bench_main, "run_size", run_size)
    args = bench_main.parse(["--engine", "postgresql", "--sizes", "1000,10000"])
    assert len(bench_main.run_all(["open"], args, tmp_path)) == 2
    assert len(started) == 1 and started[0].stopped == 1
    assert sizes_seen == [(1000, started[0]), (10000, started[0])]
    assert args.engine_version == "PostgreSQL 15.18"

    with pytest.raises(KeyboardInterrupt):
        bench_main.run_all(["open"], bench_main.parse(["--engine", "postgresql", "--sizes", "99"]), tmp_path)
    assert started[1].stopped == 1

    sizes_seen.clear()
    bench_main.run_all(["open"], bench_main.parse(["--sizes", "1000"]), tmp_path)
    assert sizes_seen == [(1000, None)] and len(started) == 2  # the file needs no server


def test_the_runs_server_is_stopped_and_its_folder_removed_after_an_error(monkeypatch):
    import signal
    import types

    from bench import server as servers

    made: dict = {}

    def start(folder, *, settings):
        made.update(folder=folder, settings=settings, server=_FakeServer())
        assert folder.is_dir()
        return made["server"]

    fake = types.SimpleNamespace(PREFIX="broadtalk-pg-", DURABLE_SETTINGS="durable", start=start)
    monkeypatch.setattr(servers, "_pg_server", lambda: fake)
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(RuntimeError, match="boom"), servers.running() as server:
        assert signal.getsignal(signal.SIGTERM) is servers._terminated  # a SIGTERM ends the run like Ctrl-C
        raise RuntimeError("boom")
    assert server is made["server"] and server.stopped == 1
    assert made["settings"] == "durable" and made["folder"].name.startswith("broadtalk-pg-bench-")
    assert not made["folder"].exists()
    assert signal.getsignal(signal.SIGTERM) == before


def test_the_server_floors_open_the_practice_key_as_broadtalk_makes_it():
    import importlib.util

    from broadtalk import client_search
    from broadtalk.store import practice_key

    floors = Path(bench_main.__file__).resolve().parent / "floors"
    spec = importlib.util.spec_from_file_location("server_key", floors / "server_key.py")
    floor_key = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(floor_key)
    salt = practice_key.new_salt()
    real = practice_key.PracticeKey("bench bench bench", salt)
    key = floor_key.Key("bench bench bench", {"practice_key_salt": salt, "practice_key_check": real.check})
    assert key.open_text(real.seal_text("Çelik", "client.family_name"), "client.family_name") == "Çelik"
    assert key.name_token("berg") == client_search.word_tokens(real.search, "berg", None)[0]
    with pytest.raises(SystemExit, match="wrong passphrase"):
        floor_key.Key("another passphrase", {"practice_key_salt": salt, "practice_key_check": real.check})


def test_a_server_that_does_not_start_is_one_failed_row_and_exit_code_1(monkeypatch, tmp_path, capsys):
    import types

    from bench import server as servers

    real = servers._pg_server()

    def start(folder, *, settings):
        raise real.NoServerBinaries("The tests need PostgreSQL's server programs (initdb, pg_ctl).")

    fake = types.SimpleNamespace(PREFIX=real.PREFIX, DURABLE_SETTINGS="", start=start)
    monkeypatch.setattr(servers, "_pg_server", lambda: fake)
    monkeypatch.setattr(bench_main, "run_size", lambda *a, **kw: pytest.fail("no size runs without its server"))
    out = tmp_path / "out.json"
    assert bench_main.main(["--engine", "postgresql", "--json", str(out)]) == 1
    printed = capsys.readouterr().out
    assert "the PostgreSQL server for the run: NoServerBinaries: The tests need PostgreSQL's server programs" in printed
    assert json.loads(out.read_text())["results"][0]["verdict"] == "ERROR"
