"""Issue 11, screens polish: a field of a domain page reached by its mnemonic or by Tab is scrolled into view."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from broadtalk import i18n
from broadtalk.forms.library import builtin_models
from broadtalk.ui.conversation.domain_page import DomainPage

MNEMONIC = re.compile(r"&([^&])")


def _model(model_id: str):
    return next(model for model in builtin_models() if model.id == model_id)


def _visible_in(page: DomainPage, widget: QWidget) -> bool:
    """The widget's whole height (or, when taller than the page, its top) lies inside the viewport."""
    viewport = page.viewport()
    top = widget.mapTo(viewport, widget.rect().topLeft()).y()
    bottom = top + min(widget.height(), viewport.height())
    return top >= 0 and bottom <= viewport.height()


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_own_words_field_reached_by_its_mnemonic_is_scrolled_into_view(qtbot, language):
    i18n.set_language(language)
    model = _model("positive-health")
    page = DomainPage(model, model.domains[0])
    qtbot.addWidget(page)
    page.resize(900, 280)  # a low window: the own-words field is wholly below the fold
    page.show()
    qtbot.waitExposed(page)
    page.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is page)
    page.focus_first_field()
    assert page.verticalScrollBar().value() == 0
    assert page.own_words.visibleRegion().isEmpty()
    label = page.own_words_label
    letter = MNEMONIC.search(label.text()).group(1)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key(ord(letter.upper())), Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is page.own_words)
    qtbot.waitUntil(lambda: _visible_in(page, page.own_words))
    # Typing lands in the field the practitioner can see.
    qtbot.keyClicks(page.own_words, "Ik wil weer fietsen")
    assert page.own_words.toPlainText() == "Ik wil weer fietsen"

    # The notes, by their mnemonic, further down.
    notes_letter = MNEMONIC.search(page.notes_label.text()).group(1)
    qtbot.keyClick(page.own_words, Qt.Key(ord(notes_letter.upper())), Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is page.notes)
    qtbot.waitUntil(lambda: _visible_in(page, page.notes))

    # And back up: the score (reached by Alt on its heading) shows again.
    if page.score is not None:
        page.score.setFocus(Qt.FocusReason.ShortcutFocusReason)
        qtbot.waitUntil(lambda: _visible_in(page, page.score))


def test_every_field_reached_by_tab_is_visible(qtbot):
    model = _model("positive-health")
    domain = max(model.domains, key=lambda d: len(d.items))  # the page with the most fields
    page = DomainPage(model, domain)
    qtbot.addWidget(page)
    page.resize(900, 360)
    page.show()
    qtbot.waitExposed(page)
    page.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is page)
    page.focus_first_field()
    seen: list[QWidget] = []
    for _press in range(60):
        widget = QApplication.focusWidget()
        if widget in seen or not page.widget().isAncestorOf(widget):
            break  # round the page (the scroll area itself takes the focus once, to scroll by keys)
        seen.append(widget)
        assert _visible_in(page, widget), type(widget).__name__
        # TextBoxes take Tab as focus change (not as a tab character).
        qtbot.keyClick(widget, Qt.Key.Key_Tab)
    assert page.own_words in seen and page.notes in seen and page.next_button in seen
