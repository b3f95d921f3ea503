"""The monitor (issue 13): aggregates pinned on a small fixed practice, the small-number
suppression (a property over generated counts for a view and its broader views, and on the
database), the roles and the audit trail."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from broadtalk import audit
from broadtalk.clients import ClientInput, create_client
from broadtalk.consent import ConsentInput, record_consent
from broadtalk.conversation_records import ConversationContent, DomainEntry, GoalEntry, record_conversation
from broadtalk.conversations import start_conversation
from broadtalk.errors import InputError
from broadtalk.monitoring import Filter, Period, equity, forget_computed, monitor
from broadtalk.monitoring_suppression import (
    THRESHOLD,
    Cell,
    Group,
    cube_views,
    derived,
    median_of,
    share,
    suppress_cube,
    suppress_table,
)
from broadtalk.practitioners import Role, create_practitioner
from broadtalk.referral_steps import ACCEPTED, DECLINED, FEEDBACK, SENT
from broadtalk.referrals import advance_referral, create_referral
from broadtalk.store.tables import AuditEntry, Offering, Organisation

Q1 = Period.of_quarter(2025, 1)
TODAY = date(2025, 4, 15)
REGISTERED = datetime(2024, 12, 1, 9, tzinfo=UTC)
PH, FOUR_D = "positive-health", "four-domains"
BODY = "bodily-functions"
SENT_AT = datetime(2025, 2, 3, 11, tzinfo=UTC)


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def shown(cell: Cell) -> int | float | str:
    """A cell as the screen shows it: its number, or "< 10"."""
    return "< 10" if cell.suppressed else cell.value


def _organisation(tx, name: str) -> int:
    organisation = Organisation(name=name, created_at=REGISTERED, updated_at=REGISTERED)
    tx.add(organisation)
    tx.flush()
    offering = Offering(
        organisation_id=organisation.id,
        name=f"{name} aanbod",
        kind="welfare_coach",
        contact_function="Coach",
        created_at=REGISTERED,
        updated_at=REGISTERED,
    )
    tx.add(offering)
    tx.flush()
    return offering.id


def _refer(tx, actor, client_id: int, offering_id: int, steps: list[tuple[str, datetime]]) -> None:
    referral = create_referral(
        tx,
        actor,
        client_id,
        offering_id=offering_id,
        question="Ondersteuning gevraagd",
        urgency="routine",
        feedback_contact="POH, 030 111 2222",
        now=SENT_AT - timedelta(days=1),
    )
    record_consent(
        tx,
        actor,
        referral.id,
        ConsentInput(
            purpose="Begeleiding",
            domains=(),
            share_identity_details=False,
            share_goals_actions=False,
            share_own_words=False,
            method="verbal",
            given_on=(SENT_AT - timedelta(days=1)).date(),
            valid_until=date(2025, 12, 31),
        ),
        now=SENT_AT - timedelta(days=1),
    )
    for status, when in steps:
        note = "Teruggekoppeld" if status == FEEDBACK else "Geen plek" if status == DECLINED else ""
        advance_referral(tx, actor, referral.id, status, note=note, now=when)


@pytest.fixture
def practice(db, actor):
    """50 clients in three areas and two age bands; conversations, follow-ups and referrals with
    known numbers (see each block)."""
    with db.transaction() as tx:
        colleague = create_practitioner(tx, "Mehmet Yıldız", Role.SOCIAL_WORKER, now=REGISTERED)
        manager = create_practitioner(tx, "Joyce van Dijk", Role.PRACTICE_MANAGER, now=REGISTERED)
        welfare = _organisation(tx, "Welzijn Stad")
        debts = _organisation(tx, "Schuldhulp")
        ids = []
        for i in range(50):
            # Area 3583: clients 0-29; 3584: 30-44; no postal code: 45-49.
            postal = "3583 AB" if i < 30 else "3584 CD" if i < 45 else ""
            # Even: born 1952 (73 at the end of 2025: 65-74); odd: born 1990 (34-35: 30-44).
            born = "15-01-1952" if i % 2 == 0 else "15-01-1990"
            client = create_client(
                tx, actor, ClientInput(f"Cliënt{i}", f"Test{i}", born, postal_code=postal), now=REGISTERED
            )
            ids.append(client.id)
        for i in range(40):
            # First conversation (positive health) in January: clients 0-24 by the nurse, 25-39 by
            # the social worker. Body 2 (0-2), 6 (3-19), 7 (20-39).
            who = actor if i < 25 else colleague
            started = at(date(2025, 1, 6 + i % 20))
            body = 2 if i < 3 else 6 if i < 20 else 7
            content = ConversationContent(
                model_id=PH,
                model_version=1,
                started_at=started,
                completed_at=started + timedelta(hours=1),
                domains=[
                    DomainEntry(BODY, score=body, important=i < 15),
                    DomainEntry("participation", score=5, client_wants_to_talk=i < 5),
                ],
                goals=[GoalEntry("Rustiger worden", domain_id="mental-wellbeing")] if i < 12 else [],
            )
            record_conversation(tx, who, ids[i], content, now=started)
        for i in range(20):
            # A follow-up in February by the nurse: up 2 (0-11), same (12-15), down 1 (16-19).
            started = at(date(2025, 2, 10 + i % 10))
            delta = 2 if i < 12 else 0 if i < 16 else -1
            first = 2 if i < 3 else 6
            content = ConversationContent(
                model_id=PH,
                model_version=1,
                started_at=started,
                completed_at=started + timedelta(hours=1),
                domains=[DomainEntry(BODY, score=first + delta)],
            )
            record_conversation(tx, actor, ids[i], content, now=started)
        for i in range(40, 45):
            # Five 4D conversations in March by the social worker, "social" ranked first.
            started = at(date(2025, 3, 3 + i - 40))
            content = ConversationContent(
                model_id=FOUR_D,
                model_version=1,
                started_at=started,
                completed_at=started + timedelta(hours=1),
                domains=[DomainEntry("social", priority_rank=1), DomainEntry("body", priority_rank=2)],
            )
            record_conversation(tx, colleague, ids[i], content, now=started)
        # A draft is not counted.
        start_conversation(tx, actor, ids[49], PH, 1, now=at(date(2025, 2, 20)))
        for i in range(30):
            # Referrals sent on 3 February. Welzijn Stad (0-23): feedback after 7 days (0-5) or 14
            # days (6-11), accepted (12-19), sent (20-23). Schuldhulp (24-29): declined.
            if i < 12:
                steps = [(SENT, SENT_AT), (FEEDBACK, SENT_AT + timedelta(days=7 if i < 6 else 14))]
            elif i < 20:
                steps = [(SENT, SENT_AT), (ACCEPTED, SENT_AT + timedelta(days=2))]
            elif i < 24:
                steps = [(SENT, SENT_AT)]
            else:
                steps = [(SENT, SENT_AT), (DECLINED, SENT_AT + timedelta(days=3))]
            _refer(tx, actor, ids[i], welfare if i < 24 else debts, steps)
    return {"manager": manager, "colleague": colleague, "clients": ids}


def test_the_figures_of_a_quarter_are_the_known_numbers(db, practice):
    with db.transaction() as tx:
        figures = monitor(tx, practice["manager"], Filter(Q1), today=TODAY)
    assert shown(figures.clients_total) == 45
    # January's 40 is 5 short of the quarter's 45: it would single out the five seen in
    # February and March only. Likewise positive health's 40 against all models' 45. February's
    # 20 are all the nurse's, 5 short of her quarter's 25: her February is hidden, and so is
    # February for all (else all − the colleague's 0 gives hers).
    assert {m: shown(c) for m, c in figures.clients_per_month.items()} == {1: "< 10", 2: "< 10", 3: "< 10"}
    assert {m: shown(c) for m, c in figures.clients_per_model.items()} == {FOUR_D: "< 10", PH: "< 10"}

    body = next(s for s in figures.scores if (s.model_id, s.domain_id) == (PH, BODY))
    assert shown(body.clients) == 40
    # Every point of the scale 0-10; a client scored twice counts once per score given.
    assert {k: shown(c) for k, c in body.bins.items()} == {
        0: 0,
        1: 0,
        2: "< 10",
        3: 0,
        4: "< 10",
        5: "< 10",
        6: 17,
        7: 20,
        8: "< 10",
        9: 0,
        10: 0,
    }
    participation = next(s for s in figures.scores if s.domain_id == "participation")
    assert shown(participation.clients) == 40 and shown(participation.bins[5]) == 40
    assert not any(s.model_id == FOUR_D for s in figures.scores), "4D is qualitative: no scores"

    movement = next(m for m in figures.movement if m.domain_id == BODY)
    # 12 went up; the 8 who stayed or went down are under 10 together, so "up" goes too: else
    # 20 - 12 would give them away.
    assert (shown(movement.clients), shown(movement.up), shown(movement.same), shown(movement.down)) == (
        20,
        "< 10",
        "< 10",
        "< 10",
    )
    assert shown(movement.median_change) == 2.0
    participation_move = next(m for m in figures.movement if m.domain_id == "participation")
    assert shown(participation_move.clients) == 0  # not scored at the follow-up

    wanted = {(w.model_id, w.domain_id): shown(w.clients) for w in figures.wanted}
    assert wanted[(PH, BODY)] == 15  # marked important
    assert wanted[(PH, "mental-wellbeing")] == 12  # a goal in the domain
    assert wanted[(PH, "participation")] == "< 10"  # "I want to talk about this"
    assert wanted[(FOUR_D, "social")] == "< 10"  # ranked first
    assert wanted[(FOUR_D, "body")] == 0  # ranked second
    assert [(w.model_id, w.domain_id) for w in figures.wanted[:2]] == [(PH, BODY), (PH, "mental-wellbeing")]

    organisations = {o.name: o for o in figures.organisations}
    welfare = organisations["Welzijn Stad"]
    assert shown(welfare.clients) == 24
    assert {s: shown(c) for s, c in welfare.statuses.items()} == {
        "sent": "< 10",
        "accepted": "< 10",
        "first_contact": 0,
        "feedback_received": 12,
        "closed": 0,
        "declined": 0,
    }
    debts = organisations["Schuldhulp"]
    assert shown(debts.clients) == "< 10" and shown(debts.statuses["declined"]) == "< 10"

    referrals = figures.referrals
    assert shown(referrals.referred) == 30
    assert shown(referrals.with_feedback) == 12
    assert shown(referrals.without_feedback) == 18
    assert shown(referrals.overdue) == 12  # accepted or sent on 3 February, 28 days passed by 15 April
    assert shown(referrals.feedback_share) == 40.0
    assert shown(referrals.median_days_to_feedback) == 10.5  # six after 7 days, six after 14


def test_overdue_follows_the_practice_rule_on_the_day_asked(db, practice):
    with db.transaction() as tx:
        early = monitor(tx, practice["manager"], Filter(Q1), today=date(2025, 3, 3))
    # Sent on 3 February: due on 3 March (28 days), overdue only from 4 March.
    assert shown(early.referrals.overdue) == 0


def test_the_equity_view_by_area_has_the_practice_as_denominator(db, practice):
    with db.transaction() as tx:
        table = equity(tx, practice["manager"], Filter(Q1), "area")
    rows = {r.group: r for r in table.rows}
    assert list(rows) == ["3583", "3584", "unknown"]
    assert (shown(table.total.clients), shown(table.total.with_conversation), shown(table.total.referred)) == (
        50,
        45,
        30,
    )
    # Clients per area: 30, 15 and 5; the 5 are suppressed, and so is the 15 (else 50 - 30 - 15).
    assert [shown(rows[a].clients) for a in rows] == [30, "< 10", "< 10"]
    # 3584's 15 with a conversation are 10 with positive health in January and 5 with 4D in
    # March: the 5 are hidden in 4D's and March's views, and then enough more (in every view of
    # the year together) that no difference or sum of views gives them: here 3584's 15 and
    # 3583's 30 in the quarter. The unknown area's 0 is shown: a 0 has nothing to hide.
    assert [shown(rows[a].with_conversation) for a in rows] == ["< 10", "< 10", 0]
    assert rows["3583"].conversation_share.suppressed
    assert shown(rows["3583"].returning_share) == pytest.approx(66.7)
    assert rows["3584"].conversation_share.suppressed  # its denominator is suppressed
    assert shown(table.total.with_feedback) == 12 and shown(rows["3583"].with_feedback) == 12


def test_the_equity_view_by_age_band(db, practice):
    with db.transaction() as tx:
        table = equity(tx, practice["manager"], Filter(Q1), "age")
    rows = {r.group: r for r in table.rows}
    assert list(rows) == ["0-17", "18-29", "30-44", "45-64", "65-74", "75+"]
    assert {g: shown(r.clients) for g, r in rows.items() if r.clients.value != 0} == {"30-44": 25, "65-74": 25}
    assert (shown(rows["65-74"].with_conversation), shown(rows["30-44"].with_conversation)) == (23, 22)
    assert (shown(rows["65-74"].referred), shown(rows["30-44"].referred)) == (15, 15)
    assert (shown(rows["65-74"].returning), shown(rows["30-44"].returning)) == (10, 10)
    assert rows["65-74"].with_feedback.suppressed and rows["30-44"].with_feedback.suppressed


def test_the_area_scores_order_the_areas(db, practice):
    from broadtalk.area_scores import parse_area_scores

    scores = parse_area_scores("pc4;score\n3583;-0,4\n3584;1,2\n")
    with db.transaction() as tx:
        table = equity(tx, practice["manager"], Filter(Q1), "area", area_scores=scores)
    assert [r.group for r in table.rows] == ["3584", "3583", "unknown"]
    assert table.rows[0].area_score == 1.2


def test_filters_narrow_the_figures(db, actor, practice):
    manager = practice["manager"]
    with db.transaction() as tx:
        nurse_q1 = monitor(tx, manager, Filter(Q1, practitioner_id=actor.id), today=TODAY)
        january = monitor(tx, manager, Filter(Period.of_month(2025, 1)), today=TODAY)
    # The nurse held 25 first conversations and the 20 follow-ups (of the same clients), all in
    # area 3583, where the practice saw 30: her 25 would give away the colleague's 5 there (the
    # equity view by area shows 3583's 30), so her total is hidden in every table that has it.
    assert nurse_q1.clients_total.suppressed
    # She made all 30 referrals: her view and the practice's show the same.
    assert shown(nurse_q1.referrals.referred) == 30 and shown(nurse_q1.referrals.with_feedback) == 12
    # January's 40 against the quarter's 45 would single out March's five: suppressed.
    assert january.clients_total.suppressed and list(january.clients_per_month) == [1]


def test_a_practitioners_view_three_clients_short_of_all_is_suppressed(db, actor):
    """13 clients seen by the nurse, 3 more by a colleague in the same month: the nurse's 13
    alone would show, but 16 - 13 = 3 would then single out the colleague's three."""
    march = Period.of_month(2025, 3)
    with db.transaction() as tx:
        colleague = create_practitioner(tx, "Mehmet Yıldız", Role.SOCIAL_WORKER, now=REGISTERED)
        manager = create_practitioner(tx, "Joyce van Dijk", Role.PRACTICE_MANAGER, now=REGISTERED)

    def seen(count: int, by, offset: int) -> None:
        with db.transaction() as tx:
            for i in range(count):
                client = create_client(tx, actor, ClientInput(f"C{offset + i}", "Test", "01-01-1970"), now=REGISTERED)
                started = at(date(2025, 3, 10))
                content = ConversationContent(PH, 1, started, completed_at=started + timedelta(hours=1))
                record_conversation(tx, by, client.id, content, now=started)

    seen(13, actor, 0)
    seen(3, colleague, 100)
    nurses = Filter(march, practitioner_id=actor.id)
    with db.transaction() as tx:
        assert monitor(tx, manager, nurses, today=TODAY).clients_total == Cell(None, True)
        assert shown(monitor(tx, manager, Filter(march), today=TODAY).clients_total) == 16
    seen(10, colleague, 200)
    with db.transaction() as tx:
        assert shown(monitor(tx, manager, nurses, today=TODAY).clients_total) == 13
        assert shown(monitor(tx, manager, Filter(march), today=TODAY).clients_total) == 26


def test_a_month_close_to_its_quarter_is_suppressed(db, actor):
    """12 clients in January, 4 more in February: January (12) against the quarter (16)."""
    with db.transaction() as tx:
        manager = create_practitioner(tx, "Joyce van Dijk", Role.PRACTICE_MANAGER, now=REGISTERED)
        for i in range(16):
            client = create_client(tx, actor, ClientInput(f"C{i}", "Test", "01-01-1970"), now=REGISTERED)
            started = at(date(2025, 1 if i < 12 else 2, 10))
            record_conversation(
                tx, actor, client.id, ConversationContent(PH, 1, started, completed_at=started), now=started
            )
    with db.transaction() as tx:
        january = monitor(tx, manager, Filter(Period.of_month(2025, 1)), today=TODAY)
        quarter = monitor(tx, manager, Filter(Q1), today=TODAY)
    assert january.clients_total.suppressed
    # The quarter shows its 16, and its January is January's view: hidden there too.
    assert shown(quarter.clients_total) == 16 and quarter.clients_per_month[1].suppressed
    assert shown(quarter.clients_per_month[2]) == 0 or quarter.clients_per_month[2].suppressed


@pytest.mark.parametrize("role", list(Role))
def test_care_providers_and_those_who_run_the_practice_may_see_the_monitor(db, role):
    with db.transaction() as tx:
        someone = create_practitioner(tx, "Iemand", role, now=REGISTERED)
        figures = monitor(tx, someone, Filter(Q1), today=TODAY)
    assert figures.clients_total == Cell(0)


def test_opening_the_monitor_is_in_the_audit_trail_without_content(db, actor):
    view = Filter(Q1, practitioner_id=actor.id, model_id=PH)
    now = datetime(2025, 4, 15, 9, tzinfo=UTC)
    with db.transaction() as tx:
        monitor(tx, actor, view, today=TODAY, now=now)
        monitor(tx, actor, view, today=TODAY, now=now + timedelta(minutes=1))  # within 10 minutes: one entry
        equity(tx, actor, Filter(Q1), "age", now=now)
    with db.transaction() as tx:
        entries = tx.exec(select(AuditEntry).where(AuditEntry.object_type == "monitor")).all()
    assert [(e.action, e.detail, e.client_id) for e in entries] == [
        (audit.Action.VIEW, f"figures:2025-Q1;p={actor.id};m={PH}", None),
        (audit.Action.VIEW, "equity-age:2025-Q1", None),
    ]


def test_a_filter_is_checked(db, actor):
    with db.transaction() as tx, pytest.raises(InputError):
        equity(tx, actor, Filter(Q1), "city")


# -- the rule on raw counts (no database) --------------------------------------------------------


def test_small_counts_and_their_complements():
    cells = suppress_table(
        {"total": 40, "a": 3, "b": 17, "c": 20, "d": 0},
        groups=[Group(("a", "b", "c", "d"), "total")],
    )
    assert {k: shown(c) for k, c in cells.items()} == {"total": 40, "a": "< 10", "b": "< 10", "c": 20, "d": 0}
    assert all(c.value is None for c in cells.values() if c.suppressed)


def test_a_difference_with_a_broader_view_under_ten_suppresses_the_narrower():
    cells = suppress_table({"x": 13, "y": 30}, [{"x": 16, "y": 50}])
    assert cells["x"].suppressed and shown(cells["y"]) == 30
    assert suppress_table({"x": 0}, [{"x": 4}])["x"].suppressed  # the 0 would say "all 4 are elsewhere"


def test_shares_and_medians_need_a_shown_base_of_ten():
    assert shown(share(Cell(12), Cell(30))) == 40.0
    assert share(Cell(None, True), Cell(30)).suppressed  # 3 of 30 would give the 3 away
    assert share(Cell(12), Cell(None, True)).suppressed
    assert derived(2.0, Cell(9)).suppressed and shown(derived(2.0, Cell(10))) == 2.0
    assert median_of({7: 6, 14: 6}) == 10.5 and median_of({-1: 4, 0: 4, 2: 12}) == 2 and median_of({}) is None


def test_periods_are_calendar_months_quarters_and_years():
    march = Period.of_month(2025, 3)
    assert [p.code() for p in march.broader()] == ["2025-03", "2025-Q1", "2025"]
    assert march.last_day == date(2025, 3, 31) and Period(2024, quarter=1).last_day == date(2024, 3, 31)
    start, end = march.bounds()
    assert (start, end) == (datetime(2025, 2, 28, 23, tzinfo=UTC), datetime(2025, 3, 31, 22, tzinfo=UTC))
    view = Filter(march, practitioner_id=1, model_id=PH)
    assert len(view.lattice()) == 3 * 2 * 2
    assert view.lattice()[-1] == Filter(Period(2025))
    with pytest.raises(ValueError):
        Period(2025, month=13)


KEYS = ("total", "a", "b", "c")
GROUPS = (Group(("a", "b", "c"), "total"),)
counts = st.one_of(st.integers(0, 12), st.integers(0, 60))


@st.composite
def lattices(draw):
    """A view with some of its filters set, and raw counts for every view of its lattice."""
    period = draw(st.sampled_from([Period.of_month(2025, 2), Period.of_quarter(2025, 1), Period(2025)]))
    view = Filter(
        period,
        practitioner_id=draw(st.sampled_from([None, 1])),
        model_id=draw(st.sampled_from([None, PH])),
    )
    raw = {}
    for member in view.lattice():
        parts = {k: draw(counts) for k in KEYS[1:]}
        # Mostly a true total, sometimes a total of distinct clients below the sum.
        parts["total"] = sum(parts.values()) - draw(st.integers(0, 3))
        parts["total"] = max(parts["total"], max(parts.values()))
        raw[member] = parts
    return view, raw


def render(member: Filter, raw) -> dict:
    lattice = member.lattice()
    return suppress_table(raw[lattice[0]], [raw[w] for w in lattice[1:]], GROUPS, keys=KEYS)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lattices())
def test_no_shown_cell_or_difference_of_two_shown_views_is_under_ten(case):
    """``suppress_table`` alone (one view and its broader views)."""
    view, raw = case
    rendered = {member: render(member, raw) for member in view.lattice()}
    for member, cells in rendered.items():
        for key, cell in cells.items():
            assert cell.suppressed or cell.value == 0 or cell.value >= THRESHOLD
            assert (cell.value is None) == cell.suppressed
            if cell.shown:
                assert cell.value == raw[member][key]
        for group in GROUPS:
            if cells[group.total].shown:
                hidden = [m for m in group.members if cells[m].suppressed]
                assert len(hidden) != 1, (member, cells)
                # nor a small sum of them, found as the total minus the shown ones
                assert not 0 < sum(raw[member][m] for m in hidden) < THRESHOLD, (member, cells)
        for broader in member.broader():
            for key in KEYS:
                a, b = rendered[member][key], rendered[broader][key]
                if a.shown and b.shown:
                    assert not 0 < abs(b.value - a.value) < THRESHOLD, (member, broader, key)


# -- the year's cube: every view decided together -------------------------------------------------

YEAR = 2025
CUBE_PRACTITIONERS = (1, 2, 3)
CUBE_MODELS = ("a", "b")
CUBE_KEYS = ("total", "x", "y")


@st.composite
def practices(draw):
    """What clients did in a year: (client, month, practitioner, model, x or y) events, a few
    clients with many events (across months, practitioners and models) and many with one, so
    counts of distinct clients are not sums."""
    clients = draw(st.integers(1, 60))
    events = []
    for client in range(clients):
        for _ in range(draw(st.integers(1, 3))):
            events.append(
                (
                    client,
                    draw(st.sampled_from([1, 1, 2, 3, 4, 7, 12])),
                    draw(st.sampled_from(CUBE_PRACTITIONERS)),
                    draw(st.sampled_from(CUBE_MODELS)),
                    draw(st.sampled_from("xy")),
                )
            )
    return events


def cube_raw(events) -> dict:
    """Per view of the year, distinct clients per key, counted as the database does."""
    raw = {}
    for view in cube_views(YEAR, CUBE_PRACTITIONERS, CUBE_MODELS):
        months = set(view.period.months())
        inside = [
            e
            for e in events
            if e[1] in months and view.practitioner_id in (None, e[2]) and view.model_id in (None, e[3])
        ]
        raw[view] = {
            "total": len({e[0] for e in inside}),
            "x": len({e[0] for e in inside if e[4] == "x"}),
            "y": len({e[0] for e in inside if e[4] == "y"}),
        }
    return raw


def siblings_of(view: Filter, views) -> list[list[Filter]]:
    period = view.period
    groups = []
    if period.kind == "year":
        groups.append([Filter(Period(YEAR, quarter=q), view.practitioner_id, view.model_id) for q in range(1, 5)])
    if period.kind in ("year", "quarter"):
        groups.append([Filter(Period(YEAR, month=m), view.practitioner_id, view.model_id) for m in period.months()])
    if view.practitioner_id is None:
        groups.append([Filter(period, p, view.model_id) for p in CUBE_PRACTITIONERS])
    if view.model_id is None:
        groups.append([Filter(period, view.practitioner_id, m) for m in CUBE_MODELS])
    return groups


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(practices())
def test_no_view_of_the_year_can_be_worked_out_from_others(events):
    """Over every view of a year (each period, all or one practitioner, all or one model):
    no shown cell under 10, no shown pair of a view and a broader one differing by 1-9, and no
    shown total whose siblings (its months, quarters, practitioners, models) or whose table
    group has one hidden member or hidden members standing for 1-9 clients: no difference of
    views the monitor can show singles out fewer than 10 clients, however they are combined
    with a sibling sum."""
    raw = cube_raw(events)
    cells = suppress_cube(raw, CUBE_KEYS, (Group(("x", "y"), "total"),))
    assert set(cells) == set(raw)
    for view, row in cells.items():
        for key, cell in row.items():
            assert (cell.value is None) == cell.suppressed
            if cell.shown:
                assert cell.value == raw[view][key] and (cell.value == 0 or cell.value >= THRESHOLD)
            for broader in view.broader():
                other = cells[broader][key]
                if cell.shown and other.shown:
                    assert not 0 < abs(other.value - cell.value) < THRESHOLD, (view, broader, key)
            for siblings in siblings_of(view, cells):
                if cell.shown and cell.value > 0:  # a total of 0 says its members are 0 anyway
                    hidden = [s for s in siblings if cells[s][key].suppressed]
                    assert len(hidden) != 1, (view, key, hidden)
                    assert not 0 < sum(raw[s][key] for s in hidden) < THRESHOLD, (view, key, hidden)
        if row["total"].shown and row["total"].value > 0:
            hidden = [k for k in ("x", "y") if row[k].suppressed]
            assert len(hidden) != 1 and not 0 < sum(raw[view][k] for k in hidden) < THRESHOLD


def test_sibling_practitioners_cannot_be_subtracted_from_all():
    """Practitioners 1 (40 clients), 2 (30) and 3 (3) in January: 1 and 2 each differ from
    all's 73 by 10 or more, but all - 1 - 2 would give away 3's three. So 2's 30 go too (the
    smallest other), in the view of practitioner 2 itself as in every other view."""
    events = [(c, 1, 1, "a", "x") for c in range(40)]
    events += [(c, 1, 2, "a", "x") for c in range(100, 130)]
    events += [(c, 1, 3, "a", "x") for c in range(200, 203)]
    cells = suppress_cube(cube_raw(events), CUBE_KEYS)
    january = Period(YEAR, month=1)
    assert shown(cells[Filter(january)]["total"]) == 73
    assert shown(cells[Filter(january, 1)]["total"]) == 40
    assert cells[Filter(january, 2)]["total"].suppressed and cells[Filter(january, 3)]["total"].suppressed
    # The same in the year and the quarter (the same clients): nothing there gives them away.
    assert cells[Filter(Period(YEAR), 2)]["total"].suppressed
    assert cells[Filter(Period(YEAR, quarter=1), 3)]["total"].suppressed


def test_sibling_months_cannot_be_subtracted_from_their_quarter():
    """January 30, February 25, March 4 (other clients each month): the quarter (59) minus
    January and February would give March's 4; February goes too."""
    events = [(c, 1, 1, "a", "x") for c in range(30)]
    events += [(c, 2, 1, "a", "x") for c in range(100, 125)]
    events += [(c, 3, 1, "a", "x") for c in range(200, 204)]
    cells = suppress_cube(cube_raw(events), CUBE_KEYS)
    months = [shown(cells[Filter(Period(YEAR, month=m))]["total"]) for m in (1, 2, 3)]
    assert months == [30, "< 10", "< 10"]
    assert shown(cells[Filter(Period(YEAR, quarter=1))]["total"]) == 59


def test_a_cube_is_decided_the_same_whatever_view_is_asked(db, practice):
    """The figures of each view are those of the year's cube: asking views in any order (and
    after a change to the data) gives each the same cells as asking it alone."""
    manager = practice["manager"]
    views = [Filter(Q1), Filter(Period.of_month(2025, 1), practice["colleague"].id), Filter(Period(2025), None, PH)]
    with db.transaction() as tx:
        first = [monitor(tx, manager, v, today=TODAY) for v in views]
        forget_computed()
        again = [monitor(tx, manager, v, today=TODAY) for v in reversed(views)][::-1]
    assert [replace(f, counted_at=None) for f in first] == [replace(f, counted_at=None) for f in again]
    assert first[0].counted_at < again[0].counted_at  # counted again after ``forget_computed``


def test_figures_a_few_minutes_old_may_be_given_when_asked(db, actor, practice):
    """A screen asks for figures at most ``max_age`` old: a change since is counted only when
    they are older, or when no age is given (the command line, an export)."""
    manager = practice["manager"]
    with db.transaction() as tx:
        before = monitor(tx, manager, Filter(Q1), today=TODAY, max_age=timedelta(minutes=10))
    with db.transaction() as tx:
        client = create_client(tx, actor, ClientInput("Nieuw", "Test", "01-01-1970"), now=REGISTERED)
        started = at(date(2025, 3, 20))
        record_conversation(
            tx, actor, client.id, ConversationContent(PH, 1, started, completed_at=started), now=started
        )
    with db.transaction() as tx:
        kept = monitor(tx, manager, Filter(Q1), today=TODAY, max_age=timedelta(minutes=10))
        fresh = monitor(tx, manager, Filter(Q1), today=TODAY)
        later = monitor(tx, manager, Filter(Q1), today=TODAY, max_age=timedelta(0))
    assert kept.counted_at == before.counted_at and shown(kept.clients_total) == 45
    assert shown(fresh.clients_total) == 46 and fresh.counted_at > before.counted_at
    assert later.counted_at == fresh.counted_at  # the same data state: counted once


def test_a_figure_shown_by_several_tables_has_one_verdict(db, practice):
    """The clients with a conversation, referred and with feedback are in the figures and in both
    equity tables' whole-practice rows; the practice's clients and those coming back in both
    equity tables. Hidden in one, hidden in all: else the table that shows it undoes the hiding
    in the other (an age band found as the practice's total minus the other bands)."""
    manager = practice["manager"]
    views = [
        Filter(p, r, m)
        for p in (Q1, Period(2025), Period.of_month(2025, 2))
        for r in (None, 1, practice["colleague"].id)
        for m in (None, PH, FOUR_D)
    ]
    with db.transaction() as tx:
        for view in views:
            figures = monitor(tx, manager, view, today=TODAY)
            area = equity(tx, manager, view, "area", today=TODAY).total
            age = equity(tx, manager, view, "age", today=TODAY).total
            assert figures.clients_total == area.with_conversation == age.with_conversation, view
            assert figures.referrals.referred == area.referred == age.referred, view
            assert figures.referrals.with_feedback == area.with_feedback == age.with_feedback, view
            assert area.clients == age.clients and area.returning == age.returning, view
