"""The monitor's equity view: whether the broad conversation and its referrals reach the areas
(PC4) and age groups with the most need, and who keeps coming back; per group the practice's
clients as the denominator. Suppressed by the rule of ``broadtalk.monitoring_suppression``, with
"group → all" as one more widening of the lattice. The face is ``broadtalk.monitoring``.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import and_, case, func, literal, or_, select, union_all
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from broadtalk.area_scores import AreaScores
from broadtalk.errors import InputError
from broadtalk.i18n import _
from broadtalk.monitoring_queries import (
    AGE_BANDS,
    PC4,
    UNKNOWN_AREA,
    Source,
    band_key,
    check_and_record,
    client_predicate,
    pc4,
    per_client,
)
from broadtalk.monitoring_suppression import Cell, Filter, Group, share, suppress_table
from broadtalk.practitioners import Actor
from broadtalk.store.tables import Client, Conversation, Referral

_C = Conversation.__table__
_CL = Client.__table__
_R = Referral.__table__


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


def equity(
    tx: Session,
    actor: Actor,
    view: Filter,
    by: str,
    *,
    area_scores: AreaScores | None = None,
    higher_is_more_need: bool = True,
    now: datetime | None = None,
) -> EquityTable:
    """Reach by PC4 area (``by="area"``) or age band (``"age"``) for a filter (whose own area or
    age band, for the dimension shown, is set aside): per group the practice's clients, those
    with a conversation, referred, with feedback, coming back, and the shares of the group.
    With ``area_scores`` (``area_scores.load_area_scores``) areas are ordered by score, the most
    need first (``AreaScores.order``), areas without a score after them."""
    if by not in ("area", "age"):
        raise InputError(_("Show the equity view by area or by age band."))
    base = replace(view, area=None) if by == "area" else replace(view, age_band=None)
    check_and_record(tx, actor, base, f"equity-{by}", now)
    views = base.lattice()
    measures = ("clients", "with_conversation", "referred", "with_feedback", "returning")
    raw: list[dict[Hashable, dict[str, int]]] = [{} for _ in views]
    if by == "area":
        key = pc4(_CL.c.postal_code)
        _equity_counts(tx, views, list(range(len(views))), key, raw)
    else:
        for on in sorted({v.period.last_day for v in views}):
            indices = [i for i, v in enumerate(views) if v.period.last_day == on]
            _equity_counts(tx, views, indices, band_key(_CL.c.birth_date, on), raw)
    if by == "area":  # codes that are no PC4 are one group
        for i, counts in enumerate(raw):
            folded: dict[Hashable, dict[str, int]] = {}
            for group, numbers in counts.items():
                name = group if isinstance(group, str) and PC4.fullmatch(group) else UNKNOWN_AREA
                into = folded.setdefault(name, dict.fromkeys(measures, 0))
                for m in measures:
                    into[m] += numbers.get(m, 0)
            raw[i] = folded
    if by == "age":
        groups_shown = [name for name, _low, _high in AGE_BANDS]
    else:
        groups_shown = sorted(raw[-1], key=lambda g: (g == UNKNOWN_AREA, g))
        if area_scores is not None:
            groups_shown = area_scores.order(groups_shown, higher_is_more_need=higher_is_more_need)
    cells: dict[str, dict[Hashable, Cell]] = {}
    for m in measures:
        per_view = [{g: counts.get(g, {}).get(m, 0) for g in groups_shown} for counts in raw]
        for counts in per_view:
            counts[""] = sum(counts.values())
        # A group's broader views: the same group in the broader views, and the whole practice
        # in every view of the lattice (group → all).
        to_all = [{**dict.fromkeys(groups_shown, counts[""]), "": per_view[0][""]} for counts in per_view]
        cells[m] = suppress_table(
            per_view[0], [*per_view[1:], *to_all], [Group(tuple(groups_shown), "")], keys=["", *groups_shown]
        )

    def row(group: str) -> EquityRow:
        c = {m: cells[m][group] for m in measures}
        return EquityRow(
            group=group,
            area_score=area_scores.scores.get(group) if area_scores is not None else None,
            conversation_share=share(c["with_conversation"], c["clients"]),
            referred_share=share(c["referred"], c["clients"]),
            returning_share=share(c["returning"], c["clients"]),
            **c,
        )

    return EquityTable(filter=base, by=by, rows=tuple(row(g) for g in groups_shown), total=row(""))


def _equity_counts(tx, views, indices: list[int], key: ColumnElement, raw) -> None:
    chosen = [views[i] for i in indices] + ([views[-1]] if indices[-1] != len(views) - 1 else [])
    # Clients of the practice (the denominator): in the list before the period's end.
    columns = []
    for j, view in enumerate(chosen):
        _start, end = view.period.bounds()
        columns.append(
            func.count(case((and_(_CL.c.created_at < end, *client_predicate(view)), _CL.c.id))).label(f"v{j}")
        )
    for row in tx.execute(select(key, *columns).group_by(key)).all():
        for j, i in enumerate(indices):
            raw[i].setdefault(row[0], {})["clients"] = int(row[1 + j])
    # The reach: conversations and referrals per client.
    top = views[-1]
    start, end = top.period.bounds()
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
        "returning": lambda x: or_(x["conv"] >= 2, x["ref"] >= 2),
    }
    from_ = events.join(_CL, _CL.c.id == events.c.client_id)
    counted = per_client(tx, chosen, source, from_, flags, outcomes, key=key)
    for j, i in enumerate(indices):
        for group, numbers in counted[j].items():
            raw[i].setdefault(group, {}).update(numbers)
