"""The schema of a conversation model, shaped after the FHIR R4 Questionnaire.

A conversation model is data: a YAML file validated by these pydantic classes. It groups
items (stable ``linkId``, FHIR item types, answer options with ordinal weights, enableWhen
conditions) into life domains. A domain may carry a score scale with anchor labels, or none
(qualitative models such as the 4D model). Every text is given per language (``nl`` and
``en``). A published (id, version) never changes: a change is a new version.

Optional texts are for the client only: a domain's ``plainTitle`` and an anchor's
``plainLabel`` name the domain and the ends of its scale in plain language (B1 Dutch) where the
professional's words are jargon ("Instrumentele ADL", "Volledig zelfredzaam"). They change how
a thing is *said* to the client, never what a score *means*; ``Domain.plain()`` and
``Anchor.plain()`` fall back to the professional's wording when none is given. A domain's
``clientQuestion`` is the question the client view puts to the client (read aloud on request);
``Domain.question_for_client()`` falls back to the domain's description.

Structural rules live here; rules that look across the model (unique linkIds, conditions that
point at real items, translations present, anchors inside the scale) live in ``checks.py`` so
that one run reports every problem at once.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from broadtalk.i18n import pick

#: A text per language, e.g. ``{nl: "Lichaam", en: "Body"}``.
LocalizedText = dict[str, str]

Identifier = Annotated[str, Field(min_length=1, max_length=64)]


class ItemType(StrEnum):
    """Item types, named as in FHIR Questionnaire.item.type."""

    DISPLAY = "display"  # text shown to the practitioner, no answer
    BOOLEAN = "boolean"
    INTEGER = "integer"
    DECIMAL = "decimal"
    DATE = "date"
    STRING = "string"  # one line
    TEXT = "text"  # several lines
    CHOICE = "choice"  # one of answerOptions (several when repeats is true)


class Strict(BaseModel):
    """Unknown fields are errors: a typo in a model file must not pass silently."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class AnswerOption(Strict):
    code: Identifier
    display: LocalizedText
    #: Ordinal weight (FHIR itemWeight), used for sums and comparisons over time.
    weight: float | None = None


class EnableWhen(Strict):
    """Show an item only when another item's answer meets a condition (FHIR enableWhen)."""

    question: Identifier
    operator: Literal["exists", "=", "!=", ">", "<", ">=", "<="]
    answer: bool | int | float | str


class Item(Strict):
    link_id: Identifier = Field(alias="linkId")
    type: ItemType
    text: LocalizedText
    #: How the item is named in a document for another professional, where ``text`` is a
    #: question put to the client ("Wil je hier iets mee doen?" is "Wil hier iets mee doen").
    report_label: LocalizedText | None = Field(default=None, alias="reportLabel")
    help: LocalizedText | None = None
    required: bool = False
    #: For choice items: several options may be chosen.
    repeats: bool = False
    answer_options: list[AnswerOption] = Field(default_factory=list, alias="answerOptions")
    enable_when: list[EnableWhen] = Field(default_factory=list, alias="enableWhen")
    enable_behavior: Literal["all", "any"] = Field(default="all", alias="enableBehavior")
    max_length: int | None = Field(default=None, alias="maxLength", ge=1)

    def document_label(self) -> LocalizedText:
        """The item's name in a handover: its neutral report label, else its text."""
        return self.report_label or self.text

    def option(self, code: str) -> AnswerOption | None:
        return next((o for o in self.answer_options if o.code == code), None)


class Anchor(Strict):
    """A labelled point on a score scale ("0 = very bad", or a ZRM level with its description)."""

    value: int
    label: LocalizedText
    #: The label in plain words for the client's copy, when ``label`` is jargon ("Volledig zelfredzaam").
    plain_label: LocalizedText | None = Field(default=None, alias="plainLabel")
    description: LocalizedText | None = None

    def plain(self) -> LocalizedText:
        """How this point of the scale is named to the client: the plain label, else the label."""
        return self.plain_label or self.label


class Scale(Strict):
    min: int
    max: int
    anchors: list[Anchor] = Field(default_factory=list)

    def anchor(self, value: int) -> Anchor | None:
        return next((a for a in self.anchors if a.value == value), None)


class Domain(Strict):
    id: Identifier
    title: LocalizedText
    #: A short label for charts and tabs when the title is long.
    short_title: LocalizedText | None = Field(default=None, alias="shortTitle")
    #: How the domain is named to the client, in plain language (B1 Dutch): "Politie en justitie"
    #: for "Justitie". Display only, for the client's own copy.
    plain_title: LocalizedText | None = Field(default=None, alias="plainTitle")
    description: LocalizedText
    #: The question put to the client in the client view, in plain language (B1 Dutch, "je"):
    #: "Hoe gaat het met je lichaam?". Display only, like ``plainTitle``.
    client_question: LocalizedText | None = Field(default=None, alias="clientQuestion")
    colour: str
    #: Overrides the model's scale; ``null`` makes this domain unscored in a scored model.
    scale: Scale | None = None
    prompts: list[LocalizedText] = Field(default_factory=list)
    items: list[Item] = Field(default_factory=list)

    def plain(self) -> LocalizedText:
        """How this domain is named to the client: the plain title, else the title."""
        return self.plain_title or self.title

    def question_for_client(self) -> LocalizedText:
        """What the client view asks about this domain: the client question, else the description."""
        return self.client_question or self.description


class Closing(Strict):
    """The closing step: what matters most, goals and actions, optionally a ranking of domains."""

    #: The person puts the domains in the order they want to work on them (4D model).
    rank_domains: bool = Field(default=False, alias="rankDomains")
    prompts: list[LocalizedText] = Field(default_factory=list)
    items: list[Item] = Field(default_factory=list)


class ConversationModel(Strict):
    id: Identifier
    #: A whole number (not true, not "1"), small enough for any database.
    version: int = Field(ge=1, le=1_000_000, strict=True)
    title: LocalizedText
    description: LocalizedText
    #: Languages every text must be given in. Dutch and English are always required.
    languages: list[str] = Field(default_factory=lambda: ["nl", "en"])
    #: The default scale of every domain; absent for qualitative models.
    scale: Scale | None = None
    #: Who gives the scores: the client (self-rating) or a trained professional.
    scored_by: Literal["client", "professional"] = Field(default="client", alias="scoredBy")
    domains: list[Domain] = Field(min_length=1)
    closing: Closing = Field(default_factory=Closing)

    # -- derived views, used by the core and the UI ------------------------------------------

    def domain(self, domain_id: str) -> Domain | None:
        return next((d for d in self.domains if d.id == domain_id), None)

    def scale_of(self, domain: Domain) -> Scale | None:
        """The scale a domain is scored on, or None when it is not scored."""
        if "scale" in domain.model_fields_set:
            return domain.scale
        return self.scale

    @property
    def is_scored(self) -> bool:
        return any(self.scale_of(d) is not None for d in self.domains)

    def all_items(self) -> list[Item]:
        items = [item for d in self.domains for item in d.items]
        return items + list(self.closing.items)

    def item(self, link_id: str) -> Item | None:
        return next((i for i in self.all_items() if i.link_id == link_id), None)

    def domain_of_item(self, link_id: str) -> Domain | None:
        return next((d for d in self.domains if any(i.link_id == link_id for i in d.items)), None)

    def display_title(self, language: str | None = None) -> str:
        return pick(self.title, language)

    @staticmethod
    def domain_label(domain: Domain, language: str | None = None) -> str:
        """The short title where there is one (charts, tabs), else the title."""
        return pick(domain.short_title or domain.title, language)

    @property
    def key(self) -> tuple[str, int]:
        return (self.id, self.version)
