"""A conversation model as a FHIR R4 Questionnaire, so another system can read what was asked.

``questionnaire`` writes the model as it is: one ``group`` per life domain (linkId
``domain/<id>``) and one for the closing step (``section/closing``). A domain's group holds, in order,
its score when it is scored (``domain/<id>/score``, integer between the scale's ends, the
anchors as codings ``<domain id>/<value>``), the model's own items one to one (same linkId,
type, options with their weights as ``ordinalValue``, conditions as ``enableWhen``), and the
items every broadtalk conversation has: notes, the client's own words, important to the client,
the client's order of priority (models that rank the domains) and, when scored, the client's own
score and wish to talk about it. Generated linkIds hold a "/", which a model's linkId never does.

Texts are in the current language; the model's other languages travel as the standard
translation extension. Ids are stable: the same (model, version) gives the same Questionnaire.
"""

from __future__ import annotations

import math
import re
from typing import Any

from broadtalk.forms.schema import AnswerOption, ConversationModel, Domain, EnableWhen, Item, ItemType, LocalizedText
from broadtalk.i18n import _, pick
from broadtalk.interop import fhir
from broadtalk.interop.fhir import coding, compact, concept, text

DISPLAY_CATEGORY = "http://hl7.org/fhir/StructureDefinition/questionnaire-displayCategory"
DISPLAY_CATEGORY_SYSTEM = "http://hl7.org/fhir/questionnaire-display-category"
#: The closing step's group: a "/" in it, so no linkId of a model can be the same.
CLOSING = "section/closing"
#: Types that may carry ``maxLength`` (FHIR invariant que-10), of those broadtalk uses.
_MAX_LENGTH_TYPES = {ItemType.BOOLEAN, ItemType.DECIMAL, ItemType.INTEGER, ItemType.STRING, ItemType.TEXT}
_DATE = re.compile(r"\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?")


def questionnaire(model: ConversationModel) -> dict[str, Any]:
    """The model as a FHIR R4 Questionnaire (a dict as the JSON holds it), in the current language."""
    closing = [
        _own("closing/what-matters-most", "text", _("What matters most to the client"), "what-matters-most"),
        *(mapped for item in model.closing.items for mapped in _item(model, item)),
    ]
    return compact(
        {
            "resourceType": "Questionnaire",
            "id": fhir.stable_id("questionnaire", model.id, model.version),
            "language": fhir.language(),
            "url": fhir.questionnaire_url(model.id),
            "version": str(model.version),
            **_localized("title", model.title),
            "status": "active",
            "subjectType": ["Patient"],
            **_localized("description", model.description),
            "item": [
                *(_domain(model, domain) for domain in model.domains),
                {"linkId": CLOSING, "text": _("Closing"), "type": "group", "item": closing},
            ],
        }
    )


# -- texts ------------------------------------------------------------------------------------------


def _localized(key: str, texts: LocalizedText | None) -> dict[str, Any]:
    """``key`` in the current language and ``_key`` with the other languages as translations."""
    if not texts:
        return {}
    current = fhir.language()
    translations = [
        {
            "url": fhir.TRANSLATION,
            "extension": [{"url": "lang", "valueCode": lang}, {"url": "content", "valueString": text(value)}],
        }
        for lang, value in texts.items()
        if lang != current and text(value)
    ]
    return compact({key: text(pick(texts)), f"_{key}": {"extension": translations} if translations else None})


def _coding(system: str, code: str, display: LocalizedText | None = None) -> dict[str, Any]:
    """A Coding whose display is in the current language, with its translations."""
    return {**coding(system, code), **_localized("display", display)}


def _bounds(low: int | None, high: int | None) -> list[dict[str, Any]]:
    """The minValue and maxValue extensions of an integer item."""
    ends = ((fhir.MIN_VALUE, low), (fhir.MAX_VALUE, high))
    return [{"url": url, "valueInteger": value} for url, value in ends if value is not None]


# -- the life domains -------------------------------------------------------------------------------


def _own(
    link_id: str, kind: str, label: str, code: str | None = None, low: int | None = None, high: int | None = None
) -> dict[str, Any]:
    """An item every broadtalk conversation has, coded like the handover's Observations."""
    return compact(
        {
            "extension": _bounds(low, high),
            "linkId": link_id,
            "code": [coding(fhir.CODES, code, label)] if code else None,
            "text": text(label),
            "type": kind,
        }
    )


def _domain(model: ConversationModel, domain: Domain) -> dict[str, Any]:
    system = fhir.model_system(model.id)
    base = f"domain/{domain.id}"
    scale = model.scale_of(domain)
    items: list[dict[str, Any]] = []
    if scale is not None:
        score = {
            "extension": _bounds(scale.min, scale.max),
            "linkId": f"{base}/score",
            "code": [_coding(system, f"{domain.id}/{a.value}", a.label) for a in scale.anchors],
            **_localized("text", domain.title),
            "type": "integer",
        }
        items.append(compact(score))
    items += [mapped for item in domain.items for mapped in _item(model, item)]
    items += [
        _own(f"{base}/notes", "text", _("Notes (for the professional)")),
        _own(f"{base}/own-words", "text", _("The client's own words")),
        _own(f"{base}/important", "boolean", _("Important to the client"), "important"),
    ]
    if model.closing.rank_domains:
        rank = _("The client's order of priority")
        items.append(_own(f"{base}/rank", "integer", rank, "priority-rank", 1, len(model.domains)))
    if scale is not None:
        own_score = _("The client's own score")
        items.append(_own(f"{base}/client-score", "integer", own_score, "client-score", scale.min, scale.max))
        talk = _("The client wants to talk about this")
        items.append(_own(f"{base}/client-wants-to-talk", "boolean", talk, "client-wants-to-talk"))
    group = {
        "linkId": base,
        "code": [coding(system, domain.id, pick(domain.title))],
        **_localized("text", domain.title),
        "type": "group",
        "item": items,
    }
    return compact(group)


# -- the model's own items --------------------------------------------------------------------------


def _item(model: ConversationModel, item: Item) -> list[dict[str, Any]]:
    """The item, and after a display item its help (a display item may hold no items: que-1)."""
    system = fhir.model_system(model.id)
    display = item.type == ItemType.DISPLAY
    help_item = None
    if item.help:
        category = concept(coding(DISPLAY_CATEGORY_SYSTEM, "help", "Help"))
        help_item = compact(  # beside a display item it is plain text, not help for the group around it
            {
                "extension": None if display else [{"url": DISPLAY_CATEGORY, "valueCodeableConcept": category}],
                "linkId": f"{item.link_id}/help",
                **_localized("text", item.help),
                "type": "display",
            }
        )
    mapped = {
        "linkId": item.link_id,
        **_localized("text", item.text),
        "type": item.type.value,
        "enableWhen": [_condition(model, system, condition) for condition in item.enable_when],
        "enableBehavior": item.enable_behavior if len(item.enable_when) > 1 else None,
        "required": True if item.required and not display else None,
        "repeats": True if item.repeats and item.type == ItemType.CHOICE else None,
        "maxLength": item.max_length if item.type in _MAX_LENGTH_TYPES else None,
        "answerOption": [_option(system, o) for o in item.answer_options] if item.type == ItemType.CHOICE else None,
        "item": [help_item] if help_item and not display else None,
    }
    return [compact(mapped), help_item] if help_item and display else [compact(mapped)]


def _option(system: str, option: AnswerOption) -> dict[str, Any]:
    weight = option.weight
    ordinal = (
        [{"url": fhir.ORDINAL_VALUE, "valueDecimal": weight}] if weight is not None and math.isfinite(weight) else None
    )
    return compact({"extension": ordinal, "valueCoding": _coding(system, option.code, option.display)})


def _condition(model: ConversationModel, system: str, condition: EnableWhen) -> dict[str, Any]:
    """An enableWhen whose answer has the type of the item it looks at, as FHIR requires."""
    return {"question": condition.question, "operator": condition.operator, **_answer(model, system, condition)}


def _answer(model: ConversationModel, system: str, condition: EnableWhen) -> dict[str, Any]:
    answer, target = condition.answer, model.item(condition.question)
    kind = target.type if target is not None else None
    finite = isinstance(answer, int) or (isinstance(answer, float) and math.isfinite(answer))
    number = finite and not isinstance(answer, bool)
    if condition.operator == "exists":
        return {"answerBoolean": bool(answer)}
    if target is not None and kind == ItemType.CHOICE:
        option = target.option(str(answer))
        return {"answerCoding": coding(system, str(answer), pick(option.display) if option else None)}
    if kind == ItemType.INTEGER and number:
        if isinstance(answer, int) or float(answer).is_integer():
            return {"answerInteger": int(answer)}
        # A whole number compared with a fraction: the same test with the whole number beside it.
        if condition.operator in (">", "<="):
            return {"answerInteger": math.floor(float(answer))}
        if condition.operator in ("<", ">="):
            return {"answerInteger": math.ceil(float(answer))}
    if kind == ItemType.DECIMAL and number:
        return {"answerDecimal": answer}
    if kind == ItemType.DATE and isinstance(answer, str) and _DATE.fullmatch(answer):
        return {"answerDate": answer}
    if kind in (ItemType.STRING, ItemType.TEXT):
        return {"answerString": text(str(answer))}
    # The answer does not fit the item (the model's checks refuse this): typed by its own value.
    if isinstance(answer, bool):
        return {"answerBoolean": answer}
    if isinstance(answer, int):
        return {"answerInteger": answer}
    if isinstance(answer, float):
        return {"answerDecimal": answer}
    return {"answerString": text(answer)}
