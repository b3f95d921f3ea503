"""enableWhen conditions: which items are shown for the answers given so far."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from broadtalk.forms.conditions import enabled_link_ids, is_enabled
from broadtalk.forms.library import builtin_models
from broadtalk.forms.loader import load_model_text
from broadtalk.forms.schema import ConversationModel

TEXT = {"nl": "Tekst", "en": "Text"}


def when(question: str, operator: str, answer: Any) -> dict[str, Any]:
    return {"question": question, "operator": operator, "answer": answer}


def item(
    link_id: str,
    type: str = "text",
    *,
    options: tuple[str, ...] = (),
    repeats: bool = False,
    conditions: tuple[dict[str, Any], ...] = (),
    behavior: str | None = None,
) -> dict[str, Any]:
    data: dict[str, Any] = {"linkId": link_id, "type": type, "text": TEXT}
    if options:
        data["answerOptions"] = [{"code": code, "display": TEXT} for code in options]
    if repeats:
        data["repeats"] = True
    if conditions:
        data["enableWhen"] = list(conditions)
    if behavior:
        data["enableBehavior"] = behavior
    return data


def model_of(*items: dict[str, Any], closing: tuple[dict[str, Any], ...] = ()) -> ConversationModel:
    data = {
        "id": "conditions",
        "version": 1,
        "title": TEXT,
        "description": TEXT,
        "domains": [{"id": "d", "title": TEXT, "description": TEXT, "colour": "#000000", "items": list(items)}],
        "closing": {"items": list(closing)},
    }
    data = json.loads(json.dumps(data))  # no shared objects, so safe_dump writes no YAML aliases
    result = load_model_text(yaml.safe_dump(data, sort_keys=False), "conditions.yaml")
    assert result.ok, result.messages()
    assert result.model is not None
    return result.model


def shown(model: ConversationModel, link_id: str, answers: dict[str, Any]) -> bool:
    target = model.item(link_id)
    assert target is not None
    return is_enabled(model, target, answers)


WORK_ON = item("work-on", "choice", options=("yes", "maybe-later", "no"))
CARRIED_BY = item("carried-by", "choice", options=("person", "network", "professional"), repeats=True)


def test_item_without_conditions_is_always_shown() -> None:
    model = model_of(WORK_ON)

    assert shown(model, "work-on", {})
    assert shown(model, "work-on", {"work-on": "no"})


# -- = and != on a choice -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "expected"),
    [({}, False), ({"work-on": None}, False), ({"work-on": "no"}, False), ({"work-on": "yes"}, True)],
    ids=["unanswered", "answer-none", "other-option", "that-option"],
)
def test_equals_on_a_choice_shows_the_item_only_for_that_option(answers: dict[str, Any], expected: bool) -> None:
    model = model_of(WORK_ON, item("change", conditions=(when("work-on", "=", "yes"),)))

    assert shown(model, "change", answers) is expected


@pytest.mark.parametrize(
    ("answers", "expected"),
    [({"work-on": "no"}, False), ({"work-on": "yes"}, True), ({"work-on": "maybe-later"}, True)],
    ids=["that-option", "other-option", "third-option"],
)
def test_not_equals_on_a_choice_shows_the_item_for_every_other_option(answers: dict[str, Any], expected: bool) -> None:
    model = model_of(WORK_ON, item("why-not-no", conditions=(when("work-on", "!=", "no"),)))

    assert shown(model, "why-not-no", answers) is expected


def test_not_equals_counts_an_unanswered_item_as_different() -> None:
    model = model_of(WORK_ON, item("why-not-no", conditions=(when("work-on", "!=", "no"),)))

    assert shown(model, "why-not-no", {})
    assert shown(model, "why-not-no", {"work-on": ""})


# -- repeating choices --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("chosen", "expected"),
    [
        ([], False),
        (["person"], False),
        (["person", "network"], False),
        (["professional"], True),
        (["person", "professional"], True),
        (["network", "person", "professional"], True),
    ],
)
def test_equals_on_a_repeating_choice_matches_when_any_chosen_answer_matches(chosen: list[str], expected: bool) -> None:
    model = model_of(CARRIED_BY, item("professional", "string", conditions=(when("carried-by", "=", "professional"),)))

    assert shown(model, "professional", {"carried-by": chosen}) is expected


@pytest.mark.parametrize(
    ("chosen", "expected"),
    [(["person"], True), (["person", "network"], True), (["professional"], False), (["person", "professional"], False)],
)
def test_not_equals_on_a_repeating_choice_matches_only_when_no_chosen_answer_matches(
    chosen: list[str], expected: bool
) -> None:
    model = model_of(CARRIED_BY, item("no-professional", conditions=(when("carried-by", "!=", "professional"),)))

    assert shown(model, "no-professional", {"carried-by": chosen}) is expected


# -- exists -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "has_answer"),
    [
        ({}, False),
        ({"notes": None}, False),
        ({"notes": ""}, False),
        ({"notes": []}, False),
        ({"notes": "slaapt slecht"}, True),
        ({"notes": ["a"]}, True),
    ],
    ids=["missing", "none", "empty-text", "empty-list", "text", "list"],
)
def test_exists_true_and_false_follow_whether_there_is_an_answer(answers: dict[str, Any], has_answer: bool) -> None:
    model = model_of(
        item("notes"),
        item("answered", conditions=(when("notes", "exists", True),)),
        item("unanswered", conditions=(when("notes", "exists", False),)),
    )

    assert shown(model, "answered", answers) is has_answer
    assert shown(model, "unanswered", answers) is not has_answer


@pytest.mark.parametrize(("type", "value"), [("boolean", False), ("integer", 0), ("decimal", 0.0)])
def test_exists_counts_false_and_zero_as_answers(type: str, value: Any) -> None:
    model = model_of(item("source", type), item("follow-up", conditions=(when("source", "exists", True),)))

    assert shown(model, "follow-up", {"source": value})


# -- numbers, yes/no and text -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (4, {"below", "at-most", "not-five"}),
        (5, {"at-least", "at-most", "exactly"}),
        (6, {"above", "at-least", "not-five"}),
        (-1, {"below", "at-most", "not-five"}),
    ],
)
def test_numeric_comparisons_on_an_integer(value: int, expected: set[str]) -> None:
    model = model_of(
        item("hours", "integer"),
        item("above", conditions=(when("hours", ">", 5),)),
        item("at-least", conditions=(when("hours", ">=", 5),)),
        item("below", conditions=(when("hours", "<", 5),)),
        item("at-most", conditions=(when("hours", "<=", 5),)),
        item("exactly", conditions=(when("hours", "=", 5),)),
        item("not-five", conditions=(when("hours", "!=", 5),)),
    )

    assert enabled_link_ids(model, {"hours": value}) == {"hours", *expected}


@pytest.mark.parametrize(("value", "expected"), [(2.5, False), (2.51, True), (3, True), (0.0, False)])
def test_numeric_comparison_on_a_decimal_with_a_fractional_threshold(value: float, expected: bool) -> None:
    model = model_of(item("weight", "decimal"), item("heavy", conditions=(when("weight", ">", 2.5),)))

    assert shown(model, "heavy", {"weight": value}) is expected


def test_numeric_comparison_with_no_answer_hides_the_item() -> None:
    model = model_of(item("hours", "integer"), item("above", conditions=(when("hours", ">", 5),)))

    assert not shown(model, "above", {})


def test_numeric_comparison_with_an_answer_of_the_wrong_type_hides_the_item_without_raising() -> None:
    model = model_of(item("hours", "integer"), item("above", conditions=(when("hours", ">", 5),)))

    assert not shown(model, "above", {"hours": "veel"})


@pytest.mark.parametrize(("value", "if_yes", "if_not_yes"), [(True, True, False), (False, False, True)])
def test_yes_no_item_is_tested_with_true_or_false(value: bool, if_yes: bool, if_not_yes: bool) -> None:
    model = model_of(
        item("smokes", "boolean"),
        item("how-much", conditions=(when("smokes", "=", True),)),
        item("never", conditions=(when("smokes", "!=", True),)),
    )

    assert shown(model, "how-much", {"smokes": value}) is if_yes
    assert shown(model, "never", {"smokes": value}) is if_not_yes


def test_equals_on_a_text_item_compares_the_text() -> None:
    model = model_of(item("code", "string"), item("explain", conditions=(when("code", "=", "anders"),)))

    assert shown(model, "explain", {"code": "anders"})
    assert not shown(model, "explain", {"code": "iets"})


# -- several conditions: enableBehavior ---------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "all_", "any_"),
    [
        ({}, False, False),
        ({"work-on": "yes"}, False, True),
        ({"hours": 8}, False, True),
        ({"work-on": "yes", "hours": 8}, True, True),
        ({"work-on": "no", "hours": 2}, False, False),
    ],
    ids=["none-met", "first-met", "second-met", "both-met", "neither-met"],
)
def test_enable_behavior_all_needs_every_condition_and_any_needs_one(
    answers: dict[str, Any], all_: bool, any_: bool
) -> None:
    conditions = (when("work-on", "=", "yes"), when("hours", ">", 6))
    model = model_of(
        WORK_ON,
        item("hours", "integer"),
        item("both", conditions=conditions, behavior="all"),
        item("either", conditions=conditions, behavior="any"),
        item("default", conditions=conditions),
    )

    assert shown(model, "both", answers) is all_
    assert shown(model, "either", answers) is any_
    assert shown(model, "default", answers) is all_  # 'all' is the default, as in FHIR


# -- chains: an item behind a hidden item is hidden ---------------------------------------------


def chain_model(last_condition: dict[str, Any]) -> ConversationModel:
    return model_of(
        WORK_ON,
        item("smokes", "choice", options=("daily", "sometimes"), conditions=(when("work-on", "=", "yes"),)),
        item("last", conditions=(last_condition,)),
    )


def test_item_whose_condition_source_is_hidden_is_hidden_even_with_a_stale_answer() -> None:
    model = chain_model(when("smokes", "=", "daily"))

    assert shown(model, "last", {"work-on": "yes", "smokes": "daily"})
    # 'smokes' was answered, then work-on changed to no: smokes is hidden, so its answer no longer counts
    assert not shown(model, "last", {"work-on": "no", "smokes": "daily"})
    assert enabled_link_ids(model, {"work-on": "no", "smokes": "daily"}) == {"work-on"}


def test_item_whose_condition_source_is_hidden_ignores_the_stale_answer_for_exists() -> None:
    model = chain_model(when("smokes", "exists", True))

    assert shown(model, "last", {"work-on": "yes", "smokes": "sometimes"})
    assert not shown(model, "last", {"work-on": "maybe-later", "smokes": "sometimes"})


@pytest.mark.parametrize(
    "last_condition",
    [when("smokes", "!=", "daily"), when("smokes", "exists", False)],
    ids=["not-equals", "exists-false"],
)
@pytest.mark.parametrize(
    "answers", [{"work-on": "no"}, {"work-on": "no", "smokes": "sometimes"}], ids=["source-unanswered", "stale-answer"]
)
def test_item_behind_a_hidden_item_is_hidden_whatever_its_operator(
    last_condition: dict[str, Any], answers: dict[str, Any]
) -> None:
    model = chain_model(last_condition)

    assert not shown(model, "last", answers), (
        "'smokes' is hidden (work-on is not 'yes'), so 'last', which depends on it, must be hidden too "
        "(is_enabled: 'an item behind a hidden item is hidden')"
    )
    assert enabled_link_ids(model, answers) == {"work-on"}


def test_long_chain_hides_everything_after_the_first_hidden_item() -> None:
    items = [item("q0", "boolean")]
    items += [item(f"q{n}", "boolean", conditions=(when(f"q{n - 1}", "=", True),)) for n in range(1, 8)]
    model = model_of(*items)
    answers = {f"q{n}": True for n in range(8)}

    assert enabled_link_ids(model, answers) == {f"q{n}" for n in range(8)}
    answers["q3"] = False
    assert enabled_link_ids(model, answers) == {"q0", "q1", "q2", "q3"}


# -- enabled_link_ids ---------------------------------------------------------------------------


def test_enabled_link_ids_covers_domain_and_closing_items() -> None:
    model = model_of(
        WORK_ON,
        item("change", conditions=(when("work-on", "=", "yes"),)),
        closing=(item("closing.plan", conditions=(when("work-on", "!=", "no"),)), item("closing.date", "date")),
    )

    assert enabled_link_ids(model, {"work-on": "yes"}) == {"work-on", "change", "closing.plan", "closing.date"}
    assert enabled_link_ids(model, {"work-on": "no"}) == {"work-on", "closing.date"}


def test_positive_health_asks_what_to_change_only_for_dimensions_the_person_wants_to_work_on() -> None:
    model = next(m for m in builtin_models() if m.id == "positive-health")
    answers = {"bodily-functions.work-on": "yes", "mental-wellbeing.work-on": "maybe-later"}

    enabled = enabled_link_ids(model, answers)

    assert "bodily-functions.change" in enabled
    assert "mental-wellbeing.change" not in enabled
    assert "meaningfulness.change" not in enabled
    assert "meaningfulness.going-well" in enabled


def test_self_sufficiency_asks_which_professional_only_when_a_professional_carries_the_domain() -> None:
    model = next(m for m in builtin_models() if m.id == "self-sufficiency")

    enabled = enabled_link_ids(
        model, {"finances.carried-by": ["person", "professional"], "housing.carried-by": ["network"]}
    )

    assert "finances.professional" in enabled
    assert "housing.professional" not in enabled
    assert "justice.professional" not in enabled
    assert "housing.situation" in enabled


# -- properties ---------------------------------------------------------------------------------

ALGEBRA = model_of(
    WORK_ON,
    item("hours", "integer"),
    item("only-work-on", conditions=(when("work-on", "=", "yes"),)),
    item("only-hours", conditions=(when("hours", ">=", 6),)),
    item("all", conditions=(when("work-on", "=", "yes"), when("hours", ">=", 6)), behavior="all"),
    item("any", conditions=(when("work-on", "=", "yes"), when("hours", ">=", 6)), behavior="any"),
)

ANSWERS = st.fixed_dictionaries(
    {},
    optional={
        "work-on": st.one_of(st.none(), st.sampled_from(["", "yes", "no", "maybe-later"])),
        "hours": st.one_of(st.none(), st.integers(-3, 15), st.text(max_size=3)),
    },
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ANSWERS)
def test_all_is_the_and_and_any_is_the_or_of_the_single_conditions(answers: dict[str, Any]) -> None:
    enabled = enabled_link_ids(ALGEBRA, answers)
    first = "only-work-on" in enabled
    second = "only-hours" in enabled

    assert ("all" in enabled) is (first and second)
    assert ("any" in enabled) is (first or second)
    assert enabled == {i.link_id for i in ALGEBRA.all_items() if is_enabled(ALGEBRA, i, answers)}
