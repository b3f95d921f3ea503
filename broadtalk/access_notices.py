"""Telling the care providers who was given access to conversations.

A practice manager or administrator cannot read conversations (``permissions.MATRIX``), but
she manages accounts: she could make a practice-nurse account, give it a PIN she knows, and
sign in with it. Roles cannot prevent that, so it is made visible to the people whose clients
it concerns: at every sign-in, a care provider (a role that may read conversations) is told
about every *content grant* since she was last told:

- a new account with a care role (``create``/``practitioner``, made by someone else);
- a new PIN or password for a care-role account, set by someone else (``change``/
  ``sign_in_secret`` with another practitioner than the account's own);
- a role change from a role without access to conversations to one with it
  (``change``/``practitioner``).

Giving an account "also manages the practice" (``administers:on``) is not a grant: the
administrator's permissions it adds do not include reading conversations.

Each grant says who did it (name and role as the audit trail has them), to which account
(its name now), which role it gave (named in the entry's detail, ``role:<role>``; else the role
the account signed in with next; else its role now), when, and how often the account was used
to sign in since. A grant
that leaves someone else knowing the account's PIN (a new account, a reset) stays *open*
until the account's holder chooses their own PIN or the account is switched off: every later
sign-in with it is told at the next notice too, so an account made to read along cannot be
used quietly after the first notice.

Everything is read from the audit trail, on the ``action`` index with an id range: one query
for the grants since the last notice, one for the sign-ins to the accounts concerned, one for
the last notice itself. Each check is written to the trail (``view``/``access_grants``, its
``object_id`` the newest entry it covered, its ``detail`` the number of lines shown and the
open grants it carries forward), so the next check starts where this one ended, never shows a
grant twice, and needs no table of its own. A care provider who has had no check yet is told
about what happened since her previous sign-in.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import func
from sqlmodel import Session, col, select

from broadtalk import audit
from broadtalk.i18n import _, format_date, ngettext
from broadtalk.permissions import MATRIX, Permission, allows
from broadtalk.practitioners import Actor, Role, role_in_sentence
from broadtalk.sign_in import ADMINISTERS_OFF, ADMINISTERS_ON
from broadtalk.store.tables import AuditEntry, Practitioner

#: The audit entry written for each check: ``view`` of ``access_grants``.
NOTICE_OBJECT = "access_grants"
#: The detail prefix that names a role in an entry ("role:practice_nurse"): who was given which.
ROLE_DETAIL = "role:"
#: Codes in ``detail`` of practitioner entries that are never a grant. Giving an account "also
#: manages the practice" adds the administrator's permissions, which never include reading
#: conversations: a care provider could already read them, anyone else still cannot.
_NOT_A_GRANT = {"deactivated", "contact", "set_up", "name", ADMINISTERS_ON, ADMINISTERS_OFF}
_OPEN = re.compile(r"open ([0-9,]+)")
_DETAIL_MAX = 200  # the audit table's limit


#: The role an account had just after an audit entry: (account id, entry id) -> role.
RoleThen = Callable[[int, int], Role | None]


class GrantKind(StrEnum):
    NEW_ACCOUNT = "new_account"
    SECRET_RESET = "secret_reset"
    ROLE_CHANGE = "role_change"


def reads_conversations(role: Role | str) -> bool:
    """Whether a role gives access to what was said in conversations (a care role)."""
    try:
        return Permission.VIEW_CONVERSATIONS in MATRIX[Role(role)]
    except ValueError:
        return False


def sees_access_notices(actor: Actor) -> bool:
    """Care providers are told; practice managers and administrators see the audit trail."""
    return allows(actor, Permission.VIEW_CONVERSATIONS)


@dataclass(frozen=True)
class AccessGrant:
    """One grant of access to conversations, as a care provider is told about it."""

    entry_id: int
    kind: GrantKind
    at: datetime
    #: Who did it, as the audit entry names them (name and role at that moment).
    granted_by: str
    granted_by_id: int | None
    granted_by_role: str
    account_id: int
    #: The account's name now ("" when it no longer exists).
    account_name: str
    #: The role the grant gave: named in the entry's detail, else the role the account signed in
    #: with next, else its role now.
    role: Role
    #: For a role change: the role before, when known.
    previous_role: Role | None
    #: Successful sign-ins with the account after the grant, up to the check.
    sign_ins: int = 0
    #: Of those, how many since the viewer's previous check (for a grant told before).
    new_sign_ins: int = 0
    #: The account's holder has chosen their own PIN since, or the account was switched off.
    closed: bool = False

    @property
    def leaves_secret_with_granter(self) -> bool:
        """A new account or a reset: the one who did it knows the PIN until its holder changes it."""
        return self.kind in (GrantKind.NEW_ACCOUNT, GrantKind.SECRET_RESET)


@dataclass(frozen=True)
class AccessNotice:
    """What one care provider is told at sign-in: entries ``since`` < id <= ``through``."""

    since: int
    through: int
    #: Grants made since the viewer's previous check, oldest first.
    grants: tuple[AccessGrant, ...] = ()
    #: Grants told before whose PIN is still the one someone else chose, and that were used to
    #: sign in since the viewer's previous check.
    used_again: tuple[AccessGrant, ...] = ()
    #: The entry ids of the grants still open after this check (carried to the next one).
    open_grants: tuple[int, ...] = field(default=(), repr=False)

    def __bool__(self) -> bool:
        return bool(self.grants or self.used_again)

    @property
    def count(self) -> int:
        return len(self.grants) + len(self.used_again)


# -- reading the trail ----------------------------------------------------------------------------


def _newest_id(tx: Session) -> int:
    return tx.exec(select(func.max(AuditEntry.id))).one() or 0


def _last_check(tx: Session, actor: Actor) -> AuditEntry | None:
    return tx.exec(
        select(AuditEntry)
        .where(AuditEntry.action == audit.Action.VIEW)
        .where(AuditEntry.object_type == NOTICE_OBJECT)
        .where(AuditEntry.practitioner_id == actor.id)
        .where(AuditEntry.outcome == audit.Outcome.SUCCESS)
        .order_by(col(AuditEntry.id).desc())
        .limit(1)
    ).first()


def _sign_ins_of(tx: Session, actor: Actor, limit: int) -> list[int]:
    """The ids of the actor's newest successful sign-ins, newest first."""
    return list(
        tx.exec(
            select(AuditEntry.id)
            .where(AuditEntry.action == audit.Action.SIGN_IN)
            .where(AuditEntry.practitioner_id == actor.id)
            .where(AuditEntry.outcome == audit.Outcome.SUCCESS)
            .order_by(col(AuditEntry.id).desc())
            .limit(limit)
        ).all()
    )


def _start(tx: Session, actor: Actor) -> tuple[int, tuple[int, ...]]:
    """Where this check starts (entries after this id) and the open grants carried to it.

    After the last check; without one, after the previous sign-in (the newest is the one that
    started this session); without that (a first sign-in), after this sign-in: a new account
    is not told what happened before it could sign in."""
    last = _last_check(tx, actor)
    if last is not None and last.object_id is not None and last.id is not None and last.object_id < last.id:
        found = _OPEN.search(last.detail)
        carried = tuple(int(part) for part in found[1].split(",") if part) if found else ()
        return last.object_id, carried
    sign_ins = _sign_ins_of(tx, actor, 2)
    if len(sign_ins) == 2:
        return sign_ins[1], ()
    if sign_ins:
        return sign_ins[0], ()
    return _newest_id(tx), ()


def _entries_between(tx: Session, since: int, through: int) -> list[AuditEntry]:
    """Entries that may grant or close access, in the window (the ``action`` index, an id range)."""
    rows = tx.exec(
        select(AuditEntry)
        .where(col(AuditEntry.action).in_([audit.Action.CREATE, audit.Action.CHANGE]))
        .where(AuditEntry.id > since)
        .where(AuditEntry.id <= through)
        .where(col(AuditEntry.object_type).in_(["practitioner", "sign_in_secret"]))
    ).all()
    return sorted(rows, key=lambda entry: entry.id or 0)


def _entries_by_id(tx: Session, ids: tuple[int, ...]) -> list[AuditEntry]:
    if not ids:
        return []
    rows = tx.exec(select(AuditEntry).where(col(AuditEntry.id).in_(list(ids)))).all()
    return sorted(rows, key=lambda entry: entry.id or 0)


@dataclass(frozen=True)
class _SignIn:
    id: int
    account: int
    #: The role the account had when it signed in (the entry records it).
    role: str


def _sign_ins_to(tx: Session, accounts: set[int], since: int, through: int) -> list[_SignIn]:
    """Each successful sign-in to one of the accounts in the window, oldest first."""
    if not accounts:
        return []
    rows = tx.exec(
        select(AuditEntry.id, AuditEntry.practitioner_id, AuditEntry.role)
        .where(AuditEntry.action == audit.Action.SIGN_IN)
        .where(AuditEntry.id > since)
        .where(AuditEntry.id <= through)
        .where(col(AuditEntry.practitioner_id).in_(sorted(accounts)))
        .where(AuditEntry.outcome == audit.Outcome.SUCCESS)
    ).all()
    found = [_SignIn(i, account, role) for i, account, role in rows if i is not None and account is not None]
    return sorted(found, key=lambda sign_in: sign_in.id)


# -- what an entry means --------------------------------------------------------------------------


def _role_in_detail(detail: str) -> Role | None:
    if not detail.startswith(ROLE_DETAIL):
        return None
    try:
        return Role(detail.removeprefix(ROLE_DETAIL))
    except ValueError:
        return None


def _as_role(value: str) -> Role | None:
    try:
        return Role(value)
    except ValueError:
        return None


def _grant(entry: AuditEntry, accounts: dict[int, Practitioner], role_then: RoleThen) -> AccessGrant | None:
    """The content grant an entry records, or None. ``accounts``: practitioner rows by id;
    ``role_then``: the role an account had just after an entry, where the entry does not say."""
    if entry.outcome != audit.Outcome.SUCCESS or entry.object_id is None or entry.id is None:
        return None
    account = accounts.get(entry.object_id)
    named = _role_in_detail(entry.detail)
    by_someone_else = entry.practitioner_id != entry.object_id
    kind: GrantKind | None = None
    role: Role | None = None
    previous: Role | None = None
    if entry.action == audit.Action.CREATE and entry.object_type == "practitioner":
        if entry.detail in _NOT_A_GRANT or not by_someone_else:
            return None  # the first account of a new database, made by its own holder
        kind, role = GrantKind.NEW_ACCOUNT, named or role_then(entry.object_id, entry.id)
    elif entry.action == audit.Action.CHANGE and entry.object_type == "sign_in_secret":
        if not by_someone_else:
            return None  # one's own PIN
        kind, role = GrantKind.SECRET_RESET, named or role_then(entry.object_id, entry.id)
    elif entry.action == audit.Action.CHANGE and entry.object_type == "practitioner":
        if entry.detail in _NOT_A_GRANT:
            return None
        # The entry carries the role of whoever made the change as it was before the change; the
        # new role is in its detail ("role:..."), or, in an entry without a detail (an older
        # one, a change of one's own name or role), the role the account had afterwards.
        before = _as_role(entry.role) if not by_someone_else else None
        role = named
        if role is None and not entry.detail and not by_someone_else:
            role = role_then(entry.object_id, entry.id)
        if role is None or (named is None and before is None):
            return None
        if before is not None and reads_conversations(before):
            return None  # already had access to conversations
        if role == before:
            return None  # a change of name only
        kind, previous = GrantKind.ROLE_CHANGE, before
    if kind is None or role is None or not reads_conversations(role):
        return None
    return AccessGrant(
        entry_id=entry.id,
        kind=kind,
        at=entry.at if entry.at.tzinfo else entry.at.replace(tzinfo=UTC),
        granted_by=entry.practitioner_name,
        granted_by_id=entry.practitioner_id,
        granted_by_role=entry.role,
        account_id=entry.object_id,
        account_name=account.name if account is not None else "",
        role=role,
        previous_role=previous,
    )


def _closes(entry: AuditEntry) -> int | None:
    """The account whose open grants this entry ends: its holder chose their own PIN, or it was
    switched off."""
    if entry.outcome != audit.Outcome.SUCCESS or entry.object_id is None:
        return None
    if entry.object_type == "sign_in_secret" and entry.practitioner_id == entry.object_id:
        return entry.object_id
    if entry.object_type == "practitioner" and entry.detail == "deactivated":
        return entry.object_id
    return None


# -- the notice -----------------------------------------------------------------------------------


def access_grants_since(tx: Session, actor: Actor) -> AccessNotice:
    """The content grants a care provider has not been told about yet (empty for other roles).

    Reads only; ``acknowledge`` records that the notice was shown, so it is not shown again.
    Call it after the sign-in that starts the session has been recorded."""
    through = _newest_id(tx)
    if not sees_access_notices(actor):
        return AccessNotice(since=through, through=through)
    since, carried = _start(tx, actor)
    window = _entries_between(tx, since, through)
    earlier = _entries_by_id(tx, tuple(i for i in carried if i <= since))
    ids = {e.object_id for e in (*window, *earlier) if e.object_id is not None}
    accounts = {row.id: row for row in tx.exec(select(Practitioner).where(col(Practitioner.id).in_(ids))).all()}
    sign_ins = _sign_ins_to(tx, ids, since, through)

    def role_then(account: int, after: int) -> Role | None:
        """The role recorded at the account's first sign-in after the entry; if it has not
        signed in since, its role now (a role is changed only by someone signed in)."""
        for sign_in in sign_ins:
            if sign_in.account == account and sign_in.id > after:
                return _as_role(sign_in.role)
        row = accounts.get(account)
        return _as_role(row.role) if row is not None else None

    closed_at: dict[int, list[int]] = {}  # account -> the entries that ended what someone else chose
    for entry in window:
        account = _closes(entry)
        if account is not None and entry.id is not None:
            closed_at.setdefault(account, []).append(entry.id)

    def closed_after(grant: AccessGrant) -> int | None:
        """The entry that closed the grant (its holder's own PIN, switched off), if any."""
        return next((i for i in closed_at.get(grant.account_id, []) if i > grant.entry_id), None)

    def still_open(grant: AccessGrant) -> bool:
        row = accounts.get(grant.account_id)
        return closed_after(grant) is None and row is not None and bool(row.active) and reads_conversations(row.role)

    def used(grant: AccessGrant, *, from_id: int) -> int:
        """Sign-ins with the account after ``from_id`` and before its grant was closed."""
        end = closed_after(grant) or through + 1
        return sum(1 for s in sign_ins if s.account == grant.account_id and from_id < s.id < end)

    new = [g for e in window if (g := _grant(e, accounts, role_then)) is not None and g.granted_by_id != actor.id]
    old = [g for e in earlier if (g := _grant(e, accounts, role_then)) is not None and g.leaves_secret_with_granter]
    newest = {g.account_id: g.entry_id for g in new if g.leaves_secret_with_granter}  # a reset replaces a grant
    grants = tuple(
        replace(
            g,
            sign_ins=sum(1 for s in sign_ins if s.account == g.account_id and s.id > g.entry_id),
            closed=not still_open(g),
        )
        for g in new
    )
    used_again = tuple(
        replace(g, new_sign_ins=count, closed=not still_open(g))
        for g in old
        if g.account_id not in newest and g.account_id != actor.id and (count := used(g, from_id=since))
    )
    open_now = sorted(
        g.entry_id
        for g in (*old, *new)
        if g.leaves_secret_with_granter and still_open(g) and newest.get(g.account_id, g.entry_id) == g.entry_id
    )
    return AccessNotice(since=since, through=through, grants=grants, used_again=used_again, open_grants=tuple(open_now))


def _check_detail(notice: AccessNotice) -> str:
    """``detail`` of the check's entry: lines shown, and the open grants to carry (newest kept
    when they do not all fit)."""
    detail = str(notice.count)
    kept: list[str] = []
    for entry_id in sorted(notice.open_grants, reverse=True):
        candidate = f"{detail}; open {','.join([str(entry_id), *kept])}"
        if len(candidate) > _DETAIL_MAX:
            break
        kept.insert(0, str(entry_id))
    return f"{detail}; open {','.join(kept)}" if kept else detail


def acknowledge(tx: Session, actor: Actor, notice: AccessNotice, *, now: datetime | None = None) -> None:
    """Record that the care provider was shown the notice (or that there was nothing to show):
    the next check starts after ``notice.through``. Nothing is recorded for other roles."""
    if not sees_access_notices(actor):
        return
    audit.record(
        tx,
        actor,
        audit.Action.VIEW,
        object_type=NOTICE_OBJECT,
        object_id=notice.through,
        detail=_check_detail(notice),
        now=now,
    )


# -- in words -------------------------------------------------------------------------------------


def _who(grant: AccessGrant) -> str:
    name = grant.granted_by or _("someone")
    role = _as_role(grant.granted_by_role)
    if role is None:
        return name
    return _("{name} ({role})").format(name=name, role=role_in_sentence(role))


def _account(grant: AccessGrant) -> str:
    return grant.account_name or _("number {id}").format(id=grant.account_id)


def _closed_sentence() -> str:
    return _(
        "Since then its holder has chosen their own PIN or password, or the account no longer reaches conversations."
    )


def grant_sentence(grant: AccessGrant) -> str:
    """One grant in a sentence, with how often the account was used since."""
    values = {
        "date": format_date(grant.at),
        "who": _who(grant),
        "account": _account(grant),
        "role": role_in_sentence(grant.role),
    }
    if grant.kind == GrantKind.NEW_ACCOUNT:
        what = _("On {date} {who} made the account '{account}' with the role {role}").format(**values)
    elif grant.kind == GrantKind.SECRET_RESET:
        what = _("On {date} {who} set a new PIN or password for the account '{account}' with the role {role}").format(
            **values
        )
    elif grant.previous_role is not None:
        what = _("On {date} {who} changed the role of the account '{account}' from {previous} to {role}").format(
            previous=role_in_sentence(grant.previous_role), **values
        )
    else:
        what = _("On {date} {who} changed the role of the account '{account}' to {role}").format(**values)
    if grant.sign_ins:
        used = ngettext(
            "; it has been used to sign in {count} time since.",
            "; it has been used to sign in {count} times since.",
            grant.sign_ins,
        ).format(count=grant.sign_ins)
    else:
        used = _("; nobody has signed in with it since.")
    sentence = what + used
    if grant.leaves_secret_with_granter and grant.closed:
        sentence += " " + _closed_sentence()
    return sentence


def used_again_sentence(grant: AccessGrant) -> str:
    """A grant told before, whose account was used to sign in since the last notice while its
    PIN was still the one someone else chose."""
    sentence = ngettext(
        "The account '{account}' with the role {role}, whose PIN or password {who} chose on {date}, was used to "
        "sign in {count} more time since your previous notice.",
        "The account '{account}' with the role {role}, whose PIN or password {who} chose on {date}, was used to "
        "sign in {count} more times since your previous notice.",
        grant.new_sign_ins,
    ).format(
        account=_account(grant),
        role=role_in_sentence(grant.role),
        who=_who(grant),
        date=format_date(grant.at),
        count=grant.new_sign_ins,
    )
    if grant.closed:
        return sentence + " " + _closed_sentence()
    return sentence + " " + _("Its holder has not chosen their own PIN or password yet.")


def notice_lines(notice: AccessNotice) -> list[str]:
    """The notice in sentences: new grants first (oldest first), then accounts used again."""
    return [grant_sentence(g) for g in notice.grants] + [used_again_sentence(g) for g in notice.used_again]
