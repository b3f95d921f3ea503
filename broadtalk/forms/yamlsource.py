"""Read YAML while remembering where every value stands, so errors can name the line.

PyYAML's safe loader is used for the grammar; the node tree is turned into plain Python here so
that each path (``("domains", 2, "items", 0, "type")``) maps to a line number. Duplicate keys
and aliases, which PyYAML accepts silently, are reported as problems.

That careful reading is slow (pure Python: a tenth of a second for the largest built-in model).
``parse_yaml_fast`` reads with libyaml and keeps no lines; it gives up on anything the careful
reader would report or read otherwise, so that a file with a problem is always read again by
``parse_yaml`` and every problem still names its line.
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


_ALIAS_TAG = "!broadtalk/refused-alias"


def _aliases_refused() -> str:
    return _("anchors, aliases and merge keys (&, *, <<) are not supported; write the value out")


def yes_no_hint() -> str:
    """YAML 1.1 turns unquoted yes/no/on/off into booleans; say so where a text was meant."""
    return _('YAML reads an unquoted yes, no, on or off as true or false; put it in quotes, e.g. "yes"')


class _Loader(yaml.SafeLoader):
    """A safe loader that turns every alias (*name) into a marked placeholder at the alias's own
    place, so the problem names the line where the alias is used, and nothing is shared."""

    def compose_node(self, parent, index):  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            event = self.get_event()
            return yaml.ScalarNode(_ALIAS_TAG, "", event.start_mark, event.end_mark)
        return super().compose_node(parent, index)


#: The value of a refused alias; validation skips it, so each alias gives one problem, not two.
REFUSED = object()


def refused_paths(data: Any, path: Path = ()) -> set[Path]:
    if data is REFUSED:
        return {path}
    if isinstance(data, dict):
        return set().union(*(refused_paths(v, (*path, k)) for k, v in data.items()))
    if isinstance(data, list):
        return set().union(*(refused_paths(v, (*path, i)) for i, v in enumerate(data)))
    return set()


#: libyaml, which PyYAML's wheels bring along; without it the careful reader does all the work.
HAVE_LIBYAML = hasattr(yaml, "CSafeLoader")

_STR, _MAP, _SEQ = "tag:yaml.org,2002:str", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"


class GiveUp(Exception):
    """``parse_yaml_fast`` cannot vouch for this text; read it with ``parse_yaml``."""


def parse_yaml_fast(text: str) -> Any:
    """The plain data of one YAML document, read with libyaml, without line numbers.

    Raises GiveUp where ``parse_yaml`` would report a problem or could read the text otherwise:
    no libyaml, a syntax error, an alias or merge key, a key that is not plain text or that comes
    twice in a mapping, an explicit tag on a mapping or list (``!!set``, ``!!omap``), a value that
    cannot be constructed. Where it gives an answer, it is the data ``parse_yaml`` gives."""
    if not HAVE_LIBYAML:
        raise GiveUp
    loader = yaml.CSafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None or not _plain_tree(node):
            raise GiveUp
        return loader.construct_document(node)
    except GiveUp:
        raise
    except Exception:  # a syntax error, a value that cannot be read, anything: the careful reader says what
        raise GiveUp from None
    finally:
        loader.dispose()


def _plain_tree(root: yaml.Node) -> bool:
    """Whether a node tree holds only what ``parse_yaml`` reads without a problem and to the same
    data: mappings and lists without tags, keys that are plain text and unique, no node twice
    (libyaml resolves an alias to the anchored node itself)."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            return False
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            if node.tag != _MAP:
                return False
            keys: set[str] = set()
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != _STR or key_node.value in keys:
                    return False
                if id(key_node) in seen:
                    return False
                seen.add(id(key_node))
                keys.add(key_node.value)
                stack.append(value_node)
        elif isinstance(node, yaml.SequenceNode):
            if node.tag != _SEQ:
                return False
            stack.extend(node.value)
    return True


def parse_yaml(text: str) -> tuple[Any, SourceMap, list[Problem]]:
    """Parse one YAML document into plain data, a source map and the problems found on the way."""
    source = SourceMap()
    problems: list[Problem] = []
    loader: _Loader | None = None
    try:
        loader = _Loader(text)
        node = loader.get_single_node()
        if node is None:
            return None, source, problems

        last_line = text.count("\n") + 1

        def line_of(mark: yaml.Mark) -> int:
            # An empty value at the end of the file is marked on the line after it; YAML also
            # breaks lines at characters that editors do not (U+0085): stay inside the file.
            return min(mark.line + 1, last_line)

        def scalar(node: yaml.Node, path: Path) -> Any:
            # YAML reads unquoted 2026-02-30 as a date and 5,000 digits as a number; Python refuses both.
            try:
                return loader.construct_object(node, deep=True)
            except (ValueError, OverflowError):
                problems.append(
                    Problem(
                        path,
                        line_of(node.start_mark),
                        _("this value cannot be read as a number or a date; put it in quotes if it is text"),
                    )
                )
                return REFUSED

        def build(node: yaml.Node, path: Path) -> Any:
            line = line_of(node.start_mark)
            source.lines.setdefault(path, line)
            if node.tag == _ALIAS_TAG:
                problems.append(
                    Problem(path, line, _("anchors and aliases (&, *) are not supported; write the value out"))
                )
                return REFUSED
            if isinstance(node, yaml.MappingNode):
                result: dict[Any, Any] = {}
                for key_node, value_node in node.value:
                    if key_node.tag == "tag:yaml.org,2002:merge":
                        problems.append(Problem(path, line_of(key_node.start_mark), _aliases_refused()))
                        continue
                    if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == _ALIAS_TAG:
                        problems.append(
                            Problem(
                                path,
                                line_of(key_node.start_mark),
                                _("a key must be a single word, not a list or mapping"),
                            )
                        )
                        continue
                    key = scalar(key_node, (*path, key_node.value))
                    key = key if isinstance(key, str) else str(key)
                    if key in result:
                        problems.append(
                            Problem(
                                (*path, key),
                                line_of(key_node.start_mark),
                                _("the key '{key}' appears twice; keep one").format(key=key),
                            )
                        )
                        continue
                    source.lines[(*path, key)] = line_of(key_node.start_mark)
                    result[key] = build(value_node, (*path, key))
                return result
            if isinstance(node, yaml.SequenceNode):
                return [build(child, (*path, index)) for index, child in enumerate(node.value)]
            return scalar(node, path)

        return build(node, ()), source, problems
    except yaml.MarkedYAMLError as error:
        # An unclosed quote or bracket is found at the end of the file; it opened at the context mark.
        at_end = "end of stream" in (error.problem or "")
        mark = (error.context_mark if at_end else None) or error.problem_mark or error.context_mark
        line = min(mark.line + 1, text.count("\n") + 1) if mark else None
        reason = error.problem or error.context or ""
        raise YamlSyntaxError(
            Problem(
                (), line, _("this is not valid YAML ({reason}); check indentation and quotes").format(reason=reason)
            )
        ) from None
    except yaml.reader.ReaderError as error:
        line = text[: error.position].count("\n") + 1
        code = f"U+{error.character:04X}" if isinstance(error.character, int) else str(error.character)
        raise YamlSyntaxError(
            Problem(
                (),
                line,
                _("the file holds a control character ({code}) that YAML does not allow; remove it").format(code=code),
            )
        ) from None
    except RecursionError:
        raise YamlSyntaxError(
            Problem((), None, _("the file is nested too deeply to be a conversation model"))
        ) from None
    except yaml.YAMLError as error:
        raise YamlSyntaxError(
            Problem((), None, _("this is not valid YAML ({reason})").format(reason=str(error)))
        ) from None
    finally:
        if loader is not None:
            loader.dispose()
