"""Flagging a domain about money suggests debt help first, in every built-in model; the life-domain
tags and the words said in a broad domain decide which offerings of the social map come first."""

from __future__ import annotations

from datetime import date

import pytest

from broadtalk import conversations as conv
from broadtalk import demo_texts
from broadtalk.clients import ClientInput, create_client
from broadtalk.errors import InputError, RefusedError
from broadtalk.forms.library import find_model
from broadtalk.i18n import _
from broadtalk.life_domains import MAIN, NAMED, OTHER, tags_of, weigh_tags
from broadtalk.referrals import AdHocRecipient, create_referral, list_referrals, suggest_recipients
from broadtalk.social_map import OfferingInput, OrganisationInput, create_offering, create_organisation

TODAY = date.today()
#: The domain about money in each built-in model.
MONEY_DOMAINS = {
    ("self-sufficiency", 1): "finances",
    ("four-domains", 1): "societal",
    ("positive-health", 1): "daily-functioning",
}


@pytest.fixture
def demo_map(db, actor) -> None:
    with db.transaction() as tx:
        for organisation, city, phone, offerings in demo_texts.SOCIAL_MAP:
            organisation_id = create_organisation(
                tx, actor, OrganisationInput(organisation, city=city, phone=phone, last_checked=TODAY)
            ).id
            for name, kind, tags, contact in offerings:
                create_offering(tx, actor, OfferingInput(organisation_id, name, kind, tags, contact))


@pytest.mark.parametrize("model_key", sorted(MONEY_DOMAINS))
def test_the_money_domain_of_every_built_in_model_carries_the_money_tag(db, model_key):
    with db.transaction() as tx:
        model = find_model(tx, *model_key)
    domain = model.domain(MONEY_DOMAINS[model_key])
    assert domain is not None and "money" in tags_of(model, domain)


def _flag(db, actor, model_key: tuple[str, int], domain_id: str, own_words: str = "") -> int:
    with db.transaction() as tx:
        client = create_client(tx, actor, ClientInput("Bram", "de Wit", "01-02-1970"))
        cid = conv.start_conversation(tx, actor, client.id, *model_key).id
        conv.assess_domain(tx, actor, cid, domain_id, own_words=own_words, important=True)
    return cid


@pytest.mark.parametrize("model_key", sorted(MONEY_DOMAINS))
@pytest.mark.parametrize("own_words", ["", "Ik heb schulden en durf de post niet meer open te maken."])
def test_flagging_the_money_domain_suggests_debt_help_first(db, actor, demo_map, model_key, own_words):
    cid = _flag(db, actor, model_key, MONEY_DOMAINS[model_key], own_words)
    with db.transaction() as tx:
        found = suggest_recipients(tx, actor, cid, TODAY)
    assert [domain.id for domain in found.domains] == [MONEY_DOMAINS[model_key]]
    first = found.offerings[0]
    assert first.kind == "debt_counselling" and "money" in first.domain_tags
    if model_key != ("positive-health", 1) or own_words:
        assert first.name == "Schuldhulpmaatje" or own_words  # the most specific debt help


def test_what_was_said_decides_within_a_broad_domain(db, actor, demo_map):
    cid = _flag(db, actor, ("four-domains", 1), "societal", "Er zit schimmel in de woning en de huur is te hoog.")
    with db.transaction() as tx:
        found = suggest_recipients(tx, actor, cid, TODAY)
    assert "housing" in found.offerings[0].domain_tags
    assert found.offerings[0].name == "Woonbegeleiding"


def test_weights_follow_the_words_then_the_main_tag_and_add_up_over_domains():
    assert weigh_tags([(("money", "housing"), "")]) == {"money": MAIN, "housing": OTHER}
    assert weigh_tags([(("money", "housing"), "huurachterstand")]) == {"money": NAMED, "housing": NAMED}
    assert weigh_tags([(("money", "housing"), "De woning is te klein")]) == {"money": OTHER, "housing": NAMED}
    assert weigh_tags([(("network",), ""), (("network", "mind"), "")]) == {"network": 2 * MAIN, "mind": OTHER}
    assert weigh_tags([]) == {}


# -- a recipient who is not on the social map ------------------------------------------------------


def _client(db, actor) -> int:
    with db.transaction() as tx:
        return create_client(tx, actor, ClientInput("Bram", "de Wit", "01-02-1970")).id


def test_an_ad_hoc_recipient_is_referred_to_and_named_with_how_to_reach_them(db, actor):
    client_id = _client(db, actor)
    with db.transaction() as tx:
        referral = create_referral(
            tx,
            actor,
            client_id,
            ad_hoc=AdHocRecipient("  Stichting Kwartier ", "Maatjesproject", "030 222 33 44", "info@kwartier.example"),
            question="Wilt u kennismaken met Bram?",
            urgency="routine",
            feedback_contact="POH, 030 111 2222",
        )
    assert referral.offering_id is None
    assert referral.recipient == ", ".join(
        (
            _("{organisation} – {offering}").format(organisation="Stichting Kwartier", offering="Maatjesproject"),
            "030 222 33 44",
            "info@kwartier.example",
        )
    )


@pytest.mark.parametrize(
    ("recipient", "message"),
    [
        (AdHocRecipient("", "Maatjes", "030 1"), "Type the name of the organisation you refer to."),
        (
            AdHocRecipient("Kwartier", "Maatjes"),
            "Give a phone number or an e-mail address at which the recipient can be reached.",
        ),
        (
            AdHocRecipient("Kwartier", phone="bel maar"),
            "'{value}' is not a phone number; use only digits, spaces and + - ( ), e.g. 030 123 45 67.",
        ),
        (
            AdHocRecipient("Kwartier", email="geen-adres"),
            "'{value}' is not an e-mail address; check it or leave it empty.",
        ),
        (
            AdHocRecipient("K" * 201, phone="030 1"),
            "The organisation or what it offers is longer than 200 characters; shorten it.",
        ),
    ],
)
def test_a_bad_ad_hoc_recipient_is_refused_and_nothing_is_stored(db, actor, recipient, message):
    client_id = _client(db, actor)
    with pytest.raises(InputError) as refused, db.transaction() as tx:
        create_referral(
            tx, actor, client_id, ad_hoc=recipient, question="Vraag", urgency="routine", feedback_contact="POH, 030 1"
        )
    value = recipient.phone or recipient.email
    assert refused.value.message == _(message).format(value=value)
    with db.transaction() as tx:
        assert list_referrals(tx, actor, client_id=client_id) == []


def test_a_referral_names_one_recipient(db, actor):
    client_id = _client(db, actor)
    with pytest.raises(InputError), db.transaction() as tx:
        create_referral(tx, actor, client_id, question="Vraag", urgency="routine", feedback_contact="POH, 030 1")


def test_the_handover_of_an_ad_hoc_referral_names_the_recipient_and_how_to_reply(db, actor):
    from datetime import timedelta
    from io import BytesIO

    from pypdf import PdfReader

    from broadtalk.consent import ConsentInput, record_consent
    from broadtalk.handover.export import HANDOVER_PDF, render_document

    cid = _flag(db, actor, ("four-domains", 1), "societal", "Schulden")
    with db.transaction() as tx:
        client_id = conv.load_conversation(tx, actor, cid).summary.client_id
        conv.complete_conversation(tx, actor, cid)
        referral = create_referral(
            tx,
            actor,
            client_id,
            ad_hoc=AdHocRecipient("Stichting Kwartier", "Maatjesproject", "030 222 33 44"),
            question="Wilt u kennismaken met Bram?",
            urgency="routine",
            feedback_contact="Anouk, POH, 030 111 2222",
            conversation_id=cid,
        )
        record_consent(
            tx,
            actor,
            referral.id,
            ConsentInput("Hulp", ("societal",), False, False, False, "verbal", TODAY, TODAY + timedelta(days=90)),
        )
        _content, data = render_document(tx, actor, referral.id, HANDOVER_PDF, today=TODAY)
    text = " ".join((page.extract_text() or "") for page in PdfReader(BytesIO(data)).pages)
    assert "Stichting Kwartier" in text and "030 222 33 44" in text
    assert referral.reference in text and "030 111 2222" in text


def _ad_hoc_referral(db, actor, recipient: AdHocRecipient) -> tuple[int, int]:
    client_id = _client(db, actor)
    with db.transaction() as tx:
        referral = create_referral(
            tx, actor, client_id, ad_hoc=recipient, question="Vraag", urgency="routine", feedback_contact="POH, 030 1"
        )
    return client_id, referral.id


def test_an_ad_hoc_recipient_is_put_on_the_social_map_and_the_referral_points_to_it(db, actor):
    from broadtalk.referrals import add_recipient_to_social_map, get_referral
    from broadtalk.social_map import list_offerings

    recipient = AdHocRecipient("Stichting Kwartier", "Maatjesproject", "030 222 33 44")
    _client_id, referral_id = _ad_hoc_referral(db, actor, recipient)
    with db.transaction() as tx:
        offering = add_recipient_to_social_map(tx, actor, referral_id, recipient, ("money", "network"))
    with db.transaction() as tx:
        (listed,) = list_offerings(tx, today=TODAY)
        referral = get_referral(tx, actor, referral_id)
    assert listed.id == offering.id and listed.organisation_name == "Stichting Kwartier"
    assert (listed.name, listed.kind, listed.domain_tags) == ("Maatjesproject", "other", ("money", "network"))
    assert listed.contact_phone == "030 222 33 44" and not listed.stale
    assert referral.offering_id == offering.id and referral.recipient.startswith("Stichting Kwartier")

    # Once on the map, it cannot be added again; a second recipient of that organisation joins it.
    with pytest.raises(RefusedError), db.transaction() as tx:
        add_recipient_to_social_map(tx, actor, referral_id, recipient, ("money",))
    other = AdHocRecipient("stichting kwartier", "Taalcafé", email="taal@kwartier.example")
    _client_id, second = _ad_hoc_referral(db, actor, other)
    with db.transaction() as tx:
        add_recipient_to_social_map(tx, actor, second, other, ("participation",))
        assert {o.organisation_id for o in list_offerings(tx, today=TODAY)} == {listed.organisation_id}


def test_a_recipient_without_life_domains_is_refused_for_the_map_and_nothing_changes(db, actor):
    from broadtalk.referrals import add_recipient_to_social_map, get_referral
    from broadtalk.social_map import list_organisations

    recipient = AdHocRecipient("Stichting Kwartier", "Maatjesproject", "030 222 33 44")
    _client_id, referral_id = _ad_hoc_referral(db, actor, recipient)
    with pytest.raises(InputError), db.transaction() as tx:
        add_recipient_to_social_map(tx, actor, referral_id, recipient, ())
    with db.transaction() as tx:
        assert list_organisations(tx) == []
        assert get_referral(tx, actor, referral_id).offering_id is None


def test_a_role_that_may_not_edit_the_map_is_refused(db, actor, monkeypatch):
    from broadtalk import permissions
    from broadtalk.referrals import add_recipient_to_social_map

    recipient = AdHocRecipient("Stichting Kwartier", "Maatjesproject", "030 222 33 44")
    _client_id, referral_id = _ad_hoc_referral(db, actor, recipient)
    without = permissions.MATRIX[actor.role] - {permissions.Permission.EDIT_SOCIAL_MAP}
    monkeypatch.setitem(permissions.MATRIX, actor.role, without)
    with pytest.raises(RefusedError), db.transaction() as tx:
        add_recipient_to_social_map(tx, actor, referral_id, recipient, ("money",))
