"""Importing the social map from CSV: Dutch Excel and plain files, every rejected row with its
line and reasons, duplicates skipped, and nothing half-imported."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlmodel import func, select

from broadtalk import social_map_import
from broadtalk.errors import InputError
from broadtalk.social_map import OfferingInput, OrganisationInput, create_offering, create_organisation, list_offerings
from broadtalk.social_map_import import MAX_ROWS, import_social_map, resolve_kind, resolve_tags
from broadtalk.store.tables import Offering, Organisation
from tests.conftest import NOW

TODAY = NOW.date()

DUTCH_HEADER = (
    "Organisatie;Aanbod;Soort;Domeinen;Contactfunctie;Telefoon;E-mail;Adres;Postcode;Plaats;"
    "Openingstijden;Laatst gecontroleerd;Omschrijving;Website"
)
DUTCH_ROWS = [
    'Stichting Welzijn Overvecht;Welzijn op Recept;Welzijnscoach;"Zingeving; Meedoen";Welzijnscoach Overvecht;'
    "030 123 45 67;coach@welzijn.nl;Zamenhofdreef 12;3562 JT;Utrecht;ma-vr 9-17;15-01-2026;Samen zoeken;"
    "www.welzijn.nl",
    "Stichting Welzijn Overvecht;Buurtmaaltijd;Buurthuis-activiteit;Familie, vrienden en eenzaamheid;"
    "Gastvrouw buurthuis;;;Zamenhofdreef 12;3562jt;Utrecht;;15-01-2026;;",
    "Schuldhulp Utrecht;Schuldhulpmaatje;Schuldhulpverlening;Geld en schulden;Coördinator schuldhulp;"
    "030-2861234;;Stadsplateau 1;3521 AZ;Utrecht;;2025-11-30;;",
]


def _write(tmp_path: Path, text: str, encoding: str = "utf-8", name: str = "kaart.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def _import(db, actor, path: Path):
    with db.transaction() as tx:
        return import_social_map(tx, actor, path, TODAY, now=NOW)


def _counts(db) -> tuple[int, int]:
    with db.transaction() as tx:
        organisations = tx.exec(select(func.count()).select_from(Organisation)).one()
        offerings = tx.exec(select(func.count()).select_from(Offering)).one()
    return organisations, offerings


def _offerings(db):
    with db.transaction() as tx:
        return {view.name: view for view in list_offerings(tx, today=TODAY)}


# -- the files people have ------------------------------------------------------------------------


def test_a_dutch_excel_file_with_semicolons_and_a_bom_is_imported(db, actor, tmp_path):
    path = _write(tmp_path, "\r\n".join([DUTCH_HEADER, *DUTCH_ROWS]) + "\r\n", "utf-8-sig")
    report = _import(db, actor, path)
    assert (report.imported, report.organisations_created, report.rejected, report.duplicates_skipped) == (3, 2, [], 0)
    offerings = _offerings(db)
    coach = offerings["Welzijn op Recept"]
    assert coach.organisation_name == "Stichting Welzijn Overvecht"  # no BOM glued to the first header
    assert (coach.kind, coach.domain_tags) == ("welfare_coach", ("meaning", "participation"))
    assert (coach.contact_function, coach.phone, coach.email) == (
        "Welzijnscoach Overvecht",
        "030 123 45 67",
        "coach@welzijn.nl",
    )
    assert (coach.last_checked, coach.website, coach.opening_hours) == (
        date(2026, 1, 15),
        "www.welzijn.nl",
        "ma-vr 9-17",
    )
    assert coach.address == "Zamenhofdreef 12, 3562 JT Utrecht"
    meal = offerings["Buurtmaaltijd"]
    assert (meal.kind, meal.domain_tags) == ("community_centre", ("network",))
    assert meal.organisation_id == coach.organisation_id  # same name and postal code: one organisation
    debt = offerings["Schuldhulpmaatje"]
    assert (debt.kind, debt.domain_tags, debt.last_checked) == ("debt_counselling", ("money",), date(2025, 11, 30))


def test_a_cp1252_file_from_older_excel_keeps_its_accents(db, actor, tmp_path):
    text = "\r\n".join(
        [DUTCH_HEADER, "Café De Weeshuystraat;Koffie-ochtend;buurthuis;netwerk;Gastvrouw café;;;;;Utrecht;;;;"]
    )
    report = _import(db, actor, _write(tmp_path, text, "cp1252"))
    assert report.imported == 1
    offering = _offerings(db)["Koffie-ochtend"]
    assert (offering.organisation_name, offering.contact_function) == ("Café De Weeshuystraat", "Gastvrouw café")


def test_an_english_comma_separated_file_with_codes_and_quoted_cells_is_imported(db, actor, tmp_path):
    text = (
        "organisation,offering,kind,domains,contact_function,phone,email,postal_code,city,opening_hours,last_checked\n"
        'Neighbourhood team North,Generalist support,neighbourhood_team,"money, housing",Team desk North,'
        '+31 (0)30 700 00 00,desk@team.nl,3571 AA,Utrecht,"Mon-Fri 9-17\nThu evening",2026-02-01\n'
        "GP De Linde,Consultation,GP,Physical health,Assistant desk,030 444 44 44,,3572 BB,Utrecht,,2026-02-01\n"
    )
    report = _import(db, actor, _write(tmp_path, text))
    assert (report.imported, report.rejected) == (2, [])
    offerings = _offerings(db)
    team = offerings["Generalist support"]
    assert team.domain_tags == ("money", "housing")
    assert team.opening_hours == "Mon-Fri 9-17\nThu evening"
    assert (offerings["Consultation"].kind, offerings["Consultation"].domain_tags) == ("gp", ("body",))


@pytest.mark.parametrize(
    "header",
    [
        "ORGANISATIE;AANBOD;SOORT;DOMEINEN;CONTACTFUNCTIE;LAATST_GECONTROLEERD",
        "Organization;Offering;Kind;Domains;Contact function;Last checked",
        " organisation ; offering ; kind ; life domains ; contact-function ; last_checked ",
        "Organisatie;Aanbod;Soort aanbod;Levensdomeinen;Contact_functie;Laatst gecontroleerd",
    ],
)
def test_header_spellings_in_dutch_and_english_are_recognised(db, actor, tmp_path, header):
    path = _write(tmp_path, f"{header}\nWijkteam Zuid;Wijkteam;wijkteam;wonen;Wijkteam-balie;01-02-2026\n")
    report = _import(db, actor, path)
    assert (report.imported, report.rejected) == (1, [])
    assert _offerings(db)["Wijkteam"].last_checked == date(2026, 2, 1)


def test_dutch_and_english_labels_resolve_to_codes_and_unknown_text_stays():
    assert resolve_kind("Schuldhulpverlening") == resolve_kind("debt counselling") == "debt_counselling"
    assert resolve_kind("WIJKVERPLEGING") == resolve_kind("District nursing") == "district_nurse"
    assert resolve_kind("yoga") == "yoga"
    assert resolve_tags("Geld en schulden; Wonen") == ["money", "housing"]
    assert resolve_tags("Family, friends and loneliness") == ["network"]
    assert resolve_tags("money,justice|Lichaam") == ["money", "justice", "body"]
    assert resolve_tags("geld; geluk") == ["money", "geluk"]


# -- rejected rows and duplicates ------------------------------------------------------------------


def test_three_bad_rows_among_seven_are_reported_with_line_and_every_reason(db, actor, tmp_path):
    lines = [
        DUTCH_HEADER,  # line 1
        *DUTCH_ROWS,  # lines 2-4
        "Buurtteam Oost;;wijkteam;wonen;Buurtteam-balie;;;;;;;;;",  # line 5: no offering name
        "",  # line 6: empty, skipped
        "Buurtteam Oost;Inloop;yoga;geluk;;bel ons;;;;;;01-01-2099;;",  # line 7: four problems
        'Buurtteam Oost;Spreekuur;wijkteam;wonen;Buurtteam-balie;;;;;;"di 9-12',  # lines 8-9: quoted newline
        'do 13-16";;;',
        "Buurtteam Oost;Vrijwilligers;vrijwilligerswerk;meedoen;Vrijwilligerscoördinator;;info@;;;;;;;",  # line 10
    ]
    report = _import(db, actor, _write(tmp_path, "\n".join(lines) + "\n"))
    assert report.imported == 4
    assert [row.line for row in report.rejected] == [5, 7, 10]
    no_name, many, email = report.rejected
    # Each reason names the column as the file's header row does, in the file's column order.
    assert len(no_name.reasons) == 1 and no_name.reasons[0].startswith("Aanbod:")
    assert [reason.split(":")[0] for reason in many.reasons] == [
        "Soort",
        "Domeinen",
        "Contactfunctie",
        "Telefoon",
        "Laatst gecontroleerd",
    ]
    for fragment in ("'yoga'", "'geluk'", "'bel ons'", "01-01-2099"):
        assert fragment in many.reason
    assert "'info@'" in email.reason
    assert _offerings(db)["Spreekuur"].opening_hours == "di 9-12\ndo 13-16"
    assert _counts(db) == (3, 4)


def test_a_row_with_more_cells_than_the_header_is_rejected(db, actor, tmp_path):
    text = (
        "organisation,offering,kind,domains,contact_function,address\nWijk,Hulp,other,money,Balie,Straat 1, Utrecht\n"
    )
    report = _import(db, actor, _write(tmp_path, text))
    assert report.imported == 0
    assert report.rejected[0].line == 2 and "7" in report.rejected[0].reason and "6" in report.rejected[0].reason


def test_duplicates_in_the_file_and_in_the_database_are_skipped_and_reported(db, actor, tmp_path):
    with db.transaction() as tx:
        existing = create_organisation(
            tx, actor, OrganisationInput("Schuldhulp Utrecht", postal_code="3521AZ", city="Utrecht"), now=NOW
        )
        create_offering(tx, actor, OfferingInput(existing.id, "schuldhulpmaatje", "other", ["money"], "Balie"), now=NOW)
    text = "\n".join([DUTCH_HEADER, DUTCH_ROWS[0], DUTCH_ROWS[0], DUTCH_ROWS[2]])
    report = _import(db, actor, _write(tmp_path, text))
    assert (report.imported, report.organisations_created, report.duplicates_skipped) == (1, 1, 2)
    assert [row.line for row in report.duplicates] == [3, 4]
    assert "Schuldhulpmaatje" in report.duplicates[1].reason
    assert report.rejected == []
    assert _counts(db) == (2, 2)


def test_an_organisation_with_the_same_name_elsewhere_is_another_organisation(db, actor, tmp_path):
    text = "\n".join(
        [
            "organisatie;aanbod;soort;domeinen;contactfunctie;postcode",
            "Buurthuis De Kroon;Maaltijd;buurthuis;netwerk;Gastvrouw;3511 AA",
            "Buurthuis De Kroon;Maaltijd;buurthuis;netwerk;Gastvrouw;3800 BB",
        ]
    )
    report = _import(db, actor, _write(tmp_path, text))
    assert (report.imported, report.organisations_created, report.duplicates_skipped) == (2, 2, 0)


def test_columns_the_social_map_does_not_know_are_named_in_the_report(db, actor, tmp_path):
    text = "organisatie;aanbod;soort;domeinen;contactfunctie;Wethouder\nWijk;Hulp;anders;geld;Balie;Jansen\n"
    report = _import(db, actor, _write(tmp_path, text))
    assert report.imported == 1 and report.ignored_columns == ("Wethouder",)


# -- refused files: nothing imported -----------------------------------------------------------------


def test_a_missing_required_column_names_it_and_the_columns_found(db, actor, tmp_path):
    text = "organisatie;aanbod;domeinen;telefoon\nWijk;Hulp;geld;030 1234567\n"
    with pytest.raises(InputError) as caught:
        _import(db, actor, _write(tmp_path, text))
    message = caught.value.message
    assert "'soort / kind'" in message and "'contactfunctie / contact_function'" in message
    assert "'organisatie', 'aanbod', 'domeinen', 'telefoon'" in message
    assert _counts(db) == (0, 0)


def test_a_file_with_more_than_the_allowed_rows_is_refused(db, actor, tmp_path):
    rows = [f"Wijk {n};Hulp;anders;geld;Balie" for n in range(MAX_ROWS + 1)]
    path = _write(tmp_path, "\n".join(["organisatie;aanbod;soort;domeinen;contactfunctie", *rows]))
    with pytest.raises(InputError) as caught:
        _import(db, actor, path)
    assert "5001" in caught.value.message and "5000" in caught.value.message
    assert _counts(db) == (0, 0)


def test_a_file_over_five_megabytes_is_refused_before_reading(db, actor, tmp_path, monkeypatch):
    path = _write(tmp_path, "organisatie;aanbod;soort;domeinen;contactfunctie\n" + "x" * (5 * 1024 * 1024))
    with pytest.raises(InputError) as caught:
        _import(db, actor, path)
    assert "5 MB" in caught.value.message


@pytest.mark.parametrize("content", [b"", b"\n;;\n", b"\x89PNG\r\n\x1a\n\x00\x00", b"organisatie;aanbod\n\x81\x8d\x8f"])
def test_empty_binary_and_unreadable_files_are_refused(db, actor, tmp_path, content):
    path = tmp_path / "kaart.csv"
    path.write_bytes(content)
    with pytest.raises(InputError):
        _import(db, actor, path)
    assert _counts(db) == (0, 0)


def test_a_missing_file_is_refused_with_its_name(db, actor, tmp_path):
    with pytest.raises(InputError) as caught:
        _import(db, actor, tmp_path / "weg.csv")
    assert "weg.csv" in caught.value.message


def test_a_crash_half_way_leaves_nothing_imported(db, actor, tmp_path, monkeypatch):
    calls = []
    real = social_map_import.add_checked_offering

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(social_map_import, "add_checked_offering", failing)
    path = _write(tmp_path, "\n".join([DUTCH_HEADER, *DUTCH_ROWS]))
    with pytest.raises(RuntimeError):
        _import(db, actor, path)
    assert len(calls) == 3
    assert _counts(db) == (0, 0)
