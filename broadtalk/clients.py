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
from functools import lru_cache

from sqlalchemy import Date, and_, bindparam, exists, func, intersect, literal, tuple_
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import Select
from sqlmodel import Session, col, select

from broadtalk import audit, client_order, client_search, follow_ups
from broadtalk.audit import require
from broadtalk.errors import InputError, NotFoundError
from broadtalk.i18n import _, dutch_today, format_short_date, to_display_time
from broadtalk.permissions import Permission, allows
from broadtalk.practitioners import Actor
from broadtalk.store import practice_key
from broadtalk.store.tables import AuditEntry, Client, ClientSearchToken
from broadtalk.text import clean_line, fold

_TOKEN = ClientSearchToken.__table__
_CLIENT = Client.__table__

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


def written_name(given_name: str, name_prefix: str, family_name: str) -> str:
    """A client's name as written: 'Jan van der Berg'."""
    return " ".join(part for part in (given_name, name_prefix, family_name) if part)


def listed_name(given_name: str, name_prefix: str, family_name: str) -> str:
    """A client's name as sorted in Dutch lists: 'Berg, Jan van der'."""
    rest = " ".join(part for part in (given_name, name_prefix) if part)
    return f"{family_name}, {rest}"


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
    #: Where the client stands in the list's order (the next page starts after it: ``search_clients``'s ``after``).
    sort_key: str = field(default="", compare=False, repr=False)

    @property
    def name(self) -> str:
        return written_name(self.given_name, self.name_prefix, self.family_name)

    @property
    def sort_name(self) -> str:
        return listed_name(self.given_name, self.name_prefix, self.family_name)

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


#: ``Session.info`` key: clients are being made in bulk (a demo); their list order on a server is
#: set once at the end (``order_all``), not searched for client by client.
BULK_ORDER = "broadtalk.clients_bulk_order"


def order_text(row) -> str:
    """The folded name a client row sorts by (its names opened with the practice key on a server)."""
    return _sort_key({"family_name": row.family_name, "given_name": row.given_name, "name_prefix": row.name_prefix})


def _list_sort_key(tx: Session, values: dict[str, object], client_id: int) -> str:
    """What ``sort_key`` holds: the folded name in the embedded file, the client's rank in the
    list on a server (``client_order``: the server never sees the name)."""
    text = _sort_key(values)
    connection = tx.connection()
    if practice_key.of(connection) is None:
        return text
    if tx.info.get(BULK_ORDER):
        return client_order.between("", None)  # set with every other client's by ``order_all``
    birth = values["birth_date"]
    assert isinstance(birth, date)
    return client_order.rank_for(connection, (text, birth, client_id), order_text)


def order_all(tx: Session) -> int:
    """After clients were made in bulk (``BULK_ORDER``): on a server every client's rank anew,
    in list order; nothing to do in the embedded file. Returns the clients ranked."""
    tx.info.pop(BULK_ORDER, None)
    connection = tx.connection()
    if practice_key.of(connection) is None:
        return 0
    return client_order.assign_all(connection, order_text)


def new_client_number(tx: Session, rng: random.Random | None = None) -> str:
    """A short, unambiguous number like 'H7K-2PQ', unique in this database."""
    while True:
        if rng is not None:
            raw = "".join(rng.choice(NUMBER_ALPHABET) for _ in range(6))
        else:
            raw = "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(6))
        number = f"{raw[:3]}-{raw[3:]}"
        if tx.connection().execute(_NUMBER_TAKEN, {"number": number}).first() is None:
            return number


#: Core statement, built once (a demo or an import creates thousands of clients).
_NUMBER_TAKEN = select(_CLIENT.c.id).where(_CLIENT.c.client_number == bindparam("number"))
#: The newest client this transaction created, as (the connection's transaction, id).
_LAST_CREATED = "broadtalk.last_created_client"


#: The client table's columns a ``ClientRecord`` does not carry.
_NOT_RECORDED = frozenset({"search_key", "created_at", "updated_at", "created_by_id"})


def _listed_record(row: list, conversation_count: int, next_follow_up: date | None) -> ClientRecord:
    """From a plain row of the client table's columns (no ORM object: a list page is read per keystroke)."""
    values = {name: value for name, value in zip(_CLIENT.c.keys(), row, strict=True) if name not in _NOT_RECORDED}
    values["interpreter_needed"] = bool(values["interpreter_needed"])
    return ClientRecord(**values, conversation_count=conversation_count, next_follow_up=next_follow_up)


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
        sort_key=row.sort_key,
    )


def _unused_client_id(tx: Session) -> int:
    """An id no client ever had: SQLite would hand out an erased client's id again when it was
    the highest, and the audit trail's entries about that person would seem to be about the new one."""
    connection = tx.connection()
    last = tx.info.get(_LAST_CREATED)
    if last is not None and last[0] is connection.get_transaction():
        return last[1] + 1  # nothing since has a higher id: this transaction holds the write lock
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
    client_id = _unused_client_id(tx)
    row = Client(
        **values,
        id=client_id,
        client_number=new_client_number(tx, rng),
        search_key=_search_key(values),
        sort_key=_list_sort_key(tx, values, client_id),
        created_at=now,
        updated_at=now,
        created_by_id=actor.id,
    )
    tx.add(row)
    tx.flush()
    tx.info[_LAST_CREATED] = (tx.connection().get_transaction(), row.id)
    _index(tx, row, new=True)
    audit.record(tx, actor, audit.Action.CREATE, object_type="client", object_id=row.id, client_id=row.id, now=now)
    return _record(row)


def update_client(
    tx: Session, actor: Actor, client_id: int, data: ClientInput, *, now: datetime | None = None
) -> ClientRecord:
    require(actor, Permission.EDIT_CLIENTS, client_id=client_id)
    now = now or datetime.now(UTC)
    row = _row(tx, client_id)
    values = validate(data, to_display_time(now).date())  # "the future" is a Dutch calendar day
    moves = order_text(row) != _sort_key(values) or row.birth_date != values["birth_date"]
    for name, value in values.items():
        setattr(row, name, value)
    row.search_key = _search_key(values)
    if moves:  # a new place in the list (on a server: a new rank, found among the others)
        row.sort_key = _list_sort_key(tx, values, client_id)
    row.updated_at = now
    tx.add(row)
    tx.flush()
    _index(tx, row)
    audit.record(
        tx, actor, audit.Action.CHANGE, object_type="client", object_id=client_id, client_id=client_id, now=now
    )
    return _record(row)


def _search_key_of(tx: Session) -> bytes:
    """The search index's key, read once per transaction (a demo or an import creates thousands of clients in one)."""
    key = tx.info.get("client_search_key")
    if key is None:
        key = tx.info["client_search_key"] = client_search.ensure_key(tx.connection())
    return key


def _index(tx: Session, row: Client, *, new: bool = False) -> None:
    """The client's rows in the search index, as the client now is."""
    assert row.id is not None
    client_search.index_client(
        tx.connection(), _search_key_of(tx), row.id, row.search_key, row.birth_date, row.client_number, new=new
    )


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


#: A word's index rows are counted up to this many, to choose how a page is read (``_walk_the_list``).
COUNTED_UP_TO = 20_000


@lru_cache(maxsize=2)
def _listed_columns(with_follow_up: bool) -> tuple:
    """The per-row columns of the list (built once: an ORM alias costs milliseconds to build)."""
    follow_up = follow_ups.next_follow_up_column() if with_follow_up else literal(None, type_=Date)
    return follow_ups.conversation_count_column(), follow_up


@dataclass(frozen=True)
class _Word:
    tokens: tuple[int, ...]
    #: A word longer than the index's pieces: the folded word, checked against the name.
    check: str | None
    #: Index rows it matches, counted up to ``COUNTED_UP_TO``.
    rows: int
    #: On a server (names encrypted, so never compared by the database): the check as the
    #: tokens of every window of ``LONGEST_PIECE`` letters of the word, all of which the name
    #: must hold (``client_search.window_tokens``).
    windows: tuple[int, ...] = ()


def _words(tx: Session, text: str) -> list[_Word]:
    """The typed words as index look-ups (``client_search``), the rarest first. Every word must
    match: part of the name, the birth date, or the start of the client number."""
    words = []
    connection = tx.connection()
    key: bytes | None = None
    for word in text.split():
        key = key or _search_key_of(tx)
        tokens = tuple(client_search.word_tokens(key, word, parse_date(word)))
        if not tokens:  # nothing left after folding: like an empty word, it matches everyone
            continue
        rows = connection.execute(
            select(func.count()).select_from(
                select(_TOKEN.c.client_id).where(_TOKEN.c.token.in_(tokens)).limit(COUNTED_UP_TO).subquery()
            )
        ).scalar_one()
        check = fold(word) if client_search.needs_check(word) else None
        windows = tuple(client_search.window_tokens(key, word)) if check and practice_key.of(connection) else ()
        words.append(_Word(tokens, check, rows, windows))
    return sorted(words, key=lambda word: word.rows)


def _clients_of(word: _Word) -> Select:
    query = select(_TOKEN.c.client_id).where(_TOKEN.c.token.in_(word.tokens))
    return query.distinct() if len(word.tokens) > 1 else query


def _matching(words: list[_Word]):
    """The ids of the clients every word's index rows name: the words' rows are read in the
    index's own order (one range per word) and intersected, before any client is read."""
    if len(words) == 1:
        return _clients_of(words[0])
    return intersect(*(_clients_of(word) for word in words))


def _read(words: list[_Word]) -> tuple[list[_Word], list[_Word]]:
    """The words whose index rows are read and intersected (those counted below ``COUNTED_UP_TO``,
    at least the rarest) and the others, looked up per client."""
    read = [word for word in words if word.rows < COUNTED_UP_TO] or words[:1]
    return read, [word for word in words if word not in read]


def _has(word: _Word, client_id) -> ColumnElement[bool]:
    """The client (``client_id``: a column) matches the word: one look-up on the index's key."""
    found = _TOKEN.alias()  # Core, not ORM aliases: built per keystroke, they must be cheap
    condition = exists().where(found.c.client_id == client_id, found.c.token.in_(word.tokens))
    return condition if word.check is None else condition & _checked(word, client_id)


def _checked(word: _Word, client_id) -> ColumnElement[bool]:
    """A word longer than the index's pieces is in the client's name (its start was looked up)."""
    if word.windows:
        held = [(_TOKEN.alias(), token) for token in word.windows]
        return and_(*(exists().where(h.c.client_id == client_id, h.c.token == token) for h, token in held))
    assert word.check is not None
    folded = word.check
    named = _CLIENT.alias()
    return exists().where(named.c.id == client_id, named.c.search_key.like(f"%{_like_literal(folded)}%", escape="\\"))


def _walk_the_list(tx: Session, words: list[_Word], limit: int | None) -> bool:
    """Whether a page is found sooner by walking the list in its order (each client looked up in
    the index) than by reading the words' index rows, intersecting them and sorting the clients
    found: for words common enough that a page of matches comes early. Walking costs about
    ``limit`` divided by the share of clients expected to match every word (each word's share
    multiplied, as if independent), at most every client (``max(id)``: no count); reading costs
    about six steps per client found (a client row, read out of list order: measured at 100,000
    clients) and a little per index row read (in the index's order)."""
    if limit is None:  # every match is wanted: the walk would pass every client
        return False
    clients = tx.connection().execute(select(func.max(_CLIENT.c.id))).scalar() or 1

    def share(of: list[_Word]) -> float:
        result = 1.0
        for word in of:
            result *= min(1.0, word.rows / clients)
        return result

    read, _others = _read(words)
    walked = min(clients, limit / share(words)) if share(words) > 0 else clients
    found = clients * share(read)
    if walked >= clients:  # it would pass every client: never a scan of the whole list
        return False
    return walked < 6 * found + sum(word.rows for word in read) / 8


def _search_filter(tx: Session, words: list[_Word], limit: int | None) -> list[ColumnElement[bool]]:
    """Conditions on ``Client``: the rarest word drives (its clients by id) and the others are
    looked up, or, for common words, every word is looked up along the list."""
    if not words:
        return []
    if _walk_the_list(tx, words, limit):
        return [_has(word, Client.id) for word in words]
    read, others = _read(words)
    checked = [_checked(word, Client.id) for word in read if word.check is not None]
    return [col(Client.id).in_(_matching(read)), *checked, *(_has(word, Client.id) for word in others)]


def _focus_filter(actor: Actor, focus: str, today: date | None, practitioner_id: int | None, client_id=None) -> list:
    if focus == follow_ups.ALL:
        return []
    if focus not in follow_ups.FOCUSES:
        raise InputError(_("Unknown list filter '{focus}'.").format(focus=focus))
    require(actor, Permission.VIEW_CONVERSATIONS)  # who has a follow-up or a draft is conversation data
    ids = follow_ups.focus_client_ids(focus, today or dutch_today(), practitioner_id)
    return [col(client_id if client_id is not None else Client.id).in_(ids)] if ids is not None else []


def search_clients(
    tx: Session,
    actor: Actor,
    text: str = "",
    *,
    limit: int | None = None,
    offset: int = 0,
    after: ClientRecord | None = None,
    focus: str = follow_ups.ALL,
    practitioner_id: int | None = None,
    today: date | None = None,
) -> list[ClientRecord]:
    """Clients matching the search text, in Dutch list order (family name, given name).

    Each typed word is looked up in the search index (``client_search``: part of the name, the
    start of the client number, the birth date); no client is scanned. ``after``: the next page
    starts after this client (from the list order's index, ``ix_client_list_order``), so every
    page costs the same however far down the list it is; ``offset`` skips rows instead.
    ``focus`` narrows the list to the clients with a follow-up this week, an overdue follow-up or
    an open draft (``follow_ups``; ``practitioner_id``: only that practitioner's conversations).
    The conversation count and the next follow-up are read per listed row (correlated on the
    ``client_id`` index), so a page of the list costs the same at 100 or 100,000 clients."""
    require(actor, Permission.VIEW_CLIENTS)
    filters = [*_search_filter(tx, _words(tx, text), limit), *_focus_filter(actor, focus, today, practitioner_id)]
    if after is not None:
        filters.append(
            tuple_(col(Client.sort_key), col(Client.birth_date), col(Client.id))
            > tuple_(literal(after.sort_key), literal(after.birth_date, type_=Date), literal(after.id))
        )
    order = (_CLIENT.c.sort_key, _CLIENT.c.birth_date, _CLIENT.c.id)
    page = select(_CLIENT.c.id).where(*filters).order_by(*order).offset(offset)
    if limit is not None:
        page = page.limit(limit)
    # The page's ids first, then their columns: the per-row look-ups are made for the page only,
    # not for every match before sorting.
    listed = page.subquery()
    query = (
        select(*_CLIENT.c, *_listed_columns(allows(actor, Permission.VIEW_CONVERSATIONS)))
        .join_from(_CLIENT, listed, listed.c.id == _CLIENT.c.id)
        .order_by(*order)
    )
    return [_listed_record(row, count, next_date) for *row, count, next_date in tx.connection().execute(query)]


def count_clients(
    tx: Session,
    actor: Actor,
    text: str = "",
    *,
    focus: str = follow_ups.ALL,
    practitioner_id: int | None = None,
    today: date | None = None,
) -> int:
    """How many clients ``search_clients`` lists. With words, counted in the index itself (the
    words' rows intersected, the most common looked up), never by reading every client."""
    require(actor, Permission.VIEW_CLIENTS)
    words = _words(tx, text)
    if not words:
        filters = _focus_filter(actor, focus, today, practitioner_id)
        return tx.exec(select(func.count()).select_from(Client).where(*filters)).one()
    read, others = _read(words)
    found = _matching(read).subquery()
    client_id = found.c.client_id
    query = (
        select(func.count())
        .select_from(found)
        .where(
            *(_checked(word, client_id) for word in read if word.check is not None),
            *(_has(word, client_id) for word in others),
            *_focus_filter(actor, focus, today, practitioner_id, client_id),
        )
    )
    return tx.connection().execute(query).scalar_one()
