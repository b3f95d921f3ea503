"""The monitor's year: every table of the monitor and of the equity view, in every view of a
calendar year (``monitoring_suppression.cube_views``), counted in the database and suppressed
together, once per data state (``monitoring_queries.computed_once``). ``monitoring.monitor`` and
``monitoring_equity.equity`` only pick a view's cells from it.

A figure that more than one table shows is one cell: the clients with a conversation (the
figures' total, the equity tables' whole-practice row), the clients referred and those with
feedback (the referral summary, the equity rows), the practice's clients and those coming back
(the area and the age-band tables). Each table is suppressed with the cells hidden in any of the
others forced hidden, until no table hides one more (``_shared``): a number hidden in one table
to protect another cell is never shown by another table.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import and_, case, func, literal, or_, select, true, union_all
from sqlmodel import Session

from broadtalk.errors import NotFoundError, RefusedError
from broadtalk.forms.library import find_model
from broadtalk.i18n import _
from broadtalk.monitoring_kept import Kept, erasure_mark, keep, kept_count, read_kept, state_digest
from broadtalk.monitoring_queries import (
    AGE_BANDS,
    PC4,
    UNKNOWN_AREA,
    Source,
    band_key,
    conversations_source,
    cube_counts,
    cube_per_client,
    cube_per_client_array,
    data_state,
    days_between,
    overdue_condition,
    pc4,
    referrals_source,
    remember,
    remembered,
)
from broadtalk.monitoring_suppression import (
    CountArray,
    CubeCells,
    Filter,
    Group,
    Period,
    cube_views,
    median_of,
    periods_of,
    suppress_cube,
)
from broadtalk.referral_steps import ACCEPTED, CLOSED, DECLINED, FEEDBACK, FIRST_CONTACT, SENT
from broadtalk.referrals import feedback_due_days
from broadtalk.store.tables import (
    Client,
    Conversation,
    DomainAssessment,
    Goal,
    Offering,
    Organisation,
    Practitioner,
    Referral,
)

#: The statuses of a sent referral, in their order.
SENT_STATUSES = (SENT, ACCEPTED, FIRST_CONTACT, FEEDBACK, CLOSED, DECLINED)
#: The equity view's measures, per group.
MEASURES = ("clients", "with_conversation", "referred", "with_feedback", "returning")

_C = Conversation.__table__
_CL = Client.__table__
_DA = DomainAssessment.__table__
_G = Goal.__table__
_R = Referral.__table__
_O = Offering.__table__
_ORG = Organisation.__table__
_P = Practitioner.__table__


#: Asked between the tables of a count (in this thread, or this task): True stops the count with
#: ``CountStopped``. A screen's worker sets it, so that closing the app does not wait for a count.
STOP: ContextVar[Callable[[], bool] | None] = ContextVar("monitor_stop", default=None)


class CountStopped(RefusedError):
    """A count was stopped before it finished (``STOP``); nothing was kept."""


def _go_on() -> None:
    stop = STOP.get()
    if stop is not None and stop():
        raise CountStopped(_("The count was stopped."))


@dataclass
class Year:
    """Every table of the monitor in every view of a year, suppressed together."""

    model_ids: list[str]
    models: list[list[ScoredDomain]]
    totals: CubeCells
    scores: CubeCells
    movement: CubeCells
    #: Per view (of ``movement``) and (model, domain), the median change; shown only under its
    #: base's cell (``derived``).
    movement_medians: dict[Filter, dict[tuple[str, str], float | None]]
    wanted: CubeCells
    organisation_ids: list[int | None]
    organisations: CubeCells
    summary: CubeCells
    #: Per view, the median days from sending to feedback; shown only under ``summary``'s
    #: "with_feedback" (``derived``).
    median_days: dict[Filter, float | None]
    #: "area" / "age" → its groups in order, and per measure its cube.
    equity_groups: dict[str, list[str]]
    equity: dict[str, dict[str, CubeCells]]
    #: When it was counted.
    counted_at: datetime
    #: Each model's version whose domains these are.
    model_versions: dict[str, int] = field(default_factory=dict)
    #: Kept from an earlier count (``monitoring_kept``), counted before the data last changed:
    #: a screen shows it at once and counts again.
    stale: bool = False
    #: This count as counted in this process (None when read back from the database).
    counting: Kept | None = field(default=None, compare=False)
    #: As kept in the database: read from it, or written to it (``keep_year``).
    kept: Kept | None = field(default=None, compare=False)
    #: ``monitoring_kept.erasure_mark`` when the count began.
    erasures: int = field(default=0, compare=False)


def year_of(tx: Session, year: int, today: date, *, max_age: timedelta | None = None, earlier: bool = False) -> Year:
    """The year's tables, computed once per database, day and data state (or, with ``max_age``,
    as counted less than that long ago), from memory, from the count kept in the database
    (``monitoring_kept``) or counted now. ``earlier``: a kept count counted before the data
    last changed may be given at once (``Year.stale``: a screen shows it and counts again)."""
    due_days = feedback_due_days(tx)
    what = ("year", year, today, due_days)
    digest = state_digest(data_state(tx))
    found = remembered(tx, what, digest, max_age=max_age)
    if found is not None:
        return found
    now = datetime.now(UTC)
    kept = kept_count(tx, year)
    if kept is not None and kept.counted_on == today and kept.due_days == due_days:
        current = kept.state == digest or (max_age is not None and now - kept.counted_at <= max_age)
        if current or earlier:
            found = _kept_year(tx, kept)
            if found is not None:
                if current:
                    remember(tx, what, kept.state, kept.counted_at, found)
                    return found
                return replace(found, stale=True)
    elif kept is not None and earlier:  # counted on another day, or with other feedback days
        found = _kept_year(tx, kept)
        if found is not None:
            return replace(found, stale=True)
    erasures = erasure_mark(tx)
    counted = _compute_year(tx, year, today, due_days)
    counted.counting = Kept(year, today, due_days, digest, counted.counted_at)
    counted.erasures = erasures
    remember(tx, what, digest, counted.counted_at, counted)
    return counted


def _kept_year(tx: Session, kept: Kept) -> Year | None:
    """The kept count as a ``Year``, titles in the language of the moment; None when unreadable.
    Read once per count kept (a screen asks for several tables of it)."""
    what = ("kept", kept)
    found = remembered(tx, what, kept.state)
    if found is None:
        found = _read_year(tx, kept)
        if found is not None:
            remember(tx, what, kept.state, kept.counted_at, found)
    return found


def _read_year(tx: Session, kept: Kept) -> Year | None:
    fields = read_kept(tx, kept)
    if fields is None:
        return None
    model_ids, models, versions = [], [], {}
    for model_id, version, domains in fields.pop("models"):
        titles = _titles(tx, model_id, version)
        model_ids.append(model_id)
        if version is not None:
            versions[model_id] = version
        models.append([ScoredDomain(model_id, d, titles.get(d, title), low, high) for d, title, low, high in domains])
    return Year(
        model_ids=model_ids,
        models=models,
        counted_at=kept.counted_at,
        model_versions=versions,
        kept=kept,
        **fields,
    )


def _titles(tx: Session, model_id: str, version: int | None) -> dict[str, str]:
    """A model's domain titles in the language of the moment."""
    if version is None:
        return {}
    try:
        model = find_model(tx, model_id, version)
    except NotFoundError:
        return {}
    return {domain.id: model.domain_label(domain) for domain in model.domains}


def keep_year(tx: Session, year: Year) -> bool:
    """Write a year counted in this process as its year's kept count (``monitoring_kept``), in
    ``tx``: a short transaction after the count's. True when written (not when it was read
    from the database, kept already, or a later count is kept; nor when a client was erased
    since the count began: it counted them, and erasing drops every kept count)."""
    if year.counting is None or year.kept is not None or erasure_mark(tx) != year.erasures:
        return False
    written = keep(tx, year, year.counting)
    year.kept = year.counting
    return written


def _compute_year(tx: Session, year: int, today: date, due_days: int) -> Year:
    practitioners = list(tx.execute(select(_P.c.id)).scalars())
    start, end = Period(year).bounds()
    completed = _C.c.completed_at.is_not(None)
    model_ids = sorted(
        tx.execute(
            select(_C.c.model_id).where(completed, _C.c.started_at >= start, _C.c.started_at < end).distinct()
        ).scalars()
    )
    referral_models = tx.execute(
        select(_C.c.model_id)
        .select_from(_R.join(_C, _C.c.id == _R.c.conversation_id))
        .where(_R.c.sent_at >= start, _R.c.sent_at < end)
        .distinct()
    ).scalars()
    versions, models = _models(tx, model_ids)
    views = cube_views(year, practitioners, sorted({*model_ids, *referral_models}))
    without_model = cube_views(year, practitioners, None)
    source, from_, where = conversations_source()
    _go_on()
    totals_raw = cube_counts(tx, views, [], source, from_, where)
    _go_on()
    scores = _score_cells(tx, without_model, models)
    _go_on()
    movement, medians = _movement_cells(tx, without_model, models)
    _go_on()
    wanted = _wanted_cells(tx, without_model, models)
    _go_on()
    organisation_ids, organisations = _organisation_cells(tx, views)
    _go_on()
    summary_raw, days = _summary_raw(tx, views, today, due_days)
    median_days = {view: median_of(days.get(view, {})) for view in views}
    _go_on()
    groups, equity_raw = _equity_raw(tx, views, year)
    _go_on()
    totals, summary, equity = _shared(views, totals_raw, summary_raw, groups, equity_raw)
    return Year(
        model_ids,
        models,
        totals,
        scores,
        movement,
        medians,
        wanted,
        organisation_ids,
        organisations,
        summary,
        median_days,
        groups,
        equity,
        datetime.now(UTC),
        versions,
    )


def _shared(views, totals_raw, summary_raw, groups, equity_raw):
    """The tables that share cells, suppressed until they agree (see the module); a table is
    suppressed again only when a cell it shares was hidden by another since."""
    forced: dict[str, set[Filter]] = {m: set() for m in MEASURES}
    summary_groups = [Group(("with_feedback", "without_feedback"), "referred")]

    def totals_table():
        return suppress_cube(totals_raw, ["total"], forced=_force(forced["with_conversation"], "total"))

    def summary_table():
        return suppress_cube(
            summary_raw,
            list(OUTCOMES),
            summary_groups,
            forced=_merge(_force(forced["referred"], "referred"), _force(forced["with_feedback"], "with_feedback")),
        )

    def equity_table(by: str, m: str):
        return suppress_cube(
            equity_raw[by][m],
            ["", *groups[by]],
            [Group(tuple(groups[by]), "")],
            totals=dict.fromkeys(groups[by], ""),
            forced=_force(forced[m], ""),
        )

    # Which measures each table shares, and where in it.
    tables = {
        "totals": (("with_conversation", "total"),),
        "summary": (("referred", "referred"), ("with_feedback", "with_feedback")),
        **{(by, m): ((m, ""),) for by in ("area", "age") for m in MEASURES},
    }
    makers = {"totals": totals_table, "summary": summary_table}
    makers.update({(by, m): (lambda by=by, m=m: equity_table(by, m)) for by in ("area", "age") for m in MEASURES})
    made = {name: make() for name, make in makers.items()}
    while True:
        grown = set()
        for name, shared in tables.items():
            for measure, key in shared:
                hidden = made[name].hidden_views(key)
                if not hidden <= forced[measure]:
                    forced[measure] |= hidden
                    grown.add(measure)
        if not grown:
            equity = {by: {m: made[(by, m)] for m in MEASURES} for by in ("area", "age")}
            return made["totals"], made["summary"], equity
        for name, shared in tables.items():
            if any(measure in grown for measure, _key in shared):
                made[name] = makers[name]()


def _force(views: set[Filter], key: Hashable) -> dict[Filter, tuple[Hashable, ...]]:
    return {view: (key,) for view in views}


def _merge(*forced: dict[Filter, tuple[Hashable, ...]]) -> dict[Filter, tuple[Hashable, ...]]:
    result: dict[Filter, tuple[Hashable, ...]] = {}
    for mapping in forced:
        for view, keys in mapping.items():
            result[view] = (*result.get(view, ()), *keys)
    return result


@dataclass(frozen=True)
class ScoredDomain:
    model_id: str
    domain_id: str
    title: str
    low: int | None
    high: int | None


def _models(tx: Session, model_ids) -> tuple[dict[str, int], list[list[ScoredDomain]]]:
    """Per model (its newest version used here) its version, and its domains and their scales,
    in its order."""
    result = []
    wanted = sorted(model_ids)
    newest = (
        dict(
            tx.execute(
                select(_C.c.model_id, func.max(_C.c.model_version))
                .where(_C.c.model_id.in_(wanted))
                .group_by(_C.c.model_id)
            ).all()
        )
        if wanted
        else {}
    )
    for model_id in wanted:
        version = newest.get(model_id)
        domains: list[ScoredDomain] = []
        if version is not None:
            try:
                model = find_model(tx, model_id, version)
            except NotFoundError:
                model = None
            if model is not None:
                for domain in model.domains:
                    scale = model.scale_of(domain)
                    domains.append(
                        ScoredDomain(
                            model_id,
                            domain.id,
                            model.domain_label(domain),
                            scale.min if scale else None,
                            scale.max if scale else None,
                        )
                    )
        result.append(domains)
    return {m: v for m, v in newest.items() if v is not None}, result


def _score_cells(tx: Session, views, models: list[list[ScoredDomain]]) -> CubeCells:
    source, from_, where = conversations_source()
    from_ = from_.join(_DA, _DA.c.conversation_id == _C.c.id)
    where = [*where, _DA.c.score.is_not(None)]
    raw = cube_counts(tx, views, [_C.c.model_id, _DA.c.domain_id, _DA.c.score], source, from_, where, with_totals=True)
    seen: set[tuple] = {k for counts in raw.values() for k in counts}
    keys: list[tuple] = []
    groups: list[Group] = []
    for domains in models:
        for d in domains:
            if d.low is None:
                continue
            points = sorted(
                set(range(d.low, d.high + 1))
                | {k[2] for k in seen if k[:2] == (d.model_id, d.domain_id) and k[2] is not None}
            )
            members = tuple((d.model_id, d.domain_id, p) for p in points)
            total = (d.model_id, d.domain_id, None)
            keys += [total, *members]
            groups.append(Group(members, total))
    return suppress_cube(raw, keys, groups)


def _movement_cells(
    tx: Session, views, models: list[list[ScoredDomain]]
) -> tuple[CubeCells, dict[Filter, dict[tuple[str, str], float | None]]]:
    start, end = views[0].period.bounds()
    completed = _C.c.completed_at.is_not(None)
    active = select(_C.c.client_id).where(completed, _C.c.started_at >= start, _C.c.started_at < end)
    ranked = (
        select(
            _C.c.id,
            _C.c.client_id,
            _C.c.model_id,
            _C.c.started_at,
            _C.c.practitioner_id,
            func.row_number()
            .over(partition_by=[_C.c.client_id, _C.c.model_id], order_by=[_C.c.started_at, _C.c.id])
            .label("n"),
        )
        .where(completed, _C.c.client_id.in_(active))
        .cte("ranked")
    )
    first, follow = ranked.alias("first_conversation"), ranked.alias("follow_up")
    a1, a2 = _DA.alias("first_score"), _DA.alias("follow_up_score")
    change = (a2.c.score - a1.c.score).label("change")
    from_ = (
        follow.join(first, and_(first.c.client_id == follow.c.client_id, first.c.model_id == follow.c.model_id))
        .join(a1, a1.c.conversation_id == first.c.id)
        .join(a2, and_(a2.c.conversation_id == follow.c.id, a2.c.domain_id == a1.c.domain_id))
        .join(_CL, _CL.c.id == follow.c.client_id)
    )
    source = Source(follow.c.started_at, follow.c.practitioner_id, follow.c.model_id)
    where = [first.c.n == 1, follow.c.n == 2, a1.c.score.is_not(None), a2.c.score.is_not(None)]
    raw = cube_counts(tx, views, [follow.c.model_id, a1.c.domain_id, change], source, from_, where)
    folded: dict[Filter, dict[Hashable, int]] = {}
    for view, counts in raw.items():
        per: dict[Hashable, int] = {}
        for (model_id, domain_id, delta), n in counts.items():
            direction = "up" if delta > 0 else "down" if delta < 0 else "same"
            for key in ((model_id, domain_id, direction), (model_id, domain_id, "total")):
                per[key] = per.get(key, 0) + n
        folded[view] = per
    scored = [d for domains in models for d in domains if d.low is not None]
    keys = [(d.model_id, d.domain_id, part) for d in scored for part in ("total", "up", "same", "down")]
    groups = [
        Group(tuple((d.model_id, d.domain_id, p) for p in ("up", "same", "down")), (d.model_id, d.domain_id, "total"))
        for d in scored
    ]
    medians: dict[Filter, dict[tuple[str, str], float | None]] = {}
    for view, counts in raw.items():
        histograms: dict[tuple[str, str], dict[int, int]] = {}
        for (model_id, domain_id, delta), n in counts.items():
            histograms.setdefault((model_id, domain_id), {})[delta] = n
        medians[view] = {domain: median_of(histogram) for domain, histogram in histograms.items()}
    return suppress_cube(folded, keys, groups), medians


def _wanted_cells(tx: Session, views, models: list[list[ScoredDomain]]) -> CubeCells:
    start, end = views[0].period.bounds()
    in_year = [_C.c.completed_at.is_not(None), _C.c.started_at >= start, _C.c.started_at < end]
    columns = (_C.c.client_id, _C.c.practitioner_id, _C.c.model_id, _C.c.started_at)
    flagged = (
        select(*columns, _DA.c.domain_id.label("domain_id"))
        .select_from(_C.join(_DA, _DA.c.conversation_id == _C.c.id))
        .where(
            *in_year,
            or_(_DA.c.important == true(), _DA.c.client_wants_to_talk == true(), _DA.c.priority_rank == 1),
        )
    )
    with_goal = (
        select(*columns, _G.c.domain_id.label("domain_id"))
        .select_from(_C.join(_G, _G.c.conversation_id == _C.c.id))
        .where(*in_year, _G.c.domain_id.is_not(None))
    )
    wanted = union_all(flagged, with_goal).subquery("wanted")
    source = Source(wanted.c.started_at, wanted.c.practitioner_id, wanted.c.model_id)
    from_ = wanted.join(_CL, _CL.c.id == wanted.c.client_id)
    raw = cube_counts(tx, views, [wanted.c.model_id, wanted.c.domain_id], source, from_)
    keys = [(d.model_id, d.domain_id) for domains in models for d in domains]
    return suppress_cube(raw, keys)


def _organisation_cells(tx: Session, views) -> tuple[list[int | None], CubeCells]:
    source, from_ = referrals_source()
    from_ = from_.outerjoin(_O, _O.c.id == _R.c.offering_id).outerjoin(_ORG, _ORG.c.id == _O.c.organisation_id)
    raw = cube_counts(tx, views, [_ORG.c.id, _R.c.status], source, from_, with_totals=True)
    organisations = sorted({k[0] for counts in raw.values() for k in counts}, key=lambda i: (i is None, i or 0))
    keys, groups = [], []
    for org in organisations:
        members = tuple((org, status) for status in SENT_STATUSES)
        keys += [(org, None), *members]
        groups.append(Group(members, (org, None)))
    return organisations, suppress_cube(raw, keys, groups)


OUTCOMES = ("referred", "with_feedback", "without_feedback", "overdue")


def _summary_raw(
    tx: Session, views, today: date, due_days: int
) -> tuple[dict[Filter, dict[Hashable, int]], dict[Filter, dict[Hashable, int]]]:
    source, from_ = referrals_source()
    flags = {
        "n": true(),
        "fb": _R.c.feedback_at.is_not(None),
        "late": overdue_condition(today, due_days),
    }
    outcomes = {
        "referred": lambda x: x["n"] > 0,
        "with_feedback": lambda x: x["fb"] > 0,
        "without_feedback": lambda x: (x["n"] > 0) & (x["fb"] == 0),
        "overdue": lambda x: x["late"] > 0,
    }
    counted = cube_per_client(tx, views, source, from_, flags, outcomes)
    raw = {view: counts.get(None, dict.fromkeys(outcomes, 0)) for view, counts in counted.items()}
    days = days_between(tx, _R.c.sent_at, _R.c.feedback_at)
    histogram = cube_counts(
        tx, views, [days], source, from_, [_R.c.feedback_at.is_not(None)], counted=_R.c.id, distinct_=False
    )
    return raw, histogram


def _equity_raw(tx: Session, views, year: int) -> tuple[dict[str, list[str]], dict[str, dict[str, CountArray]]]:
    """Per client, their area (PC4) and age band at the end of the year: one count per (area,
    band) and view, then folded to areas and to bands (a client is in one of each, so the
    groups' counts add up to the practice's)."""
    start, end = Period(year).bounds()
    area = pc4(_CL.c.postal_code)
    band = band_key(_CL.c.birth_date, Period(year).last_day)
    key = func.coalesce(area, "") + literal("|") + band
    import numpy as np

    periods = periods_of(year)
    from_ = None
    # The practice's clients (the denominator): in the list before the period's end, whoever
    # the practitioner or the model.
    columns = [
        func.count(case((_CL.c.created_at < p.bounds()[1], _CL.c.id))).label(f"p{j}") for j, p in enumerate(periods)
    ]
    registered = tx.execute(select(key, *columns).group_by(key)).all()
    # The reach: conversations and referrals per client.
    conversations = select(
        _C.c.client_id.label("client_id"),
        _C.c.started_at.label("at"),
        _C.c.practitioner_id.label("practitioner_id"),
        _C.c.model_id.label("model_id"),
        literal(1).label("conversation"),
        literal(0).label("referral"),
        literal(0).label("feedback"),
    ).where(_C.c.completed_at.is_not(None), _C.c.started_at >= start, _C.c.started_at < end)
    linked = _C.alias("linked")
    referrals = (
        select(
            _R.c.client_id,
            _R.c.sent_at,
            _R.c.created_by_id,
            linked.c.model_id,
            literal(0),
            literal(1),
            case((_R.c.feedback_at.is_not(None), 1), else_=0),
        )
        .select_from(_R.outerjoin(linked, linked.c.id == _R.c.conversation_id))
        .where(_R.c.sent_at >= start, _R.c.sent_at < end)
    )
    events = union_all(conversations, referrals).subquery("events")
    source = Source(events.c.at, events.c.practitioner_id, events.c.model_id)
    flags = {"conv": events.c.conversation == 1, "ref": events.c.referral == 1, "fb": events.c.feedback == 1}
    outcomes = {
        "with_conversation": lambda x: x["conv"] > 0,
        "referred": lambda x: x["ref"] > 0,
        "with_feedback": lambda x: x["fb"] > 0,
        "returning": lambda x: (x["conv"] >= 2) | (x["ref"] >= 2),
    }
    from_ = events.join(_CL, _CL.c.id == events.c.client_id)
    reached_groups, reached = cube_per_client_array(tx, views, source, from_, flags, outcomes, key=key)
    # Every (area, band) met, as one index; per view and index the five measures.
    combined = list(dict.fromkeys([row[0] for row in registered] + list(reached_groups)))
    position = {g: i for i, g in enumerate(combined)}
    measures = np.zeros((len(views), len(combined), len(MEASURES)), dtype=np.int64)
    period_index = {p: j for j, p in enumerate(periods)}
    by_period = np.zeros((len(periods), len(combined)), dtype=np.int64)
    for row in registered:
        by_period[:, position[row[0]]] = row[1:]
    measures[:, :, 0] = by_period[[period_index[v.period] for v in views]]
    reach_columns = [position[g] for g in reached_groups]
    measures[:, reach_columns, 1:] = reached
    groups: dict[str, list[str]] = {}
    result: dict[str, dict[str, CountArray]] = {}
    for by in ("area", "age"):
        names_of = []
        for g in combined:
            code, _bar, band_name = str(g).rpartition("|")
            names_of.append((code if PC4.fullmatch(code) else UNKNOWN_AREA) if by == "area" else band_name)
        if by == "area":
            names = sorted(set(names_of), key=lambda g: (g == UNKNOWN_AREA, g))
        else:
            names = [name for name, _low, _high in AGE_BANDS]
        name_index = {n: i for i, n in enumerate(names)}
        folded = np.zeros((len(views), len(names), len(MEASURES)), dtype=np.int64)
        np.add.at(folded, (slice(None), [name_index[n] for n in names_of]), measures)
        groups[by] = names
        result[by] = {
            m: CountArray(views, np.concatenate([folded[:, :, k].sum(axis=1, keepdims=True), folded[:, :, k]], axis=1))
            for k, m in enumerate(MEASURES)
        }
    return groups, result
