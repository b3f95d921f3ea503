"""Life-domain tags: one shared vocabulary between conversation models and the social map.

Models name their domains in their own way (the 4D "societal" domain, the matrix's "finances");
offerings on the social map say which life areas they help with. These tags connect the two,
so a flagged domain suggests the right offerings whatever model the conversation used.
"""

from __future__ import annotations

from broadtalk.forms.schema import ConversationModel, Domain
from broadtalk.i18n import N_, _

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
    "daily-functioning": ("daily-life",),
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
