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

import logging
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlmodel import Session

from broadtalk.errors import StoreError
from broadtalk.i18n import _, dutch_today
from broadtalk.monitoring_equity import EquityRow, EquityTable, check_by, equity, equity_of
from broadtalk.monitoring_queries import AGE_BANDS, UNKNOWN_AREA, check_and_record, forget_computed
from broadtalk.monitoring_suppression import (
    THRESHOLD,
    Cell,
    CubeCells,
    Filter,
    Period,
    derived,
    share,
)
from broadtalk.monitoring_year import OUTCOMES, SENT_STATUSES, Year, keep_year, year_of
from broadtalk.practitioners import Actor
from broadtalk.store.tables import Organisation

__all__ = [
    "AGE_BANDS",
    "THRESHOLD",
    "UNKNOWN_AREA",
    "Cell",
    "Counted",
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
    "count_for",
    "equity",
    "forget_computed",
    "monitor",
]

if TYPE_CHECKING:
    from broadtalk.area_scores import AreaScores
    from broadtalk.store.database import Database
    from broadtalk.store.server import ServerDatabase

log = logging.getLogger(__name__)
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
    #: When the figures were counted (``max_age`` may give figures counted a little earlier).
    counted_at: datetime | None = None
    #: Counted before the data last changed, kept from then (``earlier``): a screen shows them
    #: while it counts again; an export does not.
    stale: bool = False


# -- the figures ---------------------------------------------------------------------------------


def monitor(
    tx: Session,
    actor: Actor,
    view: Filter,
    *,
    today: date | None = None,
    now: datetime | None = None,
    max_age: timedelta | None = None,
    earlier: bool = False,
) -> Figures:
    """Every figure of the monitor for one filter, suppressed (see the module). The year is
    counted once per data state; with ``max_age`` figures counted less than that long ago are
    given even when data changed since (a screen; ``Figures.counted_at`` says when); with
    ``earlier`` the count kept from before the last change, if there is one
    (``Figures.stale``). Keeps no count in the database: ``count_for`` does that."""
    check_and_record(tx, actor, view, "figures", now)
    today = today or dutch_today(now)
    return figures_of(tx, year_of(tx, view.period.year, today, max_age=max_age, earlier=earlier), view)


def figures_of(tx: Session, year: Year, view: Filter) -> Figures:
    """The figures of ``view`` from its year's tables (``monitoring_year.year_of``); reads the
    organisations' names only."""
    both = view  # the tables whose views have a practitioner and a model
    one = Filter(view.period, view.practitioner_id)  # the model is in the table's keys
    model_ids = [view.model_id] if view.model_id is not None else year.model_ids
    models = [domains for domains in year.models if domains and domains[0].model_id in model_ids]
    shown_domains = {(d.model_id, d.domain_id) for domains in models for d in domains}
    return Figures(
        filter=view,
        clients_total=_cells(year.totals, view)["total"],
        clients_per_month={
            m: _cells(year.totals, replace(view, period=Period(view.period.year, month=m)))["total"]
            for m in view.period.months()
        },
        clients_per_model={m: _cells(year.totals, replace(view, model_id=m))["total"] for m in model_ids},
        scores=tuple(s for s in _scores(year, one) if (s.model_id, s.domain_id) in shown_domains),
        movement=tuple(m for m in _movement(year, one) if (m.model_id, m.domain_id) in shown_domains),
        wanted=tuple(w for w in _wanted(year, one) if (w.model_id, w.domain_id) in shown_domains),
        organisations=_organisations(tx, year, both),
        referrals=_referral_summary(year, both),
        counted_at=year.counted_at,
        stale=year.stale,
    )


@dataclass(frozen=True)
class Counted:
    """What a screen or an export shows for a filter: the figures and the equity tables."""

    figures: Figures
    #: One per ``by`` asked for, in that order.
    equities: tuple[EquityTable, ...]


def count_for(
    db: Database | ServerDatabase,
    actor: Actor,
    view: Filter,
    *,
    by: Sequence[str] = ("area", "age"),
    area_scores: AreaScores | None = None,
    higher_is_more_need: bool = True,
    max_age: timedelta | None = None,
    earlier: bool = False,
    now: datetime | None = None,
) -> Counted:
    """The figures and equity tables of a filter as a screen or a command shows them, in three
    transactions, so that counting a year (seconds at 10,000 clients) never holds the
    database's write lock while nurses save: the looks recorded in the audit trail, the count
    (reading only), then a new count kept for the next opening (``monitoring_kept``; when the
    database is busy it is kept after the next count instead). ``max_age`` and ``earlier`` as
    for ``monitor``."""
    now = now or datetime.now(UTC)
    today = dutch_today(now)
    for b in by:
        check_by(b)
    with db.transaction() as tx:
        check_and_record(tx, actor, view, "figures", now)
        for b in by:
            check_and_record(tx, actor, view, f"equity-{b}", now)
    with db.transaction() as tx:
        year = year_of(tx, view.period.year, today, max_age=max_age, earlier=earlier)
        figures = figures_of(tx, year, view)
    equities = tuple(
        equity_of(
            year, view, b, area_scores=area_scores if b == "area" else None, higher_is_more_need=higher_is_more_need
        )
        for b in by
    )
    if year.counting is not None and year.kept is None:
        try:
            with db.transaction() as tx:
                keep_year(tx, year)
        except StoreError:
            log.warning("the monitor's count was not kept: the database was busy")
    return Counted(figures, equities)


def _cells(cube: CubeCells, view: Filter, keys=("total",)) -> dict[Hashable, Cell]:
    """A view's cells; a view outside the cube (a model without a row in the year: every count 0,
    so it tells nothing a broader view does not) is all zeros."""
    found = cube.get(view)
    if found is not None:
        return found
    any_view = next(iter(cube.values()), {})
    return dict.fromkeys([*any_view] or list(keys), Cell(0))


def _scores(year: Year, view: Filter) -> tuple[DomainScores, ...]:
    cells = _cells(year.scores, view)
    return tuple(
        DomainScores(
            d.model_id,
            d.domain_id,
            d.title,
            cells.get((d.model_id, d.domain_id, None), Cell(0)),
            {k[2]: c for k, c in cells.items() if k[:2] == (d.model_id, d.domain_id) and k[2] is not None},
        )
        for domains in year.models
        for d in domains
        if d.low is not None
    )


def _movement(year: Year, view: Filter) -> tuple[DomainMovement, ...]:
    cells = _cells(year.movement, view)
    medians = year.movement_medians.get(view, {})
    result = []
    for domains in year.models:
        for d in domains:
            if d.low is None:
                continue
            base = cells.get((d.model_id, d.domain_id, "total"), Cell(0))
            result.append(
                DomainMovement(
                    d.model_id,
                    d.domain_id,
                    d.title,
                    base,
                    cells.get((d.model_id, d.domain_id, "up"), Cell(0)),
                    cells.get((d.model_id, d.domain_id, "same"), Cell(0)),
                    cells.get((d.model_id, d.domain_id, "down"), Cell(0)),
                    derived(medians.get((d.model_id, d.domain_id)), base),
                )
            )
    return tuple(result)


def _wanted(year: Year, view: Filter) -> tuple[DomainWanted, ...]:
    cells = _cells(year.wanted, view)
    order = [(d.model_id, d.domain_id, d.title) for domains in year.models for d in domains]
    rows = [DomainWanted(m, d, title, cells.get((m, d), Cell(0))) for m, d, title in order]
    position = {(m, d): i for i, (m, d, _t) in enumerate(order)}
    rows.sort(key=lambda r: (r.clients.suppressed, -(r.clients.value or 0), position[(r.model_id, r.domain_id)]))
    return tuple(rows)


def _organisations(tx: Session, year: Year, view: Filter) -> tuple[OrganisationReferrals, ...]:
    cells = _cells(year.organisations, view)
    known = [i for i in year.organisation_ids if i]
    names = dict(tx.execute(select(_ORG.c.id, _ORG.c.name).where(_ORG.c.id.in_(known))).all()) if known else {}
    rows = [
        OrganisationReferrals(
            org,
            names.get(org, "") if org is not None else _("Not on the social map"),
            cells.get((org, None), Cell(0)),
            {status: cells.get((org, status), Cell(0)) for status in SENT_STATUSES},
        )
        for org in year.organisation_ids
    ]
    rows.sort(key=lambda r: (r.organisation_id is None, r.clients.suppressed, -(r.clients.value or 0), r.name))
    return tuple(rows)


def _referral_summary(year: Year, view: Filter) -> ReferralSummary:
    cells = _cells(year.summary, view, OUTCOMES)
    with_feedback = cells["with_feedback"]
    return ReferralSummary(
        referred=cells["referred"],
        with_feedback=with_feedback,
        without_feedback=cells["without_feedback"],
        overdue=cells["overdue"],
        feedback_share=share(with_feedback, cells["referred"]),
        median_days_to_feedback=derived(year.median_days.get(view), with_feedback),
    )
