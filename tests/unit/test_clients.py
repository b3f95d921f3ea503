"""Clients: validation, client numbers, search-as-you-type, Dutch list order, changing a client."""

from __future__ import annotations

import random
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import func, select

from broadtalk import audit, i18n
from broadtalk.clients import (
    NUMBER_ALPHABET,
    ClientInput,
    ClientRecord,
    InvalidClient,
    bsn_is_valid,
    client_record_unchecked,
    count_clients,
    create_client,
    get_client,
    parse_date,
    search_clients,
    update_client,
    validate,
)
from broadtalk.conversations import start_conversation
from broadtalk.errors import InputError, NotFoundError
from broadtalk.practitioners import Actor
from broadtalk.store.database import Database
from broadtalk.store.tables import AuditEntry, Client

NOW = datetime(2026, 3, 2, 10, 30, tzinfo=UTC)  # as in conftest
TODAY = NOW.date()
CLIENT_NUMBER = re.compile(r"^[A-HJKMNP-Z2-9]{3}-[A-HJKMNP-Z2-9]{3}$")


def _input(
    given: str = "Jan", family: str = "Berg", birth: date | str = "07-03-1951", **fields: str | bool
) -> ClientInput:
    return ClientInput(given_name=given, family_name=family, birth_date=birth, **fields)


def _create(db: Database, actor: Actor, data: ClientInput, **kwargs) -> ClientRecord:
    with db.transaction() as tx:
        return create_client(tx, actor, data, now=NOW, **kwargs)


def _count(db: Database) -> int:
    with db.transaction() as tx:
        return tx.exec(select(func.count(Client.id))).one()


def _search(db: Database, actor: Actor, text: str, **kwargs) -> list[ClientRecord]:
    with db.transaction() as tx:
        return search_clients(tx, actor, text, **kwargs)


def _problems(data: ClientInput) -> dict[str, str]:
    with pytest.raises(InvalidClient) as caught:
        validate(data, TODAY)
    return caught.value.problems


# -- validation -------------------------------------------------------------------------------


def test_given_and_family_name_are_required_and_each_problem_is_keyed_by_field() -> None:
    i18n.set_language("en")

    problems = _problems(_input(given="", family=" \n\t "))

    assert set(problems) == {"given_name", "family_name"}
    assert "given name is empty" in problems["given_name"]
    assert "family name is empty" in problems["family_name"]


def test_invalid_client_is_an_input_error_that_names_every_problem() -> None:
    i18n.set_language("en")
    with pytest.raises(InvalidClient) as caught:
        validate(_input(given="", email="not-an-address", bsn="123456789"), TODAY)

    assert isinstance(caught.value, InputError)
    assert set(caught.value.problems) == {"given_name", "email", "bsn"}
    for message in caught.value.problems.values():
        assert message in caught.value.message


def test_names_are_cleaned_of_line_breaks_controls_and_double_spaces() -> None:
    values = validate(_input(given="  Anna \n Maria\x07 ", family="Bakker\r\n", name_prefix=" van  der "), TODAY)

    assert values["given_name"] == "Anna Maria"
    assert values["family_name"] == "Bakker"
    assert values["name_prefix"] == "van der"


def test_a_name_longer_than_its_column_is_refused() -> None:
    problems = _problems(_input(given="A" * 101, name_prefix="x" * 31))

    assert set(problems) == {"given_name", "name_prefix"}


@pytest.mark.parametrize("typed", ["07-03-1951", "7-3-1951", "07/03/1951", "1951-03-07", " 07-03-1951 "])
def test_birth_date_typed_as_dd_mm_yyyy_or_iso_is_understood(typed: str) -> None:
    assert parse_date(typed) == date(1951, 3, 7)
    assert validate(_input(birth=typed), TODAY)["birth_date"] == date(1951, 3, 7)


@pytest.mark.parametrize("typed", ["31-02-2020", "2020-13-01", "morgen", "07-03-51", "07.03.1951", "1951/03/07", ""])
def test_parse_date_returns_none_for_what_is_not_a_date(typed: str) -> None:
    assert parse_date(typed) is None


def test_a_birth_date_that_is_not_a_date_is_refused_with_the_typed_text() -> None:
    i18n.set_language("en")

    problems = _problems(_input(birth="31-02-1980"))

    assert set(problems) == {"birth_date"}
    assert "'31-02-1980' is not a date" in problems["birth_date"]


def test_an_empty_birth_date_is_refused() -> None:
    i18n.set_language("en")

    assert "birth date is empty" in _problems(_input(birth="  "))["birth_date"]


def test_a_birth_date_in_the_future_is_refused() -> None:
    i18n.set_language("en")

    problems = _problems(_input(birth=TODAY + timedelta(days=1)))

    assert "lies in the future" in problems["birth_date"]
    assert validate(_input(birth=TODAY), TODAY)["birth_date"] == TODAY  # born today is fine


def test_a_birth_date_more_than_120_years_ago_is_refused() -> None:
    i18n.set_language("en")

    problems = _problems(_input(birth="01-01-1900"))

    assert "more than 120 years ago" in problems["birth_date"]


def test_a_birth_date_120_years_and_a_day_ago_is_refused_but_one_just_under_120_years_is_accepted() -> None:
    exactly_120 = TODAY.replace(year=TODAY.year - 120)

    assert validate(_input(birth=exactly_120 + timedelta(days=1)), TODAY)["birth_date"] == exactly_120 + timedelta(
        days=1
    )
    # 1906-03-01 lies more than 120 years before 2026-03-02, so the message's rule applies.
    assert "birth_date" in _problems(_input(birth=exactly_120 - timedelta(days=1)))


@pytest.mark.parametrize("bsn", ["111222333", "123456782", "111.222.333", " 123 456 782 "])
def test_a_bsn_that_passes_the_11_test_is_accepted(bsn: str) -> None:
    digits = re.sub(r"\D", "", bsn)
    assert bsn_is_valid(digits)
    assert validate(_input(bsn=bsn), TODAY)["bsn"] == digits


@pytest.mark.parametrize("bsn", ["123456789", "111222334", "000000000", "12345678X", "1234567", "1234567890"])
def test_a_bsn_that_fails_the_11_test_is_refused(bsn: str) -> None:
    i18n.set_language("en")
    assert not bsn_is_valid(bsn.replace(" ", ""))

    problems = _problems(_input(bsn=bsn))

    assert set(problems) == {"bsn"}
    assert "11-test" in problems["bsn"]


def test_an_eight_digit_bsn_is_read_and_stored_with_a_leading_zero() -> None:
    assert bsn_is_valid("12345672")
    assert bsn_is_valid("012345672")
    assert not bsn_is_valid("12345673")

    assert validate(_input(bsn="12345672"), TODAY)["bsn"] == "012345672"


def test_an_empty_bsn_is_stored_as_none() -> None:
    assert validate(_input(bsn="  "), TODAY)["bsn"] is None


@pytest.mark.parametrize("email", ["anna@example.org", "a.de.vries+poh@praktijk-delinde.nl"])
def test_a_plausible_email_address_is_accepted(email: str) -> None:
    assert validate(_input(email=f" {email} "), TODAY)["email"] == email


@pytest.mark.parametrize("email", ["anna", "anna@", "anna@example", "anna example@org.nl", "@example.org", "a@@b.nl"])
def test_an_email_address_without_user_domain_and_dot_is_refused(email: str) -> None:
    i18n.set_language("en")

    problems = _problems(_input(email=email))

    assert set(problems) == {"email"}
    assert "is not an e-mail address" in problems["email"]


@pytest.mark.parametrize("typed", ["1234ab", "1234 ab", "1234AB", " 1234  aB ", "1234 AB"])
def test_a_dutch_postal_code_is_normalised_to_four_digits_space_two_capitals(typed: str) -> None:
    assert validate(_input(postal_code=typed), TODAY)["postal_code"] == "1234 AB"


def test_a_foreign_postal_code_is_kept_as_typed_and_a_too_long_one_refused() -> None:
    assert validate(_input(postal_code="B-2000"), TODAY)["postal_code"] == "B-2000"
    assert validate(_input(postal_code="0123 AB"), TODAY)["postal_code"] == "0123 AB"  # no Dutch code starts with 0
    assert set(_problems(_input(postal_code="12345678901"))) == {"postal_code"}


def test_gp_and_language_are_cleaned_to_one_line() -> None:
    values = validate(
        _input(
            general_practitioner="  H. de Wit,\n Huisartsenpraktijk  De Linde ", language=" Arabisch\t(Marokkaans) "
        ),
        TODAY,
    )

    assert values["general_practitioner"] == "H. de Wit, Huisartsenpraktijk De Linde"
    assert values["language"] == "Arabisch (Marokkaans)"
    assert values["interpreter_needed"] is False
    assert validate(_input(interpreter_needed=True), TODAY)["interpreter_needed"] is True


@pytest.mark.parametrize("typed", ["Nederlands", " nederlands ", "Dutch", "NL", ""])
def test_dutch_as_the_preferred_language_is_stored_as_empty(typed: str) -> None:
    assert validate(_input(language=typed), TODAY)["language"] == ""


def test_the_dutch_of_the_programs_own_language_is_stored_as_empty() -> None:
    i18n.set_language("en")
    assert validate(_input(language="dutch"), TODAY)["language"] == ""


def test_a_gp_or_language_longer_than_its_column_is_refused_with_a_message_naming_the_field() -> None:
    i18n.set_language("en")

    problems = _problems(_input(general_practitioner="x" * 201, language="y" * 101))

    assert set(problems) == {"general_practitioner", "language"}
    assert problems["general_practitioner"].startswith("The GP is longer than 200 characters")
    assert problems["language"].startswith("The preferred language is longer than 100 characters")
    # Just at the limit is fine (cleaning first: spaces around do not count).
    values = validate(_input(general_practitioner=" " + "x" * 200 + " ", language="y" * 100), TODAY)
    assert (len(values["general_practitioner"]), len(values["language"])) == (200, 100)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(_input(given=""), id="no-given-name"),
        pytest.param(_input(general_practitioner="x" * 201, interpreter_needed=True), id="long-gp"),
        pytest.param(_input(language="y" * 101), id="long-language"),
        pytest.param(_input(birth="2099-01-01"), id="future-birth"),
        pytest.param(_input(bsn="123456789"), id="bad-bsn"),
        pytest.param(_input(email="anna@"), id="bad-email"),
    ],
)
def test_nothing_is_stored_when_validation_fails(db: Database, actor: Actor, data: ClientInput) -> None:
    _create(db, actor, _input("Anna", "Bakker"))

    with pytest.raises(InvalidClient), db.transaction() as tx:
        create_client(tx, actor, data, now=NOW)

    assert _count(db) == 1


# -- creating and client numbers --------------------------------------------------------------


def test_gp_language_and_interpreter_are_stored_and_read_back_everywhere(db: Database, actor: Actor) -> None:
    created = _create(
        db,
        actor,
        _input(general_practitioner="Dr. H. de Wit, De Linde", language="Tigrinya", interpreter_needed=True),
    )

    assert (created.general_practitioner, created.language, created.interpreter_needed) == (
        "Dr. H. de Wit, De Linde",
        "Tigrinya",
        True,
    )
    with db.transaction() as tx:
        row = tx.get(Client, created.id)
        assert (row.general_practitioner, row.language, row.interpreter_needed) == (
            "Dr. H. de Wit, De Linde",
            "Tigrinya",
            True,
        )
        assert get_client(tx, actor, created.id) == created
        assert client_record_unchecked(tx, created.id) == created
    (found,) = _search(db, actor, "berg")
    assert found == created


def test_a_client_without_gp_or_language_reads_back_as_empty_dutch_and_no_interpreter(
    db: Database, actor: Actor
) -> None:
    created = _create(db, actor, _input())

    with db.transaction() as tx:
        stored = get_client(tx, actor, created.id)
    assert (stored.general_practitioner, stored.language, stored.interpreter_needed) == ("", "", False)


def test_create_client_stores_the_cleaned_values(db: Database, actor: Actor) -> None:
    created = _create(
        db,
        actor,
        _input(
            " Jan ",
            "Berg",
            "07-03-1951",
            name_prefix="van der",
            bsn="111.222.333",
            phone="06-12345678",
            email="jan@example.org",
            address="Lindelaan 4",
            postal_code="3511ab",
            city="Utrecht",
        ),
    )

    with db.transaction() as tx:
        stored = get_client(tx, actor, created.id)
        row = tx.get(Client, created.id)
        assert row.created_by_id == actor.id
        assert row.created_at == NOW
    assert stored == created
    assert stored.name == "Jan van der Berg"
    assert stored.sort_name == "Berg, Jan van der"
    assert (stored.bsn, stored.postal_code, stored.birth_date) == ("111222333", "3511 AB", date(1951, 3, 7))
    assert stored.age_on(date(2026, 3, 6)) == 74
    assert stored.age_on(date(2026, 3, 7)) == 75


def test_client_numbers_are_short_unique_and_free_of_ambiguous_characters(db: Database, actor: Actor) -> None:
    with db.transaction() as tx:
        numbers = [create_client(tx, actor, _input(f"Client{i}"), now=NOW).client_number for i in range(80)]

    assert len(set(numbers)) == len(numbers)
    for number in numbers:
        assert CLIENT_NUMBER.match(number), number
        assert not set(number) & set("01OIL")
        assert set(number.replace("-", "")) <= set(NUMBER_ALPHABET)


def test_a_client_number_already_taken_is_never_given_again(db: Database, actor: Actor) -> None:
    first = _create(db, actor, _input("Anna"), rng=random.Random(99))

    # The same random sequence proposes the same number first; it must be skipped.
    second = _create(db, actor, _input("Bram"), rng=random.Random(99))

    assert second.client_number != first.client_number
    assert CLIENT_NUMBER.match(second.client_number)


def test_the_database_refuses_a_duplicate_client_number(db: Database, actor: Actor) -> None:
    first = _create(db, actor, _input("Anna"))

    columns = (
        "client_number, given_name, name_prefix, family_name, birth_date, bsn, phone, email, address,"
        " postal_code, city, search_key, sort_key, created_at, updated_at, created_by_id"
    )
    # A new id, the same number: the number's own constraint refuses it (SQLite says UNIQUE,
    # PostgreSQL names the constraint).
    with pytest.raises(IntegrityError, match=r"UNIQUE|uq_client_client_number"), db.engine.begin() as connection:
        connection.execute(
            text(f"INSERT INTO client (id, {columns}) SELECT id + 1, {columns} FROM client WHERE id = :id"),
            {"id": first.id},
        )

    assert _count(db) == 1


def test_get_client_of_an_unknown_id_is_not_found(db: Database, actor: Actor) -> None:
    i18n.set_language("en")
    with pytest.raises(NotFoundError, match="There is no client with number 4242"), db.transaction() as tx:
        get_client(tx, actor, 4242)


# -- search -----------------------------------------------------------------------------------


@pytest.fixture
def people(db: Database, actor: Actor) -> dict[str, ClientRecord]:
    rows = [
        ("Jan", "van der", "Berg", "07-03-1951"),
        ("Anna", "", "Bakker", "12-11-1980"),
        ("Emre", "", "Çelik", "24-12-1988"),
        ("Søren", "", "Ødegård", "01-05-1970"),
        ("Kees", "de", "Vries", "07-03-1951"),
        ("Els", "", "Aalders", "15-08-1962"),
        ("Jan", "", "Bakker", "03-02-1944"),
        ("Ans", "van", "Dam", "30-06-1999"),
        ("Łukasz", "", "Dijk", "09-09-1990"),
    ]
    rng = random.Random(7)  # fixed client numbers: a number can never happen to match a search word
    with db.transaction() as tx:
        return {
            f"{given} {family}": create_client(
                tx, actor, _input(given, family, birth, name_prefix=prefix), now=NOW, rng=rng
            )
            for given, prefix, family, birth in rows
        }


def _families(records: list[ClientRecord]) -> list[str]:
    return [f"{r.given_name} {r.family_name}" for r in records]


def test_search_lists_everyone_in_dutch_order_family_name_without_prefix_then_given_name(
    db: Database, actor: Actor, people: dict[str, ClientRecord]
) -> None:
    assert _families(_search(db, actor, "")) == [
        "Els Aalders",
        "Anna Bakker",
        "Jan Bakker",
        "Jan Berg",  # van der Berg: under B
        "Emre Çelik",  # Ç sorts as C
        "Ans Dam",  # van Dam: under D
        "Łukasz Dijk",
        "Søren Ødegård",  # Ø sorts as O
        "Kees Vries",  # de Vries: under V
    ]
    with db.transaction() as tx:
        assert count_clients(tx, actor) == 9


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("celik", ["Emre Çelik"]),
        ("ÇELIK", ["Emre Çelik"]),
        ("Celik", ["Emre Çelik"]),
        ("odegard", ["Søren Ødegård"]),
        ("ødegård", ["Søren Ødegård"]),
        ("soren", ["Søren Ødegård"]),
        ("lukasz", ["Łukasz Dijk"]),
        ("BERG", ["Jan Berg"]),
        ("van der", ["Jan Berg"]),
        ("aK", ["Anna Bakker", "Jan Bakker"]),
    ],
)
def test_search_ignores_case_and_diacritics(
    db: Database, actor: Actor, people: dict[str, ClientRecord], typed: str, expected: list[str]
) -> None:
    assert _families(_search(db, actor, typed)) == expected
    with db.transaction() as tx:
        assert count_clients(tx, actor, typed) == len(expected)


def test_search_finds_the_birth_date_typed_as_dd_mm_yyyy(
    db: Database, actor: Actor, people: dict[str, ClientRecord]
) -> None:
    assert _families(_search(db, actor, "07-03-1951")) == ["Jan Berg", "Kees Vries"]
    assert _families(_search(db, actor, "7-3-1951")) == ["Jan Berg", "Kees Vries"]
    assert _families(_search(db, actor, "12-11-1980")) == ["Anna Bakker"]
    assert _search(db, actor, "08-03-1951") == []


def test_search_finds_the_client_number_whole_or_its_start(
    db: Database, actor: Actor, people: dict[str, ClientRecord]
) -> None:
    emre = people["Emre Çelik"]
    number = emre.client_number

    assert _search(db, actor, number) == [emre]
    assert _search(db, actor, number.lower()) == [emre]
    # Three characters or more: the start of a number (a name may contain them too).
    assert emre in _search(db, actor, number[:3].lower())


def test_search_requires_every_word_to_match(db: Database, actor: Actor, people: dict[str, ClientRecord]) -> None:
    assert _families(_search(db, actor, "jan bakker")) == ["Jan Bakker"]
    assert _families(_search(db, actor, "  bakker   jan ")) == ["Jan Bakker"]
    assert _families(_search(db, actor, "jan 07-03-1951")) == ["Jan Berg"]
    assert _search(db, actor, "jan vries") == []
    with db.transaction() as tx:
        assert count_clients(tx, actor, "jan") == 2
        assert count_clients(tx, actor, "jan vries") == 0


@pytest.mark.parametrize("typed", ["%", "_", "%%", "__", "%%%", "___", "b_kker", "b%r", "\\"])
def test_percent_and_underscore_in_a_search_are_literal_characters(
    db: Database, actor: Actor, people: dict[str, ClientRecord], typed: str
) -> None:
    assert _search(db, actor, typed) == []
    with db.transaction() as tx:
        assert count_clients(tx, actor, typed) == 0


def test_a_name_with_percent_or_underscore_is_found_by_typing_them(db: Database, actor: Actor) -> None:
    _create(db, actor, _input("Test_1", "100%"))
    _create(db, actor, _input("Test01", "1000"))

    assert _families(_search(db, actor, "test_1")) == ["Test_1 100%"]
    assert _families(_search(db, actor, "100%")) == ["Test_1 100%"]


def test_search_pages_with_limit_and_offset(db: Database, actor: Actor, people: dict[str, ClientRecord]) -> None:
    everyone = _search(db, actor, "")

    assert _search(db, actor, "", limit=3) == everyone[:3]
    assert _search(db, actor, "", limit=3, offset=3) == everyone[3:6]
    assert _search(db, actor, "", offset=8) == everyone[8:]


def test_search_fills_the_number_of_conversations(db: Database, actor: Actor, people: dict[str, ClientRecord]) -> None:
    berg = people["Jan Berg"]
    celik = people["Emre Çelik"]
    with db.transaction() as tx:
        start_conversation(tx, actor, berg.id, "positive-health", 1, now=NOW)
        start_conversation(tx, actor, berg.id, "four-domains", 1, now=NOW)
        start_conversation(tx, actor, celik.id, "self-sufficiency", 1, now=NOW)

    counts = {f"{r.given_name} {r.family_name}": r.conversation_count for r in _search(db, actor, "")}

    assert counts["Jan Berg"] == 2
    assert counts["Emre Çelik"] == 1
    assert counts["Anna Bakker"] == 0
    assert sum(counts.values()) == 3


# -- changing ---------------------------------------------------------------------------------


def test_update_client_changes_the_fields_and_the_search_key(
    db: Database, actor: Actor, people: dict[str, ClientRecord]
) -> None:
    anna = people["Anna Bakker"]
    later = NOW + timedelta(days=3)

    with db.transaction() as tx:
        updated = update_client(
            tx,
            actor,
            anna.id,
            _input("Anna", "Yıldız", "13-11-1980", email="anna@example.org", postal_code="3511cd"),
            now=later,
        )
        row = tx.get(Client, anna.id)
        assert (row.created_at, row.updated_at) == (NOW, later)

    assert updated.id == anna.id
    assert updated.client_number == anna.client_number
    with db.transaction() as tx:
        stored = get_client(tx, actor, anna.id)
    assert stored == updated
    assert (stored.family_name, stored.birth_date, stored.email, stored.postal_code) == (
        "Yıldız",
        date(1980, 11, 13),
        "anna@example.org",
        "3511 CD",
    )
    assert _families(_search(db, actor, "yildiz")) == ["Anna Yıldız"]
    assert _families(_search(db, actor, "13-11-1980")) == ["Anna Yıldız"]
    assert _families(_search(db, actor, "bakker")) == ["Jan Bakker"]
    assert _families(_search(db, actor, ""))[-1] == "Anna Yıldız"  # sorted under Y now


def test_update_client_with_invalid_input_changes_nothing(
    db: Database, actor: Actor, people: dict[str, ClientRecord]
) -> None:
    anna = people["Anna Bakker"]

    with pytest.raises(InvalidClient) as caught, db.transaction() as tx:
        update_client(tx, actor, anna.id, _input("Anna", "", "12-11-1980"), now=NOW)

    assert set(caught.value.problems) == {"family_name"}
    with db.transaction() as tx:
        assert get_client(tx, actor, anna.id) == anna


def test_changing_gp_language_and_interpreter_is_stored_and_audited_without_the_values(
    db: Database, actor: Actor, people: dict[str, ClientRecord]
) -> None:
    anna = people["Anna Bakker"]
    later = NOW + timedelta(days=1)

    with db.transaction() as tx:
        before = tx.exec(select(func.max(AuditEntry.id))).one()
        update_client(
            tx,
            actor,
            anna.id,
            _input(
                "Anna",
                "Bakker",
                anna.birth_date,
                general_practitioner="Huisartsenpraktijk Oost",
                language="Pools",
                interpreter_needed=True,
            ),
            now=later,
        )
        entries = tx.exec(select(AuditEntry).where(AuditEntry.id > before)).all()
    assert [(e.action, e.object_type, e.object_id, e.client_id) for e in entries] == [
        (audit.Action.CHANGE, "client", anna.id, anna.id)
    ]
    assert "Oost" not in entries[0].detail and "Pools" not in entries[0].detail  # ids and kinds, never content

    with db.transaction() as tx:
        stored = get_client(tx, actor, anna.id)
    assert (stored.general_practitioner, stored.language, stored.interpreter_needed) == (
        "Huisartsenpraktijk Oost",
        "Pools",
        True,
    )

    # And back: Dutch again, no interpreter, no GP named.
    with db.transaction() as tx:
        update_client(tx, actor, anna.id, _input("Anna", "Bakker", anna.birth_date, language="Nederlands"), now=later)
        stored = get_client(tx, actor, anna.id)
    assert (stored.general_practitioner, stored.language, stored.interpreter_needed) == ("", "", False)


def test_a_too_long_gp_changes_nothing_of_the_client(
    db: Database, actor: Actor, people: dict[str, ClientRecord]
) -> None:
    anna = people["Anna Bakker"]
    with db.transaction() as tx:
        update_client(tx, actor, anna.id, _input("Anna", "Bakker", anna.birth_date, language="Turks"), now=NOW)
        before = get_client(tx, actor, anna.id)
        last_entry = tx.exec(select(func.max(AuditEntry.id))).one()

    with pytest.raises(InvalidClient) as caught, db.transaction() as tx:
        update_client(
            tx,
            actor,
            anna.id,
            _input("Anna", "Jansen", anna.birth_date, general_practitioner="x" * 201, language="Engels"),
            now=NOW,
        )

    assert set(caught.value.problems) == {"general_practitioner"}
    with db.transaction() as tx:
        assert tx.exec(select(func.max(AuditEntry.id))).one() == last_entry
        assert get_client(tx, actor, anna.id) == before
    assert (before.family_name, before.language) == ("Bakker", "Turks")


def test_update_of_an_unknown_client_is_not_found(db: Database, actor: Actor) -> None:
    with pytest.raises(NotFoundError), db.transaction() as tx:
        update_client(tx, actor, 4242, _input(), now=NOW)


def test_just_after_midnight_in_amsterdam_today_is_a_valid_birth_date(db, actor):
    from datetime import UTC, datetime

    from broadtalk.clients import ClientInput, create_client

    late_evening_utc = datetime(2026, 6, 30, 22, 30, tzinfo=UTC)  # already 1 July in Amsterdam
    with db.transaction() as tx:
        client = create_client(tx, actor, ClientInput("Baby", "Jansen", "01-07-2026"), now=late_evening_utc)
    assert client.birth_date.isoformat() == "2026-07-01"
