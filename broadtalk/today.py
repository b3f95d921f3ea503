"""Today: what is waiting for a practitioner at the start of the day, in one use case.

Four lists, each one key away from the client in the app:

- **open drafts**: conversations not yet completed (a draft, or a completed one opened again to
  amend it), with the client, the model and the last edit;
- **follow-ups**: the follow-up date planned at the end of a client's latest conversation of a
  model, while no later conversation of that model has started (``follow_ups``); split into
  *overdue* (before today) and *this week* (today up to Sunday);
- **actions due**: agreed actions not done whose date has passed or falls within
  ``ACTIONS_AHEAD_DAYS`` days;
- **referrals waiting for feedback**: sent (or accepted, or first contact made) with no feedback
  yet, with the days since sending; *overdue* by the same rule as ``referrals`` (the practice's
  ``referral_feedback_due_days`` after the day it was sent).

Dates are Dutch calendar days (``i18n.dutch_today``). *Mine* (the default for care roles) keeps
the conversations the practitioner held and the referrals they made; otherwise the whole
practice's.

Roles: the first three lists are conversation content (what was agreed, when to meet again), so
they need ``VIEW_CONVERSATIONS``. A practice manager or administrator sees only the referrals
waiting for feedback, the whole practice's, without content (client, reference, recipient,
dates: what the overdue-referrals note shows them already). A role that may see neither gets an
empty Today, not a refusal: it is the start page.

The audit trail: like the client list and the referral lists, Today is a list of names and
dates and is not written to the trail entry by entry; opening a client from it goes through the
client's page, which records the view.

Every list is read by one query helper (``_listing``) walking an index in the list's order
(the partial index of open conversations, ``follow_up_date``, the partial index of actions not
done; a follow-up's "no later conversation" is one seek in ``client_id, model_id, started_at``),
joined with the client's name in the same statement (no query per row), and cut at ``limit``
rows with the count beside it (counted up to ``COUNT_CAP`` on the list's own table): at 100,000
clients Today reads what it shows, not the practice. Overdue items come most recent first (the
index walked backwards): a follow-up missed last week matters more than one missed last year.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any, Generic, TypeVar

import yaml
from sqlalchemy import Row, func, join, literal, text
from sqlmodel import Session, col, select

from broadtalk.audit import require
from broadtalk.clients import listed_name, written_name
from broadtalk.conversation_changes import AMENDING
from broadtalk.errors import NotFoundError
from broadtalk.follow_ups import ACTIONS_AHEAD_DAYS, by_practitioner, current_follow_up_conditions, end_of_week
from broadtalk.forms.library import BUILTIN_DIR, find_model
from broadtalk.i18n import dutch_today, pick
from broadtalk.permissions import Permission, allows
from broadtalk.practitioners import Actor
from broadtalk.referral_steps import AWAITING_FEEDBACK
from broadtalk.referrals import feedback_due_days
from broadtalk.store.tables import (
    OPEN_ACTIONS,
    OPEN_CONVERSATIONS,
    Action,
    Client,
    Conversation,
    Practitioner,
    Referral,
)
from broadtalk.text import fold

#: Rows per list; the count says how many there are in all.
DEFAULT_LIMIT = 50
#: Counting stops here: "500 or more" is all a heading needs to say (and all a start page should read).
COUNT_CAP = 500
T = TypeVar("T")


@dataclass(frozen=True)
class ClientRef:
    """Who an item is about, as the client list shows them."""

    id: int
    client_number: str
    given_name: str
    name_prefix: str
    family_name: str

    @property
    def name(self) -> str:
        return written_name(self.given_name, self.name_prefix, self.family_name)

    @property
    def sort_name(self) -> str:
        return listed_name(self.given_name, self.name_prefix, self.family_name)


@dataclass(frozen=True)
class OpenDraft:
    conversation_id: int
    client: ClientRef
    model_id: str
    #: The model's title in the current language (its id when the model is not available here).
    model_title: str
    started_at: datetime
    updated_at: datetime
    #: True for a completed conversation opened again to amend it.
    amending: bool
    practitioner_name: str


class _Due:
    """Something due on a day: overdue when its day has passed."""

    days_overdue: int

    @property
    def overdue(self) -> bool:
        return self.days_overdue > 0


@dataclass(frozen=True)
class DueFollowUp(_Due):
    #: The conversation that planned the follow-up.
    conversation_id: int
    client: ClientRef
    model_id: str
    model_title: str
    follow_up_date: date
    practitioner_name: str
    #: Days past the date (0 today or later).
    days_overdue: int


@dataclass(frozen=True)
class DueAction(_Due):
    action_id: int
    conversation_id: int
    client: ClientRef
    what: str
    who: str
    due_date: date
    practitioner_name: str
    days_overdue: int


@dataclass(frozen=True)
class WaitingReferral:
    referral_id: int
    reference: str
    client: ClientRef
    recipient: str
    status: str
    sent_at: datetime
    #: Days since the day it was sent.
    days_waiting: int
    #: Past the practice's days for feedback (``ReferralView.is_overdue``'s rule).
    overdue: bool
    #: The day by which feedback is expected.
    feedback_due: date


@dataclass(frozen=True)
class TodayList(Generic[T]):
    """Up to ``limit`` items and how many there are in all; counting stops at ``COUNT_CAP``
    (``capped``: there are at least that many), so a long-neglected list costs no more to read."""

    items: tuple[T, ...]
    total: int
    capped: bool = False

    @property
    def more(self) -> int:
        return self.total - len(self.items)


@dataclass(frozen=True)
class Today:
    today: date
    end_of_week: date
    #: Only the practitioner's own items (False: the whole practice's).
    mine: bool
    #: False when the role may not read conversations: drafts, follow-ups and actions stay empty.
    shows_conversations: bool
    drafts: TodayList[OpenDraft]
    overdue_follow_ups: TodayList[DueFollowUp]
    follow_ups_this_week: TodayList[DueFollowUp]
    #: Due from today up to ``ACTIONS_AHEAD_DAYS`` days ahead, soonest first.
    actions_soon: TodayList[DueAction]
    #: Past their date, the most recent first.
    actions_overdue: TodayList[DueAction]
    referrals: TodayList[WaitingReferral]
    feedback_due_days: int
    #: How many of the referrals waiting are past the days for feedback.
    referrals_overdue: int = 0

    @property
    def actions(self) -> TodayList[DueAction]:
        """The actions due soon, then the overdue ones."""
        soon, late = self.actions_soon, self.actions_overdue
        return TodayList(soon.items + late.items, soon.total + late.total, soon.capped or late.capped)

    @property
    def is_empty(self) -> bool:
        return not any(
            part.total
            for part in (self.drafts, self.overdue_follow_ups, self.follow_ups_this_week, self.actions, self.referrals)
        )


def _empty() -> TodayList:
    return TodayList((), 0)


@lru_cache(maxsize=1)
def _builtin_titles() -> dict[tuple[str, int], dict[str, str]]:
    """The titles of the built-in models, read from the top of their files without loading the
    whole models (which takes a noticeable part of a second: Today is the start page). A file's
    name is ``<id>.v<version>.yaml`` (``library.builtin_models`` insists); its top-level ``title``
    block is read alone. A file this cannot read is left out (its title comes from the model)."""
    titles: dict[tuple[str, int], dict[str, str]] = {}
    for path in BUILTIN_DIR.glob("*.yaml"):
        model_id, _dot, version = path.stem.rpartition(".v")
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
            start = next(i for i, line in enumerate(lines) if line.startswith("title:"))
            end = next(
                (i for i in range(start + 1, len(lines)) if lines[i][:1] not in ("", " ", "#", "\t")), len(lines)
            )
            title = yaml.safe_load("\n".join(lines[start:end]))["title"]
            if isinstance(title, dict) and all(isinstance(v, str) for v in title.values()):
                titles[(model_id, int(version))] = title
        except (OSError, StopIteration, ValueError, KeyError, TypeError, yaml.YAMLError):
            continue
    return titles


class _Titles:
    """Model titles looked up once per (id, version); a model not available here shows its id."""

    def __init__(self, tx: Session):
        self._tx = tx
        self._cache: dict[tuple[str, int], str] = {}

    def __call__(self, model_id: str, version: int) -> str:
        key = (model_id, version)
        if key not in self._cache:
            builtin = _builtin_titles().get(key)
            if builtin is not None:
                self._cache[key] = pick(builtin)
            else:
                try:
                    self._cache[key] = find_model(self._tx, model_id, version).display_title()
                except NotFoundError:
                    self._cache[key] = model_id
        return self._cache[key]


def _client(row) -> ClientRef:
    return ClientRef(row.client_id, row.client_number, row.given_name, row.name_prefix, row.family_name)


def _listing(
    tx: Session,
    *columns,
    source,
    client_id,
    practitioner_id,
    where: list,
    order_by: list,
    limit: int,
    make: Callable[[Row], T],
    arrange: Callable[[T], Any] | None = None,
) -> TodayList[T]:
    """One of Today's lists: ``columns`` of ``source`` with, in the same statement, the client's
    name and number and the practitioner's name (``client_id``/``practitioner_id``: the columns of
    ``source`` that say whose), ``where`` in ``order_by`` order, up to ``limit`` items made by
    ``make``, then sorted by ``arrange`` (stable); their total is counted (up to ``COUNT_CAP``, on
    ``source`` alone, in the order of ``order_by``'s first term, which must be a column of
    ``source``) only when the list was cut. ``order_by`` should be an index's own order, so the
    walk stops at the limit: a term of another table (the client's name) would make the
    database read every item of the first date before sorting; ``arrange`` sorts what is shown."""
    query = (
        select(
            *columns,
            col(Client.id).label("client_id"),
            col(Client.client_number).label("client_number"),
            col(Client.given_name).label("given_name"),
            col(Client.name_prefix).label("name_prefix"),
            col(Client.family_name).label("family_name"),
            col(Practitioner.name).label("practitioner_name"),
        )
        .select_from(source)
        .join(Client, col(Client.id) == client_id)
        .outerjoin(Practitioner, col(Practitioner.id) == practitioner_id)
        .where(*where)
        .order_by(*order_by)
        .limit(limit)
    )
    items = tuple(make(row) for row in tx.exec(query).all())
    if arrange is not None:
        items = tuple(sorted(items, key=arrange))
    if len(items) < limit:
        return TodayList(items, len(items))
    # Counted along the same index in the same direction: the items nearest today are the likeliest
    # to count (an old follow-up is mostly superseded), so the count stops at the cap soonest.
    counted = select(literal(1)).select_from(source).where(*where).order_by(order_by[0]).limit(COUNT_CAP).subquery()
    total = tx.exec(select(func.count()).select_from(counted)).one()
    return TodayList(items, total, capped=total >= COUNT_CAP)


def _made(kind: type[T], row: Row, **computed) -> T:
    """An item of a list from its row: the fields named as the row's columns, the client, and
    what is ``computed``."""
    columns = row._mapping
    values = {item.name: columns[item.name] for item in fields(kind) if item.name in columns}
    if "practitioner_name" in values:
        values["practitioner_name"] = values["practitioner_name"] or ""  # the account may be gone
    return kind(**values, client=_client(row), **computed)


def _by_day_then_name(latest_first: bool, day: Callable[[Any], date]) -> Callable[[Any], tuple]:
    """Items of one day in the client list's order (family name, given name)."""

    def key(item) -> tuple:
        ordinal = day(item).toordinal()
        return (-ordinal if latest_first else ordinal, fold(item.client.sort_name))

    return key


def _days_late(today: date, day: date) -> int:
    return max(0, (today - day).days)


def _drafts(tx: Session, practitioner_id: int | None, limit: int, titles: _Titles) -> TodayList[OpenDraft]:
    """The open conversations, last edited first: a walk back along the partial index
    ``ix_conversation_open`` (its condition written as the index says it)."""
    where = [text(OPEN_CONVERSATIONS)]
    if practitioner_id is not None:
        where.append(by_practitioner(Conversation, practitioner_id))

    def draft(row: Row) -> OpenDraft:
        return _made(
            OpenDraft, row, model_title=titles(row.model_id, row.model_version), amending=row.status == AMENDING
        )

    return _listing(
        tx,
        col(Conversation.id).label("conversation_id"),
        Conversation.model_id,
        Conversation.model_version,
        Conversation.status,
        Conversation.started_at,
        Conversation.updated_at,
        **_held_in_conversation(),
        where=where,
        order_by=[col(Conversation.updated_at).desc(), col(Conversation.id).desc()],
        limit=limit,
        make=draft,
    )


def _held_in_conversation(source=Conversation) -> dict:
    """Whose: the conversation's client and practitioner."""
    return {
        "source": source,
        "client_id": col(Conversation.client_id),
        "practitioner_id": col(Conversation.practitioner_id),
    }


def _follow_ups(
    tx: Session, today: date, practitioner_id: int | None, limit: int, titles: _Titles, *, overdue: bool
) -> TodayList[DueFollowUp]:
    """Overdue (most recent first) or this week (soonest first): a walk along the
    ``follow_up_date`` index, stopped at the limit."""
    if overdue:
        where = current_follow_up_conditions(before=today)
    else:
        where = current_follow_up_conditions(after=today, through=end_of_week(today))
    if practitioner_id is not None:
        where.append(by_practitioner(Conversation, practitioner_id))
    day = col(Conversation.follow_up_date)

    def follow_up(row: Row) -> DueFollowUp:
        return _made(
            DueFollowUp,
            row,
            model_title=titles(row.model_id, row.model_version),
            days_overdue=_days_late(today, row.follow_up_date),
        )

    return _listing(
        tx,
        col(Conversation.id).label("conversation_id"),
        Conversation.model_id,
        Conversation.model_version,
        Conversation.follow_up_date,
        **_held_in_conversation(),
        where=where,
        order_by=[day.desc() if overdue else day, col(Conversation.id).desc() if overdue else col(Conversation.id)],
        limit=limit,
        make=follow_up,
        arrange=_by_day_then_name(overdue, lambda item: item.follow_up_date),
    )


def _actions(
    tx: Session, today: date, practitioner_id: int | None, limit: int, *, overdue: bool
) -> TodayList[DueAction]:
    """Due soon (soonest first) or overdue (most recent first): a walk along the ``due_date``
    index, stopped at the limit."""
    due = col(Action.due_date)
    in_range = due < today if overdue else (due >= today) & (due <= today + timedelta(days=ACTIONS_AHEAD_DAYS))
    where = [due.is_not(None), in_range, text(OPEN_ACTIONS)]  # as the partial index ``ix_action_open_due`` says it
    if practitioner_id is not None:
        where.append(by_practitioner(Conversation, practitioner_id))

    def action(row: Row) -> DueAction:
        return _made(DueAction, row, days_overdue=_days_late(today, row.due_date))

    return _listing(
        tx,
        col(Action.id).label("action_id"),
        Action.conversation_id,
        Action.what,
        Action.who,
        Action.due_date,
        **_held_in_conversation(join(Action, Conversation, col(Conversation.id) == col(Action.conversation_id))),
        where=where,
        order_by=[due.desc() if overdue else due, col(Action.id).desc() if overdue else col(Action.id)],
        limit=limit,
        make=action,
        arrange=_by_day_then_name(overdue, lambda item: item.due_date),
    )


def _referrals(
    tx: Session, today: date, practitioner_id: int | None, limit: int, due_days: int
) -> TodayList[WaitingReferral]:
    """Sent and waiting for feedback, the longest waiting first."""
    where = [col(Referral.status).in_(AWAITING_FEEDBACK), col(Referral.sent_at).is_not(None)]
    if practitioner_id is not None:
        where.append(Referral.created_by_id == practitioner_id)

    def waiting(row: Row) -> WaitingReferral:
        # The day sent as ``ReferralView.feedback_due`` and ``is_overdue`` count it.
        sent_day = row.sent_at.date()
        due = sent_day + timedelta(days=due_days)
        return _made(
            WaitingReferral,
            row,
            days_waiting=_days_late(today, sent_day),
            overdue=due < today,
            feedback_due=due,
        )

    return _listing(
        tx,
        col(Referral.id).label("referral_id"),
        Referral.reference,
        Referral.recipient,
        Referral.status,
        Referral.sent_at,
        source=Referral,
        client_id=col(Referral.client_id),
        practitioner_id=col(Referral.created_by_id),
        where=where,
        order_by=[col(Referral.sent_at), col(Referral.id)],
        limit=limit,
        make=waiting,
    )


def _count_overdue_referrals(tx: Session, today: date, practitioner_id: int | None, due_days: int) -> int:
    # sent_at.date() + due_days < today, as ``ReferralView.is_overdue``: sent before that day's start (UTC).
    last_day = today - timedelta(days=due_days)
    before = datetime(last_day.year, last_day.month, last_day.day, tzinfo=UTC)
    query = select(func.count(col(Referral.id))).where(
        col(Referral.status).in_(AWAITING_FEEDBACK), col(Referral.sent_at) < before
    )
    if practitioner_id is not None:
        query = query.where(Referral.created_by_id == practitioner_id)
    return tx.exec(query).one()


def count_overdue_referrals(tx: Session, actor: Actor, *, today: date | None = None) -> int:
    """How many of the practice's referrals wait longer than the practice's days for feedback
    (``ReferralView.is_overdue``): one count, for the note at start-up; not audited (a number)."""
    require(actor, Permission.VIEW_REFERRAL_STATUS)
    return _count_overdue_referrals(tx, today or dutch_today(), None, feedback_due_days(tx))


def today_overview(
    tx: Session,
    actor: Actor,
    *,
    mine: bool | None = None,
    today: date | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Today:
    """What is waiting today. ``mine`` None: the practitioner's own for care roles (who hold
    conversations), the whole practice's for the others."""
    require(actor, Permission.VIEW_CLIENTS)
    today = today or dutch_today()
    conversations = allows(actor, Permission.VIEW_CONVERSATIONS)
    referrals = allows(actor, Permission.VIEW_REFERRAL_STATUS)
    if mine is None:
        mine = allows(actor, Permission.HOLD_CONVERSATIONS)
    practitioner_id = actor.id if mine else None
    titles = _Titles(tx)
    due_days = feedback_due_days(tx)
    if conversations:
        drafts = _drafts(tx, practitioner_id, limit, titles)
        overdue = _follow_ups(tx, today, practitioner_id, limit, titles, overdue=True)
        this_week = _follow_ups(tx, today, practitioner_id, limit, titles, overdue=False)
        soon = _actions(tx, today, practitioner_id, limit, overdue=False)
        late = _actions(tx, today, practitioner_id, limit, overdue=True)
    else:
        drafts, overdue, this_week, soon, late = _empty(), _empty(), _empty(), _empty(), _empty()
    waiting = _referrals(tx, today, practitioner_id, limit, due_days) if referrals else _empty()
    overdue_referrals = sum(1 for item in waiting.items if item.overdue)
    if waiting.more:  # the list was cut: count the overdue ones in the database
        overdue_referrals = _count_overdue_referrals(tx, today, practitioner_id, due_days)
    return Today(
        today=today,
        end_of_week=end_of_week(today),
        mine=mine,
        shows_conversations=conversations,
        drafts=drafts,
        overdue_follow_ups=overdue,
        follow_ups_this_week=this_week,
        actions_soon=soon,
        actions_overdue=late,
        referrals=waiting,
        feedback_due_days=due_days,
        referrals_overdue=overdue_referrals,
    )
