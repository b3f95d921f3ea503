"""Take the README's screenshots from the real app with demo data: `make screenshots`.

Runs the real widgets offscreen (no screen needed) on a fresh demo practice and saves PNGs in
docs/img/. Dutch, as a practice sees it.
"""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import date
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("BROADTALK_HOME", tempfile.mkdtemp(prefix="broadtalk-shots-"))

from PySide6.QtWidgets import QApplication

from broadtalk import conversations as conv
from broadtalk import i18n
from broadtalk.clients import search_clients
from broadtalk.demo import generate_demo
from broadtalk.practitioners import Role, list_practitioners
from broadtalk.store.database import Database
from broadtalk.ui.app import install_qt_translator
from broadtalk.ui.main_window import MainWindow
from broadtalk.workstation import use_practitioner_here

OUT = Path(__file__).resolve().parent / "img"
SIZE = (1280, 800)
#: The demo's own day: Today, the client list's follow-ups and the referral note count from it, so
#: the screenshots show the same believable day whenever they are taken.
DAY = date(2026, 11, 20)


def on_the_demo_day() -> None:
    """The screens read "today" from the clock; here it is the demo's day."""
    from broadtalk.ui import client_table, main_window, referrals_panel, today_page

    for module in (today_page, main_window, referrals_panel):
        module.local_today = lambda: DAY
    client_table.dutch_today = lambda *_args: DAY


def settle(app: QApplication, window: MainWindow | None = None) -> None:
    for _ in range(5):
        app.processEvents()
    if window is not None and window.conversation is not None:
        window.conversation.session.flush()  # the indicator shows "saved", as it does a moment later
        app.processEvents()


def pages(data: bytes, *names: str) -> None:
    """The first pages of a PDF as PNG files, one per name, on white paper."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize
    from PySide6.QtGui import QColor, QImage, QPainter
    from PySide6.QtPdf import QPdfDocument

    buffer = QBuffer()
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    document = QPdfDocument()
    document.load(buffer)
    for index, name in enumerate(names):
        page_image = document.render(index, QSize(900, 1273))
        sheet = QImage(page_image.size(), QImage.Format.Format_RGB32)
        sheet.fill(QColor("white"))  # the rendered page is transparent where the paper is
        painter = QPainter(sheet)
        painter.drawImage(0, 0, page_image)
        painter.end()
        sheet.save(str(OUT / name))


def main() -> int:
    i18n.set_language(os.environ.get("BROADTALK_LANGUAGE", "nl"))
    app = QApplication(sys.argv[:1])
    install_qt_translator(app)
    db = Database.open(Path(os.environ["BROADTALK_HOME"]) / "demo.sqlite")
    generate_demo(db, clients=120, seed=3, today=DAY)
    on_the_demo_day()
    with db.transaction() as tx:
        actor = next(a for a in list_practitioners(tx) if a.role == Role.PRACTICE_NURSE)
        use_practitioner_here(tx, actor)
        # A client with an earlier positive-health conversation, so the chart shows the comparison.
        chosen = None
        for client in search_clients(tx, actor):
            history = [c for c in conv.list_conversations(tx, actor, client.id) if c.model_id == "positive-health"]
            if len(history) >= 2 and all(c.is_completed for c in history):
                chosen = (client, history[0])
                break
    assert chosen is not None, "the demo seed has no client with two positive-health conversations"
    client, latest = chosen

    OUT.mkdir(exist_ok=True)
    window = MainWindow(db, actor)
    window.resize(*SIZE)
    window.show()
    settle(app)
    window.today_page.refresh()  # read on the demo's day
    settle(app)
    window.grab().save(str(OUT / "today.png"))  # the start page

    window.show_list()
    settle(app)
    window.grab().save(str(OUT / "main-window.png"))  # the client list

    window.show_client(client.id)
    settle(app)
    window.grab().save(str(OUT / "client-page.png"))

    # Today's conversation, in progress, compared with the last one.
    with db.transaction() as tx:
        today = conv.start_conversation(tx, actor, client.id, "positive-health", 1).id
        before = conv.load_conversation(tx, actor, latest.id)
        for domain_id, assessment in before.assessments.items():
            if assessment.score is not None:
                better = min(10, assessment.score + (2 if domain_id == "participation" else 1))
                conv.assess_domain(tx, actor, today, domain_id, score=better)
        conv.assess_domain(
            tx,
            actor,
            today,
            "meaningfulness",
            own_words="Sinds ik op woensdag in de moestuin help, heb ik weer iets om voor op te staan.",
            important=True,
        )
        conv.record_answer(tx, actor, today, "meaningfulness.work-on", "yes")
        conv.record_answer(tx, actor, today, "meaningfulness.change", "Een tweede ochtend erbij, samen met de buurman.")
        conv.set_closing(tx, actor, today, what_matters_most="Meedoen, en er voor de kleinkinderen zijn.")
        conv.add_goal(tx, actor, today, "Twee ochtenden per week vrijwilligerswerk", domain_id="meaningfulness")
    window.open_conversation(today)
    page = window.conversation
    assert page is not None
    page.go_to("overview")
    settle(app, window)
    window.grab().save(str(OUT / "chart.png"))
    page.go_to("meaningfulness")
    settle(app, window)
    window.grab().save(str(OUT / "domain-step.png"))

    window.activateWindow()
    window.open_client_view()
    view = window.client_view
    assert view is not None
    view.showNormal()  # the offscreen screen is small; show the view at a laptop's size
    view.resize(*SIZE)
    settle(app)
    view.grab().save(str(OUT / "client-view.png"))
    view.leave()

    # The handover as the recipient sees it, the client's copy, and the consent dialog that shows
    # the recipient's content before consent is saved (rendered with QtPdf, as the preview does).
    from broadtalk.handover.export import CLIENT_COPY, HANDOVER_PDF, render_document
    from broadtalk.referrals import list_referrals
    from broadtalk.ui.consent_dialogs import ConsentDialog

    today = DAY
    with db.transaction() as tx:
        referral = next(
            r
            for r in list_referrals(tx, actor, today=today)
            if r.consent_status(today) == "given"
            and r.consent
            and len(r.consent.domains) == 2
            and render_document(tx, actor, r.id, HANDOVER_PDF, today=today)[0].scored_domains()
        )
        _content, letter = render_document(tx, actor, referral.id, HANDOVER_PDF, today=today)
        _content, copy = render_document(tx, actor, referral.id, CLIENT_COPY, today=today)
    pages(letter, "handover-page1.png", "handover-page2.png")
    pages(copy, "client-copy-page1.png")

    dialog = ConsentDialog(db, actor, referral.id, window)
    for domain_id in referral.consent.domains:
        dialog.domain_boxes[domain_id].setChecked(True)
    dialog.share_goals.setChecked(True)
    dialog.share_own_words.setChecked(True)
    dialog.purpose.setPlainText(referral.consent.purpose)
    dialog.method_buttons["verbal"].setChecked(True)
    dialog.tabs.setCurrentIndex(1)  # what the recipient will get
    dialog.show()
    settle(app)
    dialog.grab().save(str(OUT / "consent-dialog.png"))
    dialog.reject()
    window.close()
    db.close()
    monitor_shots(app)
    print(f"screenshots written to {OUT}")
    return 0


def monitor_shots(app: QApplication) -> None:
    """The monitor as the practice manager sees it, on a practice large enough that most numbers
    are shown (on 120 clients nearly every one is "< 10")."""
    import time

    from broadtalk.ui.monitor_window import MonitorWindow

    db = Database.open(Path(os.environ["BROADTALK_HOME"]) / "monitor.sqlite")
    generate_demo(db, clients=1500, seed=3, today=DAY)
    with db.transaction() as tx:
        manager = next(a for a in list_practitioners(tx) if a.role == Role.PRACTICE_MANAGER)
    window = MonitorWindow(db, manager)
    window.resize(*SIZE)
    window.show()
    deadline = time.monotonic() + 120
    while window.counting and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.05)
    settle(app)
    window.grab().save(str(OUT / "monitor.png"))
    window.tabs.setCurrentIndex(window.tabs.count() - 1)  # the equity view, by age band (the
    window.by_age.setChecked(True)  # demo spreads its clients over hundreds of postcode areas)
    settle(app)
    window.grab().save(str(OUT / "monitor-equity.png"))
    window.reject()
    db.close()


if __name__ == "__main__":
    sys.exit(main())
