"""The monitor's last count of a year, kept in the practice database (``tables.MonitorCount``), so
that a screen opens on figures at once while the year is counted again behind them: counting a
year takes seconds at 10,000 clients and half a minute at 100,000.

What is kept is what the monitor may show, and nothing more: every table's cells after
suppression (``monitoring_suppression.suppress_cube``), a hidden cell as -1 without its number,
and a median only where its base is shown (``derived`` would hide it anyway). Keys are model and
domain ids, scores, organisation ids, statuses, PC4 areas and age bands; no client id, name,
date or text. With it: the day it was counted on (overdue is counted as of a day), the
practice's feedback days, a digest of the data it was counted on (``data_state``) and when.

A kept count is *current* when it was counted on the same data, day and feedback days: it is
then exactly what a count would give, and stands in for one. Otherwise it is *stale*: a screen
may show it (``Year.stale``, "counted at …") while it counts again, an export never.

Written in its own short transaction after a count (``keep``), so that counting, which only
reads, never holds the database's write lock. A domain's title is looked up in its model
again when a count is read back (``monitoring_year``), in the language of the moment.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import zlib
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlmodel import Session

from broadtalk.audit import Action
from broadtalk.monitoring_suppression import CubeCells, Filter, Period
from broadtalk.store.tables import AuditEntry, MonitorCount

log = logging.getLogger(__name__)

#: The layout of ``MonitorCount.figures``; a count kept in another layout is counted again.
LAYOUT = 1
_MC = MonitorCount.__table__
_AUDIT = AuditEntry.__table__


def state_digest(state: tuple) -> str:
    """A digest of ``monitoring_queries.data_state``: equal exactly when the data is."""
    return hashlib.sha256(repr(state).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Kept:
    """What is known of a kept count before its figures are read."""

    year: int
    counted_on: date
    due_days: int
    state: str
    counted_at: datetime


def erasure_mark(tx: Session) -> int:
    """The latest erasure of a client in the audit trail (its entry's id; 0 when none): a count
    that began before an erasure has counted the erased client, and is never kept."""
    return tx.execute(select(func.max(_AUDIT.c.id)).where(_AUDIT.c.action == Action.ERASE.value)).scalar() or 0


def kept_count(tx: Session, year: int) -> Kept | None:
    """The kept count of ``year`` (without its figures), or None."""
    row = tx.execute(
        select(_MC.c.year, _MC.c.counted_on, _MC.c.due_days, _MC.c.state, _MC.c.counted_at).where(_MC.c.year == year)
    ).one_or_none()
    return Kept(*row) if row is not None else None


def keep(tx: Session, year, kept: Kept) -> bool:
    """Write ``year`` (a ``monitoring_year.Year``) as the kept count of its year, unless one
    counted later is kept already (by another workstation): one statement, so two workstations
    keeping at once leave the later count. True when written."""
    if tx.get_bind().dialect.name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:
        from sqlalchemy.dialects.postgresql import insert
    values = {
        "year": kept.year,
        "counted_on": kept.counted_on,
        "due_days": kept.due_days,
        "state": kept.state,
        "counted_at": kept.counted_at,
        "figures": encode(year),
    }
    statement = insert(_MC).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=[_MC.c.year],
        set_={name: statement.excluded[name] for name in values if name != "year"},
        where=_MC.c.counted_at < statement.excluded.counted_at,
    )
    return tx.execute(statement.returning(_MC.c.year)).first() is not None


def read_kept(tx: Session, kept: Kept) -> dict | None:
    """The kept count's figures (``decode``), or None when it cannot be read (another layout,
    or damaged: it is then counted again, and kept anew)."""
    text = tx.execute(select(_MC.c.figures).where(_MC.c.year == kept.year)).scalar()
    if text is None:
        return None
    try:
        return decode(text)
    except (ValueError, KeyError, TypeError, IndexError, zlib.error) as error:
        log.warning("the monitor's kept count of a year could not be read (%s); counting again", type(error).__name__)
        return None


# -- the layout ------------------------------------------------------------------------------------


def _key_out(key: Hashable):
    return list(key) if isinstance(key, tuple) else key


def _key_in(key) -> Hashable:
    return tuple(key) if isinstance(key, list) else key


def _view_out(view: Filter) -> list:
    return [view.period.year, view.period.quarter, view.period.month, view.practitioner_id, view.model_id]


def _view_in(values: list) -> Filter:
    year, quarter, month, practitioner, model = values
    period = Period(year, month=month) if month is not None else Period(year, quarter=quarter)
    return Filter(period, practitioner, model)


def _array_out(array) -> str:
    import numpy as np

    return base64.b64encode(zlib.compress(np.ascontiguousarray(array, dtype="<i4").tobytes(), 6)).decode("ascii")


def _array_in(text: str, size: int):
    import numpy as np

    data = np.frombuffer(zlib.decompress(base64.b64decode(text)), dtype="<i4")
    if data.size != size:
        raise ValueError("cells do not fit their views and keys")
    return data.astype(np.int64)


class _Views:
    """The views of every cube, once each; a cube names them by number."""

    def __init__(self) -> None:
        self.number: dict[Filter, int] = {}

    def of(self, view: Filter) -> int:
        return self.number.setdefault(view, len(self.number))


def _cube_out(cube: CubeCells, views: _Views) -> dict:
    cube_views, keys, shown = cube.as_shown()
    return {
        "views": [views.of(v) for v in cube_views],
        "keys": [_key_out(k) for k in keys],
        "cells": _array_out(shown),
    }


def _cube_in(data: dict, views: list[Filter]) -> CubeCells:
    cube_views = [views[i] for i in data["views"]]
    keys = [_key_in(k) for k in data["keys"]]
    return CubeCells.from_shown(cube_views, keys, _array_in(data["cells"], len(cube_views) * len(keys)))


def encode(year) -> str:
    """``year`` (a ``monitoring_year.Year``) as the text kept: JSON, each cube's cells a
    compressed array of 32-bit numbers, -1 where hidden."""
    views = _Views()
    cubes = {
        name: _cube_out(getattr(year, name), views)
        for name in ("totals", "scores", "movement", "wanted", "organisations", "summary")
    }
    equity = {by: {m: _cube_out(cube, views) for m, cube in measures.items()} for by, measures in year.equity.items()}
    # A median only under a shown base: the movement's total per domain, the referrals with feedback.
    movement_medians = []
    for view, medians in year.movement_medians.items():
        cells = year.movement.get(view)
        for (model_id, domain_id), median in medians.items():
            base = cells.get((model_id, domain_id, "total")) if cells is not None else None
            if median is not None and base is not None and base.shown:
                movement_medians.append([views.of(view), model_id, domain_id, median])
    median_days = []
    for view, median in year.median_days.items():
        cells = year.summary.get(view)
        if median is not None and cells is not None and cells["with_feedback"].shown:
            median_days.append([views.of(view), median])
    return json.dumps(
        {
            "layout": LAYOUT,
            "views": [_view_out(v) for v in views.number],
            "models": [
                {
                    "id": model_id,
                    "version": year.model_versions.get(model_id),
                    "domains": [[d.domain_id, d.title, d.low, d.high] for d in domains],
                }
                for model_id, domains in zip(year.model_ids, year.models, strict=True)
            ],
            "organisation_ids": year.organisation_ids,
            "cubes": cubes,
            "equity_groups": year.equity_groups,
            "equity": equity,
            "movement_medians": movement_medians,
            "median_days": median_days,
        },
        separators=(",", ":"),
    )


def decode(text: str) -> dict:
    """The kept text back as the fields of a ``monitoring_year.Year`` (its models as (id,
    version, [(domain id, title, low, high)])). Raises ``ValueError`` (or a lookup error) when
    it is not a count of this layout."""
    data = json.loads(text)
    if not isinstance(data, dict) or data.get("layout") != LAYOUT:
        raise ValueError("another layout")
    views = [_view_in(v) for v in data["views"]]
    cubes = {name: _cube_in(cube, views) for name, cube in data["cubes"].items()}
    movement_medians: dict[Filter, dict[tuple[str, str], float | None]] = {}
    for view, model_id, domain_id, median in data["movement_medians"]:
        movement_medians.setdefault(views[view], {})[(model_id, domain_id)] = median
    return {
        "models": [(m["id"], m["version"], [tuple(d) for d in m["domains"]]) for m in data["models"]],
        **cubes,
        "movement_medians": movement_medians,
        "organisation_ids": data["organisation_ids"],
        "median_days": {views[view]: median for view, median in data["median_days"]},
        "equity_groups": data["equity_groups"],
        "equity": {by: {m: _cube_in(c, views) for m, c in measures.items()} for by, measures in data["equity"].items()},
    }


def encode_cube(cube: CubeCells) -> str:
    """One cube alone as kept (its views with it)."""
    views = _Views()
    cells = _cube_out(cube, views)
    return json.dumps({"views": [_view_out(v) for v in views.number], "cube": cells}, separators=(",", ":"))


def decode_cube(text: str) -> CubeCells:
    data = json.loads(text)
    return _cube_in(data["cube"], [_view_in(v) for v in data["views"]])


def kept_cells(text: str) -> dict[str, tuple[list[Filter], list[Hashable], object]]:
    """Every table's cells exactly as kept, by name ("scores", "area.clients", …): its views,
    its keys and an array view × key, -1 where hidden. For checking what is kept."""
    data = json.loads(text)
    views = [_view_in(v) for v in data["views"]]
    cubes = dict(data["cubes"])
    for by, measures in data["equity"].items():
        cubes.update({f"{by}.{m}": cube for m, cube in measures.items()})
    result = {}
    for name, cube in cubes.items():
        keys = [_key_in(k) for k in cube["keys"]]
        cells = _array_in(cube["cells"], len(cube["views"]) * len(keys)).reshape(len(cube["views"]), len(keys))
        result[name] = ([views[i] for i in cube["views"]], keys, cells)
    return result
