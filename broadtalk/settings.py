"""Practice-wide settings stored with the data (practice name, demo marker)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from broadtalk import audit
from broadtalk.audit import require
from broadtalk.clients import DUTCH_POSTAL_CODE
from broadtalk.errors import InputError
from broadtalk.i18n import _
from broadtalk.permissions import Permission
from broadtalk.practitioners import Actor, check_email, check_phone
from broadtalk.store.tables import Setting
from broadtalk.text import address_line, clean_line

PRACTICE_NAME = "practice_name"
#: The practice's details printed on handovers and client copies (one key each).
PRACTICE_ADDRESS = "practice_address"
PRACTICE_POSTAL_CODE = "practice_postal_code"
PRACTICE_CITY = "practice_city"
PRACTICE_PHONE = "practice_phone"
PRACTICE_EMAIL = "practice_email"
#: The practice's AGB code (Vektis), optional.
PRACTICE_AGB = "practice_agb"
DEMO = "demo"
#: Minutes without keyboard or mouse before the window locks itself (a practice-wide policy).
AUTO_LOCK_MINUTES = "auto_lock_minutes"
AUTO_LOCK_DEFAULT, AUTO_LOCK_MIN, AUTO_LOCK_MAX = 5, 1, 120


def read_setting(tx: Session, key: str, default: str = "") -> str:
    row = tx.get(Setting, key)
    return row.value if row is not None else default


def write_setting(tx: Session, key: str, value: str) -> None:
    tx.merge(Setting(key=key, value=value))


@dataclass(frozen=True)
class PracticeDetails:
    """How the practice is reached: printed on every handover document."""

    name: str = ""
    address: str = ""
    postal_code: str = ""
    city: str = ""
    phone: str = ""
    email: str = ""
    agb: str = ""

    def address_line(self) -> str:
        """'Dorpsstraat 1, 1234 AB Ergens' (empty parts left out)."""
        return address_line(self.address, self.postal_code, self.city)


def practice_details(tx: Session) -> PracticeDetails:
    """The practice's name, address, phone, e-mail and AGB code as set (anyone may read them)."""
    return PracticeDetails(
        name=read_setting(tx, PRACTICE_NAME),
        address=read_setting(tx, PRACTICE_ADDRESS),
        postal_code=read_setting(tx, PRACTICE_POSTAL_CODE),
        city=read_setting(tx, PRACTICE_CITY),
        phone=read_setting(tx, PRACTICE_PHONE),
        email=read_setting(tx, PRACTICE_EMAIL),
        agb=read_setting(tx, PRACTICE_AGB),
    )


ADDRESS_MAX, CITY_MAX = 200, 100
AGB_DIGITS = 8
#: "1234 AB", "1234ab": four digits (not starting with 0) and two letters.


class InvalidPracticeDetails(InputError):
    """One or more of the practice's details are invalid; ``problems`` maps the name of the
    ``PracticeDetails`` field ("address", "postal_code", "city", "phone", "email", "agb") to its message."""

    def __init__(self, problems: dict[str, str]):
        super().__init__(" ".join(problems.values()))
        self.problems = problems


def check_practice_details(details: PracticeDetails) -> PracticeDetails:
    """The details cleaned (one line each, the postal code as "1234 AB", the AGB code without
    spaces); raises InvalidPracticeDetails naming every bad field. Every field may be empty."""
    problems: dict[str, str] = {}
    address = clean_line(details.address)
    if len(address) > ADDRESS_MAX:
        problems["address"] = _("The address is longer than {limit} characters; shorten it.").format(limit=ADDRESS_MAX)
    postal_code = clean_line(details.postal_code)
    if postal_code:
        match = DUTCH_POSTAL_CODE.match(postal_code)
        if match:
            postal_code = f"{match[1]} {match[2].upper()}"
        else:
            problems["postal_code"] = _(
                "'{value}' is not a Dutch postal code; type four digits and two letters, e.g. 1234 AB."
            ).format(value=postal_code[:20])
    city = clean_line(details.city)
    if len(city) > CITY_MAX:
        problems["city"] = _("The city is longer than {limit} characters; shorten it.").format(limit=CITY_MAX)
    checked: dict[str, str] = {}
    for key, check, value in (("phone", check_phone, details.phone), ("email", check_email, details.email)):
        try:
            checked[key] = check(value)
        except InputError as error:
            problems[key] = error.message
    agb = "".join(details.agb.split())
    if agb and not (agb.isascii() and agb.isdigit() and len(agb) == AGB_DIGITS):
        problems["agb"] = _(
            "The AGB code '{value}' is not {count} digits; type the practice's {count}-digit AGB code or leave it empty."
        ).format(value=agb[:20], count=AGB_DIGITS)
    if problems:
        raise InvalidPracticeDetails(problems)
    return PracticeDetails(
        name=details.name,
        address=address,
        postal_code=postal_code,
        city=city,
        phone=checked["phone"],
        email=checked["email"],
        agb=agb,
    )


def set_practice_details(tx: Session, actor: Actor, details: PracticeDetails) -> bool:
    """Change the practice's address, postal code, city, phone, e-mail and AGB code
    (``MANAGE_SETTINGS``, each changed key audited). Everything is checked before anything is
    written: one bad field raises InvalidPracticeDetails and nothing changes. ``details.name`` is
    not written here: the practice name is changed with ``workstation.update_workstation``.
    Unchanged values need no permission (a settings screen may save them all); returns whether
    anything changed."""
    checked = check_practice_details(details)
    changed = False
    for key, value in (
        (PRACTICE_ADDRESS, checked.address),
        (PRACTICE_POSTAL_CODE, checked.postal_code),
        (PRACTICE_CITY, checked.city),
        (PRACTICE_PHONE, checked.phone),
        (PRACTICE_EMAIL, checked.email),
        (PRACTICE_AGB, checked.agb),
    ):
        changed = change_setting(tx, actor, key, value) or changed
    return changed


def is_demo(tx: Session) -> bool:
    """True when the database holds fictional demo data (the window says so)."""
    return read_setting(tx, DEMO) == "1"


def change_setting(tx: Session, actor: Actor, key: str, value: str, *, default: str = "") -> bool:
    """A practitioner changes a practice-wide setting (``MANAGE_SETTINGS``), recorded in the audit
    trail by its key. Writing the value it already has (``default`` when never set) changes
    nothing and needs no permission, so a settings screen may save every field; returns whether
    the value changed."""
    if read_setting(tx, key, default) == value:
        return False
    require(actor, Permission.MANAGE_SETTINGS)
    write_setting(tx, key, value)
    audit.record(tx, actor, audit.Action.CHANGE, object_type="setting", detail=key)
    return True


def auto_lock_minutes(tx: Session) -> int:
    """Minutes of idle time before the app locks (anyone may read it; a bad value reads as the default)."""
    try:
        minutes = int(read_setting(tx, AUTO_LOCK_MINUTES, str(AUTO_LOCK_DEFAULT)))
    except ValueError:
        return AUTO_LOCK_DEFAULT
    return minutes if AUTO_LOCK_MIN <= minutes <= AUTO_LOCK_MAX else AUTO_LOCK_DEFAULT


def set_auto_lock_minutes(tx: Session, actor: Actor, minutes: int) -> bool:
    """The practice's idle time before locking (``MANAGE_SETTINGS``); the current value changes nothing."""
    if not AUTO_LOCK_MIN <= minutes <= AUTO_LOCK_MAX:
        raise InputError(
            _("The time before the screen locks must be between {low} and {high} minutes.").format(
                low=AUTO_LOCK_MIN, high=AUTO_LOCK_MAX
            )
        )
    return change_setting(tx, actor, AUTO_LOCK_MINUTES, str(minutes), default=str(auto_lock_minutes(tx)))
