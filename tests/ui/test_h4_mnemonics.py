"""Mnemonics in the referral, consent and social map dialogs: one letter, one field, in Dutch and
English; and a field reached by its mnemonic in a scrolled list is scrolled into view."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QGroupBox, QLabel, QWidget

from broadtalk import conversations as conv
from broadtalk import i18n
from broadtalk.clients import ClientInput, create_client
from broadtalk.referrals import create_referral
from broadtalk.social_map import OfferingInput, OrganisationInput, create_offering, create_organisation
from broadtalk.ui.consent_dialogs import ConsentDialog
from broadtalk.ui.referral_dialogs import AdvanceReferralDialog, ReferralDialog
from broadtalk.ui.social_map_window import SocialMapDialog

MNEMONIC = re.compile(r"&([^&\s])")


def mnemonics(dialog: QWidget) -> Counter[str]:
    texts = [w.text() for w in dialog.findChildren(QAbstractButton) + dialog.findChildren(QLabel)]
    texts += [w.title() for w in dialog.findChildren(QGroupBox)]
    return Counter(m.group(1).casefold() for text in texts for m in [MNEMONIC.search(text.replace("&&", ""))] if m)


@pytest.fixture
def referral(db, actor) -> tuple[int, int, int]:
    with db.transaction() as tx:
        client = create_client(tx, actor, ClientInput("Greet", "Visser", "03-03-1942"))
        cid = conv.start_conversation(tx, actor, client.id, "self-sufficiency", 1).id
        conv.assess_domain(tx, actor, cid, "finances", score=2, important=True)
        conv.complete_conversation(tx, actor, cid)
        organisation = create_organisation(tx, actor, OrganisationInput("Schuldhulp Utrecht", phone="030 1"))
        offering = create_offering(
            tx, actor, OfferingInput(organisation.id, "Schuldhulpmaatje", "debt_counselling", ("money",), "Coördinator")
        )
        referral_id = create_referral(
            tx,
            actor,
            client.id,
            offering_id=offering.id,
            question="Graag hulp bij de post.",
            urgency="routine",
            feedback_contact="POH, 030 111 2222",
            conversation_id=cid,
        ).id
    return client.id, cid, referral_id


@pytest.mark.parametrize("language", ["nl", "en"])
def test_no_two_fields_of_a_dialog_share_a_mnemonic(qtbot, db, actor, referral, language):
    i18n.set_language(language)
    client_id, cid, referral_id = referral
    for dialog in (
        ReferralDialog(db, actor, client_id, cid),
        ConsentDialog(db, actor, referral_id),
        AdvanceReferralDialog(db, actor, referral_id),
        SocialMapDialog(db, actor),
    ):
        qtbot.addWidget(dialog)
        clashes = {letter: n for letter, n in mnemonics(dialog).items() if n > 1}
        assert clashes == {}, type(dialog).__name__


def test_a_field_reached_by_its_mnemonic_below_the_fold_is_scrolled_into_view(qtbot, db, actor, referral):
    _client_id, _cid, referral_id = referral
    dialog = ConsentDialog(db, actor, referral_id)
    qtbot.addWidget(dialog)
    dialog.resize(900, 560)  # thirteen domains: the details are below the fold
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    area = dialog.choices_area
    box = dialog.share_identity
    assert not area.viewport().rect().contains(box.mapTo(area.viewport(), box.rect().center()))
    letter = MNEMONIC.search(box.text()).group(1)
    qtbot.keyClick(QApplication.focusWidget() or dialog, Qt.Key(ord(letter.upper())), Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is box)
    qtbot.waitUntil(lambda: area.viewport().rect().contains(box.mapTo(area.viewport(), box.rect().center())))
