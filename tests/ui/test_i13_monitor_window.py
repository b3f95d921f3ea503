"""The monitor's window (issue 13), driven through the real widgets offscreen, on the pinned
practice of 50 clients of ``tests/unit/test_i13_monitoring.py``: the tables say what ``monitor``
and ``equity`` say for the chosen filter, a suppressed cell reads "< 10" in table and chart,
no client's name is on the screen, area scores order the areas, the files are written."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt, QThreadPool
from PySide6.QtWidgets import QAbstractButton, QComboBox, QLabel, QTableWidget

from broadtalk import i18n
from broadtalk.area_scores import AreaScoresError, parse_area_scores
from broadtalk.errors import InputError
from broadtalk.monitoring import Filter, Period, equity, monitor
from broadtalk.permissions import Permission
from broadtalk.practitioners import Role, create_practitioner
from broadtalk.ui import file_dialogs
from broadtalk.ui import monitor_counting as mc
from broadtalk.ui.bar_chart import BarChart
from broadtalk.ui.main_window import MainWindow
from broadtalk.ui.monitor_window import MonitorWindow, month_name
from tests.conftest import NOW
from tests.unit.test_i13_monitoring import PH, Q1, practice  # noqa: F401 (the practice fixture)

LESS = "< 10"


@pytest.fixture(autouse=True)
def _english_and_counts_finished(db):
    """English texts; every count finished before the database closes."""
    i18n.set_language("en")
    yield
    QThreadPool.globalInstance().waitForDone()


def open_monitor(qtbot, db, who) -> MonitorWindow:
    window = MonitorWindow(db, who)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: not window.counting, timeout=30_000)
    return window


def choose(combo: QComboBox, value) -> None:
    index = next(i for i in range(combo.count()) if combo.itemData(i) == value)
    combo.setCurrentIndex(index)


def show_filter(qtbot, window: MonitorWindow, period: Period, practitioner=None, model=None) -> None:
    choose(window.year_combo, period.year)
    choose(window.period_combo, (period.quarter if period.month is None else None, period.month))
    choose(window.practitioner_combo, practitioner)
    choose(window.model_combo, model)
    qtbot.waitUntil(lambda: not window.counting, timeout=30_000)
    assert window.shown_request is not None and window.shown_request.view == Filter(period, practitioner, model)


def texts(cells) -> list[str]:
    return [cell.text() for cell in cells]


def test_the_tables_show_the_figures_of_the_chosen_filter(qtbot, db, practice):  # noqa: F811
    manager = practice["manager"]
    window = open_monitor(qtbot, db, manager)
    show_filter(qtbot, window, Q1)
    with db.transaction() as tx:
        figures = monitor(tx, manager, Filter(Q1))
        by_area = equity(tx, manager, Filter(Q1), "area")
        by_age = equity(tx, manager, Filter(Q1), "age")
    assert window.result is not None and window.result.figures == figures

    assert window.total_label.text() == f"Clients with a conversation: {figures.clients_total.text()}"
    assert window.month_table.texts() == [[month_name(m), c.text()] for m, c in figures.clients_per_month.items()]
    bins = figures.scores[0].bins.values()
    assert any(c.suppressed for c in bins) and any(c.shown and c.value for c in bins)  # both kinds checked
    assert [row[1] for row in window.model_table.texts()] == texts(figures.clients_per_model.values())
    assert window.month_chart.value_texts() == texts(figures.clients_per_month.values())

    headers = window.scores_table.headers()
    for row, scores in zip(window.scores_table.texts(), figures.scores, strict=True):
        assert row[1:3] == [scores.title, scores.clients.text()]
        assert {int(headers[c]): row[c] for c in range(3, len(row)) if row[c]} == {
            p: c.text() for p, c in scores.bins.items()
        }
    window.scores_table.selectRow(0)
    assert window.scores_chart.value_texts() == texts(figures.scores[0].bins.values())

    assert [r[1:] for r in window.movement_table.texts()] == [
        [m.title, *texts([m.clients, m.up, m.same, m.down, m.median_change])] for m in figures.movement
    ]
    assert [r[1:] for r in window.wanted_table.texts()] == [[w.title, w.clients.text()] for w in figures.wanted]
    summary = figures.referrals
    for key, label in window.summary_values.items():
        assert label.text() == getattr(summary, key).text()
    assert window.organisations_table.texts() == [
        [o.name, o.clients.text(), *texts(o.statuses.values())] for o in figures.organisations
    ]

    measures = ("clients", "with_conversation", "conversation_share", "referred", "referred_share")
    measures += ("with_feedback", "returning", "returning_share")

    def equity_rows(table):
        return [[getattr(r, m).text() for m in measures] for r in (table.total, *table.rows)]

    window.tabs.setCurrentIndex(5)
    assert [r[2:] for r in window.equity_table.texts()] == equity_rows(by_area)
    assert [r[0] for r in window.equity_table.texts()] == ["Whole practice", "3583", "3584", "Unknown"]
    window.by_age.setChecked(True)
    assert [r[2:] for r in window.equity_table.texts()] == equity_rows(by_age)
    assert window.equity_table.texts()[0][0] == "Whole practice"


def test_changing_the_filter_counts_again_and_stale_results_are_thrown_away(qtbot, db, practice):  # noqa: F811
    manager = practice["manager"]
    window = open_monitor(qtbot, db, manager)
    shown: list[Filter] = []
    window.counted.connect(lambda: shown.append(window.shown_request.view))
    # Three changes in a row, without waiting: only the last filter's figures are shown.
    choose(window.year_combo, 2025)
    choose(window.period_combo, (1, None))
    assert window.counting and window.status_label.text() == "Counting…"
    assert not window.tabs.isEnabled() and not window.csv_button.isEnabled()
    colleague = practice["colleague"].id
    choose(window.practitioner_combo, colleague)
    qtbot.waitUntil(lambda: not window.counting, timeout=30_000)
    assert shown == [Filter(Q1, colleague)]
    assert window.status_label.text().startswith("Counted at ") and window.tabs.isEnabled()
    with db.transaction() as tx:
        figures = monitor(tx, manager, Filter(Q1, colleague))
    assert window.month_table.texts() == [[month_name(m), c.text()] for m, c in figures.clients_per_month.items()]
    # And once more, on one model and one month.
    show_filter(qtbot, window, Period.of_month(2025, 1), None, PH)
    with db.transaction() as tx:
        figures = monitor(tx, manager, Filter(Period.of_month(2025, 1), None, PH))
    assert window.month_table.texts() == [["January", figures.clients_per_month[1].text()]]
    assert window.total_label.text().endswith(figures.clients_total.text())


def test_a_suppressed_cell_reads_less_than_ten_in_the_table_and_has_no_bar(qtbot, db, practice):  # noqa: F811
    window = open_monitor(qtbot, db, practice["manager"])
    show_filter(qtbot, window, Q1)
    # The score distribution of the first domain: shown and suppressed cells side by side.
    window.tabs.setCurrentIndex(1)
    window.scores_table.selectRow(0)
    scores = window.result.figures.scores[0]
    points = list(scores.bins.items())
    hidden = next(i for i, (_p, cell) in enumerate(points) if cell.suppressed)
    shown = next(i for i, (_p, cell) in enumerate(points) if cell.shown and cell.value)
    column = window.scores_table.headers().index(str(points[hidden][0]))
    assert window.scores_table.texts()[0][column] == LESS
    chart: BarChart = window.scores_chart
    assert chart.value_texts()[hidden] == LESS
    assert chart.bar_rect(hidden) is None and chart.hatch_rect(hidden) is not None  # hatched, no height
    assert chart.bar_rect(shown) is not None and chart.hatch_rect(shown) is None
    bar = chart.bar_rect(shown)
    assert bar.height() == pytest.approx(chart.plot_rect().height() * points[shown][1].value / chart.maximum())
    assert f"{points[hidden][0]}: < 10" in chart.accessibleDescription()
    # In the months' table and chart alike.
    months = list(window.result.figures.clients_per_month.items())
    month = next(i for i, (_m, cell) in enumerate(months) if cell.suppressed)
    assert window.month_table.texts()[month] == [month_name(months[month][0]), LESS]
    assert window.month_chart.value_texts()[month] == LESS and window.month_chart.bar_rect(month) is None
    assert window.legend.text() == (
        "Fewer than 10 clients, or a number that could be worked out from other figures, is not shown."
    )
    assert window.month_table.item(month, 1).toolTip() == window.legend.text()
    window.grab()  # painting a suppressed bar does not fail


def test_no_client_name_appears_anywhere_in_the_window(qtbot, db, practice):  # noqa: F811
    window = open_monitor(qtbot, db, practice["manager"])
    show_filter(qtbot, window, Q1)
    seen: list[str] = [window.windowTitle()]
    for index in range(window.tabs.count()):
        window.tabs.setCurrentIndex(index)
        seen.append(window.tabs.tabText(index))
    window.by_age.setChecked(True)
    for label in window.findChildren(QLabel):
        seen += [label.text(), label.toolTip(), label.accessibleName()]
    for button in window.findChildren(QAbstractButton):
        seen.append(button.text())
    for combo in window.findChildren(QComboBox):
        seen += [combo.itemText(i) for i in range(combo.count())]
    for table in window.findChildren(QTableWidget):
        seen += [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
        seen += [table.item(r, c).text() for r in range(table.rowCount()) for c in range(table.columnCount())]
    for chart in window.findChildren(BarChart):
        seen += [chart.title(), chart.accessibleDescription(), *(bar.label for bar in chart.bars())]
    everything = "\n".join(seen)
    assert "Welzijn Stad" in everything  # the organisations are named (they are no clients)
    for i in range(50):
        assert f"Cliënt{i}" not in everything and f"Test{i}" not in everything
    assert "3583 AB" not in everything and "1952" not in everything


def test_area_scores_order_the_areas_and_a_bad_file_changes_nothing(qtbot, db, practice, tmp_path, monkeypatch):  # noqa: F811
    window = open_monitor(qtbot, db, practice["manager"])
    show_filter(qtbot, window, Q1)
    window.tabs.setCurrentIndex(5)  # the equity view, where the button is
    good = tmp_path / "scores.csv"
    good.write_text("pc4;score\n3583;1\n3584;2,5\n", encoding="utf-8")
    monkeypatch.setattr(file_dialogs, "ask_open_path", lambda *args, **kwargs: good)
    window.load_scores_button.click()
    qtbot.waitUntil(lambda: not window.counting, timeout=30_000)
    rows = window.equity_table.texts()
    assert [r[0] for r in rows] == ["Whole practice", "3584", "3583", "Unknown"]
    assert [r[1] for r in rows] == ["", "2.5", "1", ""]
    assert not window.equity_table.isColumnHidden(1)
    assert "scores.csv" in window.area_scores_label.text()
    # A higher score meaning less need turns the order round.
    window.more_need_check.setChecked(False)
    qtbot.waitUntil(lambda: not window.counting, timeout=30_000)
    assert [r[0] for r in window.equity_table.texts()] == ["Whole practice", "3583", "3584", "Unknown"]

    before = (window.equity_table.texts(), window.area_scores_label.text(), window.result)
    bad = tmp_path / "bad.csv"
    bad.write_text("3583;1\n12;x\n", encoding="utf-8")
    with pytest.raises(AreaScoresError) as expected:
        parse_area_scores(bad.read_bytes())
    monkeypatch.setattr(file_dialogs, "ask_open_path", lambda *args, **kwargs: bad)
    window.load_scores_button.click()
    assert not window.counting
    assert window.area_scores_error.isVisibleTo(window)
    assert window.area_scores_error.text() == expected.value.message
    assert "Line 2" in window.area_scores_error.text()
    assert (window.equity_table.texts(), window.area_scores_label.text(), window.result) == before


def test_the_export_buttons_write_the_csv_and_the_pdf(qtbot, db, practice, tmp_path, monkeypatch):  # noqa: F811
    window = open_monitor(qtbot, db, practice["manager"])
    show_filter(qtbot, window, Q1)
    asked: list[str] = []

    def save_path(parent, kind, caption, file_name, file_filter, **kwargs):
        asked.append(file_name)
        return tmp_path / file_name

    monkeypatch.setattr(file_dialogs, "ask_save_path", save_path)
    window.csv_button.click()
    window.pdf_button.click()
    assert asked == ["monitor-2025-Q1.csv", "monitor-2025-Q1.pdf"]
    csv = (tmp_path / "monitor-2025-Q1.csv").read_text(encoding="utf-8-sig")
    assert "Welzijn Stad" in csv and "Cliënt" not in csv
    assert (tmp_path / "monitor-2025-Q1.pdf").read_bytes().startswith(b"%PDF")
    assert "monitor-2025-Q1.pdf" in window.status_label.text()


def test_a_refusal_is_shown_as_its_message_and_the_figures_are_not(qtbot, db, actor, monkeypatch):
    def refuse(*args, **kwargs):
        raise InputError("Choose a calendar month, quarter or year.")

    monkeypatch.setattr(mc, "count_for", refuse)
    window = open_monitor(qtbot, db, actor)
    assert window.error.isVisibleTo(window)
    assert window.error.text() == "Choose a calendar month, quarter or year."
    assert window.result is None and not window.tabs.isEnabled() and not window.pdf_button.isEnabled()


@pytest.mark.parametrize("role", [Role.PRACTICE_NURSE, Role.PRACTICE_MANAGER])
def test_the_monitor_is_in_the_practice_menu_for_care_and_the_practice_manager(qtbot, db, role, monkeypatch):
    with db.transaction() as tx:
        who = create_practitioner(tx, "Sanne Jansen", role, now=NOW)
    main = MainWindow(db, who)
    qtbot.addWidget(main)
    action = main.practice_actions[Permission.VIEW_REFERRAL_STATUS]
    assert action.text() == "&Monitor…"
    assert action.isVisible() and action in main.practice_menu.actions()
    opened: list[MonitorWindow] = []
    monkeypatch.setattr(MonitorWindow, "exec", lambda self: opened.append(self) or 0)
    action.trigger()
    assert len(opened) == 1 and opened[0].windowTitle() == "Monitor"


def test_count_again_counts_anew_what_changed_since(qtbot, db, actor, practice):  # noqa: F811
    """The window may show a year counted a few minutes ago (a change of filter is then at once);
    "Count again" counts with every change made since."""
    from datetime import date as day
    from datetime import timedelta

    from broadtalk.clients import ClientInput, create_client
    from broadtalk.conversation_records import ConversationContent, record_conversation
    from tests.unit.test_i13_monitoring import PH, REGISTERED, at

    manager = practice["manager"]
    window = open_monitor(qtbot, db, manager)
    choose(window.year_combo, 2025)
    choose(window.period_combo, (1, None))
    qtbot.waitUntil(lambda: not window.counting, timeout=30_000)
    before = window.result.figures
    with db.transaction() as tx:
        client = create_client(tx, actor, ClientInput("Nieuw", "Test", "01-01-1970"), now=REGISTERED)
        started = at(day(2025, 3, 20))
        record_conversation(
            tx, actor, client.id, ConversationContent(PH, 1, started, completed_at=started), now=started
        )
    choose(window.period_combo, (None, None))
    choose(window.period_combo, (1, None))
    qtbot.waitUntil(lambda: not window.counting, timeout=30_000)
    assert window.result.figures.counted_at == before.counted_at  # the same count, at once
    qtbot.mouseClick(window.count_again_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.counting, timeout=30_000)
    after = window.result.figures
    assert after.counted_at > before.counted_at
    assert after.clients_total.value == before.clients_total.value + 1
    assert after.counted_at - before.counted_at < timedelta(minutes=10)


def test_a_kept_count_shows_at_once_and_the_year_is_counted_again_behind_it(qtbot, db, actor, practice):  # noqa: F811
    """After a change (a new day at the practice, the app opened again), the window shows the
    year as counted before at once, says when and that it counts again, and holds the exports
    back; the new count then replaces it."""
    from datetime import date as day
    from datetime import timedelta

    from sqlalchemy import update

    from broadtalk.clients import ClientInput, create_client
    from broadtalk.conversation_records import ConversationContent, record_conversation
    from broadtalk.i18n import dutch_today, format_datetime, to_display_time
    from broadtalk.monitoring import count_for, forget_computed
    from broadtalk.store.tables import MonitorCount
    from tests.unit.test_i13_monitoring import REGISTERED, at

    manager = practice["manager"]
    before = count_for(db, manager, Filter(Period(2025))).figures  # kept in the database
    with db.transaction() as tx:
        client = create_client(tx, actor, ClientInput("Nieuw", "Test", "01-01-1970"), now=REGISTERED)
        started = at(day(2025, 3, 20))
        record_conversation(
            tx, actor, client.id, ConversationContent(PH, 1, started, completed_at=started), now=started
        )
        # Counted an hour ago: older than the few minutes a screen takes as current.
        tx.execute(update(MonitorCount).values(counted_at=before.counted_at - timedelta(hours=1)))
    forget_computed()  # as in a new session of the app
    window = open_monitor(qtbot, db, manager)
    seen = []
    window.counted.connect(
        lambda: seen.append(
            (window.total_label.text(), window.status_label.text(), window.csv_button.isEnabled(), window.recounting)
        )
    )
    choose(window.year_combo, 2025)
    qtbot.waitUntil(lambda: len(seen) == 2, timeout=30_000)
    (old_total, old_status, old_export, old_recounting), (total, status, export, recounting) = seen
    assert old_total == "Clients with a conversation: 45" and total == "Clients with a conversation: 46"
    assert old_status.endswith("; counting again…")
    assert not old_export and old_recounting
    assert status.startswith("Counted at ") and "again" not in status
    assert export and not recounting and window.count_again_button.isEnabled()
    assert window.result.figures.counted_at > before.counted_at and not window.result.figures.stale
    # An hour ago is yesterday in the first hour after midnight: then the day is named too.
    kept = before.counted_at - timedelta(hours=1)
    time = format_datetime(kept, "HH:mm")
    if to_display_time(kept).date() == dutch_today():
        assert old_status == f"Counted at {time}; counting again…"
    else:
        assert old_status == f"Counted on {format_datetime(kept, 'd MMMM')} at {time}; counting again…"


def test_a_count_under_way_stops_when_the_app_closes_and_counts_run_again_after(qtbot, db, practice):  # noqa: F811
    """Closing the main window waits for the pool with the monitor's counts stopped at their
    next table: nothing reaches a window, nothing is kept. A count after that runs again."""
    from broadtalk.monitoring import forget_computed
    from broadtalk.monitoring_kept import kept_count

    manager = practice["manager"]
    window = open_monitor(qtbot, db, manager)
    forget_computed()
    outcomes = []
    window.counted_outcome = outcomes.append  # what reaches the window
    request = mc.Request(Filter(Period(2025)))
    with mc.counts_stopped():
        mc.Counting(db, manager, request, window.number, 1).run()
    qtbot.wait(50)
    assert outcomes == []
    with db.transaction() as tx:
        assert kept_count(tx, 2025) is None
    mc.Counting(db, manager, request, window.number, 1).run()
    qtbot.waitUntil(lambda: len(outcomes) == 1, timeout=10_000)
    assert outcomes[0].counted is not None and not outcomes[0].error
