"""The architecture stays easy to see: checked on the source, so a change that breaks a rule
fails here with the place named.

- no import cycles between broadtalk's modules (lazy imports inside functions count too);
- Qt is imported only under ``broadtalk/ui/``;
- no private name (``_name``) is imported from another module.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "broadtalk"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports() -> dict[str, list[tuple[int, str, list[str]]]]:
    """Per module: (line, imported module, imported names) for every import of a broadtalk module."""
    found: dict[str, list[tuple[int, str, list[str]]]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rows = found.setdefault(_module_name(path), [])
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [a.name for a in node.names]
                if node.module == "broadtalk":
                    rows += [(node.lineno, f"broadtalk.{name}", []) for name in names]
                else:
                    rows.append((node.lineno, node.module, names))
            elif isinstance(node, ast.Import):
                rows += [(node.lineno, a.name, []) for a in node.names]
    return found


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    return components


def test_there_are_no_import_cycles():
    imports = _imports()
    graph = {m: {target for _line, target, _names in rows if target in imports} for m, rows in imports.items()}
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_qt_is_imported_only_under_ui():
    outside = [
        f"{module}:{line}: {target}"
        for module, rows in _imports().items()
        if not module.startswith("broadtalk.ui")
        for line, target, _names in rows
        if target.split(".")[0] in ("PySide6", "shiboken6")
    ]
    assert outside == []


def test_no_private_name_is_imported_from_another_module():
    private = [
        f"{module}:{line}: {name} from {target}"
        for module, rows in _imports().items()
        for line, target, names in rows
        if target.startswith("broadtalk")
        for name in names
        if name.startswith("_") and not name.startswith("__") and name != "_"
    ]
    assert private == []
