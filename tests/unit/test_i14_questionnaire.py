"""A conversation model as a FHIR R4 Questionnaire (``broadtalk.interop.questionnaire``).

Every built-in model, in Dutch and in English, and generated models with every item type,
condition and hostile text: the Questionnaire validates, keeps FHIR's invariants that
``fhir.resources`` does not check (que-1, que-4, que-6, que-10, que-12), has unique linkIds,
holds every item of the model once with its options, weights and conditions typed as FHIR
requires, carries every text literally and the other languages as translations, and has
stable ids.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from broadtalk import i18n
from broadtalk.forms.checks import check_model
from broadtalk.forms.library import builtin_models
from broadtalk.forms.schema import ConversationModel, EnableWhen, Item, ItemType
from broadtalk.interop import fhir
from broadtalk.interop.questionnaire import questionnaire

LANGUAGES = ("nl", "en")
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


# -- reading a Questionnaire ------------------------------------------------------------------------


def walk(items: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for item in items:
        yield item
        yield from walk(item.get("item", []))


def by_link_id(resource: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["linkId"]: item for item in walk(resource["item"])}


def translations(element: dict[str, Any] | None) -> dict[str, str]:
    """The translation extensions of a primitive's ``_x`` element: language -> text."""
    found = {}
    for extension in (element or {}).get("extension", []):
        assert extension["url"] == fhir.TRANSLATION
        parts = {part["url"]: part for part in extension["extension"]}
        found[parts["lang"]["valueCode"]] = parts["content"]["valueString"]
    return found


def answer_key(condition: EnableWhen, target: Item) -> str:
    """The answer[x] FHIR requires of a condition on this item."""
    if condition.operator == "exists":
        return "answerBoolean"
    if (
        target.type == ItemType.INTEGER
        and condition.operator in ("=", "!=")
        and not float(condition.answer).is_integer()
    ):
        return "answerDecimal"  # a whole number equal to a fraction: no whole number says it
    return {
        ItemType.BOOLEAN: "answerBoolean",
        ItemType.INTEGER: "answerInteger",
        ItemType.DECIMAL: "answerDecimal",
        ItemType.DATE: "answerDate",
        ItemType.STRING: "answerString",
        ItemType.TEXT: "answerString",
        ItemType.CHOICE: "answerCoding",
    }[target.type]


def assert_sound(model: ConversationModel, resource: dict[str, Any]) -> None:
    """Everything a Questionnaire of this model must be, in the current language."""
    fhir.validate(resource)
    assert json.loads(fhir.to_bytes(resource)) == resource  # plain JSON: no NaN, no tuples
    assert resource["language"] == i18n.current_language()
    assert resource["url"] == fhir.questionnaire_url(model.id) and resource["version"] == str(model.version)
    assert resource["id"] == fhir.stable_id("questionnaire", model.id, model.version)

    every = list(walk(resource["item"]))
    link_ids = [item["linkId"] for item in every]
    assert len(link_ids) == len(set(link_ids)), "linkIds must be unique"
    items = by_link_id(resource)
    for item in every:  # FHIR's invariants, which fhir.resources does not check
        kind = item["type"]
        assert kind != "group" or item.get("item"), item  # que-1: a group holds items,
        assert kind != "display" or "item" not in item, item  # a display item none
        assert "answerOption" not in item or kind == "choice", item  # que-4
        assert kind != "display" or not ({"required", "repeats"} & set(item)), item  # que-6
        assert "maxLength" not in item or kind in ("boolean", "decimal", "integer", "string", "text"), item
        conditions = item.get("enableWhen", [])
        assert len(conditions) < 2 or item["enableBehavior"] in ("all", "any"), item  # que-12
        for condition in conditions:
            assert condition["question"] in items
            assert condition["operator"] != "exists" or "answerBoolean" in condition  # que-7

    system = fhir.model_system(model.id)
    groups = [item["linkId"] for item in resource["item"]]
    assert groups == [f"domain/{d.id}" for d in model.domains] + ["section/closing"]
    for domain in model.domains:
        group = items[f"domain/{domain.id}"]
        assert group["type"] == "group" and group["text"] == fhir.text(i18n.pick(domain.title))
        children = [child["linkId"] for child in group["item"]]
        own = [item.link_id for item in domain.items]
        scale = model.scale_of(domain)
        expected = ([f"domain/{domain.id}/score"] if scale else []) + own
        expected += [f"domain/{domain.id}/{name}" for name in ("notes", "own-words", "important")]
        expected += [f"domain/{domain.id}/rank"] if model.closing.rank_domains else []
        if scale is not None:
            expected += [f"domain/{domain.id}/client-score", f"domain/{domain.id}/client-wants-to-talk"]
            score = items[f"domain/{domain.id}/score"]
            assert score["type"] == "integer"
            bounds = {e["url"]: e["valueInteger"] for e in score["extension"]}
            assert bounds == {fhir.MIN_VALUE: scale.min, fhir.MAX_VALUE: scale.max}
            anchors = {c["code"]: c.get("display") for c in score.get("code", [])}
            assert anchors == {f"{domain.id}/{a.value}": fhir.text(i18n.pick(a.label)) for a in scale.anchors}
            assert all(c["system"] == system for c in score.get("code", []))
        assert [c for c in children if "/help" not in c] == expected
    closing = [c["linkId"] for c in items["section/closing"]["item"] if "/help" not in c["linkId"]]
    assert closing == ["closing/what-matters-most"] + [item.link_id for item in model.closing.items]

    for item in model.all_items():
        assert link_ids.count(item.link_id) == 1
        mapped = items[item.link_id]
        assert mapped["type"] == item.type.value
        assert mapped.get("text") == fhir.text(i18n.pick(item.text))
        assert mapped.get("required", False) == item.required
        assert mapped.get("repeats", False) == item.repeats
        options = mapped.get("answerOption", [])
        assert [o["valueCoding"]["code"] for o in options] == [o.code for o in item.answer_options]
        for option, written in zip(item.answer_options, options, strict=True):
            assert written["valueCoding"]["system"] == system
            assert written["valueCoding"]["display"] == fhir.text(i18n.pick(option.display))
            weights = [e["valueDecimal"] for e in written.get("extension", []) if e["url"] == fhir.ORDINAL_VALUE]
            assert weights == ([] if option.weight is None else [option.weight])
        if item.help:
            help_item = items[f"{item.link_id}/help"]
            assert help_item["type"] == "display" and help_item["text"] == fhir.text(i18n.pick(item.help))
            if item.type != ItemType.DISPLAY:  # the help of a question is its child, marked as help
                assert mapped["item"] == [help_item]
                assert help_item["extension"][0]["valueCodeableConcept"]["coding"][0]["code"] == "help"
        written_conditions = mapped.get("enableWhen", [])
        assert len(written_conditions) == len(item.enable_when)
        if len(item.enable_when) > 1:
            assert mapped["enableBehavior"] == item.enable_behavior
        for condition, written in zip(item.enable_when, written_conditions, strict=True):
            target = model.item(condition.question)
            assert target is not None
            assert written["question"] == condition.question and written["operator"] == condition.operator
            answers = [key for key in written if key.startswith("answer")]
            assert answers == [answer_key(condition, target)], (condition, target.type, written)
            if answers == ["answerCoding"]:
                assert written["answerCoding"]["code"] == condition.answer
                assert written["answerCoding"]["system"] == system

    # The other languages travel as translations, on the title and every item of the model.
    others = [language for language in model.languages if language != i18n.current_language()]
    for language in others:
        assert translations(resource.get("_title")).get(language) == model.title[language]
        assert translations(resource.get("_description")).get(language) == model.description[language]
        for domain in model.domains:
            assert translations(items[f"domain/{domain.id}"].get("_text"))[language] == domain.title[language]
        for item in model.all_items():
            assert translations(items[item.link_id].get("_text"))[language] == item.text[language]


# -- the built-in models ----------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("model", builtin_models(), ids=lambda m: f"{m.id}.v{m.version}")
def test_every_builtin_model_is_a_valid_questionnaire_in_either_language(model, language):
    i18n.set_language(language)
    resource = questionnaire(model)

    assert_sound(model, resource)
    assert resource["title"] == i18n.pick(model.title, language)
    other = "en" if language == "nl" else "nl"
    assert translations(resource["_title"]) == {other: model.title[other]}
    # Generated items speak the current language.
    notes = by_link_id(resource)[f"domain/{model.domains[0].id}/notes"]["text"]
    assert notes == i18n._("Notes (for the professional)")


def test_each_language_gives_its_own_texts_and_the_same_structure():
    model = builtin_models()[0]
    i18n.set_language("nl")
    dutch = questionnaire(model)
    i18n.set_language("en")
    english = questionnaire(model)

    assert dutch["id"] == english["id"]
    assert list(by_link_id(dutch)) == list(by_link_id(english))
    assert dutch["title"] == model.title["nl"] and english["title"] == model.title["en"]
    assert (dutch["language"], english["language"]) == ("nl", "en")


# -- generated models -------------------------------------------------------------------------------

HOSTILE = [
    "<b>&amp;</b> <script>alert(1)</script>",
    "مرحبا بالعالم",
    "שלום \u202eevil\u202c עולם",
    "👩‍👩‍👧‍👦 🏳️‍🌈 🇳🇱",
    "Zoë’s ‘café’ — ĳs",
    'quote " backslash \\ brace {name} %s',
    "line\nbreak and\ttab",
    "nbsp\u00a0and\u2028line separator",
    "e\u0301 combining and \ufeffbom",
    "a" * 3000,
    "   leading and trailing   ",
]
WORDS = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(st.characters(blacklist_categories=["Cc", "Cs"]), min_size=1, max_size=30),
).filter(lambda value: value.strip() != "")


@st.composite
def texts(draw: st.DrawFn, languages: list[str]) -> dict[str, str]:
    return {language: draw(WORDS) for language in languages}


@st.composite
def scales(draw: st.DrawFn, languages: list[str]) -> dict[str, Any]:
    low = draw(st.integers(-5, 5))
    high = low + draw(st.integers(1, 10))
    values = sorted({low, high, *draw(st.lists(st.integers(low, high), max_size=3))})
    return {"min": low, "max": high, "anchors": [{"value": v, "label": draw(texts(languages))} for v in values]}


@st.composite
def conditions(draw: st.DrawFn, earlier: list[dict[str, Any]]) -> dict[str, Any]:
    target = draw(st.sampled_from(earlier))
    kind = target["type"]
    if draw(st.integers(0, 7)) == 0:
        return {"question": target["linkId"], "operator": "exists", "answer": draw(st.booleans())}
    equal = st.sampled_from(["=", "!="])
    if kind == "choice":
        operator, answer = draw(equal), draw(st.sampled_from([o["code"] for o in target["answerOptions"]]))
    elif kind == "boolean":
        operator, answer = draw(equal), draw(st.booleans())
    elif kind in ("integer", "decimal"):
        operator = draw(st.sampled_from(["=", "!=", ">", "<", ">=", "<="]))
        answer = draw(st.integers(-1000, 1000) | st.floats(-1000, 1000, allow_nan=False) | st.just(2.5))
    elif kind == "date":
        operator, answer = draw(equal), draw(st.dates()).isoformat()
    else:
        operator, answer = draw(equal), draw(WORDS)
    return {"question": target["linkId"], "operator": operator, "answer": answer}


@st.composite
def items(draw: st.DrawFn, languages: list[str], prefix: str, earlier: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found = []
    for number in range(draw(st.integers(0, 5))):
        kind = draw(st.sampled_from(list(ItemType)))
        item: dict[str, Any] = {"linkId": f"{prefix}.q{number}", "type": kind.value, "text": draw(texts(languages))}
        if draw(st.booleans()):
            item["help"] = draw(texts(languages))
        if kind != ItemType.DISPLAY:
            item["required"] = draw(st.booleans())
        if kind == ItemType.CHOICE:
            item["repeats"] = draw(st.booleans())
            weights = st.none() | st.integers(-5, 5) | st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
            item["answerOptions"] = [
                {"code": f"o{n}", "display": draw(texts(languages)), "weight": draw(weights)}
                for n in range(draw(st.integers(1, 4)))
            ]
        if kind in (ItemType.STRING, ItemType.TEXT) and draw(st.booleans()):
            item["maxLength"] = draw(st.integers(1, 10_000))
        answerable = [e for e in earlier if e["type"] != "display"]
        if answerable and draw(st.integers(0, 3)):
            item["enableWhen"] = draw(st.lists(conditions(answerable), min_size=1, max_size=3))
            item["enableBehavior"] = draw(st.sampled_from(["all", "any"]))
        earlier.append(item)
        found.append(item)
    return found


@st.composite
def models(draw: st.DrawFn) -> ConversationModel:
    languages = draw(st.sampled_from([["nl", "en"], ["nl", "en", "fy"]]))
    earlier: list[dict[str, Any]] = []  # the items so far, in order: conditions look back only
    domains = []
    for number in range(draw(st.integers(1, 3))):
        domain: dict[str, Any] = {
            "id": f"d{number}",
            "title": draw(texts(languages)),
            "description": draw(texts(languages)),
            "colour": "#0072B2",
        }
        choice = draw(st.sampled_from(["inherit", "unscored", "own"]))
        if choice != "inherit":
            domain["scale"] = draw(scales(languages)) if choice == "own" else None
        domain["items"] = draw(items(languages, f"d{number}", earlier))
        domains.append(domain)
    data = {
        "id": "fuzz-model",
        "version": draw(st.integers(1, 1_000_000)),
        "title": draw(texts(languages)),
        "description": draw(texts(languages)),
        "languages": languages,
        "scale": draw(st.none() | scales(languages)),
        "domains": domains,
        "closing": {"rankDomains": draw(st.booleans()), "items": draw(items(languages, "end", earlier))},
    }
    model = ConversationModel.model_validate(data)
    assert check_model(model) == [], check_model(model)  # the generator makes only sound models
    return model


def model_texts(model: ConversationModel) -> Iterator[str]:
    """Every text of the model that the Questionnaire carries, in every language."""
    found = [model.title, model.description]
    for domain in model.domains:
        found.append(domain.title)
        scale = model.scale_of(domain)
        found += [a.label for a in scale.anchors] if scale else []
    for item in model.all_items():
        found += [item.text, *([item.help] if item.help else []), *(o.display for o in item.answer_options)]
    for localized in found:
        yield from localized.values()


@FUZZ
@given(model=models(), language=st.sampled_from(LANGUAGES))
def test_a_generated_model_is_a_valid_questionnaire_with_every_text_literally(model, language):
    i18n.set_language(language)
    resource = questionnaire(model)

    assert_sound(model, resource)
    dumped = json.dumps(resource, ensure_ascii=False)
    for words in model_texts(model):
        assert json.dumps(words, ensure_ascii=False)[1:-1] in dumped, words[:80]


# -- stable ids ---------------------------------------------------------------------------------------


def test_the_same_model_gives_the_same_questionnaire_and_a_new_version_another():
    model = builtin_models()[1]
    again = ConversationModel.model_validate(model.model_dump(by_alias=True, exclude_unset=True))
    newer = model.model_copy(update={"version": model.version + 1})

    assert questionnaire(model) == questionnaire(again)
    assert fhir.to_bytes(questionnaire(model)) == fhir.to_bytes(questionnaire(model))
    first, second = questionnaire(model), questionnaire(newer)
    assert first["id"] != second["id"]
    assert (first["version"], second["version"]) == (str(model.version), str(model.version + 1))
    assert first["url"] == second["url"] == fhir.questionnaire_url(model.id)
    assert {k: v for k, v in first.items() if k not in ("id", "version")} == {
        k: v for k, v in second.items() if k not in ("id", "version")
    }


# -- conditions ---------------------------------------------------------------------------------------


def _text(words: str) -> dict[str, str]:
    return {"nl": words, "en": words}


def test_conditions_carry_the_answer_type_of_the_item_they_look_at():
    def question(link_id: str, kind: str, **more: Any) -> dict[str, Any]:
        return {"linkId": link_id, "type": kind, "text": _text(link_id), **more}

    options = [{"code": "yes", "display": _text("Ja"), "weight": 1}, {"code": "no", "display": _text("Nee")}]
    conditions = [
        ("choice", "=", "no", {"answerCoding": {"system": "urn:broadtalk:model:m", "code": "no", "display": "Nee"}}),
        ("yes-no", "!=", True, {"answerBoolean": True}),
        ("count", ">=", 3, {"answerInteger": 3}),
        ("count", ">", 2.5, {"answerInteger": 2}),  # > 2.5 is > 2 for whole numbers
        ("count", "<", 2.5, {"answerInteger": 3}),
        ("count", "=", 4.0, {"answerInteger": 4}),
        ("amount", "<=", 2, {"answerDecimal": 2.0}),
        ("when", "=", "2026-03-02", {"answerDate": "2026-03-02"}),
        ("line", "!=", "<b>&amp;</b>", {"answerString": "<b>&amp;</b>"}),
        ("lines", "=", "ja", {"answerString": "ja"}),
        ("choice", "exists", False, {"answerBoolean": False}),
    ]
    model = ConversationModel.model_validate(
        {
            "id": "m",
            "version": 1,
            "title": _text("M"),
            "description": _text("M"),
            "domains": [
                {
                    "id": "d",
                    "title": _text("D"),
                    "description": _text("D"),
                    "colour": "#000000",
                    "items": [
                        question("choice", "choice", answerOptions=options),
                        question("yes-no", "boolean"),
                        question("count", "integer"),
                        question("amount", "decimal"),
                        question("when", "date"),
                        question("line", "string"),
                        question("lines", "text"),
                        *(
                            question(
                                f"shown-{n}",
                                "display",
                                enableWhen=[{"question": target, "operator": operator, "answer": answer}],
                            )
                            for n, (target, operator, answer, _expected) in enumerate(conditions)
                        ),
                        question(
                            "both",
                            "string",
                            enableWhen=[
                                {"question": "yes-no", "operator": "=", "answer": True},
                                {"question": "choice", "operator": "=", "answer": "yes"},
                            ],
                            enableBehavior="any",
                        ),
                    ],
                }
            ],
        }
    )
    assert check_model(model) == []
    resource = questionnaire(model)
    fhir.validate(resource)
    items = by_link_id(resource)

    for n, (target, operator, _answer, expected) in enumerate(conditions):
        assert items[f"shown-{n}"]["enableWhen"] == [{"question": target, "operator": operator, **expected}]
    both = items["both"]
    assert both["enableBehavior"] == "any"
    assert [c["answerCoding"]["code"] for c in both["enableWhen"] if "answerCoding" in c] == ["yes"]
    weights = [o.get("extension") for o in items["choice"]["answerOption"]]
    assert weights == [[{"url": fhir.ORDINAL_VALUE, "valueDecimal": 1.0}], None]
    assert "enableBehavior" not in items["shown-0"]  # one condition: FHIR needs none


@pytest.mark.parametrize(
    ("kind", "answer"),
    [("integer", 10**30), ("integer", float("inf")), ("decimal", float("nan")), ("decimal", 10**400), ("date", "soon")],
)
def test_an_answer_no_fhir_type_can_hold_is_refused_by_validation_not_a_crash(kind, answer):
    """Values the model's checks let through but FHIR cannot say: a clear refusal, or the nearest type."""
    model = ConversationModel.model_validate(
        {
            "id": "m",
            "version": 1,
            "title": _text("M"),
            "description": _text("M"),
            "domains": [
                {
                    "id": "d",
                    "title": _text("D"),
                    "description": _text("D"),
                    "colour": "#000000",
                    "items": [
                        {"linkId": "a", "type": kind, "text": _text("a")},
                        {
                            "linkId": "b",
                            "type": "string",
                            "text": _text("b"),
                            "enableWhen": [{"question": "a", "operator": "=", "answer": answer}],
                        },
                    ],
                }
            ],
        }
    )
    resource = questionnaire(model)
    try:
        fhir.validate(resource)
    except fhir.FhirInvalid as refused:
        assert all("enableWhen[0].answer" in problem for problem in refused.problems)
