"""The monitor's queries: the filter's predicates in SQL and the conditional aggregates that
count distinct clients per key for a view and all its broader views in one GROUP BY (the
suppression rule needs both; ``broadtalk.monitoring_suppression``). Shared by the figures
(``broadtalk.monitoring``) and the equity view (``broadtalk.monitoring_equity``). Every query
reads ids, dates, codes, scores, postal codes and birth dates: no name, no text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Integer, and_, case, distinct, false, func, select, true
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from broadtalk import audit
from broadtalk.audit import require
from broadtalk.errors import InputError
from broadtalk.i18n import _
from broadtalk.monitoring_suppression import Filter
from broadtalk.permissions import Permission
from broadtalk.practitioners import Actor
from broadtalk.referral_steps import AWAITING_FEEDBACK
from broadtalk.store.tables import AuditEntry, Client, Conversation, Referral

PC4 = re.compile(r"[1-9][0-9]{3}")
#: The area key of a postal code that does not start with four digits (a foreign one, none).
UNKNOWN_AREA = "unknown"

#: Age bands (label, lowest age, highest age or None), the age on the period's last day.
AGE_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("0-17", 0, 17),
    ("18-29", 18, 29),
    ("30-44", 30, 44),
    ("45-64", 45, 64),
    ("65-74", 65, 74),
    ("75+", 75, None),
)

_C = Conversation.__table__
_CL = Client.__table__
_R = Referral.__table__


# -- the filter's predicates ---------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """The columns of a query that the filter's dimensions look at."""

    at: ColumnElement
    practitioner: ColumnElement
    model: ColumnElement | None


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def band_predicate(birth: ColumnElement, label: str, on: date) -> ColumnElement:
    for name, low, high in AGE_BANDS:
        if name == label:
            parts = [birth <= years_before(on, low)] if low > 0 else []
            if high is not None:
                parts.append(birth > years_before(on, high + 1))
            return and_(true(), *parts)
    raise InputError(_("Unknown age band '{value}'.").format(value=label))


def band_key(birth: ColumnElement, on: date) -> ColumnElement:
    whens = [(birth > years_before(on, high + 1), name) for name, _low, high in AGE_BANDS if high is not None]
    return case(*whens, else_=AGE_BANDS[-1][0])


def pc4(postal: ColumnElement) -> ColumnElement:
    return func.substr(postal, 1, 4)


def client_predicate(view: Filter) -> list[ColumnElement]:
    parts = []
    if view.area is not None:
        parts.append(pc4(_CL.c.postal_code) == view.area)
    if view.age_band is not None:
        parts.append(band_predicate(_CL.c.birth_date, view.age_band, view.period.last_day))
    return parts


def predicate(view: Filter, source: Source) -> ColumnElement:
    start, end = view.period.bounds()
    parts = [source.at >= start, source.at < end, *client_predicate(view)]
    if view.practitioner_id is not None:
        parts.append(source.practitioner == view.practitioner_id)
    if view.model_id is not None:
        parts.append(source.model == view.model_id if source.model is not None else false())
    return and_(*parts)


def count_per_view(
    tx: Session,
    views: Sequence[Filter],
    keys: Sequence[ColumnElement],
    source: Source,
    from_,
    where: Sequence[ColumnElement] = (),
    suffix: tuple = (),
) -> list[dict[Hashable, int]]:
    """Distinct clients per key, for every view: one GROUP BY over the broadest view's rows."""
    columns = [
        func.count(distinct(case((predicate(view, source), _CL.c.id)))).label(f"v{i}") for i, view in enumerate(views)
    ]
    query = select(*keys, *columns).select_from(from_).where(predicate(views[-1], source), *where)
    if keys:
        query = query.group_by(*keys)
    return _spread(tx.execute(query).all(), len(keys), len(views), suffix)


def _spread(rows, key_count: int, view_count: int, suffix: tuple = ()) -> list[dict[Hashable, int]]:
    """Rows of (keys..., count per view) as a mapping per view; no keys: the key "total";
    ``suffix`` is appended to a tuple key (a table's total row beside its cells)."""
    result: list[dict[Hashable, int]] = [{} for _ in range(view_count)]
    for row in rows:
        if key_count == 0:
            key: Hashable = "total"
        elif key_count == 1 and not suffix:
            key = row[0]
        else:
            key = (*row[:key_count], *suffix)
        for i in range(view_count):
            if row[key_count + i]:
                result[i][key] = result[i].get(key, 0) + int(row[key_count + i])
    return result


def conversations_source() -> tuple[Source, object, list[ColumnElement]]:
    source = Source(_C.c.started_at, _C.c.practitioner_id, _C.c.model_id)
    return source, _C.join(_CL, _CL.c.id == _C.c.client_id), [_C.c.completed_at.is_not(None)]


def check_and_record(tx: Session, actor: Actor, view: Filter, what: str, now: datetime | None) -> None:
    require(actor, Permission.VIEW_REFERRAL_STATUS)
    if view.area is not None and not PC4.fullmatch(view.area):
        raise InputError(_("'{value}' is not a postcode area of four digits.").format(value=view.area))
    if view.age_band is not None and view.age_band not in {name for name, _low, _high in AGE_BANDS}:
        raise InputError(_("Unknown age band '{value}'.").format(value=view.age_band))
    # Once per practitioner, figures and filter within ``audit.REPEAT_WINDOW`` (a screen that
    # redraws is one look), as ``audit.record_once`` does per record.
    now = (now or datetime.now(UTC)).astimezone(UTC)
    detail = f"{what}:{view.code()}"[:200]
    last = tx.execute(
        select(AuditEntry.at)
        .where(
            AuditEntry.practitioner_id == actor.id,
            AuditEntry.action == audit.Action.VIEW.value,
            AuditEntry.object_type == "monitor",
            AuditEntry.detail == detail,
        )
        .order_by(AuditEntry.id.desc())
        .limit(1)
    ).scalar()
    if last is None or now - last.astimezone(UTC) >= audit.REPEAT_WINDOW:
        audit.record(tx, actor, audit.Action.VIEW, object_type="monitor", detail=detail, now=now)


def referrals_source() -> tuple[Source, object]:
    source = Source(_R.c.sent_at, _R.c.created_by_id, _C.c.model_id)
    from_ = _R.join(_CL, _CL.c.id == _R.c.client_id).outerjoin(_C, _C.c.id == _R.c.conversation_id)
    return source, from_


def per_client(
    tx: Session,
    views: Sequence[Filter],
    source: Source,
    from_,
    flags: Mapping[str, ColumnElement],
    outcomes: Mapping[str, Callable[[dict[str, ColumnElement]], ColumnElement]],
    *,
    key: ColumnElement | None = None,
    where: Sequence[ColumnElement] = (),
) -> list[dict[Hashable, dict[str, int]]]:
    """Per client and view, how many rows meet each flag (in the view); then per view (and
    ``key``) how many clients meet each outcome (a condition on those per-client numbers)."""
    inner_columns = [_CL.c.id.label("client")]
    if key is not None:
        inner_columns.append(key.label("group_key"))
    for i, view in enumerate(views):
        in_view = predicate(view, source)
        for name, flag in flags.items():
            inner_columns.append(func.sum(case((and_(in_view, flag), 1), else_=0)).label(f"{name}_{i}"))
    group_by = [_CL.c.id] + ([key] if key is not None else [])
    inner = (
        select(*inner_columns)
        .select_from(from_)
        .where(predicate(views[-1], source), *where)
        .group_by(*group_by)
        .subquery("per_client")
    )
    outer_columns = [inner.c.group_key] if key is not None else []
    for i in range(len(views)):
        numbers = {name: inner.c[f"{name}_{i}"] for name in flags}
        for name, outcome in outcomes.items():
            outer_columns.append(func.sum(case((outcome(numbers), 1), else_=0)).label(f"{name}_{i}"))
    query = select(*outer_columns)
    if key is not None:
        query = query.group_by(inner.c.group_key)
    result: list[dict[Hashable, dict[str, int]]] = [{} for _ in views]
    for row in tx.execute(query).mappings():
        group = row["group_key"] if key is not None else None
        for i in range(len(views)):
            result[i][group] = {name: int(row[f"{name}_{i}"] or 0) for name in outcomes}
    return result


def overdue_condition(today: date, due_days: int) -> ColumnElement:
    # As ``ReferralView.is_overdue``: waiting for feedback, sent before the start (UTC) of the day
    # ``due_days`` before today.
    last_day = today - timedelta(days=due_days)
    before = datetime(last_day.year, last_day.month, last_day.day, tzinfo=UTC)
    return and_(_R.c.status.in_(AWAITING_FEEDBACK), _R.c.sent_at < before)


def days_between(tx: Session, start: ColumnElement, end: ColumnElement) -> ColumnElement:
    """Whole days elapsed, in the database's own words."""
    if tx.get_bind().dialect.name == "sqlite":
        return func.cast(func.julianday(end) - func.julianday(start), Integer)
    return func.cast(func.floor(func.extract("epoch", end - start) / 86400), Integer)
