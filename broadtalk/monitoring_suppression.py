"""The monitor's small-number suppression, as a pure rule over raw counts (no database).

Every figure of the monitor (``broadtalk.monitoring``) is a count of distinct clients, or is
derived from one (a share, a median). Before anything is shown the counts pass this rule, with
``THRESHOLD`` = 10:

1. **Small counts.** A count of 1 to 9 is shown as "< 10"; 0 stays 0.
2. **Complements.** Within a group of cells that add up to a total that is shown (the score bins
   of one domain, the statuses of one organisation, with and without feedback), when exactly one
   cell of the group is suppressed, or the suppressed cells together stand for 1 to 9 clients,
   the smallest other non-zero cell that is still shown is suppressed too (if there is none, the
   total itself when it is a cell of the table, else the smallest other cell), so neither a
   suppressed cell nor a small sum of them can be found by subtraction. Repeated until no group
   has that left (groups may overlap). A group whose total is 0 is left alone: its members are
   counts of subsets of the total's clients, so they are 0 whatever is hidden.
3. **Across filters.** The filters form a lattice: the period is a calendar month, quarter or
   year (never an arbitrary range), the practitioner one or all, the model one or all. A
   *broader view* W of a view V is V with any non-empty subset of its filters widened:
   practitioner → all, model → all, month → its quarter → its year (quarter → year). A cell of V
   (the same key: the same month, domain and score, organisation and status, ...) is also
   suppressed when ``0 < |W − V| < 10`` for any broader W: a difference of two views the monitor
   can show never reveals a group of fewer than 10 clients. Such a cell may be 0: it is then
   shown as "< 10" too. In the equity view a group's row is compared with the whole practice's
   row in the same way (group → all).
4. **Derived figures.** A share or a median is shown only when its base (the group it is taken
   over) is shown and has at least 10 clients, and (for a share) its numerator cell is shown.
   Suppressed cells carry no value at all (``Cell.value`` is None), so no screen or export can
   leak one.

Applied rule (1) and (3) first, then (2), then (4).

**Sums over sibling views.** With practitioners A (40 clients), B (30) and C (3), the views of
A and B each differ from "all" (73) by 10 or more, and "all − A − B" would give away C's 3; so
would the months of a quarter, the quarters or months of a year, and the models. So a table is
never suppressed for one view alone: ``suppress_cube`` takes the table in *every* view of the
year (``cube_views``: the year, its quarters and months × all and each practitioner × all and
each model), and rule (2) treats the sibling views of each cell (the months of a quarter, the
quarters and the months of a year, the practitioners, the models) as a group adding up to the
view they narrow, within the same pass as the table's own groups. A cell hidden to protect a
sibling is hidden in every view that shows it, because every view of the year is decided by the
same pass over the same numbers (``monitoring`` computes the cube once per year and data state).
Counts of distinct clients are not additive (a client seen by two practitioners counts under
both), so a sibling sum is an upper bound of its parent: treating the siblings as a group covers
the case where it is exact.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from itertools import product

from broadtalk.i18n import DISPLAY_ZONE, _, format_number

#: The smallest number of clients a shown figure may stand for.
THRESHOLD = 10


@dataclass(frozen=True)
class Cell:
    """One figure as it may be shown: ``value`` is None when suppressed (shown as "< 10")."""

    value: int | float | None
    suppressed: bool = False

    @property
    def shown(self) -> bool:
        return not self.suppressed

    def text(self) -> str:
        """The cell as shown: "< 10" when suppressed, whole numbers without decimals."""
        if self.suppressed or self.value is None:
            return _("< 10")
        if isinstance(self.value, float) and not self.value.is_integer():
            return format_number(round(self.value, 1))
        return format_number(int(self.value))


@dataclass(frozen=True)
class Group:
    """Cells of one table that add up to ``total`` (a key of the same table, or None when the
    total is shown elsewhere: treated as shown)."""

    members: tuple[Hashable, ...]
    total: Hashable | None = None


def suppress_table(
    view: Mapping[Hashable, int],
    broader: Iterable[Mapping[Hashable, int]] = (),
    groups: Sequence[Group] = (),
    *,
    keys: Iterable[Hashable] | None = None,
) -> dict[Hashable, Cell]:
    """The cells of one table of view V, from V's raw counts and the raw counts of the same
    table in each broader view of V (rules 1-3 of the module). ``keys`` are the table's cells
    (default: every key of V and of the broader views); a key missing from a mapping counts 0."""
    broader = list(broader)
    if keys is None:
        ordered: dict[Hashable, None] = dict.fromkeys(view)
        for counts in broader:
            ordered.update(dict.fromkeys(counts))
        keys = ordered
    keys = list(keys)
    values = {key: int(view.get(key, 0)) for key in keys}
    hidden = {key for key, value in values.items() if 0 < value < THRESHOLD}
    for counts in broader:
        for key, value in values.items():
            if 0 < abs(int(counts.get(key, 0)) - value) < THRESHOLD:
                hidden.add(key)
    changed = True
    while changed:
        changed = False
        for group in groups:
            if group.total is not None and group.total in hidden:
                continue
            members = [m for m in group.members if m in values]
            suppressed = [m for m in members if m in hidden]
            hidden_sum = sum(values[m] for m in suppressed)
            if len(suppressed) != 1 and not 0 < hidden_sum < THRESHOLD:
                continue
            others = [m for m in members if m not in hidden]
            nonzero = [m for m in others if values[m] > 0]
            if nonzero:
                chosen = min(nonzero, key=lambda m: values[m])
            elif group.total is not None and group.total in values:
                chosen = group.total
            elif others:
                chosen = others[0]
            else:
                continue
            hidden.add(chosen)
            changed = True
    return {key: Cell(None, True) if key in hidden else Cell(values[key]) for key in keys}


def derived(value: float | None, base: Cell, numerator: Cell | None = None) -> Cell:
    """A share or a median (rule 4): shown only when its base is shown and ≥ 10, and its
    numerator (for a share) is shown."""
    if (
        value is None
        or base.suppressed
        or base.value is None
        or base.value < THRESHOLD
        or (numerator is not None and numerator.suppressed)
    ):
        return Cell(None, True)
    return Cell(value)


def share(numerator: Cell, base: Cell) -> Cell:
    """``numerator`` as a percentage of ``base`` (one decimal), under rule 4."""
    if numerator.value is None or not base.value:
        return derived(None, base, numerator)
    return derived(round(100 * numerator.value / base.value, 1), base, numerator)


def median_of(histogram: Mapping[float, int]) -> float | None:
    """The median of values given as value → how many times (a histogram from a GROUP BY)."""
    total = sum(n for n in histogram.values() if n > 0)
    if total == 0:
        return None
    ordered = sorted((v, n) for v, n in histogram.items() if n > 0)

    def nth(k: int) -> float:  # the k-th value, 0-based
        seen = 0
        for value, n in ordered:
            seen += n
            if k < seen:
                return value
        raise AssertionError("unreachable")

    if total % 2:
        return float(nth(total // 2))
    return (nth(total // 2 - 1) + nth(total // 2)) / 2


# -- the lattice of filters --------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Period:
    """A calendar month, quarter or year (Dutch local time): the monitor offers no other ranges,
    so every period has a known set of broader periods (month → quarter → year)."""

    year: int
    quarter: int | None = None
    month: int | None = None

    def __post_init__(self) -> None:
        if not 1900 <= self.year <= 9998:
            raise ValueError(f"year out of range: {self.year}")
        if self.month is not None:
            if not 1 <= self.month <= 12:
                raise ValueError(f"month out of range: {self.month}")
            object.__setattr__(self, "quarter", (self.month - 1) // 3 + 1)
        elif self.quarter is not None and not 1 <= self.quarter <= 4:
            raise ValueError(f"quarter out of range: {self.quarter}")

    @classmethod
    def of_month(cls, year: int, month: int) -> Period:
        return cls(year, month=month)

    @classmethod
    def of_quarter(cls, year: int, quarter: int) -> Period:
        return cls(year, quarter=quarter)

    @property
    def kind(self) -> str:
        return "month" if self.month is not None else "quarter" if self.quarter is not None else "year"

    def months(self) -> tuple[int, ...]:
        if self.month is not None:
            return (self.month,)
        if self.quarter is not None:
            return tuple(range(3 * self.quarter - 2, 3 * self.quarter + 1))
        return tuple(range(1, 13))

    @property
    def first_day(self) -> date:
        return date(self.year, self.months()[0], 1)

    @property
    def last_day(self) -> date:
        last = self.months()[-1]
        return (date(self.year + 1, 1, 1) if last == 12 else date(self.year, last + 1, 1)) - timedelta(days=1)

    def bounds(self) -> tuple[datetime, datetime]:
        """[start, end) as UTC instants: midnight in the Netherlands on the first day and on the
        day after the last."""
        return midnight_utc(self.first_day), midnight_utc(self.last_day + timedelta(days=1))

    def broader(self) -> tuple[Period, ...]:
        """This period and the periods that contain it, narrowest first."""
        if self.month is not None:
            return (self, Period(self.year, quarter=self.quarter), Period(self.year))
        if self.quarter is not None:
            return (self, Period(self.year))
        return (self,)

    def code(self) -> str:
        if self.month is not None:
            return f"{self.year}-{self.month:02d}"
        if self.quarter is not None:
            return f"{self.year}-Q{self.quarter}"
        return str(self.year)


def midnight_utc(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=DISPLAY_ZONE).astimezone(UTC)


@dataclass(frozen=True)
class Filter:
    """What the monitor looks at: a period, and one or all practitioners and models (None = all).
    (Areas and age bands are the equity view's rows, not a filter.)"""

    period: Period
    practitioner_id: int | None = None
    model_id: str | None = None

    def lattice(self) -> tuple[Filter, ...]:
        """This view first, then every broader view (rule 3), the broadest (year, all) last."""
        options = (self.period.broader(), _widened(self.practitioner_id), _widened(self.model_id))
        views = [Filter(p, pr, m) for p, pr, m in product(*options)]
        return tuple(dict.fromkeys(views))

    def broader(self) -> tuple[Filter, ...]:
        return self.lattice()[1:]

    def code(self) -> str:
        """The filter in a few plain characters, for the audit trail (ids and codes only)."""
        parts = [self.period.code()]
        for name, value in (("p", self.practitioner_id), ("m", self.model_id)):
            if value is not None:
                parts.append(f"{name}={value}")
        return ";".join(parts)


def _widened(value):
    return (value, None) if value is not None else (None,)


# -- the year's cube: every view the monitor can show, suppressed together ---------------------


def periods_of(year: int) -> tuple[Period, ...]:
    """The year, its quarters and its months."""
    return (
        Period(year),
        *(Period(year, quarter=q) for q in range(1, 5)),
        *(Period(year, month=m) for m in range(1, 13)),
    )


def cube_views(year: int, practitioners: Iterable[int], models: Iterable[str] | None) -> tuple[Filter, ...]:
    """Every view of a year: each period of it, all or one practitioner, and (``models`` not
    None) all or one model; with ``models`` None the model is part of the table's keys instead
    (a score of a domain of a model), and the model of every view is None."""
    practitioner_options = (None, *sorted(set(practitioners)))
    model_options = (None,) if models is None else (None, *sorted(set(models)))
    return tuple(Filter(p, r, m) for p in periods_of(year) for r in practitioner_options for m in model_options)


def _sibling_groups(views: Sequence[Filter]) -> dict[Filter, list[list[Filter]]]:
    """Per view, the groups of views that narrow it and together make it up: its quarters (of a
    year), its months (of a quarter, and of a year), each practitioner (of all), each model (of
    all); only views that are in ``views``."""
    present = set(views)
    by_practitioner: dict[tuple, list[Filter]] = {}
    by_model: dict[tuple, list[Filter]] = {}
    for v in views:
        if v.practitioner_id is not None:
            by_practitioner.setdefault((v.period, v.model_id), []).append(v)
        if v.model_id is not None:
            by_model.setdefault((v.period, v.practitioner_id), []).append(v)
    result: dict[Filter, list[list[Filter]]] = {}
    for view in views:
        period = view.period
        groups: list[list[Filter]] = []
        if period.kind == "year":
            groups.append([replace(view, period=Period(period.year, quarter=q)) for q in range(1, 5)])
        if period.kind in ("year", "quarter"):
            groups.append([replace(view, period=Period(period.year, month=m)) for m in period.months()])
        if view.practitioner_id is None:
            groups.append(by_practitioner.get((period, view.model_id), []))
        if view.model_id is None:
            groups.append(by_model.get((period, view.practitioner_id), []))
        result[view] = [kept for group in groups if (kept := [v for v in group if v in present])]
    return result


class _Shape:
    """What only the views decide, worked out once per set of views: the (view, broader view)
    pairs of rule 3 (without a view with itself, and with it, for the totals' comparison), in
    runs per view, and the sibling groups batched by size (rule 2)."""

    def __init__(self, views: tuple[Filter, ...]):
        import numpy as np

        index = {view: i for i, view in enumerate(views)}
        pairs = [(i, index[w]) for i, view in enumerate(views) for w in view.lattice() if w in index]
        every = np.array(pairs, dtype=np.int64).reshape(-1, 2)
        others = every[every[:, 0] != every[:, 1]]
        self.narrow, self.broad = others[:, 0], others[:, 1]
        self.narrow_self, self.broad_self = every[:, 0], every[:, 1]
        # The pairs are in view order: each view's pairs are one run, reduced with ``reduceat``.
        self.narrow_starts = _run_starts(self.narrow)
        self.narrow_views = self.narrow[self.narrow_starts]
        self.self_starts = _run_starts(self.narrow_self)
        self.self_views = self.narrow_self[self.self_starts]
        by_size: dict[int, tuple[list[int], list[list[int]]]] = {}
        for view, found in _sibling_groups(list(views)).items():
            for group in found:
                parents, rows = by_size.setdefault(len(group), ([], []))
                parents.append(index[view])
                rows.append([index[s] for s in group])
        self.batches = [(np.array(parents), np.array(rows)) for parents, rows in by_size.values()]


def _run_starts(narrow):
    import numpy as np

    if not len(narrow):
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(np.r_[True, narrow[1:] != narrow[:-1]])


_SHAPES: OrderedDict[tuple[Filter, ...], _Shape] = OrderedDict()


def _shape_of(views: tuple[Filter, ...]) -> _Shape:
    found = _SHAPES.get(views)
    if found is None:
        found = _Shape(views)
        _SHAPES[views] = found
        while len(_SHAPES) > 8:
            _SHAPES.popitem(last=False)
    return found


@dataclass(frozen=True)
class CountArray:
    """Raw counts of a cube as a numpy array: ``values[i, k]`` for ``views[i]`` and key k."""

    views: Sequence[Filter]
    values: object


def suppress_cube(
    raw: Mapping[Filter, Mapping[Hashable, int]] | CountArray,
    keys: Sequence[Hashable],
    groups: Sequence[Group] = (),
    *,
    totals: Mapping[Hashable, Hashable] | None = None,
    forced: Mapping[Filter, Iterable[Hashable]] | None = None,
) -> CubeCells:
    """The cells of one table in every view of a year's cube (``cube_views``; ``raw`` has every
    view, a missing key counting 0), suppressed together, so whichever view is shown, the same
    cell gets the same verdict and no view can be subtracted from others to reveal fewer than 10
    clients (``raw`` may also be a ``CountArray`` with a column per key). Rules 1-3 of the module, with rule 2's groups being ``groups`` (within each view)
    and the sibling views (``_sibling_groups``: the quarters or months of a period, the
    practitioners, the models) of each key, adding up to the view they narrow; rule 2 is applied
    in passes over every group until a pass hides nothing more. ``totals`` maps a key to the key
    of the same view that contains it (a group → the whole practice): compared as a broader view
    under rule 3, in the view and in each of its broader views. ``forced`` cells are hidden from
    the start (hidden by another table that shows the same figure)."""
    import numpy as np

    key_list = list(keys)
    key_index = {key: k for k, key in enumerate(key_list)}
    if isinstance(raw, CountArray):
        views = list(raw.views)
        values = np.asarray(raw.values, dtype=np.int64).copy()
    else:
        views = list(raw)
        values = np.zeros((len(views), len(key_list)), dtype=np.int64)
        for i, view in enumerate(views):
            for key, n in raw[view].items():
                k = key_index.get(key)
                if k is not None:
                    values[i, k] = n
    index = {view: i for i, view in enumerate(views)}
    small = lambda d: (d > 0) & (d < THRESHOLD)  # noqa: E731
    # Rule 1, and the cells another table hides.
    hidden = small(values)
    for view, forced_keys in (forced or {}).items():
        i = index.get(view)
        if i is not None:
            for key in forced_keys:
                if key in key_index:
                    hidden[i, key_index[key]] = True
    # Rule 3: every broader view in the cube, and each key's total in the view and its broader views.
    with_total = [k for k, key in enumerate(key_list) if totals and totals.get(key) in key_index]
    their_total = [key_index[totals[key_list[k]]] for k in with_total] if totals else []
    shape = _shape_of(tuple(views))
    if len(shape.narrow):
        revealed = small(np.abs(values[shape.broad] - values[shape.narrow]))
        hidden[shape.narrow_views] |= np.logical_or.reduceat(revealed, shape.narrow_starts, axis=0)
    if with_total and len(shape.narrow_self):
        revealed = small(np.abs(values[shape.broad_self][:, their_total] - values[shape.narrow_self][:, with_total]))
        folded = np.logical_or.reduceat(revealed, shape.self_starts, axis=0)
        hidden[np.ix_(shape.self_views, with_total)] |= folded
    # Rule 2.
    in_view = [
        (np.array([key_index[m] for m in g.members if m in key_index]), key_index.get(g.total))
        for g in groups
        if any(m in key_index for m in g.members)
    ]
    batches = shape.batches
    masked = np.iinfo(np.int64).max
    changed = True
    while changed:
        changed = False
        for members, total in in_view:  # across every view at once
            h = hidden[:, members]
            v = values[:, members]
            hidden_sum = (v * h).sum(axis=1)
            active = (h.sum(axis=1) == 1) | small(hidden_sum)
            if total is not None:  # a total of 0 says its members are 0 whatever is hidden
                active &= ~hidden[:, total] & (values[:, total] != 0)
            if not active.any():
                continue
            candidates = np.where(~h & (v > 0), v, masked)
            best = candidates.argmin(axis=1)
            for i in np.flatnonzero(active):
                if candidates[i, best[i]] != masked:
                    hidden[i, members[best[i]]] = True
                elif total is not None:
                    hidden[i, total] = True
                else:
                    shown_members = np.flatnonzero(~h[i])
                    if not len(shown_members):
                        continue
                    hidden[i, members[shown_members[0]]] = True
                changed = True
        for parents, rows in batches:  # every parent of a size and every key at once
            h = hidden[rows]  # (n, size, keys)
            v = values[rows]
            hidden_sum = (v * h).sum(axis=1)
            active = ~hidden[parents] & (values[parents] != 0) & ((h.sum(axis=1) == 1) | small(hidden_sum))
            if not active.any():
                continue
            candidates = np.where(~h & (v > 0), v, masked)
            best = candidates.argmin(axis=1)  # (n, keys)
            g, k = np.nonzero(active)
            chosen = best[g, k]
            has_candidate = candidates[g, chosen, k] != masked
            hidden[rows[g[has_candidate], chosen[has_candidate]], k[has_candidate]] = True
            hidden[parents[g[~has_candidate]], k[~has_candidate]] = True
            changed = True
    return CubeCells(index, key_list, values.tolist(), hidden.tolist())


class CubeCells(Mapping[Filter, dict[Hashable, Cell]]):
    """A suppressed cube: view → key → ``Cell``, each view's cells made when first asked for."""

    def __init__(self, index: dict[Filter, int], keys: list[Hashable], values: list, hidden: list) -> None:
        self._index = index
        self._keys = keys
        self._values = values
        self._hidden = hidden
        self._made: dict[Filter, dict[Hashable, Cell]] = {}

    def __getitem__(self, view: Filter) -> dict[Hashable, Cell]:
        made = self._made.get(view)
        if made is None:
            i = self._index[view]
            values, hidden = self._values[i], self._hidden[i]
            made = {key: _HIDDEN if hidden[k] else Cell(values[k]) for k, key in enumerate(self._keys)}
            self._made[view] = made
        return made

    def __iter__(self):
        return iter(self._index)

    @classmethod
    def from_shown(cls, views: Sequence[Filter], keys: list[Hashable], shown) -> CubeCells:
        """Cells as ``shown`` gives them (view × key; a hidden cell is -1, ``as_shown``)."""
        import numpy as np

        shown = np.asarray(shown, dtype=np.int64).reshape(len(views), len(keys))
        hidden = shown < 0
        return cls(
            {v: i for i, v in enumerate(views)}, list(keys), np.where(hidden, 0, shown).tolist(), hidden.tolist()
        )

    def as_shown(self) -> tuple[list[Filter], list[Hashable], object]:
        """The views, the keys and the cells as they may be shown: a numpy array view × key
        with -1 for a hidden cell (its number is not in it)."""
        import numpy as np

        views = sorted(self._index, key=self._index.__getitem__)
        values = np.asarray(self._values, dtype=np.int64).reshape(len(views), len(self._keys))
        hidden = np.asarray(self._hidden, dtype=bool).reshape(values.shape)
        return views, list(self._keys), np.where(hidden, -1, values)

    def hidden_views(self, key: Hashable) -> set[Filter]:
        """The views in which ``key``'s cell is hidden."""
        k = self._keys.index(key)
        return {view for view, i in self._index.items() if self._hidden[i][k]}

    def __len__(self) -> int:
        return len(self._index)


_HIDDEN = Cell(None, True)
