"""Practitioners: who is acting. Every use case takes the acting practitioner (an ``Actor``),
so roles and the audit trail hook in at one place later."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from sqlmodel import Session, select

from broadtalk.errors import InputError, NotFoundError
from broadtalk.i18n import N_, _, ngettext
from broadtalk.store.tables import Practitioner, Setting
from broadtalk.text import clean_line


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


#: What each role is for, in one plain sentence (the welcome and the accounts list say it).
ROLE_DESCRIPTIONS: dict[Role, str] = {
    Role.PRACTICE_NURSE: N_("A practice nurse holds and reads the conversations with clients."),
    Role.SOCIAL_WORKER: N_("A social worker holds and reads the conversations with clients."),
    Role.PRACTICE_MANAGER: N_("A practice manager runs the practice, but never reads what was said in a conversation."),
    Role.ADMINISTRATOR: N_(
        "An administrator runs the practice and the system, but never reads what was said in a conversation."
    ),
}


def role_description(role: Role | str) -> str:
    return _(ROLE_DESCRIPTIONS[Role(role)])


def role_label(role: Role | str) -> str:
    return _(ROLE_LABELS[Role(role)])


def role_in_sentence(role: Role | str) -> str:
    """The role inside a sentence ("As practice nurse (POH) you ..."): only its first letter lowered."""
    label = role_label(role)
    return label[:1].lower() + label[1:]


@dataclass(frozen=True)
class Actor:
    """The practitioner on whose behalf a use case runs. ``administers``: she also runs the
    practice (the first account of a practice): the administrator's permissions on top of her
    role's (``permissions.allows``)."""

    id: int
    name: str
    role: Role
    administers: bool = False


def _actor(row: Practitioner) -> Actor:
    assert row.id is not None
    return Actor(id=row.id, name=row.name, role=Role(row.role), administers=bool(row.administers))


def is_administrator(actor: Actor) -> bool:
    """An administrator by role, or an account that also runs the practice: who may hand out
    the administrator's rights (``sign_in.may_hand_out``) and set an administrator's PIN."""
    return actor.role == Role.ADMINISTRATOR or actor.administers


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


# -- how colleagues elsewhere reach a practitioner (and the practice) ----------------------------

PHONE_MAX, EMAIL_MAX = 40, 200  # the practitioner table's limits
PHONE_MIN_DIGITS = 10  # a Dutch number with its area code: 030-1234567, 06-12345678
PHONE_MAX_DIGITS = 17  # the longest international number (15, E.164) dialled with 00 in front
PHONE, EMAIL = "phone", "email"  # field names in ``InvalidContact.problems``
_NOT_IN_PHONE = re.compile(r"[^0-9 +\-()]")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")


def check_phone(text: str) -> str:
    """A phone number as typed, on one line ("" when empty); InputError says what is wrong with it.

    Digits, spaces, +, - and brackets only, a + only in front, and at least 10 digits: a Dutch
    number with its area code ("030-1234567", "+31 (0)6 1234 5678")."""
    phone = clean_line(text)
    if not phone:
        return ""
    if len(phone) > PHONE_MAX:
        raise InputError(_("The phone number is longer than {limit} characters; shorten it.").format(limit=PHONE_MAX))
    odd = _NOT_IN_PHONE.search(phone)
    if odd is not None:
        raise InputError(
            _(
                "The phone number '{value}' contains '{char}'; use only digits, spaces, +, - and brackets, "
                "e.g. 030-1234567."
            ).format(value=phone, char=odd[0])
        )
    if "+" in phone[1:]:
        raise InputError(
            _("The phone number '{value}' has a + that is not in front; a + only starts a country code.").format(
                value=phone
            )
        )
    digits = sum(ch.isdigit() for ch in phone)
    if digits < PHONE_MIN_DIGITS:
        raise InputError(
            ngettext(
                "The phone number '{value}' has {count} digit; a Dutch number has 10 with the area code, "
                "e.g. 030-1234567.",
                "The phone number '{value}' has {count} digits; a Dutch number has 10 with the area code, "
                "e.g. 030-1234567.",
                digits,
            ).format(value=phone, count=digits)
        )
    if digits > PHONE_MAX_DIGITS:
        raise InputError(
            _("The phone number '{value}' has {count} digits; a phone number has at most {limit}, check it.").format(
                value=phone, count=digits, limit=PHONE_MAX_DIGITS
            )
        )
    return phone


def check_email(text: str) -> str:
    """An e-mail address ("" when empty): one @ and a domain with a dot; InputError otherwise."""
    email = text.strip()
    if not email:
        return ""
    if len(email) > EMAIL_MAX:
        raise InputError(_("The e-mail address is longer than {limit} characters; shorten it.").format(limit=EMAIL_MAX))
    if not _EMAIL.match(email):
        raise InputError(
            _(
                "'{value}' is not an e-mail address: it needs one @ and a domain with a dot, e.g. naam@praktijk.nl."
            ).format(value=email)
        )
    return email


class InvalidContact(InputError):
    """The phone number, the e-mail address or both are invalid; ``problems`` maps field name
    (``PHONE``, ``EMAIL``) to message."""

    def __init__(self, problems: dict[str, str]):
        super().__init__(" ".join(problems.values()))
        self.problems = problems


def check_contact(phone: str, email: str) -> tuple[str, str]:
    """Both checked at once, so a screen can show every problem under its field."""
    problems: dict[str, str] = {}
    checked: dict[str, str] = {}
    for key, check, value in ((PHONE, check_phone, phone), (EMAIL, check_email, email)):
        try:
            checked[key] = check(value)
        except InputError as error:
            problems[key] = error.message
    if problems:
        raise InvalidContact(problems)
    return checked[PHONE], checked[EMAIL]


@dataclass(frozen=True)
class PractitionerContact:
    """Who a practitioner is and how colleagues in other organisations reach them directly."""

    name: str
    role: Role
    phone: str = ""
    email: str = ""


def practitioner_contact(tx: Session, practitioner_id: int) -> PractitionerContact:
    """A practitioner's name, role, direct line and e-mail (work details: anyone may read them)."""
    row = tx.get(Practitioner, practitioner_id)
    if row is None:
        raise NotFoundError(_("There is no practitioner with number {id}.").format(id=practitioner_id))
    return PractitionerContact(name=row.name, role=Role(row.role), phone=row.phone, email=row.email)


#: Older versions acted on the command line, when nobody signed in, as an administrator account
#: without a PIN, kept under this setting. Commands now always act as a practitioner who signs
#: in; such an account stays on the records it made, and can never sign in (``sign_in`` refuses
#: to give it a PIN).
COMMAND_LINE_KEY = "command_line_practitioner_id"


def former_command_line_account(tx: Session) -> int | None:
    """The id of the command-line account an older version made in this database, if any."""
    setting = tx.get(Setting, COMMAND_LINE_KEY)
    if setting is None:
        return None
    try:
        return int(setting.value)
    except ValueError:
        return None
