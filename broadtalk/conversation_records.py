"""Record a whole conversation in one go: for imports and demo data.

The desktop app records a conversation field by field (``conversations``); a conversation that
arrives complete (an import, the demo) is checked by the same rules, item by item, and then
written with a handful of bulk statements, which is what makes 10,000 demo clients fast.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, insert, select
from sqlmodel import Session

from broadtalk import audit
from broadtalk import conversations as conv
from broadtalk.audit import require
from broadtalk.errors import InputError, NotFoundError
from broadtalk.forms.library import find_model
from broadtalk.forms.schema import ConversationModel
from broadtalk.i18n import _
from broadtalk.permissions import Permission
from broadtalk.practitioners import Actor
from broadtalk.store.tables import Action, Answer, Client, Conversation, DomainAssessment, Goal
from broadtalk.text import clean_block


@dataclass
class DomainEntry:
    domain_id: str
    score: int | None = None
    notes: str = ""
    own_words: str = ""
    important: bool = False
    priority_rank: int | None = None
    #: The client's own score (on the model's scale) and "I want to talk about this", as the
    #: client sets them in the client view: beside the practitioner's.
    client_score: int | None = None
    client_wants_to_talk: bool = False


@dataclass
class ActionEntry:
    what: str
    who: str = ""
    due_date: date | None = None
    done: bool = False
    #: The action's own life domain when it serves no goal.
    domain_id: str | None = None


@dataclass
class GoalEntry:
    description: str
    domain_id: str | None = None
    actions: list[ActionEntry] = field(default_factory=list)


@dataclass
class ConversationContent:
    model_id: str
    model_version: int
    started_at: datetime
    answers: dict[str, Any] = field(default_factory=dict)
    domains: list[DomainEntry] = field(default_factory=list)
    what_matters_most: str = ""
    follow_up_date: date | None = None
    goals: list[GoalEntry] = field(default_factory=list)
    #: Actions not tied to a goal.
    actions: list[ActionEntry] = field(default_factory=list)
    #: None leaves the conversation as a draft.
    completed_at: datetime | None = None
    duration_seconds: int = 0


# Core statements, built once: this path writes tens of thousands of rows.
_CLIENT_EXISTS = select(Client.__table__.c.id).where(Client.__table__.c.id == bindparam("id"))
_INSERT_CONVERSATION = insert(Conversation.__table__).returning(Conversation.__table__.c.id)
_INSERT_GOAL = insert(Goal.__table__).returning(Goal.__table__.c.id)


def _checked_answers(model: ConversationModel, answers: dict[str, Any]) -> dict[str, Any]:
    stored: dict[str, Any] = {}
    for link_id, value in answers.items():
        item = model.item(link_id)
        if item is None:
            raise InputError(
                _("The model '{model}' has no item '{id}'.").format(model=model.display_title(), id=link_id)
            )
        normalised = conv.normalise_answer(item, value)
        if normalised is not None:
            stored[link_id] = normalised
    return stored


def record_conversation(
    tx: Session, actor: Actor, client_id: int, content: ConversationContent, *, now: datetime | None = None
) -> int:
    """Check everything first, then write; returns the new conversation's id. The audit trail
    records its creation at ``now`` (by default the current time)."""
    require(actor, Permission.HOLD_CONVERSATIONS, client_id=client_id)
    connection = tx.connection()
    if connection.execute(_CLIENT_EXISTS, {"id": client_id}).first() is None:
        raise NotFoundError(_("There is no client with number {id}.").format(id=client_id))
    model = find_model(tx, content.model_id, content.model_version)
    answers = _checked_answers(model, content.answers)
    seen: set[str] = set()
    for entry in content.domains:
        domain = model.domain(entry.domain_id)
        if domain is None or entry.domain_id in seen:
            raise InputError(
                _("The model '{model}' has no domain '{id}'.").format(model=model.display_title(), id=entry.domain_id)
            )
        seen.add(entry.domain_id)
        conv.check_score(model, domain, entry.score)
        conv.check_score(model, domain, entry.client_score)
        conv.check_domain_text(domain, entry.notes)
        conv.check_domain_text(domain, entry.own_words)
    goals = [(conv.goal_text(g.description), g) for g in content.goals]
    for goal in content.goals:
        if goal.domain_id is not None and model.domain(goal.domain_id) is None:
            raise InputError(
                _("The model '{model}' has no domain '{id}'.").format(model=model.display_title(), id=goal.domain_id)
            )
    started = content.started_at
    what_matters = conv.what_matters_text(content.what_matters_most)
    conv.check_follow_up(started, content.follow_up_date)
    conv.check_duration(content.duration_seconds)
    # Every action is checked (and cleaned) before the first row is written.
    goal_actions = [[_action_values(a, started) for a in goal.actions] for goal in content.goals]
    loose_actions = [_action_values(a, started) for a in content.actions]
    for entry in content.actions:
        if entry.domain_id is not None and model.domain(entry.domain_id) is None:
            raise InputError(
                _("The model '{model}' has no domain '{id}'.").format(model=model.display_title(), id=entry.domain_id)
            )
    for values, entry in zip(loose_actions, content.actions, strict=True):
        values["domain_id"] = entry.domain_id
    if content.completed_at is not None:
        for link_id in conv.answers_to_drop_on_completion(model, answers):
            del answers[link_id]

    last_change = content.completed_at or started
    conversation_id = connection.execute(
        _INSERT_CONVERSATION,
        {
            "client_id": client_id,
            "practitioner_id": actor.id,
            "model_id": model.id,
            "model_version": model.version,
            "status": conv.COMPLETED if content.completed_at else conv.DRAFT,
            "started_at": started,
            "updated_at": last_change,
            "completed_at": content.completed_at,
            "duration_seconds": content.duration_seconds,
            "what_matters_most": what_matters,
            "follow_up_date": content.follow_up_date,
        },
    ).scalar_one()
    if answers:
        connection.execute(
            insert(Answer.__table__),
            [
                {
                    "conversation_id": conversation_id,
                    "link_id": k,
                    "value_json": json.dumps(v),
                    "updated_at": last_change,
                }
                for k, v in answers.items()
            ],
        )
    if content.domains:
        connection.execute(
            insert(DomainAssessment.__table__),
            [
                {
                    "conversation_id": conversation_id,
                    "domain_id": d.domain_id,
                    "score": d.score,
                    "notes": clean_block(d.notes),
                    "own_words": clean_block(d.own_words),
                    "important": d.important,
                    "priority_rank": d.priority_rank,
                    "client_score": d.client_score,
                    "client_wants_to_talk": d.client_wants_to_talk,
                    "updated_at": last_change,
                }
                for d in content.domains
            ],
        )
    actions: list[dict[str, Any]] = []
    for position, ((text, goal), values) in enumerate(zip(goals, goal_actions, strict=True), start=1):
        goal_id = connection.execute(
            _INSERT_GOAL,
            {
                "conversation_id": conversation_id,
                "domain_id": goal.domain_id,
                "description": text,
                "position": position,
                "created_at": started,
            },
        ).scalar_one()
        actions += [{**v, "conversation_id": conversation_id, "goal_id": goal_id} for v in values]
    actions += [{**v, "conversation_id": conversation_id, "goal_id": None} for v in loose_actions]
    for position, row in enumerate(actions, start=1):
        row["position"] = position
    if actions:
        connection.execute(insert(Action.__table__), actions)
    audit.record(
        tx,
        actor,
        audit.Action.CREATE,
        object_type="conversation",
        object_id=conversation_id,
        client_id=client_id,
        detail="recorded",
        now=now,
    )
    return conversation_id


def domain_entry(assessment: conv.AssessmentView) -> DomainEntry:
    """A domain's assessment as recorded (a copy of a conversation, or a record imported)."""
    return DomainEntry(
        assessment.domain_id,
        assessment.score,
        assessment.notes,
        assessment.own_words,
        assessment.important,
        assessment.priority_rank,
        assessment.client_score,
        assessment.client_wants_to_talk,
    )


def _action_values(action: ActionEntry, started: datetime) -> dict[str, Any]:
    what, who = conv.action_fields(action.what, action.who)
    conv.check_due_date(started, action.due_date)
    return {
        "what": what,
        "who": who,
        "due_date": action.due_date,
        "done": action.done,
        "created_at": started,
        "domain_id": None,
    }


def copy_conversation(tx: Session, actor: Actor, conversation_id: int, *, now: datetime | None = None) -> int:
    """A new draft of the same client holding everything the conversation holds now (answers,
    scores, notes, own words, the client's own scores, goals, actions, follow-up): what keeps
    both versions when two workstations changed one conversation (``conversations.
    unchanged_elsewhere``). Returns the copy's id; its creation is audited."""
    snapshot = conv.load_conversation(tx, actor, conversation_id)
    summary = snapshot.summary
    goals = []
    for goal in snapshot.goals:
        serving = [a for a in snapshot.actions if a.goal_id == goal.id]
        goals.append(GoalEntry(goal.description, goal.domain_id, [_entry(a) for a in serving]))
    content = ConversationContent(
        model_id=summary.model_id,
        model_version=summary.model_version,
        started_at=summary.started_at,
        answers=dict(snapshot.answers),
        domains=[domain_entry(a) for a in snapshot.assessments.values()],
        what_matters_most=snapshot.what_matters_most,
        follow_up_date=snapshot.follow_up_date,
        goals=goals,
        actions=[_entry(a) for a in snapshot.actions if a.goal_id is None],
        duration_seconds=snapshot.duration_seconds,
    )
    return record_conversation(tx, actor, summary.client_id, content, now=now)


def _entry(action: conv.ActionView) -> ActionEntry:
    return ActionEntry(action.what, action.who, action.due_date, action.done, action.domain_id)
