"""Fictional demo data, made through the same use cases the app uses.

Deterministic: the same seed and reference day give the same database, row for row. Dates
count back from the reference day. Each client has 1-3 conversations within the past year, a
follow-up mostly with the same model (so scores can be followed over time; some domains are
skipped now and then), with scores that drift the way people's lives do, the client's own
words, flagged domains, and goals and agreed actions that vary by theme (some with a life
domain of their own, a few with none). In about a third the client scored their own web. What
a nurse's day shows is spread around the reference day: the newest conversation's follow-up is
overdue, this week or later; its actions fall due around it, some done, and older actions are
ticked off but for a few (Today shows a handful overdue, not one for every client); a follow-up
held with another model leaves no follow-up of the first one open; a few newest conversations
are drafts still open; referrals wait for feedback, a handful overdue.
The practice and its practitioners have addresses and direct lines; some clients have another GP
or prefer another language. Referrals show every state, each way of making the first contact, and
consents sharing one, two or more scored domains (so the handover's chart varies) and pieces
chosen by name; a handful are overdue.

Every demo practitioner signs in with ``DEMO_SECRET``. The use cases write the audit trail as
they would in the app, dated with the demo's own moments, so the trail is part of the demo.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from broadtalk import conversations as conv_module
from broadtalk import demo_texts as texts
from broadtalk.clients import BULK_ORDER, ClientInput, create_client, order_all
from broadtalk.consent import ConsentInput, withdraw_consent
from broadtalk.conversation_records import ActionEntry, ConversationContent, DomainEntry, GoalEntry, record_conversation
from broadtalk.errors import RefusedError
from broadtalk.forms.conditions import is_enabled
from broadtalk.forms.library import builtin_models, find_model
from broadtalk.forms.schema import ConversationModel, Item, ItemType
from broadtalk.handover.content import WHAT_MATTERS_MOST, conversation_pieces, give_consent, piece_key
from broadtalk.i18n import DISPLAY_ZONE, _
from broadtalk.life_domains import tags_of
from broadtalk.practitioners import Actor, Role, check_contact, create_practitioner
from broadtalk.referral_steps import (
    ACCEPTED,
    AWAITING_FEEDBACK,
    CLOSED,
    DECLINED,
    DRAFT,
    FEEDBACK,
    FIRST_CONTACT,
    ORDER,
    SENT,
)
from broadtalk.referrals import advance_referral, create_referral
from broadtalk.settings import (
    DEMO,
    PRACTICE_ADDRESS,
    PRACTICE_AGB,
    PRACTICE_CITY,
    PRACTICE_EMAIL,
    PRACTICE_NAME,
    PRACTICE_PHONE,
    PRACTICE_POSTAL_CODE,
    PracticeDetails,
    check_practice_details,
    write_setting,
)
from broadtalk.social_map import (
    OfferingInput,
    OfferingView,
    OrganisationInput,
    create_offering,
    create_organisation,
    suggest_offerings,
)
from broadtalk.store.database import Database
from broadtalk.store.tables import Action, Client, Conversation, Practitioner

BATCH = 250  # clients per transaction: big enough to be fast, small enough to show progress
#: Only the first clients may have an action of a domain but no goal: adding one goes through the
#: draft conversation's use cases (slower than recording a conversation at once), and some are enough.
OWN_STEP_CLIENTS = 300
#: An action this many days past its date is ticked off but for a few (``_done``).
SETTLED_DAYS = 21

#: The PIN every demo practitioner signs in with (demo data is fictional; the PIN is no secret).
DEMO_SECRET = "12345"
#: ``sign_in.hash_secret(DEMO_SECRET)``, made once and kept: with a fixed salt the same seed still
#: gives the same database row for row (a fresh salt would differ per run), no sign-in is weakened
#: (the PIN is published above), and no demo waits for scrypt. ``test_demo`` signs in with it.
DEMO_SECRET_HASH = "scrypt$16384$8$1$JebXQFJKdAPCIeYCV3gfaQ==$O+uwiCoKUvBxp6J/9Lioa431n1jcZHQVBvVKnXEutAk="


@dataclass(frozen=True)
class DemoReport:
    clients: int
    conversations: int
    practitioners: int
    offerings: int = 0
    referrals: int = 0


def generate_demo(
    db: Database,
    *,
    clients: int,
    seed: int = 1,
    today: date,
    progress: Any = None,
) -> DemoReport:
    """Fill an empty database with demo data. ``progress(done, total)`` is called per batch."""
    rng = random.Random(seed)
    with db.transaction() as tx:
        # Demo people never mix with real ones: only an unused database takes demo data.
        in_use = tx.exec(select(func.count(Client.id))).one() + tx.exec(select(func.count(Practitioner.id))).one()
        if in_use:
            raise RefusedError(
                _("This database is already in use; demo data goes into a new database (choose one with --db).")
            )
        reference = _at(today, 8, 0)
        actors = [create_practitioner(tx, name, Role(role), now=reference) for name, role in texts.PRACTITIONERS]
        for actor in actors:
            row = tx.get(Practitioner, actor.id)
            assert row is not None
            row.secret_hash = DEMO_SECRET_HASH
            # Checked as the use case checks them (set_practitioner_contact), written without its
            # audit entry: that entry would carry the wall-clock time, and the same seed must give
            # the same database row for row.
            row.phone, row.email = check_contact(*texts.PRACTITIONER_CONTACTS.get(actor.name, ("", "")))
            tx.add(row)
        write_setting(tx, PRACTICE_NAME, texts.PRACTICE_NAME)
        _demo_practice_details(tx)
        write_setting(tx, DEMO, "1")
    carers = [a for a in actors if a.role in (Role.PRACTICE_NURSE, Role.SOCIAL_WORKER)]
    models = sorted(builtin_models(), key=lambda m: m.id)
    total_conversations = 0
    done = 0
    while done < clients:
        size = min(BATCH, clients - done)
        with db.transaction() as tx:
            tx.info[BULK_ORDER] = True  # on a server: the list order is set once, at the end
            for index in range(done, done + size):
                own_steps = index < OWN_STEP_CLIENTS
                total_conversations += _demo_client(tx, rng, carers, models, today, own_steps=own_steps)
        done += size
        if progress is not None:
            progress(done, clients)
    with db.transaction() as tx:
        order_all(tx)
        offerings = _demo_social_map(tx, actors[0], today)
        referrals = _demo_referrals(tx, rng, carers, offerings, today)
    return DemoReport(
        clients=clients,
        conversations=total_conversations,
        practitioners=len(actors),
        offerings=len(offerings),
        referrals=referrals,
    )


def _demo_practice_details(tx: Session) -> None:
    """The practice's address, phone, e-mail and AGB code, checked as ``set_practice_details``
    checks them; written as the installation writes the practice name (no wall-clock audit entry)."""
    details = check_practice_details(
        PracticeDetails(
            name=texts.PRACTICE_NAME,
            address=texts.PRACTICE_ADDRESS,
            postal_code=texts.PRACTICE_POSTAL_CODE,
            city=texts.PRACTICE_CITY,
            phone=texts.PRACTICE_PHONE,
            email=texts.PRACTICE_EMAIL,
            agb=texts.PRACTICE_AGB,
        )
    )
    for key, value in (
        (PRACTICE_ADDRESS, details.address),
        (PRACTICE_POSTAL_CODE, details.postal_code),
        (PRACTICE_CITY, details.city),
        (PRACTICE_PHONE, details.phone),
        (PRACTICE_EMAIL, details.email),
        (PRACTICE_AGB, details.agb),
    ):
        write_setting(tx, key, value)


def _at(day: date, hour: int, minute: int) -> datetime:
    """A Dutch wall-clock moment on a day, as the aware timestamp the store keeps."""
    return datetime.combine(day, time(hour, minute), tzinfo=DISPLAY_ZONE)


def _demo_client(
    tx: Session,
    rng: random.Random,
    carers: list[Actor],
    models: list[ConversationModel],
    today: date,
    *,
    own_steps: bool = True,
) -> int:
    given = rng.choice(texts.GIVEN_NAMES)
    prefix = rng.choice(texts.NAME_PREFIXES)
    family = rng.choice(texts.FAMILY_NAMES)
    if family in ("Jong", "Vries", "Wit", "Hoek", "Veld", "Laar") and not prefix:
        prefix = "de" if family != "Laar" else "van"
    age = rng.choice((rng.randint(19, 45), rng.randint(45, 70), rng.randint(70, 96)))
    birth = today - timedelta(days=age * 365 + rng.randint(0, 364))
    days, open_draft = _conversation_days(rng, today)
    first_visit = days[0] - timedelta(days=rng.randint(0, 21))
    actor = rng.choice(carers)
    # Some clients prefer the language their name suggests; a few of those need an interpreter.
    spoken = texts.LANGUAGES_BY_NAME.get(given, ()) + texts.LANGUAGES_BY_NAME.get(family, ())
    language = rng.choice(spoken) if spoken and rng.random() < 0.6 else ""
    interpreter = bool(language) and rng.random() < 0.35
    other_gp = rng.choice(texts.GENERAL_PRACTITIONERS) if rng.random() < 0.15 else ""
    client = create_client(
        tx,
        actor,
        ClientInput(
            given_name=given,
            name_prefix=prefix,
            family_name=family,
            birth_date=birth,
            address=f"{rng.choice(texts.STREETS)} {rng.randint(1, 180)}",
            postal_code=f"{rng.randint(3400, 3999)} {rng.choice('ABCDEGHJKLMNPRSTVWXZ')}{rng.choice('ABCDEGHJKLMNPRSTVWXZ')}",
            city=rng.choice(texts.CITIES),
            phone=f"06-00{rng.randint(100000, 999999)}" if rng.random() < 0.8 else "",
            email=f"{given.lower()[:1]}.{rng.randint(100, 999)}@example.org" if rng.random() < 0.5 else "",
            general_practitioner=other_gp,
            language=language,
            interpreter_needed=interpreter,
        ),
        now=_at(first_visit, 9, 0),
        rng=rng,
    )
    # A client's own level per theme: some domains are hard, most are fine.
    levels = {theme: rng.betavariate(2.5, 2.0) for theme in texts.OWN_WORDS}
    for theme in rng.sample(list(levels), k=rng.randint(1, 3)):
        levels[theme] = rng.uniform(0.05, 0.35)
    model = rng.choice(models)
    previous: int | None = None
    for index, day in enumerate(days):
        # A follow-up is mostly held with the same model, so the scores can be followed over time.
        if index and rng.random() < 0.1:
            other = rng.choice(models)
            if other.id != model.id and previous is not None:
                # The follow-up was held with another model: none of the first stays planned.
                row = tx.get(Conversation, previous)
                assert row is not None
                row.follow_up_date = None
                tx.add(row)
            model = other
        is_last = index == len(days) - 1
        previous = _demo_conversation(
            tx,
            rng,
            actor,
            client.id,
            model,
            day,
            levels,
            improvement=0.08 * index,
            draft=is_last and open_draft,
            own_steps=own_steps,
            next_day=None if is_last else days[index + 1],
            today=today,
        )
    return len(days)


def _conversation_days(rng: random.Random, today: date) -> tuple[list[date], bool]:
    """The days of a client's conversations, oldest first, all within the past year, and whether
    the newest is a draft still open. Follow-ups come 6 to 16 weeks apart; the newest was a few
    days to four months ago (an open draft: in the last two weeks)."""
    open_draft = rng.random() < 0.1
    newest = today - timedelta(days=rng.randint(0, 14) if open_draft else rng.randint(3, 120))
    days = [newest]
    for _step in range(rng.choice((1, 1, 2, 2, 3)) - 1):
        earlier = days[0] - timedelta(days=rng.randint(42, 112))
        if earlier < today - timedelta(days=365):
            break
        days.insert(0, earlier)
    return days, open_draft


def _follow_up(rng: random.Random, day: date, next_day: date | None, today: date, *, draft: bool) -> date | None:
    """When to meet again. Before a later conversation: about that day (as it was planned).
    After the newest: spread around today, so a nurse's day has some overdue, some this week and
    some later; now and then none."""
    if next_day is not None:
        planned = next_day + timedelta(days=rng.randint(-4, 4))
    else:
        kind = rng.random()
        if draft and kind < 0.5:
            return None  # not agreed yet
        if kind < 0.25:
            planned = today - timedelta(days=rng.randint(1, 28))  # overdue
        elif kind < 0.5:
            planned = today + timedelta(days=rng.randint(0, 6))  # this week
        elif kind < 0.85:
            planned = today + timedelta(days=rng.randint(7, 90))  # later
        else:
            return None
    return max(planned, day + timedelta(days=1))


def _due(rng: random.Random, day: date, newest: bool, today: date) -> tuple[date, bool]:
    """An action's date and whether it was done: the newest conversation's actions fall around
    today, older ones' weeks after their conversation; whether done, ``_done``."""
    later = timedelta(days=rng.randint(-21, 28) if newest else rng.randint(7, 42))
    due = max(day, today + later) if newest else day + later
    return due, _done(rng, due, today)


def _done(rng: random.Random, due: date, today: date) -> bool:
    """Whether an action due on ``due`` was ticked off by ``today``: never before its date, about
    half in its first week, most within three weeks, nearly all later (as in a practice that
    follows up what was agreed: Today shows a handful overdue, the most recent first)."""
    late = (today - due).days
    if late <= 0:
        return False
    chance = 0.5 if late <= 7 else 0.8 if late <= SETTLED_DAYS else 0.985
    return rng.random() < chance


def _demo_conversation(
    tx: Session,
    rng: random.Random,
    actor: Actor,
    client_id: int,
    model: ConversationModel,
    day: date,
    levels: dict[str, float],
    *,
    improvement: float,
    draft: bool,
    own_steps: bool = True,
    next_day: date | None = None,
    today: date | None = None,
) -> int:
    """One conversation, its id; ``next_day``: the client's next one (None for the newest)."""
    today = today or day
    newest = next_day is None
    start = _at(day, rng.randint(8, 15), rng.choice((0, 15, 30, 45)))
    minutes = rng.randint(35, 75)
    content = ConversationContent(model_id=model.id, model_version=model.version, started_at=start)
    visited = [d for d in model.domains if rng.random() < 0.88] or [model.domains[0]]
    rng.shuffle(visited)  # the client leads: domains in their order
    # In about a third of the conversations the client scored their own web in the client view.
    client_scored = rng.random() < 0.35
    by_level: list[tuple[float, str]] = []
    for domain in visited:
        theme = texts.THEMES.get(domain.id, "meaning")
        level = max(0.0, min(1.0, levels.get(theme, 0.6) + improvement + rng.uniform(-0.1, 0.1)))
        scale = model.scale_of(domain)
        score = None if scale is None else round(scale.min + level * (scale.max - scale.min))
        important = level < 0.4 or rng.random() < 0.1
        client_score = None
        wants_to_talk = False
        if client_scored:
            if scale is not None and score is not None:
                # The client's own view differs a little from the professional's, either way.
                own = score + round(rng.gauss(0.0, 0.12) * (scale.max - scale.min))
                client_score = max(scale.min, min(scale.max, own))
            wants_to_talk = rng.random() < (0.6 if important else 0.08)
        content.domains.append(
            DomainEntry(
                domain_id=domain.id,
                score=score,
                notes=rng.choice(texts.NOTES[theme]) if rng.random() < 0.7 else "",
                own_words=rng.choice(texts.OWN_WORDS[theme]) if rng.random() < 0.75 else "",
                important=important,
                client_score=client_score,
                client_wants_to_talk=wants_to_talk,
            )
        )
        by_level.append((level, domain.id))
        for item in domain.items:
            if is_enabled(model, item, content.answers) and rng.random() < 0.75:
                value = _demo_answer(rng, item, level, day)
                if value is not None:
                    content.answers[item.link_id] = value
    by_level.sort()
    if model.closing.rank_domains:
        ranks = {domain_id: rank for rank, (_level, domain_id) in enumerate(by_level[: rng.randint(1, 3)], start=1)}
        for entry in content.domains:
            entry.priority_rank = ranks.get(entry.domain_id)
    for item in model.closing.items:
        if is_enabled(model, item, content.answers) and rng.random() < 0.6:
            value = _demo_answer(rng, item, 0.5, day)
            if value is not None:
                content.answers[item.link_id] = value
    content.what_matters_most = rng.choice(texts.WHAT_MATTERS)
    content.follow_up_date = _follow_up(rng, day, next_day, today, draft=draft)
    # Goals for the domains the client finds hardest (the flagged ones first), each in words of
    # its own theme, with actions that fit it: no two conversations need agree on their goals.
    chosen: set[str] = set()
    agreed: set[str] = set()  # two goals of one theme never share an action
    for _level, domain_id in by_level[: rng.randint(1, 2)]:
        theme = texts.THEMES.get(domain_id, "meaning")
        goal = rng.choice([g for g in texts.GOAL_CHOICES[theme] if g not in chosen] or texts.GOAL_CHOICES[theme])
        chosen.add(goal)
        pool = list(texts.ACTION_CHOICES[theme])
        if rng.random() < 0.2:
            pool.append(rng.choice(texts.ACTIONS))
        pool = [entry for entry in dict.fromkeys(pool) if entry[0] not in agreed]
        actions = []
        for what, who in rng.sample(pool, k=min(len(pool), rng.randint(1, 2))):
            agreed.add(what)
            due, done = _due(rng, day, newest, today)
            actions.append(ActionEntry(what, who, due, done=done and not draft))
        content.goals.append(GoalEntry(goal, domain_id, actions))
    # An action of no life domain now and then: shared only when the client ticks it by name.
    if rng.random() < 0.2:
        what, who = rng.choice(texts.GENERAL_ACTIONS)
        due, done = _due(rng, day, newest, today)
        content.actions.append(ActionEntry(what, who, due, done=done and not draft))
    # An action of a flagged domain that serves no goal: added in the conversation (a draft), as
    # the app adds it; the conversation is then completed.
    own_step = None
    if rng.random() < 0.15 and by_level and own_steps:
        domain_id = by_level[0][1]
        what, who = texts.DOMAIN_ACTIONS[texts.THEMES.get(domain_id, "meaning")]
        own_step = (domain_id, what, who, day + timedelta(days=rng.randint(7, 42)))
    end = start + timedelta(minutes=minutes)
    if own_step is None and not draft:
        content.completed_at = end
        content.duration_seconds = minutes * 60
    conversation_id = record_conversation(tx, actor, client_id, content, now=content.completed_at or start)
    if own_step is not None:
        domain_id, what, who, due = own_step
        added = conv_module.add_action(
            tx, actor, conversation_id, what, who=who, due_date=due, domain_id=domain_id, now=end - timedelta(minutes=5)
        )
        if not draft:
            conv_module.complete_conversation(tx, actor, conversation_id, duration_seconds=minutes * 60, now=end)
            if _done(rng, due, today):
                # Ticked off later, as ``record_conversation`` writes the other actions' state: no
                # trail entry with the wall-clock time (the same seed gives the same database).
                row = tx.get(Action, added.id)
                assert row is not None
                row.done = True
                tx.add(row)
    return conversation_id


def _demo_answer(rng: random.Random, item: Item, level: float, day: date) -> Any:
    if item.type == ItemType.CHOICE:
        options = [o.code for o in item.answer_options]
        if item.repeats:
            return sorted(rng.sample(options, k=rng.randint(1, min(2, len(options)))))
        # Lower levels lean to the first options ("yes, I want to work on this").
        weights = [(1.0 - level) if i == 0 else level / max(1, len(options) - 1) + 0.05 for i in range(len(options))]
        return rng.choices(options, weights=weights)[0]
    if item.type == ItemType.STRING:
        return rng.choice(texts.PROFESSIONALS)
    if item.type == ItemType.TEXT:
        return rng.choice(texts.ANSWER_TEXTS)
    if item.type == ItemType.BOOLEAN:
        return rng.random() < 0.5
    if item.type == ItemType.INTEGER:
        return rng.randint(0, 10)
    if item.type == ItemType.DECIMAL:
        return round(rng.uniform(0, 10), 1)
    if item.type == ItemType.DATE:
        return (day + timedelta(weeks=rng.choice((6, 8, 12)))).isoformat()
    return None


# -- the social map and referrals in every state ---------------------------------------------------


def _demo_social_map(tx: Session, actor: Actor, today: date) -> list[OfferingView]:
    """A small social map of a Dutch neighbourhood; two entries not checked for years (stale)."""
    offerings: list[OfferingView] = []
    for index, (organisation, city, phone, entries) in enumerate(texts.SOCIAL_MAP):
        checked = today - timedelta(days=800 if index in (3, 6) else 30 + 20 * index)
        org = create_organisation(
            tx,
            actor,
            OrganisationInput(
                name=organisation,
                address=f"{texts.STREETS[index % len(texts.STREETS)]} {10 + index}",
                postal_code=f"35{60 + index} AB",
                city=city,
                phone=phone,
                email=f"info{index}@example.org",
                opening_hours="ma-vr 9.00-17.00",
                last_checked=checked,
            ),
            now=_at(today, 8, 0),
        )
        for name, kind, tags, function in entries:
            offerings.append(
                create_offering(
                    tx,
                    actor,
                    OfferingInput(org.id, name, kind, tags, function, description=""),
                    now=_at(today, 8, 0),
                    today=today,
                )
            )
    return offerings


#: The states demo referrals end up in, with how consent fares (withdrawn and expired included).
REFERRAL_STORIES = (
    (DRAFT, "none"),
    (DRAFT, "given"),
    (SENT, "given"),
    (ACCEPTED, "given"),
    (FIRST_CONTACT, "given"),
    (FEEDBACK, "given"),
    (CLOSED, "given"),
    (DECLINED, "given"),
    (SENT, "withdrawn"),
    (CLOSED, "expired"),
    (SENT, "overdue"),
)
#: Turns of who makes the first contact and of how many domains a consent shares (one or two give
#: the handover a bar chart, three or more the full chart). The referrals take the models in turn
#: (three), so these lengths share no factor with 3 or with the 11 stories: every combination occurs.
FIRST_CONTACT_TURNS = ("recipient", "client", "recipient", "practice")
SHARED_DOMAIN_TURNS = (1, 2, 3, 2, 4)


def _spread(length: int, count: int) -> list[int]:
    """The positions of ``count`` rows spread evenly over ``length`` (all of them when there are not more)."""
    if length <= count:
        return list(range(length))
    return [i * length // count for i in range(count)]


def _referral_conversations(tx: Session, wanted: int) -> list[Conversation]:
    """Completed conversations to refer from, the models taking turns: every model's referral
    (and chart) shows up in the demo whenever that model was used. Counts them per model, then
    reads ids and models in one pass keeping only the chosen ones (a 100,000-client demo has some
    180,000 conversations: none of them is held), then loads the few chosen rows."""
    table = Conversation.__table__.c  # type: ignore[attr-defined]
    connection = tx.connection()
    completed = table.status == conv_module.COMPLETED
    counts = dict(
        connection.execute(select(table.model_id, func.count()).where(completed).group_by(table.model_id)).all()
    )
    positions = {model_id: set(_spread(count, wanted)) for model_id, count in counts.items()}
    picked: dict[str, list[int]] = {model_id: [] for model_id in counts}
    seen = dict.fromkeys(counts, 0)
    for conversation_id, model_id in connection.execute(
        select(table.id, table.model_id).where(completed).order_by(table.id)
    ):
        if seen[model_id] in positions[model_id]:
            picked[model_id].append(conversation_id)
        seen[model_id] += 1
    queues = [picked[model_id] for model_id in sorted(picked)]
    chosen: list[int] = []
    turn = 0
    while len(chosen) < wanted and any(queues):
        queue = queues[turn % len(queues)]
        turn += 1
        if queue:
            chosen.append(queue.pop(0))
    found = {row.id: row for row in tx.exec(select(Conversation).where(col(Conversation.id).in_(chosen)))}
    return [found[conversation_id] for conversation_id in chosen]


def _demo_referrals(
    tx: Session, rng: random.Random, carers: list[Actor], offerings: list[OfferingView], today: date
) -> int:
    chosen = _referral_conversations(tx, len(REFERRAL_STORIES) * 3)
    made = 0
    for index, conversation in enumerate(chosen):
        status, consent_story = REFERRAL_STORIES[index % len(REFERRAL_STORIES)]
        actor = next((a for a in carers if a.id == conversation.practitioner_id), carers[0])
        day = conversation.started_at.astimezone(DISPLAY_ZONE).date()
        if consent_story == "overdue":
            day = max(day, today - timedelta(days=rng.randint(35, 70)))
        elif status in AWAITING_FEEDBACK:
            # Sent recently and waiting for feedback: only the overdue story is past the due days.
            day = max(day, today - timedelta(days=rng.randint(4, 18)))
        moment = _at(day, 16, 0)
        # The demo reads back what it wrote: no practitioner looks, so no view is recorded.
        snapshot = conv_module.snapshot_unchecked(tx, conversation)
        important = [d for d, a in snapshot.assessments.items() if a.important] or list(snapshot.assessments)[:1]
        # Refer as a practitioner would: to an offering for the flagged domains, with a fitting question.
        model = find_model(tx, conversation.model_id, conversation.model_version)
        tags = {t for d in important if model.domain(d) for t in tags_of(model, model.domain(d))}
        suggested = suggest_offerings(tx, tags, today) if tags else []
        offering = suggested[0] if suggested and rng.random() < 0.8 else rng.choice(offerings)
        question, purpose = texts.REFERRAL_BY_KIND.get(offering.kind, texts.REFERRAL_BY_KIND["welfare_coach"])
        first_contact = FIRST_CONTACT_TURNS[index % len(FIRST_CONTACT_TURNS)]
        preference = (
            rng.choice(texts.CONTACT_PREFERENCES) if first_contact == "recipient" and rng.random() < 0.5 else ""
        )
        direct_line = texts.PRACTITIONER_CONTACTS.get(actor.name, ("", ""))[0] or texts.PRACTICE_PHONE
        referral = create_referral(
            tx,
            actor,
            conversation.client_id,
            offering_id=offering.id,
            question=question,
            urgency=rng.choice(("routine", "routine", "soon", "urgent")),
            feedback_contact=f"{actor.name}, {texts.PRACTICE_NAME}, {direct_line}",
            conversation_id=conversation.id,
            first_contact=first_contact,
            contact_preference=preference,
            now=moment,
            rng=rng,
        )
        made += 1
        if consent_story == "none":
            continue
        # The client agrees to share the flagged domains first, then others they talked about.
        count = SHARED_DOMAIN_TURNS[index % len(SHARED_DOMAIN_TURNS)]
        domains = tuple(dict.fromkeys([*important, *snapshot.assessments]))[:count]
        # The pieces of no domain, ticked by name: what matters most in about half the consents.
        pieces = conversation_pieces(model, snapshot)
        keys = {p.key for p in pieces}
        ticked = [WHAT_MATTERS_MOST] if WHAT_MATTERS_MOST in keys and rng.random() < 0.5 else []
        loose_actions = [p.key for p in pieces if p.key.startswith(piece_key("action", ""))]
        if loose_actions and rng.random() < 0.6:
            ticked.append(rng.choice(loose_actions))
        answers = [p.key for p in pieces if p.key.startswith(piece_key("answer", ""))]
        if answers and rng.random() < 0.2:
            ticked.append(rng.choice(answers))
        valid_until = day + timedelta(days=30) if consent_story == "expired" else day + timedelta(days=365)
        consent = give_consent(
            tx,
            actor,
            referral.id,
            ConsentInput(
                purpose=purpose,
                domains=domains,
                share_identity_details=rng.random() < (0.9 if first_contact == "recipient" else 0.4),
                share_goals_actions=rng.random() < 0.7,
                share_own_words=rng.random() < 0.7,
                method=rng.choice(("verbal", "written")),
                given_on=day,
                valid_until=valid_until,
                pieces=tuple(ticked),
            ),
            now=moment,
        )
        step_day = day
        for step in ORDER[1 : ORDER.index(status) + 1] if status != DECLINED else (SENT, DECLINED):
            step_day = min(today, step_day + timedelta(days=rng.randint(1, 6)))
            note = ""
            if step == FEEDBACK:
                note = rng.choice(texts.FEEDBACK_NOTES)
            elif step == DECLINED:
                note = "Geen plek binnen de wachttijd; doorverwezen naar het wijkteam."
            when = _at(step_day, 11, 0) if step != SENT else moment
            advance_referral(tx, actor, referral.id, step, note=note, now=when)
        if consent_story == "withdrawn":
            withdraw_consent(tx, actor, consent.id, note="Wil het eerst zelf proberen.", now=_at(step_day, 15, 0))
    return made
