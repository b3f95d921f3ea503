"""The file of area scores per PC4 (issue 13): what loads, and every bad line's message."""

from __future__ import annotations

import pytest

from broadtalk.area_scores import MAX_PROBLEMS, AreaScoresError, load_area_scores, parse_area_scores


def problems(text: str | bytes) -> list[str]:
    with pytest.raises(AreaScoresError) as caught:
        parse_area_scores(text)
    return caught.value.problems


@pytest.mark.parametrize(
    "text",
    [
        "pc4;score\n3583;-0,25\n3584;1.5\n",
        "3583;-0,25\n3584;1.5",
        "PC4,score\n3583,-0.25\n3584,1.5\n",
        "\ufeff3583,-0.25\r\n\r\n3584,+1.5\r\n",
        '"pc4";"score"\n"3583";"-0,25"\n"3584";"1,5"\n',
    ],
)
def test_a_file_with_or_without_header_and_either_separator_loads(text):
    assert parse_area_scores(text).scores == {"3583": -0.25, "3584": 1.5}


def test_the_areas_are_ordered_most_need_first(tmp_path):
    path = tmp_path / "scores.csv"
    path.write_bytes(b"pc4;score\n3583;-0,4\n3584;1,2\n3585;0\n")
    scores = load_area_scores(path)
    assert scores.order(["3583", "unknown", "3584", "3585"]) == ["3584", "3585", "3583", "unknown"]
    assert scores.order(["3583", "3584", "3585"], higher_is_more_need=False) == ["3583", "3585", "3584"]


def test_every_bad_line_is_named_with_what_is_wrong_and_nothing_is_loaded():
    from broadtalk import i18n

    i18n.set_language("en")
    text = "pc4;score\n3583;1\n358;2\n0123;2\n3584\n3585;abc\n3586;\n3583;4\n3587;1;2\n3588;inf\n3589;2,5,1\n"
    assert problems(text) == [
        "Line 3: '358' is not a postcode area of four digits (1000 to 9999).",
        "Line 4: '0123' is not a postcode area of four digits (1000 to 9999).",
        "Line 5: expected 2 fields (postcode area;score), found 1.",
        "Line 6: the score 'abc' is not a number.",
        "Line 7: the score is missing.",
        "Line 8: postcode area 3583 is already on line 2.",
        "Line 9: expected 2 fields (postcode area;score), found 3.",
        "Line 10: the score 'inf' is not a number.",
        "Line 11: the score '2,5,1' is not a number.",
    ]


def test_the_messages_name_the_line_and_the_problem_in_english_too():
    from broadtalk import i18n

    i18n.set_language("en")
    found = problems("pc4,score\n3583,1\n358,2\n3584\n3585,abc\n3586,\n3583,4\n3587,1,2\n")
    assert found == [
        "Line 3: '358' is not a postcode area of four digits (1000 to 9999).",
        "Line 4: expected 2 fields (postcode area,score), found 1.",
        "Line 5: the score 'abc' is not a number.",
        "Line 6: the score is missing.",
        "Line 7: postcode area 3583 is already on line 2.",
        "Line 8: expected 2 fields (postcode area,score), found 3.",
    ]


def test_a_comma_file_has_no_decimal_comma():
    from broadtalk import i18n

    i18n.set_language("en")
    assert problems("3583,1,5\n") == ["Line 1: expected 2 fields (postcode area,score), found 3."]


def test_empty_not_text_and_too_many_problems():
    from broadtalk import i18n

    i18n.set_language("en")
    assert problems("") == ["The file holds no postcode areas with a score."]
    assert problems("pc4;score\n") == ["The file holds no postcode areas with a score."]
    assert problems(b"3583;1\n\xff\xfe") == ["The file is not text in UTF-8; save it as CSV (UTF-8) and load it again."]
    many = "".join(f"x{i};1\n" for i in range(30))
    with pytest.raises(AreaScoresError) as caught:
        parse_area_scores("pc4;score\n" + many)
    assert len(caught.value.problems) == 30
    assert str(caught.value).count("\n") == MAX_PROBLEMS
    assert str(caught.value).endswith("… and 10 more problems.")


def test_a_file_that_cannot_be_read(tmp_path):
    from broadtalk import i18n

    i18n.set_language("en")
    with pytest.raises(AreaScoresError) as caught:
        load_area_scores(tmp_path / "missing.csv")
    assert caught.value.problems[0].startswith("The file cannot be read: ")


def test_a_folder_a_pipe_or_a_huge_file_is_refused_without_being_read(tmp_path):
    import os

    from broadtalk import i18n
    from broadtalk.area_scores import MAX_BYTES, AreaScoresError, load_area_scores

    i18n.set_language("en")
    pipe = tmp_path / "scores.csv"
    os.mkfifo(pipe)  # reading it would wait for ever
    huge = tmp_path / "huge.csv"
    with huge.open("wb") as handle:
        handle.truncate(MAX_BYTES + 1)
    for path, says in (
        (tmp_path, "is a folder"),
        (pipe, "not an ordinary file"),
        (huge, "more than"),
        (tmp_path / "missing.csv", "cannot be read"),
    ):
        with pytest.raises(AreaScoresError) as refused:
            load_area_scores(path)
        assert says in refused.value.problems[0], refused.value.problems
