"""Signing in: a practitioner proves who they are with a personal PIN or password.

Secrets are kept as scrypt hashes (salted, slow to guess). Every sign-in and every failed
attempt is written to the audit trail; after ``MAX_FAILURES`` failures in a row within
``LOCKOUT`` the account waits, so a found laptop cannot be tried through.

``sign_in``, ``unlock`` and ``set_own_secret`` take the Database, not a session: each counts the
earlier failures, checks the secret and records the outcome in one transaction that holds the
write lock from its start (``BEGIN IMMEDIATE``), and a refusal's entry is committed with the
refusal. Attempts from several windows or processes at once are therefore checked one after
the other, and every wrong one is counted before the next is looked at.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlmodel import Session, col, select

from broadtalk import audit
from broadtalk.audit import require
from broadtalk.errors import InputError, NotFoundError, RefusedError, keep_writes
from broadtalk.i18n import _, ngettext
from broadtalk.permissions import MATRIX, Permission
from broadtalk.practitioners import (
    Actor,
    PractitionerContact,
    Role,
    check_contact,
    create_practitioner,
    former_command_line_account,
    get_actor,
    is_administrator,
)
from broadtalk.store.database import Database
from broadtalk.store.tables import AuditEntry, Practitioner

SECRET_MIN_LENGTH = 5
MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=5)
# scrypt cost: about 50 ms here; enough to slow guessing, short enough for a sign-in.
_N, _R, _P = 2**14, 8, 1


def check_new_secret(secret: str, repeated: str | None = None) -> str:
    if len(secret.strip()) < SECRET_MIN_LENGTH:
        raise InputError(
            _("The PIN or password is too short; use at least {count} characters.").format(count=SECRET_MIN_LENGTH)
        )
    if len(secret) > 200:
        raise InputError(_("The PIN or password is longer than 200 characters; shorten it."))
    if repeated is not None and repeated != secret:
        raise InputError(_("The two entries differ; type the same PIN or password twice."))
    return secret


def hash_secret(secret: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(secret.encode("utf-8"), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    encode = base64.b64encode
    return f"scrypt${_N}${_R}${_P}${encode(salt).decode()}${encode(digest).decode()}"


def secret_matches(secret: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            secret.encode("utf-8"), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=len(expected)
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def _row(tx: Session, practitioner_id: int) -> Practitioner:
    row = tx.get(Practitioner, practitioner_id)
    if row is None or not row.active:
        raise NotFoundError(_("There is no practitioner with number {id}.").format(id=practitioner_id))
    return row


def _recent_failures(tx: Session, practitioner_id: int, now: datetime) -> list[AuditEntry]:
    """Failed attempts since the last success, within the lock-out window."""
    entries = tx.exec(
        select(AuditEntry)
        .where(AuditEntry.practitioner_id == practitioner_id)
        .where(
            col(AuditEntry.action).in_(
                [audit.Action.SIGN_IN, audit.Action.SIGN_IN_FAILED, audit.Action.UNLOCK, audit.Action.UNLOCK_FAILED]
            )
        )
        .where(AuditEntry.at >= now - LOCKOUT)
        .order_by(col(AuditEntry.id).desc())
    ).all()
    failures = []
    for entry in entries:
        if entry.action in (audit.Action.SIGN_IN, audit.Action.UNLOCK) and entry.outcome == audit.Outcome.SUCCESS:
            break
        if entry.outcome == audit.Outcome.FAILED:
            failures.append(entry)
    return failures


def _refuse_while_locked_out(
    tx: Session, failures: list[AuditEntry], claimed_id: int, claimed_name: str, failed: str, now: datetime
) -> None:
    """After ``MAX_FAILURES`` wrong attempts within ``LOCKOUT`` the account waits; the refused
    attempt is recorded too, in this transaction (committed with the refusal)."""
    if len(failures) < MAX_FAILURES:
        return
    wait = max(1, int((failures[MAX_FAILURES - 1].at + LOCKOUT - now).total_seconds() // 60) + 1)
    message = ngettext(
        "Too many wrong attempts; wait {count} minute and try again.",
        "Too many wrong attempts; wait {count} minutes and try again.",
        wait,
    ).format(count=wait)
    audit.record(
        tx,
        None,
        failed,
        object_type="practitioner",
        object_id=claimed_id,
        outcome=audit.Outcome.REFUSED,
        practitioner_id=claimed_id,
        practitioner_name=claimed_name,
        detail="locked out",
        now=now,
    )
    raise keep_writes(RefusedError(message))


def _authenticate(tx: Session, practitioner_id: int, secret: str, ok: str, failed: str, now: datetime | None) -> Actor:
    """Count, check and record in the caller's transaction, which must hold the write lock
    (``Database.transaction(immediate=True)``) so that no other attempt is counted in between."""
    # The moment is taken once the lock is held: an attempt that waited is judged when it runs.
    now = now or datetime.now(UTC)
    row = _row(tx, practitioner_id)
    claimed_id, claimed_name, stored = practitioner_id, row.name, row.secret_hash
    failures = _recent_failures(tx, practitioner_id, now)
    _refuse_while_locked_out(tx, failures, claimed_id, claimed_name, failed, now)
    if not stored or not secret_matches(secret, stored):
        left = MAX_FAILURES - len(failures) - 1
        message = _("The PIN or password is not right.")
        if 0 < left < MAX_FAILURES - 1:
            message = ngettext(
                "The PIN or password is not right; {count} more try before a wait.",
                "The PIN or password is not right; {count} more tries before a wait.",
                left,
            ).format(count=left)
        audit.record(
            tx,
            None,
            failed,
            object_type="practitioner",
            object_id=claimed_id,
            outcome=audit.Outcome.FAILED,
            practitioner_id=claimed_id,
            practitioner_name=claimed_name,
            now=now,
        )
        raise keep_writes(RefusedError(message))
    actor = get_actor(tx, practitioner_id)
    audit.record(tx, actor, ok, object_type="practitioner", object_id=actor.id, now=now)
    return actor


def sign_in(db: Database, practitioner_id: int, secret: str, *, now: datetime | None = None) -> Actor:
    """The practitioner, when the secret is theirs; RefusedError (and an audit entry) if not.

    One transaction of its own, holding the write lock from the start: the failures are
    counted, the secret checked and the outcome recorded before any other attempt is counted."""
    with db.transaction(immediate=True) as tx:
        return _authenticate(tx, practitioner_id, secret, audit.Action.SIGN_IN, audit.Action.SIGN_IN_FAILED, now)


def unlock(db: Database, actor: Actor, secret: str, *, now: datetime | None = None) -> Actor:
    """Unlock a locked window: the signed-in practitioner's own secret (counted as ``sign_in``)."""
    with db.transaction(immediate=True) as tx:
        return _authenticate(tx, actor.id, secret, audit.Action.UNLOCK, audit.Action.UNLOCK_FAILED, now)


def can_sign_in(tx: Session) -> list[Actor]:
    """Active practitioners with a secret: who may be chosen at sign-in."""
    rows = tx.exec(
        select(Practitioner)
        .where(Practitioner.active)
        .where(Practitioner.secret_hash != "")
        .order_by(Practitioner.name)
    ).all()
    return [
        Actor(id=row.id, name=row.name, role=Role(row.role), administers=bool(row.administers))
        for row in rows
        if row.id is not None
    ]


def choose_first_secret(tx: Session, practitioner_id: int, secret: str, repeated: str | None = None) -> Actor:
    """A practitioner from before sign-in existed (no secret yet) chooses one and is signed in.

    Only while they have none: afterwards the secret can only be changed by knowing it, or
    reset by a practice manager or administrator."""
    row = _row(tx, practitioner_id)
    if row.secret_hash:
        raise RefusedError(_("This account already has a PIN or password; sign in with it."))
    _refuse_former_command_line(tx, practitioner_id)
    row.secret_hash = hash_secret(check_new_secret(secret, repeated))
    tx.add(row)
    actor = get_actor(tx, practitioner_id)
    audit.record(tx, actor, audit.Action.CHANGE, object_type="sign_in_secret", object_id=actor.id, detail="first")
    audit.record(tx, actor, audit.Action.SIGN_IN, object_type="practitioner", object_id=actor.id)
    return actor


def set_own_secret(
    db: Database, actor: Actor, current: str, new: str, repeated: str | None = None, *, now: datetime | None = None
) -> None:
    """Change one's own PIN or password, knowing the current one. A wrong current one counts
    towards the lock-out like a failed sign-in (counted and recorded as ``sign_in`` does, in
    one transaction holding the write lock): the dialog cannot be used to try PINs."""
    check_new_secret(new, repeated)  # a bad new one says so without spending a guess
    with db.transaction(immediate=True) as tx:
        now = now or datetime.now(UTC)
        row = _row(tx, actor.id)
        if row.secret_hash:
            _refuse_while_locked_out(
                tx, _recent_failures(tx, actor.id, now), actor.id, actor.name, audit.Action.UNLOCK_FAILED, now
            )
            if not secret_matches(current, row.secret_hash):
                audit.record(
                    tx,
                    actor,
                    audit.Action.UNLOCK_FAILED,
                    object_type="sign_in_secret",
                    object_id=actor.id,
                    outcome=audit.Outcome.FAILED,
                    now=now,
                )
                raise keep_writes(RefusedError(_("The current PIN or password is not right; nothing was changed.")))
        row.secret_hash = hash_secret(new)
        tx.add(row)
        audit.record(tx, actor, audit.Action.CHANGE, object_type="sign_in_secret", object_id=actor.id)


def may_hand_out(actor: Actor, role: Role | str) -> None:
    """Only an administrator (or an account that also runs the practice, which has the
    administrator's permissions) makes administrators: a practice manager cannot give anyone (or
    herself, through a second account) the right to restore backups or import models."""
    if str(role) == Role.ADMINISTRATOR.value and not is_administrator(actor):
        raise RefusedError(_("Only an administrator can make an administrator account; ask your administrator."))


def add_account(
    tx: Session, actor: Actor, name: str, role: Role | str, secret: str, *, now: datetime | None = None
) -> Actor:
    """A new practitioner who can sign in (practice managers and administrators)."""
    require(actor, Permission.MANAGE_PRACTITIONERS)
    may_hand_out(actor, role)
    check_new_secret(secret)
    created = create_practitioner(tx, name, role, now=now)
    row = _row(tx, created.id)
    row.secret_hash = hash_secret(secret)
    tx.add(row)
    audit.record(
        tx,
        actor,
        audit.Action.CREATE,
        object_type="practitioner",
        object_id=created.id,
        detail=f"role:{Role(role).value}",
    )
    return created


def _refuse_former_command_line(tx: Session, practitioner_id: int) -> None:
    """The administrator account older versions acted as on the command line never gets a PIN:
    nobody may take over an administrator whom nobody chose."""
    if practitioner_id == former_command_line_account(tx):
        raise RefusedError(
            _(
                "This account was the command line's in an older version and cannot sign in; "
                "add an account for the person instead."
            )
        )


def reset_secret(tx: Session, actor: Actor, practitioner_id: int, secret: str) -> None:
    """Set a colleague's PIN (practice managers and administrators). Only an administrator
    resets an administrator's: choosing her PIN would let a practice manager sign in as her."""
    require(actor, Permission.MANAGE_PRACTITIONERS)
    row = _row(tx, practitioner_id)
    _refuse_former_command_line(tx, practitioner_id)
    if row.role == Role.ADMINISTRATOR.value and not is_administrator(actor):
        raise RefusedError(
            _("Only an administrator can set an administrator's PIN or password; ask your administrator.")
        )
    if row.administers and not is_administrator(actor):
        # Her PIN would let whoever chose it restore backups and manage the practice.
        raise RefusedError(
            _(
                "{name} also manages the practice: only an administrator, or a colleague who also manages the "
                "practice, can set their PIN or password."
            ).format(name=row.name)
        )
    row.secret_hash = hash_secret(check_new_secret(secret))
    tx.add(row)
    audit.record(tx, actor, audit.Action.CHANGE, object_type="sign_in_secret", object_id=practitioner_id)


def deactivate_account(tx: Session, actor: Actor, practitioner_id: int) -> None:
    """An account that can no longer sign in; its name stays on the records it made."""
    require(actor, Permission.MANAGE_PRACTITIONERS)
    if practitioner_id == actor.id:
        raise RefusedError(_("You cannot switch off your own account; ask a colleague."))
    row = _row(tx, practitioner_id)
    row.active = False
    tx.add(row)
    audit.record(
        tx, actor, audit.Action.CHANGE, object_type="practitioner", object_id=practitioner_id, detail="deactivated"
    )


# -- who manages the practice ------------------------------------------------------------------

#: The audit details of giving and taking away "also manages the practice" (``set_administers``).
ADMINISTERS_ON, ADMINISTERS_OFF = "administers:on", "administers:off"


def _manages_practitioners(role: str, administers: bool) -> bool:
    try:
        by_role = Permission.MANAGE_PRACTITIONERS in MATRIX[Role(role)]
    except ValueError:
        return False
    return by_role or administers


def refuse_leaving_nobody_to_manage(tx: Session, practitioner_id: int, role: Role | str, administers: bool) -> None:
    """RefusedError when giving this account ``role`` and ``administers`` would leave no active
    account that can manage the practice's accounts (nobody could add a colleague or reset a
    forgotten PIN again). The command-line account of an older version does not count: it
    cannot sign in."""
    if _manages_practitioners(str(role), administers):
        return
    command_line = former_command_line_account(tx)
    others = tx.exec(
        select(Practitioner.id, Practitioner.role, Practitioner.administers)
        .where(Practitioner.active)
        .where(Practitioner.id != practitioner_id)
    ).all()
    if any(other != command_line and _manages_practitioners(r, bool(a)) for other, r, a in others):
        return
    row = tx.get(Practitioner, practitioner_id)
    raise RefusedError(
        _(
            "{name} is the only one who can manage the practice's accounts; first let a colleague manage the "
            "practice, then change this."
        ).format(name=row.name if row is not None else practitioner_id)
    )


def set_administers(
    tx: Session, actor: Actor, practitioner_id: int, administers: bool, *, now: datetime | None = None
) -> Actor:
    """Give a care provider or practice manager the administrator's permissions on top of her
    role ("also manages the practice"), or take them away. Only an administrator, or an account
    that manages the practice itself, may (as only an administrator makes administrators); the
    practice is never left without anyone who can manage its accounts. Recorded in the audit
    trail (``administers:on``/``administers:off``); it gives no access to conversations (the
    administrator's permissions do not include reading them), so the care providers get no
    access notice for it."""
    require(actor, Permission.MANAGE_PRACTITIONERS)
    if not is_administrator(actor):
        raise RefusedError(
            _(
                "Only an administrator, or a colleague who also manages the practice, can give or take away "
                "managing the practice; ask them."
            )
        )
    row = _row(tx, practitioner_id)
    _refuse_former_command_line(tx, practitioner_id)
    if row.role == Role.ADMINISTRATOR.value:
        raise RefusedError(
            _("{name} is an administrator and manages the practice with that role; change the role instead.").format(
                name=row.name
            )
        )
    if bool(row.administers) == administers:
        return get_actor(tx, practitioner_id)
    if not administers:
        refuse_leaving_nobody_to_manage(tx, practitioner_id, row.role, False)
    row.administers = administers
    tx.add(row)
    tx.flush()
    audit.record(
        tx,
        actor,
        audit.Action.CHANGE,
        object_type="practitioner",
        object_id=practitioner_id,
        detail=ADMINISTERS_ON if administers else ADMINISTERS_OFF,
        now=now,
    )
    return get_actor(tx, practitioner_id)


USER_VARIABLE, PIN_VARIABLE = "BROADTALK_USER", "BROADTALK_PIN"


class SignInNeeded(RefusedError):
    """A command was given no practitioner number or PIN, and nobody can be asked for them."""


class SignInPrompt(Protocol):
    """Asks the person at the terminal what the environment did not give."""

    def practitioner_number(self, accounts: Sequence[Actor]) -> str: ...

    def secret(self) -> str: ...


def nobody_can_sign_in() -> RefusedError:
    return RefusedError(
        _(
            "Nobody can sign in to this database yet: set up the practice in the app first (start broadtalk "
            "without a command), or make a demo practice in a new database with 'broadtalk --db FILE demo --clients 20'."
        )
    )


def environment_actor(
    db: Database, environ: Mapping[str, str] | None = None, *, prompt: SignInPrompt | None = None
) -> Actor:
    """Who acts for a command (or ``--startup-check``), signed in without a dialog.

    The practitioner number comes from BROADTALK_USER and the PIN or password from
    BROADTALK_PIN; what is missing is asked through ``prompt`` when there is one, else
    ``SignInNeeded`` says how to sign in. Signed in and audited as in the app (a wrong PIN
    counts towards the lock-out). There is no anonymous actor: whoever holds the passphrase can
    open the file, but acts in broadtalk only as a named practitioner with that role."""
    environ = os.environ if environ is None else environ
    with db.transaction() as tx:
        accounts = can_sign_in(tx)
    if not accounts:
        raise nobody_can_sign_in()
    user, pin = environ.get(USER_VARIABLE, "").strip(), environ.get(PIN_VARIABLE, "")
    if (not user or not pin) and prompt is None:
        raise SignInNeeded(
            _("Sign in first: set {user} to your practitioner number and {pin} to your PIN or password.").format(
                user=USER_VARIABLE, pin=PIN_VARIABLE
            )
        )
    if not user:
        assert prompt is not None
        user = prompt.practitioner_number(accounts).strip()
    practitioner_id = practitioner_number(user)
    if not pin:
        assert prompt is not None
        pin = prompt.secret()
        if not pin:  # Enter alone: no attempt, nothing counted
            raise InputError(_("No PIN or password was typed; nothing was done."))
    return sign_in(db, practitioner_id, pin)


def practitioner_number(text: str) -> int:
    """A practitioner number as typed (in BROADTALK_USER or at the prompt)."""
    try:
        number = int(text)
    except ValueError:
        number = -1
    if not 0 < number < 2**63:
        raise InputError(
            _("'{value}' is not a practitioner number; give the number of your account.").format(value=text[:40])
        )
    return number


# -- contact details --------------------------------------------------------------------------


def set_practitioner_contact(
    tx: Session, actor: Actor, practitioner_id: int, *, phone: str, email: str, now: datetime | None = None
) -> PractitionerContact:
    """Set a direct line and e-mail address: one's own (any role) or a colleague's
    (``MANAGE_PRACTITIONERS``). Either may be empty. A bad value raises InvalidContact naming
    each field, and nothing changes; a change is recorded in the audit trail."""
    if practitioner_id != actor.id:
        require(actor, Permission.MANAGE_PRACTITIONERS)
    row = tx.get(Practitioner, practitioner_id)
    if row is None or not row.active:
        raise NotFoundError(_("There is no practitioner with number {id}.").format(id=practitioner_id))
    phone, email = check_contact(phone, email)
    if (row.phone, row.email) != (phone, email):
        row.phone, row.email = phone, email
        tx.add(row)
        tx.flush()
        audit.record(
            tx,
            actor,
            audit.Action.CHANGE,
            object_type="practitioner",
            object_id=practitioner_id,
            detail="contact",
            now=now,
        )
    return PractitionerContact(name=row.name, role=Role(row.role), phone=phone, email=email)
