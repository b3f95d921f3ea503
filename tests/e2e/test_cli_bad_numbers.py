"""Numbers and dates the app cannot hold are usage errors with a clear line (issue 10), never an
internal error, and nothing is made: ids beyond 64 bits, a day in year 1, a huge demo."""

from __future__ import annotations

import pytest

from tests.e2e.test_cli import run

HUGE = str(2**64)


@pytest.mark.parametrize(
    "argv",
    [
        ["handover", "pdf", HUGE, "--out", "x.pdf"],
        ["record", "erase", HUGE, "--yes"],
        ["demo", "--clients", HUGE],
        ["demo", "--clients", "2", "--seed", HUGE],
    ],
)
def test_a_number_beyond_what_the_app_holds_is_a_usage_error(argv, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "a.sqlite"
    code, _out, err = run(["--db", str(db), *argv], capsys)
    assert code == 2
    assert "went wrong" not in err and "Traceback" not in err
    assert HUGE in err  # says which value
    assert not db.exists()


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1899-12-31"])
def test_a_reference_day_outside_the_supported_years_is_a_usage_error(day, tmp_path, capsys):
    db = tmp_path / "a.sqlite"
    code, _out, err = run(["--db", str(db), "demo", "--clients", "2", "--today", day], capsys)
    assert code == 2
    assert "went wrong" not in err and "Traceback" not in err
    assert not db.exists()  # no half-made database
