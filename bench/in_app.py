"""The benchmarks inside a running app: one process, the real main window (offscreen), signed in
as the practice nurse, as a practitioner has it after start-up. Each figure is the time from the
call the UI makes to the moment Qt has handled what it set off (the events it posted, the paint).

Only the work is timed; the window, the database opening and the choice of clients and referrals
are not. The table gives the median of the runs, the JSON every run.
"""

from __future__ import annotations

import io
import sqlite3
import statistics
import time
from collections.abc import Callable
from datetime import date

from bench import report
from bench.practice import PASSPHRASE, Practice

SEARCH_BUDGET_S = 0.016  # one frame at 60 Hz
OPEN_CLIENT_BUDGET_S = 0.050
AUTOSAVE_BUDGET_S = 0.005
HANDOVER_BUDGET_S = 0.150
#: Typing "berg" into the search field, then clearing it: each step is one keystroke's update.
KEYSTROKES = ("b", "be", "ber", "berg", "")
#: At most this many referrals are rendered (untimed) to choose a typical and the worst one.
CANDIDATES = 30


def _timed(func: Callable[[], object]) -> float:
    started = time.perf_counter()
    func()
    return time.perf_counter() - started


class App:
    """The running app for one practice; use as a context manager."""

    def __init__(self, practice: Practice, today: date):
        self.practice = practice
        self.today = today

    def __enter__(self) -> App:
        from PySide6.QtWidgets import QApplication

        from broadtalk.demo import DEMO_SECRET
        from broadtalk.sign_in import sign_in
        from broadtalk.ui.main_window import MainWindow

        self.qt = QApplication.instance() or QApplication(["broadtalk-bench"])
        self.practice.use_here()
        self.db = self.practice.open()
        try:
            self.actor = sign_in(self.db, self.practice.nurse, DEMO_SECRET)
            self.window = MainWindow(self.db, self.actor, backup_dir=self.practice.backups)
            self.window.resize(1280, 800)
            self.window.show()
            # Nobody touches this window: its screen lock would come after the idle minutes and
            # wait for a PIN. The lock is not what is measured.
            self.window.idle.stop()
            self.settle()
        except BaseException:
            self.db.close()
            raise
        return self

    def __exit__(self, *_exc) -> None:
        try:
            self.window.close()
            self.window.deleteLater()
            self.settle()
        finally:
            self.db.close()

    def settle(self) -> None:
        for _ in range(3):
            self.qt.processEvents()

    # -- search as you type --------------------------------------------------------------------

    def search(self, repeat: int) -> list[report.Result]:
        """Per keystroke: the client list's model searches (the core's ``search_clients`` and
        ``count_clients``), resets, and the table repaints. The search field's short typing delay
        is not counted: it is a wait, not work."""
        window = self.window
        window.show_list()
        self.settle()
        per_key: dict[str, list[float]] = {text: [] for text in KEYSTROKES}
        model_part: dict[str, list[float]] = {text: [] for text in KEYSTROKES}
        for _ in range(repeat):
            for text in KEYSTROKES:
                started = time.perf_counter()
                window.model.set_search(text)
                searched = time.perf_counter()
                self.qt.processEvents()
                per_key[text].append(time.perf_counter() - started)
                model_part[text].append(searched - started)
        medians = {text: statistics.median(times) for text, times in per_key.items()}
        slowest = max(medians, key=medians.get)
        return [
            report.Result(
                "search as you type: the slowest keystroke (app)",
                self.practice.size,
                report.Budget(report.SECONDS, SEARCH_BUDGET_S),
                figure=medians[slowest],
                samples=tuple(per_key[slowest]),
                note=f"slowest: {slowest!r}; of which the search and the model's reset "
                f"{statistics.median(model_part[slowest]) * 1000:.1f} ms, the rest Qt's layout and paint",
                extra={
                    "keystroke_medians_ms": {repr(t): round(m * 1000, 2) for t, m in medians.items()},
                    "search_and_model_medians_ms": {
                        repr(t): round(statistics.median(v) * 1000, 2) for t, v in model_part.items()
                    },
                },
            )
        ]

    # -- opening a client ----------------------------------------------------------------------

    def _clients_by_conversations(self) -> list:
        from broadtalk.clients import search_clients

        with self.db.transaction() as tx:
            return sorted(search_clients(tx, self.actor, ""), key=lambda c: (c.conversation_count, c.id))

    def open_client(self, repeat: int) -> list[report.Result]:
        """From the list to a client's page, painted: their history, trends and actions. Each run
        opens another client (a first opening in this session, recorded in the audit trail)."""
        clients = self._clients_by_conversations()
        middle = len(clients) // 2
        groups = {
            "the most conversations": clients[-repeat:],
            "typical": clients[max(0, middle - repeat // 2) : max(0, middle - repeat // 2) + repeat],
        }
        results = []
        for label, group in groups.items():
            times, page_part = [], []
            for client in group:
                self.window.show_list()
                self.settle()
                started = time.perf_counter()
                self.window.show_client(client.id)
                shown = time.perf_counter()
                self.qt.processEvents()
                times.append(time.perf_counter() - started)
                page_part.append(shown - started)
            results.append(
                report.Result(
                    f"open a client, {label} (app)",
                    self.practice.size,
                    report.Budget(report.SECONDS, OPEN_CLIENT_BUDGET_S),
                    figure=statistics.median(times),
                    samples=tuple(times),
                    note=f"of which reading and filling the page {statistics.median(page_part) * 1000:.1f} ms, "
                    "the rest Qt's layout and paint",
                    extra={"conversations": [c.conversation_count for c in group]},
                )
            )
        self.window.show_list()
        self.settle()
        return results

    # -- autosave ------------------------------------------------------------------------------

    def autosave(self, repeat: int) -> list[report.Result]:
        """One autosave: the conversation page's queued edit (the client's own words for a
        domain) written by ``AutosaveSession.flush`` in one transaction, committed to disk."""
        from broadtalk import conversations as conv
        from broadtalk.forms.library import builtin_models
        from broadtalk.ui.conversation.autosave import AutosaveSession

        clients = self._clients_by_conversations()
        client = clients[len(clients) // 2]
        model = builtin_models()[0]
        domain = model.domains[0].id
        with self.db.transaction() as tx:
            conversation = conv.start_conversation(tx, self.actor, client.id, model.id, model.version).id
        session = AutosaveSession(self.db)
        actor = self.actor
        times = []
        for i in range(repeat):
            text = f"Wil weer meer naar buiten, stap {i}."
            session.queue(
                f"own_words:{domain}",
                lambda tx, t=text: conv.assess_domain(tx, actor, conversation, domain, own_words=t),
            )
            started = time.perf_counter()
            saved = session.flush()
            times.append(time.perf_counter() - started)
            if not saved:
                raise RuntimeError("the autosave was refused")
        if self.practice.url:
            floors = _bare_server_commits(self.practice.url, repeat)
            floor_what = "one UPDATE + COMMIT over psycopg on the same server (fsync, synchronous_commit on)"
        else:
            floors = _bare_commits(self.practice, repeat)
            floor_what = "one UPDATE + COMMIT in a bare SQLCipher file, WAL, synchronous=FULL"
        return [
            report.Result(
                "autosave: one edit committed (app)",
                self.practice.size,
                report.Budget(report.SECONDS, AUTOSAVE_BUDGET_S),
                figure=statistics.median(times),
                floor=statistics.median(floors),
                floor_what=floor_what,
                samples=tuple(times),
                floor_samples=tuple(floors),
            )
        ]

    # -- handover PDF --------------------------------------------------------------------------

    def handover(self, repeat: int, referrals: dict[str, int]) -> list[report.Result]:
        """The handover letter and the client's copy made in memory, as the preview does: one
        transaction, the consent check, the content from the database, the PDF. Warm, as in an
        app that has made a document before (ReportLab imported, fonts registered)."""
        from broadtalk.handover.export import CLIENT_COPY, HANDOVER_PDF, render_document

        def render(referral: int, kind: str) -> bytes:
            with self.db.transaction() as tx:
                return render_document(tx, self.actor, referral, kind, today=self.today)[1]

        for referral in referrals.values():  # warm: imports, fonts, the models
            render(referral, HANDOVER_PDF)
            render(referral, CLIENT_COPY)
        _trivial_pdf()
        floors = [_timed(_trivial_pdf) for _ in range(repeat)]
        results = []
        for label, referral in referrals.items():
            for kind, what in ((HANDOVER_PDF, "the letter"), (CLIENT_COPY, "the client's copy")):
                times = [_timed(lambda r=referral, k=kind: render(r, k)) for _ in range(repeat)]
                results.append(
                    report.Result(
                        f"handover PDF in the app: {what}, {label} referral (#{referral})",
                        self.practice.size,
                        report.Budget(report.SECONDS, HANDOVER_BUDGET_S),
                        figure=statistics.median(times),
                        floor=statistics.median(floors),
                        floor_what="ReportLab, a one-page PDF of two lines in the same fonts, in process",
                        samples=tuple(times),
                        floor_samples=tuple(floors),
                    )
                )
        return results


def choose_referrals(practice: Practice, today: date) -> dict[str, int]:
    """A typical referral (two shared domains, the middle one by document size) and the worst
    (the most shared domains, then the largest document), among those with a valid consent.
    Untimed; through the core only (no window)."""
    from broadtalk.demo import DEMO_SECRET
    from broadtalk.handover.export import HANDOVER_PDF, render_document
    from broadtalk.referrals import list_referrals
    from broadtalk.sign_in import sign_in

    practice.use_here()
    db = practice.open()
    try:
        actor = sign_in(db, practice.nurse, DEMO_SECRET)
        with db.transaction() as tx:
            consented = [
                r for r in list_referrals(tx, actor, today=today) if r.consent and r.consent_status(today) == "given"
            ]
        if not consented:
            raise RuntimeError("the demo has no referral with a valid consent today")
        domains = {r.id: len(r.consent.domains) for r in consented}
        candidates = sorted(consented, key=lambda r: -domains[r.id])[: CANDIDATES // 2]
        candidates += [r for r in consented if domains[r.id] == 2][: CANDIDATES // 2]
        size = {}
        for r in {r.id: r for r in candidates}.values():
            with db.transaction() as tx:
                size[r.id] = len(render_document(tx, actor, r.id, HANDOVER_PDF, today=today)[1])
    finally:
        db.close()
    worst = max(size, key=lambda rid: (domains[rid], size[rid]))
    usual = sorted((rid for rid in size if domains[rid] == 2 and rid != worst), key=size.get) or [worst]
    return {"typical": usual[len(usual) // 2], "worst": worst}


def _trivial_pdf() -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    from broadtalk.handover.pdf_text import FONT, FONT_BOLD, register_fonts

    register_fonts()
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4).build(
        [
            Paragraph("Warme overdracht", ParagraphStyle("title", fontName=FONT_BOLD, fontSize=16, leading=20)),
            Paragraph("Een regel tekst.", ParagraphStyle("body", fontName=FONT, fontSize=10.5, leading=14)),
        ]
    )
    return buffer.getvalue()


def _bare_commits(practice: Practice, repeat: int) -> list[float]:
    """The floor of a commit on this disk: a bare SQLCipher file with the app's durability pragmas."""
    import sqlcipher3.dbapi2 as sqlcipher

    path = practice.folder / "floor-commit.sqlite"
    connection: sqlite3.Connection = sqlcipher.connect(str(path), isolation_level=None)
    try:
        connection.execute("PRAGMA key = '" + PASSPHRASE.replace("'", "''") + "'")
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=FULL")
        connection.execute("CREATE TABLE IF NOT EXISTS words (id INTEGER PRIMARY KEY, text TEXT NOT NULL)")
        connection.execute("INSERT OR REPLACE INTO words VALUES (1, '')")
        times = []
        for i in range(repeat):
            started = time.perf_counter()
            connection.execute("BEGIN")
            connection.execute("UPDATE words SET text = ? WHERE id = 1", (f"Wil weer meer naar buiten, stap {i}.",))
            connection.execute("COMMIT")
            times.append(time.perf_counter() - started)
        return times
    finally:
        connection.close()


def _bare_server_commits(url: str, repeat: int) -> list[float]:
    """The floor of a commit on the server: one UPDATE + COMMIT over psycopg, on a table of the
    server's ``postgres`` database (never the practice's: broadtalk keeps its database to itself),
    with the server's durability (fsync, synchronous commits)."""
    import psycopg
    from sqlalchemy.engine import make_url

    address = make_url(url)
    connection = psycopg.connect(
        host=address.host,
        port=address.port,
        user=address.username,
        password=address.password,
        dbname="postgres",
        autocommit=True,
    )
    try:
        connection.execute("CREATE TABLE IF NOT EXISTS bench_floor_words (id integer PRIMARY KEY, text text NOT NULL)")
        connection.execute("INSERT INTO bench_floor_words VALUES (1, '') ON CONFLICT (id) DO NOTHING")
        times = []
        for i in range(repeat):
            started = time.perf_counter()
            connection.execute("BEGIN")
            connection.execute(
                "UPDATE bench_floor_words SET text = %s WHERE id = 1", (f"Wil weer meer naar buiten, stap {i}.",)
            )
            connection.execute("COMMIT")
            times.append(time.perf_counter() - started)
        connection.execute("DROP TABLE bench_floor_words")
        return times
    finally:
        connection.close()
