"""Care providers are told who was given access to conversations (issue 10): a new care-role
account, a PIN reset by someone else, a role change into a care role; with how often the account
was used to sign in since; once each; and never to practice managers or administrators."""

from __future__ import annotations

import pytest
from sqlalchemy import event
from sqlmodel import col, select

from broadtalk import audit, i18n
from broadtalk.access_notices import (
    NOTICE_OBJECT,
    AccessNotice,
    GrantKind,
    access_grants_since,
    acknowledge,
    notice_lines,
    reads_conversations,
    sees_access_notices,
)
from broadtalk.practitioners import Actor, Role, create_practitioner
from broadtalk.sign_in import add_account, deactivate_account, reset_secret, set_own_secret, sign_in
from broadtalk.store.tables import AuditEntry
from broadtalk.workstation import set_up_workstation, update_workstation

PIN = "13579"


@pytest.fixture
def admin(db) -> Actor:
    """Anna set up broadtalk as its administrator: she cannot read conversations."""
    with db.transaction() as tx:
        return set_up_workstation(tx, "Anna de Vries", Role.ADMINISTRATOR, "De Linde", PIN)


@pytest.fixture
def nurse(db, admin) -> Actor:
    """Els, a practice nurse, has signed in once before and was told what there was to tell."""
    with db.transaction() as tx:
        els = add_account(tx, admin, "Els Jansen", Role.PRACTICE_NURSE, PIN)
    check(db, sign_in(db, els.id, PIN))
    return els


def check(db, actor: Actor) -> AccessNotice:
    """What the app does after a sign-in: read the notice, show it, record that it was shown."""
    with db.transaction() as tx:
        notice = access_grants_since(tx, actor)
    with db.transaction() as tx:
        acknowledge(tx, actor, notice)
    return notice


def next_sign_in(db, actor: Actor) -> AccessNotice:
    return check(db, sign_in(db, actor.id, PIN))


def entries(db, object_type: str) -> list[AuditEntry]:
    with db.transaction() as tx:
        return list(
            tx.exec(select(AuditEntry).where(AuditEntry.object_type == object_type).order_by(col(AuditEntry.id)))
        )


def test_the_role_matrix_decides_who_is_told_and_what_is_content_access():
    assert [role for role in Role if reads_conversations(role)] == [Role.PRACTICE_NURSE, Role.SOCIAL_WORKER]
    assert sees_access_notices(Actor(1, "Els", Role.SOCIAL_WORKER))
    assert not sees_access_notices(Actor(1, "Mirjam", Role.PRACTICE_MANAGER))
    assert not sees_access_notices(Actor(1, "Anna", Role.ADMINISTRATOR))


def test_a_nurse_is_told_once_of_an_account_an_administrator_made_and_how_often_it_was_used(db, admin, nurse):
    with db.transaction() as tx:
        second = add_account(tx, admin, "Praktijkondersteuner 2", Role.PRACTICE_NURSE, PIN)
    for _ in range(3):  # Anna signs in with the account she made
        sign_in(db, second.id, PIN)

    notice = next_sign_in(db, nurse)

    [grant] = notice.grants
    assert grant.kind == GrantKind.NEW_ACCOUNT
    assert (grant.granted_by, grant.granted_by_id, grant.granted_by_role) == (
        "Anna de Vries",
        admin.id,
        "administrator",
    )
    assert (grant.account_id, grant.account_name, grant.role) == (
        second.id,
        "Praktijkondersteuner 2",
        Role.PRACTICE_NURSE,
    )
    assert grant.sign_ins == 3 and not grant.closed
    i18n.set_language("en")
    [line] = notice_lines(notice)
    assert line.startswith(f"On {i18n.format_date(grant.at)} Anna de Vries (administrator) made the account ")
    assert "'Praktijkondersteuner 2' with the role practice nurse (POH)" in line
    assert line.endswith("it has been used to sign in 3 times since.")
    # Shown once: the next sign-in has nothing new to tell.
    assert not next_sign_in(db, nurse)
    [*_, shown, quiet] = entries(db, NOTICE_OBJECT)
    assert (shown.action, shown.practitioner_id, shown.detail) == ("view", nurse.id, f"1; open {grant.entry_id}")
    assert quiet.detail == f"0; open {grant.entry_id}" and quiet.object_id > shown.object_id


def test_later_sign_ins_with_an_account_whose_pin_someone_else_chose_are_told_until_its_holder_chooses_one(
    db, admin, nurse
):
    with db.transaction() as tx:
        second = add_account(tx, admin, "Praktijkondersteuner 2", Role.PRACTICE_NURSE, PIN)
    [grant] = next_sign_in(db, nurse).grants
    assert grant.sign_ins == 0
    sign_in(db, second.id, PIN)
    sign_in(db, second.id, PIN)

    notice = next_sign_in(db, nurse)

    assert notice.grants == ()
    [again] = notice.used_again
    assert (again.entry_id, again.account_id, again.new_sign_ins) == (grant.entry_id, second.id, 2)
    i18n.set_language("en")
    [line] = notice_lines(notice)
    assert "'Praktijkondersteuner 2'" in line and "Anna de Vries (administrator) chose" in line
    assert "2 more times since your previous notice" in line
    assert not next_sign_in(db, nurse)  # no new sign-ins: nothing
    # The holder chooses her own PIN: from then on the account is hers, and not told again.
    set_own_secret(db, second, PIN, "24680", "24680")
    sign_in(db, second.id, "24680")
    assert not next_sign_in(db, nurse)
    sign_in(db, second.id, "24680")
    assert not next_sign_in(db, nurse)
    assert entries(db, NOTICE_OBJECT)[-1].detail == "0"


def test_a_pin_reset_by_someone_else_is_a_grant_and_a_switched_off_account_is_closed(db, admin, nurse):
    with db.transaction() as tx:
        colleague = add_account(tx, admin, "Karin Smit", Role.SOCIAL_WORKER, PIN)
    sign_in(db, colleague.id, PIN)
    check(db, colleague)
    set_own_secret(db, colleague, PIN, "24680", "24680")  # Karin's own PIN: not a grant
    next_sign_in(db, nurse)  # told of Karin's account; its grant closed by her own PIN
    with db.transaction() as tx:
        reset_secret(tx, admin, colleague.id, "11223")
    sign_in(db, colleague.id, "11223")

    notice = next_sign_in(db, nurse)

    [reset] = notice.grants
    assert (reset.kind, reset.account_id, reset.role, reset.sign_ins) == (
        GrantKind.SECRET_RESET,
        colleague.id,
        Role.SOCIAL_WORKER,
        1,
    )
    i18n.set_language("en")
    assert "set a new PIN or password for the account 'Karin Smit'" in notice_lines(notice)[0]
    sign_in(db, colleague.id, "11223")  # whoever knows the PIN Anna chose, signs in again: told again
    [again] = next_sign_in(db, nurse).used_again
    assert (again.kind, again.account_id, again.new_sign_ins) == (GrantKind.SECRET_RESET, colleague.id, 1)
    with db.transaction() as tx:
        deactivate_account(tx, admin, colleague.id)
    notice = next_sign_in(db, nurse)
    assert not notice and entries(db, NOTICE_OBJECT)[-1].detail == "0"


def test_a_new_account_already_closed_says_so(db, admin, nurse):
    with db.transaction() as tx:
        second = add_account(tx, admin, "Karin Smit", Role.SOCIAL_WORKER, PIN)
    sign_in(db, second.id, PIN)
    set_own_secret(db, second, PIN, "24680", "24680")
    notice = next_sign_in(db, nurse)
    [grant] = notice.grants
    assert grant.closed and grant.sign_ins == 1 and notice.open_grants == ()
    i18n.set_language("en")
    assert "its holder has chosen their own PIN or password" in notice_lines(notice)[0]


def test_managers_and_administrators_are_not_told_and_nothing_is_recorded_for_them(db, admin, nurse):
    with db.transaction() as tx:
        manager = add_account(tx, admin, "Mirjam Bos", Role.PRACTICE_MANAGER, PIN)
        add_account(tx, admin, "Praktijkondersteuner 2", Role.PRACTICE_NURSE, PIN)
    for who in (manager, admin):
        with db.transaction() as tx:
            notice = access_grants_since(tx, sign_in(db, who.id, PIN))
        assert not notice
        with db.transaction() as tx:
            acknowledge(tx, who, notice)
    assert [e.practitioner_id for e in entries(db, NOTICE_OBJECT)] == [nurse.id]


def test_accounts_for_roles_without_conversations_are_not_content_grants(db, admin, nurse):
    with db.transaction() as tx:
        manager = add_account(tx, admin, "Mirjam Bos", Role.PRACTICE_MANAGER, PIN)
        add_account(tx, admin, "Tweede beheerder", Role.ADMINISTRATOR, PIN)
        reset_secret(tx, admin, manager.id, "11223")
    sign_in(db, manager.id, "11223")
    assert not next_sign_in(db, nurse)


def test_a_manager_who_makes_herself_a_nurse_is_told_to_the_care_providers(db, admin, nurse):
    with db.transaction() as tx:
        manager = add_account(tx, admin, "Mirjam Bos", Role.PRACTICE_MANAGER, PIN)
    manager = sign_in(db, manager.id, PIN)
    with db.transaction() as tx:
        as_nurse = update_workstation(tx, manager, "Mirjam Bos", Role.PRACTICE_NURSE, "De Linde")

    notice = next_sign_in(db, nurse)

    [change] = notice.grants
    assert (change.kind, change.account_id, change.role, change.previous_role, change.sign_ins) == (
        GrantKind.ROLE_CHANGE,
        manager.id,
        Role.PRACTICE_NURSE,
        Role.PRACTICE_MANAGER,
        0,
    )
    i18n.set_language("en")
    assert (
        "Mirjam Bos (practice manager) changed the role of the account 'Mirjam Bos' from practice manager to "
        in (notice_lines(notice)[0])
    )
    # She is a nurse now and is told what care providers are told, but not of her own change.
    assert as_nurse.role == Role.PRACTICE_NURSE and not next_sign_in(db, as_nurse)


def test_role_changes_are_read_from_the_detail_when_the_trail_names_the_new_role(db, admin, nurse):
    """An entry ``role:<new role>`` (what the account screens record) says which role was given,
    also when the account's role changed again since; a change of name only is no grant."""
    with db.transaction() as tx:
        manager = add_account(tx, admin, "Mirjam Bos", Role.PRACTICE_MANAGER, PIN)
        as_manager = Actor(manager.id, "Mirjam Bos", Role.PRACTICE_MANAGER)
        audit.record(
            tx, as_manager, audit.Action.CHANGE, object_type="practitioner", object_id=manager.id, detail="name"
        )
        audit.record(
            tx,
            as_manager,
            audit.Action.CHANGE,
            object_type="practitioner",
            object_id=manager.id,
            detail="role:social_worker",
        )
        as_worker = Actor(manager.id, "Mirjam Bos", Role.SOCIAL_WORKER)
        audit.record(
            tx,
            as_worker,
            audit.Action.CHANGE,
            object_type="practitioner",
            object_id=manager.id,
            detail="role:practice_manager",
        )
    [change] = next_sign_in(db, nurse).grants
    assert (change.kind, change.role, change.previous_role) == (
        GrantKind.ROLE_CHANGE,
        Role.SOCIAL_WORKER,
        Role.PRACTICE_MANAGER,
    )


def test_without_an_earlier_check_the_previous_sign_in_is_where_it_starts(db, admin):
    """The first check (after an update, say) tells what happened since the previous sign-in;
    from then on a sign-in without a notice (the command line) does not move the start."""
    with db.transaction() as tx:
        els = add_account(tx, admin, "Els Jansen", Role.PRACTICE_NURSE, PIN)
        add_account(tx, admin, "Voor haar vorige aanmelding", Role.PRACTICE_NURSE, PIN)
    sign_in(db, els.id, PIN)  # before this version: no check
    with db.transaction() as tx:
        between = add_account(tx, admin, "Tussen twee aanmeldingen", Role.SOCIAL_WORKER, PIN)
    assert [g.account_id for g in next_sign_in(db, els).grants] == [between.id]
    with db.transaction() as tx:
        after = add_account(tx, admin, "Na de eerste melding", Role.SOCIAL_WORKER, PIN)
    sign_in(db, els.id, PIN)  # the command line: no notice shown there
    assert [g.account_id for g in next_sign_in(db, els).grants] == [after.id]


def test_a_new_account_is_not_told_what_happened_before_its_first_sign_in(db, admin, nurse):
    with db.transaction() as tx:
        add_account(tx, admin, "Eerder gemaakt", Role.PRACTICE_NURSE, PIN)
        newcomer = add_account(tx, admin, "Nieuwe collega", Role.SOCIAL_WORKER, PIN)
    assert not next_sign_in(db, newcomer)
    assert [g.account_id for g in next_sign_in(db, nurse).grants] == [newcomer.id - 1, newcomer.id]


def test_a_grant_made_while_the_notice_is_open_is_told_next_time(db, admin, nurse):
    with db.transaction() as tx:
        add_account(tx, admin, "Eerste", Role.PRACTICE_NURSE, PIN)
    actor = sign_in(db, nurse.id, PIN)
    with db.transaction() as tx:
        notice = access_grants_since(tx, actor)
    with db.transaction() as tx:  # while the dialog is open
        later = add_account(tx, admin, "Tweede", Role.PRACTICE_NURSE, PIN)
    with db.transaction() as tx:
        acknowledge(tx, actor, notice)
    assert [g.account_name for g in notice.grants] == ["Eerste"]
    assert [g.account_id for g in next_sign_in(db, nurse).grants] == [later.id]


def test_the_open_grants_carried_in_the_detail_stay_within_its_limit(db, admin, nurse):
    with db.transaction() as tx:  # written as add_account writes them, without 80 slow PIN hashes
        made = [create_practitioner(tx, f"Account {n}", Role.PRACTICE_NURSE) for n in range(80)]
        for account in made:
            audit.record(tx, admin, audit.Action.CREATE, object_type="practitioner", object_id=account.id)
    notice = next_sign_in(db, nurse)
    assert len(notice.grants) == 80 and len(notice.open_grants) == 80
    detail = entries(db, NOTICE_OBJECT)[-1].detail
    assert len(detail) <= 200 and detail.startswith("80; open ")
    kept = [int(i) for i in detail.removeprefix("80; open ").split(",")]
    assert 30 < len(kept) < 80 and kept == sorted(kept) and kept == list(notice.open_grants[-len(kept) :])
    with db.transaction() as tx:  # the newest account is used: still told
        audit.record(tx, made[-1], audit.Action.SIGN_IN, object_type="practitioner", object_id=made[-1].id)
    assert [g.account_id for g in next_sign_in(db, nurse).used_again] == [made[-1].id]


@pytest.mark.embedded  # about the embedded file (SQLite plans, pages, backups)
def test_every_query_of_the_check_uses_an_index(db, admin, nurse):
    """The trail can hold millions of entries: no statement of the check may scan it whole."""
    with db.transaction() as tx:
        second = add_account(tx, admin, "Praktijkondersteuner 2", Role.PRACTICE_NURSE, PIN)
    sign_in(db, second.id, PIN)
    next_sign_in(db, nurse)  # an open grant is carried: its lookup is checked too
    sign_in(db, second.id, PIN)
    actor = sign_in(db, nurse.id, PIN)
    statements: list[tuple[str, object]] = []
    with db.transaction() as tx:
        connection = tx.connection()

        def keep(conn, cursor, statement, parameters, context, executemany):
            if statement.lstrip().upper().startswith("SELECT"):
                statements.append((statement, parameters))

        event.listen(connection, "before_cursor_execute", keep)
        try:
            notice = access_grants_since(tx, actor)
        finally:
            event.remove(connection, "before_cursor_execute", keep)
        plans = []
        for statement, parameters in statements:
            rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
            plans.append((statement, [row[-1] for row in rows]))
    assert notice.used_again
    on_trail = [(s, p) for s, p in plans if "audit_entry" in s]
    assert len(on_trail) >= 5
    for statement, plan in on_trail:
        assert any("USING INDEX ix_audit_entry_action" in step or "PRIMARY KEY" in step for step in plan) or (
            "max(" in statement.lower()
        ), (statement, plan)
        assert not any(step.startswith("SCAN audit_entry") for step in plan), (statement, plan)
    ranged = [p for s, p in on_trail if any("rowid>?" in step for step in p)]
    assert ranged, "the window is read as an id range on the action index"
