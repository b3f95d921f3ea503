"""Model texts with terminal escape codes or unpaired surrogates are refused before anything is
saved (issue 10): they would be printed raw by `forms list`, or break it for good."""

from __future__ import annotations

from pathlib import Path

import pytest

from broadtalk.forms.loader import load_model_text
from broadtalk.i18n import _
from broadtalk.practitioners import Role
from tests.e2e.signing_in import demo_practice, signed_in
from tests.e2e.test_cli import run

SOURCE = (Path(__file__).resolve().parents[2] / "broadtalk/forms/builtin/four-domains.v1.yaml").read_text()
TITLE = "  nl: Vier domeinen (4D-model)"


def with_title(escaped: str) -> str:
    text = SOURCE.replace(TITLE, f'  nl: "{escaped}"', 1)
    return text.replace("id: four-domains", "id: eigen-vier", 1)


@pytest.mark.parametrize(
    "escaped", ["Vier \\e[31mdomeinen", "Vier \\ud800domeinen", "Vier\\x07domeinen", "Vier \\x9bdomeinen"]
)
def test_a_text_with_control_characters_or_a_lone_surrogate_is_refused_with_its_line(escaped):
    result = load_model_text(with_title(escaped), "eigen.yaml")
    assert not result.ok
    assert any(":14: title.nl:" in message for message in result.messages()), result.messages()
    assert any(
        _("the text holds a control character or a broken character; retype it") in message
        for message in result.messages()
    )


def test_line_breaks_and_tabs_in_a_description_are_fine():
    text = SOURCE.replace("id: four-domains", "id: eigen-vier", 1)
    assert load_model_text(text.replace(TITLE, '  nl: "Vier\\tdomeinen"', 1), "eigen.yaml").ok


def test_the_command_line_refuses_the_file_and_forms_list_keeps_working(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("BROADTALK_PASSPHRASE", "een lange wachtzin")
    model = tmp_path / "eigen.yaml"
    model.write_text(with_title("Vier \\ud800domeinen"), encoding="utf-8")
    db = str(tmp_path / "a.sqlite")
    numbers = demo_practice(tmp_path / "a.sqlite", "een lange wachtzin", clients=1)
    for name, value in signed_in(numbers[Role.ADMINISTRATOR]).items():  # importing models: administrators
        monkeypatch.setenv(name, value)
    code, _out, err = run(["--db", db, "forms", "import", str(model)], capsys)
    assert code == 1 and "Traceback" not in err
    code, out, err = run(["--db", db, "forms", "list", "--json"], capsys)
    assert code == 0, err
    assert "eigen-vier" not in out
