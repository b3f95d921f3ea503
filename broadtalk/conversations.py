"""The broad conversation: start it, record what is said per domain, agree goals, complete it.

Each function is one use case, run inside the caller's transaction (``Database.transaction``),
and takes the acting practitioner. Input is checked against the conversation model the
conversation is pinned to; a completed conversation is read-only.

Roles: reading a conversation (scores, own words, notes, goals) needs ``VIEW_CONVERSATIONS``,
holding or changing one ``HOLD_CONVERSATIONS``. The audit trail gets a view when a conversation
is opened and a change when it is written; the autosave writes every few hundred milliseconds,
so a practitioner's changes to one conversation are one entry per ``audit.REPEAT_WINDOW``
(completing and amending are always recorded).
"""

from __future__ import annotations

import json
import math
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import delete, event, func
from sqlalchemy.orm import object_session
from sqlmodel import Session, select

from broadtalk import audit
from broadtalk.audit import require
from broadtalk.conversation_changes import AMENDING, log_change, start_amendment_log
from broadtalk.errors import InputError, NotFoundError, RefusedError
from broadtalk.forms.conditions import enabled_link_ids
from broadtalk.forms.library import find_model
from broadtalk.forms.schema import ConversationModel, Domain, Item, ItemType
from broadtalk.i18n import _, format_datetime, pick
from broadtalk.permissions import Permission
from broadtalk.practitioners import Actor
from broadtalk.store.tables import Action, Answer, AuditEntry, Client, Conversation, DomainAssessment, Goal
from broadtalk.text import clean_block, clean_line

DRAFT = "draft"
COMPLETED = "completed"
# AMENDING (from conversation_changes): a completed conversation opened again on purpose.
MAX_TEXT = 20_000  # a long story fits; a pasted book does not


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


#: "Leave this field as it is" for partial updates.
UNSET: Any = _Unset()


@dataclass(frozen=True)
class AssessmentView:
    domain_id: str
    score: int | None = None
    notes: str = ""
    own_words: str = ""
    important: bool = False
    priority_rank: int | None = None
    #: The client's own score, set by the client in the client view (beside the practitioner's).
    client_score: int | None = None
    #: The client marked "I want to talk about this" in the client view.
    client_wants_to_talk: bool = False


@dataclass(frozen=True)
class GoalView:
    id: int
    description: str
    domain_id: str | None
    position: int


@dataclass(frozen=True)
class ActionView:
    id: int
    what: str
    who: str
    due_date: date | None
    goal_id: int | None
    done: bool
    position: int
    #: The action's own life domain when it serves no goal (one serving a goal has the goal's).
    domain_id: str | None = None


@dataclass(frozen=True)
class ConversationSummary:
    id: int
    client_id: int
    model_id: str
    model_version: int
    status: str
    started_at: datetime
    completed_at: datetime | None
    practitioner_id: int | None
    current_step: str = ""
    amended_at: datetime | None = None
    #: Counted up by every change (``unchanged_elsewhere``).
    version: int = 1

    @property
    def is_completed(self) -> bool:
        return self.status == COMPLETED

    @property
    def is_editable(self) -> bool:
        return self.status in (DRAFT, AMENDING)


@dataclass(frozen=True)
class ConversationSnapshot:
    """Everything recorded in one conversation, as plain values."""

    summary: ConversationSummary
    duration_seconds: int
    what_matters_most: str
    follow_up_date: date | None
    answers: dict[str, Any] = field(default_factory=dict)
    assessments: dict[str, AssessmentView] = field(default_factory=dict)
    goals: list[GoalView] = field(default_factory=list)
    actions: list[ActionView] = field(default_factory=list)

    def scores(self) -> dict[str, int]:
        return {d: a.score for d, a in self.assessments.items() if a.score is not None}

    def ranking(self) -> list[str]:
        """Domain ids in the client's order of priority."""
        ranked = [a for a in self.assessments.values() if a.priority_rank is not None]
        return [a.domain_id for a in sorted(ranked, key=lambda a: a.priority_rank or 0)]


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def _conversation(tx: Session, conversation_id: int) -> Conversation:
    row = tx.get(Conversation, conversation_id)
    if row is None:
        raise NotFoundError(_("There is no conversation with number {id}.").format(id=conversation_id))
    return row


def _allowed(tx: Session, actor: Actor, permission: Permission, conversation_id: int) -> Conversation:
    """The conversation, once the actor's role allows ``permission`` (checked before anything else
    is said about it, so a refusal does not tell whether it exists)."""
    row = tx.get(Conversation, conversation_id)
    require(actor, permission, client_id=row.client_id if row is not None else None)
    return _conversation(tx, conversation_id)


def _editable(tx: Session, actor: Actor, conversation_id: int) -> Conversation:
    row = _allowed(tx, actor, Permission.HOLD_CONVERSATIONS, conversation_id)
    if row.status == COMPLETED:
        raise RefusedError(
            _("This conversation is completed and can no longer be changed; choose 'Amend' to correct it.")
        )
    return row


def _touch(row: Conversation, now: datetime) -> None:
    """Every change to a conversation passes here: when, and one more version (optimistic
    locking between workstations: a save made on a version it did not see is told apart). The
    version is remembered as this process's own once the transaction commits."""
    row.updated_at = now
    row.version = (row.version or 0) + 1
    session = object_session(row)
    if session is not None and row.id is not None:
        written, conversation_id, version = _written_by(session), row.id, row.version
        event.listen(
            session, "after_commit", lambda _s: written.setdefault(conversation_id, set()).add(version), once=True
        )


#: Per open database (its engine: one per workstation's opening), the versions of each
#: conversation written through it.
_WRITTEN: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _written_by(session) -> dict[int, set[int]]:
    return _WRITTEN.setdefault(session.get_bind(), {})


class ChangedElsewhere(RefusedError):
    """The conversation was changed by another workstation (or process) since it was opened here."""


def current_version(tx: Session, conversation_id: int) -> int:
    return _conversation(tx, conversation_id).version


def unchanged_elsewhere(tx: Session, conversation_id: int, seen_version: int) -> int:
    """The conversation's version now, when every change since ``seen_version`` (the one shown
    here) was made through this opening of the database (the conversation page, the client view,
    an amendment); raises ``ChangedElsewhere``, naming who changed it and when, when another
    workstation or process did. The ground of optimistic locking: a save on top of a version nobody here saw
    is never made silently."""
    row = _conversation(tx, conversation_id)
    ours = _written_by(tx).get(conversation_id, set())
    if all(version in ours for version in range(seen_version + 1, row.version + 1)):
        return row.version
    by = tx.exec(
        select(AuditEntry.practitioner_name, AuditEntry.at)
        .where(
            AuditEntry.client_id == row.client_id,
            AuditEntry.object_type == "conversation",
            AuditEntry.object_id == conversation_id,
            AuditEntry.action == "change",
        )
        .order_by(AuditEntry.id.desc())
        .limit(1)
    ).first()
    if by is not None and by[0]:
        message = _(
            "{name} changed this conversation on another workstation at {time}, after it was opened here."
        ).format(name=by[0], time=format_datetime(by[1], "short"))
    else:
        message = _("This conversation was changed on another workstation after it was opened here.")
    raise ChangedElsewhere(message)


def _audit_change(tx: Session, actor: Actor, row: Conversation, now: datetime, detail: str = "") -> None:
    """A change to a conversation: always with a ``detail`` (complete, amend), else once per window."""
    write = audit.record if detail else audit.record_once
    write(
        tx,
        actor,
        audit.Action.CHANGE,
        object_type="conversation",
        object_id=row.id,
        client_id=row.client_id,
        detail=detail,
        now=now,
    )


def _audit_view(tx: Session, actor: Actor, row: Conversation) -> None:
    audit.record_once(
        tx, actor, audit.Action.VIEW, object_type="conversation", object_id=row.id, client_id=row.client_id
    )


def _summary(row: Conversation) -> ConversationSummary:
    assert row.id is not None
    return ConversationSummary(
        id=row.id,
        client_id=row.client_id,
        model_id=row.model_id,
        model_version=row.model_version,
        status=row.status,
        started_at=row.started_at,
        completed_at=row.completed_at,
        practitioner_id=row.practitioner_id,
        current_step=row.current_step,
        amended_at=row.amended_at,
        version=row.version,
    )


def start_conversation(
    tx: Session, actor: Actor, client_id: int, model_id: str, model_version: int, *, now: datetime | None = None
) -> ConversationSummary:
    require(actor, Permission.HOLD_CONVERSATIONS, client_id=client_id)
    if tx.get(Client, client_id) is None:
        raise NotFoundError(_("There is no client with number {id}.").format(id=client_id))
    find_model(tx, model_id, model_version)
    now = _now(now)
    row = Conversation(
        client_id=client_id,
        practitioner_id=actor.id,
        model_id=model_id,
        model_version=model_version,
        status=DRAFT,
        started_at=now,
        updated_at=now,
    )
    tx.add(row)
    tx.flush()
    audit.record(
        tx, actor, audit.Action.CREATE, object_type="conversation", object_id=row.id, client_id=client_id, now=now
    )
    return _summary(row)


def model_of(tx: Session, conversation_id: int) -> ConversationModel:
    """The model a conversation is held with (its questions and scales, nothing the client said)."""
    row = _conversation(tx, conversation_id)
    return find_model(tx, row.model_id, row.model_version)


# -- answers ------------------------------------------------------------------------------------


def normalise_answer(item: Item, value: Any) -> Any:
    """The stored form of an answer, or None for 'no answer'; raises InputError when it does not fit."""
    label = pick(item.text)
    if value is None or value == "" or value == []:
        return None
    kind = item.type
    if kind == ItemType.DISPLAY:
        raise InputError(_("'{item}' is shown text and takes no answer.").format(item=label))
    if kind == ItemType.BOOLEAN:
        if isinstance(value, bool):
            return value
        raise InputError(_("'{item}' takes yes or no.").format(item=label))
    if kind in (ItemType.INTEGER, ItemType.DECIMAL):
        number: float | int
        try:
            number = float(str(value).replace(",", ".")) if not isinstance(value, int | float) else value
        except ValueError:
            raise InputError(
                _("'{item}' takes a number; '{value}' is not one.").format(item=label, value=value)
            ) from None
        if isinstance(number, bool) or not math.isfinite(number):
            raise InputError(_("'{item}' takes a number; '{value}' is not one.").format(item=label, value=value))
        if kind == ItemType.INTEGER:
            if number != int(number):
                raise InputError(_("'{item}' takes a whole number.").format(item=label))
            return int(number)
        return float(number)
    if kind == ItemType.DATE:
        if isinstance(value, date):
            return value.isoformat()
        try:
            return date.fromisoformat(str(value)).isoformat()
        except ValueError:
            raise InputError(_("'{item}' takes a date.").format(item=label)) from None
    if kind in (ItemType.STRING, ItemType.TEXT):
        text = clean_line(str(value)) if kind == ItemType.STRING else clean_block(str(value))
        limit = item.max_length or MAX_TEXT
        if len(text) > limit:
            raise InputError(
                _("The answer to '{item}' is longer than {limit} characters; shorten it.").format(
                    item=label, limit=limit
                )
            )
        return text or None
    if kind == ItemType.CHOICE:
        codes = value if isinstance(value, list | tuple) else [value]
        if len(codes) > 1 and not item.repeats:
            raise InputError(_("Choose only one answer for '{item}'.").format(item=label))
        for code in codes:
            if item.option(str(code)) is None:
                raise InputError(_("'{value}' is not one of the choices of '{item}'.").format(value=code, item=label))
        ordered = [o.code for o in item.answer_options if o.code in {str(c) for c in codes}]
        return ordered if item.repeats else ordered[0]
    raise InputError(_("'{item}' has an unknown type.").format(item=label))  # schema forbids this


def record_answer(
    tx: Session, actor: Actor, conversation_id: int, link_id: str, value: Any, *, now: datetime | None = None
) -> Any:
    """Store (or clear, with an empty value) the answer to one item; returns the stored value."""
    row = _editable(tx, actor, conversation_id)
    model = find_model(tx, row.model_id, row.model_version)
    item = model.item(link_id)
    if item is None:
        raise InputError(_("The model '{model}' has no item '{id}'.").format(model=model.display_title(), id=link_id))
    stored = normalise_answer(item, value)
    now = _now(now)
    existing = tx.exec(
        select(Answer).where(Answer.conversation_id == conversation_id, Answer.link_id == link_id)
    ).first()
    old = json.loads(existing.value_json) if existing is not None else None
    log_change(tx, row, actor, f"answer:{link_id}", old, stored, now)
    if stored is None:
        if existing is not None:
            tx.delete(existing)
    elif existing is None:
        tx.add(Answer(conversation_id=conversation_id, link_id=link_id, value_json=json.dumps(stored), updated_at=now))
    else:
        existing.value_json = json.dumps(stored)
        existing.updated_at = now
        tx.add(existing)
    _touch(row, now)
    tx.flush()
    _audit_change(tx, actor, row, now)
    return stored


# -- domains ------------------------------------------------------------------------------------


def _domain(model: ConversationModel, domain_id: str) -> Domain:
    domain = model.domain(domain_id)
    if domain is None:
        raise InputError(
            _("The model '{model}' has no domain '{id}'.").format(model=model.display_title(), id=domain_id)
        )
    return domain


def assess_domain(
    tx: Session,
    actor: Actor,
    conversation_id: int,
    domain_id: str,
    *,
    score: int | None = UNSET,
    notes: str = UNSET,
    own_words: str = UNSET,
    important: bool = UNSET,
    now: datetime | None = None,
) -> AssessmentView:
    """Record what was said about one life domain; only the given fields change."""

    def checked(model: ConversationModel, domain: Domain) -> dict[str, object]:
        if score is not UNSET:
            check_score(model, domain, score)
        for value in (notes, own_words):
            if value is not UNSET:
                check_domain_text(domain, value)
        return {
            "score": score,
            "notes": clean_block(notes) if notes is not UNSET else UNSET,
            "own_words": clean_block(own_words) if own_words is not UNSET else UNSET,
            "important": bool(important) if important is not UNSET else UNSET,
        }

    return change_assessment(tx, actor, conversation_id, domain_id, checked, now=now)


def change_assessment(
    tx: Session,
    actor: Actor,
    conversation_id: int,
    domain_id: str,
    checked: Callable[[ConversationModel, Domain], dict[str, object]],
    *,
    now: datetime | None = None,
) -> AssessmentView:
    """The one way a domain's assessment changes (the practitioner's part or the client's own):
    the conversation must be open to changes and the domain in its model; ``checked`` refuses a
    bad value with a clear message, or gives the fields to set (``UNSET``: left as it is). Each
    change is logged (an amendment's history), the conversation touched and audited."""
    row = _editable(tx, actor, conversation_id)
    model = find_model(tx, row.model_id, row.model_version)
    changes = checked(model, _domain(model, domain_id))
    now = _now(now)
    assessment = _assessment_row(tx, conversation_id, domain_id, now)
    for field_name, value in changes.items():
        if value is not UNSET:
            log_change(tx, row, actor, f"{field_name}:{domain_id}", getattr(assessment, field_name), value, now)
            setattr(assessment, field_name, value)
    assessment.updated_at = now
    tx.add(assessment)
    _touch(row, now)
    tx.flush()
    _audit_change(tx, actor, row, now)
    return _assessment_view(assessment)


def check_score(model: ConversationModel, domain: Domain, score: int | None) -> None:
    """A score must be a whole number on the domain's scale (None clears it)."""
    if score is None:
        return
    scale = model.scale_of(domain)
    title = pick(domain.title)
    if scale is None:
        raise InputError(_("The domain '{domain}' is not scored in this model.").format(domain=title))
    if isinstance(score, bool) or not isinstance(score, int) or not scale.min <= score <= scale.max:
        raise InputError(
            _("The score for '{domain}' must be a whole number from {min} to {max}.").format(
                domain=title, min=scale.min, max=scale.max
            )
        )


def check_domain_text(domain: Domain, value: str) -> None:
    if len(value) > MAX_TEXT:
        raise InputError(
            _("The text for '{domain}' is longer than {limit} characters; shorten it.").format(
                domain=pick(domain.title), limit=MAX_TEXT
            )
        )


def _assessment_row(tx: Session, conversation_id: int, domain_id: str, now: datetime) -> DomainAssessment:
    existing = tx.exec(
        select(DomainAssessment).where(
            DomainAssessment.conversation_id == conversation_id, DomainAssessment.domain_id == domain_id
        )
    ).first()
    return existing or DomainAssessment(conversation_id=conversation_id, domain_id=domain_id, updated_at=now)


def _assessment_view(row: DomainAssessment) -> AssessmentView:
    return AssessmentView(
        domain_id=row.domain_id,
        score=row.score,
        notes=row.notes,
        own_words=row.own_words,
        important=row.important,
        priority_rank=row.priority_rank,
        client_score=row.client_score,
        client_wants_to_talk=row.client_wants_to_talk,
    )


def rank_domains(
    tx: Session, actor: Actor, conversation_id: int, ordered_domain_ids: list[str], *, now: datetime | None = None
) -> None:
    """The client's order of domains to work on (first = most urgent); unlisted domains lose their rank."""
    row = _editable(tx, actor, conversation_id)
    model = find_model(tx, row.model_id, row.model_version)
    if len(set(ordered_domain_ids)) != len(ordered_domain_ids):
        raise InputError(_("A domain appears twice in the order; give each domain one place."))
    for domain_id in ordered_domain_ids:
        _domain(model, domain_id)
    now = _now(now)
    ranks = {domain_id: index + 1 for index, domain_id in enumerate(ordered_domain_ids)}
    log_change(tx, row, actor, "rank", snapshot_unchecked(tx, row).ranking(), list(ordered_domain_ids), now)
    for domain in model.domains:
        assessment = _assessment_row(tx, conversation_id, domain.id, now)
        new_rank = ranks.get(domain.id)
        if assessment.id is None and new_rank is None:
            continue
        assessment.priority_rank = new_rank
        assessment.updated_at = now
        tx.add(assessment)
    _touch(row, now)
    tx.flush()
    _audit_change(tx, actor, row, now)


# -- closing: what matters most, goals, actions -----------------------------------------------


def set_closing(
    tx: Session,
    actor: Actor,
    conversation_id: int,
    *,
    what_matters_most: str = UNSET,
    follow_up_date: date | None = UNSET,
    now: datetime | None = None,
) -> None:
    row = _editable(tx, actor, conversation_id)
    now = _now(now)
    if what_matters_most is not UNSET:
        text = what_matters_text(what_matters_most)
        log_change(tx, row, actor, "what_matters_most", row.what_matters_most, text, now)
        row.what_matters_most = text
    if follow_up_date is not UNSET:
        check_follow_up(row.started_at, follow_up_date)
        log_change(tx, row, actor, "follow_up_date", row.follow_up_date, follow_up_date, now)
        row.follow_up_date = follow_up_date
    _touch(row, now)
    tx.add(row)
    tx.flush()
    _audit_change(tx, actor, row, now)


def what_matters_text(text: str) -> str:
    if len(text) > MAX_TEXT:
        raise InputError(_("'What matters most' is longer than {limit} characters; shorten it.").format(limit=MAX_TEXT))
    return clean_block(text)


def check_follow_up(started_at: datetime, follow_up_date: date | None) -> None:
    if follow_up_date is not None and follow_up_date < started_at.date():
        raise InputError(_("The follow-up date lies before the conversation; choose a later date."))


def check_due_date(started_at: datetime, due_date: date | None) -> None:
    if due_date is not None and due_date < started_at.date():
        raise InputError(_("The action's date lies before the conversation; choose a later date."))


def check_duration(duration_seconds: int) -> None:
    if duration_seconds < 0:
        raise InputError(_("The duration cannot be negative."))


def goal_text(description: str) -> str:
    text = clean_block(description)
    if not text:
        raise InputError(_("The goal is empty; describe what the client wants to reach."))
    if len(text) > MAX_TEXT:
        raise InputError(_("The goal is longer than {limit} characters; shorten it.").format(limit=MAX_TEXT))
    return text


def action_fields(what: str, who: str) -> tuple[str, str]:
    text = clean_block(what)
    if not text:
        raise InputError(_("The action is empty; describe what will be done."))
    if len(text) > MAX_TEXT:
        raise InputError(_("The action is longer than {limit} characters; shorten it.").format(limit=MAX_TEXT))
    who = clean_line(who)
    if len(who) > 200:
        raise InputError(_("'Who' is longer than {limit} characters; shorten it.").format(limit=200))
    return text, who


def add_goal(
    tx: Session,
    actor: Actor,
    conversation_id: int,
    description: str,
    *,
    domain_id: str | None = None,
    now: datetime | None = None,
) -> GoalView:
    row = _editable(tx, actor, conversation_id)
    text = goal_text(description)
    if domain_id is not None:
        _domain(find_model(tx, row.model_id, row.model_version), domain_id)
    now = _now(now)
    position = _next_position(tx, Goal, conversation_id)
    goal = Goal(
        conversation_id=conversation_id, domain_id=domain_id, description=text, position=position, created_at=now
    )
    tx.add(goal)
    log_change(tx, row, actor, "goal:add", None, text, now)
    _touch(row, now)
    tx.flush()
    _audit_change(tx, actor, row, now)
    assert goal.id is not None
    return GoalView(goal.id, goal.description, goal.domain_id, goal.position)


def add_action(
    tx: Session,
    actor: Actor,
    conversation_id: int,
    what: str,
    *,
    who: str = "",
    due_date: date | None = None,
    goal_id: int | None = None,
    domain_id: str | None = None,
    now: datetime | None = None,
) -> ActionView:
    """An agreed action: what will be done, by whom, by when; it serves a goal (and has the goal's
    life domain) or has a life domain of its own, or neither (then it is shared only when the
    client chooses it by name)."""
    row = _editable(tx, actor, conversation_id)
    text, who = action_fields(what, who)
    if goal_id is not None:
        goal = tx.get(Goal, goal_id)
        if goal is None or goal.conversation_id != conversation_id:
            raise InputError(_("The action refers to a goal that is not part of this conversation."))
        if goal.domain_id is not None:
            domain_id = None  # it has its goal's domain
    if domain_id is not None:
        _domain(find_model(tx, row.model_id, row.model_version), domain_id)
    check_due_date(row.started_at, due_date)
    now = _now(now)
    action = Action(
        conversation_id=conversation_id,
        goal_id=goal_id,
        domain_id=domain_id,
        what=text,
        who=who,
        due_date=due_date,
        position=_next_position(tx, Action, conversation_id),
        created_at=now,
    )
    tx.add(action)
    log_change(tx, row, actor, "action:add", None, {"what": text, "who": who, "due_date": due_date}, now)
    _touch(row, now)
    tx.flush()
    _audit_change(tx, actor, row, now)
    return _action_view(action)


def remove_goal(tx: Session, actor: Actor, conversation_id: int, goal_id: int) -> None:
    row = _editable(tx, actor, conversation_id)
    goal = tx.get(Goal, goal_id)
    if goal is None or goal.conversation_id != conversation_id:
        raise NotFoundError(_("This goal is not part of the conversation."))
    now = _now(None)
    log_change(tx, row, actor, "goal:remove", goal.description, None, now)
    tx.delete(goal)
    _touch(row, now)
    tx.flush()
    _audit_change(tx, actor, row, now)


def remove_action(tx: Session, actor: Actor, conversation_id: int, action_id: int) -> None:
    row = _editable(tx, actor, conversation_id)
    action = tx.get(Action, action_id)
    if action is None or action.conversation_id != conversation_id:
        raise NotFoundError(_("This action is not part of the conversation."))
    now = _now(None)
    log_change(tx, row, actor, "action:remove", action.what, None, now)
    tx.delete(action)
    _touch(row, now)
    tx.flush()
    _audit_change(tx, actor, row, now)


def _own_goal(tx: Session, conversation_id: int, goal_id: int) -> Goal:
    goal = tx.get(Goal, goal_id)
    if goal is None or goal.conversation_id != conversation_id:
        raise NotFoundError(_("This goal is not part of the conversation."))
    return goal


def update_goal(
    tx: Session,
    actor: Actor,
    conversation_id: int,
    goal_id: int,
    *,
    description: str = UNSET,
    domain_id: str | None = UNSET,
    now: datetime | None = None,
) -> GoalView:
    """Correct an agreed goal: its words and/or its life domain (None: no domain); checked as when
    it was added. On a conversation being amended the change is recorded (``goal:edit:<id>``)."""
    row = _editable(tx, actor, conversation_id)
    goal = _own_goal(tx, conversation_id, goal_id)
    text = goal_text(description) if description is not UNSET else goal.description
    domain = goal.domain_id if domain_id is UNSET else domain_id
    if domain is not None and domain_id is not UNSET:
        _domain(find_model(tx, row.model_id, row.model_version), domain)
    now = _now(now)
    old = {"description": goal.description, "domain_id": goal.domain_id}
    new = {"description": text, "domain_id": domain}
    if old != new:
        log_change(tx, row, actor, f"goal:edit:{goal_id}", old, new, now)
        goal.description, goal.domain_id = text, domain
        tx.add(goal)
        _touch(row, now)
        tx.flush()
        _audit_change(tx, actor, row, now)
    assert goal.id is not None
    return GoalView(goal.id, goal.description, goal.domain_id, goal.position)


def update_action(
    tx: Session,
    actor: Actor,
    conversation_id: int,
    action_id: int,
    *,
    what: str = UNSET,
    who: str = UNSET,
    due_date: date | None = UNSET,
    goal_id: int | None = UNSET,
    domain_id: str | None = UNSET,
    now: datetime | None = None,
) -> ActionView:
    """Correct an agreed action (what, who, by when, the goal it serves, its own life domain); only
    the given fields change, checked as when it was added (an action serving a goal with a domain
    has that goal's domain). On a conversation being amended the change is recorded."""
    row = _editable(tx, actor, conversation_id)
    action = tx.get(Action, action_id)
    if action is None or action.conversation_id != conversation_id:
        raise NotFoundError(_("This action is not part of the conversation."))
    text, who_text = action_fields(action.what if what is UNSET else what, action.who if who is UNSET else who)
    goal = action.goal_id if goal_id is UNSET else goal_id
    domain = action.domain_id if domain_id is UNSET else domain_id
    if goal is not None:
        goal_row = tx.get(Goal, goal)
        if goal_row is None or goal_row.conversation_id != conversation_id:
            raise InputError(_("The action refers to a goal that is not part of this conversation."))
        if goal_row.domain_id is not None:
            domain = None  # it has its goal's domain
    if domain is not None and domain_id is not UNSET:
        _domain(find_model(tx, row.model_id, row.model_version), domain)
    due = action.due_date if due_date is UNSET else due_date
    if due_date is not UNSET:
        check_due_date(row.started_at, due)
    now = _now(now)
    fields = ("what", "who", "due_date", "goal_id", "domain_id")
    old = {name: getattr(action, name) for name in fields}
    new = dict(zip(fields, (text, who_text, due, goal, domain), strict=True))
    if old != new:
        log_change(tx, row, actor, f"action:edit:{action_id}", old, new, now)
        for name, value in new.items():
            setattr(action, name, value)
        tx.add(action)
        _touch(row, now)
        tx.flush()
        _audit_change(tx, actor, row, now)
    return _action_view(action)


def _next_position(tx: Session, table: type[Goal] | type[Action], conversation_id: int) -> int:
    current = tx.exec(select(func.max(table.position)).where(table.conversation_id == conversation_id)).one()
    return (current or 0) + 1


def _action_view(row: Action) -> ActionView:
    assert row.id is not None
    return ActionView(row.id, row.what, row.who, row.due_date, row.goal_id, row.done, row.position, row.domain_id)


# -- completing and reading -------------------------------------------------------------------


def answers_to_drop_on_completion(model: ConversationModel, answers: dict[str, Any]) -> list[str]:
    """Refuses when a shown required item is unanswered; returns the answers of hidden items."""
    shown = enabled_link_ids(model, answers)
    missing = [
        pick(i.text) for i in model.all_items() if i.required and i.link_id in shown and i.link_id not in answers
    ]
    if missing:
        raise RefusedError(
            _("The conversation cannot be completed yet; these questions still need an answer: {items}.").format(
                items="; ".join(missing)
            )
        )
    return [link_id for link_id in answers if link_id not in shown]


def complete_conversation(
    tx: Session, actor: Actor, conversation_id: int, *, duration_seconds: int | None = None, now: datetime | None = None
) -> ConversationSummary:
    """Close the conversation: required items answered, hidden items' answers dropped, read-only after."""
    row = _editable(tx, actor, conversation_id)
    model = find_model(tx, row.model_id, row.model_version)
    answers = _answers(tx, conversation_id)
    hidden = answers_to_drop_on_completion(model, answers)
    if hidden:
        tx.exec(delete(Answer).where(Answer.conversation_id == conversation_id, Answer.link_id.in_(hidden)))
    now = _now(now)
    if duration_seconds is not None:
        check_duration(duration_seconds)
        row.duration_seconds = duration_seconds
    detail = "complete"
    if row.status == AMENDING:
        row.amended_at = now  # the original completion time stays
        detail = "complete_amendment"
    else:
        row.completed_at = now
    row.status = COMPLETED
    _touch(row, now)
    tx.add(row)
    tx.flush()
    _audit_change(tx, actor, row, now, detail)
    return _summary(row)


def _answers(tx: Session, conversation_id: int) -> dict[str, Any]:
    rows = tx.exec(select(Answer).where(Answer.conversation_id == conversation_id)).all()
    return {row.link_id: json.loads(row.value_json) for row in rows}


def load_conversation(tx: Session, actor: Actor, conversation_id: int) -> ConversationSnapshot:
    """Everything said in a conversation; opening it is written to the audit trail."""
    row = _allowed(tx, actor, Permission.VIEW_CONVERSATIONS, conversation_id)
    snapshot = snapshot_unchecked(tx, row)
    _audit_view(tx, actor, row)
    return snapshot


def snapshot_unchecked(tx: Session, row: Conversation) -> ConversationSnapshot:
    """Inside the core only: for use cases that checked the actor's role themselves and audit
    what they show (a handover, the comparison with the previous conversation)."""
    assert row.id is not None
    conversation_id = row.id
    assessments = tx.exec(select(DomainAssessment).where(DomainAssessment.conversation_id == conversation_id)).all()
    goals = tx.exec(select(Goal).where(Goal.conversation_id == conversation_id).order_by(Goal.position, Goal.id)).all()
    actions = tx.exec(
        select(Action).where(Action.conversation_id == conversation_id).order_by(Action.position, Action.id)
    ).all()
    return ConversationSnapshot(
        summary=_summary(row),
        duration_seconds=row.duration_seconds,
        what_matters_most=row.what_matters_most,
        follow_up_date=row.follow_up_date,
        answers=_answers(tx, conversation_id),
        assessments={a.domain_id: _assessment_view(a) for a in assessments},
        goals=[GoalView(g.id, g.description, g.domain_id, g.position) for g in goals if g.id is not None],
        actions=[_action_view(a) for a in actions],
    )


def list_conversations(tx: Session, actor: Actor, client_id: int) -> list[ConversationSummary]:
    """A client's conversations, newest first (which models, when, by whom: a list, not audited)."""
    require(actor, Permission.VIEW_CONVERSATIONS, client_id=client_id)
    rows = tx.exec(
        select(Conversation)
        .where(Conversation.client_id == client_id)
        .order_by(Conversation.started_at.desc(), Conversation.id.desc())
    ).all()
    return [_summary(row) for row in rows]


# -- amending, resuming, time -------------------------------------------------------------------


def amend_conversation(
    tx: Session, actor: Actor, conversation_id: int, *, now: datetime | None = None
) -> ConversationSummary:
    """Open a completed conversation for correction; every change from now on is logged."""
    row = _allowed(tx, actor, Permission.HOLD_CONVERSATIONS, conversation_id)
    if row.status != COMPLETED:
        raise RefusedError(_("Only a completed conversation can be amended; this one can be changed directly."))
    now = _now(now)
    row.status = AMENDING
    start_amendment_log(tx, row, actor, now)
    _touch(row, now)
    tx.add(row)
    tx.flush()
    _audit_change(tx, actor, row, now, "amend")
    return _summary(row)


def set_current_step(tx: Session, actor: Actor, conversation_id: int, step: str) -> None:
    """Remember where the practitioner is, so reopening the conversation resumes there."""
    row = _allowed(tx, actor, Permission.HOLD_CONVERSATIONS, conversation_id)
    if row.status == COMPLETED or row.current_step == step:
        return
    row.current_step = step[:80]
    tx.add(row)
    tx.flush()
    _audit_change(tx, actor, row, _now(None))


def set_duration(tx: Session, actor: Actor, conversation_id: int, duration_seconds: int) -> None:
    """The consultation's running time, saved with the autosave while the conversation is a draft."""
    row = _allowed(tx, actor, Permission.HOLD_CONVERSATIONS, conversation_id)
    check_duration(duration_seconds)
    if row.status != DRAFT or row.duration_seconds == duration_seconds:
        return
    row.duration_seconds = duration_seconds
    tx.add(row)
    tx.flush()
    _audit_change(tx, actor, row, _now(None))


def previous_conversation(tx: Session, actor: Actor, conversation_id: int) -> ConversationSnapshot | None:
    """The client's last completed conversation with the same model before this one (for comparison);
    showing it is a view of that conversation."""
    row = _allowed(tx, actor, Permission.VIEW_CONVERSATIONS, conversation_id)
    earlier = tx.exec(
        select(Conversation)
        .where(
            Conversation.client_id == row.client_id,
            Conversation.model_id == row.model_id,
            Conversation.status == COMPLETED,
            Conversation.started_at < row.started_at,
        )
        .order_by(Conversation.started_at.desc(), Conversation.id.desc())
    ).first()
    if earlier is None:
        return None
    snapshot = snapshot_unchecked(tx, earlier)
    _audit_view(tx, actor, earlier)
    return snapshot
