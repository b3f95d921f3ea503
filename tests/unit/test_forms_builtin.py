"""The three built-in conversation models: they load cleanly, have the agreed shape, are fully
translated, and a published version never changes. Also the plain-data summary of a model."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import BaseModel

from broadtalk import i18n
from broadtalk.forms.export import model_summary
from broadtalk.forms.library import BUILTIN_DIR, builtin_models
from broadtalk.forms.loader import load_model_file
from broadtalk.forms.schema import ConversationModel, ItemType

BUILTIN_FILES = ("four-domains.v1.yaml", "positive-health.v1.yaml", "self-sufficiency.v1.yaml")

#: sha256 of the bytes of every published built-in model file. A published (id, version) is frozen.
PUBLISHED_SHA256 = {
    "four-domains.v1.yaml": "d54cd9a606ca37060340ce3a4be16239627e9e1b8cf679de154f53eede436b67",
    "positive-health.v1.yaml": "4a4ad353b791a5518fff6cdb91696384e987739c64b521e2ea7803dc3adb13bb",
    "self-sufficiency.v1.yaml": "2e50caf293efc98254ca25f07bbde7b83ff401cda491eb4ff654adeccc618e03",
}

POSITIVE_HEALTH_DIMENSIONS = [
    "bodily-functions",
    "mental-wellbeing",
    "meaningfulness",
    "quality-of-life",
    "participation",
    "daily-functioning",
]

SELF_SUFFICIENCY_DOMAINS = [
    "finances",
    "work-education",
    "daytime-activities",
    "housing",
    "domestic-relations",
    "mental-health",
    "physical-health",
    "substance-use",
    "basic-adl",
    "instrumental-adl",
    "social-network",
    "community-participation",
    "justice",
]


def load_builtin(file_name: str) -> ConversationModel:
    result = load_model_file(BUILTIN_DIR / file_name)
    assert result.ok, result.messages()
    assert result.model is not None
    return result.model


@pytest.fixture(scope="module")
def positive_health() -> ConversationModel:
    return load_builtin("positive-health.v1.yaml")


@pytest.fixture(scope="module")
def four_domains() -> ConversationModel:
    return load_builtin("four-domains.v1.yaml")


@pytest.fixture(scope="module")
def self_sufficiency() -> ConversationModel:
    return load_builtin("self-sufficiency.v1.yaml")


def localized_texts(value: Any, path: str = "") -> Iterator[tuple[str, dict[str, str]]]:
    """Every per-language text in a model, with where it is. Every dict in the schema is one."""
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from localized_texts(getattr(value, name), f"{path}.{name}" if path else name)
    elif isinstance(value, dict):
        yield path, value
    elif isinstance(value, list | tuple):
        for index, child in enumerate(value):
            yield from localized_texts(child, f"{path}[{index}]")


# -- every built-in -----------------------------------------------------------------------------


def test_builtin_folder_holds_exactly_the_three_published_models() -> None:
    assert sorted(p.name for p in BUILTIN_DIR.glob("*.yaml")) == list(BUILTIN_FILES)


@pytest.mark.parametrize("file_name", BUILTIN_FILES)
def test_builtin_model_loads_without_problems(file_name: str) -> None:
    result = load_model_file(BUILTIN_DIR / file_name)

    assert result.problems == []
    assert result.ok
    assert result.source_name == file_name


@pytest.mark.parametrize("file_name", BUILTIN_FILES)
def test_builtin_model_loads_without_problems_in_english_too(file_name: str) -> None:
    i18n.set_language("en")

    assert load_model_file(BUILTIN_DIR / file_name).messages() == []


@pytest.mark.parametrize("file_name", BUILTIN_FILES)
def test_builtin_file_is_named_after_its_id_and_version(file_name: str) -> None:
    model = load_builtin(file_name)

    assert file_name == f"{model.id}.v{model.version}.yaml"


@pytest.mark.parametrize(
    ("file_name", "key"),
    [
        ("positive-health.v1.yaml", ("positive-health", 1)),
        ("four-domains.v1.yaml", ("four-domains", 1)),
        ("self-sufficiency.v1.yaml", ("self-sufficiency", 1)),
    ],
)
def test_builtin_model_has_its_published_id_and_version(file_name: str, key: tuple[str, int]) -> None:
    assert load_builtin(file_name).key == key


def test_builtin_models_lists_the_three_models_in_file_order() -> None:
    assert [m.key for m in builtin_models()] == [
        ("four-domains", 1),
        ("positive-health", 1),
        ("self-sufficiency", 1),
    ]


@pytest.mark.parametrize("file_name", BUILTIN_FILES)
def test_builtin_model_requires_dutch_and_english(file_name: str) -> None:
    assert load_builtin(file_name).languages == ["nl", "en"]


@pytest.mark.parametrize("file_name", BUILTIN_FILES)
def test_every_text_of_a_builtin_model_has_dutch_and_english(file_name: str) -> None:
    texts = list(localized_texts(load_builtin(file_name)))

    assert len(texts) > 50  # the walk really found the texts
    untranslated = [
        f"{path}: {text!r}"
        for path, text in texts
        if set(text) != {"nl", "en"} or not all(isinstance(v, str) and v.strip() for v in text.values())
    ]
    assert untranslated == [], f"{file_name}: texts without both a non-empty nl and en:\n" + "\n".join(untranslated)


@pytest.mark.parametrize("file_name", BUILTIN_FILES)
def test_builtin_link_ids_are_unique_and_prefixed_with_their_domain(file_name: str) -> None:
    model = load_builtin(file_name)
    link_ids = [item.link_id for item in model.all_items()]

    assert len(link_ids) == len(set(link_ids))
    for domain in model.domains:
        for item in domain.items:
            assert item.link_id.startswith(f"{domain.id}."), item.link_id
    for item in model.closing.items:
        assert item.link_id.startswith("closing."), item.link_id


@pytest.mark.parametrize("file_name", BUILTIN_FILES)
def test_published_builtin_model_file_is_frozen(file_name: str) -> None:
    digest = hashlib.sha256((BUILTIN_DIR / file_name).read_bytes()).hexdigest()
    model_id, version = file_name.removesuffix(".yaml").rsplit(".v", 1)

    assert digest == PUBLISHED_SHA256[file_name], (
        f"The published built-in model {file_name} has changed (sha256 {digest}). "
        f"A published (id, version) never changes, because conversations held with it must keep "
        f"their meaning: restore {file_name} and put the change in a new file "
        f"'{model_id}.v{int(version) + 1}.yaml' with 'version: {int(version) + 1}'."
    )


# -- positive health ----------------------------------------------------------------------------


def test_positive_health_has_the_six_dimensions_in_order(positive_health: ConversationModel) -> None:
    assert [d.id for d in positive_health.domains] == POSITIVE_HEALTH_DIMENSIONS


def test_positive_health_scores_every_dimension_from_0_to_10(positive_health: ConversationModel) -> None:
    assert positive_health.is_scored
    assert positive_health.scored_by == "client"
    for domain in positive_health.domains:
        scale = positive_health.scale_of(domain)
        assert scale is not None, domain.id
        assert (scale.min, scale.max) == (0, 10), domain.id
        assert scale.anchor(0) is not None
        assert scale.anchor(10) is not None


def test_positive_health_asks_what_to_change_only_after_a_yes(positive_health: ConversationModel) -> None:
    for domain in positive_health.domains:
        change = positive_health.item(f"{domain.id}.change")
        assert change is not None
        [condition] = change.enable_when
        assert (condition.question, condition.operator, condition.answer) == (f"{domain.id}.work-on", "=", "yes")


def test_positive_health_does_not_rank_domains(positive_health: ConversationModel) -> None:
    assert positive_health.closing.rank_domains is False


# -- four domains -------------------------------------------------------------------------------


def test_four_domains_has_body_mind_societal_and_social(four_domains: ConversationModel) -> None:
    assert [d.id for d in four_domains.domains] == ["body", "mind", "societal", "social"]


def test_four_domains_has_no_scale_on_any_domain(four_domains: ConversationModel) -> None:
    assert four_domains.scale is None
    for domain in four_domains.domains:
        assert four_domains.scale_of(domain) is None, domain.id
    assert not four_domains.is_scored


def test_four_domains_lets_the_person_rank_the_domains(four_domains: ConversationModel) -> None:
    assert four_domains.closing.rank_domains is True


# -- self-sufficiency ---------------------------------------------------------------------------


def test_self_sufficiency_has_exactly_the_thirteen_life_domains(self_sufficiency: ConversationModel) -> None:
    assert [d.id for d in self_sufficiency.domains] == SELF_SUFFICIENCY_DOMAINS


def test_self_sufficiency_is_scored_by_a_professional(self_sufficiency: ConversationModel) -> None:
    assert self_sufficiency.scored_by == "professional"


@pytest.mark.parametrize("domain_id", SELF_SUFFICIENCY_DOMAINS)
def test_self_sufficiency_domain_is_scored_1_to_5_with_an_anchor_at_every_level(
    self_sufficiency: ConversationModel, domain_id: str
) -> None:
    domain = self_sufficiency.domain(domain_id)
    assert domain is not None
    scale = self_sufficiency.scale_of(domain)

    assert scale is not None
    assert (scale.min, scale.max) == (1, 5)
    assert sorted(a.value for a in scale.anchors) == [1, 2, 3, 4, 5]
    for level in range(1, 6):
        anchor = scale.anchor(level)
        assert anchor is not None
        assert anchor.description is not None, f"{domain_id} level {level} has no description"
        for text in (anchor.label, anchor.description):
            assert text["nl"].strip()
            assert text["en"].strip()


def test_self_sufficiency_level_labels_are_the_same_in_every_domain(self_sufficiency: ConversationModel) -> None:
    def labels(domain_id: str) -> list[dict[str, str]]:
        domain = self_sufficiency.domain(domain_id)
        assert domain is not None
        scale = self_sufficiency.scale_of(domain)
        assert scale is not None
        return [a.label for a in sorted(scale.anchors, key=lambda a: a.value)]

    first = labels(SELF_SUFFICIENCY_DOMAINS[0])
    for domain_id in SELF_SUFFICIENCY_DOMAINS[1:]:
        assert labels(domain_id) == first, domain_id


@pytest.mark.parametrize("domain_id", SELF_SUFFICIENCY_DOMAINS)
def test_self_sufficiency_domain_records_who_carries_it(self_sufficiency: ConversationModel, domain_id: str) -> None:
    item = self_sufficiency.item(f"{domain_id}.carried-by")

    assert item is not None
    assert self_sufficiency.domain_of_item(item.link_id) is self_sufficiency.domain(domain_id)
    assert item.type == ItemType.CHOICE
    assert item.repeats is True
    assert [o.code for o in item.answer_options] == ["person", "network", "professional"]


# -- model_summary (export) ---------------------------------------------------------------------


def test_model_summary_gives_id_version_title_and_domains_with_items(four_domains: ConversationModel) -> None:
    summary = model_summary(four_domains, builtin=True)

    assert summary["id"] == "four-domains"
    assert summary["version"] == 1
    assert summary["title"] == "Vier domeinen (4D-model)"  # Dutch by default
    assert summary["builtin"] is True
    assert summary["rank_domains"] is True
    assert [d["id"] for d in summary["domains"]] == ["body", "mind", "societal", "social"]
    body = summary["domains"][0]
    assert body["title"] == "Lichaam"
    assert body["colour"] == "#0072B2"
    assert body["scale"] is None
    assert [(i["linkId"], i["type"]) for i in body["items"]] == [
        ("body.going-on", "text"),
        ("body.going-well", "text"),
        ("body.involved", "text"),
        ("body.influence", "text"),
    ]
    assert [(i["linkId"], i["type"]) for i in summary["closing_items"]] == [
        ("closing.goal", "text"),
        ("closing.agreements", "text"),
        ("closing.follow-up", "date"),
    ]


def test_model_summary_follows_the_current_language(four_domains: ConversationModel) -> None:
    i18n.set_language("en")

    summary = model_summary(four_domains, builtin=False)

    assert summary["title"] == "Four domains (4D model)"
    assert summary["builtin"] is False
    assert summary["domains"][0]["title"] == "Body"


def test_model_summary_carries_the_scale_options_and_conditions(positive_health: ConversationModel) -> None:
    summary = model_summary(positive_health, builtin=True)
    domain = summary["domains"][0]
    items = {i["linkId"]: i for i in domain["items"]}

    assert domain["scale"]["min"] == 0
    assert domain["scale"]["max"] == 10
    assert [a["value"] for a in domain["scale"]["anchors"]] == [0, 5, 10]
    work_on = items["bodily-functions.work-on"]
    assert work_on["type"] == "choice"
    assert work_on["repeats"] is False
    assert [o["code"] for o in work_on["answerOptions"]] == ["yes", "maybe-later", "no"]
    change = items["bodily-functions.change"]
    assert change["enableWhen"] == [{"question": "bodily-functions.work-on", "operator": "=", "answer": "yes"}]
    assert change["enableBehavior"] == "all"
    assert "answerOptions" not in items["bodily-functions.going-well"]


def test_model_summary_of_every_builtin_is_plain_json() -> None:
    for model in builtin_models():
        summary = model_summary(model, builtin=True)
        assert json.loads(json.dumps(summary)) == summary
