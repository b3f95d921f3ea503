"""The monitor's queries: the filter's predicates in SQL and the conditional aggregates that
count distinct clients per key for a view and all its broader views in one GROUP BY (the
suppression rule needs both; ``broadtalk.monitoring_suppression``). Shared by the figures
(``broadtalk.monitoring``) and the equity view (``broadtalk.monitoring_equity``). Every query
reads ids, dates, codes, scores, postal codes and birth dates: no name, no text.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from threading import Lock

from sqlalchemy import Integer, and_, case, distinct, false, func, select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from broadtalk import audit
from broadtalk.audit import require
from broadtalk.monitoring_suppression import Filter, Period, periods_of
from broadtalk.permissions import Permission
from broadtalk.practitioners import Actor
from broadtalk.referral_steps import AWAITING_FEEDBACK
from broadtalk.store.tables import AuditEntry, Client, Conversation, Practitioner, Referral

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
_P = Practitioner.__table__


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


def band_key(birth: ColumnElement, on: date) -> ColumnElement:
    whens = [(birth > years_before(on, high + 1), name) for name, _low, high in AGE_BANDS if high is not None]
    return case(*whens, else_=AGE_BANDS[-1][0])


def pc4(postal: ColumnElement) -> ColumnElement:
    return func.substr(postal, 1, 4)


def predicate(view: Filter, source: Source) -> ColumnElement:
    start, end = view.period.bounds()
    parts = [source.at >= start, source.at < end]
    if view.practitioner_id is not None:
        parts.append(source.practitioner == view.practitioner_id)
    if view.model_id is not None:
        parts.append(source.model == view.model_id if source.model is not None else false())
    return and_(*parts)


def _dimension_choices(views: Sequence[Filter]) -> list[tuple[bool, bool]]:
    """Which GROUP BYs a cube needs: by practitioner or not, by model or not."""
    by_practitioner = (False, True) if any(v.practitioner_id is not None for v in views) else (False,)
    by_model = (False, True) if any(v.model_id is not None for v in views) else (False,)
    return [(r, m) for r in by_practitioner for m in by_model]


def _in_period(period: Period, at: ColumnElement) -> ColumnElement:
    start, end = period.bounds()
    return and_(at >= start, at < end)


def _view_of(period: Period, row, position: int, by_practitioner: bool, by_model: bool) -> Filter:
    practitioner = row[position] if by_practitioner else None
    model = row[position + int(by_practitioner)] if by_model else None
    return Filter(period, practitioner, model)


def cube_counts(
    tx: Session,
    views: Sequence[Filter],
    keys: Sequence[ColumnElement],
    source: Source,
    from_,
    where: Sequence[ColumnElement] = (),
    suffix: tuple = (),
    *,
    counted: ColumnElement | None = None,
    distinct_: bool = True,
    with_totals: bool = False,
) -> dict[Filter, dict[Hashable, int]]:
    """Distinct clients (or ``counted``) per key in every view of a year's cube (``views``, from
    ``monitoring_suppression.cube_views``): per combination of the dimensions grouped by, one
    GROUP BY over the year's rows with a conditional count per period. A view that is not in
    ``views`` is dropped; a row without a model counts in no model's view."""
    periods = periods_of(views[0].period.year)
    result: dict[Filter, dict[Hashable, int]] = {v: {} for v in views}
    if distinct_ and counted is None:
        return _cube_of_clients(tx, views, keys, source, from_, where, suffix, result, with_totals)
    counted = counted if counted is not None else _CL.c.id
    for by_practitioner, by_model in _dimension_choices(views):
        dims = [source.practitioner] if by_practitioner else []
        if by_model:
            dims.append(source.model)
        count = (lambda e: func.count(distinct(e))) if distinct_ else func.count
        columns = [count(case((_in_period(p, source.at), counted))).label(f"p{j}") for j, p in enumerate(periods)]
        query = select(*keys, *dims, *columns).select_from(from_).where(_in_period(periods[0], source.at), *where)
        if by_model:
            query = query.where(source.model.is_not(None))
        if keys or dims:
            query = query.group_by(*keys, *dims)
        position = len(keys)
        for row in tx.execute(query).all():
            key = _key_of(row, len(keys), suffix)
            for j, period in enumerate(periods):
                n = row[position + len(dims) + j]
                if n:
                    counts = result.get(_view_of(period, row, position, by_practitioner, by_model))
                    if counts is not None:
                        counts[key] = counts.get(key, 0) + int(n)
    return result


def month_bit(at: ColumnElement, year: int) -> ColumnElement:
    """1 << (month - 1) of ``at`` in the Netherlands, for an instant within ``year``."""
    bounds = [Period(year, month=m).bounds()[1] for m in range(1, 12)]
    return case(*((at < bound, 1 << m) for m, bound in enumerate(bounds)), else_=1 << 11)


def period_mask(period: Period) -> int:
    return sum(1 << (m - 1) for m in period.months())


def _cube_of_clients(tx, views, keys, source, from_, where, suffix, result, with_totals=False):
    """Distinct clients per key and view. One GROUP BY gives, per key, practitioner, model and
    client, the months of the year the client is counted in as a bit mask (a sum of distinct
    bits is their OR); numpy then ORs the masks over the practitioners and models for the views
    of all of them, and counts per period the clients whose mask meets the period's months.
    ``with_totals``: also the keys without their last part (and ``(None,)`` after them), the
    masks ORed over it: a domain's clients beside its clients per score."""
    import numpy as np

    year = views[0].period.year
    periods = periods_of(year)
    choices = _dimension_choices(views)
    by_practitioner = any(r for r, _m in choices)
    by_model = any(m for _r, m in choices)
    dims = ([source.practitioner] if by_practitioner else []) + ([source.model] if by_model else [])
    labelled = [k.label(f"k{i}") for i, k in enumerate(keys)]
    query = (
        select(*labelled, *dims, _CL.c.id, func.sum(distinct(month_bit(source.at, year))))
        .select_from(from_)
        .where(_in_period(periods[0], source.at), *where)
        .group_by(*keys, *dims, _CL.c.id)
    )
    rows = tx.execute(query).all()
    if not rows:
        return result
    width = len(keys)
    practitioners = sorted({v.practitioner_id for v in views if v.practitioner_id is not None})
    models = sorted({v.model_id for v in views if v.model_id is not None})
    practitioner_at = {p: i for i, p in enumerate(practitioners)}
    model_at = {m: i for i, m in enumerate(models)}
    key_at: dict[tuple, int] = {}
    key_rows = np.fromiter(
        (key_at.setdefault(tuple(row[:width]), len(key_at)) for row in rows), dtype=np.int64, count=len(rows)
    )
    position = width
    practitioner_rows = model_rows = None
    if by_practitioner:
        practitioner_rows = np.fromiter(
            (practitioner_at.get(row[position], -1) for row in rows), dtype=np.int64, count=len(rows)
        )
        position += 1
    if by_model:
        model_rows = np.fromiter((model_at.get(row[position], -1) for row in rows), dtype=np.int64, count=len(rows))
        position += 1
    client_rows = np.fromiter((row[position] for row in rows), dtype=np.int64, count=len(rows))
    mask_rows = np.fromiter((row[position + 1] for row in rows), dtype=np.int64, count=len(rows))
    key_list = list(key_at)
    tables = [(key_rows, key_list, suffix)]
    if with_totals:
        total_at: dict[tuple, int] = {}
        to_total = np.array([total_at.setdefault(k[:-1], len(total_at)) for k in key_list], dtype=np.int64)
        tables.append((to_total[key_rows], list(total_at), (None,)))
    period_masks = np.array([sum(1 << (m - 1) for m in p.months()) for p in periods], dtype=np.int64)
    clients = int(client_rows.max()) + 1
    for group_rows, group_keys, group_suffix in tables:
        final_keys = [_key_of((*k, *group_suffix), len(k), group_suffix) for k in group_keys]
        for with_practitioner, with_model in choices:
            keep, code = _encoded(
                group_rows, practitioner_rows, model_rows, practitioners, models, with_practitioner, with_model
            )
            full = code[keep] * clients + client_rows[keep]
            unique, inverse = np.unique(full, return_inverse=True)
            masks = np.zeros(len(unique), dtype=np.int64)
            np.bitwise_or.at(masks, inverse, mask_rows[keep])
            unique_codes = unique // clients
            codes, code_inverse = np.unique(unique_codes, return_inverse=True)
            for j, period in enumerate(periods):
                present = (masks & period_masks[j]) != 0
                counts = np.bincount(code_inverse[present], minlength=len(codes))
                for c in np.flatnonzero(counts):
                    rest, practitioner, model = _decoded(
                        int(codes[c]), practitioners if with_practitioner else None, models, with_model
                    )
                    into = result.get(Filter(period, practitioner, model))
                    if into is None:
                        continue
                    key = final_keys[rest]
                    into[key] = into.get(key, 0) + int(counts[c])
    return result


def _encoded(group_rows, practitioner_rows, model_rows, practitioners, models, with_practitioner, with_model):
    """Per row, whether it counts in this combination of dimensions (a row without a model
    counts in no model's view) and its cube code: the key index, then the practitioner and the
    model, each as 1 + its index (``_decoded`` reads it back)."""
    import numpy as np

    keep = np.ones(len(group_rows), dtype=bool)
    code = group_rows.copy()
    if with_practitioner:
        keep &= practitioner_rows >= 0
        code = code * (len(practitioners) + 1) + practitioner_rows + 1
    if with_model:
        keep &= model_rows >= 0
        code = code * (len(models) + 1) + model_rows + 1
    return keep, code


def _decoded(code: int, practitioners: list | None, models: list, with_model: bool) -> tuple[int, object, object]:
    """A cube code back into (key index, practitioner or None, model or None): the code is the
    key index, times (practitioners + 1) plus 1 + the practitioner's index when grouped by
    practitioner (``practitioners`` None when not), then likewise for the model."""
    model = practitioner = None
    if with_model:
        code, m = divmod(code, len(models) + 1)
        model = models[m - 1]
    if practitioners is not None:
        code, r = divmod(code, len(practitioners) + 1)
        practitioner = practitioners[r - 1]
    return code, practitioner, model


def _key_of(row, key_count: int, suffix: tuple) -> Hashable:
    if key_count == 0:
        return "total"
    if key_count == 1 and not suffix:
        return row[0]
    return (*row[:key_count], *suffix)


def conversations_source() -> tuple[Source, object, list[ColumnElement]]:
    source = Source(_C.c.started_at, _C.c.practitioner_id, _C.c.model_id)
    return source, _C.join(_CL, _CL.c.id == _C.c.client_id), [_C.c.completed_at.is_not(None)]


def check_and_record(tx: Session, actor: Actor, view: Filter, what: str, now: datetime | None) -> None:
    require(actor, Permission.VIEW_REFERRAL_STATUS)
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


def cube_per_client(
    tx: Session,
    views: Sequence[Filter],
    source: Source,
    from_,
    flags: Mapping[str, ColumnElement],
    outcomes: Mapping[str, Callable[[dict[str, ColumnElement]], ColumnElement]],
    *,
    key: ColumnElement | None = None,
    where: Sequence[ColumnElement] = (),
) -> dict[Filter, dict[Hashable, dict[str, int]]]:
    """``cube_per_client_array`` as view → key (None without one) → outcome → clients."""
    groups, counts = cube_per_client_array(tx, views, source, from_, flags, outcomes, key=key, where=where)
    names = list(outcomes)
    return {
        view: {group: dict(zip(names, map(int, counts[i, g]), strict=True)) for g, group in enumerate(groups)}
        for i, view in enumerate(views)
    }


def cube_per_client_array(
    tx: Session,
    views: Sequence[Filter],
    source: Source,
    from_,
    flags: Mapping[str, ColumnElement],
    outcomes: Mapping[str, Callable[[dict], object]],
    *,
    key: ColumnElement | None = None,
    where: Sequence[ColumnElement] = (),
):
    """Per client, how many rows meet each flag per month (and key, practitioner, model: one
    GROUP BY); then, in numpy, per view and key how many clients meet each outcome (a condition
    on a client's numbers summed over the view's months, practitioners and models, written with
    ``&``, ``|`` and comparisons). Gives the keys met (``[None]`` without ``key``) and an array:
    view (in ``views``' order) × key × outcome."""
    import numpy as np

    year = views[0].period.year
    periods = periods_of(year)
    choices = _dimension_choices(views)
    by_practitioner = any(r for r, _m in choices)
    by_model = any(m for _r, m in choices)
    month = month_bit(source.at, year)
    dims = ([source.practitioner] if by_practitioner else []) + ([source.model] if by_model else [])
    grouped = [*dims, *([key] if key is not None else [])]
    columns = [func.sum(case((flag, 1), else_=0)) for flag in flags.values()]
    query = (
        select(_CL.c.id, month, *grouped, *columns)
        .select_from(from_)
        .where(_in_period(periods[0], source.at), *where)
        .group_by(_CL.c.id, month, *grouped)
    )
    rows = tx.execute(query).all()
    view_index = {v: i for i, v in enumerate(views)}
    groups: dict[Hashable, int] = {} if key is not None else {None: 0}
    counts = np.zeros((len(views), max(len(groups), 1), len(outcomes)), dtype=np.int64)
    if not rows:
        return list(groups), counts[:, : len(groups)]
    practitioners = sorted({v.practitioner_id for v in views if v.practitioner_id is not None})
    models = sorted({v.model_id for v in views if v.model_id is not None})
    practitioner_at = {p: i for i, p in enumerate(practitioners)}
    model_at = {m: i for i, m in enumerate(models)}
    count = len(rows)
    client_rows = np.fromiter((row[0] for row in rows), dtype=np.int64, count=count)
    month_rows = np.fromiter((int(row[1]).bit_length() - 1 for row in rows), dtype=np.int64, count=count)
    position = 2
    practitioner_rows = model_rows = None
    if by_practitioner:
        practitioner_rows = np.fromiter((practitioner_at.get(row[2], -1) for row in rows), dtype=np.int64, count=count)
        position += 1
    if by_model:
        model_rows = np.fromiter((model_at.get(row[position], -1) for row in rows), dtype=np.int64, count=count)
        position += 1
    if key is not None:
        group_rows = np.fromiter(
            (groups.setdefault(row[position], len(groups)) for row in rows), dtype=np.int64, count=count
        )
        position += 1
    else:
        group_rows = np.zeros(count, dtype=np.int64)
    flag_rows = np.array([row[position:] for row in rows], dtype=np.int64).reshape(count, len(flags))
    counts = np.zeros((len(views), len(groups), len(outcomes)), dtype=np.int64)
    clients = int(client_rows.max()) + 1
    names = list(flags)
    for with_practitioner, with_model in choices:
        keep, code = _encoded(
            group_rows, practitioner_rows, model_rows, practitioners, models, with_practitioner, with_model
        )
        unique, inverse = np.unique(code[keep] * clients + client_rows[keep], return_inverse=True)
        unique_codes = unique // clients
        kept_months = month_rows[keep]
        kept_flags = flag_rows[keep]
        for period in periods:
            inside = np.isin(kept_months, [m - 1 for m in period.months()])
            sums = np.zeros((len(unique), len(flags)), dtype=np.int64)
            np.add.at(sums, inverse[inside], kept_flags[inside])
            numbers = {name: sums[:, f] for f, name in enumerate(names)}
            for o, outcome in enumerate(outcomes.values()):
                met = np.asarray(outcome(numbers), dtype=bool)
                per_code = np.bincount(unique_codes[met], minlength=0)
                for c in np.flatnonzero(per_code):
                    rest, practitioner, model = _decoded(
                        int(c), practitioners if with_practitioner else None, models, with_model
                    )
                    i = view_index.get(Filter(period, practitioner, model))
                    if i is not None:
                        counts[i, rest, o] += per_code[c]
    return list(groups), counts


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


# -- the year, computed once per data state -------------------------------------------------------

#: Years computed last, by database, what was computed and the data state (``data_state``).
_COMPUTED: OrderedDict[tuple, object] = OrderedDict()
_KEPT = 6
_COMPUTED_LOCK = Lock()


def forget_computed() -> None:
    """Drop what is kept in memory (it is also passed over after any change to the data)."""
    with _COMPUTED_LOCK:
        _COMPUTED.clear()


def data_state(tx: Session) -> tuple:
    """What changes whenever anything the monitor counts changes: per table its rows, highest id
    and latest change (a conversation's version counts every change to it, its scores and goals
    included; a referral's and a client's ``updated_at`` every change to them)."""
    conversation = select(func.count(), func.max(_C.c.id), func.sum(_C.c.version))
    referral = select(func.count(), func.max(_R.c.id), func.max(_R.c.updated_at))
    client = select(func.count(), func.max(_CL.c.id), func.max(_CL.c.updated_at))
    practitioner = select(func.count(), func.max(_P.c.id))
    return tuple(tuple(tx.execute(q).one()) for q in (conversation, referral, client, practitioner))


def remembered(tx: Session, what: tuple, state: str, *, max_age: timedelta | None = None):
    """What was computed for this database and ``what`` (``remember``), or None: when it was
    computed on the same data (``state``, a digest of ``data_state``), or (``max_age``) less
    than ``max_age`` ago (a screen that may show figures a few minutes old while nurses keep
    saving; a year's cube takes seconds at 100,000 clients)."""
    key = _memory_key(tx, what)
    now = datetime.now(UTC)
    with _COMPUTED_LOCK:
        found = _COMPUTED.get(key)
        if found is not None:
            kept_state, counted_at, result = found
            if kept_state == state or (max_age is not None and now - counted_at <= max_age):
                _COMPUTED.move_to_end(key)
                return result
    return None


def remember(tx: Session, what: tuple, state: str, counted_at: datetime, result: object) -> None:
    """Keep ``result`` in memory, computed at ``counted_at`` on the data of ``state``."""
    with _COMPUTED_LOCK:
        _COMPUTED[_memory_key(tx, what)] = (state, counted_at, result)
        while len(_COMPUTED) > _KEPT:
            _COMPUTED.popitem(last=False)


def _memory_key(tx: Session, what: tuple) -> tuple:
    bind = tx.get_bind()
    return (id(bind), str(bind.url), *what)
