"""Every user-visible string goes through the translation function, and every translation exists.

Two scans of the source, both failing with one line per problem naming file and line:

- ``broadtalk/ui``: text handed to Qt (labels, buttons, titles, tooltips, accessible names,
  message boxes, menu entries) as a bare string literal or an f-string. Symbols and proper names
  that are the same in every language are allowed explicitly below.
- all of ``broadtalk/`` (``tests/unit/translation_scan.py``): every ``_()``/``N_()``/``ngettext()``
  literal, also inside f-strings where pybabel (Python 3.11) does not look, is in broadtalk.pot
  and translated in Dutch (a); ``_()`` never gets an f-string or concatenation (b); the PDF
  renderers hand no bare English to ReportLab (c); the English catalog has every msgid (d).
"""

from __future__ import annotations

import ast
import re

from babel.messages.catalog import Catalog

from tests.conftest import REPO
from tests.unit.translation_scan import Catalogs, ModuleConstants, Scanner, catalog_problems, scan_package

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


# -- the catalog scan over all of broadtalk/ ---------------------------------------------------


def test_every_translatable_string_is_extracted_and_translated():
    problems = scan_package(REPO)
    assert not problems, (
        f"{len(problems)} translation problems (rules (a)-(d): see tests/unit/translation_scan.py):\n"
        + "\n".join(problems)
    )


def make_catalogs(dutch: dict, *, fuzzy: tuple = (), not_in_english: tuple = ()) -> Catalogs:
    """broadtalk.pot, nl and en in memory: ``dutch`` maps msgid (a tuple for a plural) to msgstr."""
    pot, nl, en = Catalog(), Catalog(locale="nl"), Catalog(locale="en")
    for msgid, msgstr in dutch.items():
        empty = ("", "") if isinstance(msgid, tuple) else ""
        pot.add(msgid, empty)
        nl.add(msgid, msgstr, flags=("fuzzy",) if msgid in fuzzy else ())
        if msgid not in not_in_english:
            en.add(msgid, empty)  # an empty English msgstr falls back to the msgid: fine
    return Catalogs(pot=pot, nl=nl, en=en)


CATALOGS = make_catalogs(
    {
        "Goals": "Doelen",
        "Routine": "Gewoon",
        "Urgent": "Spoed",
        "Page {page}": "Pagina {page}",
        ("{n} goal", "{n} goals"): ("{n} doel", "{n} doelen"),
        "Untranslated": "",
        "Half done": "Half klaar",
        "Only Dutch": "Alleen Nederlands",
    },
    fuzzy=("Half done",),
    not_in_english=("Only Dutch",),
)


def scan(source: str, catalogs: Catalogs = CATALOGS, *, pdf: bool = False) -> list[str]:
    return Scanner(catalogs, ModuleConstants.empty()).scan(source, "example.py", pdf=pdf)


def found(problems: list[str]) -> list[tuple[int, str]]:
    """(line, rules) of each problem, e.g. (3, "a,d")."""
    return [(int(p.split(":")[1]), p.split("(", 1)[1].split(")", 1)[0]) for p in problems]


def test_the_scan_catches_a_translation_hidden_in_an_f_string():
    """The bug that printed '★ important to the client' in a Dutch letter."""
    source = (
        "title = para_text(domain.title)\n"
        "if domain.important:\n"
        "    title += f'<font>★ {para_text(_(\"important to the client\"))}</font>'\n"
        "parts = [Paragraph(title, styles.subheading)]\n"
    )
    problems = scan(source, pdf=True)
    assert found(problems) == [(3, "a,d")], problems
    assert '"important to the client"' in problems[0]
    assert "not in translations/broadtalk.pot" in problems[0]
    assert "inside an f-string" in problems[0]


def test_rule_a_every_literal_is_in_the_catalog_and_translated_in_dutch():
    source = (
        "_('Goals')\n"  # fine
        "_('Missing')\n"  # 2: not in the catalogs
        "N_('Not marked either')\n"  # 3
        "_('Untranslated')\n"  # 4: empty Dutch msgstr
        "_('Half done')\n"  # 5: fuzzy
        "show(label(_('Nested'), i18n._('Goals')))\n"  # 6: nested call, i18n._ too
        "ngettext('{n} goal', '{n} goals', n)\n"  # fine
        "ngettext('{n} goal', '{n} aims', n)\n"  # 8: another plural than the catalog's
        'text = f\'{_("Page {page}").format(page=1)} {ngettext("{n} step", "{n} steps", 2)}\'\n'  # 9
        "x = {'a': f'{_(\"Goals\")}: {N_(\"Lost\")}'}\n"  # 10: in the catalog (fine) / not (Lost)
    )
    problems = scan(source)
    assert found(problems) == [
        (2, "a,d"),
        (3, "a,d"),
        (4, "a"),
        (5, "a"),
        (6, "a,d"),
        (8, "a"),
        (9, "a,d"),
        (10, "a,d"),
    ]
    assert "no Dutch translation" in problems[2]
    assert "fuzzy" in problems[3]
    assert '"Nested"' in problems[4]
    assert '"{n} goal" / "{n} goals"' in problems[5]
    assert "step" in problems[6] and "inside an f-string" in problems[6]
    assert '"Lost"' in problems[7]


def test_rule_b_only_literals_or_values_declared_with_n_are_translated():
    source = (
        "URGENCIES = {'routine': N_('Routine'), 'urgent': N_('Urgent')}\n"
        "PLAIN = {'a': 'Not marked'}\n"
        "_(URGENCIES.get(code, code))\n"  # fine
        "_(URGENCIES[code])\n"  # fine
        "_(label)\n"  # fine: a variable that holds an N_() value
        "_(self.title)\n"  # fine
        "_(f'Hello {name}')\n"  # 7
        "_('Goals' + suffix)\n"  # 8
        "_('Page %s' % page)\n"  # 9
        "_('Page {page}'.format(page=page))\n"  # 10
        "_(first or 'Goals')\n"  # 11
        "_(PLAIN['a'])\n"  # 12: PLAIN's value is not marked
        "_(URGENCIES.get(code, 'Unknown'))\n"  # 13: the default is not marked
        "N_(name)\n"  # 14
        "ngettext(one, many, n)\n"  # 15
        "_(x.get(k) + '!')\n"  # 16
    )
    problems = scan(source)
    assert found(problems) == [(line, "b") for line in range(7, 17)], problems
    assert "f-string" in problems[0]
    assert "concatenation" in problems[1]
    assert "%-formatting" in problems[2]
    assert ".format()" in problems[3]
    assert '"Not marked" (example.py:2) is not marked with N_()' in problems[5]
    assert '"Unknown"' in problems[6]


def test_rule_b_follows_a_table_imported_from_another_module():
    constants = ModuleConstants.empty()
    constants.add("pkg.labels", "pkg/labels.py", ast.parse("GOOD = {'a': N_('Goals')}\nBAD = ('Plain',)\n"))
    scanner = Scanner(CATALOGS, constants)
    source = "from pkg.labels import BAD, GOOD\n_(GOOD['a'])\n_(BAD[0])\n"
    problems = scanner.scan(source, "pkg/view.py", module="pkg.view")
    assert found(problems) == [(3, "b")], problems
    assert "pkg/labels.py:2" in problems[0]


def test_rule_c_the_pdf_hands_reportlab_no_untranslated_text():
    source = (
        "_p(_('Goals'), styles.heading)\n"  # fine
        "_p('Goals', styles.heading)\n"  # 2
        "Paragraph('Confidential', styles.body)\n"  # 3
        "Paragraph(f'<b>Score:</b> {score}', styles.body)\n"  # 4
        "canvas.drawRightString(x, y, 'Page ' + str(page))\n"  # 5
        "canvas.drawString(x, y, text='Personal')\n"  # 6
        "group.add(String(x, y, 'Scale', fontName=FONT))\n"  # 7
        "Paragraph(item, styles.bullet, bulletText='Item')\n"  # 8
        "Paragraph('<br/>'.join(lines), styles.body)\n"  # fine: markup only
        "Paragraph(f'<font color=\"{hex}\">■</font>', cell)\n"  # fine
        "Paragraph(para_text(item), styles.bullet, bulletText='•')\n"  # fine
        "canvas.drawCentredString(x, y, '–')\n"  # fine
        "Paragraph(f'<b>{para_text(_(\"Goals\"))}</b> {value}', styles.body)\n"  # fine
        "canvas.setFont('Helvetica-Bold', 9)\n"  # fine: not text
        "Paragraph('&nbsp;', styles.body)\n"  # fine: an entity
    )
    problems = scan(source, pdf=True)
    assert found(problems) == [(line, "c") for line in range(2, 9)], problems
    assert scan(source, pdf=False) == []  # (c) is for the PDF renderers only


def test_rule_d_every_msgid_is_in_the_english_catalog():
    problems = scan("_('Only Dutch')\n_('Goals')\n")
    assert found(problems) == [(1, "d")], problems
    assert "not in the English catalog" in problems[0]
    assert catalog_problems(CATALOGS) == [
        'translations/en/LC_MESSAGES/broadtalk.po: (d) "Only Dutch" from broadtalk.pot is missing: run `make catalog`'
    ]
