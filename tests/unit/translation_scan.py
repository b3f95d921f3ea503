"""A static scan of every ``_()``, ``N_()`` and ``ngettext()`` call against the gettext catalogs.

pybabel's extractor reads tokens, not the syntax tree: on Python 3.11 an f-string is one token,
so a ``_("...")`` inside ``f"..."`` is never extracted, never translated, and the Dutch user sees
English. This scan reads the AST instead (f-strings included) and reports, one line each:

(a) a literal passed to ``_()``, ``N_()`` or ``ngettext()`` (its first two arguments) that is not a
    msgid in ``broadtalk.pot``, or whose Dutch msgstr is missing, empty or fuzzy;
(b) a ``_()`` whose argument can never be extracted: an f-string, a ``+`` concatenation, ``%`` or
    ``.format()`` formatting, or any other expression. Translating a value declared with ``N_()``
    is fine: ``_(name)``, ``_(obj.attr)``, ``_(TABLE[key])``, ``_(TABLE.get(key, key))``; when
    ``TABLE``/``NAME`` is an UPPER_CASE module constant its values must be ``N_()`` calls;
    ``N_()`` and ``ngettext()`` take literals only;
(c) in the PDF renderers (``pdf=True``): a literal with words handed straight to ReportLab text
    (``Paragraph``, the ``_p`` helper, ``para_text``/``line_text``/``fit_line``, a canvas's
    ``drawString``/``drawRightString``/``drawCentredString``, a graphics ``String``) without
    ``_()``; markup and symbols (``<br/>``, ``•``, ``■``) are fine;
(d) a msgid missing from the English catalog (an empty English msgstr is fine: gettext falls back
    to the English msgid, which is how ``translations/en`` is kept today).
"""

from __future__ import annotations

import ast
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract
from babel.messages.pofile import read_po

#: The translation functions and how many leading arguments are msgids.
TRANSLATORS = {"_": 1, "N_": 1, "ngettext": 2}
#: ReportLab text sinks: the called name and the position of its text argument.
PDF_TEXT_SINKS = {
    "Paragraph": 0,
    "_p": 0,
    "para_text": 0,
    "line_text": 0,
    "fit_line": 0,
    "document_info": 0,
    "drawString": 2,
    "drawRightString": 2,
    "drawCentredString": 2,
    "String": 2,
}
PDF_TEXT_KEYWORDS = {"text", "bulletText"}
HAS_WORDS = re.compile(r"[A-Za-zÀ-ÿ]{2,}")
MARKUP = re.compile(r"<[^>]*>|&#?\w+;")
CONSTANT_NAME = re.compile(r"^_?[A-Z][A-Z0-9_]*$")

POT = Path("translations") / "broadtalk.pot"
PO = "translations/{language}/LC_MESSAGES/broadtalk.po"


@dataclass(frozen=True)
class Catalogs:
    pot: Catalog
    nl: Catalog
    en: Catalog

    @classmethod
    def load(cls, repo: Path) -> Catalogs:
        def read(path: Path, locale: str | None) -> Catalog:
            with path.open("rb") as fh:
                return read_po(fh, locale=locale)

        return cls(
            pot=read(repo / POT, None),
            nl=read(repo / PO.format(language="nl"), "nl"),
            en=read(repo / PO.format(language="en"), "en"),
        )


def quoted(text: str | tuple[str, ...], limit: int = 70) -> str:
    if isinstance(text, tuple):
        return " / ".join(quoted(t, limit // 2) for t in text)
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return '"' + text.replace("\n", "\\n").replace('"', '\\"') + '"'


def _code(node: ast.AST, limit: int = 80) -> str:
    text = " ".join(ast.unparse(node).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _is_str(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _has_words(text: str) -> bool:
    return bool(HAS_WORDS.search(MARKUP.sub(" ", text)))


def translator_name(call: ast.Call) -> str | None:
    """``_``/``N_``/``ngettext`` for ``_(...)`` and ``i18n._(...)``; None for any other call."""
    func = call.func
    if isinstance(func, ast.Name) and func.id in TRANSLATORS:
        return func.id
    if (
        isinstance(func, ast.Attribute)
        and func.attr in TRANSLATORS
        and isinstance(func.value, ast.Name)
        and func.value.id == "i18n"
    ):
        return func.attr
    return None


def pybabel_msgids(source: str) -> set[str]:
    """What ``make catalog`` extracts from this source (the singular of a plural)."""
    found = extract("python", io.BytesIO(source.encode("utf-8")), keywords=DEFAULT_KEYWORDS)
    return {message if isinstance(message, str) else message[0] for _line, message, _comments, _context in found}


def _walk(tree: ast.AST) -> Iterator[tuple[ast.AST, bool]]:
    """Every node with whether it sits inside an f-string (which pybabel on 3.11 does not read)."""
    stack: list[tuple[ast.AST, bool]] = [(tree, False)]
    while stack:
        node, in_fstring = stack.pop()
        yield node, in_fstring
        inner = in_fstring or isinstance(node, ast.JoinedStr)
        stack.extend((child, inner) for child in reversed(list(ast.iter_child_nodes(node))))


# -- module constants, for _(TABLE[key]) -----------------------------------------------------


@dataclass
class ModuleConstants:
    """Module-level ``NAME = value`` of every scanned module and what each module imports."""

    values: dict[str, dict[str, tuple[str, ast.expr]]]  # module -> name -> (file, value)
    imports: dict[str, dict[str, tuple[str, str]]]  # module -> local name -> (module, name)

    @classmethod
    def empty(cls) -> ModuleConstants:
        return cls({}, {})

    def add(self, module: str, filename: str, tree: ast.Module) -> None:
        values, imports = self.values.setdefault(module, {}), self.imports.setdefault(module, {})
        for statement in tree.body:
            if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
                target, value = statement.targets[0], statement.value
            elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
                target, value = statement.target, statement.value
            elif isinstance(statement, ast.ImportFrom) and statement.module and not statement.level:
                for alias in statement.names:
                    imports[alias.asname or alias.name] = (statement.module, alias.name)
                continue
            else:
                continue
            if isinstance(target, ast.Name):
                values[target.id] = (filename, value)

    def lookup(self, module: str, name: str) -> tuple[str, ast.expr] | None:
        for _hop in range(5):  # follow re-exports a few modules deep
            found = self.values.get(module, {}).get(name)
            if found is not None:
                return found
            if name not in self.imports.get(module, {}):
                return None
            module, name = self.imports[module][name]
        return None


def _bare_literals(value: ast.expr) -> Iterator[ast.Constant]:
    """Literals with words in a constant's value that are not marked with N_() (or _())."""
    if _is_str(value):
        if _has_words(value.value):  # type: ignore[attr-defined]
            yield value  # type: ignore[misc]
    elif isinstance(value, ast.Dict):
        for item in value.values:
            yield from _bare_literals(item)
    elif isinstance(value, ast.List | ast.Tuple | ast.Set):
        for item in value.elts:
            yield from _bare_literals(item)


def _root_name(node: ast.expr) -> str | None:
    """``TABLE`` of ``TABLE``, ``TABLE[key]``, ``TABLE.get(key, default)``."""
    if isinstance(node, ast.Subscript):
        node = node.value
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        node = node.func.value
    return node.id if isinstance(node, ast.Name) else None


# -- the scan --------------------------------------------------------------------------------


@dataclass
class Scanner:
    catalogs: Catalogs
    constants: ModuleConstants
    _extracted: set[str] = field(default_factory=set)

    def scan(self, source: str, filename: str, *, module: str = "", pdf: bool = False) -> list[str]:
        tree = ast.parse(source, filename)
        if module not in self.constants.values:
            self.constants.add(module, filename, tree)
        self._extracted = pybabel_msgids(source)
        problems: list[str] = []
        for node, in_fstring in _walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = translator_name(node)
            if name is not None:
                problems += self._translator_call(node, name, filename, module, in_fstring)
            elif pdf:
                problems += self._pdf_text(node, filename)
        return problems

    # (a), (b), (d)
    def _translator_call(self, call: ast.Call, name: str, filename: str, module: str, in_fstring: bool) -> list[str]:
        where = f"{filename}:{call.lineno}"
        count = TRANSLATORS[name]
        arguments = call.args[:count]
        if len(arguments) < count or any(isinstance(a, ast.Starred) for a in arguments) or call.keywords:
            return [f"{where}: (b) {_code(call)}: give the msgid as a positional string literal"]
        if all(_is_str(a) for a in arguments):
            values = tuple(a.value for a in arguments)  # type: ignore[attr-defined]
            return self._catalog_entry(values[0] if count == 1 else values, name, where, in_fstring)
        if name != "_":
            return [f"{where}: (b) {_code(call)}: {name}() takes string literals only, or pybabel cannot extract them"]
        return self._dynamic_argument(call, call.args[0], where, module)

    def _catalog_entry(self, msgid: str | tuple[str, ...], name: str, where: str, in_fstring: bool) -> list[str]:
        key = msgid[0] if isinstance(msgid, tuple) else msgid
        if not key:
            return [f'{where}: (b) {name}("") : an empty msgid returns the catalog header']
        issues: list[tuple[str, str]] = []
        in_pot = self.catalogs.pot.get(key)
        if in_pot is None:
            issues.append(("a", "not in translations/broadtalk.pot"))
        elif isinstance(in_pot.id, tuple) != isinstance(msgid, tuple) or (
            isinstance(msgid, tuple) and tuple(in_pot.id) != msgid
        ):
            issues.append(("a", f"broadtalk.pot has it as {quoted(in_pot.id)}"))
        dutch = self.catalogs.nl.get(key)
        if dutch is None:
            issues.append(("a", "not in the Dutch catalog"))
        else:
            strings = dutch.string if isinstance(dutch.string, tuple | list) else (dutch.string,)
            if dutch.fuzzy:
                issues.append(("a", "fuzzy in the Dutch catalog"))
            elif not all(strings):
                issues.append(("a", "no Dutch translation (empty msgstr)"))
        if self.catalogs.en.get(key) is None:
            issues.append(("d", "not in the English catalog"))
        if not issues:
            return []
        rules = ",".join(sorted({rule for rule, _text in issues}))
        text = "; ".join(text for _rule, text in issues)
        if key not in self._extracted:
            where_it_is = "inside an f-string" if in_fstring else "where pybabel cannot see it"
            text += f"; `make catalog` will NOT add it: the call sits {where_it_is}, move the {name}() out of it"
        elif in_pot is None:
            text += "; run `make catalog` and translate"
        return [f"{where}: ({rules}) {name}({quoted(msgid)}): {text}"]

    def _dynamic_argument(self, call: ast.Call, argument: ast.expr, where: str, module: str) -> list[str]:
        reason = None
        if isinstance(argument, ast.JoinedStr):
            reason = "an f-string"
        elif isinstance(argument, ast.BinOp) and isinstance(argument.op, ast.Add):
            reason = "a + concatenation"
        elif isinstance(argument, ast.BinOp) and isinstance(argument.op, ast.Mod):
            reason = "%-formatting"
        elif (
            isinstance(argument, ast.Call)
            and isinstance(argument.func, ast.Attribute)
            and argument.func.attr == "format"
        ):
            reason = ".format() inside _()"
        elif not (
            isinstance(argument, ast.Name | ast.Attribute | ast.Subscript)
            or (
                isinstance(argument, ast.Call)
                and isinstance(argument.func, ast.Attribute)
                and argument.func.attr == "get"
            )
        ):
            reason = f"a {type(argument).__name__} expression"
        if reason is not None:
            return [
                f"{where}: (b) {_code(call)}: {reason} is never extracted; "
                "translate a literal and format the result: _('… {x}').format(x=…)"
            ]
        problems = []
        if isinstance(argument, ast.Call):  # TABLE.get(key, "Default"): the default is shown too
            for default in argument.args[1:]:
                if _is_str(default) and _has_words(default.value):  # type: ignore[attr-defined]
                    problems.append(
                        f"{where}: (b) {_code(call)}: the default {quoted(default.value)} "  # type: ignore[attr-defined]
                        "is never extracted: mark it with N_()"
                    )
        root = _root_name(argument)
        if root is not None and CONSTANT_NAME.match(root):
            found = self.constants.lookup(module, root)
            if found is not None:
                filename, value = found
                for literal in _bare_literals(value):
                    problems.append(
                        f"{where}: (b) {_code(call)} translates {root}, but its value {quoted(literal.value)} "
                        f"({filename}:{literal.lineno}) is not marked with N_()"
                    )
        return problems

    # (c)
    def _pdf_text(self, call: ast.Call, filename: str) -> list[str]:
        func = call.func
        called = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        texts: list[ast.expr] = []
        if called in PDF_TEXT_SINKS:
            position = PDF_TEXT_SINKS[called]
            if len(call.args) > position:
                texts.append(call.args[position])
            texts += [k.value for k in call.keywords if k.arg in PDF_TEXT_KEYWORDS]
        problems = []
        for text in texts:
            literal = _literal_text(text)
            if literal is not None and _has_words(literal):
                problems.append(
                    f"{filename}:{text.lineno}: (c) {called}({_code(text, 60)}): "
                    "text goes into the PDF untranslated: wrap it in _()"
                )
        return problems


def _literal_text(node: ast.expr) -> str | None:
    """The literal part of a text expression (a translated call or a variable counts as none)."""
    if _is_str(node):
        return node.value  # type: ignore[attr-defined]
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if _is_str(v) else " " for v in node.values)  # type: ignore[attr-defined]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mod):
        return f"{_literal_text(node.left) or ''} {_literal_text(node.right) or ''}"
    if isinstance(node, ast.IfExp):
        return f"{_literal_text(node.body) or ''} {_literal_text(node.orelse) or ''}"
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in {"format", "join"}:
        return _literal_text(node.func.value)  # "Score: {n}".format(...) / "<br/>".join(...)
    return None


# -- the whole package -----------------------------------------------------------------------


def module_name(path: Path, repo: Path) -> str:
    parts = path.relative_to(repo).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def scan_package(repo: Path, package: str = "broadtalk", catalogs: Catalogs | None = None) -> list[str]:
    """Rules (a)-(d) over every module of the package, and (d) for the catalogs as a whole."""
    catalogs = catalogs or Catalogs.load(repo)
    paths = sorted((repo / package).rglob("*.py"))
    sources = {path: path.read_text(encoding="utf-8") for path in paths}
    constants = ModuleConstants.empty()
    for path, source in sources.items():  # first every module's constants: _(TABLE[k]) may import TABLE
        constants.add(module_name(path, repo), str(path.relative_to(repo)), ast.parse(source, str(path)))
    scanner = Scanner(catalogs, constants)
    problems = []
    for path, source in sources.items():
        relative = path.relative_to(repo)
        problems += scanner.scan(
            source,
            str(relative),
            module=module_name(path, repo),
            pdf=relative.parts[:2] == (package, "handover"),
        )
    return problems + catalog_problems(catalogs)


def catalog_problems(catalogs: Catalogs) -> list[str]:
    """(d) and (a) for the catalogs themselves: every msgid of broadtalk.pot in both languages."""
    problems = []
    for message in catalogs.pot:
        if not message.id:
            continue
        key = message.id[0] if isinstance(message.id, tuple | list) else message.id
        for language, catalog, rule in (("nl", catalogs.nl, "a"), ("en", catalogs.en, "d")):
            if catalog.get(key) is None:
                problems.append(
                    f"{PO.format(language=language)}: ({rule}) {quoted(key)} from broadtalk.pot is missing: "
                    "run `make catalog`"
                )
    return problems
