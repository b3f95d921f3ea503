"""Who set up broadtalk at this computer with this database.

A new database knows one *workstation practitioner*: the person who set up broadtalk here on
first start, with the PIN or password they sign in with. Their practitioner id is kept in the
practice-wide settings, so a copied database keeps its owner and a new database asks again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import Session

from broadtalk import audit
from broadtalk.audit import require
from broadtalk.errors import InputError, NotFoundError, RefusedError
from broadtalk.i18n import _
from broadtalk.permissions import Permission
from broadtalk.practitioners import Actor, Role, create_practitioner, get_actor, role_label
from broadtalk.settings import PRACTICE_NAME, change_setting, read_setting, write_setting
from broadtalk.sign_in import check_new_secret, hash_secret, may_hand_out, refuse_leaving_nobody_to_manage
from broadtalk.store.tables import Practitioner
from broadtalk.text import clean_line

WORKSTATION_PRACTITIONER = "workstation_practitioner_id"
NAME_MAX = 200  # the practitioner table's limit
PRACTICE_NAME_MAX = 200  # long enough for "Huisartsenpraktijk ... en ..." with a location

# Field names, as used in ``InvalidWorkstation.problems`` (the screens map them to their fields).
NAME, ROLE, PRACTICE, SECRET = "name", "role", "practice_name", "secret"


class InvalidWorkstation(InputError):
    """One or more fields are invalid; ``problems`` maps field name to message."""

    def __init__(self, problems: dict[str, str]):
        super().__init__(" ".join(problems.values()))
        self.problems = problems


@dataclass(frozen=True)
class WorkstationInput:
    """Cleaned, checked values for the workstation practitioner and the practice."""

    name: str
    role: Role
    practice_name: str


def validate_workstation(name: str, role: Role | str | None, practice_name: str) -> WorkstationInput:
    """Clean and check what was typed; raises InvalidWorkstation naming every bad field."""
    problems: dict[str, str] = {}
    name = clean_line(name or "")
    practice_name = clean_line(practice_name or "")
    if not name:
        problems[NAME] = _("Your name is empty; type the name your colleagues know you by.")
    elif len(name) > NAME_MAX:
        problems[NAME] = _("Your name is longer than {limit} characters; shorten it.").format(limit=NAME_MAX)
    checked_role: Role | None = None
    allowed = ", ".join(role_label(r) for r in Role)
    if not role:
        problems[ROLE] = _("Your role is not chosen; choose one of: {allowed}.").format(allowed=allowed)
    else:
        try:
            checked_role = Role(role)
        except ValueError:
            problems[ROLE] = _("Unknown role '{role}'; choose one of: {allowed}.").format(role=role, allowed=allowed)
    if not practice_name:
        problems[PRACTICE] = _("The practice name is empty; type the name of your practice.")
    elif len(practice_name) > PRACTICE_NAME_MAX:
        problems[PRACTICE] = _("The practice name is longer than {limit} characters; shorten it.").format(
            limit=PRACTICE_NAME_MAX
        )
    if problems:
        raise InvalidWorkstation(problems)
    assert checked_role is not None
    return WorkstationInput(name=name, role=checked_role, practice_name=practice_name)


def current_actor(tx: Session) -> Actor | None:
    """The practitioner who works here, or None when this database has not been set up yet
    (or its practitioner was removed or made inactive)."""
    value = read_setting(tx, WORKSTATION_PRACTITIONER)
    try:
        practitioner_id = int(value)
    except ValueError:
        return None
    row = tx.get(Practitioner, practitioner_id)
    if row is None or not row.active:
        return None
    return get_actor(tx, practitioner_id)


def practice_name(tx: Session) -> str:
    return read_setting(tx, PRACTICE_NAME)


def set_up_workstation(
    tx: Session, name: str, role: Role | str, practice_name: str, secret: str, *, now: datetime | None = None
) -> Actor:
    """First start: record who works here, the PIN or password they sign in with, and the
    practice's name. Every bad field is named at once (InvalidWorkstation). The first account of
    a practice also runs it (``administers``), whatever its role: someone must be able to add a
    colleague, set the lock time and restore a backup."""
    problems: dict[str, str] = {}
    values: WorkstationInput | None = None
    try:
        values = validate_workstation(name, role, practice_name)
    except InvalidWorkstation as invalid:
        problems.update(invalid.problems)
    try:
        check_new_secret(secret)
    except InputError as error:
        problems[SECRET] = error.message
    if problems or values is None:
        raise InvalidWorkstation(problems)
    existing = current_actor(tx)
    if existing is not None:
        # A second set-up would silently hand the data to someone else.
        raise RefusedError(
            _("broadtalk is already set up here for {name}; change your details in the settings.").format(
                name=existing.name
            )
        )
    now = now or datetime.now(UTC)
    actor = create_practitioner(tx, values.name, values.role, now=now)
    row = tx.get(Practitioner, actor.id)
    assert row is not None
    row.secret_hash = hash_secret(secret)
    row.administers = True
    tx.add(row)
    actor = get_actor(tx, actor.id)
    write_setting(tx, PRACTICE_NAME, values.practice_name)
    use_practitioner_here(tx, actor)
    audit.record(tx, actor, audit.Action.CREATE, object_type="practitioner", object_id=actor.id, detail="set_up")
    return actor


def use_practitioner_here(tx: Session, actor: Actor) -> None:
    """Record an existing practitioner as the one who works here (the demo practice uses this)."""
    row = tx.get(Practitioner, actor.id)
    if row is None or not row.active:
        raise NotFoundError(_("There is no practitioner with number {id}.").format(id=actor.id))
    write_setting(tx, WORKSTATION_PRACTITIONER, str(actor.id))


def update_workstation(tx: Session, actor: Actor, name: str, role: Role | str, practice_name: str) -> Actor:
    """Change one's own name (anyone), one's own role (``MANAGE_PRACTITIONERS``: a practice nurse
    cannot make herself an administrator) and the practice's name (``MANAGE_SETTINGS``). What
    stays the same needs no permission, so the settings screen may save every field."""
    values = validate_workstation(name, role, practice_name)
    row = tx.get(Practitioner, actor.id)
    if row is None:
        raise NotFoundError(_("There is no practitioner with number {id}.").format(id=actor.id))
    if values.role.value != row.role:
        require(actor, Permission.MANAGE_PRACTITIONERS)
        may_hand_out(actor, values.role)
        refuse_leaving_nobody_to_manage(tx, actor.id, values.role, bool(row.administers))
    changed = values.name != row.name or values.role.value != row.role
    role_changed = values.role.value != row.role
    row.name = values.name
    row.role = values.role.value
    tx.add(row)
    change_setting(tx, actor, PRACTICE_NAME, values.practice_name)
    tx.flush()
    if changed:
        detail = f"role:{values.role.value}" if role_changed else "name"
        audit.record(tx, actor, audit.Action.CHANGE, object_type="practitioner", object_id=actor.id, detail=detail)
    return Actor(id=actor.id, name=values.name, role=values.role, administers=bool(row.administers))
