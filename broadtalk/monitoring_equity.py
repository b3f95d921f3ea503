"""The monitor's equity view: whether the broad conversation and its referrals reach the areas
(PC4) and age groups with the most need, and who keeps coming back; per group the practice's
clients as the denominator. Suppressed by the rule of ``broadtalk.monitoring_suppression`` over
the year's cube, with "group → all" as one more widening. A client's age band is their age at the
end of the year (the same band in every view of the year). The face is ``broadtalk.monitoring``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session

from broadtalk.area_scores import AreaScores
from broadtalk.errors import InputError
from broadtalk.i18n import _, dutch_today
from broadtalk.monitoring_queries import (
    check_and_record,
)
from broadtalk.monitoring_suppression import (
    Cell,
    Filter,
    share,
)
from broadtalk.monitoring_year import MEASURES, Year, year_of
from broadtalk.practitioners import Actor
from broadtalk.store.tables import Client, Conversation, Practitioner, Referral

_C = Conversation.__table__
_CL = Client.__table__
_R = Referral.__table__
_P = Practitioner.__table__


@dataclass(frozen=True)
class EquityRow:
    #: A PC4 area, ``UNKNOWN_AREA``, an age band label, or "" for the whole practice.
    group: str
    #: The area's score from the loaded file, if any.
    area_score: float | None
    #: The practice's clients in the group (the denominator).
    clients: Cell
    with_conversation: Cell
    referred: Cell
    with_feedback: Cell
    #: Two or more conversations, or two or more referrals, in the period.
    returning: Cell
    conversation_share: Cell
    referred_share: Cell
    returning_share: Cell


@dataclass(frozen=True)
class EquityTable:
    filter: Filter
    #: "area" or "age".
    by: str
    rows: tuple[EquityRow, ...]
    total: EquityRow
    #: When the figures were counted.
    counted_at: datetime | None = None


def equity(
    tx: Session,
    actor: Actor,
    view: Filter,
    by: str,
    *,
    area_scores: AreaScores | None = None,
    higher_is_more_need: bool = True,
    today: date | None = None,
    now: datetime | None = None,
    max_age: timedelta | None = None,
    earlier: bool = False,
) -> EquityTable:
    """Reach by PC4 area (``by="area"``) or age band (``"age"``, the age at the end of the
    view's year) for a filter: per group the practice's clients, those with a conversation,
    referred, with feedback, coming back, and the shares of the group. With ``area_scores``
    (``area_scores.load_area_scores``) areas are ordered by score, the most need first
    (``AreaScores.order``), areas without a score after them. ``max_age`` and ``earlier`` as
    for ``monitoring.monitor``."""
    check_by(by)
    check_and_record(tx, actor, view, f"equity-{by}", now)
    year = year_of(tx, view.period.year, today or dutch_today(now), max_age=max_age, earlier=earlier)
    return equity_of(year, view, by, area_scores=area_scores, higher_is_more_need=higher_is_more_need)


def check_by(by: str) -> None:
    if by not in ("area", "age"):
        raise InputError(_("Show the equity view by area or by age band."))


def equity_of(
    year: Year, view: Filter, by: str, *, area_scores: AreaScores | None = None, higher_is_more_need: bool = True
) -> EquityTable:
    """The equity table of ``view`` by area or age band from its year's tables."""
    groups, cells = year.equity_groups[by], year.equity[by]
    if by == "area" and area_scores is not None:
        groups = area_scores.order(groups, higher_is_more_need=higher_is_more_need)
    chosen = {m: cells[m].get(view) for m in MEASURES}

    def row(group: str) -> EquityRow:
        c = {m: chosen[m][group] if chosen[m] is not None else Cell(0) for m in MEASURES}
        return EquityRow(
            group=group,
            area_score=area_scores.scores.get(group) if area_scores is not None else None,
            conversation_share=share(c["with_conversation"], c["clients"]),
            referred_share=share(c["referred"], c["clients"]),
            returning_share=share(c["returning"], c["clients"]),
            **c,
        )

    return EquityTable(
        filter=view, by=by, rows=tuple(row(g) for g in groups), total=row(""), counted_at=year.counted_at
    )
