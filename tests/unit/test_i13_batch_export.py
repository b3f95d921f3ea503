"""Issue 13: the batch export of handover documents (``handover.batch``).

The plan takes the referrals made in the period (and for the recipient asked), each exported or
excluded with the single export's reason; the run writes every exportable document once, with a
disclosure carrying the batch's token and one export entry in the trail; a cancel leaves a state
the same batch finishes without a second disclosure; what a worker process renders is what the
process itself renders; and nothing outside the consent reaches a file (the consent property
test's cases, run through the batch)."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import col, select

from broadtalk import i18n, permissions
from broadtalk.consent import ConsentInput, latest_consent_unchecked, require_valid_consent, withdraw_consent
from broadtalk.demo import generate_demo
from broadtalk.errors import InputError, RefusedError
from broadtalk.handover import batch as batch_module
from broadtalk.handover.batch import (
    INDEX,
    MANIFEST,
    BatchParameters,
    BatchPlan,
    open_batch,
    organisation_of,
    plan_batch,
    run_batch,
    safe_folder_name,
)
from broadtalk.handover.content import give_consent
from broadtalk.handover.export import CLIENT_COPY, HANDOVER_PDF
from broadtalk.i18n import to_display_time
from broadtalk.permissions import Permission
from broadtalk.practitioners import Actor, Role, list_practitioners
from broadtalk.referrals import create_referral
from broadtalk.store.database import Database
from broadtalk.store.tables import AuditEntry, Conversation, Disclosure, DomainAssessment, Offering, Referral
from tests.unit.test_handover_pdf import TODAY as CASE_TODAY
from tests.unit.test_handover_pdf import cases, expectations, pages_text, record_case, squeeze

TODAY = date(2026, 3, 2)
EVER = date(2000, 1, 1)


def _actor(db: Database, role: Role) -> Actor:
    with db.transaction() as tx:
        return next(a for a in sorted(list_practitioners(tx), key=lambda a: a.id) if a.role == role)


@pytest.fixture
def practice(db: Database) -> Database:
    generate_demo(db, clients=30, seed=3, today=TODAY)
    return db


@pytest.fixture
def manager(practice: Database) -> Actor:
    return _actor(practice, Role.PRACTICE_MANAGER)


def _plan(db: Database, actor: Actor, **options) -> BatchPlan:
    options.setdefault("since", EVER)
    with db.transaction() as tx:
        return plan_batch(tx, actor, BatchParameters(**options), today=TODAY)


def _run(db: Database, actor: Actor, plan: BatchPlan, out: Path, **options):
    return run_batch(db, actor, plan, open_batch(out, plan), **options)


def _referrals(db: Database) -> list[Referral]:
    with db.transaction() as tx:
        return list(tx.exec(select(Referral).order_by(col(Referral.created_at), col(Referral.id))).all())


def _disclosures(db: Database) -> list[Disclosure]:
    with db.transaction() as tx:
        return list(tx.exec(select(Disclosure).order_by(col(Disclosure.id))).all())


def _exports(db: Database) -> list[AuditEntry]:
    with db.transaction() as tx:
        return list(
            tx.exec(select(AuditEntry).where(AuditEntry.action == "export", AuditEntry.object_type == "handover")).all()
        )


def _files(out: Path) -> set[str]:
    return {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and p.suffix == ".pdf"}


def _index(out: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO((out / INDEX).read_text(encoding="utf-8"))))


# -- the plan -------------------------------------------------------------------------------------


def test_the_plan_holds_exactly_the_referrals_made_in_the_period(practice, manager):
    referrals = _referrals(practice)
    days = sorted({to_display_time(r.created_at).date() for r in referrals})
    since, until = days[len(days) // 4], days[3 * len(days) // 4]
    plan = _plan(practice, manager, since=since, until=until)
    expected = [r.reference for r in referrals if since <= to_display_time(r.created_at).date() <= until]
    assert [e.reference for e in plan.entries] == expected
    assert 0 < len(expected) < len(referrals)
    assert [e.reference for e in _plan(practice, manager, since=since).entries] == [
        r.reference for r in referrals if to_display_time(r.created_at).date() >= since
    ]


def test_the_recipient_filter_keeps_only_that_organisation_whatever_its_case(practice, manager):
    everything = _plan(practice, manager)
    organisation = everything.entries[0].organisation
    plan = _plan(practice, manager, recipient=f"  {organisation.upper()} ")
    assert plan.entries and {e.organisation for e in plan.entries} == {organisation}
    assert len(plan.entries) == sum(1 for e in everything.entries if e.organisation == organisation)


def test_an_unknown_recipient_and_an_end_before_the_start_are_refused(practice, manager):
    with pytest.raises(InputError, match="Buurthuis Nergens"):
        _plan(practice, manager, recipient="Buurthuis Nergens")
    with pytest.raises(InputError):
        _plan(practice, manager, since=TODAY, until=TODAY - timedelta(days=1))


def test_every_referral_without_a_valid_consent_is_excluded_with_the_single_exports_reason(practice, manager):
    plan = _plan(practice, manager)
    with practice.transaction() as tx:
        for entry in plan.entries:
            consent = latest_consent_unchecked(tx, entry.referral_id)
            try:
                require_valid_consent(consent, TODAY)
            except RefusedError as refusal:
                assert entry.reason == refusal.message
            else:
                assert entry.exportable
    statuses = {e.reason.split(";")[0] for e in plan.excluded}
    assert len(statuses) >= 3, statuses  # none, withdrawn, expired (each with its own words)


def test_the_organisation_is_the_social_maps_or_the_typed_lines_first_part():
    assert organisation_of("Buurtteam Oost – Schuldhulp, 030 123", None) == "Buurtteam Oost"
    assert organisation_of("Buurtteam Oost, 030 123", None) == "Buurtteam Oost"
    assert organisation_of("Whatever – x", "GGZ Stad") == "GGZ Stad"


@pytest.mark.parametrize(
    ("name", "folder"),
    [
        ("GGZ Stad", "GGZ Stad"),
        ("../../etc/passwd", "etc-passwd"),
        ("Welzijn: De Brug / Oost", "Welzijn- De Brug - Oost"),
        ("CON", "_CON"),
        ("...", "organisation"),
        ("a" * 300, "a" * 80),
    ],
)
def test_a_folder_per_organisation_has_a_safe_name(name, folder):
    assert safe_folder_name(name) in (folder, folder.replace("organisation", "organisatie"))


def test_only_roles_that_make_handover_documents_may_plan_a_batch_and_a_refusal_is_audited(
    practice, manager, monkeypatch
):
    # Every role of today's matrix makes handover documents; a role without it is refused.
    assert all(Permission.EXPORT_HANDOVERS in granted for granted in permissions.MATRIX.values())
    monkeypatch.setitem(
        permissions.MATRIX,
        Role.PRACTICE_MANAGER,
        permissions.MATRIX[Role.PRACTICE_MANAGER] - {Permission.EXPORT_HANDOVERS},
    )
    with pytest.raises(permissions.PermissionRefused):
        _plan(practice, manager)
    with practice.transaction() as tx:
        refused = tx.exec(select(AuditEntry).where(AuditEntry.outcome == "refused")).all()
    assert [(e.practitioner_id, e.action) for e in refused][-1][0] == manager.id


# -- running it -----------------------------------------------------------------------------------


def test_every_exportable_referral_becomes_its_documents_once_with_the_batchs_token(practice, manager, tmp_path):
    plan = _plan(practice, manager, client_copy=True, group=True)
    out = tmp_path / "batch"
    seen: list[tuple[int, int]] = []
    result = _run(practice, manager, plan, out, workers=1, progress=lambda done, total: seen.append((done, total)))
    token = json.loads((out / MANIFEST).read_text())["token"]
    disclosures = [d for d in _disclosures(practice) if d.batch == token]
    expected = {(e.referral_id, kind) for e in plan.exportable for kind in (HANDOVER_PDF, CLIENT_COPY)}
    assert sorted((d.referral_id, d.kind) for d in disclosures) == sorted(expected)
    assert len(_exports(practice)) == len(expected)  # one export entry per document, nothing more
    assert result.written == len(expected) and not result.cancelled
    assert seen[-1] == (len(expected), len(expected))
    files = _files(out)
    assert files == {name for o in result.exported for name in o.files}
    assert len(files) == len(expected)
    for entry in plan.exportable:  # a folder per organisation; no client name anywhere in a name
        assert any(name.startswith(safe_folder_name(entry.organisation) + "/") for name in files)
    for path in out.rglob("*"):
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))
        assert not path.name.endswith(".partial")
    rows = _index(out)
    assert len(rows) == 1 + len(plan.entries)
    by_reference = {row[0]: row for row in rows[1:]}
    for entry in plan.excluded:
        assert by_reference[entry.reference][7] == entry.reason
        assert by_reference[entry.reference][8:] == ["", "", ""]
    for outcome in result.exported:
        assert by_reference[outcome.entry.reference][8:] == [*outcome.files, ""]  # no FHIR data asked
    summary = (out / result.folder.summary_name).read_text(encoding="utf-8")
    assert all(e.reference in summary for e in plan.excluded)
    assert not any(e.reference in summary for e in plan.exportable)


def test_a_cancel_leaves_a_state_the_same_batch_finishes_without_a_second_disclosure(practice, manager, tmp_path):
    plan = _plan(practice, manager)
    out = tmp_path / "batch"
    cancel = threading.Event()

    def progress(done: int, _total: int) -> None:
        if done >= 4:
            cancel.set()

    first = _run(practice, manager, plan, out, workers=1, progress=progress, cancel=cancel)
    assert first.cancelled and first.written == 4
    assert len(_files(out)) == 4 and len(_disclosures(practice)) == 4
    stopped = [row for row in _index(out)[1:] if row[6] != "ja" and row[0] in {e.reference for e in plan.exportable}]
    assert len(stopped) == len(plan.exportable) - 4  # the index says which are still to come

    again = open_batch(out, plan)
    assert again.resumed and again.token == first.folder.token
    second = run_batch(practice, manager, plan, again, workers=1)
    assert second.earlier == 4 and second.written == len(plan.exportable) - 4 and not second.cancelled
    disclosures = _disclosures(practice)
    assert sorted(d.referral_id for d in disclosures) == sorted(e.referral_id for e in plan.exportable)
    assert {d.batch for d in disclosures} == {first.folder.token}
    assert len(_files(out)) == len(plan.exportable)
    assert all(row[6] == "ja" for row in _index(out)[1:] if row[0] in {e.reference for e in plan.exportable})


def test_two_processes_finishing_one_batch_in_one_folder_disclose_each_document_once(
    practice, manager, tmp_path, monkeypatch
):
    """Two windows (or the command beside the app) resume the same stopped batch: each reads
    what is done at its start, so the one that comes second would write what the first wrote
    meanwhile. Each document's transaction takes the write lock and looks again: nothing is
    disclosed twice, and the folder has each document once."""
    plan = _plan(practice, manager)
    out = tmp_path / "batch"
    cancel = threading.Event()
    first = _run(practice, manager, plan, out, workers=1, progress=lambda d, _t: d >= 2 and cancel.set(), cancel=cancel)
    assert first.cancelled
    folder = open_batch(out, plan)
    # The other process's done-list was read before this one finished the batch.
    stale = batch_module._done(practice, folder.token)
    run_batch(practice, manager, plan, folder, workers=1)
    monkeypatch.setattr(batch_module, "_done", lambda _db, _token: stale)
    late = run_batch(practice, manager, plan, open_batch(out, plan), workers=1)
    assert not late.cancelled
    disclosures = _disclosures(practice)
    pairs = [(d.referral_id, d.kind) for d in disclosures]
    assert len(pairs) == len(set(pairs)) == plan.document_count
    assert len(_files(out)) == plan.document_count


def test_a_finished_batch_run_again_exports_nothing_more(practice, manager, tmp_path):
    plan = _plan(practice, manager)
    out = tmp_path / "batch"
    _run(practice, manager, plan, out, workers=1)
    before = len(_disclosures(practice))
    again = _run(practice, manager, plan, out, workers=1)
    assert again.written == 0 and again.earlier == len(plan.exportable)
    assert len(_disclosures(practice)) == before


def test_a_resumed_batch_keeps_its_organisations_folders_when_a_new_organisation_comes_first(
    practice, manager, tmp_path
):
    import dataclasses

    plan = _plan(practice, manager, group=True)
    first = dataclasses.replace(
        plan, entries=tuple(dataclasses.replace(e, organisation="Welzijn:Oost") for e in plan.entries)
    )
    out = tmp_path / "batch"
    started = open_batch(out, first)
    assert set(started.folders.values()) == {"Welzijn-Oost"}
    # A referral to an organisation whose folder name is the same, and which sorts first, is made
    # before the batch is run again: the folder already made keeps its name, the new one another.
    later = dataclasses.replace(
        first, entries=(dataclasses.replace(first.entries[0], organisation="Welzijn/Oost"), *first.entries[1:])
    )
    resumed = open_batch(out, later)
    assert resumed.token == started.token and resumed.resumed
    assert resumed.folders == {"welzijn:oost": "Welzijn-Oost", "welzijn/oost": "Welzijn-Oost (2)"}
    assert json.loads((out / ".broadtalk-batch.json").read_text())["folders"] == resumed.folders
    # A manifest whose folder is a path is another batch's (or tampered with): refused.
    manifest = json.loads((out / ".broadtalk-batch.json").read_text())
    manifest["folders"]["welzijn:oost"] = "../elders"
    (out / ".broadtalk-batch.json").write_text(json.dumps(manifest))
    i18n.set_language("en")
    with pytest.raises(InputError, match="cannot be read"):
        open_batch(out, later)


def test_a_folder_of_another_batch_or_with_other_files_or_no_folder_is_refused_and_nothing_changes(
    practice, manager, tmp_path
):
    plan = _plan(practice, manager)
    out = tmp_path / "batch"
    _run(practice, manager, plan, out, workers=1)
    before = sorted(p.name for p in out.rglob("*")), len(_disclosures(practice))
    other = _plan(practice, manager, client_copy=True)
    i18n.set_language("en")  # the messages in English (Dutch is the default)
    with pytest.raises(InputError, match="other dates"):
        open_batch(out, other)
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "brief.txt").write_text("mine")
    with pytest.raises(InputError, match="not empty"):
        open_batch(busy, plan)
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    with pytest.raises(InputError, match="not a folder"):
        open_batch(a_file, plan)
    with pytest.raises(InputError, match="nowhere"):
        open_batch(tmp_path / "nowhere" / "batch", plan)
    assert (sorted(p.name for p in out.rglob("*")), len(_disclosures(practice))) == before
    assert sorted(p.name for p in busy.iterdir()) == ["brief.txt"]


def test_a_folder_that_can_be_written_but_not_read_is_refused_with_a_message(practice, manager, tmp_path, monkeypatch):
    """Mode 0300 (or a network share that lists nothing): its contents cannot be checked, so it
    is refused with the folder's message, never an OSError. As root the mode does not stop the
    listing: the listing's own refusal is made to happen."""
    plan = _plan(practice, manager)
    out = tmp_path / "write-only"
    out.mkdir(mode=0o300)
    real_iterdir = Path.iterdir

    def refused(self):
        if self == out:
            raise PermissionError(13, "Permission denied", str(self))
        return real_iterdir(self)

    monkeypatch.setattr(Path, "iterdir", refused)
    i18n.set_language("en")
    with pytest.raises(InputError, match="cannot be written to"):
        open_batch(out, plan)
    out.chmod(0o700)
    monkeypatch.undo()
    assert list(out.iterdir()) == []


def test_a_consent_withdrawn_while_the_batch_runs_stops_that_referrals_document(
    practice, manager, tmp_path, monkeypatch
):
    plan = _plan(practice, manager)
    victim = plan.exportable[2]
    nurse = _actor(practice, Role.PRACTICE_NURSE)
    real = batch_module.render_bytes

    def render_while_withdrawn(content, kind):
        if content.reference == victim.reference:
            with practice.transaction() as tx:
                withdraw_consent(tx, nurse, victim.consent_id, note="", now=datetime.now(UTC))
        return real(content, kind)

    monkeypatch.setattr(batch_module, "render_bytes", render_while_withdrawn)
    result = _run(practice, manager, plan, tmp_path / "batch", workers=1)
    assert victim.referral_id not in {d.referral_id for d in _disclosures(practice)}
    (outcome,) = [o for o in result.outcomes if o.entry.referral_id == victim.referral_id]
    assert not outcome.exported and "ingetrokken" in outcome.reason
    assert len(_files(tmp_path / "batch")) == len(plan.exportable) - 1


def test_a_new_consent_recorded_while_the_batch_runs_is_the_one_the_document_follows(
    practice, manager, tmp_path, monkeypatch
):
    plan = _plan(practice, manager)
    nurse = _actor(practice, Role.PRACTICE_NURSE)
    with practice.transaction() as tx:
        wide = next(
            e
            for e in plan.exportable
            if len(latest_consent_unchecked(tx, e.referral_id).domains) > 1  # type: ignore[union-attr]
        )
        old = latest_consent_unchecked(tx, wide.referral_id)
    assert old is not None
    real = batch_module.render_bytes

    def render_while_narrowed(content, kind):
        if content.reference == wide.reference and len(content.domains) > 1:
            with practice.transaction() as tx:
                # The client narrows it: the old consent withdrawn, a new one recorded.
                withdraw_consent(tx, nurse, old.id, note="", now=datetime(2026, 3, 2, 19, 0, tzinfo=UTC))
                give_consent(
                    tx,
                    nurse,
                    wide.referral_id,
                    ConsentInput(
                        purpose="Alleen het eerste domein.",
                        domains=old.domains[:1],
                        share_identity_details=False,
                        share_goals_actions=False,
                        share_own_words=False,
                        method="verbal",
                        given_on=TODAY,
                        valid_until=TODAY + timedelta(days=100),
                    ),
                    now=datetime(2026, 3, 2, 20, 0, tzinfo=UTC),  # after every consent of the demo
                )
        return real(content, kind)

    monkeypatch.setattr(batch_module, "render_bytes", render_while_narrowed)
    _run(practice, manager, plan, tmp_path / "batch", workers=1)
    (disclosure,) = [d for d in _disclosures(practice) if d.referral_id == wide.referral_id]
    assert json.loads(disclosure.scope)["domains"] == list(old.domains[:1])
    assert disclosure.consent_id != old.id


def _texts(out: Path) -> dict[str, str]:
    return {name: squeeze(" ".join(pages_text((out / name).read_bytes()))) for name in _files(out)}


@pytest.mark.slow
def test_one_process_and_two_workers_write_the_same_documents(practice, manager, tmp_path):
    plan = _plan(practice, manager, client_copy=True)
    _run(practice, manager, plan, tmp_path / "one", workers=1)
    _run(practice, manager, plan, tmp_path / "two", workers=2)
    one, two = _texts(tmp_path / "one"), _texts(tmp_path / "two")
    assert one == two and len(one) == 2 * len(plan.exportable)


# -- nothing outside the consent ------------------------------------------------------------------


@pytest.fixture(scope="module")
def case_db(tmp_path_factory: pytest.TempPathFactory):
    from broadtalk.practitioners import create_practitioner
    from tests.unit.test_handover_pdf import NOW

    db = Database.open(tmp_path_factory.mktemp("cases") / "broadtalk.sqlite")
    with db.transaction() as tx:
        actor = create_practitioner(tx, "Anouk de Vries", Role.PRACTICE_NURSE, now=NOW)
    yield db, actor
    db.close()


@given(examples=st.lists(cases(), min_size=1, max_size=3))
@settings(
    max_examples=12,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)
def test_the_batchs_documents_show_exactly_what_each_consent_covers(examples, case_db, tmp_path_factory):
    db, actor = case_db
    ids = {record_case(db, actor, case): case for case in examples}
    with db.transaction() as tx:
        everything = plan_batch(tx, actor, BatchParameters(since=EVER, client_copy=True), today=CASE_TODAY)
    plan = BatchPlan(everything.parameters, CASE_TODAY, tuple(e for e in everything.entries if e.referral_id in ids))
    assert len(plan.exportable) == len(ids)
    out = tmp_path_factory.mktemp("batch") / "out"
    result = _run(db, actor, plan, out, workers=1)
    for outcome in result.exported:
        in_letter, in_copy, absent = expectations(ids[outcome.entry.referral_id])
        letter_name, copy_name = outcome.files
        letter = squeeze(" ".join(pages_text((out / letter_name).read_bytes())))
        copy = squeeze(" ".join(pages_text((out / copy_name).read_bytes())))
        for mark in absent:
            assert mark not in letter and mark not in copy, mark
        assert all(mark in letter for mark in in_letter)
        assert all(mark in copy for mark in in_copy)


# -- a thousand referrals -------------------------------------------------------------------------


def add_referrals(db: Database, count: int, today: date) -> None:
    """``count`` more referrals through the app's use cases (the demo makes at most 33, whatever
    its size): from the demo's completed conversations in turn, to its offerings in turn, every
    eleventh without consent, every thirteenth withdrawn, every seventeenth expired."""
    nurse = _actor(db, Role.PRACTICE_NURSE)
    with db.transaction() as tx:
        conversations = tx.exec(
            select(Conversation).where(Conversation.status == "completed").order_by(col(Conversation.id))
        ).all()
        offerings = [o.id for o in tx.exec(select(Offering).order_by(col(Offering.id))).all()]
        domains = {
            c.id: [
                a.domain_id for a in tx.exec(select(DomainAssessment).where(DomainAssessment.conversation_id == c.id))
            ]
            for c in conversations
        }
        for number in range(count):
            conversation = conversations[number % len(conversations)]
            made = datetime.combine(today - timedelta(days=200 - number % 180), datetime.min.time(), tzinfo=UTC)
            made = made + timedelta(hours=9)
            referral = create_referral(
                tx,
                nurse,
                conversation.client_id,
                offering_id=offerings[number % len(offerings)],
                question="Kan de cliënt bij jullie terecht?",
                urgency="routine",
                feedback_contact="Anouk de Vries, 030 000 0011",
                conversation_id=conversation.id,
                now=made,
            )
            if number % 11 == 5:
                continue
            expired = number % 17 == 3
            consent = give_consent(
                tx,
                nurse,
                referral.id,
                ConsentInput(
                    purpose="Warme overdracht.",
                    domains=tuple(domains[conversation.id][: 1 + number % 3]),
                    share_identity_details=number % 2 == 0,
                    share_goals_actions=number % 3 == 0,
                    share_own_words=number % 4 == 0,
                    method="verbal",
                    given_on=made.date(),
                    valid_until=made.date() + timedelta(days=30 if expired else 365),
                ),
                now=made,
            )
            if number % 13 == 7:
                withdraw_consent(tx, nurse, consent.id, note="", now=made + timedelta(hours=1))


@pytest.mark.slow
def test_a_thousand_referrals_are_exported_completely_and_none_without_a_valid_consent(db, tmp_path):
    generate_demo(db, clients=20, seed=5, today=TODAY)
    add_referrals(db, 1000 - len(_referrals(db)), TODAY)
    manager = _actor(db, Role.PRACTICE_MANAGER)
    plan = _plan(db, manager)
    assert len(plan.entries) == 1000
    assert len(plan.excluded) > 100
    out = tmp_path / "batch"
    cancel = threading.Event()
    first = _run(
        db, manager, plan, out, workers=2, cancel=cancel, progress=lambda done, _t: done >= 300 and cancel.set()
    )
    assert first.cancelled
    result = run_batch(db, manager, plan, open_batch(out, plan), workers=2)
    disclosures = _disclosures(db)
    assert sorted(d.referral_id for d in disclosures) == sorted(e.referral_id for e in plan.exportable)
    assert {d.batch for d in disclosures} == {result.folder.token}
    assert len(_files(out)) == len(plan.exportable)
    excluded = {e.referral_id for e in plan.excluded}
    with db.transaction() as tx:
        for referral_id in excluded:
            with pytest.raises(RefusedError):
                require_valid_consent(latest_consent_unchecked(tx, referral_id), TODAY)
    rows = _index(out)[1:]
    assert len(rows) == 1000 and sum(row[6] == "ja" for row in rows) == len(plan.exportable)
    assert os.listdir(out).count(INDEX) == 1
