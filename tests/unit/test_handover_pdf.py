"""The handover PDFs: the letter for the recipient and the client's own copy.

The heart is a property test: random clients (hostile, right-to-left, accented, emoji names),
random conversations full of hostile text, random consents; all recorded through the app's own
use cases, loaded with ``load_handover`` and rendered. Read back with pypdf, every piece of text
outside the consent is absent, everything inside it is present, and markup is printed literally.
Distinctive ASCII markers inside the texts make the checks immune to line wrapping.
"""

from __future__ import annotations

import io
import math
import os
import re
import statistics
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader
from reportlab.graphics.shapes import PolyLine
from reportlab.platypus import Paragraph

from broadtalk import i18n
from broadtalk.client_scores import set_client_assessment
from broadtalk.clients import ClientInput, create_client
from broadtalk.consent import ConsentInput, current_consent, record_consent, withdraw_consent
from broadtalk.conversations import (
    add_action,
    add_goal,
    amend_conversation,
    assess_domain,
    complete_conversation,
    record_answer,
    set_closing,
    start_conversation,
)
from broadtalk.errors import RefusedError
from broadtalk.forms.library import builtin_models
from broadtalk.handover import pdf as pdf_module
from broadtalk.handover.chart import INNER_RING, PinnedSpiderChart, chart_domains, spider_drawing
from broadtalk.handover.content import HandoverContent, give_consent, load_handover, preview_handover
from broadtalk.handover.pdf import (
    CLIENT_BODY_SIZE,
    PdfRenderError,
    client_copy_styles,
    render_client_copy_pdf,
    render_handover_pdf,
)
from broadtalk.handover.pdf_text import MISSING, clean_for_pdf, make_styles, para_text, visual_order
from broadtalk.i18n import _
from broadtalk.interop import fhir
from broadtalk.interop.fhir import text as fhir_text
from broadtalk.interop.handover_fhir import handover_bundle
from broadtalk.practitioners import Actor, Role, create_practitioner
from broadtalk.referrals import create_referral
from broadtalk.settings import PRACTICE_NAME, write_setting
from broadtalk.store.database import Database
from broadtalk.store.tables import Offering, Organisation

NOW = datetime(2026, 3, 2, 10, 30, tzinfo=UTC)  # as in conftest
#: Examples of the consent property test: 200 in the suite (the same 200 every run, so a run is
#: repeatable), 1,000 new ones each run with BROADTALK_SLOW=1.
SLOW = bool(os.environ.get("BROADTALK_SLOW"))
EXAMPLES = 1000 if SLOW else 200
TODAY = NOW.date()
MODELS = {m.id: m for m in builtin_models()}
#: A free-text item per model that is always shown (no enableWhen), so its answer is always shared.
ANSWER_ITEM = {"positive-health": "{d}.going-well", "self-sufficiency": "{d}.situation", "four-domains": "{d}.going-on"}
#: A closing item: closing answers are never part of a handover.
CLOSING_ITEM = {
    "positive-health": "closing.most-important",
    "self-sufficiency": "closing.goals",
    "four-domains": "closing.goal",
}
HOSTILE_NAMES = (
    "<b>&Co",
    "Nguyễn",
    "Łukasz",
    "Ødegård",
    "Çelik",
    "Şahin",
    "Ğül",
    "محمد",
    "עוזיאל",
    "Anne-Marie 😊",
    "Thảo 🌷",
    "O'Brien & Zn",
    "</para>",
    "Zoë",
)
HOSTILE_SNIPPETS = (
    "<b>&Co",
    "<para>",
    "</b>",
    "&amp;",
    "&",
    "a < b > c",
    "<br/>",
    '<font color="red">rood</font>',
    "&#x41;",
    "مرحبا بالعالم",
    "שלום עולם",
    "Nguyễn Thị Thảo",
    "Łódź, Ødegård, Çelik, Ğ",
    "😀🧡👍🏽🏳️‍🌈",
    "tab\there",
    "regel1\nregel2\r\nregel3",
    "nul\x00teken",
    "   ",
)
LONG_TEXT = ("Dit is een lange toelichting die over meerdere regels en misschien pagina's loopt. " * 40).strip()


# -- building cases through the app's own use cases --------------------------------------------


@dataclass
class DomainText:
    domain_id: str
    score: int | None
    notes: str
    own_words: str
    answer: str
    important: bool
    #: The client's own score and "I want to talk about this", from the client view.
    client_score: int | None = None
    wants_to_talk: bool = False


@dataclass
class GoalText:
    description: str
    domain_id: str | None
    actions: list[tuple[str, str, date | None]] = field(default_factory=list)


@dataclass
class Case:
    given_name: str
    family_name: str
    model_id: str
    domains: list[DomainText]
    shared: list[str]
    share_identity: bool
    share_goals: bool
    share_own_words: bool
    name_prefix: str = ""
    birth_date: date = date(1980, 5, 17)
    address: str = ""
    postal_code: str = ""
    city: str = ""
    phone: str = ""
    email: str = ""
    what_matters_most: str = ""
    closing_answer: str = ""
    goals: list[GoalText] = field(default_factory=list)
    loose_actions: list[tuple[str, str, date | None]] = field(default_factory=list)
    #: The own life domain of each loose action (None: no domain, shared only when ticked).
    loose_domains: list[str | None] = field(default_factory=list)
    #: Markers of the pieces of no domain the client ticks one by one.
    ticked: set[str] = field(default_factory=set)
    #: After consent: the conversation is amended (a late goal in a domain, a late loose action,
    #: and what matters most rewritten).
    late: bool = False
    question: str = "Wilt u contact opnemen met de cliënt?"
    urgency: str = "soon"
    purpose: str = "Ondersteuning bij meedoen"
    feedback_contact: str = "POH, 030 123 45 67"
    practice_name: str = "Huisartsenpraktijk De Linde"
    organisation: str = "Welzijn Lokaal"
    offering: str = "Welzijn op Recept"
    contact_function: str = "welzijnscoach"


def add_offering(tx, case: Case) -> int:
    """The social map is someone else's module: the rows go in directly."""
    organisation = Organisation(name=case.organisation, created_at=NOW, updated_at=NOW)
    tx.add(organisation)
    tx.flush()
    offering = Offering(
        organisation_id=organisation.id,
        name=case.offering,
        kind="welfare",
        contact_function=case.contact_function,
        created_at=NOW,
        updated_at=NOW,
    )
    tx.add(offering)
    tx.flush()
    assert offering.id is not None
    return offering.id


def record_case(db: Database, actor: Actor, case: Case) -> int:
    """Client, conversation, referral and consent, as the app records them; returns the referral id."""
    started = NOW - timedelta(days=3)
    with db.transaction() as tx:
        write_setting(tx, PRACTICE_NAME, case.practice_name)
        client = create_client(
            tx,
            actor,
            ClientInput(
                case.given_name,
                case.family_name,
                case.birth_date,
                name_prefix=case.name_prefix,
                address=case.address,
                postal_code=case.postal_code,
                city=case.city,
                phone=case.phone,
                email=case.email,
            ),
            now=started,
        )
        conversation = start_conversation(tx, actor, client.id, case.model_id, 1, now=started).id
        for d in case.domains:
            assess_domain(
                tx,
                actor,
                conversation,
                d.domain_id,
                score=d.score,
                notes=d.notes,
                own_words=d.own_words,
                important=d.important,
                now=started,
            )
            if d.answer:
                record_answer(tx, actor, conversation, ANSWER_ITEM[case.model_id].format(d=d.domain_id), d.answer)
            if d.client_score is not None or d.wants_to_talk:
                set_client_assessment(
                    tx,
                    actor,
                    conversation,
                    d.domain_id,
                    score=d.client_score,
                    wants_to_talk=d.wants_to_talk,
                    now=started,
                )
        if case.closing_answer:
            record_answer(tx, actor, conversation, CLOSING_ITEM[case.model_id], case.closing_answer)
        set_closing(tx, actor, conversation, what_matters_most=case.what_matters_most, now=started)
        for goal in case.goals:
            goal_id = add_goal(tx, actor, conversation, goal.description, domain_id=goal.domain_id, now=started).id
            for what, who, due in goal.actions:
                add_action(tx, actor, conversation, what, who=who, due_date=due, goal_id=goal_id, now=started)
        for index, (what, who, due) in enumerate(case.loose_actions):
            domain_id = case.loose_domains[index] if index < len(case.loose_domains) else None
            add_action(tx, actor, conversation, what, who=who, due_date=due, domain_id=domain_id, now=started)
        complete_conversation(tx, actor, conversation, duration_seconds=3000, now=started + timedelta(hours=1))
        offering_id = add_offering(tx, case)
        referral = create_referral(
            tx,
            actor,
            client.id,
            offering_id=offering_id,
            question=case.question,
            urgency=case.urgency,
            feedback_contact=case.feedback_contact,
            conversation_id=conversation,
            now=NOW,
        )
        data = ConsentInput(
            purpose=case.purpose,
            domains=tuple(case.shared),
            share_identity_details=case.share_identity,
            share_goals_actions=case.share_goals,
            share_own_words=case.share_own_words,
            method="verbal",
            given_on=TODAY,
            valid_until=TODAY + timedelta(days=365),
        )
        _preview, pieces = preview_handover(tx, actor, referral.id, data, today=TODAY)
        keys = tuple(p.key for p in pieces if any(mark in p.text for mark in case.ticked))
        give_consent(tx, actor, referral.id, replace(data, pieces=keys), now=NOW)
        if case.late:
            later = NOW + timedelta(hours=2)
            amend_conversation(tx, actor, conversation, now=later)
            domain = case.shared[0] if case.shared else case.domains[0].domain_id
            add_goal(tx, actor, conversation, f"late goal {marker('LATEGOAL', 0)}", domain_id=domain, now=later)
            add_action(tx, actor, conversation, f"late action {marker('LATEACT', 0)}", now=later)
            set_closing(tx, actor, conversation, what_matters_most=f"rewritten {marker('WMM', 1)}", now=later)
            complete_conversation(tx, actor, conversation, now=later)
        return referral.id


def load(db: Database, actor: Actor, referral_id: int, today: date = TODAY) -> HandoverContent:
    with db.transaction() as tx:
        return load_handover(tx, actor, referral_id, today=today)


def render(content: HandoverContent) -> tuple[bytes, bytes]:
    letter, copy = io.BytesIO(), io.BytesIO()
    render_handover_pdf(content, letter)
    render_client_copy_pdf(content, copy)
    return letter.getvalue(), copy.getvalue()


def pages_text(data: bytes) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages]


def squeeze(text: str) -> str:
    """Text without any whitespace: line wrapping and extraction spacing cannot hide a marker."""
    return re.sub(r"\s+", "", text)


def printed_as_typed(typed: str, extracted: str) -> bool:
    """The typed text is in the extracted text. Left-to-right text must be there as one string;
    right-to-left runs are drawn in visual order and extraction may move their neighbours, so
    there every letter must be there (multiset), not the exact sequence."""
    expected = squeeze(clean_for_pdf(typed))
    if not any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in expected):
        return expected in extracted
    # Beside a right-to-left run a bracket is drawn (and extracted) mirrored: "»" may come back
    # as "«". Each mirrored pair counts as one character.
    pairs = str.maketrans("»›)]}>", "«‹([{<")
    return not (Counter(expected.translate(pairs)) - Counter(extracted.translate(pairs)))


def flat(text: str) -> str:
    return " ".join(text.split())


def realistic_case() -> Case:
    """A demo-like Dutch case: positive health, 6 domains scored, 3 of them shared, everything consented."""
    texts = {
        "bodily-functions": (6, "Slaapt slecht sinds de scheiding; rugklachten bekend bij de huisarts.", "", ""),
        "mental-wellbeing": (
            4,
            "Piekert veel over geld, voelt zich somber, vooral 's avonds. Geen crisis; wel behoefte aan "
            "iemand die meedenkt.\nHeeft eerder contact gehad met de POH-GGZ (2024).",
            "Ik lig 's nachts wakker van de rekeningen.",
            "Wandelen met de hond helpt.",
        ),
        "meaningfulness": (
            3,
            "Mist een doel in de week sinds het verlies van zijn baan als magazijnmedewerker.",
            "Ik wil weer ergens bij horen & iets betekenen.",
            "Hij helpt zijn buurman graag met klussen.",
        ),
        "quality-of-life": (5, "Wisselend.", "", ""),
        "participation": (
            2,
            "Weinig contacten buiten de familie; zoon komt eens per maand.",
            "Meedoen, dat is wat ik wil. Niet de hele dag thuis zitten.",
            "Was vroeger vrijwilliger bij de voetbalclub.",
        ),
        "daily-functioning": (7, "Redt zich in het huishouden.", "", ""),
    }
    domains = [
        DomainText(d, score, notes, own, answer, important=d in ("participation", "meaningfulness"))
        for d, (score, notes, own, answer) in texts.items()
    ]
    return Case(
        given_name="Ron",
        name_prefix="de",
        family_name="Wit",
        birth_date=date(1980, 11, 4),
        address="Lindelaan 12",
        postal_code="3521AB",
        city="Utrecht",
        phone="06 12 34 56 78",
        email="ron.dewit@example.nl",
        model_id="positive-health",
        domains=domains,
        shared=["mental-wellbeing", "meaningfulness", "participation"],
        share_identity=True,
        share_goals=True,
        share_own_words=True,
        what_matters_most="Meedoen. Weer een reden hebben om 's ochtends op te staan.",
        goals=[
            GoalText(
                "Twee dagdelen per week vrijwilligerswerk",
                "participation",
                [("Kennismaken met de welzijnscoach", "Ron en welzijnscoach", TODAY + timedelta(days=14))],
            ),
            GoalText("Overzicht krijgen over de rekeningen", "mental-wellbeing", [("Papieren sorteren", "Ron", None)]),
        ],
        loose_actions=[("Terugkomafspraak bij de POH", "Anouk de Vries (POH)", TODAY + timedelta(days=42))],
        question=(
            "Ron (45) zoekt een zinvolle daginvulling en contact met anderen. Wilt u met hem kennismaken "
            "en samen kijken naar vrijwilligerswerk of een activiteit in de wijk? Hij vindt het spannend "
            "om alleen te gaan; een eerste afspraak samen zou helpen."
        ),
        urgency="soon",
        purpose="Begeleiding naar vrijwilligerswerk en contact in de wijk (Welzijn op Recept)",
        feedback_contact="Anouk de Vries, POH, 030 231 45 67 (ma–do), poh@delinde.example.nl",
        practice_name="Huisartsenpraktijk De Linde",
        organisation="Welzijn Lokaal Utrecht",
        offering="Welzijn op Recept",
        contact_function="welzijnscoach",
    )


# -- para_text and clean_for_pdf -----------------------------------------------------------------


def test_para_text_escapes_markup_and_turns_newlines_into_breaks():
    assert para_text("<b>&Co\nregel 2") == "&lt;b&gt;&amp;Co<br/>regel 2"
    assert para_text("&amp; </para>") == "&amp;amp; &lt;/para&gt;"
    assert para_text("a\r\nb\rc\u2028d") == "a<br/>b<br/>c<br/>d"


def test_clean_for_pdf_drops_controls_and_composes_accents():
    assert clean_for_pdf("nul\x00teken\x07") == "nulteken"
    assert clean_for_pdf("tab\there") == "tab here"
    assert clean_for_pdf("Nguye\u0302\u0303n") == "Nguyễn"  # decomposed input prints precomposed


def test_emoji_the_font_lacks_become_one_box_per_run_and_the_rest_stays():
    assert clean_for_pdf("Fijn 🧡🧡 gesprek") == f"Fijn {MISSING} gesprek"
    assert clean_for_pdf("Anne-Marie 😊") == f"Anne-Marie {MISSING}"  # beyond U+FFFF: not searchable, so a box
    assert clean_for_pdf("👍🏽 🏳️‍🌈") == f"{MISSING} {MISSING}"  # a sequence is one box
    assert clean_for_pdf("☺ ★ ♥ ✓") == "☺ ★ ♥ ✓"  # symbols the font has print
    assert clean_for_pdf("\ud800") == MISSING  # a lone surrogate never reaches the PDF


def test_invisible_format_characters_are_dropped():
    assert clean_for_pdf("zacht\xadje zero\u200bwidth \u202bRTL\u202c") == "zachtje zerowidth RTL"


def test_right_to_left_runs_are_drawn_in_visual_order():
    assert visual_order("עוזיאל Çelik") == "לאיזוע Çelik"
    assert visual_order("Naam: محمد") == "Naam: دمحم"
    assert visual_order("דירה 12, קומה 3 (ימין) end") == "(ןימי) 3 המוק ,12 הריד end"
    assert visual_order("שלום\nעולם") == "םולש\nםלוע"  # each line on its own
    assert visual_order("Nguyễn <b>&Co") == "Nguyễn <b>&Co"


def test_right_to_left_names_read_back_in_reading_order():
    data = io.BytesIO()
    from reportlab.platypus import SimpleDocTemplate

    SimpleDocTemplate(data).build([Paragraph(para_text("עוזיאל Çelik"), make_styles(10).body)])
    assert "עוזיאל" in pages_text(data.getvalue())[0]


@given(st.text(max_size=300))
@settings(max_examples=200, deadline=None)
def test_any_text_parses_as_a_literal_paragraph(text):
    paragraph = Paragraph(para_text(text), make_styles(10).body)
    printed = "".join(getattr(frag, "text", "") for frag in paragraph.frags)
    assert squeeze(printed) == squeeze(visual_order(clean_for_pdf(text)))  # every letter, nothing interpreted


# -- the property: nothing outside the consent, everything inside it, literally -----------------


def marker(kind: str, index: int) -> str:
    return f"QZ{kind}{index}X"


hostile_piece = st.one_of(
    st.sampled_from(HOSTILE_SNIPPETS),
    st.text(st.characters(codec="utf-8"), max_size=25),
)


@st.composite
def hostile_text(draw, mark: str, long_ok: bool = True) -> str:
    before = draw(st.lists(hostile_piece, max_size=3))
    after = draw(st.lists(hostile_piece, max_size=3))
    long = draw(st.sampled_from(["", "", "", LONG_TEXT])) if long_ok else ""
    # Pieces are parted by a Latin word: pypdf's text extraction applies its own bidi and moves
    # neutral characters (the "&" of "&amp;") that touch an Arabic or Hebrew run, although the PDF
    # draws them in place. The word keeps each piece checkable on its own.
    return " en ".join([*before, f" {mark} ", *after, long])


name_part = st.one_of(
    st.sampled_from(HOSTILE_NAMES),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1, max_size=20),
).filter(lambda s: s.strip() and len(s) <= 100)


@st.composite
def cases(draw) -> Case:
    model_id = draw(st.sampled_from(sorted(ANSWER_ITEM)))
    model = MODELS[model_id]
    domains = []
    for index, domain in enumerate(model.domains):
        scale = model.scale_of(domain)
        score = draw(st.none() | st.integers(scale.min, scale.max)) if scale is not None else None
        own = draw(st.none() | st.integers(scale.min, scale.max)) if scale is not None else None
        domains.append(
            DomainText(
                domain.id,
                score,
                draw(hostile_text(marker("NOTE", index))),
                draw(hostile_text(marker("OWN", index))),
                draw(hostile_text(marker("ANS", index), long_ok=False)),
                draw(st.booleans()),
                client_score=own,
                wants_to_talk=draw(st.booleans()),
            )
        )
    ids = [d.id for d in model.domains]
    goals = []
    for g in range(draw(st.integers(0, 2))):
        actions = [
            (draw(hostile_text(marker("ACT", g * 10 + a), long_ok=False)), marker("WHO", g * 10 + a), None)
            for a in range(draw(st.integers(0, 2)))
        ]
        goals.append(
            GoalText(
                draw(hostile_text(marker("GOAL", g), long_ok=False)), draw(st.none() | st.sampled_from(ids)), actions
            )
        )
    loose = [
        (draw(hostile_text(marker("LOOSE", a), long_ok=False)), marker("LWHO", a), TODAY)
        for a in range(draw(st.integers(0, 2)))
    ]
    loose_domains = [draw(st.none() | st.sampled_from(ids)) for _ in loose]
    tickable = [marker("WMM", 0), marker("CLOSE", 0)]
    tickable += [marker("GOAL", g) for g, goal in enumerate(goals) if goal.domain_id is None]
    tickable += [marker("LOOSE", a) for a, domain in enumerate(loose_domains) if domain is None]
    tickable += [
        marker("ACT", g * 10 + a)
        for g, goal in enumerate(goals)
        if goal.domain_id is None
        for a in range(len(goal.actions))
    ]
    return Case(
        given_name=draw(name_part),
        family_name=draw(name_part),
        model_id=model_id,
        domains=domains,
        shared=draw(st.lists(st.sampled_from(ids), unique=True)),
        share_identity=draw(st.booleans()),
        share_goals=draw(st.booleans()),
        share_own_words=draw(st.booleans()),
        address=f"Straat {marker('ADDR', 0)} 1",
        city=marker("CITY", 0),
        phone=marker("TEL", 0),
        email=f"{marker('MAIL', 0)}@example.org",
        what_matters_most=draw(hostile_text(marker("WMM", 0))),
        closing_answer=f"closing {marker('CLOSE', 0)}",
        goals=goals,
        loose_actions=loose,
        loose_domains=loose_domains,
        ticked=set(draw(st.lists(st.sampled_from(tickable), unique=True))),
        late=draw(st.booleans()),
        question=draw(hostile_text(marker("QUESTION", 0), long_ok=False)),
        urgency=draw(st.sampled_from(["routine", "soon", "urgent"])),
        purpose=draw(hostile_text(marker("PURPOSE", 0), long_ok=False)),
        practice_name=draw(
            st.sampled_from(["Huisartsenpraktijk De Linde", "Praktijk <Zon> & Maan", "Gezondheidscentrum Ødegård"])
        ),
        organisation=draw(st.sampled_from(["Welzijn Lokaal", "Buurtteam <Oost> & Co"])),
    )


def own_score_line(letter: bool, value: int, maximum: int) -> str:
    score = _("{score} of {maximum}").format(score=value, maximum=maximum)
    if letter:
        return squeeze(_("The client's own score:") + score)
    return squeeze(_("Your own score: {score}").format(score=score))


def wants_to_talk_line(letter: bool) -> str:
    return squeeze(_("The client wants to talk about this.") if letter else _("You want to talk about this."))


def client_view_lines(case: Case, letter: bool) -> Counter[str]:
    """The client's own score and "wants to talk" lines (squeezed) the letter or the client's copy
    must show: one per consented domain that has them, none for any other domain."""
    model = MODELS[case.model_id]
    expected: Counter[str] = Counter()
    for d in case.domains:
        if d.domain_id not in case.shared:
            continue
        if d.client_score is not None:
            expected[own_score_line(letter, d.client_score, model.scale_of(model.domain(d.domain_id)).max)] += 1
        if d.wants_to_talk:
            expected[wants_to_talk_line(letter)] += 1
    return expected


def client_view_found(text: str, case: Case, letter: bool) -> Counter[str]:
    """How often every possible own-score and wants-to-talk line occurs in an extracted text."""
    model = MODELS[case.model_id]
    scales = {(scale.min, scale.max) for d in model.domains if (scale := model.scale_of(d)) is not None}
    lines = {wants_to_talk_line(letter)}
    lines |= {own_score_line(letter, v, high) for low, high in scales for v in range(low, high + 1)}
    return Counter({line: text.count(line) for line in lines if line in text})


def expectations(case: Case) -> tuple[set[str], set[str], set[str]]:
    """(markers the letter must show, markers the client's copy must show, markers neither may show).

    A domain's pieces go with the domain; a piece of no domain (what matters most, a closing
    answer, a goal or action without a domain) only when ticked and unchanged since consent;
    pieces added after consent only when they belong to a consented domain."""
    letter, copy = set(), set()
    absent = {marker("WMM", 1), marker("LATEACT", 0)}  # rewritten or added after consent, never ticked
    shared = set(case.shared)
    both = set()
    for index, d in enumerate(case.domains):
        inside = d.domain_id in shared
        (letter if inside else absent).update({marker("NOTE", index), marker("ANS", index)})
        if inside and case.share_own_words:
            letter.add(marker("OWN", index))
            if d.important:
                copy.add(marker("OWN", index))
        else:
            absent.add(marker("OWN", index))
    wmm = marker("WMM", 0) in case.ticked and not case.late
    (both if wmm else absent).add(marker("WMM", 0))
    (letter if marker("CLOSE", 0) in case.ticked else absent).add(marker("CLOSE", 0))
    for g, goal in enumerate(case.goals):
        if goal.domain_id is None:
            kept = marker("GOAL", g) in case.ticked
        else:
            kept = case.share_goals and goal.domain_id in shared
        (both if kept else absent).add(marker("GOAL", g))
        for a in range(len(goal.actions)):
            found = {marker("ACT", g * 10 + a), marker("WHO", g * 10 + a)}
            acted = marker("ACT", g * 10 + a) in case.ticked if goal.domain_id is None else kept
            (both if acted else absent).update(found)
    for a in range(len(case.loose_actions)):
        domain = case.loose_domains[a] if a < len(case.loose_domains) else None
        kept = marker("LOOSE", a) in case.ticked if domain is None else case.share_goals and domain in shared
        (both if kept else absent).update({marker("LOOSE", a), marker("LWHO", a)})
    if case.late and case.share_goals and case.shared:
        both.add(marker("LATEGOAL", 0))  # domain-scoped: shared with its domain, and the letter says so
    else:
        absent.add(marker("LATEGOAL", 0))
    identity = {marker(k, 0) for k in ("ADDR", "CITY", "TEL", "MAIL")}
    (letter if case.share_identity else absent).update(identity)
    letter.update({marker("QUESTION", 0), marker("PURPOSE", 0)})
    copy.add(marker("PURPOSE", 0))
    return letter | both, copy | both, absent


@pytest.fixture(scope="module")
def case_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Database, Actor]]:
    """One database for every example: each example records a client of its own in it."""
    db = Database.open(tmp_path_factory.mktemp("cases") / "broadtalk.sqlite")
    with db.transaction() as tx:
        actor = create_practitioner(tx, "Anouk de Vries", Role.PRACTICE_NURSE, now=NOW)
    yield db, actor
    db.close()


@given(case=cases())
@settings(
    max_examples=EXAMPLES,
    derandomize=not SLOW,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
def test_the_pdfs_show_exactly_what_the_consent_covers_and_print_text_literally(
    case: Case, case_db: tuple[Database, Actor]
):
    db, actor = case_db
    referral_id = record_case(db, actor, case)
    content = load(db, actor, referral_id)
    # Only a change within the consented domains is shared, and then the letter says so.
    assert content.changed_after_consent == (case.late and case.share_goals and bool(case.shared))
    letter_bytes, copy_bytes = render(content)
    letter, copy = squeeze(" ".join(pages_text(letter_bytes))), squeeze(" ".join(pages_text(copy_bytes)))
    in_letter, in_copy, absent = expectations(case)

    for mark in sorted(absent):
        assert mark not in letter, f"{mark} is outside the consent but in the letter"
        assert mark not in copy, f"{mark} is outside the consent but in the client's copy"
    for mark in sorted(in_letter):
        assert mark in letter, f"{mark} is consented but missing from the letter"
    for mark in sorted(in_copy):
        assert mark in copy, f"{mark} is consented but missing from the client's copy"
    # The client's own scores and "wants to talk": exactly where the consent covers the domain.
    assert client_view_found(letter, case, True) == client_view_lines(case, True), "own scores in the letter"
    assert client_view_found(copy, case, False) == client_view_lines(case, False), "own scores in the copy"
    changed = squeeze(
        _(
            "The conversation was changed after consent was given; only what lies within the consented life domains is shared."
        )
    )
    assert (changed in letter) == content.changed_after_consent

    # Literal: the name and the hostile snippets print as typed, never as markup.
    for text in (letter, copy):
        assert printed_as_typed(content.client.name, text)
    assert printed_as_typed(content.practice_name, letter)
    if "<b>&Co" in case.question:
        assert "<b>&Co" in letter
    if "&amp;" in case.question:
        assert "&amp;" in letter
    if "<para>" in case.purpose:
        assert "<para>" in letter and "<para>" in copy

    # The same content as FHIR data (interop.handover_fhir): valid, nothing outside the consent,
    # everything the letter shares, the client's own views exactly for the consented domains.
    bundle = handover_bundle(content)
    fhir.validate(bundle)
    data = "\n".join(fhir_strings(bundle))
    for mark in sorted(absent):
        assert mark not in data, f"{mark} is outside the consent but in the FHIR data"
    for mark in sorted(in_letter):
        assert mark in data, f"{mark} is consented but missing from the FHIR data"
    assert fhir_client_views(bundle) == {
        d.domain_id: (d.client_score, d.wants_to_talk) for d in case.domains if d.domain_id in case.shared
    }
    for kept in (content.client.name, content.question, content.consent.purpose):
        assert fhir_text(kept) in data, "text is carried literally (only control characters dropped)"


def fhir_strings(resource: object) -> Iterator[str]:
    """Every string in a FHIR resource (keys aside), depth first."""
    if isinstance(resource, str):
        yield resource
    elif isinstance(resource, dict):
        for value in resource.values():
            yield from fhir_strings(value)
    elif isinstance(resource, list):
        for value in resource:
            yield from fhir_strings(value)


def fhir_client_views(bundle: dict) -> dict[str, tuple[int | None, bool]]:
    """Per life domain Observation: (the client's own score, wants to talk)."""
    found = {}
    for item in bundle["entry"]:
        resource = item["resource"]
        if resource["resourceType"] != "Observation" or not resource["code"]["coding"][0]["system"].startswith(
            fhir.MODEL_PREFIX
        ):
            continue
        values = {
            c["code"]["coding"][0]["code"]: c.get("valueInteger", c.get("valueBoolean"))
            for c in resource.get("component", [])
            if c["code"].get("coding") and c["code"]["coding"][0]["system"] == fhir.CODES
        }
        found[resource["code"]["coding"][0]["code"]] = (
            values.get("client-score"),
            bool(values.get("client-wants-to-talk")),
        )
    return found


# -- refusals -------------------------------------------------------------------------------------


def test_withdrawn_consent_gives_no_content_and_so_no_pdf(db: Database, actor: Actor):
    referral_id = record_case(db, actor, realistic_case())
    assert load(db, actor, referral_id).reference  # fine before the withdrawal
    with db.transaction() as tx:
        withdraw_consent(tx, actor, current_consent(tx, actor, referral_id).id, now=NOW + timedelta(hours=1))
    with pytest.raises(RefusedError) as refused:
        load(db, actor, referral_id, TODAY + timedelta(days=1))
    assert "Ron" not in str(refused.value)


def test_expired_consent_gives_no_content(db: Database, actor: Actor):
    referral_id = record_case(db, actor, realistic_case())
    with pytest.raises(RefusedError):
        load(db, actor, referral_id, TODAY + timedelta(days=366))


# -- the letter -----------------------------------------------------------------------------------


@pytest.fixture
def content(db: Database, actor: Actor) -> HandoverContent:
    return load(db, actor, record_case(db, actor, realistic_case()))


def test_metadata_names_no_one(content: HandoverContent):
    letter, copy = render(content)
    for data, title in ((letter, _("Warm handover")), (copy, _("Your copy of the handover"))):
        metadata = PdfReader(io.BytesIO(data)).metadata
        assert metadata.title == title
        assert metadata.author == "broadtalk"
        values = " ".join(str(v) for v in metadata.values())
        for personal in ("Ron", "Wit", "Linde", "Anouk", "Welzijn", content.reference):
            assert personal not in values


def test_every_page_says_confidential_and_its_number(db: Database, actor: Actor):
    case = realistic_case()
    case.domains = [replace(d, notes=d.notes + "\n" + LONG_TEXT * 2) for d in case.domains]
    content = load(db, actor, record_case(db, actor, case))
    letter, _copy = render(content)
    pages = pages_text(letter)
    assert len(pages) >= 3
    for number, text in enumerate(pages, start=1):
        assert _("Confidential") in text
        assert _("Page {page} of {total}").format(page=number, total=len(pages)) in flat(text)
        assert content.reference in text


def test_the_question_and_urgency_come_before_the_consent_and_the_domains(content: HandoverContent):
    letter, _copy = render(content)
    text = flat(" ".join(pages_text(letter)))
    question = text.index(_("Our question to you"))
    assert question < text.index(_("The client's consent")) < text.index(_("Per life domain"))
    assert question < text.index(_("Within a week"))


def test_unicode_names_render_as_typed(db: Database, actor: Actor):
    for given_name, family_name in (("Thị Thảo", "Nguyễn"), ("Łukasz", "Ødegård"), ("Emre", "Çelik")):
        case = replace(realistic_case(), given_name=given_name, family_name=family_name)
        letter, copy = render(load(db, actor, record_case(db, actor, case)))
        for data in (letter, copy):
            text = flat(" ".join(pages_text(data)))
            assert f"{given_name} de {family_name}" in text


def test_hostile_names_and_practice_print_literally(db: Database, actor: Actor):
    case = replace(realistic_case(), given_name="<b>&Co", family_name="</para>", practice_name="Praktijk <Zon> & Maan")
    letter, copy = render(load(db, actor, record_case(db, actor, case)))
    for data in (letter, copy):
        text = " ".join(pages_text(data))
        assert "<b>&Co de </para>" in text
        assert "Praktijk <Zon> & Maan" in text


def test_emoji_only_own_words_render(db: Database, actor: Actor):
    case = realistic_case()
    case.domains = [replace(d, own_words="🧡🧡") if d.domain_id == "participation" else d for d in case.domains]
    letter, copy = render(load(db, actor, record_case(db, actor, case)))
    for data in (letter, copy):  # participation is marked important: its own words are in the copy too
        assert _quoted_missing() in flat(" ".join(pages_text(data)))


def _quoted_missing() -> str:
    return _("“{text}”").format(text=MISSING)


def test_sections_without_consent_are_absent_and_the_box_says_so(db: Database, actor: Actor):
    case = replace(realistic_case(), share_identity=False, share_goals=False, share_own_words=False)
    content = load(db, actor, record_case(db, actor, case))
    letter, copy = render(content)
    text = flat(" ".join(pages_text(letter)))
    for heading in (_("What matters most to the client"), _("In their own words"), _("Goals and agreed actions")):
        assert heading not in text
    for detail in ("Lindelaan", "3521 AB", "06 12 34 56 78", "ron.dewit@example.nl"):
        assert detail not in text
    not_shared = "; ".join([_("address, phone and e-mail"), _("goals and actions"), _("the client's own words")])
    assert f"{_('Not shared')} {not_shared}" in text
    assert _("Only what is in this letter is shared.") in text
    copy_text = flat(" ".join(pages_text(copy)))
    assert _("What you agreed to do") not in copy_text and _("What matters to you") not in copy_text


def test_everything_consented_is_in_the_letter(content: HandoverContent):
    letter, _copy = render(content)
    text = flat(" ".join(pages_text(letter)))
    assert "Lindelaan 12, 3521 AB Utrecht" in text
    assert "ron.dewit@example.nl" in text
    for title in content.consent.domain_titles:
        assert title in text
    assert "Ik wil weer ergens bij horen & iets betekenen." in text
    assert "Twee dagdelen per week vrijwilligerswerk" in text
    assert "Kennismaken met de welzijnscoach" in text
    assert "poh@delinde.example.nl" in text
    assert "Slaapt slecht" not in text  # bodily functions were not shared


def test_a_referral_without_conversation_renders_without_domain_sections(db: Database, actor: Actor):
    with db.transaction() as tx:
        write_setting(tx, PRACTICE_NAME, "Huisartsenpraktijk De Linde")
        client = create_client(tx, actor, ClientInput("Greet", "Jansen", "12-06-1942"), now=NOW)
        referral = create_referral(
            tx,
            actor,
            client.id,
            offering_id=add_offering(tx, realistic_case()),
            question="Wilt u Greet uitnodigen voor de maaltijd in het buurthuis?",
            urgency="routine",
            feedback_contact="POH, 030 123 45 67",
            now=NOW,
        )
        data = ConsentInput("Meedoen in de wijk", (), False, False, False, "written", TODAY, TODAY + timedelta(days=90))
        record_consent(tx, actor, referral.id, data, now=NOW)
    letter, copy = render(load(db, actor, referral.id))
    text = flat(" ".join(pages_text(letter)))
    assert "Greet Jansen" in text and "maaltijd in het buurthuis" in text
    for heading in (_("Scores at a glance"), _("Per life domain"), _("Goals and agreed actions")):
        assert heading not in text
    assert _("There is no rush: the first contact will be as soon as they can.") in flat(" ".join(pages_text(copy)))


def test_english_rendering(db: Database, actor: Actor):
    referral_id = record_case(db, actor, realistic_case())
    i18n.set_language("en")
    content = load(db, actor, referral_id)
    letter, copy = render(content)
    text = flat(" ".join(pages_text(letter)))
    for words in ("Warm handover", "Confidential", "Page 1 of", "How to give feedback", "Mental well-being"):
        assert words in text
    assert "Withdrawing your consent" in flat(" ".join(pages_text(copy)))


def test_a_pdf_goes_to_a_path_or_a_file(content: HandoverContent, tmp_path: Path):
    path = tmp_path / "overdracht.pdf"
    render_handover_pdf(content, path)
    buffer = io.BytesIO()
    render_handover_pdf(content, buffer)
    assert path.read_bytes()[:5] == b"%PDF-" == buffer.getvalue()[:5]


def test_a_failure_says_nothing_about_the_client_and_writes_nothing(
    content: HandoverContent, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    def explode(self, story, **kwargs):
        raise ValueError(f"Paragraph text: {content.client.name}")

    monkeypatch.setattr(pdf_module.SimpleDocTemplate, "build", explode)
    path = tmp_path / "overdracht.pdf"
    with pytest.raises(PdfRenderError) as failed:
        render_handover_pdf(content, path)
    assert content.client.name not in str(failed.value)
    assert failed.value.__cause__ is None and failed.value.__suppress_context__
    assert not path.exists()


# -- the chart ------------------------------------------------------------------------------------


def _strand_radii(chart: PinnedSpiderChart) -> list[float]:
    """Distances of the web's corners from the centre, as a share of the radius."""
    radius = chart.width / 2
    cx, cy = chart.x + radius, chart.y + radius
    strand = next(s for s in chart.draw().getContents()[2].getContents() if isinstance(s, PolyLine))
    points = list(zip(strand.points[2::2], strand.points[3::2], strict=True))  # the first point closes the web
    return [math.hypot(x - cx, y - cy) / radius for x, y in points]


def test_the_chart_is_pinned_to_the_models_full_scale(content: HandoverContent):
    drawing = spider_drawing(content, 250, 220)
    chart = drawing.contents[0]
    assert isinstance(chart, PinnedSpiderChart)
    assert content.scale == (0, 10)
    assert (chart.valueMin, chart.valueMax) == content.scale
    # Low scores stay low: 4, 3 and 2 of 10 reach 4, 3 and 2 tenths of the way from the minimum's
    # ring (drawn above the centre) to the rim, not the rim.
    scores = [d.score for d in chart_domains(content)]
    assert scores == [4, 3, 2]
    expected = [round(INNER_RING + (1 - INNER_RING) * v / 10, 3) for v in (4, 3, 2)]
    assert [round(r, 3) for r in _strand_radii(chart)] == expected


def test_a_zrm_chart_draws_its_minimum_on_a_ring_above_the_centre(db: Database, actor: Actor):
    model = MODELS["self-sufficiency"]
    domains = [DomainText(d.id, 1 if i % 2 else 3, "", "", "", False) for i, d in enumerate(model.domains[:4])]
    case = replace(
        realistic_case(), model_id="self-sufficiency", domains=domains, shared=[d.domain_id for d in domains], goals=[]
    )
    content = load(db, actor, record_case(db, actor, case))
    chart = spider_drawing(content, 250, 220).contents[0]
    assert (chart.valueMin, chart.valueMax) == content.scale == (1, 5)
    # The worst score is a visible point on the minimum's ring, never collapsed onto the centre.
    low, mid = INNER_RING, INNER_RING + (1 - INNER_RING) / 2
    assert [round(r, 3) for r in _strand_radii(chart)] == [round(mid, 3), round(low, 3), round(mid, 3), round(low, 3)]


def test_no_chart_below_three_scored_domains_or_for_the_4d_model(db: Database, actor: Actor, content: HandoverContent):
    two = replace(content, domains=content.domains[:2])
    assert spider_drawing(two, 250, 220) is None
    four_d = [DomainText(d.id, None, "Gaat goed.", "", "", False) for d in MODELS["four-domains"].domains]
    case = replace(
        realistic_case(), model_id="four-domains", domains=four_d, shared=[d.domain_id for d in four_d], goals=[]
    )
    unscored = load(db, actor, record_case(db, actor, case))
    assert spider_drawing(unscored, 250, 220) is None
    letter, _copy = render(unscored)  # and the letter still renders, without a scores section
    assert _("Scores at a glance") not in " ".join(pages_text(letter))


def test_the_chart_labels_use_the_embedded_font(content: HandoverContent):
    chart = spider_drawing(content, 250, 220).contents[0]
    assert chart.spokeLabels.fontName.startswith("BroadtalkSans")
    assert chart.scaleFontName.startswith("BroadtalkSans")


# -- the client's copy ----------------------------------------------------------------------------


def _font_sizes(data: bytes) -> Iterator[tuple[float, str]]:
    for page in PdfReader(io.BytesIO(data)).pages:
        found: list[tuple[float, str]] = []

        def visit(text, cm, tm, font_dict, font_size, found=found):
            if text.strip():
                found.append((font_size * tm[0] * cm[0], text))

        page.extract_text(visitor_text=visit)
        yield from found


def test_the_client_copy_is_large_type(content: HandoverContent):
    assert client_copy_styles().body.fontSize >= 14
    assert CLIENT_BODY_SIZE >= 14
    _letter, copy = render(content)
    sizes = [size for size, text in _font_sizes(copy) for _ in text]
    assert statistics.median(sizes) >= 14


def test_the_client_copy_is_short_and_says_how_to_withdraw(content: HandoverContent):
    _letter, copy = render(content)
    pages = pages_text(copy)
    assert len(pages) <= 2
    text = flat(" ".join(pages))
    for heading in (
        _("What we talked about"),
        _("What matters to you"),
        _("What you agreed to do"),
        _("Who will contact you, and when"),
        _("What you agreed we may share, and with whom"),
        _("Withdrawing your consent"),
    ):
        assert heading in text
    assert _("After that, we share nothing more.") in text
    assert "Huisartsenpraktijk De Linde" in text
    assert "Meedoen, dat is wat ik wil." in text  # own words of a domain the client marked important
    assert "Ik lig 's nachts wakker" not in text  # own words of a domain not marked important
    assert "Piekert veel" not in text  # the practitioner's notes are for the recipient


def test_a_question_put_to_the_client_is_printed_as_a_neutral_label(content: HandoverContent):
    """'Wat gaat goed?' is asked of the client; the recipient reads 'Wat goed gaat'."""
    model = MODELS["positive-health"]
    item = model.domain("meaningfulness").items[0]
    assert item.report_label is not None
    letter, _copy = render(content)
    text = flat(" ".join(pages_text(letter)))
    assert i18n.pick(item.report_label) in text
    assert i18n.pick(item.text) not in text
