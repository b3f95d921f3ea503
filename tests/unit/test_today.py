"""Today: open drafts, follow-ups overdue and this week, actions due, referrals waiting for
feedback; and the client list's next follow-up and filter, which read the same rules.

One small fixed practice pins every list and its edges. Today is Wednesday 4 March 2026; the
week ends on Sunday 8 March."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event

from broadtalk import follow_ups
from broadtalk.clients import ClientInput, count_clients, create_client, search_clients
from broadtalk.errors import InputError
from broadtalk.permissions import PermissionRefused
from broadtalk.practitioners import Role, create_practitioner
from broadtalk.referral_steps import ACCEPTED, FEEDBACK, SENT
from broadtalk.referral_steps import DRAFT as REFERRAL_DRAFT
from broadtalk.referrals import DEFAULT_FEEDBACK_DUE_DAYS, list_referrals
from broadtalk.store.tables import Action, Conversation, Referral
from broadtalk.today import today_overview

TODAY = date(2026, 3, 4)  # a Wednesday
SUNDAY = date(2026, 3, 8)
NOW = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)
FOUR = ("four-domains", 1)
HEALTH = ("positive-health", 1)


def _at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def _conversation(tx, client_id, practitioner_id, model, started: date, *, status="completed", follow_up=None):
    row = Conversation(
        client_id=client_id,
        practitioner_id=practitioner_id,
        model_id=model[0],
        model_version=model[1],
        status=status,
        started_at=_at(started),
        updated_at=_at(started, 11),
        completed_at=_at(started, 11) if status != "draft" else None,
        follow_up_date=follow_up,
    )
    tx.add(row)
    tx.flush()
    return row.id


def _action(tx, conversation_id, what, due, done=False, position=0):
    row = Action(conversation_id=conversation_id, what=what, due_date=due, done=done, position=position, created_at=NOW)
    tx.add(row)
    tx.flush()
    return row.id


def _referral(tx, client_id, by, reference, status, sent: date | None):
    row = Referral(
        reference=reference,
        client_id=client_id,
        recipient="Schuldhulp Noord",
        question="Hulp bij schulden",
        urgency="normal",
        feedback_contact="POH 010-1234567",
        status=status,
        created_by_id=by,
        created_at=_at(sent or TODAY, 8),
        updated_at=_at(sent or TODAY, 8),
        sent_at=_at(sent) if sent else None,
    )
    tx.add(row)
    tx.flush()
    return row.id


@pytest.fixture
def practice(db):
    """Nurse A (the actor), nurse B, a practice manager; clients named after what they show."""
    with db.transaction() as tx:
        a = create_practitioner(tx, "Anouk de Vries", Role.PRACTICE_NURSE, now=NOW)
        b = create_practitioner(tx, "Bram Smit", Role.SOCIAL_WORKER, now=NOW)
        manager = create_practitioner(tx, "Mila Jansen", Role.PRACTICE_MANAGER, now=NOW)
        names = [
            "Overdue",
            "Today",
            "Sunday",
            "Monday",
            "Superseded",
            "Othermodel",
            "Colleague",
            "Nofollow",
            "Replaced",
            "Amending",
        ]
        c = {name: create_client(tx, a, ClientInput("Kim", name, "01-01-1960"), now=NOW).id for name in names}
        ids = {}
        ids["overdue"] = _conversation(tx, c["Overdue"], a.id, FOUR, date(2026, 2, 1), follow_up=date(2026, 3, 3))
        ids["today"] = _conversation(tx, c["Today"], a.id, FOUR, date(2026, 2, 2), follow_up=TODAY)
        ids["sunday"] = _conversation(tx, c["Sunday"], a.id, FOUR, date(2026, 2, 3), follow_up=SUNDAY)
        ids["monday"] = _conversation(tx, c["Monday"], a.id, FOUR, date(2026, 2, 4), follow_up=date(2026, 3, 9))
        # A follow-up whose conversation has been started (a draft of the same model) is no longer due.
        _conversation(tx, c["Superseded"], a.id, FOUR, date(2026, 1, 5), follow_up=date(2026, 3, 1))
        ids["draft"] = _conversation(tx, c["Superseded"], a.id, FOUR, date(2026, 3, 2), status="draft")
        # A later conversation of another model does not supersede it.
        ids["othermodel"] = _conversation(tx, c["Othermodel"], a.id, FOUR, date(2026, 1, 6), follow_up=date(2026, 3, 2))
        _conversation(tx, c["Othermodel"], a.id, HEALTH, date(2026, 2, 20))
        ids["colleague"] = _conversation(tx, c["Colleague"], b.id, FOUR, date(2026, 2, 7), follow_up=date(2026, 3, 5))
        _conversation(tx, c["Nofollow"], a.id, FOUR, date(2026, 2, 8))
        # A later completed conversation of the same model replaces the date with its own.
        _conversation(tx, c["Replaced"], a.id, FOUR, date(2026, 1, 9), follow_up=date(2026, 3, 2))
        _conversation(tx, c["Replaced"], a.id, FOUR, date(2026, 2, 9), follow_up=date(2026, 4, 1))
        # A completed conversation opened again to amend it is open work; its follow-up still counts.
        ids["amending"] = _conversation(
            tx, c["Amending"], a.id, HEALTH, date(2026, 2, 10), status="amending", follow_up=date(2026, 3, 6)
        )

        actions = {
            "overdue": _action(tx, ids["overdue"], "Bel de wijkcoach", date(2026, 3, 3)),
            "in_seven": _action(tx, ids["overdue"], "Formulier invullen", TODAY + timedelta(days=7), position=1),
            "in_eight": _action(tx, ids["overdue"], "Later", TODAY + timedelta(days=8), position=2),
            "done": _action(tx, ids["overdue"], "Al gedaan", date(2026, 3, 1), done=True, position=3),
            "undated": _action(tx, ids["overdue"], "Ooit", None, position=4),
            "colleague": _action(tx, ids["colleague"], "Van de collega", TODAY),
        }
        due = DEFAULT_FEEDBACK_DUE_DAYS
        referrals = {
            "overdue": _referral(tx, c["Overdue"], a.id, "V-AAAAAA", SENT, TODAY - timedelta(days=due + 1)),
            "due_today": _referral(tx, c["Today"], a.id, "V-BBBBBB", ACCEPTED, TODAY - timedelta(days=due)),
            "feedback": _referral(tx, c["Sunday"], a.id, "V-CCCCCC", FEEDBACK, date(2026, 1, 1)),
            "draft": _referral(tx, c["Monday"], a.id, "V-DDDDDD", REFERRAL_DRAFT, None),
            "colleague": _referral(tx, c["Colleague"], b.id, "V-EEEEEE", SENT, date(2026, 3, 2)),
        }
    return {"a": a, "b": b, "manager": manager, "clients": c, "conversations": ids, "actions": actions,
            "referrals": referrals}  # fmt: skip


def _overview(db, actor, **kwargs):
    with db.transaction() as tx:
        return today_overview(tx, actor, **{"today": TODAY, **kwargs})


def _names(items):
    return [item.client.family_name for item in items]


def test_the_week_ends_on_sunday():
    assert follow_ups.end_of_week(TODAY) == SUNDAY
    assert follow_ups.end_of_week(SUNDAY) == SUNDAY
    assert follow_ups.end_of_week(date(2026, 3, 9)) == date(2026, 3, 15)


def test_open_drafts_are_mine_not_completed_newest_edit_first(db, practice):
    today = _overview(db, practice["a"])
    assert today.mine and today.shows_conversations
    assert [d.conversation_id for d in today.drafts.items] == [practice["conversations"]["draft"],
                                                                 practice["conversations"]["amending"]]  # fmt: skip
    draft, amending = today.drafts.items
    assert draft.client.family_name == "Superseded" and not draft.amending
    assert draft.model_title and draft.model_title != "four-domains"  # the model's title, not its id
    assert draft.updated_at == _at(date(2026, 3, 2), 11)
    assert amending.amending


def test_follow_ups_overdue_by_one_day_and_due_from_today_to_sunday(db, practice):
    today = _overview(db, practice["a"])
    # Oldest first; "Superseded" (a later draft of the model) and "Replaced" (a later completed
    # conversation) are not due; "Othermodel" is (its later conversation is of another model).
    assert _names(today.overdue_follow_ups.items) == ["Overdue", "Othermodel"]  # the most recent first
    overdue = today.overdue_follow_ups.items[0]
    assert overdue.follow_up_date == date(2026, 3, 3) and overdue.days_overdue == 1 and overdue.overdue
    # Today and Sunday are in the week, next Monday is not; the colleague's is not mine.
    assert _names(today.follow_ups_this_week.items) == ["Today", "Amending", "Sunday"]
    assert not any(item.overdue for item in today.follow_ups_this_week.items)
    assert today.follow_ups_this_week.items[0].conversation_id == practice["conversations"]["today"]


def test_actions_due_overdue_or_within_seven_days_and_not_done(db, practice):
    today = _overview(db, practice["a"])
    # Due within the week first, then overdue.
    assert [a.action_id for a in today.actions.items] == [practice["actions"]["in_seven"],
                                                           practice["actions"]["overdue"]]  # fmt: skip
    second, first = today.actions.items
    assert first.overdue and first.days_overdue == 1 and first.what == "Bel de wijkcoach"
    assert not second.overdue and second.due_date == TODAY + timedelta(days=7)
    assert first.client.family_name == "Overdue"


def test_referrals_waiting_for_feedback_with_days_and_the_practices_overdue_rule(db, practice):
    today = _overview(db, practice["a"])
    refs = today.referrals.items
    assert [r.referral_id for r in refs] == [practice["referrals"]["overdue"], practice["referrals"]["due_today"]]
    due = DEFAULT_FEEDBACK_DUE_DAYS
    assert refs[0].days_waiting == due + 1 and refs[0].overdue
    assert refs[1].days_waiting == due and not refs[1].overdue  # due today: not yet overdue
    assert refs[1].feedback_due == TODAY
    # The same rule as the referrals module's own overdue list.
    with db.transaction() as tx:
        overdue = {r.id for r in list_referrals(tx, practice["a"], overdue_only=True, today=TODAY)}
    assert {r.referral_id for r in refs if r.overdue} == overdue - {practice["referrals"]["colleague"]}


def test_the_whole_practice_adds_the_colleagues_items(db, practice):
    today = _overview(db, practice["a"], mine=False)
    assert not today.mine
    assert "Colleague" in _names(today.follow_ups_this_week.items)
    assert practice["actions"]["colleague"] in [a.action_id for a in today.actions.items]
    colleague = next(r for r in today.referrals.items if r.referral_id == practice["referrals"]["colleague"])
    assert colleague.days_waiting == 2 and not colleague.overdue
    assert {i.practitioner_name for i in today.follow_ups_this_week.items} == {"Anouk de Vries", "Bram Smit"}
    # Nurse B's own Today holds only B's.
    mine_b = _overview(db, practice["b"])
    assert _names(mine_b.follow_ups_this_week.items) == ["Colleague"]
    assert mine_b.drafts.total == 0 and mine_b.overdue_follow_ups.total == 0


def test_a_practice_manager_sees_only_the_referrals_waiting_without_conversations(db, practice):
    today = _overview(db, practice["manager"])
    assert not today.shows_conversations and not today.mine
    for part in (today.drafts, today.overdue_follow_ups, today.follow_ups_this_week, today.actions):
        assert part.total == 0 and part.items == ()
    assert {r.referral_id for r in today.referrals.items} == {
        practice["referrals"][k] for k in ("overdue", "due_today", "colleague")
    }


def test_a_list_is_cut_at_the_limit_and_counts_them_all(db, practice):
    today = _overview(db, practice["a"], limit=1)
    assert len(today.follow_ups_this_week.items) == 1 and today.follow_ups_this_week.total == 3
    assert today.follow_ups_this_week.more == 2
    assert today.drafts.total == 2 and today.actions.total == 2 and today.referrals.total == 2
    assert today.referrals_overdue == 1  # counted in the database: the list holds one
    assert _overview(db, practice["a"]).referrals_overdue == 1
    assert _overview(db, practice["a"], today=TODAY + timedelta(days=1)).referrals_overdue == 2  # a day later


def test_today_reads_a_fixed_number_of_statements_however_many_items(db, practice):
    """No query per row: the statements do not grow with the items shown."""
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        _overview(db, practice["a"], mine=False)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) <= 12


def test_the_client_list_shows_the_next_follow_up_and_filters_on_the_same_rules(db, practice):
    a, c = practice["a"], practice["clients"]
    with db.transaction() as tx:
        rows = {r.family_name: r for r in search_clients(tx, a)}
    assert rows["Overdue"].next_follow_up == date(2026, 3, 3)
    assert rows["Superseded"].next_follow_up is None  # the follow-up conversation has started
    assert rows["Replaced"].next_follow_up == date(2026, 4, 1)
    assert rows["Othermodel"].next_follow_up == date(2026, 3, 2)
    assert rows["Nofollow"].next_follow_up is None
    assert rows["Overdue"].conversation_count == 1 and rows["Superseded"].conversation_count == 2

    def focused(focus, practitioner_id=a.id):
        with db.transaction() as tx:
            found = search_clients(tx, a, focus=focus, practitioner_id=practitioner_id, today=TODAY)
            assert count_clients(tx, a, focus=focus, practitioner_id=practitioner_id, today=TODAY) == len(found)
        return [r.family_name for r in found]

    assert focused(follow_ups.FOLLOW_UP_OVERDUE) == ["Othermodel", "Overdue"]
    assert focused(follow_ups.FOLLOW_UP_THIS_WEEK) == ["Amending", "Sunday", "Today"]
    assert focused(follow_ups.FOLLOW_UP_THIS_WEEK, None) == ["Amending", "Colleague", "Sunday", "Today"]
    assert focused(follow_ups.OPEN_DRAFTS) == ["Superseded"]
    assert len(focused(follow_ups.ALL)) == len(c)


def test_the_list_filter_is_refused_to_a_role_that_does_not_read_conversations(db, practice):
    manager = practice["manager"]
    with db.transaction() as tx:
        rows = search_clients(tx, manager)
        assert rows and all(r.next_follow_up is None for r in rows)  # no follow-up dates for this role
    with pytest.raises(PermissionRefused), db.transaction() as tx:
        search_clients(tx, manager, focus=follow_ups.OPEN_DRAFTS, today=TODAY)
    with pytest.raises(InputError), db.transaction() as tx:
        search_clients(tx, practice["a"], focus="everything")


@pytest.mark.embedded  # about the embedded file (SQLite plans, pages, backups)
def test_the_queries_use_the_indexes(db, practice):
    """The follow-up range reads the follow_up_date index, the actions the due_date index."""
    with db.transaction() as tx:
        connection = tx.connection()
        plan = " ".join(
            str(row)
            for row in connection.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT id FROM conversation WHERE follow_up_date IS NOT NULL"
                " AND follow_up_date < '2026-03-04' AND status != 'draft'"
            )
        )
        assert "ix_conversation_follow_up_date" in plan
        plan = " ".join(
            str(row)
            for row in connection.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT id FROM action WHERE due_date IS NOT NULL AND due_date <= '2026-03-11'"
                " AND done = 0"
            )
        )
        assert "ix_action_due_date" in plan


def test_counting_stops_at_the_cap_and_a_cut_list_keeps_the_most_recent_overdue(db, practice, monkeypatch):
    from broadtalk import today as today_module

    monkeypatch.setattr(today_module, "COUNT_CAP", 2)
    today = _overview(db, practice["a"], limit=1)
    assert _names(today.overdue_follow_ups.items) == ["Overdue"]  # 3 March, not 2 March
    assert today.overdue_follow_ups.total == 2 and today.overdue_follow_ups.capped
    assert today.follow_ups_this_week.total == 2 and today.follow_ups_this_week.capped  # 3 in all, counted to 2
    assert [a.action_id for a in today.actions_overdue.items] == [practice["actions"]["overdue"]]
    assert [a.action_id for a in today.actions_soon.items] == [practice["actions"]["in_seven"]]
    monkeypatch.setattr(today_module, "COUNT_CAP", 1000)
    today = _overview(db, practice["a"], limit=1)
    assert today.follow_ups_this_week.total == 3 and not today.follow_ups_this_week.capped


def test_the_quick_titles_of_the_built_in_models_are_the_models_own(db):
    """Today reads the built-in models' titles without loading the models (start-up time)."""
    from broadtalk.forms.library import builtin_models
    from broadtalk.today import _builtin_titles

    titles = _builtin_titles()
    assert {model.key for model in builtin_models()} == set(titles)
    for model in builtin_models():
        assert titles[model.key] == dict(model.title)


def test_the_overdue_count_for_the_note_agrees_with_the_referrals_list(db, practice):
    from broadtalk.today import count_overdue_referrals

    for day in (TODAY, TODAY + timedelta(days=1), TODAY + timedelta(days=40)):
        with db.transaction() as tx:
            listed = len(list_referrals(tx, practice["manager"], overdue_only=True, today=day))
            assert count_overdue_referrals(tx, practice["manager"], today=day) == listed
