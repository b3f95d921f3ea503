"""Retention periods per record type, and the list of records due for review.

A medical record is kept for 20 years after the last change, or longer when good care needs it
(WGBO, art. 7:454 lid 3 BW); after that it must be erased unless there is a reason to keep it.
broadtalk does not erase on its own: it lists what is past its period, and a practice manager
or administrator reviews each item and erases it (``erasure.erase_client``) or keeps it.

The periods are practice settings, in whole years, kept in the ``setting`` table:

- ``client_record``: the client file and its conversations, counted from the last contact
  (the latest of: the client's creation, a conversation started or completed, a referral
  event).
- ``referral``: a closed (or declined) referral with its consent and its log of disclosures,
  counted from its last event. Default 20 years as well: the referral, the consent and the
  disclosure log are the proof of what left the medical record, with whose consent and to
  whom (AVG art. 5 lid 2, accountability), and they are part of the record they were taken
  from. A shorter default would let that proof vanish while the record it accounts for is
  still kept; a practice with a different policy sets its own period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum

from sqlalchemy import func
from sqlmodel import Session, col, select

from broadtalk import audit
from broadtalk.audit import require
from broadtalk.errors import InputError
from broadtalk.i18n import DISPLAY_ZONE, N_, _
from broadtalk.permissions import Permission, allows
from broadtalk.practitioners import Actor
from broadtalk.referral_steps import CLOSED, DECLINED
from broadtalk.settings import read_setting, write_setting
from broadtalk.store.tables import Client, Conversation, Referral, ReferralEvent


class RecordType(StrEnum):
    CLIENT_RECORD = "client_record"
    REFERRAL = "referral"


RECORD_TYPE_LABELS: dict[RecordType, str] = {
    RecordType.CLIENT_RECORD: N_("Client record (client file and conversations)"),
    RecordType.REFERRAL: N_("Closed referral (with consent and disclosures)"),
}

#: Years after the last activity; see the module's docstring for why.
DEFAULT_YEARS: dict[RecordType, int] = {RecordType.CLIENT_RECORD: 20, RecordType.REFERRAL: 20}
MIN_YEARS, MAX_YEARS = 1, 115
SETTING_PREFIX = "retention_years_"


def record_type_label(record_type: RecordType | str) -> str:
    return _(RECORD_TYPE_LABELS[RecordType(record_type)])


def _key(record_type: RecordType) -> str:
    return SETTING_PREFIX + record_type.value


def retention_periods(tx: Session) -> dict[RecordType, int]:
    """The period in years per record type (the default where none, or no sensible one, is set)."""
    periods = {}
    for record_type in RecordType:
        default = DEFAULT_YEARS[record_type]
        try:
            years = int(read_setting(tx, _key(record_type), str(default)))
        except ValueError:
            years = default
        periods[record_type] = years if MIN_YEARS <= years <= MAX_YEARS else default
    return periods


def set_retention_period(tx: Session, actor: Actor, record_type: RecordType | str, years: int) -> None:
    """Change a retention period (practice managers and administrators); the change is audited."""
    require(actor, Permission.MANAGE_SETTINGS)
    try:
        record_type = RecordType(record_type)
    except ValueError:
        allowed = ", ".join(t.value for t in RecordType)
        raise InputError(
            _("Unknown record type '{type}'; use one of: {allowed}.").format(
                type=str(record_type)[:40], allowed=allowed
            )
        ) from None
    if isinstance(years, bool) or not isinstance(years, int) or not MIN_YEARS <= years <= MAX_YEARS:
        raise InputError(
            _("A retention period is a whole number of years from {min} to {max}; '{value}' is not.").format(
                min=MIN_YEARS, max=MAX_YEARS, value=str(years)[:40]
            )
        )
    write_setting(tx, _key(record_type), str(years))
    audit.record(tx, actor, audit.Action.CHANGE, object_type="setting", detail=f"{_key(record_type)}={years}")


def add_years(day: date, years: int) -> date:
    """The same calendar day ``years`` later; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class DueItem:
    """A record past its retention period. No clinical content: who, which record, which dates.

    ``client_name`` is None unless the reviewer's role may see clients."""

    record_type: RecordType
    client_id: int
    client_number: str
    client_name: str | None
    #: The client's id for a client record, the referral's id for a referral.
    object_id: int
    last_activity: date
    due: date

    @property
    def record_type_label(self) -> str:
        return record_type_label(self.record_type)


def _day(moment: datetime | None) -> date | None:
    return moment.astimezone(DISPLAY_ZONE).date() if moment is not None else None


def _latest(*moments: datetime | None) -> datetime | None:
    present = [m for m in moments if m is not None]
    return max(present) if present else None


def _full_name(row: Client) -> str:
    return " ".join(part for part in (row.given_name, row.name_prefix, row.family_name) if part)


def due_for_review(tx: Session, actor: Actor, today: date) -> list[DueItem]:
    """Records whose retention period has passed on ``today``, oldest due date first.

    Looking at the list is recorded in the audit trail (it names clients)."""
    require(actor, Permission.REVIEW_RETENTION)
    periods = retention_periods(tx)
    with_names = allows(actor, Permission.VIEW_CLIENTS)

    conversation_last = {
        client_id: _latest(_as_utc(started), _as_utc(completed))
        for client_id, started, completed in tx.exec(
            select(
                Conversation.client_id, func.max(Conversation.started_at), func.max(Conversation.completed_at)
            ).group_by(Conversation.client_id)
        ).all()
    }
    event_last_by_client = dict(
        tx.exec(
            select(Referral.client_id, func.max(ReferralEvent.at))
            .join(ReferralEvent, col(ReferralEvent.referral_id) == Referral.id)
            .group_by(Referral.client_id)
        ).all()
    )
    clients = {row.id: row for row in tx.exec(select(Client)).all()}

    items: list[DueItem] = []

    def item(record_type: RecordType, client: Client, object_id: int, last: datetime | None) -> None:
        last_day = _day(last)
        if last_day is None:
            return
        due = add_years(last_day, periods[record_type])
        if due <= today:
            assert client.id is not None
            items.append(
                DueItem(
                    record_type=record_type,
                    client_id=client.id,
                    client_number=client.client_number,
                    client_name=_full_name(client) if with_names else None,
                    object_id=object_id,
                    last_activity=last_day,
                    due=due,
                )
            )

    for client_id, client in clients.items():
        last = _latest(
            client.created_at,
            conversation_last.get(client_id),
            _as_utc(event_last_by_client.get(client_id)),
        )
        item(RecordType.CLIENT_RECORD, client, client_id, last)

    closed = tx.exec(select(Referral).where(col(Referral.status).in_((CLOSED, DECLINED)))).all()
    event_last_by_referral = dict(
        tx.exec(
            select(ReferralEvent.referral_id, func.max(ReferralEvent.at))
            .where(col(ReferralEvent.referral_id).in_([r.id for r in closed]))
            .group_by(ReferralEvent.referral_id)
        ).all()
    )
    for referral in closed:
        assert referral.id is not None
        last = _latest(_as_utc(event_last_by_referral.get(referral.id)), referral.closed_at, referral.updated_at)
        item(RecordType.REFERRAL, clients[referral.client_id], referral.id, last)

    items.sort(key=lambda i: (i.due, i.record_type.value, i.client_number, i.object_id))
    audit.record(tx, actor, audit.Action.LIST, object_type="retention", detail=str(len(items)))
    return items


def _as_utc(value: datetime | str | None) -> datetime | None:
    """An aggregate's result: an aware UTC datetime (SQLite may hand back text for a MAX)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
