"""Translations and locale-aware formatting.

Every user-visible string goes through ``_()`` (or ``ngettext``). Source strings are English;
Dutch is the default language. Catalogs are gettext files in ``translations/``, managed with
Babel (``make translations``). A compiled ``.mo`` is used when it is current; otherwise the
``.po`` is compiled in memory, so a fresh checkout shows Dutch without a build step.

Qt is not imported here: the GUI uses the same ``_()``. Babel is loaded at the first date or
number formatted (a command that prints none, such as ``clients --json``, never loads it).
"""

from __future__ import annotations

import gettext
import io
import re
from datetime import UTC, date, datetime
from functools import cache, lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

DOMAIN = "broadtalk"
LANGUAGES: tuple[str, ...] = ("nl", "en")
DEFAULT_LANGUAGE = "nl"
LOCALES = {"nl": "nl_NL", "en": "en_GB"}
DISPLAY_ZONE = ZoneInfo("Europe/Amsterdam")
CATALOG_DIR = Path(__file__).resolve().parent.parent / "translations"

_FIELD = re.compile(r"(?<!\{)\{([a-zA-Z_][a-zA-Z0-9_]*)(?:![rsa])?(?::[^{}]*)?\}")

_language = DEFAULT_LANGUAGE


def N_(message: str) -> str:
    """Mark a string for extraction without translating it yet (translate where it is shown)."""
    return message


def format_fields(text: str) -> frozenset[str]:
    """The named ``{fields}`` in a string, used to refuse translations that would break format()."""
    return frozenset(_FIELD.findall(text))


def _compile_po(po_path: Path) -> gettext.NullTranslations:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po_path.open("rb") as fh:
        catalog = read_po(fh, locale=po_path.parent.parent.name, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


@cache
def translations_for(language: str) -> gettext.NullTranslations:
    """The gettext catalog of a language (an empty one for a language without a catalog)."""
    folder = CATALOG_DIR / language / "LC_MESSAGES"
    po_path = folder / f"{DOMAIN}.po"
    mo_path = folder / f"{DOMAIN}.mo"
    if mo_path.exists() and (not po_path.exists() or mo_path.stat().st_mtime >= po_path.stat().st_mtime):
        with mo_path.open("rb") as fh:
            return gettext.GNUTranslations(fh)
    if po_path.exists():
        return _compile_po(po_path)
    return gettext.NullTranslations()


def set_language(language: str) -> None:
    """Switch the language of every later ``_()`` call; unknown languages fall back to Dutch."""
    global _language
    _language = language if language in LANGUAGES else DEFAULT_LANGUAGE


def current_language() -> str:
    return _language


def current_locale() -> str:
    return LOCALES[_language]


@lru_cache(maxsize=4096)
def _translate(language: str, message: str) -> str:
    translated = translations_for(language).gettext(message)
    # A translation that changes the {fields} would raise KeyError in .format(): use the source.
    if translated != message and format_fields(translated) != format_fields(message):
        return message
    return translated


def _(message: str) -> str:
    """Translate a message into the current language."""
    return _translate(_language, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    translated = translations_for(_language).ngettext(singular, plural, n)
    source = singular if n == 1 else plural
    if format_fields(translated) != format_fields(source):
        return source
    return translated


def pick(texts: dict[str, str], language: str | None = None) -> str:
    """Choose the current language from a per-language text (conversation models carry these)."""
    language = language or _language
    for candidate in (language, DEFAULT_LANGUAGE, *LANGUAGES):
        value = texts.get(candidate)
        if value:
            return value
    return next(iter(texts.values()), "")


def to_display_time(moment: datetime) -> datetime:
    """A stored UTC timestamp in the Dutch time zone (naive timestamps are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(DISPLAY_ZONE)


def dutch_today(now: datetime | None = None) -> date:
    """Today's date in the Netherlands (just after midnight it is still yesterday in UTC): the day
    consent dates, due days and the letter's date are judged on."""
    return to_display_time(now or datetime.now(UTC)).date()


def format_date(value: date, format: str = "medium") -> str:
    """A date in the current language, e.g. '3 mrt 2026' or '3 Mar 2026'."""
    if isinstance(value, datetime):
        value = to_display_time(value).date()
    from babel import dates as babel_dates

    return babel_dates.format_date(value, format=format, locale=current_locale())


def format_short_date(value: date) -> str:
    """A numeric date as people write it: 03-03-2026 in Dutch, 03/03/2026 in English."""
    return format_date(value, "short" if _language != "nl" else "dd-MM-yyyy")


def format_datetime(value: datetime, format: str = "medium") -> str:
    from babel import dates as babel_dates

    return babel_dates.format_datetime(
        to_display_time(value), format=format, tzinfo=DISPLAY_ZONE, locale=current_locale()
    )


def format_number(value: float | int) -> str:
    from babel import numbers as babel_numbers

    return babel_numbers.format_decimal(value, locale=current_locale())
