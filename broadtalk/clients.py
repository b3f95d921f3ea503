"""Clients: create, change, find. Validation lives here so the GUI and the CLI agree.

Every use case takes the acting practitioner and checks the role matrix first: seeing clients
needs ``VIEW_CLIENTS``, adding or changing them ``EDIT_CLIENTS``. Opening one client's record,
creating and changing a client are written to the audit trail; the list (searched as one
types) is not, entry per keystroke.
"""

from __future__ import annotations

import random
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import Date, func, literal, or_
from sqlmodel import Session, col, select

from broadtalk import audit, follow_ups
from broadtalk.audit import require
from broadtalk.errors import InputError, NotFoundError
from broadtalk.i18n import _, dutch_today, format_short_date, to_display_time
from broadtalk.permissions import Permission, allows
from broadtalk.practitioners import Actor
from broadtalk.store.tables import AuditEntry, Client
from broadtalk.text import clean_line, fold

#: Letters and digits that cannot be mistaken for one another (no 0/O, 1/I/L).
NUMBER_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
MAX_AGE_YEARS = 120
MAX_GENERAL_PRACTITIONER = 200
MAX_LANGUAGE = 100
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
DUTCH_POSTAL_CODE = re.compile(r"^([1-9][0-9]{3})\s?([A-Za-z]{2})$")
DATE_PATTERNS = (
    re.compile(r"^(?P<d>\d{1,2})-(?P<m>\d{1,2})-(?P<y>\d{4})$"),
    re.compile(r"^(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>\d{4})$"),
    re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})$"),
)


class InvalidClient(InputError):
    """One or more fields are invalid; ``problems`` maps field name to message."""

    def __init__(self, problems: dict[str, str]):
        super().__init__(" ".join(problems.values()))
        self.problems = problems


@dataclass(frozen=True)
class ClientInput:
    """What a practitioner types for a client. Dates may be given as text (dd-mm-yyyy)."""

    given_name: str
    family_name: str
    birth_date: date | str
    name_prefix: str = ""
    bsn: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""
    postal_code: str = ""
    city: str = ""
    #: The client's own GP (huisarts): a name and practice, when it is not this practice.
    general_practitioner: str = ""
    #: The language the client prefers when it is not Dutch ("Arabisch"); empty means Dutch.
    language: str = ""
    interpreter_needed: bool = False


@dataclass(frozen=True)
class ClientRecord:
    id: int
    client_number: str
    given_name: str
    name_prefix: str
    family_name: str
    birth_date: date
    bsn: str | None = None
    phone: str = ""
    email: str = ""
    address: str = ""
    postal_code: str = ""
    city: str = ""
    general_practitioner: str = ""
    language: str = ""
    interpreter_needed: bool = False
    conversation_count: int = field(default=0, compare=False)
    #: The earliest current follow-up date (``follow_ups``); None when none is planned, or for a
    #: role that does not read conversations.
    next_follow_up: date | None = field(default=None, compare=False)

    @property
    def name(self) -> str:
        """As written: 'Jan van der Berg'."""
        return " ".join(part for part in (self.given_name, self.name_prefix, self.family_name) if part)

    @property
    def sort_name(self) -> str:
        """As sorted in Dutch lists: 'Berg, Jan van der'."""
        rest = " ".join(part for part in (self.given_name, self.name_prefix) if part)
        return f"{self.family_name}, {rest}"

    def age_on(self, day: date) -> int:
        return day.year - self.birth_date.year - ((day.month, day.day) < (self.birth_date.month, self.birth_date.day))


def parse_date(text: str) -> date | None:
    """A date typed as dd-mm-yyyy, dd/mm/yyyy or yyyy-mm-dd; None when it is not one."""
    text = text.strip()
    for pattern in DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            try:
                return date(int(match["y"]), int(match["m"]), int(match["d"]))
            except ValueError:
                return None
    return None


def bsn_is_valid(bsn: str) -> bool:
    """The Dutch citizen service number's 11-test (8 digits are read with a leading zero)."""
    if not bsn.isdigit() or len(bsn) not in (8, 9):
        return False
    digits = [int(d) for d in bsn.zfill(9)]
    total = sum(weight * digit for weight, digit in zip(range(9, 1, -1), digits[:8], strict=True)) - digits[8]
    return total % 11 == 0 and any(digits)


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year - years, day=28)


def _dutch_names() -> set[str]:
    """What "Dutch" may be typed as (folded), in either language of the program."""
    return {"nederlands", "dutch", "nl", fold(_("Dutch"))}


def validate(data: ClientInput, today: date) -> dict[str, object]:
    """Clean and check the input; returns column values or raises InvalidClient."""
    problems: dict[str, str] = {}
    values: dict[str, object] = {}
    for name in ("given_name", "name_prefix", "family_name", "phone", "address", "city"):
        values[name] = clean_line(getattr(data, name) or "")
    if not values["given_name"]:
        problems["given_name"] = _("The given name is empty; type the client's given name.")
    if not values["family_name"]:
        problems["family_name"] = _("The family name is empty; type the client's family name.")
    limits = {"given_name": 100, "family_name": 100, "name_prefix": 30, "phone": 40, "address": 200, "city": 100}
    for name, limit in limits.items():
        value = values[name]
        if isinstance(value, str) and len(value) > limit:
            problems[name] = _("This field is longer than {limit} characters; shorten it.").format(limit=limit)

    birth = data.birth_date
    if isinstance(birth, str):
        parsed = parse_date(birth)
        if parsed is None:
            if birth.strip():
                problems["birth_date"] = _(
                    "'{value}' is not a date; type the birth date as dd-mm-yyyy, e.g. 07-03-1951."
                ).format(value=birth.strip())
            else:
                problems["birth_date"] = _("The birth date is empty; type it as dd-mm-yyyy, e.g. 07-03-1951.")
        birth = parsed
    if isinstance(birth, date):
        if birth > today:
            problems["birth_date"] = _("The birth date {date} lies in the future; check the year.").format(
                date=format_short_date(birth)
            )
        elif birth < _years_before(today, MAX_AGE_YEARS):
            problems["birth_date"] = _("The birth date {date} is more than {years} years ago; check the year.").format(
                date=format_short_date(birth), years=MAX_AGE_YEARS
            )
        values["birth_date"] = birth

    bsn = re.sub(r"[\s.]", "", data.bsn or "")
    if bsn and not bsn_is_valid(bsn):
        problems["bsn"] = _(
            "'{value}' is not a valid BSN (it fails the 11-test); check the 9 digits or leave it empty."
        ).format(value=data.bsn.strip())
    values["bsn"] = bsn.zfill(9) if bsn else None

    email = (data.email or "").strip()
    if email and not EMAIL.match(email):
        problems["email"] = _("'{value}' is not an e-mail address; check it or leave it empty.").format(value=email)
    values["email"] = email

    postal = clean_line(data.postal_code or "")
    match = DUTCH_POSTAL_CODE.match(postal)
    if match:
        postal = f"{match[1]} {match[2].upper()}"
    elif len(postal) > 10:
        problems["postal_code"] = _("The postal code is longer than 10 characters; check it.")
    values["postal_code"] = postal

    # Free text, one line each; the message names the field, as the CLI shows them all together.
    practitioner = clean_line(data.general_practitioner or "")
    if len(practitioner) > MAX_GENERAL_PRACTITIONER:
        problems["general_practitioner"] = _(
            "The GP is longer than {limit} characters; shorten it (a name and a practice will do)."
        ).format(limit=MAX_GENERAL_PRACTITIONER)
    values["general_practitioner"] = practitioner
    language = clean_line(data.language or "")
    if fold(language) in _dutch_names():  # empty means Dutch: one way to say it
        language = ""
    if len(language) > MAX_LANGUAGE:
        problems["language"] = _(
            "The preferred language is longer than {limit} characters; type just the language."
        ).format(limit=MAX_LANGUAGE)
    values["language"] = language
    values["interpreter_needed"] = bool(data.interpreter_needed)

    if problems:
        raise InvalidClient(problems)
    return values


def _search_key(values: dict[str, object]) -> str:
    return fold(" ".join(str(values[k]) for k in ("given_name", "name_prefix", "family_name") if values[k]))


def _sort_key(values: dict[str, object]) -> str:
    """Dutch lists sort on the family name without its prefix: 'van der Berg' under B."""
    return fold(f"{values['family_name']} {values['given_name']} {values['name_prefix']}")


def new_client_number(tx: Session, rng: random.Random | None = None) -> str:
    """A short, unambiguous number like 'H7K-2PQ', unique in this database."""
    while True:
        if rng is not None:
            raw = "".join(rng.choice(NUMBER_ALPHABET) for _ in range(6))
        else:
            raw = "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(6))
        number = f"{raw[:3]}-{raw[3:]}"
        if tx.exec(select(Client.id).where(Client.client_number == number)).first() is None:
            return number


def _record(row: Client, conversation_count: int = 0, next_follow_up: date | None = None) -> ClientRecord:
    assert row.id is not None
    return ClientRecord(
        id=row.id,
        client_number=row.client_number,
        given_name=row.given_name,
        name_prefix=row.name_prefix,
        family_name=row.family_name,
        birth_date=row.birth_date,
        bsn=row.bsn,
        phone=row.phone,
        email=row.email,
        address=row.address,
        postal_code=row.postal_code,
        city=row.city,
        general_practitioner=row.general_practitioner,
        language=row.language,
        interpreter_needed=bool(row.interpreter_needed),
        conversation_count=conversation_count,
        next_follow_up=next_follow_up,
    )


def _unused_client_id(tx: Session) -> int:
    """An id no client ever had: SQLite would hand out an erased client's id again when it was
    the highest, and the audit trail's entries about that person would seem to be about the new one."""
    connection = tx.connection()
    highest_client = connection.execute(select(func.max(Client.id))).scalar() or 0
    highest_trail = connection.execute(select(func.max(AuditEntry.client_id))).scalar() or 0
    return max(highest_client, highest_trail) + 1


def create_client(
    tx: Session,
    actor: Actor,
    data: ClientInput,
    *,
    now: datetime | None = None,
    rng: random.Random | None = None,
) -> ClientRecord:
    require(actor, Permission.EDIT_CLIENTS)
    now = now or datetime.now(UTC)
    values = validate(data, to_display_time(now).date())  # "the future" is a Dutch calendar day
    row = Client(
        **values,
        id=_unused_client_id(tx),
        client_number=new_client_number(tx, rng),
        search_key=_search_key(values),
        sort_key=_sort_key(values),
        created_at=now,
        updated_at=now,
        created_by_id=actor.id,
    )
    tx.add(row)
    tx.flush()
    audit.record(tx, actor, audit.Action.CREATE, object_type="client", object_id=row.id, client_id=row.id, now=now)
    return _record(row)


def update_client(
    tx: Session, actor: Actor, client_id: int, data: ClientInput, *, now: datetime | None = None
) -> ClientRecord:
    require(actor, Permission.EDIT_CLIENTS, client_id=client_id)
    now = now or datetime.now(UTC)
    row = _row(tx, client_id)
    values = validate(data, to_display_time(now).date())  # "the future" is a Dutch calendar day
    for name, value in values.items():
        setattr(row, name, value)
    row.search_key = _search_key(values)
    row.sort_key = _sort_key(values)
    row.updated_at = now
    tx.add(row)
    tx.flush()
    audit.record(
        tx, actor, audit.Action.CHANGE, object_type="client", object_id=client_id, client_id=client_id, now=now
    )
    return _record(row)


def _row(tx: Session, client_id: int) -> Client:
    row = tx.get(Client, client_id)
    if row is None:
        raise NotFoundError(_("There is no client with number {id}.").format(id=client_id))
    return row


def get_client(tx: Session, actor: Actor, client_id: int) -> ClientRecord:
    """One client's record; opening it is written to the audit trail."""
    require(actor, Permission.VIEW_CLIENTS, client_id=client_id)
    record = _record(_row(tx, client_id))
    audit.record_once(tx, actor, audit.Action.VIEW, object_type="client", object_id=client_id, client_id=client_id)
    return record


def client_record_unchecked(tx: Session, client_id: int) -> ClientRecord:
    """Inside the core only: for a use case that checked the actor's role itself and audits
    what it shows (a handover). NotFoundError for an unknown client."""
    return _record(_row(tx, client_id))


def client_names(tx: Session, actor: Actor, client_ids: Iterable[int]) -> dict[int, str]:
    """Names for a list (e.g. overdue referrals): like the client list, not a look at one record."""
    require(actor, Permission.VIEW_CLIENTS)
    wanted = set(client_ids)
    if not wanted:
        return {}
    rows = tx.exec(select(Client).where(col(Client.id).in_(wanted))).all()
    return {row.id: _record(row).name for row in rows if row.id is not None}


def client_numbers(tx: Session, actor: Actor, client_ids: Iterable[int]) -> dict[int, str]:
    """Client numbers for ids (e.g. in the audit trail); ids of clients no longer there are left out."""
    require(actor, Permission.VIEW_CLIENTS)
    wanted = {client_id for client_id in client_ids if client_id is not None}
    if not wanted:
        return {}
    rows = tx.exec(select(Client.id, Client.client_number).where(col(Client.id).in_(wanted))).all()
    return {client_id: number for client_id, number in rows}


def client_id_for_number(tx: Session, actor: Actor, number: str) -> int | None:
    """The id of the client with this client number (any case), or None."""
    require(actor, Permission.VIEW_CLIENTS)
    wanted = number.strip().upper()
    if not wanted:
        return None
    return tx.exec(select(Client.id).where(func.upper(Client.client_number) == wanted)).first()


def _like_literal(text: str) -> str:
    """Typed % and _ are characters, not LIKE wildcards."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _search_filter(text: str):
    """Every word must match: part of the name, the birth date, or the client number."""
    conditions = []
    for word in text.split():
        day = parse_date(word)
        options = [col(Client.search_key).like(f"%{_like_literal(fold(word))}%", escape="\\")]
        if day is not None:
            options.append(Client.birth_date == day)
        if len(word) >= 3:
            options.append(func.upper(Client.client_number).like(f"{_like_literal(word.upper())}%", escape="\\"))
        conditions.append(or_(*options))
    return conditions


def _focus_filter(actor: Actor, focus: str, today: date | None, practitioner_id: int | None) -> list:
    if focus == follow_ups.ALL:
        return []
    if focus not in follow_ups.FOCUSES:
        raise InputError(_("Unknown list filter '{focus}'.").format(focus=focus))
    require(actor, Permission.VIEW_CONVERSATIONS)  # who has a follow-up or a draft is conversation data
    ids = follow_ups.focus_client_ids(focus, today or dutch_today(), practitioner_id)
    return [col(Client.id).in_(ids)] if ids is not None else []


def search_clients(
    tx: Session,
    actor: Actor,
    text: str = "",
    *,
    limit: int | None = None,
    offset: int = 0,
    focus: str = follow_ups.ALL,
    practitioner_id: int | None = None,
    today: date | None = None,
) -> list[ClientRecord]:
    """Clients matching the search text, in Dutch list order (family name, given name).

    ``focus`` narrows the list to the clients with a follow-up this week, an overdue follow-up or
    an open draft (``follow_ups``; ``practitioner_id``: only that practitioner's conversations).
    The conversation count and the next follow-up are read per listed row (correlated on the
    ``client_id`` index), so a page of the list costs the same at 100 or 100,000 clients."""
    require(actor, Permission.VIEW_CLIENTS)
    filters = [*_search_filter(text), *_focus_filter(actor, focus, today, practitioner_id)]
    follow_up = (
        follow_ups.next_follow_up_column()
        if allows(actor, Permission.VIEW_CONVERSATIONS)
        else literal(None, type_=Date)
    )
    query = (
        select(Client, follow_ups.conversation_count_column(), follow_up)
        .where(*filters)
        .order_by(Client.sort_key, Client.birth_date, Client.id)
        .offset(offset)
    )
    if limit is not None:
        query = query.limit(limit)
    return [_record(row, count, next_date) for row, count, next_date in tx.exec(query).all()]


def count_clients(
    tx: Session,
    actor: Actor,
    text: str = "",
    *,
    focus: str = follow_ups.ALL,
    practitioner_id: int | None = None,
    today: date | None = None,
) -> int:
    require(actor, Permission.VIEW_CLIENTS)
    filters = [*_search_filter(text), *_focus_filter(actor, focus, today, practitioner_id)]
    return tx.exec(select(func.count(Client.id)).where(*filters)).one()
