"""Every user-visible string in the GUI goes through the translation function.

Scans the source of ``broadtalk/ui`` for text handed to Qt (labels, buttons, titles, tooltips,
accessible names, message boxes, menu entries) as a bare string literal or an f-string, and
fails naming file and line. Symbols and proper names that are the same in every language are
allowed explicitly below.
"""

from __future__ import annotations

import ast
import re

from tests.conftest import REPO

UI = REPO / "broadtalk" / "ui"

TEXT_METHODS = {
    "setText",
    "setWindowTitle",
    "setPlaceholderText",
    "setToolTip",
    "setStatusTip",
    "setWhatsThis",
    "setAccessibleName",
    "setAccessibleDescription",
    "showMessage",
    "addItem",
    "addMenu",
    "setLabelText",
    "setCancelButtonText",
    "setTitle",
    "setHeaderLabels",
    "setHorizontalHeaderLabels",
    "information",
    "warning",
    "critical",
    "question",
    "about",
}
TEXT_CLASSES = {
    "QLabel",
    "QPushButton",
    "QToolButton",
    "QCheckBox",
    "QRadioButton",
    "QAction",
    "QGroupBox",
    "QMenu",
    "QProgressDialog",
}
#: Strings that read the same in Dutch and English (names, symbols, the product's own name).
SAME_IN_EVERY_LANGUAGE = {"broadtalk", "Nederlands", "English", "–", "•", "★", " · ★", "…"}
HAS_WORDS = re.compile(r"[A-Za-zÀ-ÿ]{2,}")


def _called_name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def _is_logger_call(call: ast.Call) -> bool:
    func = call.func
    return (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and func.value.id in {"log", "logger", "logging"}
    )


def _untranslated(node: ast.AST) -> bool:
    """A bare literal or f-string with words in it (a translated call `_()` is fine)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value not in SAME_IN_EVERY_LANGUAGE and bool(HAS_WORDS.search(node.value))
    if isinstance(node, ast.JoinedStr):
        literal = "".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))
        return bool(HAS_WORDS.search(literal))
    if isinstance(node, ast.List | ast.Tuple):
        return any(_untranslated(element) for element in node.elts)
    return False


def find_untranslated(source: str, filename: str) -> list[str]:
    problems = []
    for node in ast.walk(ast.parse(source, filename)):
        if not isinstance(node, ast.Call):
            continue
        name = _called_name(node)
        if name not in TEXT_METHODS and name not in TEXT_CLASSES:
            continue
        if _is_logger_call(node):  # log.warning(...) goes to the log file, in English, never to a screen
            continue
        # addItem(text, data): the data (a code like 'en') is not shown.
        arguments = node.args[:1] if name == "addItem" else [*node.args, *(k.value for k in node.keywords)]
        for argument in arguments:
            if _untranslated(argument):
                problems.append(f"{filename}:{argument.lineno}: {ast.unparse(argument)[:60]}")
    return problems


def test_every_text_handed_to_qt_is_translated():
    problems = []
    for path in sorted(UI.rglob("*.py")):
        problems += find_untranslated(path.read_text(encoding="utf-8"), str(path.relative_to(REPO)))
    assert not problems, "wrap these in _():\n" + "\n".join(problems)


def test_the_scan_catches_bare_literals_and_f_strings():
    source = (
        "label = QLabel('Opgeslagen')\n"
        "button.setText(f'Saved {time}')\n"
        "box.setToolTip(_('Fine'))\n"
        "combo.addItem('English', 'en')\n"
        "QMessageBox.warning(self, 'Oops', _('fine'))\n"
        "log.warning('backup failed: %s', kind)\n"
    )
    problems = find_untranslated(source, "example.py")
    assert [p.split(":")[1] for p in problems] == ["1", "2", "5"]
