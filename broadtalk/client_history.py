"""A client's history: every conversation, goal and agreed action, as plain values for one screen.

The client page shows what happened with a client over time: the conversations held (newest
first), the goals agreed in them and the actions that follow from them. Ticking off an action
later is ordinary follow-up work, so it is allowed on completed conversations too; everything
else about a completed conversation stays read-only (``conversations``).

The history shows what was agreed (goals, actions), so it needs ``VIEW_CONVERSATIONS``: a practice
manager is refused here and sees a client's referrals (their status) instead.

``score_trends`` / ``client_trends`` give how things moved: per conversation model every
conversation of the client in date order with, per scored domain, the professional's score and
the client's own score. A domain that was skipped has None (never 0): a chart draws a gap there.
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
from broadtalk.store.tables import Action, Conversation, DomainAssessment, Goal, Practitioner


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
    #: The action's life domain: its goal's domain, else its own (None without one).
    domain_id: str | None = None
    #: The domain's title in the current language ("" without a domain; the id when unknown).
    domain_title: str = ""


@dataclass(frozen=True)
class FollowUp:
    """The follow-up conversation planned at the end of the client's latest conversation."""

    follow_up_date: date
    conversation_id: int
    conversation_started_at: datetime


@dataclass(frozen=True)
class ClientHistory:
    client: ClientRecord
    #: Newest first.
    conversations: tuple[ConversationEntry, ...]
    #: Newest conversation first, then in the order they were agreed.
    goals: tuple[AgreedGoal, ...]
    #: Open actions first, then by due date (no date last).
    actions: tuple[AgreedAction, ...]
    #: The follow-up date of the latest conversation, when one was planned.
    follow_up: FollowUp | None = None

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


def _agreed_action(
    row: Action, started_at: datetime, domain_id: str | None = None, domain_title: str = ""
) -> AgreedAction:
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
        domain_id=domain_id,
        domain_title=domain_title,
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
    goal_domains = {goal.id: goal.domain_id for goal in goal_rows}

    def agreed(action: Action) -> AgreedAction:
        conversation = by_id[action.conversation_id]
        # An action serving a goal has the goal's domain; one without a goal its own.
        domain_id = goal_domains.get(action.goal_id) if action.goal_id is not None else action.domain_id
        title = models.domain_title(conversation.model_id, conversation.model_version, domain_id)
        return _agreed_action(action, conversation.started_at, domain_id, title)

    actions = sorted((agreed(action) for action in action_rows), key=_action_sort_key)
    follow_up = None
    if rows and rows[0][0].follow_up_date is not None:
        latest = rows[0][0]
        assert latest.id is not None and latest.follow_up_date is not None
        follow_up = FollowUp(latest.follow_up_date, latest.id, latest.started_at)
    return ClientHistory(
        client=client,
        conversations=tuple(conversations),
        goals=tuple(goals),
        actions=tuple(actions),
        follow_up=follow_up,
    )


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


# -- how things moved ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TrendDomain:
    """A scored domain of a model, on its full scale."""

    domain_id: str
    #: The title in the current language.
    title: str
    #: The short title for charts (the title when the model gives none).
    label: str
    colour: str
    minimum: int
    maximum: int


@dataclass(frozen=True)
class DomainScores:
    """One domain in one conversation: None where it was skipped or not scored, never 0."""

    domain_id: str
    score: int | None
    client_score: int | None


@dataclass(frozen=True)
class TrendConversation:
    id: int
    started_at: datetime
    is_completed: bool
    #: One entry per domain of the model, in the model's order.
    domains: tuple[DomainScores, ...]

    def scores(self, domain_id: str) -> DomainScores:
        return next(d for d in self.domains if d.domain_id == domain_id)

    def score(self, domain_id: str) -> int | None:
        return self.scores(domain_id).score

    def client_score(self, domain_id: str) -> int | None:
        return self.scores(domain_id).client_score


@dataclass(frozen=True)
class ModelTrends:
    """Every conversation of one model with a client, oldest first, with its scores per domain."""

    model_id: str
    #: The newest version among the client's conversations (its domains and scales are used).
    model_version: int
    model_title: str
    domains: tuple[TrendDomain, ...]
    #: Oldest first.
    conversations: tuple[TrendConversation, ...]

    @property
    def first(self) -> TrendConversation | None:
        return self.conversations[0] if self.conversations else None

    @property
    def latest(self) -> TrendConversation | None:
        return self.conversations[-1] if self.conversations else None

    @property
    def has_client_scores(self) -> bool:
        return any(d.client_score is not None for c in self.conversations for d in c.domains)

    def domain(self, domain_id: str) -> TrendDomain | None:
        return next((d for d in self.domains if d.domain_id == domain_id), None)

    def series(self, domain_id: str) -> tuple[tuple[datetime, int | None, int | None], ...]:
        """(date, professional's score, client's own score) for every conversation, oldest first."""
        return tuple((c.started_at, c.score(domain_id), c.client_score(domain_id)) for c in self.conversations)


def _trend_domains(models: _Models, model_id: str, versions: list[int]) -> tuple[tuple[TrendDomain, ...], int, str]:
    """The scored domains of a model over the versions used: the newest version's first, then
    domains only older versions had. Unscored domains (a scale of None) are left out."""
    domains: list[TrendDomain] = []
    seen: set[str] = set()
    title = model_id
    newest = max(versions)
    for version in sorted(set(versions), reverse=True):
        model = models.get(model_id, version)
        if model is None:
            continue
        if version == newest:
            title = model.display_title()
        for domain in model.domains:
            scale = model.scale_of(domain)
            if scale is None or domain.id in seen:
                continue
            seen.add(domain.id)
            domains.append(
                TrendDomain(
                    domain.id, pick(domain.title), model.domain_label(domain), domain.colour, scale.min, scale.max
                )
            )
    return tuple(domains), newest, title


def _trends(tx: Session, client_id: int, model_id: str | None) -> tuple[ModelTrends, ...]:
    query = (
        select(
            Conversation.id,
            Conversation.model_id,
            Conversation.model_version,
            Conversation.started_at,
            Conversation.status,
            DomainAssessment.domain_id,
            DomainAssessment.score,
            DomainAssessment.client_score,
        )
        .outerjoin(DomainAssessment, col(DomainAssessment.conversation_id) == col(Conversation.id))
        .where(Conversation.client_id == client_id)
        .order_by(col(Conversation.started_at), col(Conversation.id))
    )
    if model_id is not None:
        query = query.where(Conversation.model_id == model_id)
    rows = tx.exec(query).all()
    models = _Models(tx)
    # model id -> conversation id -> (started, status, version, {domain: (score, own)})
    grouped: dict[str, dict[int, tuple[datetime, str, int, dict[str, tuple[int | None, int | None]]]]] = {}
    for conversation_id, model, version, started_at, status, domain_id, score, own in rows:
        entry = grouped.setdefault(model, {}).setdefault(conversation_id, (started_at, status, version, {}))
        if domain_id is not None:
            entry[3][domain_id] = (score, own)
    result = []
    for model, conversations in grouped.items():
        domains, newest, title = _trend_domains(models, model, [c[2] for c in conversations.values()])
        if not domains:  # a model without scores (4D) has nothing to move
            continue
        trend_conversations = tuple(
            TrendConversation(
                id=conversation_id,
                started_at=started_at,
                is_completed=status == COMPLETED,
                domains=tuple(DomainScores(d.domain_id, *scores.get(d.domain_id, (None, None))) for d in domains),
            )
            for conversation_id, (started_at, status, _version, scores) in conversations.items()
        )
        if not any(d.score is not None or d.client_score is not None for c in trend_conversations for d in c.domains):
            continue  # held, but nothing scored yet: nothing has moved
        result.append(ModelTrends(model, newest, title, domains, trend_conversations))
    # The model of the newest conversation first: that is what the practitioner looks at now.
    result.sort(key=lambda trends: trends.conversations[-1].started_at, reverse=True)
    return tuple(result)


def client_trends(tx: Session, actor: Actor, client_id: int) -> tuple[ModelTrends, ...]:
    """How things moved with a client, per conversation model (the model of the newest
    conversation first); models without scored domains, or without any score yet, are left out. NotFoundError for an
    unknown client. Recorded as a view of the client's record, like the history."""
    require(actor, Permission.VIEW_CONVERSATIONS, client_id=client_id)
    get_client(tx, actor, client_id)
    return _trends(tx, client_id, None)


def score_trends(tx: Session, actor: Actor, client_id: int, model_id: str) -> ModelTrends | None:
    """Every conversation of one model with the client in date order, with per domain the
    professional's and the client's own score (None where skipped); None when the client has no
    conversation of that model (or the model has no scores)."""
    require(actor, Permission.VIEW_CONVERSATIONS, client_id=client_id)
    get_client(tx, actor, client_id)
    found = _trends(tx, client_id, model_id)
    return found[0] if found else None
