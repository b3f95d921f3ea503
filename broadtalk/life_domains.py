"""Life-domain tags: one shared vocabulary between conversation models and the social map.

Models name their domains in their own way (the 4D "societal" domain, the matrix's "finances");
offerings on the social map say which life areas they help with. These tags connect the two,
so a flagged domain suggests the right offerings whatever model the conversation used.
"""

from __future__ import annotations

from collections.abc import Iterable

from broadtalk.forms.schema import ConversationModel, Domain
from broadtalk.i18n import N_, _
from broadtalk.text import fold

TAGS: dict[str, str] = {
    "body": N_("Physical health"),
    "mind": N_("Mental health"),
    "meaning": N_("Meaning and quality of life"),
    "participation": N_("Participation and daytime activity"),
    "work": N_("Work and education"),
    "daily-life": N_("Daily life and self-care"),
    "money": N_("Money and debts"),
    "housing": N_("Housing"),
    "network": N_("Family, friends and loneliness"),
    "substance-use": N_("Alcohol and drugs"),
    "justice": N_("Justice"),
}

#: Tags of the built-in models' domains (their published files stay as they are).
BUILTIN_DOMAIN_TAGS: dict[str, tuple[str, ...]] = {
    "bodily-functions": ("body",),
    "mental-wellbeing": ("mind",),
    "meaningfulness": ("meaning",),
    "quality-of-life": ("meaning",),
    "participation": ("participation",),
    # Positive Health's "daily life" covers money matters and work too (its description says so).
    "daily-functioning": ("daily-life", "money", "work"),
    "body": ("body",),
    "mind": ("mind",),
    "societal": ("money", "housing", "work", "participation"),
    "social": ("network",),
    "finances": ("money",),
    "work-education": ("work",),
    "daytime-activities": ("participation",),
    "housing": ("housing",),
    "domestic-relations": ("network",),
    "mental-health": ("mind",),
    "physical-health": ("body",),
    "substance-use": ("substance-use",),
    "basic-adl": ("daily-life",),
    "instrumental-adl": ("daily-life",),
    "social-network": ("network",),
    "community-participation": ("participation",),
    "justice": ("justice",),
}


def tag_label(tag: str) -> str:
    return _(TAGS[tag]) if tag in TAGS else tag


def tags_of(model: ConversationModel, domain: Domain) -> tuple[str, ...]:
    """The life-domain tags of a model's domain (custom models: by a domain id that is itself a tag)."""
    if domain.id in BUILTIN_DOMAIN_TAGS:
        return BUILTIN_DOMAIN_TAGS[domain.id]
    return (domain.id,) if domain.id in TAGS else ()


#: Word stems (Dutch and English, folded) that show which of a broad domain's tags a conversation
#: is about: "schulden" in the 4D domain "work, money and housing" puts debt help first.
TAG_WORDS: dict[str, tuple[str, ...]] = {
    "money": (
        "geld",
        "schuld",
        "rekening",
        "budget",
        "inkomen",
        "toeslag",
        "uitkering",
        "rondkomen",
        "betaalregeling",
        "incasso",
        "deurwaarder",
        "achterstand",
        "financ",
        "money",
        "debt",
        "bills",
        "income",
        "benefit",
        "budget",
    ),
    "housing": ("woning", "huur", "wonen", "woon", "huis", "schimmel", "housing", "rent", "home"),
    "work": ("werk", "baan", "school", "opleiding", "studie", "work", "job", "education"),
    "participation": ("vrijwillig", "dagbesteding", "meedoen", "volunteer", "daytime"),
    "network": ("eenzaam", "alleen", "vrienden", "familie", "lonely", "friends", "family"),
    "daily-life": ("huishoud", "administratie", "verzorg", "boodschap", "household", "paperwork", "self-care"),
}
#: The weight of a flagged domain's tag: named in what was said, the domain's main (first) tag, another.
NAMED, MAIN, OTHER = 3, 2, 1


def named_tags(tags: Iterable[str], text: str) -> tuple[str, ...]:
    """Those of ``tags`` whose words occur in ``text`` (own words, notes, answers, goals)."""
    folded = fold(text)
    return tuple(tag for tag in tags if any(word in folded for word in TAG_WORDS.get(tag, ())))


def weigh_tags(flagged: Iterable[tuple[tuple[str, ...], str]]) -> dict[str, int]:
    """Weights of the life-domain tags of the flagged domains, each given as (its tags, what was
    written in it): a tag the text names weighs most, else the domain's main (first) tag, then
    its others; a tag of several flagged domains adds up."""
    weights: dict[str, int] = {}
    for tags, text in flagged:
        named = named_tags(tags, text)
        for position, tag in enumerate(tags):
            if tag in named:
                weight = NAMED
            elif position == 0 and not named:
                weight = MAIN
            else:
                weight = OTHER
            weights[tag] = weights.get(tag, 0) + weight
    return weights
