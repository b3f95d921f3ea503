"""The monitor: whether the broad conversation and its referrals reach people, in aggregates only.

Figures for a ``Filter`` (a calendar month, quarter or year, never an arbitrary date range; one
or all practitioners, models, PC4 areas and age bands). Every figure is a number of *distinct
clients*, or derived from one, and passes the suppression rule of
``broadtalk.monitoring_suppression`` (read its docstring: "< 10", complements within a group,
and differences across the filter lattice) before it leaves this module. No name, no text: the
queries read ids, dates, codes, scores, postal codes and birth dates only (plain columns, also on
a server), and count in the database (GROUP BY, one query per table computing the view and all
its broader views in conditional aggregates) rather than in Python.

What is counted (a conversation counts when it was completed, dated by its start; a referral
when it was sent, dated by its sending; the practitioner of a referral is who made it, its model
that of the conversation it came from):

- ``clients_per_month`` / ``clients_total`` / ``clients_per_model``: clients with a conversation;
- ``scores``: per model and scored domain, clients per score on the domain's scale (a client
  scored twice in the period counts once per score given) and the clients scored;
- ``movement``: per model and domain, the client's first conversation of the model (ever) against
  their second (the first follow-up), counted in the view that holds the follow-up (its period,
  practitioner): clients whose score went up, stayed, went down, and the median change;
- ``wanted``: per model and domain, clients who want to work on it: the domain marked important,
  "I want to talk about this", ranked first, or a goal in the domain;
- ``organisations``: clients referred per recipient organisation (of the social map; recipients
  typed in are one row) and the referral's current status;
- ``referrals``: clients referred, with feedback, without feedback yet, with a referral overdue
  (``ReferralView.is_overdue``'s rule: waiting for feedback past the practice's days), the share
  with feedback and the median days from sending to feedback (over referrals).

The equity view (``equity``): the same reach by PC4 area (the first four digits of the client's
postal code; others are "unknown") or by age band (``AGE_BANDS``, the age on the period's last
day), with the practice's clients in each group (in the client list before the period ended) as
the denominator, and the clients who keep coming back (two or more conversations, or two or more
referrals, in the period). An optional file of area scores (``broadtalk.area_scores``) orders
the areas.

Roles: ``VIEW_REFERRAL_STATUS`` (care providers, practice manager, administrator); no role reads
a conversation through it. Opening the monitor is recorded in the audit trail (a view of
"monitor" with the filter as the detail), once per 10 minutes per filter.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, case, func, or_, select, true, union_all
from sqlmodel import Session

from broadtalk.errors import NotFoundError
from broadtalk.forms.library import find_model
from broadtalk.i18n import _, dutch_today
from broadtalk.monitoring_equity import EquityRow, EquityTable, equity
from broadtalk.monitoring_queries import (
    AGE_BANDS,
    UNKNOWN_AREA,
    Source,
    check_and_record,
    conversations_source,
    count_per_view,
    days_between,
    overdue_condition,
    per_client,
    predicate,
    referrals_source,
)
from broadtalk.monitoring_suppression import (
    THRESHOLD,
    Cell,
    Filter,
    Group,
    Period,
    derived,
    median_of,
    midnight_utc,
    share,
    suppress_table,
)
from broadtalk.practitioners import Actor
from broadtalk.referral_steps import ACCEPTED, CLOSED, DECLINED, FEEDBACK, FIRST_CONTACT, SENT
from broadtalk.referrals import feedback_due_days
from broadtalk.store.tables import Client, Conversation, DomainAssessment, Goal, Offering, Organisation, Referral

__all__ = [
    "AGE_BANDS",
    "THRESHOLD",
    "UNKNOWN_AREA",
    "Cell",
    "DomainMovement",
    "DomainScores",
    "DomainWanted",
    "EquityRow",
    "EquityTable",
    "Figures",
    "Filter",
    "OrganisationReferrals",
    "Period",
    "ReferralSummary",
    "equity",
    "monitor",
]

#: The statuses of a sent referral, in their order.
SENT_STATUSES = (SENT, ACCEPTED, FIRST_CONTACT, FEEDBACK, CLOSED, DECLINED)

_C = Conversation.__table__
_CL = Client.__table__
_DA = DomainAssessment.__table__
_G = Goal.__table__
_R = Referral.__table__
_O = Offering.__table__
_ORG = Organisation.__table__


# -- the result ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DomainScores:
    model_id: str
    domain_id: str
    title: str
    #: Clients scored on the domain.
    clients: Cell
    #: Score → clients, every point of the domain's scale.
    bins: dict[int, Cell]


@dataclass(frozen=True)
class DomainMovement:
    model_id: str
    domain_id: str
    title: str
    #: Clients with a first and a follow-up score on the domain.
    clients: Cell
    up: Cell
    same: Cell
    down: Cell
    #: The median of (follow-up score − first score).
    median_change: Cell


@dataclass(frozen=True)
class DomainWanted:
    model_id: str
    domain_id: str
    title: str
    clients: Cell


@dataclass(frozen=True)
class OrganisationReferrals:
    #: None: recipients typed in, not on the social map.
    organisation_id: int | None
    name: str
    clients: Cell
    statuses: dict[str, Cell]


@dataclass(frozen=True)
class ReferralSummary:
    referred: Cell
    with_feedback: Cell
    without_feedback: Cell
    overdue: Cell
    #: Percentage of the referred clients with feedback.
    feedback_share: Cell
    #: Median whole days from sending to feedback, over the referrals with feedback.
    median_days_to_feedback: Cell


@dataclass(frozen=True)
class Figures:
    filter: Filter
    clients_total: Cell
    clients_per_month: dict[int, Cell]
    clients_per_model: dict[str, Cell]
    scores: tuple[DomainScores, ...]
    movement: tuple[DomainMovement, ...]
    #: Most wanted first (by the shown number; suppressed ones last, in the model's order).
    wanted: tuple[DomainWanted, ...]
    organisations: tuple[OrganisationReferrals, ...]
    referrals: ReferralSummary


# -- the figures ---------------------------------------------------------------------------------


def monitor(
    tx: Session, actor: Actor, view: Filter, *, today: date | None = None, now: datetime | None = None
) -> Figures:
    """Every figure of the monitor for one filter, suppressed (see the module)."""
    check_and_record(tx, actor, view, "figures", now)
    today = today or dutch_today(now)
    views = view.lattice()
    source, from_, where = conversations_source()

    per_month = _per_month(tx, views, source, from_, where)
    totals = count_per_view(tx, views, [], source, from_, where)
    total = suppress_table(totals[0], totals[1:], keys=["total"])
    per_model_raw = count_per_view(tx, views, [_C.c.model_id], source, from_, where)
    model_keys = [view.model_id] if view.model_id is not None else sorted(per_model_raw[-1])
    per_model = suppress_table(per_model_raw[0], per_model_raw[1:], keys=model_keys)
    models = _models(tx, per_model_raw[-1].keys() if view.model_id is None else [view.model_id])
    return Figures(
        filter=view,
        clients_total=total["total"],
        clients_per_month={m: per_month[m] for m in view.period.months()},
        clients_per_model={str(k): v for k, v in per_model.items()},
        scores=_scores(tx, views, models),
        movement=_movement(tx, views, models),
        wanted=_wanted(tx, views, models),
        organisations=_organisations(tx, views),
        referrals=_referral_summary(tx, views, today),
    )


def _per_month(tx, views, source, from_, where) -> dict[Hashable, Cell]:
    year = views[0].period.year
    bounds = [midnight_utc(date(year, m, 1)) for m in range(1, 13)] + [midnight_utc(date(year + 1, 1, 1))]
    month = case(*((source.at < bounds[m], m) for m in range(1, 13)), else_=12)
    raw = count_per_view(tx, views, [month], source, from_, where)
    return suppress_table(raw[0], raw[1:], keys=views[0].period.months())


@dataclass(frozen=True)
class _ScoredDomain:
    model_id: str
    domain_id: str
    title: str
    low: int | None
    high: int | None


def _models(tx: Session, model_ids) -> list[list[_ScoredDomain]]:
    """Per model (its newest version used here), its domains and their scales, in its order."""
    result = []
    for model_id in sorted(model_ids):
        version = tx.execute(select(func.max(_C.c.model_version)).where(_C.c.model_id == model_id)).scalar()
        domains: list[_ScoredDomain] = []
        if version is not None:
            try:
                model = find_model(tx, model_id, version)
            except NotFoundError:
                model = None
            if model is not None:
                for domain in model.domains:
                    scale = model.scale_of(domain)
                    domains.append(
                        _ScoredDomain(
                            model_id,
                            domain.id,
                            model.domain_label(domain),
                            scale.min if scale else None,
                            scale.max if scale else None,
                        )
                    )
        result.append(domains)
    return result


def _scores(tx: Session, views, models: list[list[_ScoredDomain]]) -> tuple[DomainScores, ...]:
    source, from_, where = conversations_source()
    from_ = from_.join(_DA, _DA.c.conversation_id == _C.c.id)
    where = [*where, _DA.c.score.is_not(None)]
    bins = count_per_view(tx, views, [_C.c.model_id, _DA.c.domain_id, _DA.c.score], source, from_, where)
    totals = count_per_view(tx, views, [_C.c.model_id, _DA.c.domain_id], source, from_, where, suffix=(None,))
    raw = [{**b, **t} for b, t in zip(bins, totals, strict=True)]
    keys: list[tuple] = []
    groups: list[Group] = []
    for domains in models:
        for d in domains:
            if d.low is None:
                continue
            points = sorted(
                set(range(d.low, d.high + 1))
                | {k[2] for k in raw[-1] if k[:2] == (d.model_id, d.domain_id) and k[2] is not None}
            )
            members = tuple((d.model_id, d.domain_id, p) for p in points)
            total = (d.model_id, d.domain_id, None)
            keys += [total, *members]
            groups.append(Group(members, total))
    cells = suppress_table(raw[0], raw[1:], groups, keys=keys)
    return tuple(
        DomainScores(
            d.model_id,
            d.domain_id,
            d.title,
            cells[(d.model_id, d.domain_id, None)],
            {k[2]: cells[k] for k in keys if k[:2] == (d.model_id, d.domain_id) and k[2] is not None},
        )
        for domains in models
        for d in domains
        if d.low is not None
    )


def _movement(tx: Session, views, models: list[list[_ScoredDomain]]) -> tuple[DomainMovement, ...]:
    top = views[-1]
    start, end = top.period.bounds()
    completed = _C.c.completed_at.is_not(None)
    active = select(_C.c.client_id).where(completed, _C.c.started_at >= start, _C.c.started_at < end)
    if top.model_id is not None:
        active = active.where(_C.c.model_id == top.model_id)
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
    raw = count_per_view(tx, views, [follow.c.model_id, a1.c.domain_id, change], source, from_, where)
    folded: list[dict[Hashable, int]] = []
    for counts in raw:
        per: dict[Hashable, int] = {}
        for (model_id, domain_id, delta), n in counts.items():
            direction = "up" if delta > 0 else "down" if delta < 0 else "same"
            for key in ((model_id, domain_id, direction), (model_id, domain_id, "total")):
                per[key] = per.get(key, 0) + n
        folded.append(per)
    scored = [d for domains in models for d in domains if d.low is not None]
    keys = [(d.model_id, d.domain_id, part) for d in scored for part in ("total", "up", "same", "down")]
    groups = [
        Group(tuple((d.model_id, d.domain_id, p) for p in ("up", "same", "down")), (d.model_id, d.domain_id, "total"))
        for d in scored
    ]
    cells = suppress_table(folded[0], folded[1:], groups, keys=keys)
    result = []
    for d in scored:
        histogram = {k[2]: n for k, n in raw[0].items() if k[:2] == (d.model_id, d.domain_id)}
        base = cells[(d.model_id, d.domain_id, "total")]
        result.append(
            DomainMovement(
                d.model_id,
                d.domain_id,
                d.title,
                base,
                cells[(d.model_id, d.domain_id, "up")],
                cells[(d.model_id, d.domain_id, "same")],
                cells[(d.model_id, d.domain_id, "down")],
                derived(median_of(histogram), base),
            )
        )
    return tuple(result)


def _wanted(tx: Session, views, models: list[list[_ScoredDomain]]) -> tuple[DomainWanted, ...]:
    top = views[-1]
    start, end = top.period.bounds()
    in_top = [_C.c.completed_at.is_not(None), _C.c.started_at >= start, _C.c.started_at < end]
    columns = (_C.c.client_id, _C.c.practitioner_id, _C.c.model_id, _C.c.started_at)
    flagged = (
        select(*columns, _DA.c.domain_id.label("domain_id"))
        .select_from(_C.join(_DA, _DA.c.conversation_id == _C.c.id))
        .where(
            *in_top,
            or_(_DA.c.important == true(), _DA.c.client_wants_to_talk == true(), _DA.c.priority_rank == 1),
        )
    )
    with_goal = (
        select(*columns, _G.c.domain_id.label("domain_id"))
        .select_from(_C.join(_G, _G.c.conversation_id == _C.c.id))
        .where(*in_top, _G.c.domain_id.is_not(None))
    )
    wanted = union_all(flagged, with_goal).subquery("wanted")
    source = Source(wanted.c.started_at, wanted.c.practitioner_id, wanted.c.model_id)
    from_ = wanted.join(_CL, _CL.c.id == wanted.c.client_id)
    raw = count_per_view(tx, views, [wanted.c.model_id, wanted.c.domain_id], source, from_)
    order = [(d.model_id, d.domain_id, d.title) for domains in models for d in domains]
    keys = [(m, d) for m, d, _t in order]
    cells = suppress_table(raw[0], raw[1:], keys=keys)
    rows = [DomainWanted(m, d, title, cells[(m, d)]) for m, d, title in order]
    position = {key: i for i, key in enumerate(keys)}
    rows.sort(key=lambda r: (r.clients.suppressed, -(r.clients.value or 0), position[(r.model_id, r.domain_id)]))
    return tuple(rows)


def _organisations(tx: Session, views) -> tuple[OrganisationReferrals, ...]:
    source, from_ = referrals_source()
    from_ = from_.outerjoin(_O, _O.c.id == _R.c.offering_id).outerjoin(_ORG, _ORG.c.id == _O.c.organisation_id)
    statuses = count_per_view(tx, views, [_ORG.c.id, _R.c.status], source, from_)
    totals = count_per_view(tx, views, [_ORG.c.id], source, from_, suffix=(None,))
    raw = [{**s, **t} for s, t in zip(statuses, totals, strict=True)]
    organisations = sorted({k[0] for counts in raw for k in counts}, key=lambda i: (i is None, i or 0))
    names = dict(tx.execute(select(_ORG.c.id, _ORG.c.name).where(_ORG.c.id.in_([i for i in organisations if i]))).all())
    keys, groups = [], []
    for org in organisations:
        members = tuple((org, status) for status in SENT_STATUSES)
        keys += [(org, None), *members]
        groups.append(Group(members, (org, None)))
    cells = suppress_table(raw[0], raw[1:], groups, keys=keys)
    rows = [
        OrganisationReferrals(
            org,
            names.get(org, "") if org is not None else _("Not on the social map"),
            cells[(org, None)],
            {status: cells[(org, status)] for status in SENT_STATUSES},
        )
        for org in organisations
    ]
    rows.sort(key=lambda r: (r.organisation_id is None, r.clients.suppressed, -(r.clients.value or 0), r.name))
    return tuple(rows)


def _referral_summary(tx: Session, views, today: date) -> ReferralSummary:
    source, from_ = referrals_source()
    due_days = feedback_due_days(tx)
    flags = {
        "n": true(),
        "fb": _R.c.feedback_at.is_not(None),
        "late": overdue_condition(today, due_days),
    }
    outcomes = {
        "referred": lambda x: x["n"] > 0,
        "with_feedback": lambda x: x["fb"] > 0,
        "without_feedback": lambda x: and_(x["n"] > 0, x["fb"] == 0),
        "overdue": lambda x: x["late"] > 0,
    }
    raw = [
        counts.get(None, dict.fromkeys(outcomes, 0)) for counts in per_client(tx, views, source, from_, flags, outcomes)
    ]
    cells = suppress_table(
        raw[0], raw[1:], [Group(("with_feedback", "without_feedback"), "referred")], keys=list(outcomes)
    )
    days = days_between(tx, _R.c.sent_at, _R.c.feedback_at)
    histogram = dict(
        tx.execute(
            select(days, func.count(_R.c.id))
            .select_from(from_)
            .where(predicate(views[0], source), _R.c.feedback_at.is_not(None))
            .group_by(days)
        ).all()
    )
    return ReferralSummary(
        referred=cells["referred"],
        with_feedback=cells["with_feedback"],
        without_feedback=cells["without_feedback"],
        overdue=cells["overdue"],
        feedback_share=share(cells["with_feedback"], cells["referred"]),
        median_days_to_feedback=derived(median_of(histogram), cells["with_feedback"]),
    )
