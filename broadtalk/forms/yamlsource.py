"""Read YAML while remembering where every value stands, so errors can name the line.

PyYAML's safe loader is used for the grammar; the node tree is turned into plain Python here so
that each path (``("domains", 2, "items", 0, "type")``) maps to a line number. Duplicate keys
and aliases, which PyYAML accepts silently, are reported as problems.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from broadtalk.i18n import _

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a model file: where (path, line) and what."""

    path: Path
    line: int | None
    message: str

    def dotted_path(self) -> str:
        text = ""
        for part in self.path:
            text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
        return text


@dataclass
class SourceMap:
    """Line numbers (1-based) of the values and keys of a YAML document, by path."""

    lines: dict[Path, int] = field(default_factory=dict)

    def line_of(self, path: Path) -> int | None:
        """The line of a path, or of its nearest parent that has one (a missing key's mapping)."""
        path = tuple(path)
        while True:
            if path in self.lines:
                return self.lines[path]
            if not path:
                return None
            path = path[:-1]


class YamlSyntaxError(Exception):
    def __init__(self, problem: Problem):
        super().__init__(problem.message)
        self.problem = problem


def parse_yaml(text: str) -> tuple[Any, SourceMap, list[Problem]]:
    """Parse one YAML document into plain data, a source map and the problems found on the way."""
    source = SourceMap()
    problems: list[Problem] = []
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, source, problems
        seen: set[int] = set()

        def build(node: yaml.Node, path: Path) -> Any:
            source.lines.setdefault(path, node.start_mark.line + 1)
            if id(node) in seen:
                problems.append(
                    Problem(
                        path,
                        node.start_mark.line + 1,
                        _("anchors and aliases (&, *) are not supported; write the value out"),
                    )
                )
                return None
            seen.add(id(node))
            if isinstance(node, yaml.MappingNode):
                loader.flatten_mapping(node)
                result: dict[Any, Any] = {}
                for key_node, value_node in node.value:
                    if not isinstance(key_node, yaml.ScalarNode):
                        problems.append(Problem(path, key_node.start_mark.line + 1, _("a key must be a plain word")))
                        continue
                    key = loader.construct_object(key_node)
                    key = key if isinstance(key, str) else str(key)
                    if key in result:
                        problems.append(
                            Problem(
                                (*path, key),
                                key_node.start_mark.line + 1,
                                _("the key '{key}' appears twice; keep one").format(key=key),
                            )
                        )
                        continue
                    source.lines[(*path, key)] = key_node.start_mark.line + 1
                    result[key] = build(value_node, (*path, key))
                return result
            if isinstance(node, yaml.SequenceNode):
                return [build(child, (*path, index)) for index, child in enumerate(node.value)]
            return loader.construct_object(node, deep=True)

        return build(node, ()), source, problems
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else None
        reason = error.problem or error.context or ""
        raise YamlSyntaxError(
            Problem(
                (), line, _("this is not valid YAML ({reason}); check indentation and quotes").format(reason=reason)
            )
        ) from None
    except yaml.YAMLError as error:
        raise YamlSyntaxError(
            Problem((), None, _("this is not valid YAML ({reason})").format(reason=str(error)))
        ) from None
    finally:
        loader.dispose()
