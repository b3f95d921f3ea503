"""Keyboard reach, accessible names, Qt's own dialogs in Dutch, dark palette and large type."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QAbstractButton, QApplication

from broadtalk import conversations as conv
from broadtalk.clients import ClientInput, create_client
from broadtalk.ui.app import install_qt_translator
from broadtalk.ui.conversation.conversation_page import ConversationPage
from tests.conftest import NOW


def _open_page(qtbot, db, actor, model_id: str, size: tuple[int, int] = (1200, 800)) -> ConversationPage:
    with db.transaction() as tx:
        client = create_client(tx, actor, ClientInput("Greet", "Visser", "03-03-1942"), now=NOW)
        cid = conv.start_conversation(tx, actor, client.id, model_id, 1).id
    widget = ConversationPage(db, actor, cid)
    qtbot.addWidget(widget)
    widget.resize(*size)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


@pytest.fixture
def page(qtbot, db, actor):
    return _open_page(qtbot, db, actor, "self-sufficiency")


def test_qt_standard_dialog_buttons_speak_dutch(qapp):
    translator = install_qt_translator(qapp)
    try:
        assert translator is not None
        assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "Annuleren"
    finally:
        qapp.removeTranslator(translator)


def test_tab_walks_a_domain_page_in_reading_order(qtbot, page):
    page.go_to("finances")
    domain = page.domain_pages["finances"]
    domain.score.setFocus()
    order = []
    widget = domain.score
    for _step in range(4):
        widget = widget.nextInFocusChain()
        while not (widget.focusPolicy() & Qt.FocusPolicy.TabFocus) or not widget.isVisible():
            widget = widget.nextInFocusChain()
        order.append(widget)
    assert order[0] is domain.important
    assert order[1] is domain.own_words
    assert domain.notes not in order[:2]


def test_every_button_and_custom_widget_has_a_name_for_screen_readers(page):
    page.go_to("finances")
    domain = page.domain_pages["finances"]
    assert domain.score.accessibleName()
    for button in page.findChildren(QAbstractButton):
        if button.objectName().startswith("qt_"):
            continue  # Qt's own helpers (a table's corner button) are not ours to name
        assert button.text().strip() or button.accessibleName().strip(), button
    assert page.steps.accessibleName()
    assert page.saved_label.accessibleName() and page.elapsed_label.accessibleName()


def test_the_score_can_be_chosen_with_the_keyboard_alone(qtbot, page, db, actor):
    page.go_to("housing")
    score = page.domain_pages["housing"].score
    score.setFocus()
    qtbot.keyClick(score, Qt.Key.Key_End)
    qtbot.keyClick(score, Qt.Key.Key_Left)
    assert score.value() == 4
    assert score.description.isVisible()  # the level's description is shown for the chosen score
    qtbot.keyClick(score, Qt.Key.Key_Delete)
    assert score.value() is None
    qtbot.keyClick(score, Qt.Key.Key_3)
    page.session.flush()
    with db.transaction() as tx:
        assert conv.load_conversation(tx, actor, page.conversation_id).scores() == {"housing": 3}


def _dark_palette() -> QPalette:
    palette = QPalette()
    palette.setColor(QPalette.ColorRole.Window, QColor("#1E1E1E"))
    palette.setColor(QPalette.ColorRole.Base, QColor("#252526"))
    palette.setColor(QPalette.ColorRole.Text, QColor("#E6E6E6"))
    palette.setColor(QPalette.ColorRole.WindowText, QColor("#E6E6E6"))
    palette.setColor(QPalette.ColorRole.Button, QColor("#333333"))
    palette.setColor(QPalette.ColorRole.ButtonText, QColor("#E6E6E6"))
    palette.setColor(QPalette.ColorRole.Highlight, QColor("#3D7BD9"))
    palette.setColor(QPalette.ColorRole.HighlightedText, QColor("#FFFFFF"))
    return palette


def test_a_dark_palette_keeps_text_readable(qtbot, db, actor):
    app = QApplication.instance()
    original = app.palette()
    app.setPalette(_dark_palette())
    try:
        page = _open_page(qtbot, db, actor, "positive-health", (1100, 800))
        page.go_to("participation")
        image = page.grab().toImage()
        corner = QColor(image.pixel(image.width() - 5, image.height() - 5))
        assert corner.lightnessF() < 0.3  # the background follows the dark palette
        title_colour = page.title.palette().color(QPalette.ColorRole.WindowText)
        assert title_colour.lightnessF() > 0.7  # and the text is light on it
    finally:
        app.setPalette(original)


def test_large_type_keeps_every_score_button_readable(qtbot, db, actor):
    app = QApplication.instance()
    original = app.font()
    large = QFont(original)
    large.setPointSizeF(original.pointSizeF() * 2)  # as at 200% text size
    app.setFont(large)
    try:
        page = _open_page(qtbot, db, actor, "positive-health", (1600, 1000))
        page.go_to("participation")
        score = page.domain_pages["participation"].score
        for button in score.group.buttons():
            needed = button.fontMetrics().horizontalAdvance(button.text())
            assert button.width() >= needed, button.text()
    finally:
        app.setFont(original)
