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
   has that left (groups may overlap).
3. **Across filters.** The filters form a lattice: the period is a calendar month, quarter or
   year (never an arbitrary range), the practitioner one or all, the model one or all, the
   postcode area (PC4) and the age band one or all. A *broader view* W of a view V is V with any
   non-empty subset of its filters widened: practitioner → all, model → all, month → its
   quarter → its year (quarter → year), area → all, age band → all. A cell of V (the same key:
   the same month, domain and score, organisation and status, ...) is also suppressed when
   ``0 < |W − V| < 10`` for any broader W: a difference of two views the monitor can show never
   reveals a group of fewer than 10 clients. (The absolute value covers the one case where a
   "broader" view counts fewer: an age band taken at the end of a month is not the same people
   as that band at the end of the year.) Such a cell may be 0: it is then shown as "< 10" too.
4. **Derived figures.** A share or a median is shown only when its base (the group it is taken
   over) is shown and has at least 10 clients, and (for a share) its numerator cell is shown.
   Suppressed cells carry no value at all (``Cell.value`` is None), so no screen or export can
   leak one.

Applied rule (1) and (3) first, then (2), then (4).

**Not covered yet, to be closed before any screen or export shows these figures:** sums over
sibling views. With practitioners A (40 clients), B (30) and C (3), the views of A and B each
differ from "all" (73) by 10 or more and are shown, and "all − A − B" gives away C's 3; the same
holds for the months of a quarter, the quarters of a year, the models, the areas and the age
bands. The sibling views of each narrowed dimension (one GROUP BY gives them all) are to be
treated as a group adding up to their parent, under rule (2). Until then the monitor has no
screen and no command.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from itertools import product

from broadtalk.i18n import DISPLAY_ZONE, _

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
            return f"{self.value:.1f}"
        return str(int(self.value))


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
    """What the monitor looks at: a period, and one or all practitioners, models, PC4 areas and
    age bands (None = all)."""

    period: Period
    practitioner_id: int | None = None
    model_id: str | None = None
    area: str | None = None
    age_band: str | None = None

    def lattice(self) -> tuple[Filter, ...]:
        """This view first, then every broader view (rule 3), the broadest (year, all) last."""
        options = (
            self.period.broader(),
            _widened(self.practitioner_id),
            _widened(self.model_id),
            _widened(self.area),
            _widened(self.age_band),
        )
        views = [
            replace(self, period=p, practitioner_id=pr, model_id=m, area=a, age_band=b)
            for p, pr, m, a, b in product(*options)
        ]
        return tuple(dict.fromkeys(views))

    def broader(self) -> tuple[Filter, ...]:
        return self.lattice()[1:]

    def code(self) -> str:
        """The filter in a few plain characters, for the audit trail (ids and codes only)."""
        parts = [self.period.code()]
        for name, value in (
            ("p", self.practitioner_id),
            ("m", self.model_id),
            ("pc4", self.area),
            ("age", self.age_band),
        ):
            if value is not None:
                parts.append(f"{name}={value}")
        return ";".join(parts)


def _widened(value):
    return (value, None) if value is not None else (None,)
