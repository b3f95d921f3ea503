"""A note for the GP's record: a completed conversation as a short journal entry in SOEP.

Dutch GP systems keep the journal in SOEP lines: S (what the patient says), O (what was
found), E (the evaluation, with an ICPC code), P (the plan). ``compose`` turns a completed
conversation into such lines, each with a stable key, so the practitioner can leave any of them
out; ``as_text`` gives the plain text of the ticked lines, in the current language, wrapped at
80 characters: ready to paste into the GP system's journal.

- S: the conversation (model, date), what matters most to the client, what the client wants to
  talk about, and the client's own words per domain.
- O: the scores per domain on the model's scale ("Lichaamsfuncties 6/10"), with the client's own
  score beside them when the client gave one; a domain without a score has no line (never 0).
- E: the domains the client marked as important, ranked or wants to talk about, each followed by
  the ICPC-1 Z codes suggested for it (``broadtalk/data/icpc_z.yaml``). **No code is ticked
  beforehand**: a code in the GP's record is a label that stays in the patient's file and travels
  with it (summaries for the out-of-hours service, referral letters); suggesting one is helpful,
  choosing one must be the practitioner's own act, not a default accepted in passing.
- P: goals, agreed actions (who, by when), referrals made from this conversation (to whom, and
  where they stand; never the question or the feedback), and the follow-up conversation.

Reading the note needs ``VIEW_CONVERSATIONS`` and is a view of the conversation; copying it to
the clipboard or to the command line is an export, printing it a print, both written to the
audit trail with the detail ``gp_note`` (never what the note says).
"""

from __future__ import annotations

import re
import textwrap
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from sqlmodel import Session, select

from broadtalk import audit
from broadtalk.audit import require
from broadtalk.conversations import COMPLETED, ConversationSnapshot, load_conversation, model_of
from broadtalk.errors import NotFoundError, RefusedError
from broadtalk.forms.schema import ConversationModel, Domain
from broadtalk.i18n import _, current_language, format_date, format_short_date, pick, to_display_time
from broadtalk.life_domains import tags_of
from broadtalk.permissions import Permission
from broadtalk.practitioners import Actor, practitioner_contact, role_in_sentence
from broadtalk.referral_steps import status_label
from broadtalk.store.tables import Conversation, Referral

#: The journal's sections, in the order a GP system shows them.
SECTIONS: tuple[str, ...] = ("S", "O", "E", "P")
#: The audit trail's detail for this kind of export.
GP_NOTE = "gp_note"
#: A journal line is at most this wide; longer lines wrap with a hanging indent.
WIDTH = 80
ICPC_FILE = Path(__file__).resolve().parent / "data" / "icpc_z.yaml"

_INDENT = "   "  # under "S: "
_CHILD_INDENT = _INDENT + "  "  # an ICPC code under its domain
#: Characters that must not reach another program's journal: control characters, and the
#: bidirectional overrides that could make a line read differently from what it holds.
_UNWANTED = re.compile(r"[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


# -- the ICPC codes ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class IcpcCode:
    """An ICPC-1 code of chapter Z with its titles and the life domains it is suggested for."""

    code: str
    nl: str
    en: str
    tags: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    every_domain: bool = False

    def title(self) -> str:
        """The title in the current language (Dutch unless the program speaks English)."""
        return self.en if current_language() == "en" else self.nl

    def line(self) -> str:
        return f"{self.code} {self.title()}"


@cache
def icpc_codes() -> tuple[IcpcCode, ...]:
    """The Z codes of ``broadtalk/data/icpc_z.yaml``, in the file's order."""
    data = yaml.safe_load(ICPC_FILE.read_text(encoding="utf-8"))
    return tuple(
        IcpcCode(
            code=str(entry["code"]),
            nl=str(entry["nl"]),
            en=str(entry["en"]),
            tags=tuple(entry.get("tags") or ()),
            domains=tuple(entry.get("domains") or ()),
            every_domain=bool(entry.get("every_domain", False)),
        )
        for entry in data["codes"]
    )


def suggested_codes(model: ConversationModel, domain: Domain) -> tuple[IcpcCode, ...]:
    """The Z codes suggested for a domain: by its life-domain tags, its id, or for every domain."""
    tags = set(tags_of(model, domain))
    return tuple(
        code for code in icpc_codes() if code.every_domain or tags.intersection(code.tags) or domain.id in code.domains
    )


# -- the note ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NoteLine:
    """One part of the note the practitioner can leave out."""

    #: Stable within the conversation: "S.what_matters", "O.score:body", "E.icpc:body:Z11" ...
    key: str
    section: str
    text: str
    #: Ticked when the note is first shown.
    ticked: bool = True
    #: A line that only appears with this other line (an ICPC code under its domain).
    parent: str | None = None


@dataclass(frozen=True)
class GpNote:
    conversation_id: int
    client_id: int
    lines: tuple[NoteLine, ...]

    def all_keys(self) -> tuple[str, ...]:
        return tuple(line.key for line in self.lines)

    def default_ticked(self) -> frozenset[str]:
        return frozenset(line.key for line in self.lines if line.ticked)

    def in_section(self, section: str) -> tuple[NoteLine, ...]:
        return tuple(line for line in self.lines if line.section == section)

    def shown(self, ticked: Iterable[str]) -> tuple[NoteLine, ...]:
        """The lines that appear for these ticks: ticked, and their parent ticked too."""
        chosen = set(ticked)
        return tuple(
            line for line in self.lines if line.key in chosen and (line.parent is None or line.parent in chosen)
        )


def plain(text: str) -> str:
    """User text as one journal line: every run of white space (line breaks too) one space,
    control and bidirectional-override characters dropped."""
    text = unicodedata.normalize("NFC", text)
    text = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in text)
    return " ".join(_UNWANTED.sub("", text).split())


def _quoted(text: str) -> str:
    return '"' + plain(text) + '"'


def _ordered_domains(model: ConversationModel, snapshot: ConversationSnapshot) -> list[Domain]:
    """The client's own ranking first, then the model's order (as the handover orders them)."""
    ranks = {d: a.priority_rank for d, a in snapshot.assessments.items() if a.priority_rank is not None}
    position = {d.id: i for i, d in enumerate(model.domains)}
    return sorted(model.domains, key=lambda d: (ranks.get(d.id, 10_000), position[d.id]))


def _score_text(value: int, maximum: int) -> str:
    return _("{score}/{maximum}").format(score=value, maximum=maximum)


def completed_conversation(
    tx: Session, actor: Actor, conversation_id: int, *, not_completed: str | None = None
) -> Conversation:
    """A completed conversation the actor may read (the role is checked before anything is said
    about the conversation, so a refusal does not tell whether it exists). ``not_completed``: the
    message for a draft or a conversation being amended (else the GP note's)."""
    row = tx.get(Conversation, conversation_id)
    require(actor, Permission.VIEW_CONVERSATIONS, client_id=row.client_id if row is not None else None)
    if row is None:
        raise NotFoundError(
            _("There is no conversation with number {id} (any more: it may have been erased with its client).").format(
                id=conversation_id
            )
        )
    if row.status != COMPLETED:
        raise RefusedError(
            not_completed
            or _("This conversation is not completed yet; complete it first, then make the note for the GP's record.")
        )
    return row


def compose(tx: Session, actor: Actor, conversation_id: int) -> GpNote:
    """The note for the GP's record of a completed conversation (a view of the conversation)."""
    row = completed_conversation(tx, actor, conversation_id)
    snapshot = load_conversation(tx, actor, conversation_id)
    model = model_of(tx, conversation_id)
    domains = _ordered_domains(model, snapshot)
    lines: list[NoteLine] = []
    lines += _subjective(model, snapshot, domains)
    lines += _objective(model, snapshot, domains)
    lines += _evaluation(model, snapshot, domains)
    lines += _plan(tx, model, snapshot, row)
    return GpNote(conversation_id=conversation_id, client_id=row.client_id, lines=tuple(lines))


def _subjective(model: ConversationModel, snapshot: ConversationSnapshot, domains: list[Domain]) -> list[NoteLine]:
    day = snapshot.summary.started_at  # the day it was held, as the handover dates it
    lines = [
        NoteLine(
            "S.context",
            "S",
            _("Broad conversation ({model}) on {date}.").format(
                model=model.display_title(), date=format_short_date(to_display_time(day).date())
            ),
        )
    ]
    if plain(snapshot.what_matters_most):
        lines.append(
            NoteLine(
                "S.what_matters",
                "S",
                _("What matters most to the client: {text}").format(text=_quoted(snapshot.what_matters_most)),
            )
        )
    talk = [pick(d.title) for d in domains if _assessment(snapshot, d.id, "client_wants_to_talk")]
    if talk:
        lines.append(
            NoteLine("S.wants_to_talk", "S", _("Wants to talk about: {domains}.").format(domains=", ".join(talk)))
        )
    for domain in domains:
        words = _assessment(snapshot, domain.id, "own_words") or ""
        if plain(words):
            lines.append(
                NoteLine(
                    f"S.words:{domain.id}",
                    "S",
                    _("{domain}: {words}").format(domain=pick(domain.title), words=_quoted(words)),
                )
            )
    return lines


def _assessment(snapshot: ConversationSnapshot, domain_id: str, name: str):
    view = snapshot.assessments.get(domain_id)
    return getattr(view, name) if view is not None else None


def _objective(model: ConversationModel, snapshot: ConversationSnapshot, domains: list[Domain]) -> list[NoteLine]:
    lines = []
    for domain in domains:
        scale = model.scale_of(domain)
        view = snapshot.assessments.get(domain.id)
        if scale is None or view is None or (view.score is None and view.client_score is None):
            continue
        parts = []
        if view.score is not None:
            text = _("{domain} {score}").format(domain=pick(domain.title), score=_score_text(view.score, scale.max))
            anchor = scale.anchor(view.score)
            if anchor is not None:
                text += " " + _("({meaning})").format(meaning=pick(anchor.label))
            parts.append(text)
            if view.client_score is not None:
                parts.append(_("client's own score {score}").format(score=_score_text(view.client_score, scale.max)))
        else:
            parts.append(
                _("{domain}: client's own score {score}").format(
                    domain=pick(domain.title), score=_score_text(view.client_score, scale.max)
                )
            )
        lines.append(NoteLine(f"O.score:{domain.id}", "O", "; ".join(parts)))
    return lines


def _evaluation(model: ConversationModel, snapshot: ConversationSnapshot, domains: list[Domain]) -> list[NoteLine]:
    lines = []
    for domain in domains:
        view = snapshot.assessments.get(domain.id)
        if view is None:
            continue
        flags = []
        if view.important:
            flags.append(_("important to the client"))
        if view.priority_rank is not None:
            flags.append(_("the client's priority {rank}").format(rank=view.priority_rank))
        if view.client_wants_to_talk:
            flags.append(_("the client wants to talk about it"))
        if not flags:
            continue
        key = f"E.domain:{domain.id}"
        lines.append(
            NoteLine(key, "E", _("{domain}: {flags}.").format(domain=pick(domain.title), flags=", ".join(flags)))
        )
        for code in suggested_codes(model, domain):
            lines.append(NoteLine(f"E.icpc:{domain.id}:{code.code}", "E", code.line(), ticked=False, parent=key))
    return lines


def _plan(tx: Session, model: ConversationModel, snapshot: ConversationSnapshot, row: Conversation) -> list[NoteLine]:
    lines = []
    for goal in snapshot.goals:
        if plain(goal.description):
            lines.append(NoteLine(f"P.goal:{goal.id}", "P", _("Goal: {goal}").format(goal=plain(goal.description))))
    for action in snapshot.actions:
        parts = [plain(action.what)]
        if plain(action.who):
            parts.append(_("who: {who}").format(who=plain(action.who)))
        if action.due_date is not None:
            parts.append(_("by {date}").format(date=format_short_date(action.due_date)))
        if action.done:
            parts.append(_("done"))
        lines.append(NoteLine(f"P.action:{action.id}", "P", _("Action: {action}").format(action="; ".join(parts))))
    referrals = tx.exec(
        select(Referral).where(Referral.conversation_id == row.id).order_by(Referral.created_at, Referral.id)
    ).all()
    for referral in referrals:
        lines.append(
            NoteLine(
                f"P.referral:{referral.id}",
                "P",
                _("Referred to {recipient}: {status}.").format(
                    recipient=plain(referral.recipient), status=status_label(referral.status).lower()
                ),
            )
        )
    if snapshot.follow_up_date is not None:
        who = ""
        if row.practitioner_id is not None:
            try:
                contact = practitioner_contact(tx, row.practitioner_id)
                who = _("{name}, {role}").format(name=contact.name, role=role_in_sentence(contact.role))
            except NotFoundError:
                who = ""
        date_text = format_date(snapshot.follow_up_date, "long")
        text = (
            _("Follow-up conversation on {date} with {who}.").format(date=date_text, who=who)
            if who
            else _("Follow-up conversation on {date}.").format(date=date_text)
        )
        lines.append(NoteLine("P.follow_up", "P", text))
    return lines


# -- as text -------------------------------------------------------------------------------------


def as_text(note: GpNote, ticked: Iterable[str]) -> str:
    """The ticked lines as the journal entry: "S: ..." and so on, each section once, in SOEP
    order, wrapped at 80 characters; a section with nothing ticked is left out."""
    shown = note.shown(ticked)
    out: list[str] = []
    for section in SECTIONS:
        lines = [line for line in shown if line.section == section]
        for number, line in enumerate(lines):
            indent = _CHILD_INDENT if line.parent is not None else _INDENT
            start = f"{section}: " if number == 0 else indent
            out += textwrap.wrap(
                line.text, width=WIDTH, initial_indent=start, subsequent_indent=indent, break_on_hyphens=False
            )
    return "\n".join(out) + ("\n" if out else "")


# -- leaving the app -----------------------------------------------------------------------------


def record_export(tx: Session, actor: Actor, conversation_id: int, *, printed: bool = False) -> None:
    """The note left the app: copied (an export) or printed (a print); no content in the trail."""
    row = completed_conversation(tx, actor, conversation_id)
    audit.record(
        tx,
        actor,
        audit.Action.PRINT if printed else audit.Action.EXPORT,
        object_type="conversation",
        object_id=row.id,
        client_id=row.client_id,
        detail=GP_NOTE,
    )
