"""The social map's core: what is stored, what is refused (per field, nothing stored), stale
marking by the practice's setting, suggestions for flagged domains, deleting organisations."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import func, select

from broadtalk.clients import ClientInput, create_client
from broadtalk.errors import NotFoundError, RefusedError
from broadtalk.practitioners import Role, create_practitioner
from broadtalk.settings import write_setting
from broadtalk.social_map import (
    DEFAULT_STALE_MONTHS,
    KINDS,
    STALE_MONTHS_KEY,
    InvalidEntry,
    OfferingInput,
    OrganisationInput,
    add_months,
    create_offering,
    create_organisation,
    delete_organisation,
    get_offering,
    get_organisation,
    is_stale_on,
    kind_label,
    list_offerings,
    list_organisations,
    mark_checked,
    set_offering_active,
    set_stale_after_months,
    stale_after_months,
    suggest_offerings,
    update_offering,
    update_organisation,
)
from broadtalk.store.tables import Offering, Organisation, Referral
from tests.conftest import NOW

TODAY = NOW.date()  # 02-03-2026


def _organisation(tx, actor, name="Stichting Welzijn Overvecht", **fields):
    values = {"postal_code": "3561 AB", "city": "Utrecht", "last_checked": date(2026, 1, 15), **fields}
    return create_organisation(tx, actor, OrganisationInput(name=name, **values), now=NOW)


def _offering(tx, actor, organisation_id, name="Welzijn op Recept", **fields):
    values = {"kind": "welfare_coach", "domain_tags": ("meaning",), "contact_function": "Welzijnscoach", **fields}
    return create_offering(tx, actor, OfferingInput(organisation_id, name, **values), now=NOW)


def _count(db, table) -> int:
    with db.transaction() as tx:
        return tx.exec(select(func.count()).select_from(table)).one()


# -- storing -----------------------------------------------------------------------------------


def test_an_organisation_and_its_offering_are_stored_and_read_back(db, actor):
    with db.transaction() as tx:
        organisation = _organisation(
            tx,
            actor,
            address="Zamenhofdreef 12",
            postal_code="3562jt",
            phone="030 123 45 67",
            email="info@welzijn-overvecht.nl",
            website="www.welzijn-overvecht.nl",
            opening_hours="ma-vr 9:00-17:00\nwo-avond tot 20:00",
        )
        offering = _offering(
            tx,
            actor,
            organisation.id,
            domain_tags=("network", "meaning", "network"),
            contact_function="  Welzijnscoach   Overvecht ",
            description="Een coach helpt met\nmeedoen in de wijk.",
        )
    assert organisation.postal_code == "3562 JT"
    assert organisation.address_line == "Zamenhofdreef 12, 3562 JT Utrecht"
    with db.transaction() as tx:
        stored = get_offering(tx, offering.id, today=TODAY)
        assert get_organisation(tx, organisation.id).offering_count == 1
    assert stored.organisation_name == "Stichting Welzijn Overvecht"
    assert stored.domain_tags == ("meaning", "network")  # vocabulary order, no repeats
    assert stored.contact_function == "Welzijnscoach Overvecht"
    assert stored.description == "Een coach helpt met\nmeedoen in de wijk."
    assert stored.opening_hours == "ma-vr 9:00-17:00\nwo-avond tot 20:00"
    assert stored.address == "Zamenhofdreef 12, 3562 JT Utrecht"
    assert stored.last_checked == date(2026, 1, 15)
    assert stored.active and not stored.stale


def test_the_contact_number_falls_back_to_the_organisation(db, actor):
    with db.transaction() as tx:
        organisation = _organisation(tx, actor, phone="030 111 11 11", email="info@wijk.nl")
        own = _offering(tx, actor, organisation.id, "Eigen nummer", phone="06 12345678", email="coach@wijk.nl")
        shared = _offering(tx, actor, organisation.id, "Via de receptie")
    assert (own.phone, own.contact_phone, own.contact_email) == ("06 12345678", "06 12345678", "coach@wijk.nl")
    assert (shared.phone, shared.email) == ("", "")
    assert (shared.contact_phone, shared.contact_email) == ("030 111 11 11", "info@wijk.nl")


def test_every_kind_has_a_translated_label_and_an_unknown_code_shows_as_it_is():
    assert len(KINDS) == 11 and "other" in KINDS
    assert all(kind_label(code) for code in KINDS)
    assert kind_label("nonsense") == "nonsense"


# -- validation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field", "fragment"),
    [
        ({"name": "  "}, "name", ""),
        ({"postal_code": "12345678901"}, "postal_code", "10"),
        ({"phone": "bel de receptie"}, "phone", "bel de receptie"),
        ({"phone": "+-()"}, "phone", "+-()"),
        ({"email": "info@welzijn"}, "email", "info@welzijn"),
        ({"website": "welzijn overvecht"}, "website", "welzijn overvecht"),
        ({"last_checked": "32-01-2026"}, "last_checked", "32-01-2026"),
        ({"last_checked": "03-03-2026"}, "last_checked", "03-03-2026"),
        ({"city": "x" * 101}, "city", "100"),
    ],
)
def test_a_bad_organisation_field_is_named_and_nothing_is_stored(db, actor, fields, field, fragment):
    values = {"name": "Buurtteam Noord", **fields}
    with pytest.raises(InvalidEntry) as caught, db.transaction() as tx:
        create_organisation(tx, actor, OrganisationInput(**values), now=NOW)
    assert list(caught.value.problems) == [field]
    assert fragment in caught.value.problems[field]
    assert _count(db, Organisation) == 0


@pytest.mark.parametrize(
    ("fields", "field", "fragment"),
    [
        ({"name": ""}, "name", ""),
        ({"kind": ""}, "kind", ""),
        ({"kind": "yoga"}, "kind", "yoga"),
        ({"domain_tags": ()}, "domain_tags", ""),
        ({"domain_tags": ("money", "geluk")}, "domain_tags", "'geluk'"),
        ({"contact_function": " "}, "contact_function", "Welzijnscoach Overvecht"),
        ({"phone": "030-ABC"}, "phone", "030-ABC"),
        ({"email": "coach at wijk.nl"}, "email", "coach at wijk.nl"),
        ({"organisation_id": None}, "organisation_id", ""),
    ],
)
def test_a_bad_offering_field_is_named_and_nothing_is_stored(db, actor, fields, field, fragment):
    with db.transaction() as tx:
        organisation_id = _organisation(tx, actor).id
    values = {
        "organisation_id": organisation_id,
        "name": "Schuldhulp",
        "kind": "debt_counselling",
        "domain_tags": ("money",),
        "contact_function": "Schuldhulpmaatje",
        **fields,
    }
    with pytest.raises(InvalidEntry) as caught, db.transaction() as tx:
        create_offering(tx, actor, OfferingInput(**values), now=NOW)
    assert list(caught.value.problems) == [field]
    assert fragment in caught.value.problems[field]
    assert _count(db, Offering) == 0


def test_every_problem_is_reported_at_once(db, actor):
    with pytest.raises(InvalidEntry) as caught, db.transaction() as tx:
        create_offering(tx, actor, OfferingInput(None, "", "", (), "", phone="x", email="y"), now=NOW)
    assert set(caught.value.problems) == {
        "organisation_id",
        "name",
        "kind",
        "domain_tags",
        "contact_function",
        "phone",
        "email",
    }


def test_validation_messages_are_translated(db, actor):
    with pytest.raises(InvalidEntry) as caught, db.transaction() as tx:
        create_organisation(tx, actor, OrganisationInput(name="", email="nee"), now=NOW)
    # The Dutch catalog may not have the new sentences yet; the one shared with clients it has.
    assert caught.value.problems["email"].startswith("'nee' is geen e-mailadres")


def test_a_second_offering_with_the_same_name_in_one_organisation_is_refused(db, actor):
    with db.transaction() as tx:
        first = _organisation(tx, actor).id
        second = _organisation(tx, actor, "Buurtteam Noord").id
        _offering(tx, actor, first, "Welzijn op Recept")
        _offering(tx, actor, second, "Welzijn op Recept")  # another organisation: fine
    with pytest.raises(InvalidEntry) as caught, db.transaction() as tx:
        _offering(tx, actor, first, "welzijn op recept")
    assert "Stichting Welzijn Overvecht" in caught.value.problems["name"]
    assert _count(db, Offering) == 2


def test_an_offering_for_a_deleted_organisation_is_refused_by_field(db, actor):
    with pytest.raises(InvalidEntry) as caught, db.transaction() as tx:
        _offering(tx, actor, 999)
    assert list(caught.value.problems) == ["organisation_id"]


# -- changing -----------------------------------------------------------------------------------


def test_an_organisation_is_changed_and_keeps_its_offerings(db, actor):
    with db.transaction() as tx:
        organisation = _organisation(tx, actor)
        _offering(tx, actor, organisation.id)
        changed = update_organisation(
            tx, actor, organisation.id, OrganisationInput(name="Welzijn Utrecht", city="Utrecht"), now=NOW
        )
    assert changed.name == "Welzijn Utrecht" and changed.postal_code == "" and changed.offering_count == 1
    with pytest.raises(InvalidEntry), db.transaction() as tx:
        update_organisation(tx, actor, organisation.id, OrganisationInput(name=""), now=NOW)
    with db.transaction() as tx:
        assert get_organisation(tx, organisation.id).name == "Welzijn Utrecht"


def test_an_offering_moves_to_another_organisation_and_can_be_set_inactive(db, actor):
    with db.transaction() as tx:
        first = _organisation(tx, actor).id
        second = _organisation(tx, actor, "Buurtteam Noord").id
        offering = _offering(tx, actor, first)
        moved = update_offering(
            tx,
            actor,
            offering.id,
            OfferingInput(second, "Welzijn op Recept", "neighbourhood_team", ["network"], "Buurtteam Noord"),
            now=NOW,
        )
        inactive = set_offering_active(tx, actor, offering.id, False, now=NOW)
    assert (moved.organisation_name, moved.kind, moved.domain_tags) == (
        "Buurtteam Noord",
        "neighbourhood_team",
        ("network",),
    )
    assert inactive.active is False


def test_a_missing_offering_or_organisation_is_not_found(db, actor):
    with pytest.raises(NotFoundError), db.transaction() as tx:
        get_offering(tx, 42, today=TODAY)
    with pytest.raises(NotFoundError), db.transaction() as tx:
        mark_checked(tx, actor, 42, TODAY)


# -- stale entries ------------------------------------------------------------------------------


def test_months_are_added_on_the_calendar():
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2024, 3, 2), 12) == date(2025, 3, 2)
    assert add_months(date(2025, 11, 30), 3) == date(2026, 2, 28)


def test_an_entry_is_stale_from_the_day_the_months_have_passed():
    assert not is_stale_on(date(2025, 3, 3), TODAY, 12)
    assert is_stale_on(date(2025, 3, 2), TODAY, 12)
    assert is_stale_on(None, TODAY, 12)  # never checked: nobody knows whether it is still right


def test_stale_marking_follows_the_practice_setting(db, actor):
    with db.transaction() as tx:
        organisation = _organisation(tx, actor, last_checked=date(2025, 6, 1))
        _offering(tx, actor, organisation.id)
        assert stale_after_months(tx) == DEFAULT_STALE_MONTHS == 12
        assert not list_offerings(tx, today=TODAY)[0].stale
        assert not get_organisation(tx, organisation.id).is_stale(TODAY, 12)
    with db.transaction() as tx:
        manager = create_practitioner(tx, "Joyce van Dijk", Role.PRACTICE_MANAGER)  # a practice setting
        assert set_stale_after_months(tx, manager, 6) == 6
    with db.transaction() as tx:
        assert stale_after_months(tx) == 6
        assert list_offerings(tx, today=TODAY)[0].stale
        assert get_organisation(tx, organisation.id).is_stale(TODAY, 6)


@pytest.mark.parametrize("months", [0, 61, -3])
def test_the_stale_setting_accepts_1_to_60_months(db, actor, months):
    with pytest.raises(InvalidEntry) as caught, db.transaction() as tx:
        set_stale_after_months(tx, actor, months)
    assert "1" in caught.value.problems["months"] and "60" in caught.value.problems["months"]
    with db.transaction() as tx:
        assert stale_after_months(tx) == 12


def test_a_damaged_stale_setting_falls_back_to_the_default(db, actor):
    with db.transaction() as tx:
        write_setting(tx, STALE_MONTHS_KEY, "twaalf")
    with db.transaction() as tx:
        assert stale_after_months(tx) == 12


def test_marking_an_organisation_checked_makes_its_offerings_current(db, actor):
    with db.transaction() as tx:
        organisation = _organisation(tx, actor, last_checked=None)
        _offering(tx, actor, organisation.id, "Een")
        _offering(tx, actor, organisation.id, "Twee")
        assert all(view.stale for view in list_offerings(tx, today=TODAY))
        checked = mark_checked(tx, actor, organisation.id, TODAY, now=NOW)
    assert checked.last_checked == TODAY
    with db.transaction() as tx:
        assert not any(view.stale for view in list_offerings(tx, today=TODAY))


# -- finding and suggesting ------------------------------------------------------------------------


def _small_map(tx, actor) -> dict[str, int]:
    fresh = _organisation(tx, actor, "Welzijn Overvecht").id
    old = _organisation(tx, actor, "Schuldhulp Utrecht", last_checked=date(2024, 1, 1), city="Zeist").id
    ids = {
        "both": _offering(tx, actor, fresh, "Zorg en geld", kind="social_work", domain_tags=("money", "network")).id,
        "fresh": _offering(tx, actor, fresh, "Buurtmaaltijd", kind="community_centre", domain_tags=("network",)).id,
        "stale": _offering(tx, actor, old, "Administratiehulp", kind="debt_counselling", domain_tags=("money",)).id,
        "fresh2": _offering(tx, actor, fresh, "Koffie-ochtend", kind="community_centre", domain_tags=("network",)).id,
        "other": _offering(tx, actor, fresh, "Beweegmaatje", kind="volunteer_work", domain_tags=("body",)).id,
        "inactive": _offering(tx, actor, fresh, "Aaa gestopt", domain_tags=("money", "network")).id,
    }
    set_offering_active(tx, actor, ids["inactive"], False, now=NOW)
    return ids


def test_suggestions_put_most_shared_domains_first_then_checked_entries_then_name(db, actor):
    with db.transaction() as tx:
        ids = _small_map(tx, actor)
        suggested = suggest_offerings(tx, ["money", "network", "justice"], TODAY)
    assert [view.id for view in suggested] == [ids["both"], ids["fresh"], ids["fresh2"], ids["stale"]]
    assert suggested[-1].stale and not suggested[1].stale


def test_suggestions_leave_out_inactive_offerings_and_other_domains(db, actor):
    with db.transaction() as tx:
        ids = _small_map(tx, actor)
        assert {view.id for view in suggest_offerings(tx, ["money"], TODAY)} == {ids["both"], ids["stale"]}
        assert suggest_offerings(tx, [], TODAY) == []
        assert suggest_offerings(tx, ["justice"], TODAY) == []


def test_the_list_filters_by_search_words_domain_and_activity(db, actor):
    with db.transaction() as tx:
        ids = _small_map(tx, actor)
        names = [view.name for view in list_offerings(tx, today=TODAY)]
        assert names == ["Administratiehulp", "Beweegmaatje", "Buurtmaaltijd", "Koffie-ochtend", "Zorg en geld"]
        assert [v.id for v in list_offerings(tx, search="zeist", today=TODAY)] == [ids["stale"]]
        assert [v.id for v in list_offerings(tx, search="overvecht koffie", today=TODAY)] == [ids["fresh2"]]
        assert {v.id for v in list_offerings(tx, tags=["body"], today=TODAY)} == {ids["other"]}
        assert ids["inactive"] in {v.id for v in list_offerings(tx, include_inactive=True, today=TODAY)}
        assert [o.name for o in list_organisations(tx)] == ["Schuldhulp Utrecht", "Welzijn Overvecht"]
        assert [o.offering_count for o in list_organisations(tx, search="welzijn")] == [5]


# -- deleting -----------------------------------------------------------------------------------


def _refer(tx, actor, offering_id: int) -> None:
    client = create_client(tx, actor, ClientInput("Ron", "Jansen", "12-05-1980"), now=NOW)
    tx.add(
        Referral(
            reference="VW-001",
            client_id=client.id,
            offering_id=offering_id,
            recipient="Welzijnscoach Overvecht",
            question="Schulden en meedoen",
            urgency="normal",
            feedback_contact="POH, 030 123 45 67",
            status="sent",
            created_by_id=actor.id,
            created_at=NOW,
            updated_at=NOW,
        )
    )
    tx.flush()


def test_deleting_an_organisation_is_refused_while_a_referral_names_its_offering(db, actor):
    with db.transaction() as tx:
        organisation = _organisation(tx, actor)
        offering = _offering(tx, actor, organisation.id)
        _offering(tx, actor, organisation.id, "Tweede aanbod")
        _refer(tx, actor, offering.id)
    with pytest.raises(RefusedError) as caught, db.transaction() as tx:
        delete_organisation(tx, actor, organisation.id)
    assert "Stichting Welzijn Overvecht" in caught.value.message
    assert (_count(db, Organisation), _count(db, Offering)) == (1, 2)


def test_deleting_an_organisation_removes_its_offerings(db, actor):
    with db.transaction() as tx:
        organisation = _organisation(tx, actor)
        keep = _organisation(tx, actor, "Buurtteam Noord")
        _offering(tx, actor, organisation.id)
        _offering(tx, actor, keep.id)
    with db.transaction() as tx:
        delete_organisation(tx, actor, organisation.id)
    with db.transaction() as tx:
        assert [o.name for o in list_organisations(tx)] == ["Buurtteam Noord"]
        assert [v.organisation_name for v in list_offerings(tx, today=TODAY)] == ["Buurtteam Noord"]
