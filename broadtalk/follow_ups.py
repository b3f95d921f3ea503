"""What is due, as SQL building blocks: the current follow-up of a client per conversation model,
open drafts, actions due. Shared by ``today`` (the start page) and ``clients`` (the list's next
follow-up column and its filter), so both read the same rules from the same indexes.

A follow-up is *current* when it is the ``follow_up_date`` of a client's latest conversation of a
model that is no longer a draft (completed, or being amended) and no later conversation of that
model has been started: starting the follow-up conversation (a draft) or completing another one
supersedes it. "Later" is by start time, then by id (two conversations started in the same
second). The range on ``follow_up_date`` uses its index (revision 0008); the "no later
conversation" test is a correlated look-up on ``conversation.client_id``'s index, so nothing here
reads all clients.

This module imports nothing of the use cases: ``clients`` builds on it without a cycle.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import ScalarSelect, Select
from sqlmodel import col

from broadtalk.store.tables import Client, Conversation

DRAFT = "draft"  # the same word as conversations.DRAFT; kept here so clients need not import conversations
#: Actions due "soon": overdue, or due within this many days from today.
ACTIONS_AHEAD_DAYS = 7

#: The client list's filters (``focus``): every client, those with a follow-up this week (today up
#: to Sunday), those with an overdue follow-up, those with an open draft.
ALL = ""
FOLLOW_UP_THIS_WEEK = "follow_up_this_week"
FOLLOW_UP_OVERDUE = "follow_up_overdue"
OPEN_DRAFTS = "open_drafts"
FOCUSES = (ALL, FOLLOW_UP_THIS_WEEK, FOLLOW_UP_OVERDUE, OPEN_DRAFTS)


def end_of_week(today: date) -> date:
    """The Sunday of today's week (Monday is the first day of a Dutch week); today on a Sunday."""
    return today + timedelta(days=6 - today.weekday())


def by_practitioner(conversation, practitioner_id: int) -> ColumnElement[bool]:
    """The conversation's practitioner, written so that SQLite walks the date index rather than
    the practitioner's (without statistics it takes an equality for the sharper cut): for a list
    cut at a limit, walking the dates stops early, however many conversations a practitioner
    holds. (A filter that needs every match, like the client list's, does better with the
    practitioner's index: ``current_follow_up_conditions`` uses it.)"""
    return func.coalesce(conversation.practitioner_id, 0) == practitioner_id


def not_superseded(conversation=Conversation) -> ColumnElement[bool]:
    """True when no later conversation of the same client and model has been started."""
    later = aliased(Conversation)
    return ~exists().where(
        later.client_id == conversation.client_id,
        later.model_id == conversation.model_id,
        or_(
            later.started_at > conversation.started_at,
            and_(later.started_at == conversation.started_at, later.id > conversation.id),
        ),
    )


def current_follow_up_conditions(
    conversation=Conversation,
    *,
    after: date | None = None,
    before: date | None = None,
    through: date | None = None,
    practitioner_id: int | None = None,
) -> list[ColumnElement[bool]]:
    """Conditions for a conversation whose follow-up is current, in a date range: ``after`` (on or
    after), ``before`` (strictly before), ``through`` (on or before); ``practitioner_id`` keeps
    only that practitioner's conversations."""
    conditions: list[ColumnElement[bool]] = [
        conversation.follow_up_date.is_not(None),
        conversation.status != DRAFT,
    ]
    if after is not None:
        conditions.append(conversation.follow_up_date >= after)
    if before is not None:
        conditions.append(conversation.follow_up_date < before)
    if through is not None:
        conditions.append(conversation.follow_up_date <= through)
    if practitioner_id is not None:
        conditions.append(conversation.practitioner_id == practitioner_id)
    conditions.append(not_superseded(conversation))
    return conditions


def next_follow_up_column() -> ScalarSelect:
    """A correlated scalar subquery for a select on ``Client``: the client's earliest current
    follow-up date (NULL when none). Read per listed row, on the ``client_id`` index."""
    conversation = aliased(Conversation)
    return (
        select(func.min(conversation.follow_up_date))
        .where(conversation.client_id == Client.id, *current_follow_up_conditions(conversation))
        .correlate(Client)
        .scalar_subquery()
    )


def conversation_count_column() -> ScalarSelect:
    """A correlated count of the client's conversations (per listed row, on the ``client_id`` index)."""
    conversation = aliased(Conversation)
    return (
        select(func.count(conversation.id))
        .where(conversation.client_id == Client.id)
        .correlate(Client)
        .scalar_subquery()
    )


def focus_client_ids(focus: str, today: date, practitioner_id: int | None = None) -> Select | None:
    """The ids of the clients a list filter keeps (None for ``ALL``); ValueError for an unknown focus."""
    if focus == ALL:
        return None
    if focus == OPEN_DRAFTS:
        query = select(Conversation.client_id).where(Conversation.status == DRAFT)
        if practitioner_id is not None:
            query = query.where(Conversation.practitioner_id == practitioner_id)
        return query
    if focus == FOLLOW_UP_THIS_WEEK:
        conditions = current_follow_up_conditions(
            after=today, through=end_of_week(today), practitioner_id=practitioner_id
        )
    elif focus == FOLLOW_UP_OVERDUE:
        conditions = current_follow_up_conditions(before=today, practitioner_id=practitioner_id)
    else:
        raise ValueError(f"unknown focus {focus!r}")
    return select(col(Conversation.client_id)).where(*conditions)
