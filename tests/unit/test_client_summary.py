"""The client's own summary: one page, what matters, goals, agreements, the follow-up; never a
referral, notes or scores; metadata that names no one; saved whole and owner-only, and logged."""

from __future__ import annotations

import io
import os
import stat
import statistics
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader
from sqlmodel import select

from broadtalk import client_summary, i18n
from broadtalk.client_summary import AgreedStep, ClientSummary, load_summary
from broadtalk.errors import InputError, RefusedError
from broadtalk.handover.client_summary_export import export_summary, record_print
from broadtalk.handover.client_summary_pdf import render_client_summary_pdf
from broadtalk.i18n import _, format_date
from broadtalk.permissions import PermissionRefused
from broadtalk.practitioners import Actor, Role, create_practitioner
from broadtalk.settings import PRACTICE_NAME, PRACTICE_PHONE, write_setting
from broadtalk.store.database import Database
from broadtalk.store.tables import AuditEntry
from tests.unit.test_gp_note import NOW, STARTED, realistic


def text_of(data: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(data))
    return len(reader.pages), " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


@pytest.fixture
def conversation(db: Database, actor: Actor) -> int:
    cid = realistic(db, actor)
    with db.transaction() as tx:
        write_setting(tx, PRACTICE_NAME, "Huisartsenpraktijk De Linde")
        write_setting(tx, PRACTICE_PHONE, "030 123 45 67")
    return cid


def saved(db: Database, actor: Actor, cid: int, target: Path) -> bytes:
    with db.transaction() as tx:
        export_summary(tx, actor, cid, target)
    return target.read_bytes()


def test_one_page_with_what_matters_goals_agreements_and_the_follow_up(
    db: Database, actor: Actor, conversation: int, tmp_path: Path
):
    data = saved(db, actor, conversation, tmp_path / "samenvatting.pdf")
    pages, text = text_of(data)
    assert pages == 1
    for present in (
        "Rust in mijn hoofd.",
        "Schulden op een rij.",
        "Budgetcoach bellen",
        "Wandelen met de buurman",
        "Anouk de Vries",
        "030 123 45 67",
        "Ron de Wit",
        _("When we see each other again"),
        format_date(date(2026, 3, 30), "long"),
    ):
        assert present in text, present
    # No referral, no notes, no scores.
    for absent in ("QUESTION-secret", "Schuldhulp", "Budgetcoaching", "NOTE-secret", "6/10", "3/10", "/10"):
        assert absent not in text, absent


def test_metadata_names_no_one_and_the_file_is_the_owners_alone(
    db: Database, actor: Actor, conversation: int, tmp_path: Path
):
    target = tmp_path / "samenvatting.pdf"
    data = saved(db, actor, conversation, target)
    metadata = PdfReader(io.BytesIO(data)).metadata
    assert metadata.title == _("What we talked about together")
    assert metadata.author == "broadtalk"
    values = " ".join(str(v) for v in metadata.values())
    for personal in ("Ron", "Wit", "Anouk", "Linde", "Rust"):
        assert personal not in values
    if os.name == "posix":
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]


def entries(db: Database) -> list[AuditEntry]:
    with db.transaction() as tx:
        return list(tx.exec(select(AuditEntry).where(AuditEntry.detail == client_summary.CLIENT_SUMMARY)).all())


def test_saving_and_printing_are_logged_without_content(db: Database, actor: Actor, conversation: int, tmp_path: Path):
    saved(db, actor, conversation, tmp_path / "a.pdf")
    with db.transaction() as tx:
        record_print(tx, actor, conversation)
    export, printed = entries(db)
    assert (export.action, printed.action) == ("export", "print")
    for entry in (export, printed):
        assert entry.object_type == "conversation" and entry.object_id == conversation
        assert entry.outcome == "success" and entry.practitioner_id == actor.id


def test_a_file_that_cannot_be_written_is_said_and_logged_as_failed(
    db: Database, actor: Actor, conversation: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    def full_disk(partial: Path, target: Path, data: bytes) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("broadtalk.handover.export.write_private_file", full_disk)
    target = tmp_path / "vol.pdf"
    with pytest.raises(InputError), db.transaction() as tx:
        export_summary(tx, actor, conversation, target)
    assert not target.exists()
    export, failed = entries(db)
    assert export.outcome == "success" and failed.outcome == "failed"


def test_refused_for_a_draft_a_bad_target_and_a_role_without_conversations(
    db: Database, actor: Actor, conversation: int, tmp_path: Path
):
    from broadtalk.clients import ClientInput, create_client
    from broadtalk.conversations import start_conversation

    with db.transaction() as tx:
        client = create_client(tx, actor, ClientInput("Ans", "Bos", date(1950, 1, 1)), now=STARTED)
        draft = start_conversation(tx, actor, client.id, "four-domains", 1, now=STARTED).id
        manager = create_practitioner(tx, "Joyce van Dijk", Role.PRACTICE_MANAGER, now=NOW)
    with pytest.raises(RefusedError), db.transaction() as tx:
        load_summary(tx, actor, draft)
    with pytest.raises(PermissionRefused), db.transaction() as tx:
        load_summary(tx, manager, conversation)
    with pytest.raises(InputError), db.transaction() as tx:
        export_summary(tx, actor, conversation, tmp_path / "summary.txt")
    assert not entries(db)


def test_english_is_complete(db: Database, actor: Actor, conversation: int, tmp_path: Path):
    i18n.set_language("en")
    _pages, text = text_of(saved(db, actor, conversation, tmp_path / "summary.pdf"))
    for english in ("What we talked about together", "What matters to you", "Your goals", "What we agreed"):
        assert english in text


# -- always one page ----------------------------------------------------------------------------------

HOSTILE = st.sampled_from(
    (
        "",
        "<b>&Co",
        "regel1\nregel2",
        "😀🧡👍🏽",
        "مرحبا بالعالم",
        "Nguyễn Thị Thảo",
        "Een lange zin die over meerdere regels loopt en nog verder gaat. " * 12,
        "x" * 300,
    )
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    what_matters=HOSTILE,
    important=st.lists(HOSTILE, max_size=13),
    goals=st.lists(HOSTILE, max_size=12),
    actions=st.lists(st.tuples(HOSTILE, HOSTILE, st.booleans(), st.booleans()), max_size=15),
    follow_up=st.booleans(),
)
def test_always_exactly_one_page(what_matters, important, goals, actions, follow_up):
    summary = ClientSummary(
        conversation_id=1,
        client_id=1,
        client_name="Anne-Marie van den Heuvel-Çelik",
        conversation_date=date(2026, 3, 2),
        practitioner_name="Anouk de Vries",
        practitioner_role="praktijkondersteuner (POH)",
        what_matters_most=what_matters,
        important=tuple(t or "Geld" for t in important),
        goals=tuple(t or "Doel" for t in goals),
        actions=tuple(
            AgreedStep(what=w or "Bellen", who=who, due_date=date(2026, 4, 1) if due else None, done=done)
            for w, who, due, done in actions
        ),
        follow_up_date=date(2026, 4, 10) if follow_up else None,
    )
    pages, text = text_of(render_client_summary_pdf(summary))
    assert pages == 1
    assert _("When we see each other again") in text
    if follow_up:
        assert format_date(date(2026, 4, 10), "long") in text


def test_short_content_keeps_the_large_type_of_the_clients_copy():
    from broadtalk.handover.pdf import CLIENT_BODY_SIZE

    summary = ClientSummary(1, 1, "Ron de Wit", date(2026, 3, 2), goals=("Wandelen",), important=("Geld",))
    reader = PdfReader(io.BytesIO(render_client_summary_pdf(summary)))
    sizes: list[float] = []

    def visit(text, _cm, tm, _font, size):
        if text.strip():
            sizes.append(round(size * tm[0], 1))

    reader.pages[0].extract_text(visitor_text=visit)
    assert statistics.mode(sizes) == CLIENT_BODY_SIZE


def test_what_the_client_does_says_you(db: Database, actor: Actor):
    from broadtalk.clients import ClientInput, create_client
    from broadtalk.conversations import add_action, complete_conversation, start_conversation

    with db.transaction() as tx:
        client = create_client(tx, actor, ClientInput("Ans", "Bos", date(1950, 1, 1)), now=STARTED)
        cid = start_conversation(tx, actor, client.id, "four-domains", 1, now=STARTED).id
        add_action(tx, actor, cid, "Slaapdagboek bijhouden", who=" Cliënt ", now=STARTED)
        add_action(tx, actor, cid, "Wijkteam bellen", who="POH", now=STARTED)
        complete_conversation(tx, actor, cid, now=STARTED)
    with db.transaction() as tx:
        summary = load_summary(tx, actor, cid)
    assert [a.who for a in summary.actions] == [_("you, yourself"), "POH"]
