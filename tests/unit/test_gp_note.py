"""The note for the GP's record (SOEP): its structure, the ICPC data, what never appears, the trail.

The heart is a property test: conversations of every built-in model recorded through the app's
own use cases, with every optional field empty or full of hostile text, each piece of user text
carrying a marker of its own; then random sets of ticks. Whatever is unticked (or sits under an
unticked domain) never appears; whatever is ticked does; notes, answers, the referral's question
and feedback never appear at all.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from broadtalk import gp_note, i18n
from broadtalk.clients import ClientInput, create_client
from broadtalk.conversations import (
    add_action,
    add_goal,
    assess_domain,
    complete_conversation,
    rank_domains,
    record_answer,
    set_closing,
    start_conversation,
)
from broadtalk.errors import NotFoundError, RefusedError
from broadtalk.forms.library import builtin_models
from broadtalk.gp_note import SECTIONS, as_text, compose, icpc_codes, record_export, suggested_codes
from broadtalk.life_domains import TAGS, tags_of
from broadtalk.permissions import PermissionRefused
from broadtalk.practitioners import Actor, Role, create_practitioner
from broadtalk.referrals import create_referral
from broadtalk.store.database import Database
from broadtalk.store.tables import AuditEntry, DomainAssessment, Offering, Organisation

NOW = datetime(2026, 3, 2, 10, 30, tzinfo=UTC)
STARTED = NOW - timedelta(days=3)
MODELS = {m.id: m for m in builtin_models()}
#: A free-text item per model (its answer never goes into the note).
ANSWER_ITEM = {"positive-health": "{d}.going-well", "self-sufficiency": "{d}.situation", "four-domains": "{d}.going-on"}
HOSTILE = (
    "",
    "<b>&Co",
    "regel1\nregel2\r\nregel3",
    "tab\there",
    "nul\x00teken\x07",
    "מימין\u202eלשמאל",
    "😀🧡👍🏽",
    "Nguyễn Thị Thảo",
    "S: O: E: P:",
    "a" * 130,
    "Dit is een lange toelichting die over meerdere regels loopt. " * 6,
)


def marker(n: int) -> str:
    return f"zq{n:04d}qz"


def add_offering(tx, organisation_name: str) -> int:
    organisation = Organisation(name=organisation_name, created_at=NOW, updated_at=NOW)
    tx.add(organisation)
    tx.flush()
    offering = Offering(
        organisation_id=organisation.id,
        name="Budgetcoaching",
        kind="welfare",
        contact_function="budgetcoach",
        created_at=NOW,
        updated_at=NOW,
    )
    tx.add(offering)
    tx.flush()
    assert offering.id is not None
    return offering.id


def realistic(db: Database, actor: Actor) -> int:
    """A completed Positive Health conversation with everything a note can hold."""
    with db.transaction() as tx:
        client = create_client(tx, actor, ClientInput("Ron", "de Wit", date(1961, 4, 9)), now=STARTED)
        cid = start_conversation(tx, actor, client.id, "positive-health", 1, now=STARTED).id
        assess_domain(
            tx,
            actor,
            cid,
            "bodily-functions",
            score=6,
            own_words="Mijn knie speelt op.",
            notes="NOTE-secret",
            now=STARTED,
        )
        assess_domain(
            tx,
            actor,
            cid,
            "mental-wellbeing",
            score=3,
            own_words="Ik pieker veel over geld.",
            important=True,
            now=STARTED,
        )
        assess_domain(tx, actor, cid, "participation", important=True, now=STARTED)
        row = tx.exec(
            select(DomainAssessment).where(
                DomainAssessment.conversation_id == cid, DomainAssessment.domain_id == "bodily-functions"
            )
        ).one()
        row.client_score = 4
        row.client_wants_to_talk = True
        tx.add(row)
        set_closing(tx, actor, cid, what_matters_most="Rust in mijn hoofd.", follow_up_date=date(2026, 3, 30))
        goal = add_goal(tx, actor, cid, "Schulden op een rij.", domain_id="mental-wellbeing", now=STARTED).id
        add_action(tx, actor, cid, "Budgetcoach bellen", who="Ron", due_date=date(2026, 3, 9), goal_id=goal)
        add_action(tx, actor, cid, "Wandelen met de buurman", now=STARTED)
        complete_conversation(tx, actor, cid, duration_seconds=2400, now=STARTED + timedelta(hours=1))
        offering = add_offering(tx, "Schuldhulp Utrecht")
        create_referral(
            tx,
            actor,
            client.id,
            offering_id=offering,
            question="QUESTION-secret",
            urgency="soon",
            feedback_contact="POH",
            conversation_id=cid,
            now=NOW,
        )
    return cid


def note_of(db: Database, actor: Actor, cid: int) -> gp_note.GpNote:
    with db.transaction() as tx:
        return compose(tx, actor, cid)


# -- structure -----------------------------------------------------------------------------------


def test_a_realistic_note_reads_as_a_soep_journal_entry(db: Database, actor: Actor):
    cid = realistic(db, actor)
    i18n.set_language("en")
    note = note_of(db, actor, cid)
    text = as_text(note, note.default_ticked())
    model = MODELS["positive-health"]
    body, mind, taking_part = (
        i18n.pick(model.domain(d).title) for d in ("bodily-functions", "mental-wellbeing", "participation")
    )
    assert text == (
        f"S: Broad conversation ({model.display_title()}) on 27/02/2026.\n"
        '   What matters most to the client: "Rust in mijn hoofd."\n'
        f"   Wants to talk about: {body}.\n"
        f'   {body}: "Mijn knie speelt op."\n'
        f'   {mind}: "Ik pieker veel over geld."\n'
        f"O: {body} 6/10; client's own score 4/10\n"
        f"   {mind} 3/10\n"
        f"E: {body}: the client wants to talk about it.\n"
        f"   {mind}: important to the client.\n"
        f"   {taking_part}: important to the client.\n"
        "P: Goal: Schulden op een rij.\n"
        "   Action: Budgetcoach bellen; who: Ron; by 09/03/2026\n"
        "   Action: Wandelen met de buurman\n"
        "   Referred to Schuldhulp Utrecht – Budgetcoaching (budgetcoach): draft.\n"
        "   Follow-up conversation on 30 March 2026 with Anouk de Vries, practice nurse\n"
        "   (POH).\n"
    )


def test_icpc_codes_are_offered_under_their_domain_and_none_is_ticked_beforehand(db: Database, actor: Actor):
    cid = realistic(db, actor)
    note = note_of(db, actor, cid)
    codes = [line for line in note.lines if line.key.startswith("E.icpc:")]
    assert codes and not any(line.ticked for line in codes)
    assert {line.parent for line in codes} <= {line.key for line in note.lines if line.key.startswith("E.domain:")}
    assert not re.search(r"\bZ\d\d\b", as_text(note, note.default_ticked()))
    chosen = note.default_ticked() | {"E.icpc:mental-wellbeing:Z27"}
    text = as_text(note, chosen)
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if "Z27" in line)
    assert lines[at - 1].lstrip().startswith(note_line(note, "E.domain:mental-wellbeing").text[:12])
    assert lines[at].startswith("     Z27 ")
    # Without its domain, the code does not appear either.
    assert "Z27" not in as_text(note, chosen - {"E.domain:mental-wellbeing"})


def note_line(note: gp_note.GpNote, key: str) -> gp_note.NoteLine:
    return next(line for line in note.lines if line.key == key)


def test_headings_come_once_each_in_soep_order_and_lines_stay_within_80_characters(db: Database, actor: Actor):
    cid = realistic(db, actor)
    note = note_of(db, actor, cid)
    text = as_text(note, note.all_keys())
    heads = [line[:3] for line in text.splitlines() if not line.startswith(" ")]
    assert heads == ["S: ", "O: ", "E: ", "P: "]
    assert all(len(line) <= gp_note.WIDTH for line in text.splitlines())
    assert all(line.startswith(("S: ", "O: ", "E: ", "P: ", "   ")) for line in text.splitlines())
    # A section with nothing ticked is left out, heading and all.
    without_scores = {key for key in note.all_keys() if not key.startswith("O.")}
    assert "\nO: " not in as_text(note, without_scores)
    assert as_text(note, set()) == ""


def test_never_notes_answers_or_the_referral_question(db: Database, actor: Actor):
    cid = realistic(db, actor)
    note = note_of(db, actor, cid)
    text = as_text(note, note.all_keys())
    for secret in ("NOTE-secret", "QUESTION-secret"):
        assert secret not in text


def test_a_demo_conversation_gives_a_well_formed_note(tmp_path: Path):
    from broadtalk.demo import generate_demo
    from broadtalk.practitioners import get_actor
    from broadtalk.store.tables import Conversation

    db = Database.open(tmp_path / "demo.sqlite")
    try:
        generate_demo(db, clients=6, seed=1, today=NOW.date())
        with db.transaction() as tx:
            rows = tx.exec(select(Conversation).where(Conversation.status == "completed")).all()
            assert rows
            for row in rows:
                actor = get_actor(tx, row.practitioner_id)
                note = compose(tx, actor, row.id)
                text = as_text(note, note.default_ticked())
                heads = [line[:1] for line in text.splitlines() if not line.startswith(" ")]
                assert heads[0] == "S" and heads == sorted(heads, key=SECTIONS.index)
                assert len(set(heads)) == len(heads)
                assert all(len(line) <= gp_note.WIDTH for line in text.splitlines())
                assert "P" in heads  # every demo conversation has goals or a follow-up
    finally:
        db.close()


# -- the ICPC data ------------------------------------------------------------------------------


def test_the_icpc_file_holds_chapter_z_with_both_titles_and_known_tags():
    codes = icpc_codes()
    expected = {f"Z{n:02d}" for n in range(1, 30)} - {"Z17", "Z26"}
    assert {c.code for c in codes} == expected
    assert [c.code for c in codes] == sorted(c.code for c in codes)
    for code in codes:
        assert code.nl and code.en
        assert set(code.tags) <= set(TAGS), code.code
        assert code.tags or code.every_domain or code.domains, code.code
    assert next(c for c in codes if c.code == "Z01").nl == "Armoede/financiële problemen"


def test_every_domain_of_the_builtin_models_gets_specific_suggestions():
    for model in MODELS.values():
        for domain in model.domains:
            suggested = [c.code for c in suggested_codes(model, domain)]
            assert suggested[-1] == "Z29", (model.id, domain.id)
            if tags_of(model, domain) != ("substance-use",):
                assert len(suggested) >= 2, (model.id, domain.id)
    money = MODELS["self-sufficiency"].domain("finances")
    assert suggested_codes(MODELS["self-sufficiency"], money)[0].code == "Z01"


def test_titles_follow_the_language():
    z03 = next(c for c in icpc_codes() if c.code == "Z03")
    assert z03.line() == "Z03 Problemen met huisvesting/buurt"
    i18n.set_language("en")
    assert z03.line() == "Z03 Housing/neighbourhood problem"


# -- refusals and the trail -------------------------------------------------------------------------


def test_only_a_completed_conversation_and_only_for_who_reads_conversations(db: Database, actor: Actor):
    with db.transaction() as tx:
        client = create_client(tx, actor, ClientInput("Ron", "de Wit", date(1961, 4, 9)), now=STARTED)
        draft = start_conversation(tx, actor, client.id, "positive-health", 1, now=STARTED).id
        manager = create_practitioner(tx, "Joyce van Dijk", Role.PRACTICE_MANAGER, now=NOW)
    with pytest.raises(RefusedError), db.transaction() as tx:
        compose(tx, actor, draft)
    with pytest.raises(NotFoundError), db.transaction() as tx:
        compose(tx, actor, 999)
    cid = realistic(db, actor)
    with pytest.raises(PermissionRefused), db.transaction() as tx:
        compose(tx, manager, cid)
    with pytest.raises(PermissionRefused), db.transaction() as tx:
        record_export(tx, manager, cid)


def entries(db: Database, action: str) -> list[AuditEntry]:
    with db.transaction() as tx:
        return list(tx.exec(select(AuditEntry).where(AuditEntry.action == action)).all())


def test_copying_and_printing_are_in_the_trail_without_content(db: Database, actor: Actor):
    cid = realistic(db, actor)
    note = note_of(db, actor, cid)
    assert not entries(db, "export")
    with db.transaction() as tx:
        record_export(tx, actor, cid)
    with db.transaction() as tx:
        record_export(tx, actor, cid, printed=True)
    (export,) = entries(db, "export")
    (printed,) = entries(db, "print")
    for entry in (export, printed):
        assert entry.object_type == "conversation" and entry.object_id == cid
        assert entry.client_id == note.client_id and entry.practitioner_id == actor.id
        assert entry.detail == "gp_note"
    views = [e for e in entries(db, "view") if e.object_type == "conversation" and e.object_id == cid]
    assert views  # composing the note is a view of the conversation


def test_the_command_line_prints_the_note_and_records_an_export(tmp_path: Path, monkeypatch, capsys):
    from broadtalk.cli import main
    from broadtalk.demo import DEMO_SECRET, generate_demo
    from broadtalk.store.tables import Conversation

    path = tmp_path / "demo.sqlite"
    db = Database.open(path)
    try:
        generate_demo(db, clients=4, seed=1, today=NOW.date())
        with db.transaction() as tx:
            row = tx.exec(select(Conversation).where(Conversation.status == "completed")).first()
            cid, held_by = row.id, row.practitioner_id
    finally:
        db.close()
    monkeypatch.setenv("BROADTALK_USER", str(held_by))
    monkeypatch.setenv("BROADTALK_PIN", DEMO_SECRET)
    monkeypatch.setenv("BROADTALK_LANGUAGE", "en")
    assert main(["--db", str(path), "conversations", "gp-note", str(cid), "--keys"]) == 0
    keys = capsys.readouterr().out
    assert "S.context" in keys and "E.icpc:" in keys
    leave = next(line.split()[1] for line in keys.splitlines() if line.split()[1].startswith("P."))
    assert main(["--db", str(path), "conversations", "gp-note", str(cid), "--leave", leave]) == 0
    out = capsys.readouterr().out
    assert out.startswith("S: ")
    assert main(["--db", str(path), "conversations", "gp-note", str(cid), "--leave", "no-such-part"]) == 1
    assert "no-such-part" in capsys.readouterr().err
    db = Database.open(path)
    try:
        exported = entries(db, "export")  # --keys shows the content too, then the note itself
        assert len(exported) == 2
        assert {(e.detail, e.object_id) for e in exported} == {("gp_note", cid)}
    finally:
        db.close()


# -- the property: unticked never appears -----------------------------------------------------------


texts = st.sampled_from(HOSTILE)


@st.composite
def cases(draw):
    model_id = draw(st.sampled_from(sorted(MODELS)))
    model = MODELS[model_id]
    domains = draw(st.lists(st.sampled_from([d.id for d in model.domains]), unique=True, max_size=4))
    per_domain = []
    for domain_id in domains:
        scale = model.scale_of(model.domain(domain_id))
        score = draw(st.none() | st.integers(scale.min, scale.max)) if scale else None
        client_score = draw(st.none() | st.integers(scale.min, scale.max)) if scale else None
        per_domain.append(
            (
                domain_id,
                score,
                client_score,
                draw(texts),
                draw(st.booleans()),
                draw(st.booleans()),
                draw(st.booleans()),
            )
        )
    return {
        "model": model_id,
        "domains": per_domain,
        "what_matters": draw(texts),
        "goals": draw(st.lists(texts, max_size=3)),
        "actions": draw(st.lists(st.tuples(texts, texts), max_size=3)),
        "referrals": draw(st.integers(0, 2)),
        "follow_up": draw(st.booleans()),
        "rank": draw(st.booleans()),
    }


class Counter:
    n = 0

    @classmethod
    def next(cls) -> str:
        cls.n += 1
        return marker(cls.n)


def with_marker(text: str, markers: dict[str, str], key: str) -> str:
    """User text with a marker of its own, on both sides a space (a line may wrap there)."""
    mark = Counter.next()
    markers[key] = mark
    return f"{text} {mark} {text}".strip() if text else mark


def record(db: Database, actor: Actor, case: dict) -> tuple[int, dict[str, str], list[str]]:
    """The case through the app's use cases; returns the conversation, the markers of the user
    text by the key of the line they must appear on, and markers that must never appear."""
    markers: dict[str, str] = {}
    never: list[str] = []
    with db.transaction() as tx:
        client = create_client(tx, actor, ClientInput("Ron", "de Wit", date(1961, 4, 9)), now=STARTED)
        cid = start_conversation(tx, actor, client.id, case["model"], 1, now=STARTED).id
        for domain_id, score, client_score, words, important, talk, with_words in case["domains"]:
            notes = f"note {Counter.next()}"
            never.append(notes.split()[1])
            own = with_marker(words, markers, f"S.words:{domain_id}") if with_words else ""
            assess_domain(tx, actor, cid, domain_id, score=score, own_words=own, important=important, notes=notes)
            answer = f"answer {Counter.next()}"
            never.append(answer.split()[1])
            record_answer(tx, actor, cid, ANSWER_ITEM[case["model"]].format(d=domain_id), answer)
            row = tx.exec(
                select(DomainAssessment).where(
                    DomainAssessment.conversation_id == cid, DomainAssessment.domain_id == domain_id
                )
            ).one()
            row.client_score = client_score
            row.client_wants_to_talk = talk
            tx.add(row)
        if case["rank"] and case["domains"] and MODELS[case["model"]].closing.rank_domains:
            rank_domains(tx, actor, cid, [d[0] for d in case["domains"]])
        wmm = with_marker(case["what_matters"], markers, "S.what_matters") if case["what_matters"] else ""
        set_closing(
            tx, actor, cid, what_matters_most=wmm, follow_up_date=date(2026, 4, 1) if case["follow_up"] else None
        )
        for description in case["goals"]:
            mark = Counter.next()
            goal = add_goal(tx, actor, cid, f"{description} {mark}".strip(), now=STARTED)
            markers[f"P.goal:{goal.id}"] = mark
        for what, who in case["actions"]:
            mark = Counter.next()
            action = add_action(tx, actor, cid, f"{what} {mark}".strip(), who=who[:100], now=STARTED)
            markers[f"P.action:{action.id}"] = mark
        complete_conversation(tx, actor, cid, now=STARTED + timedelta(hours=1))
        for _ in range(case["referrals"]):
            mark = Counter.next()
            offering = add_offering(tx, f"Organisatie {mark}")
            question = f"question {Counter.next()}"
            never.append(question.split()[1])
            referral = create_referral(
                tx,
                actor,
                client.id,
                offering_id=offering,
                question=question,
                urgency="soon",
                feedback_contact="POH",
                conversation_id=cid,
                now=NOW,
            )
            markers[f"P.referral:{referral.id}"] = mark
    return cid, markers, never


@pytest.mark.filterwarnings("ignore")
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=cases(), data=st.data())
def test_what_is_unticked_never_appears(db: Database, actor: Actor, case: dict, data):
    cid, markers, never = record(db, actor, case)
    note = note_of(db, actor, cid)
    keys = note.all_keys()
    assert len(set(keys)) == len(keys)
    for _ in range(4):
        ticked = data.draw(st.sets(st.sampled_from(keys)) if keys else st.just(set()))
        text = as_text(note, ticked)
        shown = {line.key for line in note.shown(ticked)}
        assert shown <= set(ticked)
        for key, mark in markers.items():
            assert (mark in text) == (key in shown), (key, text)
        for mark in never:
            assert mark not in text
        shown_codes = {line.text.split()[0] for line in note.lines if line.key in shown and line.parent}
        printed_codes = set(re.findall(r"^ +(Z\d\d) ", text, flags=re.MULTILINE))
        assert printed_codes == shown_codes
        heads = [line[0] for line in text.splitlines() if not line.startswith(" ")]
        assert heads == [s for s in SECTIONS if any(note_line(note, k).section == s for k in shown)]
        assert all(len(line) <= gp_note.WIDTH for line in text.splitlines())
        assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f\u202e]", text)
