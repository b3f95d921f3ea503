"""Rules that look across a whole conversation model; each broken rule is one Problem.

These run after the structural (pydantic) validation succeeded, and report every problem at
once with its path, so a practice adapting a model fixes a file in one pass.
"""

from __future__ import annotations

import re

from broadtalk.forms.schema import ConversationModel, Item, ItemType, LocalizedText, Scale
from broadtalk.forms.yamlsource import Path, Problem, SourceMap, yes_no_hint
from broadtalk.i18n import LANGUAGES, _

SLUG = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
NUMERIC_TYPES = {ItemType.INTEGER, ItemType.DECIMAL}


class _Collector:
    def __init__(self, source: SourceMap):
        self.source = source
        self.problems: list[Problem] = []

    def add(self, path: Path, message: str) -> None:
        self.problems.append(Problem(path, self.source.line_of(path), message))


def check_model(model: ConversationModel, source: SourceMap | None = None) -> list[Problem]:
    """Every cross-cutting problem in a structurally valid model (empty when it is sound)."""
    out = _Collector(source or SourceMap())
    languages = list(dict.fromkeys([*LANGUAGES, *model.languages]))

    def text(value: LocalizedText | None, path: Path) -> None:
        if value is None:
            return
        for language in languages:
            if not (value.get(language) or "").strip():
                out.add(
                    (*path, language), _("the text has no '{language}' translation; add one").format(language=language)
                )
        for language, words in value.items():
            if UNPRINTABLE.search(words or ""):
                out.add((*path, language), _("the text holds a control character or a broken character; retype it"))
        for language in value:
            if language not in languages:
                out.add(
                    (*path, language),
                    _(
                        "'{language}' is not one of the model's languages ({languages}); add it to 'languages' or remove it"
                    ).format(language=language, languages=", ".join(languages)),
                )

    def slug(value: str, path: Path) -> None:
        if not SLUG.match(value):
            out.add(
                path,
                _("'{value}' is not a valid identifier: use lowercase letters, digits, '-', '.' or '_'").format(
                    value=value
                ),
            )

    def scale(value: Scale | None, path: Path) -> None:
        if value is None:
            return
        if value.min >= value.max:
            out.add(
                (*path, "max"),
                _("the scale's max ({max}) must be greater than its min ({min})").format(max=value.max, min=value.min),
            )
            return
        seen: set[int] = set()
        for index, anchor in enumerate(value.anchors):
            anchor_path = (*path, "anchors", index)
            if not value.min <= anchor.value <= value.max:
                out.add(
                    (*anchor_path, "value"),
                    _("anchor value {value} lies outside the scale {min}-{max}").format(
                        value=anchor.value, min=value.min, max=value.max
                    ),
                )
            if anchor.value in seen:
                out.add((*anchor_path, "value"), _("anchor value {value} is given twice").format(value=anchor.value))
            seen.add(anchor.value)
            text(anchor.label, (*anchor_path, "label"))
            text(anchor.plain_label, (*anchor_path, "plainLabel"))
            text(anchor.description, (*anchor_path, "description"))
        for end in (value.min, value.max):
            if end not in seen:
                out.add(
                    (*path, "anchors"),
                    _("the scale needs an anchor label at its minimum and its maximum; {value} has none").format(
                        value=end
                    ),
                )

    slug(model.id, ("id",))
    text(model.title, ("title",))
    text(model.description, ("description",))
    scale(model.scale, ("scale",))

    # linkIds in document order, to check that conditions point backwards at real items.
    item_paths: list[tuple[Item, Path]] = []
    domain_ids: set[str] = set()
    for d_index, domain in enumerate(model.domains):
        d_path: Path = ("domains", d_index)
        slug(domain.id, (*d_path, "id"))
        if domain.id in domain_ids:
            out.add((*d_path, "id"), _("domain id '{id}' is used twice; ids must be unique").format(id=domain.id))
        domain_ids.add(domain.id)
        text(domain.title, (*d_path, "title"))
        text(domain.short_title, (*d_path, "shortTitle"))
        text(domain.plain_title, (*d_path, "plainTitle"))
        text(domain.client_question, (*d_path, "clientQuestion"))
        text(domain.description, (*d_path, "description"))
        if not COLOUR.match(domain.colour):
            out.add((*d_path, "colour"), _("colour '{value}' is not of the form #RRGGBB").format(value=domain.colour))
        if "scale" in domain.model_fields_set:
            scale(domain.scale, (*d_path, "scale"))
        for p_index, prompt in enumerate(domain.prompts):
            text(prompt, (*d_path, "prompts", p_index))
        item_paths += [(item, (*d_path, "items", i)) for i, item in enumerate(domain.items)]
    for p_index, prompt in enumerate(model.closing.prompts):
        text(prompt, ("closing", "prompts", p_index))
    item_paths += [(item, ("closing", "items", i)) for i, item in enumerate(model.closing.items)]

    earlier: dict[str, Item] = {}
    every_link_id = {item.link_id for item, _path in item_paths}
    for item, path in item_paths:
        slug(item.link_id, (*path, "linkId"))
        if item.link_id in earlier:
            out.add(
                (*path, "linkId"), _("linkId '{id}' is used twice; every item needs its own").format(id=item.link_id)
            )
        text(item.text, (*path, "text"))
        text(item.report_label, (*path, "reportLabel"))
        text(item.help, (*path, "help"))
        _check_options(item, path, out, text, slug)
        _check_conditions(item, path, earlier, every_link_id, out)
        earlier.setdefault(item.link_id, item)
    return out.problems


def _check_options(item: Item, path: Path, out: _Collector, text, slug) -> None:
    if item.type == ItemType.CHOICE and not item.answer_options:
        out.add((*path, "answerOptions"), _("a choice item needs answerOptions"))
    if item.type != ItemType.CHOICE and item.answer_options:
        out.add(
            (*path, "answerOptions"),
            _("answerOptions belong to choice items only; this item is of type '{type}'").format(type=item.type.value),
        )
    if item.repeats and item.type != ItemType.CHOICE:
        out.add((*path, "repeats"), _("'repeats' is only possible for choice items"))
    codes: set[str] = set()
    for index, option in enumerate(item.answer_options):
        option_path = (*path, "answerOptions", index)
        slug(option.code, (*option_path, "code"))
        if option.code in codes:
            out.add(
                (*option_path, "code"), _("option code '{code}' is used twice in this item").format(code=option.code)
            )
        codes.add(option.code)
        text(option.display, (*option_path, "display"))
    if item.type == ItemType.DISPLAY and item.required:
        out.add((*path, "required"), _("a display item has no answer and cannot be required"))


def _check_conditions(item: Item, path: Path, earlier: dict[str, Item], every: set[str], out: _Collector) -> None:
    for index, condition in enumerate(item.enable_when):
        c_path = (*path, "enableWhen", index)
        target = earlier.get(condition.question)
        if condition.question == item.link_id:
            out.add((*c_path, "question"), _("an item cannot depend on itself"))
            continue
        if target is None:
            if condition.question in every:
                message = _(
                    "the condition refers to '{id}', which comes later; conditions may only look at earlier items"
                )
            else:
                message = _("the condition refers to '{id}', but no item has that linkId")
            out.add((*c_path, "question"), message.format(id=condition.question))
            continue
        if target.type == ItemType.DISPLAY:
            out.add(
                (*c_path, "question"),
                _("'{id}' is a display item and has no answer to test").format(id=condition.question),
            )
            continue
        answer = condition.answer
        if condition.operator == "exists":
            if not isinstance(answer, bool):
                out.add((*c_path, "answer"), _("with operator 'exists' the answer must be true or false"))
        elif target.type == ItemType.CHOICE:
            if condition.operator not in ("=", "!="):
                out.add((*c_path, "operator"), _("choice answers can only be compared with '=' or '!='"))
            if isinstance(answer, bool):
                out.add((*c_path, "answer"), yes_no_hint())
            elif target.option(str(answer)) is None:
                codes = ", ".join(o.code for o in target.answer_options)
                out.add(
                    (*c_path, "answer"),
                    _("'{answer}' is not an option of '{id}'; use one of: {codes}").format(
                        answer=answer, id=target.link_id, codes=codes
                    ),
                )
        elif target.type == ItemType.BOOLEAN:
            if not isinstance(answer, bool) or condition.operator not in ("=", "!="):
                out.add((*c_path, "answer"), _("a yes/no item is tested with '=' or '!=' and true or false"))
        elif target.type in NUMERIC_TYPES:
            if isinstance(answer, bool) or not isinstance(answer, int | float):
                out.add(
                    (*c_path, "answer"), _("'{id}' holds a number; compare it with a number").format(id=target.link_id)
                )
        elif condition.operator not in ("=", "!="):
            out.add((*c_path, "operator"), _("text answers can only be compared with '=' or '!='"))


#: A control character (a terminal escape, a bell: Unicode category Cc) or half of a broken
#: character pair (an unpaired surrogate: Cs): never meant in a text, and harmful where it is
#: printed. Line breaks and tabs are text. One search per text: a model has tens of thousands
#: of characters, and checking each apart took most of the time of loading a cached model.
UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
