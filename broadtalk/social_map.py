"""The social map (sociale kaart): organisations, what they offer, and who to call there.

An offering's contact is a function ("Welzijnscoach Overvecht"), not a person: people change
jobs, the function's number keeps working. Each offering says which life domains it helps with
(the shared tags of ``life_domains``), so the domains a client flagged suggest offerings.
Social maps go stale: an organisation not checked for some months (a practice setting) is marked.
Validation lives here so the editor and the CSV import agree.

The social map holds no client data: everyone may read it. Changing it needs ``EDIT_SOCIAL_MAP``
and is written to the audit trail (organisation or offering, no client); the stale setting is a
practice setting (``MANAGE_SETTINGS``).
"""

from __future__ import annotations

import calendar
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from broadtalk import audit
from broadtalk.audit import require
from broadtalk.clients import DUTCH_POSTAL_CODE, EMAIL, parse_date
from broadtalk.errors import InputError, NotFoundError, RefusedError
from broadtalk.i18n import N_, _, dutch_today, format_short_date, ngettext, to_display_time
from broadtalk.life_domains import TAGS, tag_label
from broadtalk.permissions import Permission
from broadtalk.practitioners import Actor
from broadtalk.settings import change_setting, read_setting
from broadtalk.store.tables import Offering, Organisation, Referral
from broadtalk.text import address_line, clean_block, clean_line, fold

KINDS: dict[str, str] = {
    "welfare_coach": N_("Welfare coach"),
    "debt_counselling": N_("Debt counselling"),
    "neighbourhood_team": N_("Neighbourhood team"),
    "community_centre": N_("Community centre activity"),
    "gp": N_("GP"),
    "district_nurse": N_("District nursing"),
    "mental_health": N_("Mental health care (GGZ / POH-GGZ)"),
    "social_work": N_("Social work"),
    "informal_care": N_("Support for informal carers"),
    "volunteer_work": N_("Volunteer work"),
    "other": N_("Other"),
}

STALE_MONTHS_KEY = "social_map_stale_months"
DEFAULT_STALE_MONTHS = 12
MIN_STALE_MONTHS = 1
MAX_STALE_MONTHS = 60

#: Only what people write in Dutch and international numbers: digits, spaces, + - ( ).
PHONE = re.compile(r"^[0-9 +\-()]+$")
#: A web address without spaces and with a dot in the host: "www.x.nl", "https://x.nl/aanbod".
WEBSITE = re.compile(r"^(https?://)?[^\s/@]+\.[^\s/@]+(/\S*)?$", re.IGNORECASE)

LIMITS = {
    "name": 200,
    "address": 200,
    "city": 100,
    "phone": 40,
    "email": 200,
    "website": 200,
    "contact_function": 200,
    "opening_hours": 2000,
    "description": 4000,
}


def kind_label(code: str) -> str:
    """The kind of offering in the current language (an unknown code as it is)."""
    return _(KINDS[code]) if code in KINDS else code


class InvalidEntry(InputError):
    """One or more fields of a social map entry are invalid; ``problems`` maps field name to message."""

    def __init__(self, problems: dict[str, str]):
        super().__init__(" ".join(problems.values()))
        self.problems = problems


# -- what the screens and the import get --------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later; the 31st becomes the month's last day where it has none."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def is_stale_on(last_checked: date | None, today: date, months: int) -> bool:
    """Never checked, or checked ``months`` or more ago: the entry needs a look before anyone relies on it."""
    return last_checked is None or add_months(last_checked, months) <= today


@dataclass(frozen=True)
class OrganisationView:
    id: int
    name: str
    address: str
    postal_code: str
    city: str
    phone: str
    email: str
    website: str
    opening_hours: str
    last_checked: date | None
    created_at: datetime
    updated_at: datetime
    offering_count: int = 0

    @property
    def address_line(self) -> str:
        return address_line(self.address, self.postal_code, self.city)

    def is_stale(self, today: date, months: int) -> bool:
        return is_stale_on(self.last_checked, today, months)


@dataclass(frozen=True)
class OfferingView:
    id: int
    organisation_id: int
    organisation_name: str
    name: str
    kind: str
    description: str
    domain_tags: tuple[str, ...]
    contact_function: str
    #: The offering's own number and address, as stored (may be empty).
    phone: str
    email: str
    #: What to use: the offering's own, or else the organisation's.
    contact_phone: str
    contact_email: str
    #: The organisation's address on one line.
    address: str
    website: str
    opening_hours: str
    last_checked: date | None
    active: bool
    stale: bool

    @property
    def kind_label(self) -> str:
        return kind_label(self.kind)

    @property
    def tag_labels(self) -> tuple[str, ...]:
        return tuple(tag_label(tag) for tag in self.domain_tags)


@dataclass(frozen=True)
class OrganisationInput:
    """What someone types for an organisation; the last check may be given as text (dd-mm-yyyy)."""

    name: str
    address: str = ""
    postal_code: str = ""
    city: str = ""
    phone: str = ""
    email: str = ""
    website: str = ""
    opening_hours: str = ""
    last_checked: date | str | None = None


@dataclass(frozen=True)
class OfferingInput:
    """What someone types for an offering; ``organisation_id`` None means none was chosen yet."""

    organisation_id: int | None
    name: str
    kind: str
    domain_tags: Iterable[str] = ()
    contact_function: str = ""
    phone: str = ""
    email: str = ""
    description: str = ""


# -- validation (shared with the CSV import) ------------------------------------------------------


def _too_long(values: dict[str, object], problems: dict[str, str]) -> None:
    for name, value in values.items():
        limit = LIMITS.get(name)
        if limit is not None and isinstance(value, str) and len(value) > limit and name not in problems:
            problems[name] = _("This field is longer than {limit} characters; shorten it.").format(limit=limit)


def _check_contact(values: dict[str, object], phone: str, email: str, problems: dict[str, str]) -> None:
    phone = clean_line(phone or "")
    if phone and (not PHONE.match(phone) or not any(ch.isdigit() for ch in phone)):
        problems["phone"] = _(
            "'{value}' is not a phone number; use only digits, spaces and + - ( ), e.g. 030 123 45 67."
        ).format(value=phone)
    values["phone"] = phone
    email = (email or "").strip()
    if email and not EMAIL.match(email):
        problems["email"] = _("'{value}' is not an e-mail address; check it or leave it empty.").format(value=email)
    values["email"] = email


def _check_date(value: date | str | None, today: date, problems: dict[str, str]) -> date | None:
    day = value
    if isinstance(value, str):
        text = value.strip()
        day = parse_date(text) if text else None
        if text and day is None:
            problems["last_checked"] = _(
                "'{value}' is not a date; type the date of the last check as dd-mm-yyyy, e.g. 15-01-2026."
            ).format(value=text)
    if isinstance(day, date) and day > today:
        problems["last_checked"] = _("The last check, {date}, lies in the future; check the date.").format(
            date=format_short_date(day)
        )
    return day if isinstance(day, date) else None


def validate_organisation(data: OrganisationInput, today: date) -> dict[str, object]:
    """Clean and check an organisation; returns column values or raises InvalidEntry."""
    problems: dict[str, str] = {}
    values: dict[str, object] = {name: clean_line(getattr(data, name) or "") for name in ("name", "address", "city")}
    if not values["name"]:
        problems["name"] = _("The organisation's name is empty; type it, e.g. 'Stichting Welzijn Overvecht'.")

    postal = clean_line(data.postal_code or "")
    match = DUTCH_POSTAL_CODE.match(postal)
    if match:
        postal = f"{match[1]} {match[2].upper()}"
    elif len(postal) > 10:
        problems["postal_code"] = _("The postal code is longer than 10 characters; check it.")
    values["postal_code"] = postal

    _check_contact(values, data.phone, data.email, problems)
    website = clean_line(data.website or "")
    if website and not WEBSITE.match(website):
        problems["website"] = _(
            "'{value}' is not a web address; check it (e.g. www.welzijn-overvecht.nl) or leave it empty."
        ).format(value=website)
    values["website"] = website
    values["opening_hours"] = clean_block(data.opening_hours or "")
    values["last_checked"] = _check_date(data.last_checked, today, problems)
    _too_long(values, problems)
    if problems:
        raise InvalidEntry(problems)
    return values


def validate_tags(tags: Iterable[str]) -> tuple[tuple[str, ...], str]:
    """The tags in vocabulary order without repeats, and a problem message ('' when they are fine)."""
    given = [tag.strip() for tag in tags if tag and tag.strip()]
    unknown = list(dict.fromkeys(tag for tag in given if tag not in TAGS))
    if unknown:
        names = ", ".join(f"'{tag}'" for tag in unknown)
        choices = "; ".join(tag_label(tag) for tag in TAGS)  # a label may hold a comma
        message = ngettext(
            "{values} is not a life domain; use one of: {choices}.",
            "{values} are not life domains; use one of: {choices}.",
            len(unknown),
        ).format(values=names, choices=choices)
        return (), message
    if not given:
        return (), _("Choose at least one life domain this offering helps with.")
    return tuple(tag for tag in TAGS if tag in given), ""


def validate_offering(data: OfferingInput) -> dict[str, object]:
    """Clean and check an offering; returns column values or raises InvalidEntry.

    That the organisation exists is checked by the use cases, which have the database."""
    problems: dict[str, str] = {}
    values: dict[str, object] = {"name": clean_line(data.name or ""), "contact_function": ""}
    if data.organisation_id is None:
        problems["organisation_id"] = _("Choose the organisation that offers this.")
    if not values["name"]:
        problems["name"] = _("The offering's name is empty; type what is offered, e.g. 'Welzijn op Recept'.")

    kind = (data.kind or "").strip()
    if not kind:
        problems["kind"] = _("Choose what kind of offering this is.")
    elif kind not in KINDS:
        problems["kind"] = _("'{value}' is not a kind of offering; use one of: {choices}.").format(
            value=kind, choices="; ".join(kind_label(code) for code in KINDS)
        )
    values["kind"] = kind

    tags, tag_problem = validate_tags(data.domain_tags)
    if tag_problem:
        problems["domain_tags"] = tag_problem
    values["domain_tags"] = tags

    values["contact_function"] = clean_line(data.contact_function or "")
    if not values["contact_function"]:
        problems["contact_function"] = _(
            "The contact is empty; type a function, not a person, e.g. 'Welzijnscoach Overvecht'."
        )
    _check_contact(values, data.phone, data.email, problems)
    values["description"] = clean_block(data.description or "")
    _too_long(values, problems)
    if problems:
        raise InvalidEntry(problems)
    return values


# -- reading --------------------------------------------------------------------------------------


def _tags_of(stored: str) -> tuple[str, ...]:
    try:
        tags = json.loads(stored or "[]")
    except ValueError:
        return ()
    return tuple(tag for tag in tags if isinstance(tag, str)) if isinstance(tags, list) else ()


def _organisation_view(row: Organisation, offering_count: int = 0) -> OrganisationView:
    assert row.id is not None
    return OrganisationView(
        id=row.id,
        name=row.name,
        address=row.address,
        postal_code=row.postal_code,
        city=row.city,
        phone=row.phone,
        email=row.email,
        website=row.website,
        opening_hours=row.opening_hours,
        last_checked=row.last_checked,
        created_at=row.created_at,
        updated_at=row.updated_at,
        offering_count=offering_count,
    )


def _offering_view(row: Offering, organisation: Organisation, today: date, months: int) -> OfferingView:
    assert row.id is not None
    return OfferingView(
        id=row.id,
        organisation_id=row.organisation_id,
        organisation_name=organisation.name,
        name=row.name,
        kind=row.kind,
        description=row.description,
        domain_tags=_tags_of(row.domain_tags),
        contact_function=row.contact_function,
        phone=row.phone,
        email=row.email,
        contact_phone=row.phone or organisation.phone,
        contact_email=row.email or organisation.email,
        address=address_line(organisation.address, organisation.postal_code, organisation.city),
        website=organisation.website,
        opening_hours=organisation.opening_hours,
        last_checked=organisation.last_checked,
        active=row.active,
        stale=is_stale_on(organisation.last_checked, today, months),
    )


def _organisation_row(tx: Session, organisation_id: int) -> Organisation:
    row = tx.get(Organisation, organisation_id)
    if row is None:
        raise NotFoundError(_("There is no organisation with number {id}.").format(id=organisation_id))
    return row


def _offering_row(tx: Session, offering_id: int) -> Offering:
    row = tx.get(Offering, offering_id)
    if row is None:
        raise NotFoundError(_("There is no offering with number {id}.").format(id=offering_id))
    return row


def _offering_counts(tx: Session) -> dict[int, int]:
    query = select(Offering.organisation_id, func.count(Offering.id)).group_by(Offering.organisation_id)
    return dict(tx.exec(query).all())


def get_organisation(tx: Session, organisation_id: int) -> OrganisationView:
    return _organisation_view(_organisation_row(tx, organisation_id), _offering_counts(tx).get(organisation_id, 0))


def get_offering(tx: Session, offering_id: int, *, today: date | None = None) -> OfferingView:
    row = _offering_row(tx, offering_id)
    organisation = _organisation_row(tx, row.organisation_id)
    return _offering_view(row, organisation, today or dutch_today(), stale_after_months(tx))


def _matches(words: list[str], *texts: str) -> bool:
    haystack = fold(" ".join(texts))
    return all(word in haystack for word in words)


def list_organisations(tx: Session, search: str = "") -> list[OrganisationView]:
    """Organisations in alphabetical order; every word of ``search`` must occur in the name, address or place."""
    counts = _offering_counts(tx)
    words = fold(search).split()
    views = [
        _organisation_view(row, counts.get(row.id or 0, 0))
        for row in tx.exec(select(Organisation)).all()
        if _matches(words, row.name, row.address, row.postal_code, row.city)
    ]
    return sorted(views, key=lambda view: (fold(view.name), view.postal_code, view.id))


def _all_offerings(tx: Session, today: date, include_inactive: bool) -> list[OfferingView]:
    # The social map of a practice is hundreds of rows, not millions: filtering in Python keeps
    # search and tag matching (JSON lists, translated labels) in one readable place.
    months = stale_after_months(tx)
    query = select(Offering, Organisation).join(Organisation, col(Offering.organisation_id) == Organisation.id)
    if not include_inactive:
        query = query.where(col(Offering.active).is_(True))
    return [_offering_view(offering, organisation, today, months) for offering, organisation in tx.exec(query).all()]


def list_offerings(
    tx: Session,
    *,
    search: str = "",
    tags: Iterable[str] | None = None,
    include_inactive: bool = False,
    today: date,
) -> list[OfferingView]:
    """Offerings by organisation and name. Every word of ``search`` must occur in the organisation,
    offering, kind, contact, place or domains; with ``tags``, only offerings sharing one of them."""
    wanted = set(tags or ())
    words = fold(search).split()
    views = [
        view
        for view in _all_offerings(tx, today, include_inactive)
        if (not wanted or wanted & set(view.domain_tags))
        and _matches(
            words,
            view.organisation_name,
            view.name,
            view.kind_label,
            view.contact_function,
            view.address,
            " ".join(view.tag_labels),
        )
    ]
    return sorted(views, key=lambda view: (fold(view.organisation_name), fold(view.name), view.id))


def suggest_offerings(tx: Session, tags: Iterable[str] | Mapping[str, int], today: date) -> list[OfferingView]:
    """Active offerings for the client's flagged domains. ``tags`` are the life-domain tags, or
    their weights (``life_domains.weigh_tags``: what the conversation is most about weighs most).

    Order: the offering that best fits the weightiest need first; among those the most specific
    (the fewest domains nobody asked for: debt help before a team that does everything), then the
    most weight shared, checked entries before stale ones, then by name."""
    weights = dict(tags) if isinstance(tags, Mapping) else dict.fromkeys(tags, 1)
    ranked = []
    for view in _all_offerings(tx, today, include_inactive=False):
        shared = [weights[tag] for tag in view.domain_tags if tag in weights]
        if not shared:
            continue
        unrelated = sum(1 for tag in view.domain_tags if tag not in weights)
        key = (-max(shared), unrelated, -sum(shared), view.stale, fold(view.name), fold(view.organisation_name))
        ranked.append((key, view))
    ranked.sort(key=lambda item: item[0])
    return [view for _key, view in ranked]


# -- the stale setting ----------------------------------------------------------------------------


def stale_after_months(tx: Session) -> int:
    """After how many months without a check an entry is marked stale (a practice setting)."""
    try:
        months = int(read_setting(tx, STALE_MONTHS_KEY, str(DEFAULT_STALE_MONTHS)))
    except ValueError:
        return DEFAULT_STALE_MONTHS
    return months if MIN_STALE_MONTHS <= months <= MAX_STALE_MONTHS else DEFAULT_STALE_MONTHS


def set_stale_after_months(tx: Session, actor: Actor, months: int) -> int:
    """A practice setting (``MANAGE_SETTINGS``); saving the current value changes nothing."""
    if not isinstance(months, int) or not MIN_STALE_MONTHS <= months <= MAX_STALE_MONTHS:
        raise InvalidEntry(
            {
                "months": _("Choose a number of months from {minimum} to {maximum}.").format(
                    minimum=MIN_STALE_MONTHS, maximum=MAX_STALE_MONTHS
                )
            }
        )
    change_setting(tx, actor, STALE_MONTHS_KEY, str(months), default=str(stale_after_months(tx)))
    return months


# -- writing --------------------------------------------------------------------------------------


def _local_day(now: datetime) -> date:
    # The Dutch calendar day: just after midnight in Amsterdam it is still yesterday in UTC.
    return to_display_time(now).date()


def _audit(
    tx: Session, actor: Actor, action: audit.Action, kind: str, object_id: int | None, now: datetime, detail: str = ""
) -> None:
    audit.record(tx, actor, action, object_type=kind, object_id=object_id, detail=detail, now=now)


def create_organisation(
    tx: Session, actor: Actor, data: OrganisationInput, *, now: datetime | None = None
) -> OrganisationView:
    require(actor, Permission.EDIT_SOCIAL_MAP)
    now = now or datetime.now(UTC)
    row = add_checked_organisation(tx, data, now)
    _audit(tx, actor, audit.Action.CREATE, "organisation", row.id, now)
    return _organisation_view(row)


def add_checked_organisation(tx: Session, data: OrganisationInput, now: datetime) -> Organisation:
    """Checked and stored, not audited: for ``create_organisation`` and the CSV import (one entry per file)."""
    values = validate_organisation(data, _local_day(now))
    row = Organisation(**values, created_at=now, updated_at=now)
    tx.add(row)
    tx.flush()
    return row


def update_organisation(
    tx: Session, actor: Actor, organisation_id: int, data: OrganisationInput, *, now: datetime | None = None
) -> OrganisationView:
    require(actor, Permission.EDIT_SOCIAL_MAP)
    now = now or datetime.now(UTC)
    row = _organisation_row(tx, organisation_id)
    values = validate_organisation(data, _local_day(now))
    for name, value in values.items():
        setattr(row, name, value)
    row.updated_at = now
    tx.add(row)
    tx.flush()
    _audit(tx, actor, audit.Action.CHANGE, "organisation", organisation_id, now)
    return get_organisation(tx, organisation_id)


def delete_organisation(tx: Session, actor: Actor, organisation_id: int) -> None:
    """Delete an organisation and its offerings; refused while a referral points to one of them,
    because the referral's history must keep saying where the client went."""
    require(actor, Permission.EDIT_SOCIAL_MAP)
    row = _organisation_row(tx, organisation_id)
    offering_ids = select(Offering.id).where(Offering.organisation_id == organisation_id)
    referrals = tx.exec(select(func.count(Referral.id)).where(col(Referral.offering_id).in_(offering_ids))).one()
    if referrals:
        raise RefusedError(
            ngettext(
                "{organisation} cannot be deleted: {count} referral points to its offerings. "
                "Set its offerings to inactive instead.",
                "{organisation} cannot be deleted: {count} referrals point to its offerings. "
                "Set its offerings to inactive instead.",
                referrals,
            ).format(organisation=row.name, count=referrals)
        )
    for offering in tx.exec(select(Offering).where(Offering.organisation_id == organisation_id)).all():
        tx.delete(offering)
    tx.delete(row)
    tx.flush()
    _audit(tx, actor, audit.Action.CHANGE, "organisation", organisation_id, datetime.now(UTC), "deleted")


def _refuse_duplicate(tx: Session, organisation: Organisation, name: str, offering_id: int | None) -> None:
    query = select(Offering.id, Offering.name).where(Offering.organisation_id == organisation.id)
    for other_id, other_name in tx.exec(query).all():
        if other_id != offering_id and fold(other_name) == fold(name):
            raise InvalidEntry(
                {
                    "name": _(
                        "{organisation} already has an offering called '{name}'; choose another name or edit that one."
                    ).format(organisation=organisation.name, name=other_name)
                }
            )


def _checked_offering(tx: Session, data: OfferingInput, offering_id: int | None) -> tuple[dict, Organisation]:
    values = validate_offering(data)
    assert data.organisation_id is not None  # validate_offering refuses None
    organisation = tx.get(Organisation, data.organisation_id)
    if organisation is None:
        raise InvalidEntry({"organisation_id": _("This organisation no longer exists; choose another one.")})
    _refuse_duplicate(tx, organisation, str(values["name"]), offering_id)
    values["domain_tags"] = json.dumps(list(values["domain_tags"]))  # type: ignore[arg-type]
    return values, organisation


def add_checked_offering(tx: Session, values: dict[str, object], organisation_id: int, now: datetime) -> Offering:
    """Store an offering whose values came from ``validate_offering`` and whose organisation and name
    the caller has checked (the CSV import does both for thousands of rows at once). Not flushed."""
    stored = dict(values, domain_tags=json.dumps(list(values["domain_tags"])))  # type: ignore[call-overload]
    row = Offering(**stored, organisation_id=organisation_id, active=True, created_at=now, updated_at=now)
    tx.add(row)
    return row


def create_offering(
    tx: Session, actor: Actor, data: OfferingInput, *, now: datetime | None = None, today: date | None = None
) -> OfferingView:
    require(actor, Permission.EDIT_SOCIAL_MAP)
    now = now or datetime.now(UTC)
    values, organisation = _checked_offering(tx, data, None)
    row = Offering(**values, organisation_id=organisation.id, active=True, created_at=now, updated_at=now)
    tx.add(row)
    tx.flush()
    _audit(tx, actor, audit.Action.CREATE, "offering", row.id, now)
    return _offering_view(row, organisation, today or _local_day(now), stale_after_months(tx))


def update_offering(
    tx: Session,
    actor: Actor,
    offering_id: int,
    data: OfferingInput,
    *,
    now: datetime | None = None,
    today: date | None = None,
) -> OfferingView:
    """Change an offering; it may move to another organisation."""
    require(actor, Permission.EDIT_SOCIAL_MAP)
    now = now or datetime.now(UTC)
    row = _offering_row(tx, offering_id)
    values, organisation = _checked_offering(tx, data, offering_id)
    for name, value in values.items():
        setattr(row, name, value)
    row.organisation_id = organisation.id  # type: ignore[assignment]
    row.updated_at = now
    tx.add(row)
    tx.flush()
    _audit(tx, actor, audit.Action.CHANGE, "offering", offering_id, now)
    return _offering_view(row, organisation, today or _local_day(now), stale_after_months(tx))


def set_offering_active(
    tx: Session, actor: Actor, offering_id: int, active: bool, *, now: datetime | None = None
) -> OfferingView:
    """An offering that stopped (or paused) stays for the referrals that name it, but is no longer suggested."""
    require(actor, Permission.EDIT_SOCIAL_MAP)
    now = now or datetime.now(UTC)
    row = _offering_row(tx, offering_id)
    row.active = active
    row.updated_at = now
    tx.add(row)
    tx.flush()
    _audit(tx, actor, audit.Action.CHANGE, "offering", offering_id, now, "active" if active else "inactive")
    return get_offering(tx, offering_id, today=_local_day(now))


def mark_checked(
    tx: Session, actor: Actor, organisation_id: int, today: date, *, now: datetime | None = None
) -> OrganisationView:
    """Someone checked that the organisation's entry (and its offerings) is still right."""
    require(actor, Permission.EDIT_SOCIAL_MAP)
    now = now or datetime.now(UTC)
    row = _organisation_row(tx, organisation_id)
    row.last_checked = today
    row.updated_at = now
    tx.add(row)
    tx.flush()
    _audit(tx, actor, audit.Action.CHANGE, "organisation", organisation_id, now, "checked")
    return get_organisation(tx, organisation_id)
