"""The client's own summary of a conversation: one page, in plain words, to take home.

What it holds, and what it leaves out on purpose:

- what matters most to the client, and the domains the client called important (by their plain
  titles, "Lichaam en gezondheid");
- the goals, and what was agreed: who does what, by when;
- when the client and the practitioner see each other again, with whom, and how to reach the
  practice.

Never a referral (a handover has its own copy for the client, under the client's consent), never
the practitioner's notes, never the answers to the model's questions. No scores either: a number
on paper without the conversation around it reads as a verdict ("Geld: 1 van 5"), also to
whoever else picks the paper up at home, and the client sees their own web with the
practitioner, where it can be talked about.

Making it needs ``VIEW_CONVERSATIONS`` and a completed conversation; showing it is a view of the
conversation, saving it an export and printing it a print (audit detail ``client_summary``).
Rendering, saving and printing it are in ``handover/client_summary_export.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session

from broadtalk.clients import client_record_unchecked
from broadtalk.conversations import load_conversation, model_of
from broadtalk.errors import NotFoundError
from broadtalk.gp_note import completed_conversation, plain
from broadtalk.i18n import _, pick, to_display_time
from broadtalk.practitioners import Actor, practitioner_contact, role_in_sentence
from broadtalk.settings import PracticeDetails, practice_details
from broadtalk.text import fold

#: The audit trail's detail for this document.
CLIENT_SUMMARY = "client_summary"


@dataclass(frozen=True)
class AgreedStep:
    what: str
    who: str = ""
    due_date: date | None = None
    done: bool = False


@dataclass(frozen=True)
class ClientSummary:
    conversation_id: int
    client_id: int
    client_name: str
    conversation_date: date
    practitioner_name: str = ""
    #: "praktijkondersteuner (POH)": inside a sentence.
    practitioner_role: str = ""
    what_matters_most: str = ""
    #: The plain titles of the domains the client called important, in the client's order.
    important: tuple[str, ...] = ()
    goals: tuple[str, ...] = ()
    actions: tuple[AgreedStep, ...] = ()
    follow_up_date: date | None = None
    practice: PracticeDetails = field(default_factory=PracticeDetails)


#: How "who" is often typed when the client does it; on the client's own page that is "you".
CLIENT_WORDS = frozenset({"client", "de client", "patient", "de patient", "clint", "zelf", "self"})


def _who(who: str) -> str:
    """Who does it, as the client reads it: "uzelf" where the practitioner typed "cliënt"."""
    who = " ".join(who.split())
    return _("you, yourself") if fold(who).strip(" .") in CLIENT_WORDS else who


def load_summary(tx: Session, actor: Actor, conversation_id: int) -> ClientSummary:
    """The summary of a completed conversation (a view of the conversation)."""
    row = completed_conversation(
        tx,
        actor,
        conversation_id,
        not_completed=_(
            "This conversation is not completed yet; complete it first, then make the summary for the client."
        ),
    )
    snapshot = load_conversation(tx, actor, conversation_id)
    model = model_of(tx, conversation_id)
    client = client_record_unchecked(tx, row.client_id)
    ranks = {d: a.priority_rank for d, a in snapshot.assessments.items() if a.priority_rank is not None}
    position = {d.id: i for i, d in enumerate(model.domains)}
    ordered = sorted(model.domains, key=lambda d: (ranks.get(d.id, 10_000), position[d.id]))
    important = tuple(
        pick(d.plain())
        for d in ordered
        if (view := snapshot.assessments.get(d.id)) is not None and (view.important or view.priority_rank is not None)
    )
    name = role = ""
    if row.practitioner_id is not None:
        try:
            contact = practitioner_contact(tx, row.practitioner_id)
            name, role = contact.name, role_in_sentence(contact.role)
        except NotFoundError:
            pass
    moment = snapshot.summary.started_at  # the day it was held, as the handover dates it
    return ClientSummary(
        conversation_id=conversation_id,
        client_id=row.client_id,
        client_name=client.name,
        conversation_date=to_display_time(moment).date(),
        practitioner_name=name,
        practitioner_role=role,
        what_matters_most=snapshot.what_matters_most.strip(),
        important=important,
        goals=tuple(g.description.strip() for g in snapshot.goals if plain(g.description)),
        actions=tuple(
            AgreedStep(what=a.what.strip(), who=_who(a.who), due_date=a.due_date, done=a.done)
            for a in snapshot.actions
            if plain(a.what)
        ),
        follow_up_date=snapshot.follow_up_date,
        practice=practice_details(tx),
    )
