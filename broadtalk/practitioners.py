"""Practitioners: who is acting. Every use case takes the acting practitioner (an ``Actor``),
so roles and the audit trail hook in at one place later."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from sqlmodel import Session, select

from broadtalk.errors import InputError, NotFoundError
from broadtalk.i18n import N_, _
from broadtalk.store.tables import Practitioner, Setting


class Role(StrEnum):
    PRACTICE_NURSE = "practice_nurse"
    SOCIAL_WORKER = "social_worker"
    PRACTICE_MANAGER = "practice_manager"
    ADMINISTRATOR = "administrator"


ROLE_LABELS: dict[Role, str] = {
    Role.PRACTICE_NURSE: N_("Practice nurse (POH)"),
    Role.SOCIAL_WORKER: N_("Social worker"),
    Role.PRACTICE_MANAGER: N_("Practice manager"),
    Role.ADMINISTRATOR: N_("Administrator"),
}


def role_label(role: Role | str) -> str:
    return _(ROLE_LABELS[Role(role)])


def role_in_sentence(role: Role | str) -> str:
    """The role inside a sentence ("As practice nurse (POH) you ..."): only its first letter lowered."""
    label = role_label(role)
    return label[:1].lower() + label[1:]


@dataclass(frozen=True)
class Actor:
    """The practitioner on whose behalf a use case runs."""

    id: int
    name: str
    role: Role


def _actor(row: Practitioner) -> Actor:
    assert row.id is not None
    return Actor(id=row.id, name=row.name, role=Role(row.role))


def create_practitioner(tx: Session, name: str, role: Role | str, *, now: datetime | None = None) -> Actor:
    name = " ".join(name.split())
    if not name:
        raise InputError(_("The practitioner's name is empty; type a name."))
    if len(name) > 200:
        raise InputError(_("The practitioner's name is longer than 200 characters; shorten it."))
    try:
        role = Role(role)
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise InputError(
            _("Unknown role '{role}'; use one of: {allowed}.").format(role=role, allowed=allowed)
        ) from None
    row = Practitioner(name=name, role=role.value, created_at=now or datetime.now(UTC))
    tx.add(row)
    tx.flush()
    return _actor(row)


def get_actor(tx: Session, practitioner_id: int) -> Actor:
    row = tx.get(Practitioner, practitioner_id)
    if row is None:
        raise NotFoundError(_("There is no practitioner with number {id}.").format(id=practitioner_id))
    return _actor(row)


def list_practitioners(tx: Session) -> list[Actor]:
    rows = tx.exec(select(Practitioner).where(Practitioner.active).order_by(Practitioner.name, Practitioner.id)).all()
    return [_actor(row) for row in rows]


COMMAND_LINE_KEY = "command_line_practitioner_id"


def command_line_actor(tx: Session) -> Actor:
    """The practitioner the command line acts as until sign-in exists: an administrator entry
    made once per database and recorded in the settings."""
    setting = tx.get(Setting, COMMAND_LINE_KEY)
    if setting is not None:
        row = tx.get(Practitioner, int(setting.value))
        if row is not None:
            return _actor(row)
    actor = create_practitioner(tx, _("Command line"), Role.ADMINISTRATOR)
    tx.merge(Setting(key=COMMAND_LINE_KEY, value=str(actor.id)))
    return actor
