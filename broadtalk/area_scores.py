"""Area scores per 4-digit postcode area (PC4), loaded from the CSV file a practice's region uses
(e.g. a deprivation or socio-economic status score per area), to order the monitor's areas.

The file: one area per line, ``pc4;score`` or ``pc4,score`` (the separator of the first line
that has one of them holds for the whole file); with ``;`` a score may have a decimal comma
("-0,25"); an optional header line (a first line whose first field is not a postcode area); empty
lines are skipped; UTF-8, with or without a byte-order mark. Every bad line is reported with its
number and what is wrong, and nothing is loaded when there is one. A higher score means more
need (a deprivation score): ``AreaScores.order`` puts the highest first; a file whose scores run
the other way (a status score: higher is better off) is ordered with ``higher_is_more_need=False``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from broadtalk.errors import InputError, os_reason
from broadtalk.files import FileTooLarge, NotAnOrdinaryFile, read_limited
from broadtalk.i18n import _

PC4 = re.compile(r"[1-9][0-9]{3}")
NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
#: More lines than the Netherlands has postcode areas (about 4,000) is not a PC4 file.
MAX_LINES = 20_000
#: Far more than 20,000 lines of a postcode area and a score take.
MAX_BYTES = 2 * 1024 * 1024
#: Problems listed in one message at most; the rest is counted.
MAX_PROBLEMS = 20


class AreaScoresError(InputError):
    """The file cannot be loaded; ``problems`` lists every bad line's message."""

    def __init__(self, problems: list[str]):
        shown = problems[:MAX_PROBLEMS]
        more = len(problems) - len(shown)
        text = "\n".join(shown)
        if more:
            text += "\n" + _("… and {count} more problems.").format(count=more)
        super().__init__(text)
        self.problems = problems


@dataclass(frozen=True)
class AreaScores:
    scores: dict[str, float]

    def order(self, areas: Iterable[str], *, higher_is_more_need: bool = True) -> list[str]:
        """The areas with the most need first, then the areas without a score (by number)."""
        sign = -1 if higher_is_more_need else 1
        return sorted(areas, key=lambda a: (a not in self.scores, sign * self.scores.get(a, 0.0), a))


def load_area_scores(path: Path) -> AreaScores:
    """The scores in the CSV file at ``path``, judged by type and size before it is read (a
    device, a pipe or a huge file is refused, never read)."""
    try:
        data = read_limited(path, MAX_BYTES)
    except IsADirectoryError:
        raise AreaScoresError([_("{path} is a folder, not a CSV file; choose a file.").format(path=path)]) from None
    except NotAnOrdinaryFile:
        raise AreaScoresError(
            [
                _("{path} is not an ordinary file (a device or a pipe); choose the CSV file of area scores.").format(
                    path=path
                )
            ]
        ) from None
    except FileTooLarge:
        raise AreaScoresError(
            [_("The file has more than {count} lines; it is not a file of postcode areas.").format(count=MAX_LINES)]
        ) from None
    except OSError as error:
        raise AreaScoresError([_("The file cannot be read: {reason}").format(reason=os_reason(error))]) from None
    return parse_area_scores(data)


def parse_area_scores(data: bytes | str) -> AreaScores:
    """The scores in a file's content; ``AreaScoresError`` with every problem, nothing loaded."""
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise AreaScoresError(
                [_("The file is not text in UTF-8; save it as CSV (UTF-8) and load it again.")]
            ) from error
    else:
        text = data.removeprefix("\ufeff")
    lines = text.splitlines()
    if len(lines) > MAX_LINES:
        raise AreaScoresError(
            [_("The file has more than {count} lines; it is not a file of postcode areas.").format(count=MAX_LINES)]
        )
    separator = next((s for line in lines for s in (";", ",") if s in line), ";")
    problems: list[str] = []
    scores: dict[str, float] = {}
    first_seen: dict[str, int] = {}
    header_possible = True
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line:
            continue
        fields = [f.strip().strip('"').strip() for f in line.split(separator)]
        if header_possible:
            header_possible = False
            if not PC4.fullmatch(fields[0]) and not fields[0].isdigit():
                continue  # a header line
        if len(fields) != 2:
            problems.append(
                _("Line {line}: expected 2 fields (postcode area{sep}score), found {count}.").format(
                    line=number, sep=separator, count=len(fields)
                )
            )
            continue
        area, value = fields
        ok = True
        if not PC4.fullmatch(area):
            problems.append(
                _("Line {line}: '{value}' is not a postcode area of four digits (1000 to 9999).").format(
                    line=number, value=area[:40]
                )
            )
            ok = False
        score = _number(value, separator)
        if score is None:
            problems.append(
                _("Line {line}: the score '{value}' is not a number.").format(line=number, value=value[:40])
                if value
                else _("Line {line}: the score is missing.").format(line=number)
            )
            ok = False
        if ok and area in first_seen:
            problems.append(
                _("Line {line}: postcode area {area} is already on line {first}.").format(
                    line=number, area=area, first=first_seen[area]
                )
            )
            ok = False
        if ok:
            first_seen[area] = number
            scores[area] = score  # type: ignore[assignment]
    if problems:
        raise AreaScoresError(problems)
    if not scores:
        raise AreaScoresError([_("The file holds no postcode areas with a score.")])
    return AreaScores(scores)


def _number(value: str, separator: str) -> float | None:
    if separator == ";" and value.count(",") == 1 and "." not in value:
        value = value.replace(",", ".")
    if not NUMBER.fullmatch(value):
        return None
    number = float(value)
    return number if math.isfinite(number) else None
