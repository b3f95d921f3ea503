"""The command line for referrals and handover documents: JSON shape, exit codes, no file without consent."""

from __future__ import annotations

import json
import os
import stat
from datetime import timedelta

import pytest
from sqlmodel import select

from broadtalk import conversations as conv
from broadtalk.clients import ClientInput, create_client
from broadtalk.consent import ConsentInput, record_consent, withdraw_consent
from broadtalk.referral_steps import SENT
from broadtalk.referrals import advance_referral, create_referral
from broadtalk.sign_in import hash_secret
from broadtalk.store.tables import Disclosure, Offering, Organisation, Practitioner
from tests import engines
from tests.conftest import NOW
from tests.e2e.signing_in import signed_in
from tests.e2e.test_cli import run

PIN = "13579"


@pytest.fixture
def practice(tmp_path, actor, db, monkeypatch):
    """A database with one client, a conversation, and two referrals: one consented, one not.
    The commands act as the practice nurse who made them, signed in with her PIN."""
    with db.transaction() as tx:
        row = tx.get(Practitioner, actor.id)
        row.secret_hash = hash_secret(PIN)
        tx.add(row)
    for name, value in {**signed_in(actor.id, PIN), **engines.command_environment(db)}.items():
        monkeypatch.setenv(name, value)
    with db.transaction() as tx:
        organisation = Organisation(name="Schuldhulp Utrecht", created_at=NOW, updated_at=NOW)
        tx.add(organisation)
        tx.flush()
        offering = Offering(
            organisation_id=organisation.id,
            name="Schuldhulpmaatje",
            kind="debt_counselling",
            domain_tags='["money"]',
            contact_function="Coördinator",
            created_at=NOW,
            updated_at=NOW,
        )
        tx.add(offering)
        tx.flush()
        client = create_client(tx, actor, ClientInput("Ron", "Bakker", "12-05-1980"), now=NOW)
        cid = conv.start_conversation(tx, actor, client.id, "self-sufficiency", 1, now=NOW).id
        conv.assess_domain(tx, actor, cid, "finances", score=1, own_words="De post maak ik niet meer open", now=NOW)
        conv.assess_domain(tx, actor, cid, "housing", score=3, now=NOW)
        conv.assess_domain(tx, actor, cid, "social-network", score=2, now=NOW)
        conv.complete_conversation(tx, actor, cid, now=NOW)
        consented = create_referral(
            tx,
            actor,
            client.id,
            offering_id=offering.id,
            question="Hulp bij schulden",
            urgency="soon",
            feedback_contact="POH 030 111 2222",
            conversation_id=cid,
            now=NOW,
        )
        record_consent(
            tx,
            actor,
            consented.id,
            ConsentInput(
                "Schuldhulp", ("finances",), False, False, True, "written", NOW.date(), NOW.date() + timedelta(days=300)
            ),
            now=NOW,
        )
        advance_referral(tx, actor, consented.id, SENT, now=NOW)
        bare = create_referral(
            tx,
            actor,
            client.id,
            offering_id=offering.id,
            question="Nog overleggen",
            urgency="routine",
            feedback_contact="POH",
            conversation_id=cid,
            now=NOW,
        )
    return {"db": db, "consented": consented.id, "bare": bare.id, "path": engines.address(db)}


def test_referrals_json_has_the_agreed_fields(practice, capsys):
    code, out, _err = run(["--db", practice["path"], "referrals", "--json"], capsys)
    assert code == 0
    rows = {row["id"]: row for row in json.loads(out)}
    consented = rows[practice["consented"]]
    assert set(consented) >= {"id", "client_id", "recipient", "status", "consent_status", "shared_domains"}
    assert consented["status"] == "sent"
    assert consented["shared_domains"] == ["finances"]
    assert rows[practice["bare"]]["consent_status"] == "none"
    assert rows[practice["bare"]]["shared_domains"] == []


def test_handover_pdf_is_written_and_logged(practice, tmp_path, capsys):
    out = tmp_path / "handover.pdf"
    code, _out, err = run(
        ["--db", practice["path"], "handover", "pdf", str(practice["consented"]), "--out", str(out)], capsys
    )
    assert code == 0, err
    assert out.read_bytes().startswith(b"%PDF")
    assert os.name != "posix" or stat.S_IMODE(out.stat().st_mode) == 0o600  # the owner's alone
    reopened = engines.reopen(practice["db"])
    try:
        with reopened.transaction() as tx:
            kinds = [d.kind for d in tx.exec(select(Disclosure)).all()]
    finally:
        reopened.close()
    assert kinds == ["handover_pdf"]


def test_client_copy_is_written(practice, tmp_path, capsys):
    out = tmp_path / "copy.pdf"
    code, _out, err = run(
        ["--db", practice["path"], "handover", "client-copy", str(practice["consented"]), "--out", str(out)], capsys
    )
    assert code == 0, err
    assert out.read_bytes().startswith(b"%PDF")


def test_no_consent_means_exit_1_and_no_file(practice, tmp_path, capsys):
    out = tmp_path / "nothing.pdf"
    code, _out, err = run(
        ["--db", practice["path"], "handover", "pdf", str(practice["bare"]), "--out", str(out)], capsys
    )
    assert code == 1
    assert len(err.strip().splitlines()) == 1
    assert not out.exists()
    assert list(tmp_path.glob("*.partial")) == []


def test_withdrawn_consent_means_exit_1_and_no_file(practice, tmp_path, capsys, actor):
    with practice["db"].transaction() as tx:
        from broadtalk.referrals import get_referral

        withdraw_consent(tx, actor, get_referral(tx, actor, practice["consented"]).consent.id, note="zelf geregeld")
    out = tmp_path / "withdrawn.pdf"
    code, _out, _err = run(
        ["--db", practice["path"], "handover", "pdf", str(practice["consented"]), "--out", str(out)], capsys
    )
    assert code == 1
    assert not out.exists()


def test_an_unknown_referral_or_a_bad_target_is_one_line_and_exit_1(practice, tmp_path, capsys):
    code, _out, err = run(
        ["--db", practice["path"], "handover", "pdf", "99999", "--out", str(tmp_path / "x.pdf")], capsys
    )
    assert code == 1 and len(err.strip().splitlines()) == 1
    code, _out, err = run(
        ["--db", practice["path"], "handover", "pdf", str(practice["consented"]), "--out", str(tmp_path / "x.txt")],
        capsys,
    )
    assert code == 1 and len(err.strip().splitlines()) == 1
    code, _out, err = run(
        [
            "--db",
            practice["path"],
            "handover",
            "pdf",
            str(practice["consented"]),
            "--out",
            str(tmp_path / "no" / "x.pdf"),
        ],
        capsys,
    )
    assert code == 1 and len(err.strip().splitlines()) == 1


def test_withdrawal_documents_need_a_withdrawal_and_carry_no_content(practice, tmp_path, capsys, actor):
    from pypdf import PdfReader

    notice = tmp_path / "notice.pdf"
    args = ["--db", practice["path"], "handover", "withdrawal-notice", str(practice["consented"]), "--out"]
    code, _out, err = run([*args, str(notice)], capsys)
    assert code == 1 and len(err.strip().splitlines()) == 1  # consent still holds: nothing to confirm
    assert not notice.exists()

    with practice["db"].transaction() as tx:
        from broadtalk.referrals import get_referral

        withdraw_consent(tx, actor, get_referral(tx, actor, practice["consented"]).consent.id, note="zelf geregeld")
    confirmation = tmp_path / "confirmation.pdf"
    code, _out, err = run([*args, str(notice)], capsys)
    assert code == 0, err
    args[3] = "withdrawal-confirmation"
    code, _out, err = run([*args, str(confirmation)], capsys)
    assert code == 0, err
    for path in (notice, confirmation):
        text = " ".join(page.extract_text() or "" for page in PdfReader(path).pages)
        assert "Ron Bakker" in text
        for content in ("De post maak ik niet meer open", "Hulp bij schulden", "zelf geregeld"):
            assert content not in text, content
    reopened = engines.reopen(practice["db"])
    try:
        with reopened.transaction() as tx:
            rows = tx.exec(select(Disclosure)).all()
    finally:
        reopened.close()
    assert [(d.kind, json.loads(d.scope)) for d in rows] == [
        ("withdrawal_notice", {"withdrawal": True}),
        ("withdrawal_confirmation", {"withdrawal": True}),
    ]
