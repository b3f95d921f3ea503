"""Evaluate FHIR-style enableWhen conditions against the answers given so far.

Pure functions: the GUI calls them on every change to show and hide items live, the core
calls them to drop answers of hidden items when a conversation is completed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from broadtalk.forms.schema import ConversationModel, EnableWhen, Item


def _has_answer(value: Any) -> bool:
    return value not in (None, "", [])


def _test(condition: EnableWhen, value: Any) -> bool:
    if condition.operator == "exists":
        return _has_answer(value) == bool(condition.answer)
    if not _has_answer(value):
        return condition.operator == "!="
    values = value if isinstance(value, list) else [value]  # repeating choices: any chosen one
    expected = condition.answer
    try:
        if condition.operator == "=":
            return any(v == expected for v in values)
        if condition.operator == "!=":
            return all(v != expected for v in values)
        comparisons = {
            ">": lambda a: a > expected,
            "<": lambda a: a < expected,
            ">=": lambda a: a >= expected,
            "<=": lambda a: a <= expected,
        }
        return any(comparisons[condition.operator](v) for v in values)
    except TypeError:
        return False


def is_enabled(model: ConversationModel, item: Item, answers: Mapping[str, Any]) -> bool:
    """Whether an item is shown, given the answers so far (an item behind a hidden item is hidden)."""
    return _is_enabled(model, item, answers, depth=0)


def _is_enabled(model: ConversationModel, item: Item, answers: Mapping[str, Any], depth: int) -> bool:
    if not item.enable_when:
        return True
    if depth > 50:  # conditions only point backwards, so this is a safety net, not a feature
        return False
    results = []
    for condition in item.enable_when:
        source = model.item(condition.question)
        # A condition on a hidden item is never met: a branch that is closed stays closed.
        source_shown = source is not None and _is_enabled(model, source, answers, depth + 1)
        results.append(source_shown and _test(condition, answers.get(condition.question)))
    return all(results) if item.enable_behavior == "all" else any(results)


def enabled_link_ids(model: ConversationModel, answers: Mapping[str, Any]) -> set[str]:
    return {item.link_id for item in model.all_items() if is_enabled(model, item, answers)}
