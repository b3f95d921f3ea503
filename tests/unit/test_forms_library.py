"""The models a practice can use: the built-ins and its own imported models, whose published
(id, version) never changes."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import Session, func, select

from broadtalk import i18n
from broadtalk.errors import InputError, NotFoundError
from broadtalk.forms.library import available_models, builtin_models, find_model, import_model, latest_models
from broadtalk.practitioners import Actor, Role, create_practitioner
from broadtalk.store.database import Database
from broadtalk.store.tables import CustomModel

IMPORTED_AT = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)

BUILTIN_KEYS = [("four-domains", 1), ("positive-health", 1), ("self-sufficiency", 1)]


def custom_model_text(*, model_id: str = "leefstijl", version: int = 1, title: str = "Leefstijl") -> str:
    return f"""\
id: {model_id}
version: {version}
title: {{nl: {title}, en: Lifestyle}}
description: {{nl: Een gesprek over leefstijl, en: A conversation about lifestyle}}
scale:
  min: 1
  max: 5
  anchors:
    - {{value: 1, label: {{nl: Slecht, en: Poor}}}}
    - {{value: 5, label: {{nl: Goed, en: Good}}}}
domains:
  - id: exercise
    title: {{nl: Bewegen, en: Exercise}}
    description: {{nl: Hoeveel je beweegt, en: How much you move}}
    colour: '#009E73'
    items:
      - linkId: exercise.minutes
        type: integer
        text: {{nl: Minuten per dag, en: Minutes a day}}
      - linkId: exercise.notes
        type: text
        text: {{nl: Toelichting, en: Notes}}
        enableWhen:
          - {{question: exercise.minutes, operator: '<', answer: 30}}
"""


@pytest.fixture
def actor(db: Database) -> Actor:
    """Importing conversation models is an administrator's work (``MANAGE_MODELS``)."""
    with db.transaction() as tx:
        return create_practitioner(tx, "Bram Jansen", Role.ADMINISTRATOR, now=IMPORTED_AT)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def stored_rows(tx: Session) -> list[tuple[str, int]]:
    return [(row.model_id, row.version) for row in tx.exec(select(CustomModel).order_by(CustomModel.id)).all()]


def count_rows(db: Database) -> int:
    with db.transaction() as tx:
        return tx.exec(select(func.count()).select_from(CustomModel)).one()


# -- built-ins ----------------------------------------------------------------------------------


def test_available_models_lists_the_three_builtins_first(db: Database) -> None:
    with db.transaction() as tx:
        entries = available_models(tx)

    assert [(e.model.key, e.builtin) for e in entries] == [(key, True) for key in BUILTIN_KEYS]


def test_find_model_returns_a_builtin_model(db: Database) -> None:
    with db.transaction() as tx:
        model = find_model(tx, "four-domains", 1)

    assert model is next(m for m in builtin_models() if m.id == "four-domains")


def test_latest_models_without_imports_are_the_builtins(db: Database) -> None:
    with db.transaction() as tx:
        assert [(e.model.key, e.builtin) for e in latest_models(tx)] == [(key, True) for key in BUILTIN_KEYS]


# -- importing a practice's own model -----------------------------------------------------------


def test_import_stores_a_valid_custom_model(db: Database, actor: Actor, tmp_path: Path) -> None:
    path = write(tmp_path, "leefstijl.yaml", custom_model_text())

    with db.transaction() as tx:
        outcome = import_model(tx, actor, path, now=IMPORTED_AT)

    assert outcome.created is True
    assert outcome.model.key == ("leefstijl", 1)
    with db.transaction() as tx:
        model = find_model(tx, "leefstijl", 1)
        entries = available_models(tx)
        [row] = tx.exec(select(CustomModel)).all()
        assert model.key == ("leefstijl", 1)
        assert model.display_title("nl") == "Leefstijl"
        assert [(e.model.key, e.builtin) for e in entries] == [
            *[(key, True) for key in BUILTIN_KEYS],
            (("leefstijl", 1), False),
        ]
        assert row.source_yaml == custom_model_text()
        assert row.imported_by_id == actor.id
        assert row.imported_at.replace(tzinfo=UTC) == IMPORTED_AT


def test_importing_the_identical_file_again_adds_nothing(db: Database, actor: Actor, tmp_path: Path) -> None:
    path = write(tmp_path, "leefstijl.yaml", custom_model_text())
    with db.transaction() as tx:
        import_model(tx, actor, path)

    with db.transaction() as tx:
        again = import_model(tx, actor, path)

    assert again.created is False
    assert again.model.key == ("leefstijl", 1)
    assert count_rows(db) == 1


def test_importing_the_same_content_from_another_file_name_adds_nothing(
    db: Database, actor: Actor, tmp_path: Path
) -> None:
    with db.transaction() as tx:
        import_model(tx, actor, write(tmp_path, "leefstijl.yaml", custom_model_text()))

    with db.transaction() as tx:
        again = import_model(tx, actor, write(tmp_path, "kopie van leefstijl.yaml", custom_model_text()))

    assert again.created is False
    assert count_rows(db) == 1


def test_importing_changed_content_under_a_published_version_is_refused_naming_the_next_version(
    db: Database, actor: Actor, tmp_path: Path
) -> None:
    i18n.set_language("en")
    with db.transaction() as tx:
        import_model(tx, actor, write(tmp_path, "leefstijl.yaml", custom_model_text()))
    changed = write(tmp_path, "leefstijl-nieuw.yaml", custom_model_text(title="Gezonde leefstijl"))

    with db.transaction() as tx, pytest.raises(InputError) as caught:
        import_model(tx, actor, changed)

    message = caught.value.message
    assert message.startswith("leefstijl-nieuw.yaml: ")
    assert "'leefstijl'" in message
    assert "version 1" in message
    assert re.search(r"\bto 2\b", message), message
    with db.transaction() as tx:
        assert stored_rows(tx) == [("leefstijl", 1)]
        assert find_model(tx, "leefstijl", 1).display_title("nl") == "Leefstijl"


def test_refusal_of_changed_content_names_the_version_after_the_newest_one(
    db: Database, actor: Actor, tmp_path: Path
) -> None:
    i18n.set_language("en")
    with db.transaction() as tx:
        import_model(tx, actor, write(tmp_path, "v1.yaml", custom_model_text(version=1)))
        import_model(tx, actor, write(tmp_path, "v2.yaml", custom_model_text(version=2)))

    with db.transaction() as tx, pytest.raises(InputError) as caught:
        import_model(tx, actor, write(tmp_path, "v1-changed.yaml", custom_model_text(version=1, title="Anders")))

    assert re.search(r"\bto 3\b", caught.value.message), caught.value.message
    assert count_rows(db) == 2


def test_changed_content_refusal_is_translated_into_dutch_by_default(
    db: Database, actor: Actor, tmp_path: Path
) -> None:
    with db.transaction() as tx:
        import_model(tx, actor, write(tmp_path, "leefstijl.yaml", custom_model_text()))

    with db.transaction() as tx, pytest.raises(InputError) as caught:
        import_model(tx, actor, write(tmp_path, "nieuw.yaml", custom_model_text(title="Anders")))

    message = caught.value.message
    assert message.startswith("nieuw.yaml: ")
    assert "'leefstijl'" in message
    assert "versie 1" in message
    assert re.search(r"\b2\b", message), message
    assert "published version never changes" not in message


def test_custom_model_with_a_builtin_id_is_refused(db: Database, actor: Actor, tmp_path: Path) -> None:
    i18n.set_language("en")
    path = write(tmp_path, "eigen-4d.yaml", custom_model_text(model_id="four-domains", version=2))

    with db.transaction() as tx, pytest.raises(InputError) as caught:
        import_model(tx, actor, path)

    assert caught.value.message.startswith("eigen-4d.yaml: ")
    assert "'four-domains' is the id of a built-in model" in caught.value.message
    assert count_rows(db) == 0
    with db.transaction() as tx, pytest.raises(NotFoundError):
        find_model(tx, "four-domains", 2)


def test_broken_file_is_refused_with_the_precise_problem_and_nothing_is_stored(
    db: Database, actor: Actor, tmp_path: Path
) -> None:
    i18n.set_language("en")
    text = custom_model_text().replace("colour: '#009E73'", "colour: green")
    path = write(tmp_path, "leefstijl.yaml", text)

    with db.transaction() as tx, pytest.raises(InputError) as caught:
        import_model(tx, actor, path)

    assert caught.value.message == ("leefstijl.yaml:15: domains[0].colour: colour 'green' is not of the form #RRGGBB")
    assert count_rows(db) == 0


def test_file_with_several_problems_is_refused_naming_every_one(db: Database, actor: Actor, tmp_path: Path) -> None:
    i18n.set_language("en")
    text = custom_model_text().replace("colour: '#009E73'", "colour: green").replace("answer: 30", "answer: lots")
    path = write(tmp_path, "leefstijl.yaml", text)

    with db.transaction() as tx, pytest.raises(InputError) as caught:
        import_model(tx, actor, path)

    lines = caught.value.message.splitlines()
    assert [line.split(": ", 2)[:2] for line in lines] == [
        ["leefstijl.yaml:15", "domains[0].colour"],
        ["leefstijl.yaml:24", "domains[0].items[1].enableWhen[0].answer"],
    ]
    assert count_rows(db) == 0


def test_missing_file_is_refused_with_input_error(db: Database, actor: Actor, tmp_path: Path) -> None:
    i18n.set_language("en")

    with db.transaction() as tx, pytest.raises(InputError) as caught:
        import_model(tx, actor, tmp_path / "weg.yaml")

    assert caught.value.message == "weg.yaml: the file does not exist; check the path"
    assert count_rows(db) == 0


def test_version_too_large_for_the_database_is_refused_not_crashing(db: Database, actor: Actor, tmp_path: Path) -> None:
    path = write(tmp_path, "leefstijl.yaml", custom_model_text(version=10**23))

    with db.transaction() as tx, pytest.raises(InputError) as caught:  # not OverflowError from SQLite
        import_model(tx, actor, path)

    assert "version" in caught.value.message
    assert count_rows(db) == 0


# -- versions -----------------------------------------------------------------------------------


def test_latest_models_picks_the_newest_version_of_each_model(db: Database, actor: Actor, tmp_path: Path) -> None:
    with db.transaction() as tx:
        import_model(tx, actor, write(tmp_path, "v2.yaml", custom_model_text(version=2, title="Leefstijl twee")))
        import_model(tx, actor, write(tmp_path, "v1.yaml", custom_model_text(version=1)))
        import_model(tx, actor, write(tmp_path, "ander.yaml", custom_model_text(model_id="ander", version=3)))

    with db.transaction() as tx:
        latest = latest_models(tx)
        available = available_models(tx)

    assert [(e.model.key, e.builtin) for e in latest] == [
        *[(key, True) for key in BUILTIN_KEYS],
        (("ander", 3), False),
        (("leefstijl", 2), False),
    ]
    assert latest[-1].model.display_title("nl") == "Leefstijl twee"
    assert [e.model.key for e in available if not e.builtin] == [("ander", 3), ("leefstijl", 1), ("leefstijl", 2)]


def test_every_imported_version_stays_findable(db: Database, actor: Actor, tmp_path: Path) -> None:
    with db.transaction() as tx:
        import_model(tx, actor, write(tmp_path, "v1.yaml", custom_model_text(version=1, title="Eerste")))
        import_model(tx, actor, write(tmp_path, "v2.yaml", custom_model_text(version=2, title="Tweede")))

    with db.transaction() as tx:
        assert find_model(tx, "leefstijl", 1).display_title("nl") == "Eerste"
        assert find_model(tx, "leefstijl", 2).display_title("nl") == "Tweede"


# -- not found ----------------------------------------------------------------------------------


def test_find_model_for_an_unknown_model_raises_not_found(db: Database) -> None:
    i18n.set_language("en")

    with db.transaction() as tx, pytest.raises(NotFoundError) as caught:
        find_model(tx, "onbekend", 1)

    assert "'onbekend'" in caught.value.message
    assert "import it first" in caught.value.message


def test_find_model_for_an_unknown_version_of_a_builtin_raises_not_found(db: Database) -> None:
    with db.transaction() as tx, pytest.raises(NotFoundError) as caught:
        find_model(tx, "positive-health", 2)

    assert "'positive-health'" in caught.value.message
    assert "2" in caught.value.message
