"""Issue 11, screens polish: the self-sufficiency matrix's steps wrap their long names instead of
needing a horizontal scrollbar, at 1200 × 800 and in the narrow list of a 200% screen."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QApplication

from broadtalk import conversations as conv
from broadtalk import i18n
from broadtalk.clients import ClientInput, create_client
from broadtalk.ui.conversation.conversation_page import ConversationPage
from tests.conftest import NOW


def _open(qtbot, db, actor, size: tuple[int, int]) -> ConversationPage:
    with db.transaction() as tx:
        client_id = create_client(tx, actor, ClientInput("Greet", "Visser", "03-03-1942"), now=NOW).id
        conversation_id = conv.start_conversation(tx, actor, client_id, "self-sufficiency", 1).id
    page = ConversationPage(db, actor, conversation_id)
    qtbot.addWidget(page)
    page.resize(*size)
    page.show()
    qtbot.waitExposed(page)
    page.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is page)
    return page


@pytest.mark.parametrize(
    ("language", "size"),
    [("nl", (1200, 800)), ("en", (1200, 800)), ("nl", (600, 400))],  # 600 × 400: a 1200 × 800 screen at 200%
)
def test_every_step_name_is_read_whole_without_a_horizontal_scrollbar(qtbot, db, actor, language, size):
    i18n.set_language(language)
    page = _open(qtbot, db, actor, size)
    steps = page.steps
    steps.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.keyClick(steps, Qt.Key.Key_Home)
    viewport = steps.viewport()
    for row in range(steps.count()):
        item = steps.item(row)
        assert steps.currentRow() == row
        qtbot.waitUntil(lambda item=item: viewport.rect().contains(steps.visualItemRect(item)))
        rect = steps.visualItemRect(item)
        assert rect.right() <= viewport.width()
        # The whole name fits in its row, wrapped where it must.
        needed = steps.fontMetrics().boundingRect(
            QRect(0, 0, rect.width() - 12, 10_000), int(Qt.TextFlag.TextWordWrap), item.text()
        )
        assert needed.height() <= rect.height(), item.text()
        qtbot.keyClick(steps, Qt.Key.Key_Down)
    assert not steps.horizontalScrollBar().isVisible()
    assert steps.horizontalScrollBar().maximum() == 0
