"""The built-in models' plain titles fit both ways the practice addresses the client.

The client view speaks to the client with "je" (as Positive Health's own tools do); the letters the
client takes home (the handover's copy, the one-page summary) use "u". A plain title is shown in
both, so in Dutch it names the subject without a pronoun: "Lichaam en gezondheid", never
"Uw lichaam" next to "Hoe gaat het met je lichaam?".
"""

from __future__ import annotations

import re

import pytest

from broadtalk.forms.library import builtin_models

PRONOUNS = re.compile(r"\b(u|uw|uzelf|je|jij|jou|jouw|jezelf)\b", re.IGNORECASE)


@pytest.mark.parametrize("model", builtin_models(), ids=lambda m: m.id)
def test_plain_titles_carry_no_form_of_address(model) -> None:
    for domain in model.domains:
        title = domain.plain().get("nl", "")
        assert title, f"{model.id}/{domain.id} has no Dutch plain title"
        assert not PRONOUNS.search(title), f"{model.id}/{domain.id}: {title!r} addresses the client"


@pytest.mark.parametrize("model", builtin_models(), ids=lambda m: m.id)
def test_questions_for_the_client_say_je_never_u(model) -> None:
    for domain in model.domains:
        question = domain.question_for_client().get("nl", "")
        assert question, f"{model.id}/{domain.id} has no Dutch question for the client"
        assert not re.search(r"\b(u|uw|uzelf)\b", question, re.IGNORECASE), f"{model.id}/{domain.id}: {question!r}"
