"""Hostile text in the new paths of issue 11 (an ad-hoc referral recipient, editing goals and
actions): control characters, lone surrogates, 100,000 characters, only spaces, bidirectional
overrides. Each is refused with a clear, short message, or stored safely; and whatever is stored
renders in the GP note, the client's summary and the handover letter without a crash.

The hostile texts come from the handover's own property test (``tests/unit/test_handover_pdf``:
``hostile_piece``, ``HOSTILE_SNIPPETS``) plus the attacks named here.
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from broadtalk import gp_note
from broadtalk.clients import ClientInput, create_client
from broadtalk.consent import ConsentInput
from broadtalk.conversations import (
    add_action,
    add_goal,
    complete_conversation,
    start_conversation,
    update_action,
    update_goal,
)
from broadtalk.errors import InputError
from broadtalk.handover.client_summary_export import render_summary
from broadtalk.handover.content import give_consent, preview_handover
from broadtalk.handover.export import HANDOVER_PDF, render_document
from broadtalk.i18n import _
from broadtalk.referrals import AdHocRecipient, ad_hoc_recipient_text, create_referral
from tests.unit.test_handover_pdf import HOSTILE_SNIPPETS, NOW, TODAY, hostile_piece

#: Characters that must never be stored in a one-line field or printed raw: C0/C1 controls, lone
#: surrogates, and the bidirectional embeddings, overrides and isolates (they make a line read
#: differently from what it holds: "Schuldhulp" shown as its mirror image).
UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")
ATTACKS = (
    "\x1b[31mrood\x1b[0m",
    "bel\x07",
    "\x00",
    "\ud800",
    "a\udfffb",
    "\u202eepuhdluhcS",
    "\u2066iso\u2069",
    "      ",
    "\u3000\u2003",
    "x" * 100_000,
    "woord " * 20_000,
)
hostile = st.one_of(st.sampled_from(ATTACKS), st.sampled_from(HOSTILE_SNIPPETS), hostile_piece)


def clear_message(error: InputError) -> None:
    """One short sentence that cannot turn the screen around or colour it."""
    assert error.message and len(error.message) < 400, len(error.message)
    assert not UNSAFE.search(error.message), ascii(error.message)


# -- an ad-hoc recipient ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "recipient",
    [
        AdHocRecipient("Buurtteam", email="a\x1b[31m@x.nl"),
        AdHocRecipient("Buurtteam", email="\ud800@x.nl"),
        AdHocRecipient("Buurtteam", email="a@" + "x" * 100_000 + ".nl"),
        AdHocRecipient("Buurtteam", phone="0" * 100_000),
        AdHocRecipient("   ", phone="030 123 45 67"),
        AdHocRecipient("\u202e\u2066", phone="030 123 45 67"),
        AdHocRecipient("x" * 100_000, phone="030 123 45 67"),
    ],
    ids=[
        "escape in e-mail",
        "surrogate in e-mail",
        "long e-mail",
        "long phone",
        "only spaces",
        "only overrides",
        "long organisation",
    ],
)
def test_a_hostile_ad_hoc_recipient_is_refused_with_a_clear_short_message(recipient):
    with pytest.raises(InputError) as refused:
        ad_hoc_recipient_text(recipient)
    clear_message(refused.value)


def test_overrides_in_a_recipients_name_are_dropped_not_stored():
    text = ad_hoc_recipient_text(
        AdHocRecipient(
            "\u202eBuurtteam\u202c", "\u2067hulp\u2069", phone="\u202e030 123 45 67", email="info@x.nl\u202e"
        )
    )
    name = _("{organisation} – {offering}").format(organisation="Buurtteam", offering="hulp")
    assert text == f"{name}, 030 123 45 67, info@x.nl"
    assert not UNSAFE.search(text)


@settings(max_examples=150, deadline=None)
@given(organisation=hostile, offering=hostile, phone=hostile, email=hostile)
def test_an_ad_hoc_recipient_is_refused_clearly_or_stored_as_one_safe_line(organisation, offering, phone, email):
    try:
        text = ad_hoc_recipient_text(AdHocRecipient(organisation, offering, phone, email))
    except InputError as error:
        clear_message(error)
        return
    assert not UNSAFE.search(text), ascii(text)
    assert "\n" not in text and len(text) <= 700


# -- goals and actions edited, then rendered -------------------------------------------------------


def _conversation(db, actor) -> tuple[int, int, int, int]:
    started = NOW - timedelta(days=1)
    with db.transaction() as tx:
        client = create_client(tx, actor, ClientInput("Ron", "de Wit", date(1961, 4, 9)), now=started)
        cid = start_conversation(tx, actor, client.id, "four-domains", 1, now=started).id
        goal = add_goal(tx, actor, cid, "Rust in mijn hoofd", domain_id=None, now=started).id
        action = add_action(tx, actor, cid, "Wandelen", who="Ron", goal_id=goal, now=started).id
    return client.id, cid, goal, action


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    description=hostile,
    what=hostile,
    who=hostile,
    organisation=hostile,
    email=st.one_of(st.just(""), st.just("info@buurtteam.nl"), hostile),
)
def test_edited_goals_and_an_ad_hoc_recipient_render_everywhere_without_a_crash(
    db, actor, description, what, who, organisation, email
):
    client_id, cid, goal, action = _conversation(db, actor)
    for edit in (
        lambda tx: update_goal(tx, actor, cid, goal, description=description),
        lambda tx: update_action(tx, actor, cid, action, what=what, who=who),
    ):
        try:
            with db.transaction() as tx:
                edit(tx)
        except InputError as error:
            clear_message(error)
    with db.transaction() as tx:
        complete_conversation(tx, actor, cid, now=NOW - timedelta(hours=20))
        try:
            recipient = AdHocRecipient(organisation, phone="030 123 45 67", email=email)
            referral = create_referral(
                tx,
                actor,
                client_id,
                ad_hoc=recipient,
                question="Kunt u contact opnemen?",
                urgency="soon",
                feedback_contact="POH",
                conversation_id=cid,
                now=NOW,
            ).id
        except InputError as error:
            clear_message(error)
            referral = None
    # The GP note: plain text with nothing that moves the cursor or turns the line around.
    with db.transaction() as tx:
        note = gp_note.compose(tx, actor, cid)
        text = gp_note.as_text(note, note.all_keys())
    assert not UNSAFE.search(text.replace("\n", "")), ascii(text[:200])
    # The client's summary: one page.
    with db.transaction() as tx:
        _summary, data = render_summary(tx, actor, cid)
    assert len(PdfReader(io.BytesIO(data)).pages) == 1
    # The handover letter with the goals shared.
    if referral is not None:
        with db.transaction() as tx:
            consent = ConsentInput(
                purpose="Ondersteuning",
                domains=(),
                share_identity_details=True,
                share_goals_actions=True,
                share_own_words=True,
                method="verbal",
                given_on=TODAY,
                valid_until=TODAY + timedelta(days=365),
            )
            _preview, pieces = preview_handover(tx, actor, referral, consent, today=TODAY)
            give_consent(tx, actor, referral, replace(consent, pieces=tuple(p.key for p in pieces)), now=NOW)
        with db.transaction() as tx:
            _content, letter = render_document(tx, actor, referral, HANDOVER_PDF, today=TODAY)
        assert letter.startswith(b"%PDF")
        assert PdfReader(io.BytesIO(letter)).pages


def test_unicode_data_is_what_the_checks_assume():
    assert unicodedata.category("\u202e") == "Cf"  # a format character, not a control: checked by name
