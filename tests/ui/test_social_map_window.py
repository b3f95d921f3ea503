"""The social map on screen, driven through the real widgets (offscreen): editors by keyboard with
inline errors, filtering, marking checked, the CSV import with its report, and the suggestions list."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QWidget

from broadtalk import demo_texts, i18n
from broadtalk.clients import ClientInput, create_client
from broadtalk.practitioners import Role, create_practitioner
from broadtalk.social_map import (
    OfferingInput,
    OrganisationInput,
    create_offering,
    create_organisation,
    list_offerings,
    list_organisations,
    stale_after_months,
    suggest_offerings,
)
from broadtalk.social_map_import import ImportReport
from broadtalk.store.tables import Referral
from broadtalk.ui import file_dialogs
from broadtalk.ui.social_map_window import (
    ImportReportDialog,
    OfferingDialog,
    OfferingSuggestions,
    OrganisationDialog,
    SocialMapDialog,
    SocialMapTableModel,
)
from tests.conftest import NOW

TODAY = date.today()  # the screens mark against the real today


@pytest.fixture(autouse=True)
def no_message_boxes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A modal box would hang the test; every message is recorded and questions are answered Yes."""
    shown: list[str] = []
    for name in ("warning", "critical", "information"):
        monkeypatch.setattr(
            QMessageBox, name, staticmethod(lambda _parent, _title, text, *args, **kwargs: shown.append(text))
        )

    def question(_parent, _title, text, *args, **kwargs):
        shown.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    return shown


def _show(qtbot, widget: QWidget, focus: QWidget | None = None) -> None:
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    widget.activateWindow()
    if focus is not None:
        qtbot.waitUntil(lambda: QApplication.focusWidget() is focus)


def _focused() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None, "no widget has the keyboard focus"  # QTest would abort, not fail
    return widget


def _type(qtbot, text: str) -> None:
    """Type like a person at the keyboard, into whatever has the focus (ASCII: QTest aborts on others)."""
    if text:
        qtbot.keyClicks(_focused(), text)


def _key(qtbot, key: Qt.Key, times: int = 1) -> None:
    for _ in range(times):
        qtbot.keyClick(_focused(), key)


def _visible_errors(dialog) -> dict[str, str]:
    return {name: label.text() for name, label in dialog.errors.items() if label.isVisible()}


def _map(db, actor) -> dict[str, int]:
    """A small social map: one fresh organisation with two offerings, one stale with one."""
    with db.transaction() as tx:
        fresh = create_organisation(
            tx,
            actor,
            OrganisationInput("Stichting Welzijn Overvecht", city="Utrecht", last_checked=TODAY - timedelta(days=45)),
        ).id
        stale = create_organisation(
            tx,
            actor,
            OrganisationInput("Schuldhulp Utrecht", phone="030 286 12 34", last_checked=TODAY - timedelta(days=800)),
        ).id
        coach = create_offering(
            tx,
            actor,
            OfferingInput(fresh, "Welzijn op Recept", "welfare_coach", ["meaning", "network"], "Welzijnscoach"),
        ).id
        meal = create_offering(
            tx, actor, OfferingInput(fresh, "Buurtmaaltijd", "community_centre", ["network"], "Gastvrouw")
        ).id
        debt = create_offering(
            tx, actor, OfferingInput(stale, "Schuldhulpmaatje", "debt_counselling", ["money"], "Coördinator")
        ).id
    return {"fresh": fresh, "stale": stale, "coach": coach, "meal": meal, "debt": debt}


def _open_map(qtbot, db, actor) -> SocialMapDialog:
    dialog = SocialMapDialog(db, actor)
    _show(qtbot, dialog, dialog.search)
    return dialog


def _offering_names(dialog: SocialMapDialog) -> list[str]:
    rows = (dialog.model.row_at(i) for i in range(dialog.model.rowCount()))
    return [row.name for row in rows if row is not None and hasattr(row, "organisation_name")]


def _drive_modal(monkeypatch, cls, drive: Callable[[QDialog], None]) -> list[QDialog]:
    """Replace the modal loop of ``cls`` by showing it and letting ``drive`` work it by keyboard."""
    opened: list[QDialog] = []

    def exec_(self) -> int:
        opened.append(self)
        self.show()
        self.activateWindow()
        drive(self)
        return int(self.result())

    monkeypatch.setattr(cls, "exec", exec_)
    return opened


# -- the organisation editor ---------------------------------------------------------------------


def test_an_organisation_is_created_by_keyboard_only(qtbot, db, actor):
    dialog = OrganisationDialog(db, actor)
    _show(qtbot, dialog, dialog.name)
    for text in (
        "Buurtteam Overvecht",
        "Zamenhofdreef 12",
        "3562jt",
        "Utrecht",
        "www.buurtteamsutrecht.nl",
        "030 740 00 00",
        "overvecht@buurtteams.nl",
        "ma-vr 9-17",
    ):
        _type(qtbot, text)
        _key(qtbot, Qt.Key.Key_Tab)
    # The last check is filled in with today; Tab selected it, so typing replaces it.
    assert QApplication.focusWidget() is dialog.last_checked
    assert dialog.last_checked.text() == TODAY.strftime("%d-%m-%Y")
    _type(qtbot, "02-03-2026")
    with qtbot.waitSignal(dialog.accepted):
        _key(qtbot, Qt.Key.Key_Return)

    with db.transaction() as tx:
        (stored,) = list_organisations(tx)
    assert (stored.name, stored.postal_code, stored.city) == ("Buurtteam Overvecht", "3562 JT", "Utrecht")
    assert (stored.phone, stored.email, stored.opening_hours) == (
        "030 740 00 00",
        "overvecht@buurtteams.nl",
        "ma-vr 9-17",
    )
    assert stored.last_checked == date(2026, 3, 2)
    assert dialog.saved_organisation == stored


def test_organisation_errors_show_under_their_fields_and_nothing_is_stored(qtbot, db, actor):
    dialog = OrganisationDialog(db, actor)
    _show(qtbot, dialog, dialog.name)
    dialog.phone.setText("bel de balie")
    dialog.last_checked.setText((TODAY + timedelta(days=3)).strftime("%d-%m-%Y"))
    _key(qtbot, Qt.Key.Key_Return)

    assert set(_visible_errors(dialog)) == {"name", "phone", "last_checked"}
    assert "bel de balie" in dialog.errors["phone"].text()
    assert dialog.phone.accessibleDescription() == dialog.errors["phone"].text()
    assert QApplication.focusWidget() is dialog.name
    assert dialog.isVisible() and dialog.saved_organisation is None
    with db.transaction() as tx:
        assert list_organisations(tx) == []


def test_every_editor_field_has_a_label_with_its_own_mnemonic(qtbot, db, actor):
    _map(db, actor)
    for dialog in (OrganisationDialog(db, actor), OfferingDialog(db, actor)):
        _show(qtbot, dialog)
        for name in dialog.FIELDS:
            assert dialog.labels[name].buddy() is dialog.fields[name]
            assert "&" in dialog.labels[name].text() and dialog.fields[name].accessibleName()
        letters = [label.text()[label.text().index("&") + 1].lower() for label in dialog.labels.values()]
        save = dialog.save_button.text()
        letters.append(save[save.index("&") + 1].lower())  # the Save button's own mnemonic, in this language
        assert len(set(letters)) == len(letters), f"two fields share a mnemonic in {type(dialog).__name__}"


def test_deleting_an_organisation_that_a_referral_names_is_refused_with_a_message(qtbot, db, actor, no_message_boxes):
    ids = _map(db, actor)
    with db.transaction() as tx:
        client = create_client(tx, actor, ClientInput("Ron", "Jansen", "12-05-1980"), now=NOW)
        tx.add(
            Referral(
                reference="VW-002",
                client_id=client.id,
                offering_id=ids["debt"],
                recipient="Schuldhulp Utrecht",
                question="Schulden",
                urgency="normal",
                feedback_contact="POH",
                status="sent",
                created_at=NOW,
                updated_at=NOW,
            )
        )
    with db.transaction() as tx:
        organisation = next(o for o in list_organisations(tx) if o.id == ids["stale"])
    dialog = OrganisationDialog(db, actor, organisation)
    _show(qtbot, dialog)
    dialog.delete_button.click()
    assert "Schuldhulp Utrecht" in no_message_boxes[-1]  # the refusal, after the question
    assert not dialog.deleted and dialog.isVisible()
    with db.transaction() as tx:
        assert len(list_organisations(tx)) == 2


# -- the offering editor ---------------------------------------------------------------------------


def test_an_offering_is_created_by_keyboard_only(qtbot, db, actor):
    with db.transaction() as tx:
        create_organisation(tx, actor, OrganisationInput("Schuldhulp Utrecht", phone="14 030"))
    dialog = OfferingDialog(db, actor)
    _show(qtbot, dialog, dialog.organisation)  # no organisation chosen yet: the cursor starts there
    _key(qtbot, Qt.Key.Key_Down)  # the first (only) organisation
    _key(qtbot, Qt.Key.Key_Tab)
    _type(qtbot, "Formulierenhulp")
    _key(qtbot, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is dialog.kind
    _key(qtbot, Qt.Key.Key_Down, 2)  # welfare_coach, then debt_counselling
    _key(qtbot, Qt.Key.Key_Tab)
    _type(qtbot, "Balie formulierenhulp")
    _key(qtbot, Qt.Key.Key_Tab, 3)  # phone and e-mail stay empty: the organisation's are used
    assert QApplication.focusWidget() is dialog.domain_tags
    _key(qtbot, Qt.Key.Key_Down, 5)  # from "body" to "daily-life"
    _key(qtbot, Qt.Key.Key_Space)
    _key(qtbot, Qt.Key.Key_Down)  # "money"
    _key(qtbot, Qt.Key.Key_Space)
    _key(qtbot, Qt.Key.Key_Tab)
    _type(qtbot, "Hulp bij brieven")
    _key(qtbot, Qt.Key.Key_Return)  # a new line in the description, not Save
    _type(qtbot, "en formulieren")
    _key(qtbot, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is dialog.save_button
    with qtbot.waitSignal(dialog.accepted):
        _key(qtbot, Qt.Key.Key_Space)

    with db.transaction() as tx:
        (stored,) = list_offerings(tx, today=TODAY)
    assert (stored.organisation_name, stored.name, stored.kind) == (
        "Schuldhulp Utrecht",
        "Formulierenhulp",
        "debt_counselling",
    )
    assert stored.domain_tags == ("daily-life", "money")
    assert (stored.contact_function, stored.phone, stored.contact_phone) == ("Balie formulierenhulp", "", "14 030")
    assert stored.description == "Hulp bij brieven\nen formulieren"


def test_offering_errors_show_under_their_fields_including_the_domain_list(qtbot, db, actor):
    ids = _map(db, actor)
    dialog = OfferingDialog(db, actor, organisation_id=ids["fresh"])
    _show(qtbot, dialog, dialog.name)
    _type(qtbot, "Zomerfeest")
    _key(qtbot, Qt.Key.Key_Return)
    assert set(_visible_errors(dialog)) == {"kind", "contact_function", "domain_tags"}
    assert QApplication.focusWidget() is dialog.kind
    assert dialog.saved_offering is None
    with db.transaction() as tx:
        assert len(list_offerings(tx, today=TODAY)) == 3


def test_an_offering_set_inactive_leaves_the_list_until_inactive_ones_are_shown(qtbot, db, actor, monkeypatch):
    ids = _map(db, actor)
    dialog = _open_map(qtbot, db, actor)
    dialog.table.selectRow(dialog.model.row_of_offering(ids["meal"]))

    def untick_active(editor: OfferingDialog) -> None:
        assert editor.name.text() == "Buurtmaaltijd" and editor.active.isVisible()
        qtbot.keyClick(editor.active, Qt.Key.Key_Space)
        editor.save_button.click()

    _drive_modal(monkeypatch, OfferingDialog, untick_active)
    dialog.edit_button.click()
    assert "Buurtmaaltijd" not in _offering_names(dialog)
    dialog.show_inactive.click()
    assert "Buurtmaaltijd" in _offering_names(dialog)
    with db.transaction() as tx:
        assert ids["meal"] not in {view.id for view in suggest_offerings(tx, ["network"], TODAY)}


# -- the list ----------------------------------------------------------------------------------


def test_new_organisation_then_its_first_offering_from_the_list(qtbot, db, actor, monkeypatch):
    dialog = _open_map(qtbot, db, actor)

    def fill_organisation(editor: OrganisationDialog) -> None:
        qtbot.waitUntil(lambda: QApplication.focusWidget() is editor.name)
        _type(qtbot, "Buurthuis De Kroon")
        _key(qtbot, Qt.Key.Key_Return)

    _drive_modal(monkeypatch, OrganisationDialog, fill_organisation)
    dialog.new_organisation_button.click()
    # An organisation without offerings is listed, so it can be found and completed.
    row = dialog.selected()
    assert row is not None and row.name == "Buurthuis De Kroon" and not hasattr(row, "organisation_name")

    def fill_offering(editor: OfferingDialog) -> None:
        assert editor.organisation.currentText().startswith("Buurthuis De Kroon")
        editor.name.setText("Koffie-ochtend")
        editor.kind.setCurrentIndex(editor.kind.findData("community_centre"))
        editor.contact_function.setText("Gastvrouw buurthuis")
        editor.set_tags(["network"])
        editor.save_button.click()

    _drive_modal(monkeypatch, OfferingDialog, fill_offering)
    dialog.edit_button.click()  # on an organisation without offerings: "add its first offering"
    assert _offering_names(dialog) == ["Koffie-ochtend"]
    assert dialog.selected().name == "Koffie-ochtend"


def test_the_list_filters_by_life_domain_and_by_search_text(qtbot, db, actor):
    _map(db, actor)
    dialog = _open_map(qtbot, db, actor)
    assert _offering_names(dialog) == ["Schuldhulpmaatje", "Buurtmaaltijd", "Welzijn op Recept"]
    dialog.domain_filter.setCurrentIndex(dialog.domain_filter.findData("network"))
    assert _offering_names(dialog) == ["Buurtmaaltijd", "Welzijn op Recept"]
    dialog.domain_filter.setCurrentIndex(0)  # all life domains
    dialog.search.setFocus()
    _type(qtbot, "recept")
    qtbot.waitUntil(lambda: _offering_names(dialog) == ["Welzijn op Recept"])
    assert dialog.status.text()


def test_stale_entries_are_marked_in_amber_and_marking_checked_clears_them(qtbot, db, actor):
    ids = _map(db, actor)
    dialog = _open_map(qtbot, db, actor)
    row = dialog.model.row_of_offering(ids["debt"])
    cell = dialog.model.index(row, dialog.model.COLUMNS.index("last_checked"))
    assert dialog.model.data(cell, Qt.ItemDataRole.BackgroundRole) is not None
    assert "\n" in dialog.model.data(cell)  # the date, and the marker under it
    assert dialog.model.data(dialog.model.index(row, 5)) == "030 286 12 34"  # the organisation's number
    assert dialog.stale_status.isVisible()

    dialog.table.selectRow(row)
    dialog.check_button.click()
    row = dialog.model.row_of_offering(ids["debt"])
    cell = dialog.model.index(row, dialog.model.COLUMNS.index("last_checked"))
    assert dialog.model.data(cell) == TODAY.strftime("%d-%m-%Y")
    assert dialog.model.data(cell, Qt.ItemDataRole.BackgroundRole) is None
    assert dialog.selected().id == ids["debt"]  # the selection stayed
    assert not dialog.stale_status.isVisible()


def test_the_stale_months_spin_box_is_saved_and_applied(qtbot, db, actor, no_message_boxes):
    ids = _map(db, actor)  # the fresh organisation was checked 45 days ago
    with db.transaction() as tx:  # a practice setting: the practice manager's to change, not the nurse's
        manager = create_practitioner(tx, "Mira Jansen", Role.PRACTICE_MANAGER, now=NOW)
    dialog = _open_map(qtbot, db, manager)
    assert dialog.stale_months.value() == 12
    assert not dialog.model.row_at(dialog.model.row_of_offering(ids["coach"])).stale
    dialog.stale_months.setValue(1)
    assert no_message_boxes == []
    with db.transaction() as tx:
        assert stale_after_months(tx) == 1
    assert dialog.model.row_at(dialog.model.row_of_offering(ids["coach"])).stale


def test_a_practice_nurse_is_refused_the_stale_months_setting(qtbot, db, actor, no_message_boxes):
    i18n.set_language("en")
    ids = _map(db, actor)
    dialog = _open_map(qtbot, db, actor)
    dialog.stale_months.setValue(1)
    assert len(no_message_boxes) == 1 and "may not change practice settings" in no_message_boxes[0]
    with db.transaction() as tx:
        assert stale_after_months(tx) == 12
    assert not dialog.model.row_at(dialog.model.row_of_offering(ids["coach"])).stale


# -- importing -----------------------------------------------------------------------------------

CSV = "\r\n".join(
    [
        "Organisatie;Aanbod;Soort;Domeinen;Contactfunctie;Telefoon;Laatst gecontroleerd",
        "Voedselbank Utrecht;Voedselpakket;Schuldhulpverlening;Geld en schulden;Intake;030 111 22 33;01-02-2026",
        "Voedselbank Utrecht;;Schuldhulpverlening;geld;Intake;;",
        "Sportbuurtwerk;Beweegmaatje;sport;geluk;Coach;;",
        "Taalhuis;Taalcafé;anders;meedoen;Taalcoach;;",
    ]
)


def test_a_csv_is_imported_through_the_dialog_and_the_report_lists_every_rejected_line(
    qtbot, db, actor, monkeypatch, tmp_path
):
    path = tmp_path / "sociale-kaart.csv"
    path.write_bytes(CSV.encode("utf-8-sig"))
    monkeypatch.setattr(file_dialogs, "ask_open_path", lambda *args, **kwargs: path)
    reports = _drive_modal(monkeypatch, ImportReportDialog, lambda report: None)
    dialog = _open_map(qtbot, db, actor)
    dialog.import_button.click()

    (report,) = reports
    assert (report.report.imported, len(report.report.rejected)) == (2, 2)
    assert "sociale-kaart.csv" in report.headline.text()
    assert report.summary.text().count("•") == 4 and "2" in report.summary.text()
    lines = [report.problems.item(row, 0).text() for row in range(report.problems.rowCount())]
    assert lines == ["3", "4"]
    assert "'sport'" in report.problems.item(1, 2).text() and "'geluk'" in report.problems.item(1, 2).text()
    assert "Regel 3" in report.text() or "Line 3" in report.text()
    assert report.hint.isVisible()
    assert _offering_names(dialog) == ["Taalcafé", "Voedselpakket"]


def test_cancelling_the_file_choice_imports_nothing(qtbot, db, actor, monkeypatch):
    monkeypatch.setattr(file_dialogs, "ask_open_path", lambda *args, **kwargs: None)
    reports = _drive_modal(monkeypatch, ImportReportDialog, lambda report: None)
    dialog = _open_map(qtbot, db, actor)
    dialog.import_button.click()
    assert reports == []
    with db.transaction() as tx:
        assert list_organisations(tx) == []


def test_a_file_without_the_required_columns_is_refused_with_one_message(
    qtbot, db, actor, monkeypatch, tmp_path, no_message_boxes
):
    path = tmp_path / "adressen.csv"
    path.write_text("naam;adres\nWijk;Straat 1\n", encoding="utf-8")
    monkeypatch.setattr(file_dialogs, "ask_open_path", lambda *args, **kwargs: path)
    reports = _drive_modal(monkeypatch, ImportReportDialog, lambda report: None)
    dialog = _open_map(qtbot, db, actor)
    dialog.import_button.click()
    assert reports == []
    (message,) = no_message_boxes
    assert "'naam', 'adres'" in message
    with db.transaction() as tx:
        assert list_organisations(tx) == []


# -- suggestions for the referral dialog ---------------------------------------------------------------


def test_suggestions_show_organisation_offering_contact_and_the_stale_marker(qtbot, db, actor):
    _map(db, actor)
    with db.transaction() as tx:
        offerings = suggest_offerings(tx, ["money", "network"], TODAY)
    widget = OfferingSuggestions()
    _show(qtbot, widget)
    widget.set_suggestions(offerings)
    texts = [widget.item(i).text() for i in range(widget.count())]
    # The most specific offerings first: the coach also does "meaning", which nobody asked for.
    assert texts[0].startswith("Stichting Welzijn Overvecht — Buurtmaaltijd (Gastvrouw")
    assert texts[-1].startswith("Stichting Welzijn Overvecht — Welzijn op Recept")
    stale = next(row for row, text in enumerate(texts) if "Schuldhulpmaatje" in text)
    assert texts[stale].startswith("Schuldhulp Utrecht — Schuldhulpmaatje (Coördinator, 030 286 12 34)")
    assert texts[stale] != OfferingSuggestions.text_of(offerings[stale]).split(" · ")[0]  # the marker is there
    assert widget.item(stale).background().color().name() != widget.item(0).background().color().name()
    assert widget.current_offering() == offerings[0]

    with qtbot.waitSignal(widget.offering_chosen) as chosen:
        widget.setCurrentRow(2)
        qtbot.keyClick(widget, Qt.Key.Key_Return)
    assert chosen.args == [offerings[2].id]


def test_no_suggestions_say_so_and_choose_nothing(qtbot):
    widget = OfferingSuggestions()
    _show(qtbot, widget)
    widget.set_suggestions([])
    assert widget.count() == 1 and widget.item(0).text()
    assert widget.current_offering() is None


def test_the_social_map_is_not_cramped(qtbot, db, actor):
    _map(db, actor)
    dialog = _open_map(qtbot, db, actor)
    assert dialog.minimumWidth() >= 900 and dialog.minimumHeight() >= 600
    dialog.resize(900, 600)
    qtbot.waitUntil(lambda: dialog.table.viewport().width() < 900)
    header = dialog.table.horizontalHeader()
    used = sum(header.sectionSize(i) for i in range(header.count()))
    assert used <= dialog.table.viewport().width() + 1  # no sideways scrolling at the smallest size


def test_import_report_without_problems_shows_only_the_counts(qtbot):
    dialog = ImportReportDialog(ImportReport(3, 1, [], 0), "kaart.csv")
    _show(qtbot, dialog)
    assert not dialog.problems.isVisible() and not dialog.copy_button.isVisible()
    assert "3" in dialog.summary.text()


def _demo_map(db, actor) -> None:
    """The demo practice's social map, with its long Dutch compound words."""
    with db.transaction() as tx:
        for organisation, city, phone, offerings in demo_texts.SOCIAL_MAP:
            organisation_id = create_organisation(
                tx, actor, OrganisationInput(organisation, city=city, phone=phone, last_checked=TODAY)
            ).id
            for name, kind, tags, contact in offerings:
                create_offering(tx, actor, OfferingInput(organisation_id, name, kind, tags, contact))


def test_no_word_of_the_demo_social_map_is_cut_off_and_a_wide_window_shows_every_name_whole(qtbot, db, actor):
    _demo_map(db, actor)
    dialog = _open_map(qtbot, db, actor)
    table, model = dialog.table, dialog.model
    metrics = table.fontMetrics()
    columns = {name: SocialMapTableModel.COLUMNS.index(name) for name in SocialMapTableModel.COLUMNS}

    def texts(column: str) -> list[str]:
        return [model.index(row, columns[column]).data() for row in range(model.rowCount())]

    dialog.resize(1240, 780)
    qtbot.waitUntil(lambda: table.viewport().width() > 1100)
    for column in ("organisation", "offering", "contact", "kind"):
        longest = max(metrics.horizontalAdvance(text) for text in texts(column))
        assert table.columnWidth(columns[column]) >= longest + 12, column  # on one line, nothing elided
    # The life domains are as wide as their longest line, not a half-empty column beside cut names.
    longest_domain = max(metrics.horizontalAdvance(line) for text in texts("domains") for line in text.split("\n"))
    assert table.columnWidth(columns["domains"]) <= longest_domain + 40
    header = table.horizontalHeader()
    assert sum(header.sectionSize(i) for i in range(header.count())) <= table.viewport().width() + 1

    # The smallest window wraps the long texts, but never cuts a word ("Schuldhul…").
    dialog.resize(900, 600)
    qtbot.waitUntil(lambda: table.viewport().width() < 900)
    for column in ("organisation", "offering", "contact", "domains", "kind"):
        widest_word = max(metrics.horizontalAdvance(word) for text in texts(column) for word in text.split())
        assert table.columnWidth(columns[column]) >= widest_word + 12, column
    # Rows as tall as their wrapped lines: no "Meedoen en …" at the bottom of a cell.
    for row in range(model.rowCount()):
        for column in ("organisation", "offering", "contact", "domains"):
            width = table.columnWidth(columns[column]) - 12
            text = model.index(row, columns[column]).data()
            needed = metrics.boundingRect(0, 0, width, 10_000, int(Qt.TextFlag.TextWordWrap), text).height()
            assert table.rowHeight(row) >= needed + 8, (row, column)
    for column in ("organisation", "offering", "contact"):
        assert model.index(0, columns[column]).data(Qt.ItemDataRole.ToolTipRole)  # the whole text on hover
