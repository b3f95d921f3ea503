"""Translations: complete Dutch catalog, catalogs in step with the code, safe formatting."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime

from babel.messages.pofile import read_po

from broadtalk import i18n
from tests.conftest import REPO

CATALOGS = REPO / "translations"


def _catalog(language: str):
    with (CATALOGS / language / "LC_MESSAGES" / "broadtalk.po").open("rb") as fh:
        return read_po(fh, locale=language)


def _extracted_msgids(tmp_path) -> set[str]:
    pot = tmp_path / "fresh.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "--no-location",
            "--keyword",
            "N_",
            "--keyword",
            "ngettext:1,2",
            "-o",
            str(pot),
            str(REPO / "broadtalk"),
        ],
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as fh:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}


def test_every_string_in_the_code_is_in_the_dutch_catalog(tmp_path):
    in_code = _extracted_msgids(tmp_path)
    in_catalog = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalog("nl") if m.id}
    missing = sorted(in_code - in_catalog)
    assert not missing, f"run `make catalog` and translate: {missing[:10]}"


def test_the_dutch_catalog_is_complete_and_has_no_fuzzy_entries():
    untranslated = []
    for message in _catalog("nl"):
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            untranslated.append(message.id)
    assert not untranslated, f"untranslated or fuzzy: {untranslated[:10]}"


def test_dutch_translations_keep_the_format_fields_of_the_source():
    broken = []
    for message in _catalog("nl"):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for source in ids:
            for translated in strings:
                if translated and i18n.format_fields(translated) != i18n.format_fields(
                    ids[-1] if len(ids) > 1 else source
                ):
                    broken.append(source)
    assert not broken, broken


def test_a_translation_with_other_fields_falls_back_to_the_source(monkeypatch):
    class Catalog:
        def gettext(self, message):
            return "Kapot {verkeerd}"

    monkeypatch.setattr(i18n, "translations_for", lambda language: Catalog())
    i18n._translate.cache_clear()
    try:
        assert i18n._("Hello {name}").format(name="Greet") == "Hello Greet"
    finally:
        i18n._translate.cache_clear()


def test_dutch_is_the_default_and_english_is_complete():
    i18n.set_language("nl")
    assert i18n._("Clients") == "Cliënten"
    i18n.set_language("en")
    assert i18n._("Clients") == "Clients"
    i18n.set_language("xx")
    assert i18n.current_language() == "nl"


def test_dates_and_numbers_follow_the_language():
    i18n.set_language("nl")
    assert i18n.format_short_date(date(2026, 3, 7)) == "07-03-2026"
    assert i18n.format_date(date(2026, 3, 7), "long") == "7 maart 2026"
    assert i18n.format_number(1234.5) == "1.234,5"
    i18n.set_language("en")
    assert i18n.format_date(date(2026, 3, 7), "long") == "7 March 2026"


def test_stored_utc_times_are_shown_in_dutch_time():
    i18n.set_language("nl")
    summer = datetime(2026, 7, 1, 22, 30, tzinfo=UTC)
    assert i18n.to_display_time(summer).hour == 0  # CEST is UTC+2
    assert i18n.format_date(summer) == i18n.format_date(date(2026, 7, 2))


def test_pick_chooses_the_language_and_falls_back_to_dutch():
    texts = {"nl": "Lichaam", "en": "Body"}
    i18n.set_language("en")
    assert i18n.pick(texts) == "Body"
    assert i18n.pick({"nl": "Alleen Nederlands"}) == "Alleen Nederlands"


def test_audit_codes_read_as_words_in_dutch():
    from broadtalk.audit import detail_label, object_label

    assert object_label("session") == "sessie"
    assert detail_label("feedback_received") == "Terugkoppeling ontvangen"
    assert detail_label("not_done") == "niet gedaan"
    assert detail_label("chain broken at 12") == "keten verbroken bij regel 12"
    assert detail_label("offerings=3 organisations=1 rejected=0") == "offerings=3 organisations=1 rejected=0"
