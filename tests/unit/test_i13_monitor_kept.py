"""The monitor's last count, kept in the practice database (issue 13: the dashboard opens at once
in a practice of 100,000 clients): what is kept is only what may be shown, it reads back as the
same figures in every view, it stands in for a count only on the same data, day and feedback
days, a screen may show an older one while it counts again, and counting never holds the
database's write lock."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from broadtalk.clients import ClientInput, create_client
from broadtalk.conversation_records import ConversationContent, record_conversation
from broadtalk.monitoring import Filter, Period, count_for, equity, forget_computed, monitor
from broadtalk.monitoring_kept import Kept, decode, decode_cube, encode, encode_cube, keep, kept_cells, kept_count
from broadtalk.monitoring_suppression import Group, cube_views, suppress_cube
from broadtalk.monitoring_year import STOP, CountStopped, keep_year, year_of
from broadtalk.store.tables import MonitorCount
from tests.unit.test_i13_monitoring import (  # noqa: F401 (the practice fixture)
    FOUR_D,
    PH,
    REGISTERED,
    TODAY,
    YEAR,
    at,
    practice,
    practices,
    shown,
)

_MC = MonitorCount.__table__
NOW = datetime(2025, 4, 15, 12, tzinfo=UTC)  # TODAY, noon in the Netherlands


@pytest.fixture(autouse=True)
def _nothing_in_memory():
    forget_computed()
    yield
    forget_computed()


def every_view(db, practice) -> list[Filter]:  # noqa: F811
    with db.transaction() as tx:
        from broadtalk.practitioners import list_practitioners

        ids = [p.id for p in list_practitioners(tx)]
    return list(cube_views(YEAR, ids, [PH, FOUR_D]))


def everything(db, manager, views, **kwargs) -> list:
    """Every figure and both equity tables of each view, as a screen gets them."""
    with db.transaction() as tx:
        return [
            (
                monitor(tx, manager, v, today=TODAY, now=NOW, **kwargs),
                equity(tx, manager, v, "area", today=TODAY, now=NOW, **kwargs),
                equity(tx, manager, v, "age", today=TODAY, now=NOW, **kwargs),
            )
            for v in views
        ]


def kept_text(db) -> str:
    with db.transaction() as tx:
        return tx.execute(select(_MC.c.figures)).scalar_one()


def add_conversation(db, actor) -> None:
    with db.transaction() as tx:
        client = create_client(tx, actor, ClientInput("Nieuw", "Test", "01-01-1970"), now=REGISTERED)
        started = at(date(2025, 3, 20))
        record_conversation(
            tx, actor, client.id, ConversationContent(PH, 1, started, completed_at=started), now=started
        )


# -- what is kept --------------------------------------------------------------------------------


def test_a_count_is_kept_and_read_back_as_the_same_figures_in_every_view(db, practice):  # noqa: F811
    """``count_for`` keeps the year it counted; without it in memory, every view of the year
    (every period, practitioner and model, the figures and both equity tables) reads back from
    the database exactly as counted, at once, without counting."""
    manager = practice["manager"]
    views = every_view(db, practice)
    count_for(db, manager, Filter(Period(YEAR)), now=NOW)
    counted = everything(db, manager, views)  # from memory: the count itself
    with db.transaction() as tx:
        kept = kept_count(tx, YEAR)
    assert kept is not None and kept.counted_on == TODAY and kept.counted_at == counted[0][0].counted_at
    forget_computed()
    import broadtalk.monitoring_year as monitoring_year

    real = monitoring_year._compute_year
    monitoring_year._compute_year = lambda *a: pytest.fail("counted again instead of reading the kept count")
    try:
        again = everything(db, manager, views)
    finally:
        monitoring_year._compute_year = real
    assert again == counted
    assert all(not figures.stale for figures, _area, _age in again)


def test_only_what_may_be_shown_is_kept(db, practice):  # noqa: F811
    """Every kept cell is the shown number or -1 where the cell is hidden (never the hidden
    number), every kept median stands under a shown base, and no client's name, postal code or
    birth date is in the kept text."""
    manager = practice["manager"]
    count_for(db, manager, Filter(Period(YEAR)), now=NOW)
    text = kept_text(db)
    with db.transaction() as tx:
        year = year_of(tx, YEAR, TODAY)
    data = json.loads(text)
    views = [Filter(Period(y, month=m) if m else Period(y, quarter=q), p, mo) for y, q, m, p, mo in data["views"]]
    tables = {name: getattr(year, name) for name in data["cubes"]}
    tables.update({f"{by}.{m}": year.equity[by][m] for by in year.equity for m in year.equity[by]})
    kept = kept_cells(text)
    assert set(kept) == set(tables) and len(kept) == 16
    hidden_seen = 0
    for name, (kept_views, keys, cells) in kept.items():
        for i, view in enumerate(kept_views):
            for k, key in enumerate(keys):
                cell = tables[name][view][key]
                if cell.suppressed:
                    hidden_seen += 1
                    assert cells[i, k] == -1, (name, view, key)
                else:
                    assert cells[i, k] == cell.value, (name, view, key)
    assert hidden_seen > 0  # the practice has hidden cells: the check above meant something
    for v, model_id, domain_id, _median in data["movement_medians"]:
        assert year.movement[views[v]][(model_id, domain_id, "total")].shown
    for v, _median in data["median_days"]:
        assert year.summary[views[v]]["with_feedback"].shown
    for word in ("Cliënt", "Test1", "3583 AB", "1952", "1990", "Anouk", "Mehmet"):
        assert word not in text


KEYS = st.one_of(
    st.text(max_size=6),
    st.integers(-5, 200),
    st.none(),
    st.tuples(st.one_of(st.none(), st.integers(0, 99)), st.sampled_from(["sent", "closed"])),
    st.tuples(st.text(max_size=4), st.text(max_size=4), st.one_of(st.none(), st.integers(0, 10))),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(KEYS, min_size=1, max_size=6, unique=True), st.data())
def test_any_cube_reads_back_with_the_same_cells(keys, data):
    """Whatever the keys (texts, numbers, none, tuples with none) and counts, a suppressed cube
    kept and read back gives every view and key the same cell."""
    views = cube_views(2025, [1, 2], ["a"])
    raw = {v: {k: data.draw(st.integers(0, 40)) for k in keys} for v in views}
    groups = [Group(tuple(keys[1:]), keys[0])] if len(keys) > 2 else []
    cube = suppress_cube(raw, keys, groups)
    back = decode_cube(encode_cube(cube))
    for v in views:
        assert back[v] == cube[v]


def test_a_later_count_is_not_replaced_by_an_earlier_one(db, practice):  # noqa: F811
    """Two workstations keeping their counts: the one counted last stays, whichever writes last."""
    manager = practice["manager"]
    count_for(db, manager, Filter(Period(YEAR)), now=NOW)
    with db.transaction() as tx:
        year = year_of(tx, YEAR, TODAY)
        kept = kept_count(tx, YEAR)
        earlier = Kept(YEAR, TODAY, kept.due_days, "another state", kept.counted_at - timedelta(minutes=5))
        later = replace(earlier, counted_at=kept.counted_at + timedelta(minutes=5))
        assert not keep(tx, year, earlier)
        assert kept_count(tx, YEAR) == kept
        assert keep(tx, year, later)
        assert kept_count(tx, YEAR) == later


@pytest.mark.parametrize("text", ["", "{", '{"layout": 999}', '{"layout": 1, "views": []}', "null"])
def test_a_kept_count_that_cannot_be_read_is_counted_again_and_kept_anew(db, practice, text):  # noqa: F811
    manager = practice["manager"]
    count_for(db, manager, Filter(Period(YEAR)), now=NOW)
    expected = everything(db, manager, [Filter(Period(YEAR))])
    with db.transaction() as tx:
        tx.execute(update(_MC).values(figures=text, counted_at=datetime(2025, 4, 15, 9, tzinfo=UTC)))
    forget_computed()
    counted = count_for(db, manager, Filter(Period(YEAR)), now=NOW, earlier=True)
    assert replace(counted.figures, counted_at=None) == replace(expected[0][0], counted_at=None)
    assert not counted.figures.stale and counted.figures.counted_at > expected[0][0].counted_at
    assert decode(kept_text(db))["median_days"]  # kept anew, readable


# -- when a kept count stands in for a count --------------------------------------------------------


def test_after_a_change_a_screen_gets_the_kept_count_marked_and_a_count_the_new_figures(db, actor, practice):  # noqa: F811
    manager = practice["manager"]
    q1 = Filter(Period.of_quarter(YEAR, 1))
    before = count_for(db, manager, q1, now=NOW).figures
    add_conversation(db, actor)
    forget_computed()  # another process, or the app opened again
    earlier = count_for(db, manager, q1, now=NOW, earlier=True)
    assert earlier.figures.stale and replace(earlier.figures, stale=False) == before
    assert shown(earlier.figures.clients_total) == 45
    fresh = count_for(db, manager, q1, now=NOW)
    assert not fresh.figures.stale and shown(fresh.figures.clients_total) == 46
    with db.transaction() as tx:
        assert kept_count(tx, YEAR).counted_at == fresh.figures.counted_at  # the new count is kept
    forget_computed()
    assert count_for(db, manager, q1, now=NOW, earlier=True).figures == fresh.figures  # current now


def test_a_kept_count_a_few_minutes_old_is_current_for_a_screen(db, actor, practice):  # noqa: F811
    """As in memory: a screen (``max_age``) takes a count kept less than ``max_age`` ago even
    when the data changed since; without ``max_age`` (an export) it is counted again."""
    manager = practice["manager"]
    q1 = Filter(Period.of_quarter(YEAR, 1))
    before = count_for(db, manager, q1, now=NOW).figures
    add_conversation(db, actor)
    forget_computed()
    screen = count_for(db, manager, q1, now=NOW, max_age=timedelta(minutes=10)).figures
    assert screen == before and not screen.stale
    forget_computed()
    assert shown(count_for(db, manager, q1, now=NOW).figures.clients_total) == 46


def test_a_count_of_another_day_is_stale(db, practice):  # noqa: F811
    """Overdue referrals are counted as of a day: a count kept yesterday is not today's, even on
    the same data; a screen may show it while it counts again."""
    manager = practice["manager"]
    q1 = Filter(Period.of_quarter(YEAR, 1))
    count_for(db, manager, q1, now=NOW - timedelta(days=1))
    forget_computed()
    with db.transaction() as tx:
        assert kept_count(tx, YEAR).counted_on == TODAY - timedelta(days=1)
        shown_at_once = monitor(tx, manager, q1, today=TODAY, now=NOW, earlier=True)
        counted = monitor(tx, manager, q1, today=TODAY, now=NOW)
    assert shown_at_once.stale and not counted.stale
    assert counted.counted_at > shown_at_once.counted_at


def test_without_a_kept_count_a_screen_waits_for_the_count(db, practice):  # noqa: F811
    manager = practice["manager"]
    counted = count_for(db, manager, Filter(Period(YEAR)), now=NOW, earlier=True)
    assert not counted.figures.stale and shown(counted.figures.clients_total) == 45


# -- counting holds no lock, and stops when asked ----------------------------------------------------


def test_counting_never_holds_the_write_lock(db, actor, practice):  # noqa: F811
    """Between the tables of a count, another connection saves at once: the looks are recorded
    before, and the count is kept after, each in its own short transaction."""
    manager = practice["manager"]
    saved = []

    def save_meanwhile() -> bool:
        with db.transaction() as tx:
            create_client(tx, actor, ClientInput("Tussendoor", "Test", "01-01-1980"), now=REGISTERED)
        saved.append(True)
        return False

    token = STOP.set(save_meanwhile)
    try:
        count_for(db, manager, Filter(Period(YEAR)), now=NOW)
    finally:
        STOP.reset(token)
    assert len(saved) >= 8  # once between each table
    with db.transaction() as tx:
        assert kept_count(tx, YEAR) is not None


def test_a_stopped_count_is_not_kept_and_not_remembered(db, practice):  # noqa: F811
    manager = practice["manager"]
    token = STOP.set(lambda: True)
    try:
        with pytest.raises(CountStopped):
            count_for(db, manager, Filter(Period(YEAR)), now=NOW)
    finally:
        STOP.reset(token)
    with db.transaction() as tx:
        assert kept_count(tx, YEAR) is None
        year = year_of(tx, YEAR, TODAY)  # counted now, in full
    assert year.counting is not None


def test_a_count_read_back_is_not_kept_again(db, practice):  # noqa: F811
    manager = practice["manager"]
    count_for(db, manager, Filter(Period(YEAR)), now=NOW)
    forget_computed()
    with db.transaction() as tx:
        year = year_of(tx, YEAR, TODAY)
        assert year.kept is not None and year.counting is None
        assert not keep_year(tx, year)
    assert encode(year)  # and it can be written out again as it is


def test_erasing_a_client_drops_the_kept_counts(db, practice):  # noqa: F811
    """A kept count was counted with every client; after an erasure (AVG art. 17) none is kept,
    and the monitor counts again without the client."""
    from broadtalk.erasure import erase_client

    manager = practice["manager"]  # may erase (a record past its retention, or on request)
    count_for(db, manager, Filter(Period(YEAR)), now=NOW)
    with db.transaction() as tx:
        erase_client(tx, manager, practice["clients"][0])
        assert kept_count(tx, YEAR) is None
    forget_computed()
    counted = count_for(db, manager, Filter(Period(YEAR)), now=NOW, earlier=True)
    assert not counted.figures.stale and shown(counted.figures.clients_total) == 44


def test_a_count_under_way_when_a_client_is_erased_is_not_kept(db, practice):  # noqa: F811
    """Another workstation erases a client while the year is counted: the count read the client
    (it started before), so it is shown but never kept; the next count, without them, is."""
    from broadtalk.erasure import erase_client

    manager = practice["manager"]
    erased = []

    def erase_meanwhile() -> bool:
        if not erased:
            with db.transaction() as tx:
                erase_client(tx, manager, practice["clients"][0])
            erased.append(True)
        return False

    token = STOP.set(erase_meanwhile)
    try:
        count_for(db, manager, Filter(Period(YEAR)), now=NOW)
    finally:
        STOP.reset(token)
    assert erased
    with db.transaction() as tx:
        assert kept_count(tx, YEAR) is None
    forget_computed()
    counted = count_for(db, manager, Filter(Period(YEAR)), now=NOW)
    assert shown(counted.figures.clients_total) == 44
    with db.transaction() as tx:
        assert kept_count(tx, YEAR) is not None
