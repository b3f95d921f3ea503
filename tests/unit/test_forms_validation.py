"""Broken conversation model files: every problem is reported, never raised, with the file, the
exact line, the dotted path of the field and a message that says what to do.

The broken files live in ``forms_cases/``; line 1 of each says what is wrong with it. Message
content is checked in English (the Dutch catalog may still be empty); lines and paths do not
depend on the language.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from broadtalk import i18n
from broadtalk.errors import InputError
from broadtalk.forms import loader
from broadtalk.forms.library import BUILTIN_DIR
from broadtalk.forms.loader import LoadResult, load_model_file, load_model_text
from broadtalk.forms.yamlsource import Problem

CASES = Path(__file__).resolve().parent / "forms_cases"

VALID = """\
id: my-model
version: 1
title: {nl: Mijn model, en: My model}
description: {nl: Een testmodel, en: A test model}
domains:
  - id: body
    title: {nl: Lichaam, en: Body}
    description: {nl: Het lichaam, en: The body}
    colour: '#0072B2'
    items:
      - linkId: body.notes
        type: text
        text: {nl: Aantekeningen, en: Notes}
"""

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(autouse=True)
def english(isolated_home: Path) -> None:
    """Message texts are asserted in English; runs after the shared fixture has set Dutch."""
    i18n.set_language("en")


def only_problem_at(result: LoadResult, path: str) -> Problem:
    matching = [p for p in result.problems if p.dotted_path() == path]
    assert len(matching) == 1, f"expected one problem at '{path}', got:\n" + "\n".join(result.messages())
    return matching[0]


def assert_sane_problems(result: LoadResult, text: str) -> None:
    """What every result must satisfy, however bad the input: lines inside the file, printable lines."""
    last_line = text.count("\n") + 1
    for problem in result.problems:
        assert problem.message.strip()
        assert problem.line is None or 1 <= problem.line <= last_line, (problem, last_line)
    assert len(result.messages()) == len(result.problems)
    if result.ok:
        assert result.model is not None


# -- one broken file, one precise problem -------------------------------------------------------

CASE_TABLE = [
    pytest.param(
        "yaml_bad_indentation.yaml", 4, "", ["not valid YAML", "indentation"], 1, id="invalid-yaml-bad-indentation"
    ),
    pytest.param("top_level_list.yaml", 1, "", ["must be a mapping"], 1, id="top-level-list-instead-of-mapping"),
    pytest.param(
        "unknown_item_type.yaml",
        13,
        "domains[0].items[0].type",
        ["unknown item type 'chioce'", "display, boolean, integer, decimal, date, string, text, choice"],
        1,
        id="unknown-item-type-lists-allowed-types",
    ),
    pytest.param(
        "unknown_field_typo.yaml",
        13,
        "domains[0].items[0].tpye",
        ["unknown field 'tpye'", "did you mean 'type'?"],
        2,  # and 'type' is missing
        id="unknown-field-suggests-the-known-one",
    ),
    pytest.param(
        "unknown_top_level_field.yaml",
        5,
        "titel",
        ["unknown field 'titel'", "did you mean 'title'?"],
        1,
        id="unknown-top-level-field-suggests-the-known-one",
    ),
    pytest.param(
        "closing_field_wrong_case.yaml",
        12,
        "closing.rankdomains",
        ["unknown field 'rankdomains'", "did you mean 'rankDomains'?"],
        1,
        id="unknown-field-suggests-the-camel-case-alias",
    ),
    pytest.param(
        "domain_without_colour.yaml",
        11,
        "domains[1].colour",
        ["required field 'colour' is missing"],
        1,
        id="missing-required-field-on-the-line-of-its-mapping",
    ),
    pytest.param(
        "item_without_text.yaml",
        12,
        "domains[0].items[0].text",
        ["required field 'text' is missing"],
        1,
        id="item-without-text",
    ),
    pytest.param(
        "duplicate_link_id.yaml",
        20,
        "domains[1].items[0].linkId",
        ["linkId 'notes' is used twice"],
        1,
        id="duplicate-link-id-across-domains",
    ),
    pytest.param(
        "duplicate_domain_id.yaml",
        11,
        "domains[1].id",
        ["domain id 'body' is used twice"],
        1,
        id="duplicate-domain-id",
    ),
    pytest.param(
        "condition_on_missing_item.yaml",
        16,
        "domains[0].items[0].enableWhen[0].question",
        ["'body.smoker'", "no item has that linkId"],
        1,
        id="condition-on-missing-item",
    ),
    pytest.param(
        "condition_on_later_item.yaml",
        16,
        "domains[0].items[0].enableWhen[0].question",
        ["'body.work-on'", "comes later"],
        1,
        id="condition-on-later-item",
    ),
    pytest.param(
        "condition_answer_not_an_option.yaml",
        24,
        "domains[0].items[1].enableWhen[0].answer",
        ["'maybe' is not an option of 'body.work-on'", "yes, no"],
        1,
        id="condition-answer-not-an-option-code",
    ),
    pytest.param(
        "condition_answer_unquoted_yes.yaml",
        24,
        "domains[0].items[1].enableWhen[0].answer",
        ["unquoted yes", "quotes"],
        1,
        id="condition-answer-unquoted-yes-read-as-true",
    ),
    pytest.param(
        "condition_on_display_item.yaml",
        19,
        "domains[0].items[1].enableWhen[0].question",
        ["'body.intro' is a display item"],
        1,
        id="condition-on-display-item",
    ),
    pytest.param(
        "condition_number_compared_with_text.yaml",
        19,
        "domains[0].items[1].enableWhen[0].answer",
        ["'body.hours-sleep' holds a number"],
        1,
        id="condition-number-compared-with-text",
    ),
    pytest.param(
        "missing_english_translation.yaml",
        9,
        "domains[0].description.en",
        ["no 'en' translation"],
        1,
        id="missing-english-translation",
    ),
    pytest.param(
        "empty_dutch_translation.yaml",
        15,
        "domains[0].items[0].text.nl",
        ["no 'nl' translation"],
        1,
        id="blank-dutch-translation",
    ),
    pytest.param(
        "language_not_in_languages.yaml",
        8,
        "title.de",
        ["'de' is not one of the model's languages", "nl, en"],
        1,
        id="language-key-not-in-languages",
    ),
    pytest.param(
        "anchor_outside_scale.yaml",
        12,
        "scale.anchors[2].value",
        ["anchor value 11", "outside the scale 0-10"],
        1,
        id="anchor-outside-scale",
    ),
    pytest.param(
        "scale_min_not_below_max.yaml",
        13,
        "domains[0].scale.max",
        ["max (1)", "min (5)"],
        1,
        id="scale-min-not-below-max",
    ),
    pytest.param(
        "scale_without_max_anchor.yaml",
        9,
        "scale.anchors",
        ["anchor label", "5"],
        1,
        id="scale-without-anchor-at-max",
    ),
    pytest.param(
        "colour_not_hex.yaml", 10, "domains[0].colour", ["colour 'blue'", "#RRGGBB"], 1, id="colour-not-rrggbb"
    ),
    pytest.param(
        "identifier_with_capitals.yaml",
        7,
        "domains[0].id",
        ["'Body Parts' is not a valid identifier", "lowercase"],
        1,
        id="identifier-with-capitals-and-space",
    ),
    pytest.param(
        "duplicate_key.yaml",
        11,
        "domains[0].colour",
        ["the key 'colour' appears twice"],
        1,
        id="duplicate-yaml-key-on-the-second-line",
    ),
    pytest.param(
        "choice_without_options.yaml",
        12,
        "domains[0].items[0].answerOptions",
        ["a choice item needs answerOptions"],
        1,
        id="choice-without-answer-options",
    ),
    pytest.param(
        "options_on_text_item.yaml",
        15,
        "domains[0].items[0].answerOptions",
        ["answerOptions belong to choice items only", "'text'"],
        1,
        id="answer-options-on-text-item",
    ),
    pytest.param(
        "repeats_on_text_item.yaml",
        15,
        "domains[0].items[0].repeats",
        ["'repeats' is only possible for choice items"],
        1,
        id="repeats-on-text-item",
    ),
    pytest.param(
        "duplicate_option_code.yaml",
        18,
        "domains[0].items[0].answerOptions[2].code",
        ["option code 'no' is used twice"],
        1,
        id="duplicate-option-code",
    ),
    pytest.param("version_zero.yaml", 3, "version", ["at least 1"], 1, id="version-zero"),
]


@pytest.mark.parametrize(("file_name", "line", "path", "phrases", "count"), CASE_TABLE)
def test_broken_model_file_reports_its_problem_with_line_path_and_message(
    file_name: str, line: int, path: str, phrases: list[str], count: int
) -> None:
    result = load_model_file(CASES / file_name)

    assert not result.ok
    problem = only_problem_at(result, path)
    assert problem.line == line, result.messages()
    for phrase in phrases:
        assert phrase in problem.message
    where = f"{file_name}:{line}: {path}: " if path else f"{file_name}:{line}: "
    assert where + problem.message in result.messages()
    assert len(result.problems) == count, result.messages()


@pytest.mark.parametrize("file_name", sorted(p.name for p in CASES.glob("*.yaml")))
def test_loading_text_reports_the_same_problems_as_loading_the_file(file_name: str) -> None:
    from_file = load_model_file(CASES / file_name)
    from_text = load_model_text((CASES / file_name).read_text(encoding="utf-8"), "case.yaml")

    assert from_file.problems, f"{file_name} is meant to be broken"
    assert from_text.problems == from_file.problems
    assert from_text.messages() == [m.replace(file_name, "case.yaml", 1) for m in from_file.messages()]


@pytest.mark.parametrize("file_name", sorted(p.name for p in CASES.glob("*.yaml")))
def test_problem_lines_and_paths_do_not_depend_on_the_language(file_name: str) -> None:
    english = [(p.line, p.path) for p in load_model_file(CASES / file_name).problems]
    i18n.set_language("nl")
    dutch = [(p.line, p.path) for p in load_model_file(CASES / file_name).problems]

    assert dutch == english


@pytest.mark.parametrize("file_name", ["colour_not_hex.yaml", "unknown_item_type.yaml", "duplicate_key.yaml"])
def test_problem_messages_are_dutch_by_default(file_name: str) -> None:
    english = load_model_file(CASES / file_name).problems
    i18n.set_language("nl")
    dutch = load_model_file(CASES / file_name).problems

    assert [(p.line, p.path) for p in dutch] == [(p.line, p.path) for p in english]
    assert [p.message for p in dutch] != [p.message for p in english]


def test_minimal_valid_model_has_no_problems() -> None:
    result = load_model_text(VALID, "case.yaml")

    assert result.ok, result.messages()
    assert result.messages() == []
    assert result.raise_for_problems().key == ("my-model", 1)


# -- YAML syntax and the shape of the document --------------------------------------------------


def test_unclosed_quote_is_reported_on_the_line_where_the_quote_opens() -> None:
    result = load_model_file(CASES / "yaml_unclosed_quote.yaml")

    [problem] = result.problems
    assert "not valid YAML" in problem.message
    assert problem.path == ()
    assert problem.line == 4, (
        f"the quote opens on line 4 of a 7-line file, but the problem names line {problem.line}: "
        + "; ".join(result.messages())
    )


def test_tab_indentation_is_reported_on_its_line() -> None:
    result = load_model_text("id: my-model\nversion: 1\n\ttitle: x\n", "case.yaml")

    [message] = result.messages()
    assert message.startswith("case.yaml:3: this is not valid YAML")


def test_second_document_in_one_file_is_reported_on_its_line() -> None:
    result = load_model_text(VALID + "---\nid: other\n", "case.yaml")

    [problem] = result.problems
    assert problem.line == VALID.count("\n") + 1
    assert "not valid YAML" in problem.message


@pytest.mark.parametrize(
    "text", ["", "\n\n", "   \n", "# only a comment\n"], ids=["empty", "newlines", "blank", "comment"]
)
def test_empty_file_is_reported_as_not_a_model_on_line_1(text: str) -> None:
    result = load_model_text(text, "case.yaml")

    assert result.model is None
    assert result.messages() == [
        "case.yaml:1: a conversation model must be a mapping with id, version, title and domains"
    ]


@pytest.mark.parametrize("text", ["hello\n", "42\n", "- a\n- b\n"], ids=["word", "number", "list"])
def test_document_that_is_not_a_mapping_is_refused(text: str) -> None:
    result = load_model_text(text, "case.yaml")

    [problem] = result.problems
    assert (problem.line, problem.path) == (1, ())
    assert "must be a mapping" in problem.message


def test_yaml_alias_is_refused_on_the_line_where_the_alias_is_used() -> None:
    result = load_model_file(CASES / "yaml_alias.yaml")

    alias_problems = [p for p in result.problems if "aliases" in p.message]
    assert len(alias_problems) == 1, result.messages()
    [problem] = alias_problems
    assert problem.dotted_path() == "domains[1].description"
    assert problem.line == 13, (
        f"'description: *same' is on line 13, but the problem names line {problem.line} "
        f"(where the anchor &same was defined): " + "; ".join(result.messages())
    )


def test_refused_yaml_alias_gives_one_problem_not_a_follow_on_type_error() -> None:
    result = load_model_file(CASES / "yaml_alias.yaml")

    problem = only_problem_at(result, "domains[1].description")
    assert "anchors and aliases (&, *) are not supported" in problem.message


def test_yaml_merge_key_is_refused_as_an_alias() -> None:
    text = "looks: &looks {colour: '#0072B2'}\n" + VALID.replace("    colour: '#0072B2'\n", "    <<: *looks\n")

    result = load_model_text(text, "case.yaml")

    assert not result.ok
    assert any("aliases" in p.message for p in result.problems), result.messages()


def test_key_that_is_not_a_plain_word_is_reported_on_its_line() -> None:
    result = load_model_text(VALID.replace("version: 1\n", "version: 1\n[a, b]: 1\n"), "case.yaml")

    problem = next(p for p in result.problems if "single word" in p.message)
    assert problem.line == 3


def test_item_written_as_plain_text_asks_for_a_mapping_of_fields() -> None:
    result = load_model_file(CASES / "item_written_as_text.yaml")

    problem = only_problem_at(result, "domains[0].items[0]")
    assert problem.line == 12
    assert "expected a mapping of fields" in problem.message, (
        f"an item written as a plain line is not a per-language text; got: {problem.message!r}"
    )


def test_scale_with_min_equal_to_max_is_refused_once_without_anchor_noise() -> None:
    text = VALID.replace("domains:\n", "scale: {min: 3, max: 3}\ndomains:\n")

    result = load_model_text(text, "case.yaml")

    assert result.messages() == ["case.yaml:5: scale.max: the scale's max (3) must be greater than its min (3)"]


def test_title_written_as_plain_text_asks_for_a_text_per_language() -> None:
    result = load_model_text(VALID.replace("title: {nl: Mijn model, en: My model}", "title: My model"), "case.yaml")

    problem = only_problem_at(result, "title")
    assert problem.line == 3
    assert "expected a text per language" in problem.message


@pytest.mark.parametrize(
    ("old", "new", "path", "line", "phrase"),
    [
        ("version: 1", "version: one", "version", 2, "expected a whole number, found 'one'"),
        ("version: 1", "version: 1.5", "version", 2, "expected a whole number, found '1.5'"),
        (
            "    items:\n",
            "    scale: {min: 0, max: 10, steps: 2}\n    items:\n",
            "domains[0].scale.steps",
            10,
            "'steps'",
        ),
        (
            "        type: text\n",
            "        type: text\n        required: maybe\n",
            "domains[0].items[0].required",
            13,
            "true or false",
        ),
        (
            "        type: text\n",
            "        type: string\n        maxLength: 0\n",
            "domains[0].items[0].maxLength",
            13,
            "at least 1",
        ),
        ("domains:\n", "scoredBy: doctor\ndomains:\n", "scoredBy", 5, "'doctor' is not allowed here"),
        ("id: my-model", "id: ''", "id", 1, "may not be empty"),
        ("id: my-model", "id: " + "a" * 65, "id", 1, "at most 64 characters"),
    ],
    ids=[
        "version-not-a-number",
        "version-not-whole",
        "unknown-scale-field",
        "required-not-a-boolean",
        "max-length-zero",
        "scored-by-not-allowed",
        "empty-identifier",
        "identifier-too-long",
    ],
)
def test_wrong_value_is_reported_with_its_line_and_path(old: str, new: str, path: str, line: int, phrase: str) -> None:
    text = VALID.replace(old, new, 1)
    assert text != VALID

    result = load_model_text(text, "case.yaml")

    problem = only_problem_at(result, path)
    assert problem.line == line, result.messages()
    assert phrase in problem.message


def test_unquoted_yes_in_a_condition_explains_that_yaml_read_it_as_true() -> None:
    result = load_model_file(CASES / "condition_answer_unquoted_yes.yaml")

    problem = only_problem_at(result, "domains[0].items[1].enableWhen[0].answer")
    assert "'True'" not in problem.message and "quote" in problem.message, (
        "the file says 'answer: yes'; a message about 'True' without saying to put yes in quotes "
        f"is misleading: {problem.message!r}"
    )


def test_unquoted_yes_as_option_code_explains_that_yaml_read_it_as_true() -> None:
    text = (CASES / "condition_answer_not_an_option.yaml").read_text(encoding="utf-8")
    text = text.replace("{code: 'yes',", "{code: yes,")

    result = load_model_text(text, "case.yaml")

    problem = only_problem_at(result, "domains[0].items[0].answerOptions[0].code")
    assert problem.line == 16
    assert "'True'" not in problem.message and "quote" in problem.message, (
        f"the file says 'code: yes'; the message should tell to write 'yes' in quotes: {problem.message!r}"
    )


def test_control_character_is_reported_as_a_problem_not_raised() -> None:
    text = VALID.replace("Een testmodel", "Een\x00testmodel")

    result = load_model_text(text, "case.yaml")  # must not raise

    assert not result.ok
    assert [p.line for p in result.problems] == [4], result.messages()


def test_utf8_file_with_a_control_character_is_reported_not_raised(tmp_path: Path) -> None:
    path = tmp_path / "case.yaml"
    path.write_bytes(VALID.replace("Notes", "No\x0ctes").encode("utf-8"))

    result = load_model_file(path)  # must not raise

    assert not result.ok
    assert [p.line for p in result.problems] == [13], result.messages()


def test_deeply_nested_yaml_is_reported_as_a_problem_not_raised() -> None:
    text = VALID + "closing: " + "[" * 1000 + "]" * 1000 + "\n"

    result = load_model_text(text, "case.yaml")  # must not raise RecursionError

    assert not result.ok
    assert result.problems


# -- plain words for the client: plainTitle (domain) and plainLabel (anchor) ---------------------

PLAIN = VALID.replace(
    "    description: {nl: Het lichaam, en: The body}\n",
    "    plainTitle: {nl: Je lichaam, en: Your body}\n    description: {nl: Het lichaam, en: The body}\n",
).replace(
    "domains:\n",
    "scale:\n"
    "  min: 1\n"
    "  max: 5\n"
    "  anchors:\n"
    "    - value: 1\n"
    "      label: {nl: Acute problemen, en: Acute problems}\n"
    "      plainLabel: {nl: Grote problemen, en: Serious problems}\n"
    "    - value: 5\n"
    "      label: {nl: Volledig zelfredzaam, en: Fully self-sufficient}\n"
    "domains:\n",
)


def test_plain_title_and_plain_label_are_accepted_and_fall_back_to_title_and_label() -> None:
    result = load_model_text(PLAIN, "case.yaml")

    assert result.ok, result.messages()
    model = result.raise_for_problems()
    [domain] = model.domains
    assert domain.plain_title == {"nl": "Je lichaam", "en": "Your body"}
    assert domain.plain() == {"nl": "Je lichaam", "en": "Your body"}
    assert model.domain_label(domain, "nl") == "Lichaam"  # charts and tabs keep the professional's word
    scale = model.scale_of(domain)
    assert scale is not None
    assert scale.anchor(1).plain() == {"nl": "Grote problemen", "en": "Serious problems"}  # type: ignore[union-attr]
    assert scale.anchor(5).plain() == {"nl": "Volledig zelfredzaam", "en": "Fully self-sufficient"}  # type: ignore[union-attr]


def test_without_a_plain_title_the_domain_is_named_by_its_title() -> None:
    [domain] = load_model_text(VALID, "case.yaml").raise_for_problems().domains

    assert domain.plain_title is None
    assert domain.plain() == {"nl": "Lichaam", "en": "Body"}


@pytest.mark.parametrize(
    ("old", "new", "path", "line", "phrase"),
    [
        ("plainTitle:", "plainTitel:", "domains[0].plainTitel", 17, "did you mean 'plainTitle'?"),
        ("plainLabel:", "plainlabel:", "scale.anchors[0].plainlabel", 11, "did you mean 'plainLabel'?"),
        ("{nl: Je lichaam, en: Your body}", "{nl: Je lichaam, en: 7}", "domains[0].plainTitle.en", 17, "expected text"),
        ("{nl: Je lichaam, en: Your body}", "[Je lichaam, Your body]", "domains[0].plainTitle", 17, "expected a"),
        ("{nl: Je lichaam, en: Your body}", "Je lichaam", "domains[0].plainTitle", 17, "expected a"),
    ],
    ids=["plain-title-typo", "plain-label-wrong-case", "plain-title-not-text", "plain-title-list", "plain-title-line"],
)
def test_bad_plain_text_is_reported_with_its_line_and_path(
    old: str, new: str, path: str, line: int, phrase: str
) -> None:
    text = PLAIN.replace(old, new, 1)
    assert text != PLAIN

    result = load_model_text(text, "case.yaml")

    problem = only_problem_at(result, path)
    assert problem.line == line, result.messages()
    assert phrase in problem.message
    assert f"case.yaml:{line}: {path}: {problem.message}" in result.messages()


def test_plain_title_written_as_one_line_asks_for_a_text_per_language() -> None:
    result = load_model_text(PLAIN.replace("{nl: Je lichaam, en: Your body}", "Je lichaam"), "case.yaml")

    assert result.messages() == [
        "case.yaml:17: domains[0].plainTitle: expected a text per language, e.g. nl: ... and en: ..."
    ]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "{nl: Je lichaam, en: Your body}",
            "{nl: Je lichaam}",
            "case.yaml:17: domains[0].plainTitle.en: the text has no 'en' translation; add one",
        ),
        (
            "{nl: Je lichaam, en: Your body}",
            "{nl: ' ', en: Your body}",
            "case.yaml:17: domains[0].plainTitle.nl: the text has no 'nl' translation; add one",
        ),
        (
            "{nl: Je lichaam, en: Your body}",
            "{nl: Je lichaam, en: Your body, de: Dein Körper}",
            "case.yaml:17: domains[0].plainTitle.de: 'de' is not one of the model's languages (nl, en); "
            "add it to 'languages' or remove it",
        ),
        (
            "{nl: Grote problemen, en: Serious problems}",
            "{en: Serious problems}",
            "case.yaml:11: scale.anchors[0].plainLabel.nl: the text has no 'nl' translation; add one",
        ),
    ],
    ids=[
        "plain-title-without-english",
        "plain-title-blank-dutch",
        "plain-title-other-language",
        "plain-label-no-dutch",
    ],
)
def test_plain_text_needs_every_language_of_the_model(old: str, new: str, message: str) -> None:
    result = load_model_text(PLAIN.replace(old, new, 1), "case.yaml")

    assert result.messages() == [message]


# -- several problems at once -------------------------------------------------------------------


def test_model_with_several_problems_reports_all_of_them_in_one_run() -> None:
    result = load_model_file(CASES / "several_problems.yaml")

    assert [(p.line, p.dotted_path()) for p in result.problems] == [
        (5, "description.en"),
        (12, "scale.anchors[2].value"),
        (17, "domains[0].colour"),
        (27, "domains[1].items[0].linkId"),
        (31, "domains[1].items[0].enableWhen[0].question"),
    ]
    messages = result.messages()
    assert "no 'en' translation" in messages[0]
    assert "anchor value 12" in messages[1]
    assert "'#0072B'" in messages[2]
    assert "'notes' is used twice" in messages[3]
    assert "'mind.later'" in messages[4]
    assert result.model is not None  # structurally sound, so the model is there ...
    assert not result.ok  # ... but not usable


def test_model_with_several_structural_problems_reports_all_of_them() -> None:
    text = (
        VALID.replace("version: 1", "version: 0")
        .replace("    colour: '#0072B2'\n", "")
        .replace("type: text", "type: chioce")
    )

    result = load_model_text(text, "case.yaml")

    assert {(p.line, p.dotted_path()) for p in result.problems} == {
        (2, "version"),
        (6, "domains[0].colour"),
        (11, "domains[0].items[0].type"),
    }
    assert result.model is None


def test_raise_for_problems_raises_input_error_naming_every_problem() -> None:
    result = load_model_file(CASES / "several_problems.yaml")

    with pytest.raises(InputError) as caught:
        result.raise_for_problems()

    assert caught.value.message.splitlines() == result.messages()
    assert len(caught.value.message.splitlines()) == 5


# -- files --------------------------------------------------------------------------------------


def test_file_that_is_not_utf8_is_reported_on_the_line_of_the_first_bad_byte(tmp_path: Path) -> None:
    path = tmp_path / "case.yaml"
    path.write_bytes(VALID.replace("Een testmodel", "Caf\xe9").encode("latin-1"))

    result = load_model_file(path)

    assert result.model is None
    assert result.messages() == ["case.yaml:4: the file is not UTF-8 text; save it as UTF-8"]


def test_missing_file_is_reported_not_raised(tmp_path: Path) -> None:
    result = load_model_file(tmp_path / "nowhere.yaml")

    [problem] = result.problems
    assert problem.line is None
    assert result.messages() == ["nowhere.yaml: the file does not exist; check the path"]


def test_folder_instead_of_a_file_is_reported_not_raised(tmp_path: Path) -> None:
    folder = tmp_path / "models.yaml"
    folder.mkdir()

    result = load_model_file(folder)

    assert result.messages() == ["models.yaml: this is a folder, not a file"]


def test_file_larger_than_the_limit_is_refused_before_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "case.yaml"
    path.write_text(VALID, encoding="utf-8")
    monkeypatch.setattr(loader, "MAX_FILE_BYTES", 100)

    result = load_model_file(path)

    assert result.model is None
    [message] = result.messages()
    assert message.startswith("case.yaml: the file is larger than 2 MB")


def test_utf8_file_with_byte_order_mark_and_windows_line_ends_loads(tmp_path: Path) -> None:
    path = tmp_path / "case.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + VALID.replace("\n", "\r\n").encode("utf-8"))

    result = load_model_file(path)

    assert result.ok, result.messages()


def test_windows_line_ends_keep_the_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "colour_not_hex.yaml"
    path.write_bytes((CASES / "colour_not_hex.yaml").read_bytes().replace(b"\n", b"\r\n"))

    result = load_model_file(path)

    assert [(p.line, p.dotted_path()) for p in result.problems] == [(10, "domains[0].colour")]


# -- fuzz: bad input gives problems, never an exception -----------------------------------------


@FUZZ
@given(st.text(max_size=300))
def test_random_text_never_raises_only_returns_problems(text: str) -> None:
    result = load_model_text(text, "fuzz.yaml")

    assert_sane_problems(result, text)
    assert not result.ok


YAML_SYNTAX = ["\n", "  ", "- ", ": ", "? ", "{", "}", "[", "]", ", ", "'", '"', "&a ", "*a", "<<: ", "# ", "|", ">"]
YAML_ODDITIES = ["!!str ", "!!binary ", "!!python/name:os.system ", "---\n", "...\n", "%YAML 1.1\n", "\t", "\\", "~"]
MODEL_WORDS = ["id", "version", "title", "domains", "items", "linkId", "type", "nl", "en", "1", "1e3", "yes", "choice"]
YAML_PIECES = st.sampled_from([*YAML_SYNTAX, *YAML_ODDITIES, *MODEL_WORDS, "\ufeff", "é"])
PRINTABLE_TEXT = st.text(st.characters(blacklist_categories=["Cc", "Cs"]), max_size=8)


@FUZZ
@given(st.lists(st.one_of(YAML_PIECES, PRINTABLE_TEXT), max_size=60).map("".join))
def test_random_yaml_like_text_never_raises_only_returns_problems(text: str) -> None:
    result = load_model_text(text, "fuzz.yaml")

    assert_sane_problems(result, text)


MODEL_KEYS = ["id", "version", "title", "description", "domains", "items", "linkId", "type", "text", "nl", "en"]
SCALE_KEYS = ["scale", "min", "max", "anchors", "value", "label", "colour"]
CONDITION_KEYS = ["enableWhen", "question", "operator", "answer"]
KEYS = st.sampled_from([*MODEL_KEYS, *SCALE_KEYS, *CONDITION_KEYS])
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 12),
    st.floats(allow_nan=False),
    st.text(max_size=10),
    st.sampled_from(["choice", "text", "=", "exists", "#0072B2", "yes", "body"]),
)
YAMLISH = st.recursive(
    SCALARS,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(KEYS, children, max_size=5)),
    max_leaves=25,
)


@FUZZ
@given(st.dictionaries(KEYS, YAMLISH, max_size=8))
def test_random_yaml_mapping_never_raises_only_returns_problems(data: dict[str, Any]) -> None:
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)

    result = load_model_text(text, "fuzz.yaml")

    assert_sane_problems(result, text)


POSITIVE_HEALTH = yaml.safe_load((BUILTIN_DIR / "positive-health.v1.yaml").read_text(encoding="utf-8"))


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(data, dict):
        for key, value in data.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += _paths(value, (*prefix, index))
    return found


POSITIVE_HEALTH_PATHS = _paths(POSITIVE_HEALTH)


@FUZZ
@given(st.lists(st.tuples(st.sampled_from(POSITIVE_HEALTH_PATHS), YAMLISH, st.booleans()), min_size=1, max_size=3))
def test_damaged_builtin_model_never_raises_and_names_lines_inside_the_file(
    changes: list[tuple[tuple[Any, ...], Any, bool]],
) -> None:
    data = copy.deepcopy(POSITIVE_HEALTH)
    for path, value, delete in changes:
        parent = data
        try:
            for part in path[:-1]:
                parent = parent[part]
            if delete and isinstance(parent, dict):
                parent.pop(path[-1], None)
            else:
                parent[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change removed this path
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)

    result = load_model_text(text, "fuzz.yaml")

    assert_sane_problems(result, text)
    for problem in result.problems:
        assert problem.line is not None, problem


def test_a_list_as_condition_answer_is_one_clear_problem_not_one_per_type() -> None:
    text = VALID + (
        "      - linkId: body.more\n"
        "        type: text\n"
        "        text: {nl: Meer, en: More}\n"
        "        enableWhen: [{question: body.notes, operator: '=', answer: [a, b]}]\n"
    )
    result = load_model_text(text, "case.yaml")

    problem = only_problem_at(result, "domains[0].items[1].enableWhen[0].answer")
    assert "one value" in problem.message
    assert problem.line == 17


def test_problems_are_listed_in_the_order_of_the_file() -> None:
    text = VALID.replace("colour: '#0072B2'", "colour: blue").replace("id: my-model", "id: My Model")
    result = load_model_text(text, "case.yaml")

    lines = [p.line for p in result.problems]
    assert len(lines) == 2
    assert lines == sorted(lines)


@pytest.mark.parametrize(
    "line", ["version: " + "9" * 5000, "created: 2026-02-30"], ids=["a 5,000-digit number", "30 February"]
)
def test_a_value_python_cannot_read_is_a_problem_on_its_line_not_a_crash(line):
    from broadtalk.forms.loader import load_model_text

    result = load_model_text("id: sleep-check\n" + line + "\n", "model.yaml")
    assert not result.ok
    assert any(m.startswith("model.yaml:2: ") and "put it in quotes" in m for m in result.messages()), result.messages()
