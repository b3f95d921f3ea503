"""A client's history: every conversation, goal and agreed action, as plain values for one screen.

The client page shows what happened with a client over time: the conversations held (newest
first), the goals agreed in them and the actions that follow from them. Ticking off an action
later is ordinary follow-up work, so it is allowed on completed conversations too; everything
else about a completed conversation stays read-only (``conversations``).

The history shows what was agreed (goals, actions), so it needs ``VIEW_CONVERSATIONS``: a practice
manager is refused here and sees a client's referrals (their status) instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from broadtalk import audit
from broadtalk.audit import require
from broadtalk.clients import ClientRecord, get_client
from broadtalk.conversations import COMPLETED
from broadtalk.errors import NotFoundError
from broadtalk.forms.library import find_model
from broadtalk.forms.schema import ConversationModel
from broadtalk.i18n import _, pick
from broadtalk.permissions import Permission, allows
from broadtalk.practitioners import Actor
from broadtalk.store.tables import Action, Conversation, Goal, Practitioner


@dataclass(frozen=True)
class ConversationEntry:
    """One conversation in the client's history."""

    id: int
    model_id: str
    model_version: int
    #: The model's title in the current language; the model id when the model is not available here.
    model_title: str
    status: str
    started_at: datetime
    completed_at: datetime | None
    #: Empty when the practitioner is no longer known.
    practitioner_name: str
    duration_seconds: int

    @property
    def is_completed(self) -> bool:
        return self.status == COMPLETED


@dataclass(frozen=True)
class AgreedGoal:
    """A goal agreed in one of the client's conversations."""

    id: int
    conversation_id: int
    conversation_started_at: datetime
    description: str
    domain_id: str | None
    #: The domain's title in the current language ("" without a domain; the id when unknown).
    domain_title: str
    position: int


@dataclass(frozen=True)
class AgreedAction:
    """An agreed action: what, who, by when, whether it is done, and from which conversation."""

    id: int
    conversation_id: int
    conversation_started_at: datetime
    what: str
    who: str
    due_date: date | None
    done: bool
    goal_id: int | None
    position: int


@dataclass(frozen=True)
class ClientHistory:
    client: ClientRecord
    #: Newest first.
    conversations: tuple[ConversationEntry, ...]
    #: Newest conversation first, then in the order they were agreed.
    goals: tuple[AgreedGoal, ...]
    #: Open actions first, then by due date (no date last).
    actions: tuple[AgreedAction, ...]

    @property
    def open_actions(self) -> tuple[AgreedAction, ...]:
        return tuple(a for a in self.actions if not a.done)


class _Models:
    """Conversation models looked up once per history; a missing one is remembered as None."""

    def __init__(self, tx: Session):
        self._tx = tx
        self._cache: dict[tuple[str, int], ConversationModel | None] = {}

    def get(self, model_id: str, version: int) -> ConversationModel | None:
        key = (model_id, version)
        if key not in self._cache:
            try:
                self._cache[key] = find_model(self._tx, model_id, version)
            except NotFoundError:  # a practice's own model that was never imported here
                self._cache[key] = None
        return self._cache[key]

    def title(self, model_id: str, version: int) -> str:
        model = self.get(model_id, version)
        return model.display_title() if model is not None else model_id

    def domain_title(self, model_id: str, version: int, domain_id: str | None) -> str:
        if domain_id is None:
            return ""
        model = self.get(model_id, version)
        domain = model.domain(domain_id) if model is not None else None
        return pick(domain.title) if domain is not None else domain_id


def _action_sort_key(action: AgreedAction) -> tuple:
    # Open before done; dated before undated, earliest first; then newest conversation, agreed order.
    return (
        action.done,
        action.due_date is None,
        action.due_date or date.max,
        -action.conversation_started_at.timestamp(),
        action.position,
        action.id,
    )


def _agreed_action(row: Action, started_at: datetime) -> AgreedAction:
    assert row.id is not None
    return AgreedAction(
        id=row.id,
        conversation_id=row.conversation_id,
        conversation_started_at=started_at,
        what=row.what,
        who=row.who,
        due_date=row.due_date,
        done=row.done,
        goal_id=row.goal_id,
        position=row.position,
    )


def client_history(tx: Session, actor: Actor, client_id: int) -> ClientHistory:
    """The client with all their conversations, goals and actions; NotFoundError for an unknown client.

    Opening it is recorded as a view of the client's record (``get_client``)."""
    require(actor, Permission.VIEW_CONVERSATIONS, client_id=client_id)
    client = get_client(tx, actor, client_id)
    models = _Models(tx)
    rows = tx.exec(
        select(Conversation, Practitioner.name)
        .outerjoin(Practitioner, col(Practitioner.id) == col(Conversation.practitioner_id))
        .where(Conversation.client_id == client_id)
        .order_by(col(Conversation.started_at).desc(), col(Conversation.id).desc())
    ).all()
    conversations = []
    for row, practitioner_name in rows:
        assert row.id is not None
        conversations.append(
            ConversationEntry(
                id=row.id,
                model_id=row.model_id,
                model_version=row.model_version,
                model_title=models.title(row.model_id, row.model_version),
                status=row.status,
                started_at=row.started_at,
                completed_at=row.completed_at,
                practitioner_name=practitioner_name or "",
                duration_seconds=row.duration_seconds,
            )
        )
    by_id = {row.id: row for row, _name in rows}
    order = {conversation.id: index for index, conversation in enumerate(conversations)}

    goal_rows = tx.exec(
        select(Goal)
        .join(Conversation, col(Conversation.id) == col(Goal.conversation_id))
        .where(Conversation.client_id == client_id)
    ).all()
    goals = []
    for goal in sorted(goal_rows, key=lambda g: (order[g.conversation_id], g.position, g.id)):
        assert goal.id is not None
        conversation = by_id[goal.conversation_id]
        goals.append(
            AgreedGoal(
                id=goal.id,
                conversation_id=goal.conversation_id,
                conversation_started_at=conversation.started_at,
                description=goal.description,
                domain_id=goal.domain_id,
                domain_title=models.domain_title(conversation.model_id, conversation.model_version, goal.domain_id),
                position=goal.position,
            )
        )

    action_rows = tx.exec(
        select(Action)
        .join(Conversation, col(Conversation.id) == col(Action.conversation_id))
        .where(Conversation.client_id == client_id)
    ).all()
    actions = sorted(
        (_agreed_action(action, by_id[action.conversation_id].started_at) for action in action_rows),
        key=_action_sort_key,
    )
    return ClientHistory(client=client, conversations=tuple(conversations), goals=tuple(goals), actions=tuple(actions))


def visible_history(tx: Session, actor: Actor, client_id: int) -> ClientHistory:
    """What this practitioner may see of a client: the whole history for the care roles; for a
    practice manager or administrator only the client's details (no conversations, goals or
    actions), so the client page can still show the referrals' status."""
    if allows(actor, Permission.VIEW_CONVERSATIONS):
        return client_history(tx, actor, client_id)
    return ClientHistory(client=get_client(tx, actor, client_id), conversations=(), goals=(), actions=())


def set_action_done(tx: Session, actor: Actor, action_id: int, done: bool) -> AgreedAction:
    """Tick an agreed action off (or on again); allowed on completed conversations too.

    Who ticked it and when is written to the audit trail (the action row keeps only done or not)."""
    row = tx.get(Action, action_id)
    conversation = tx.get(Conversation, row.conversation_id) if row is not None else None
    require(actor, Permission.HOLD_CONVERSATIONS, client_id=conversation.client_id if conversation else None)
    if row is None:
        raise NotFoundError(_("There is no action with number {id}; it may have been removed.").format(id=action_id))
    assert conversation is not None  # the foreign key guarantees it
    row.done = bool(done)
    tx.add(row)
    tx.flush()
    audit.record(
        tx,
        actor,
        audit.Action.CHANGE,
        object_type="action",
        object_id=action_id,
        client_id=conversation.client_id,
        detail="done" if row.done else "not_done",
    )
    return _agreed_action(row, conversation.started_at)
