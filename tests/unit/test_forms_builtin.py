"""The three built-in conversation models: they load cleanly, have the agreed shape, are fully
translated, name every domain and scale end in plain words for the client, and a published
version never changes. Also the plain-data summary of a model."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import BaseModel

from broadtalk import i18n
from broadtalk.forms.export import model_summary
from broadtalk.forms.library import BUILTIN_DIR, builtin_models
from broadtalk.forms.loader import load_model_file, load_model_text
from broadtalk.forms.schema import ConversationModel, ItemType, Scale

BUILTIN_FILES = ("four-domains.v1.yaml", "positive-health.v1.yaml", "self-sufficiency.v1.yaml")

#: sha256 of the bytes of every published built-in model file, without its plain-language texts
#: for the client (see ``pinned_bytes``). A published (id, version) is frozen.
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


#: Display-only texts for the client's own copy. They say a domain or a scale end in plain words
#: and never change what a score means, so they may be added to (or reworded in) a published
#: version; every other byte of a published file is frozen.
PLAIN_KEYS = ("plainTitle", "plainLabel", "reportLabel", "clientQuestion")
_PLAIN_KEY_LINE = re.compile(rf"^ *(?:{'|'.join(PLAIN_KEYS)}):(?: *\{{[^\n]*\}})? *\n")


def pinned_bytes(text: str) -> bytes:
    """The file without its plainTitle/plainLabel entries: each entry's key line and the lines
    indented under it (block style) or the key line alone (``{nl: ..., en: ...}`` flow style)."""

    def indent(line: str) -> int:
        return len(line) - len(line.lstrip(" "))

    lines = text.splitlines(keepends=True)
    kept: list[str] = []
    index = 0
    while index < len(lines):
        if _PLAIN_KEY_LINE.match(lines[index]) is None:
            kept.append(lines[index])
            index += 1
            continue
        key_indent = indent(lines[index])
        index += 1
        while index < len(lines) and lines[index].strip() and indent(lines[index]) > key_indent:
            index += 1
    return "".join(kept).encode("utf-8")


def without_plain_texts(model: ConversationModel) -> ConversationModel:
    """The model as it reads without plainTitle, plainLabel and reportLabel (how things are said
    on the documents, never what they mean)."""

    def scale(value: Scale | None) -> Scale | None:
        if value is None:
            return None
        anchors = [a.model_copy(update={"plain_label": None}) for a in value.anchors]
        return value.model_copy(update={"anchors": anchors})

    def items(values: list) -> list:
        return [item.model_copy(update={"report_label": None}) for item in values]

    domains = [
        d.model_copy(
            update={"plain_title": None, "client_question": None, "scale": scale(d.scale), "items": items(d.items)}
        )
        for d in model.domains
    ]
    closing = model.closing.model_copy(update={"items": items(model.closing.items)})
    return model.model_copy(update={"domains": domains, "scale": scale(model.scale), "closing": closing})


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
    digest = hashlib.sha256(pinned_bytes((BUILTIN_DIR / file_name).read_text(encoding="utf-8"))).hexdigest()
    model_id, version = file_name.removesuffix(".yaml").rsplit(".v", 1)

    assert digest == PUBLISHED_SHA256[file_name], (
        f"The published built-in model {file_name} has changed (sha256 {digest}, not counting its "
        f"plainTitle/plainLabel texts). A published (id, version) never changes, because conversations "
        f"held with it must keep their meaning: restore {file_name} and put the change in a new file "
        f"'{model_id}.v{int(version) + 1}.yaml' with 'version: {int(version) + 1}'."
    )


@pytest.mark.parametrize("file_name", BUILTIN_FILES)
def test_what_the_pin_leaves_out_of_a_builtin_is_only_its_plain_texts(file_name: str) -> None:
    """The lines the pin skips are exactly the plain-language texts: without them the file reads
    as the same model with no plainTitle and no plainLabel, so nothing that carries meaning
    can hide in a skipped line."""
    model = load_builtin(file_name)

    stripped = load_model_text(pinned_bytes((BUILTIN_DIR / file_name).read_text(encoding="utf-8")).decode("utf-8"))

    assert stripped.ok, stripped.messages()
    assert stripped.model == without_plain_texts(model)
    assert stripped.model != model  # the built-in does carry plain texts


def test_the_pin_skips_plain_texts_in_block_and_flow_style_and_nothing_else() -> None:
    published = "domains:\n  - id: body\n    title:\n      nl: Lichaam\n      en: Body\n    colour: '#0072B2'\n"
    block = published.replace("    colour", "    plainTitle:\n      nl: Je lichaam\n      en: Your body\n    colour")
    flow = published.replace("    colour", "    plainTitle: {nl: Je lichaam, en: Your body}\n    colour")
    label = published.replace("    colour", "    plainLabel:\n      nl: Lukt helemaal zelf\n    colour")

    assert pinned_bytes(block) == pinned_bytes(flow) == pinned_bytes(label) == published.encode()
    assert pinned_bytes(published.replace("Body", "Bodies")) != published.encode()
    assert pinned_bytes(published.replace("title:", "plainTitle:")) != published.encode()  # the title is kept


# -- plain words for the client's copy ------------------------------------------------------------

#: A plain title is a short heading on the client's copy; a scale end fits in "1 = ..., 5 = ...".
PLAIN_TITLE_MAX = 50
PLAIN_LABEL_MAX = 30
#: Professional words that must not reach the client's copy.
JARGON = re.compile(r"\bADL\b|zelfredza|self-sufficien|\bacute?\b|basale|instrumentele|middelengebruik", re.I)


def both_languages(text: dict[str, str] | None) -> bool:
    return text is not None and set(text) == {"nl", "en"} and all(v.strip() and "\n" not in v for v in text.values())


@pytest.mark.parametrize("file_name", BUILTIN_FILES)
def test_every_builtin_domain_has_a_short_plain_title_in_dutch_and_english(file_name: str) -> None:
    model = load_builtin(file_name)

    for domain in model.domains:
        assert both_languages(domain.plain_title), f"{file_name}: {domain.id} has no plainTitle in nl and en"
        assert domain.plain() == domain.plain_title
        for language, text in domain.plain().items():
            assert len(text) <= PLAIN_TITLE_MAX, f"{domain.id}.{language}: {text!r} is too long for a heading"
            assert not JARGON.search(text), f"{domain.id}.{language}: {text!r}"


#: A question the client reads in the client view (or hears read aloud): short sentences, B1.
CLIENT_QUESTION_MAX = 100


@pytest.mark.parametrize("file_name", BUILTIN_FILES)
def test_every_builtin_domain_asks_the_client_a_plain_question_in_dutch_and_english(file_name: str) -> None:
    model = load_builtin(file_name)

    for domain in model.domains:
        assert both_languages(domain.client_question), f"{file_name}: {domain.id} has no clientQuestion in nl and en"
        assert domain.question_for_client() == domain.client_question
        for language, text in domain.client_question.items():
            assert text.rstrip().endswith(("?", ".")), f"{domain.id}.{language}: {text!r}"
            assert "?" in text, f"{domain.id}.{language}: {text!r} asks nothing"
            assert len(text) <= CLIENT_QUESTION_MAX, f"{domain.id}.{language}: {text!r} is too long for B1"
            assert not JARGON.search(text), f"{domain.id}.{language}: {text!r}"
        without = domain.model_copy(update={"client_question": None})
        assert without.question_for_client() == domain.description  # a model without one falls back


@pytest.mark.parametrize("file_name", BUILTIN_FILES)
def test_every_builtin_scale_names_its_two_ends_in_plain_words(file_name: str) -> None:
    """The client's copy prints "1 = <lowest>, 5 = <highest>" so the person knows which end is good."""
    model = load_builtin(file_name)

    for domain in model.domains:
        scale = model.scale_of(domain)
        if scale is None:
            continue
        for end in (scale.min, scale.max):
            anchor = scale.anchor(end)
            assert anchor is not None, f"{domain.id}: no anchor at {end}"
            plain = anchor.plain()
            assert both_languages(plain), f"{domain.id}: anchor {end}"
            for language, text in plain.items():
                assert len(text) <= PLAIN_LABEL_MAX, f"{domain.id} {end} {language}: {text!r}"
                assert "," not in text and "=" not in text, f"{domain.id} {end}: {text!r} breaks '1 = ..., 5 = ...'"
                assert not JARGON.search(text), f"{domain.id} {end} {language}: {text!r}"


def test_plain_titles_of_the_self_sufficiency_jargon_domains(self_sufficiency: ConversationModel) -> None:
    def plain(domain_id: str) -> str:
        domain = self_sufficiency.domain(domain_id)
        assert domain is not None
        return domain.plain()["nl"]

    assert plain("instrumental-adl") == "Het huishouden en dagelijkse dingen regelen"
    assert plain("justice") == "Politie en justitie"
    assert plain("domestic-relations") == "Gezin en thuis"


def test_self_sufficiency_plain_level_labels_are_the_same_in_every_domain(self_sufficiency: ConversationModel) -> None:
    def plain_labels(domain_id: str) -> list[dict[str, str] | None]:
        domain = self_sufficiency.domain(domain_id)
        assert domain is not None
        scale = self_sufficiency.scale_of(domain)
        assert scale is not None
        return [a.plain_label for a in sorted(scale.anchors, key=lambda a: a.value)]

    first = plain_labels(SELF_SUFFICIENCY_DOMAINS[0])
    assert all(both_languages(label) for label in first)
    assert [label["nl"] for label in first if label] == [
        "Grote problemen",
        "Lukt niet zelf",
        "Lukt zelf maar net",
        "Lukt zelf goed genoeg",
        "Lukt helemaal zelf",
    ]
    for domain_id in SELF_SUFFICIENCY_DOMAINS[1:]:
        assert plain_labels(domain_id) == first, domain_id


def test_positive_health_keeps_its_plain_anchor_labels_as_they_are(positive_health: ConversationModel) -> None:
    scale = positive_health.scale
    assert scale is not None

    assert all(a.plain_label is None for a in scale.anchors)
    assert scale.anchor(0).plain()["nl"] == "Heel slecht"  # type: ignore[union-attr]
    assert scale.anchor(10).plain()["nl"] == "Uitstekend"  # type: ignore[union-attr]


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
