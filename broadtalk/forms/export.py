"""Plain-data views of a conversation model (for ``forms list --json`` and other tools)."""

from __future__ import annotations

from typing import Any

from broadtalk.forms.schema import ConversationModel, Item, Scale
from broadtalk.i18n import pick


def _scale(scale: Scale | None) -> dict[str, Any] | None:
    if scale is None:
        return None
    return {
        "min": scale.min,
        "max": scale.max,
        "anchors": [{"value": a.value, "label": pick(a.label)} for a in scale.anchors],
    }


def _item(item: Item) -> dict[str, Any]:
    data: dict[str, Any] = {
        "linkId": item.link_id,
        "type": item.type.value,
        "text": pick(item.text),
        "required": item.required,
    }
    if item.answer_options:
        data["repeats"] = item.repeats
        data["answerOptions"] = [
            {"code": o.code, "display": pick(o.display), "weight": o.weight} for o in item.answer_options
        ]
    if item.enable_when:
        data["enableWhen"] = [c.model_dump() for c in item.enable_when]
        data["enableBehavior"] = item.enable_behavior
    return data


def model_summary(model: ConversationModel, *, builtin: bool) -> dict[str, Any]:
    """id, version, title and the domains with their items, texts in the current language."""
    return {
        "id": model.id,
        "version": model.version,
        "title": pick(model.title),
        "builtin": builtin,
        "languages": model.languages,
        "rank_domains": model.closing.rank_domains,
        "domains": [
            {
                "id": domain.id,
                "title": pick(domain.title),
                "colour": domain.colour,
                "scale": _scale(model.scale_of(domain)),
                "items": [_item(item) for item in domain.items],
            }
            for domain in model.domains
        ],
        "closing_items": [_item(item) for item in model.closing.items],
    }
