"""SQLModel tables: the local record of practitioners, clients and their conversations.

Timestamps are stored in UTC (``UtcDateTime``). A conversation is pinned to the conversation
model (id, version) it was held with; answers are stored by the model's ``linkId`` and domain
assessments by domain id, so a later model version never reinterprets old data.
Changing a table means a new Alembic revision in ``migrations/versions``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.types import DateTime, TypeDecorator
from sqlmodel import Field, SQLModel

# Named constraints let Alembic's SQLite batch mode alter them later.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata: MetaData = SQLModel.metadata
#: The condition of the partial index on open conversations (``conversations.DRAFT`` and
#: ``conversation_changes.AMENDING``); a query must say it in these words to use the index.
OPEN_CONVERSATIONS = "status IN ('draft', 'amending')"
#: The condition of the partial index on actions not done.
OPEN_ACTIONS = "done = false"


class UtcDateTime(TypeDecorator):
    """Aware datetimes in, naive UTC in the database, aware UTC out."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC timestamp")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None else None


class SecretText(TypeDecorator):
    """A text about a client. In an embedded database (encrypted whole) stored as it is; on a
    server encrypted with the practice key before it leaves the workstation (``practice_key``),
    as unlimited text (the cipher text is longer than the text). Never compared or sorted by
    the database: filter on it in Python, or through an index such as ``client_search``."""

    impl = Text
    cache_ok = True

    def __init__(self, column: str, length: int | None = None):
        super().__init__()
        self.column, self.length = column, length

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(self.length) if self.length else Text())
        return dialect.type_descriptor(Text())

    def process_bind_param(self, value: str | None, dialect) -> str | None:
        key = getattr(dialect, "broadtalk_key", None)
        return value if key is None or value is None else key.seal_text(value, self.column)

    def process_result_value(self, value: str | None, dialect) -> str | None:
        key = getattr(dialect, "broadtalk_key", None)
        return value if key is None or value is None else key.open_text(value, self.column)


def secret(table: str, column: str, length: int | None = None, *, nullable: bool = False, **kwargs) -> Column:
    return Column(SecretText(f"{table}.{column}", length), nullable=nullable, **kwargs)


def utc_column(nullable: bool = False) -> Column:
    return Column(UtcDateTime(), nullable=nullable)


def parent_key(table: str, nullable: bool = False, ondelete: str = "CASCADE") -> Column:
    return Column(Integer, ForeignKey(f"{table}.id", ondelete=ondelete), nullable=nullable, index=True)


class Setting(SQLModel, table=True):
    """Practice-wide key/value settings kept with the data (practice name, demo marker, ...)."""

    __tablename__ = "setting"
    key: str = Field(primary_key=True, max_length=64)
    value: str = Field(sa_column=Column(Text, nullable=False))


class Practitioner(SQLModel, table=True):
    __tablename__ = "practitioner"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    role: str = Field(max_length=32)
    active: bool = True
    created_at: datetime = Field(sa_column=utc_column())
    #: The personal PIN or password for signing in, as an scrypt hash (``scrypt$n$r$p$salt$hash``).
    secret_hash: str = Field(default="", max_length=200)
    #: A direct line and e-mail for colleagues in other organisations (printed on handovers).
    phone: str = Field(default="", sa_column=Column(String(40), nullable=False, server_default=""))
    email: str = Field(default="", sa_column=Column(String(200), nullable=False, server_default=""))
    #: A care provider who also runs the practice (the first account of a practice): the
    #: administrator's permissions on top of the role's.
    administers: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, server_default=false()))


class Client(SQLModel, table=True):
    __tablename__ = "client"
    id: int | None = Field(default=None, primary_key=True)
    #: Short stable identifier shown to users instead of the database id.
    client_number: str = Field(sa_column=Column(String(16), nullable=False, unique=True))
    given_name: str = Field(sa_column=secret("client", "given_name", 100))
    #: Dutch surname prefix (tussenvoegsel), e.g. "van der"; sorted on the family name itself.
    name_prefix: str = Field(default="", sa_column=secret("client", "name_prefix", 30))
    family_name: str = Field(sa_column=secret("client", "family_name", 100))
    birth_date: date
    bsn: str | None = Field(default=None, sa_column=secret("client", "bsn", 9, nullable=True))
    phone: str = Field(default="", sa_column=secret("client", "phone", 40))
    email: str = Field(default="", sa_column=secret("client", "email", 200))
    address: str = Field(default="", sa_column=secret("client", "address", 200))
    postal_code: str = Field(default="", max_length=10)
    city: str = Field(default="", sa_column=secret("client", "city", 100))
    #: The client's own GP (huisarts), when it is not this practice's or should be named.
    general_practitioner: str = Field(
        default="", sa_column=secret("client", "general_practitioner", 200, server_default="")
    )
    #: The language the client prefers to speak, when it is not Dutch ("Arabisch", "Pools").
    language: str = Field(default="", sa_column=secret("client", "language", 100, server_default=""))
    #: An interpreter is needed for a conversation.
    interpreter_needed: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, server_default=false()))
    #: Lower-case name without diacritics, for search-as-you-type ("celik" finds "Çelik"); searched
    #: through ``client_search_token`` (revision 0009), not by scanning this column.
    search_key: str = Field(sa_column=secret("client", "search_key", 300))
    #: Folded "family given prefix": the Dutch list order (``ix_client_list_order``: sort key,
    #: birth date, id, the list's order, read page by page from where the last page ended).
    sort_key: str = Field(sa_column=Column(String(300), nullable=False))
    created_at: datetime = Field(sa_column=utc_column())
    updated_at: datetime = Field(sa_column=utc_column())
    created_by_id: int | None = Field(sa_column=parent_key("practitioner", nullable=True, ondelete="SET NULL"))

    __table_args__ = (Index("ix_client_list_order", "sort_key", "birth_date", "id"),)


class ClientSearchToken(SQLModel, table=True):
    """The client search index (``client_search``): one row per client and keyed hash of a piece
    of their name, the start of their client number or their birth date. Search is an equality
    look-up on ``token``; ``client_id``'s index serves a change or an erasure of the client."""

    __tablename__ = "client_search_token"
    token: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    client_id: int = Field(
        sa_column=Column(Integer, ForeignKey("client.id", ondelete="CASCADE"), primary_key=True, index=True)
    )

    __table_args__ = {"sqlite_with_rowid": False}


class Conversation(SQLModel, table=True):
    __tablename__ = "conversation"
    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(sa_column=parent_key("client"))
    practitioner_id: int | None = Field(sa_column=parent_key("practitioner", nullable=True, ondelete="SET NULL"))
    model_id: str = Field(max_length=64)
    model_version: int
    status: str = Field(default="draft", max_length=16)
    started_at: datetime = Field(sa_column=utc_column())
    updated_at: datetime = Field(sa_column=utc_column())
    completed_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    duration_seconds: int = 0
    what_matters_most: str = Field(default="", sa_column=secret("conversation", "what_matters_most", default=""))
    follow_up_date: date | None = Field(default=None, index=True)
    #: Where the practitioner was (a domain id, "overview" or "closing"): reopening resumes there.
    current_step: str = Field(default="", sa_column=Column(String(80), nullable=False, server_default=""))
    #: The last time a completed conversation was amended.
    amended_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    #: Counted up by every change to the conversation (``conversations``, revision 0010): what a
    #: workstation saving on top of a version it did not see is told apart by.
    version: int = Field(default=1, sa_column=Column(Integer, nullable=False, server_default="1"))

    #: The open conversations (drafts, and completed ones being amended), last edited first: Today
    #: reads them from this partial index (revision 0009), not from every conversation. A client's
    #: conversations of a model by start: "is there a later one?" (``follow_ups.not_superseded``) is one seek.
    __table_args__ = (
        Index("ix_conversation_client_model_started", "client_id", "model_id", "started_at", "id"),
        Index(
            "ix_conversation_open",
            "updated_at",
            "id",
            sqlite_where=text(OPEN_CONVERSATIONS),
            postgresql_where=text(OPEN_CONVERSATIONS),
        ),
    )


class Answer(SQLModel, table=True):
    """The answer to one item of the model, as JSON (string, number, bool, code or list of codes)."""

    __tablename__ = "answer"
    __table_args__ = (UniqueConstraint("conversation_id", "link_id"),)
    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = Field(sa_column=parent_key("conversation"))
    link_id: str = Field(max_length=64)
    value_json: str = Field(sa_column=secret("answer", "value_json"))
    updated_at: datetime = Field(sa_column=utc_column())


class DomainAssessment(SQLModel, table=True):
    """Per life domain: score, notes, the client's own words, flag and rank."""

    __tablename__ = "domain_assessment"
    __table_args__ = (UniqueConstraint("conversation_id", "domain_id"),)
    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = Field(sa_column=parent_key("conversation"))
    domain_id: str = Field(max_length=64)
    score: int | None = None
    notes: str = Field(default="", sa_column=secret("domain_assessment", "notes", default=""))
    own_words: str = Field(default="", sa_column=secret("domain_assessment", "own_words", default=""))
    #: "Important to me / I want to work on this".
    important: bool = False
    #: The client's order of domains to work on (1 = first); used by ranking models like 4D.
    priority_rank: int | None = None
    #: The client's own score on the model's scale, set by the client in the client view.
    client_score: int | None = None
    #: The client marked "I want to talk about this" in the client view.
    client_wants_to_talk: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, server_default=false()))
    updated_at: datetime = Field(sa_column=utc_column())


class Goal(SQLModel, table=True):
    __tablename__ = "goal"
    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = Field(sa_column=parent_key("conversation"))
    domain_id: str | None = Field(default=None, max_length=64)
    description: str = Field(sa_column=secret("goal", "description"))
    position: int = 0
    created_at: datetime = Field(sa_column=utc_column())


class Action(SQLModel, table=True):
    """An agreed action: what, who, by when; optionally serving a goal."""

    __tablename__ = "action"
    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = Field(sa_column=parent_key("conversation"))
    goal_id: int | None = Field(sa_column=parent_key("goal", nullable=True, ondelete="SET NULL"))
    #: The life domain of an action that serves no goal (one serving a goal has the goal's domain).
    domain_id: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    what: str = Field(sa_column=secret("action", "what"))
    who: str = Field(default="", sa_column=secret("action", "who", 200))
    due_date: date | None = Field(default=None, index=True)
    done: bool = False
    position: int = 0
    created_at: datetime = Field(sa_column=utc_column())

    #: The actions not done, by due date: Today's "actions due" (revision 0009).
    __table_args__ = (
        Index("ix_action_open_due", "due_date", sqlite_where=text(OPEN_ACTIONS), postgresql_where=text(OPEN_ACTIONS)),
    )


class ConversationChange(SQLModel, table=True):
    """Who changed what in a conversation after it was completed (an amendment), with old and new values."""

    __tablename__ = "conversation_change"
    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = Field(sa_column=parent_key("conversation"))
    practitioner_id: int | None = Field(sa_column=parent_key("practitioner", nullable=True, ondelete="SET NULL"))
    changed_at: datetime = Field(sa_column=utc_column())
    #: What changed, e.g. "score:body", "answer:body.going-on", "goal:add", "amend:start".
    target: str = Field(max_length=100)
    old_value: str = Field(default="", sa_column=secret("conversation_change", "old_value", default=""))
    new_value: str = Field(default="", sa_column=secret("conversation_change", "new_value", default=""))


class CustomModel(SQLModel, table=True):
    """A practice's own conversation model, imported from YAML; (model_id, version) is frozen."""

    __tablename__ = "custom_model"
    __table_args__ = (UniqueConstraint("model_id", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    model_id: str = Field(max_length=64)
    version: int
    source_yaml: str = Field(sa_column=Column(Text, nullable=False))
    sha256: str = Field(max_length=64)
    imported_at: datetime = Field(sa_column=utc_column())
    imported_by_id: int | None = Field(sa_column=parent_key("practitioner", nullable=True, ondelete="SET NULL"))


# -- the social map, referrals and consent (the warm handover) -----------------------------------


class Organisation(SQLModel, table=True):
    """An organisation on the social map (sociale kaart)."""

    __tablename__ = "organisation"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    address: str = Field(default="", max_length=200)
    postal_code: str = Field(default="", max_length=10)
    city: str = Field(default="", max_length=100)
    phone: str = Field(default="", max_length=40)
    email: str = Field(default="", max_length=200)
    website: str = Field(default="", max_length=200)
    opening_hours: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    #: When someone last checked that this entry is still right (stale after some months).
    last_checked: date | None = None
    created_at: datetime = Field(sa_column=utc_column())
    updated_at: datetime = Field(sa_column=utc_column())


class Offering(SQLModel, table=True):
    """What an organisation offers (welfare coach, debt counselling, ...), with a contact that is a
    function, not a person, and the life domains it helps with."""

    __tablename__ = "offering"
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(sa_column=parent_key("organisation"))
    name: str = Field(max_length=200)
    kind: str = Field(max_length=40)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    #: Life-domain tags as a JSON list, e.g. ["money", "housing"].
    domain_tags: str = Field(default="[]", sa_column=Column(Text, nullable=False, default="[]"))
    contact_function: str = Field(default="", max_length=200)
    phone: str = Field(default="", max_length=40)
    email: str = Field(default="", max_length=200)
    active: bool = True
    created_at: datetime = Field(sa_column=utc_column())
    updated_at: datetime = Field(sa_column=utc_column())


class Referral(SQLModel, table=True):
    """A warm handover of a client to an offering on the social map, followed until feedback."""

    __tablename__ = "referral"
    id: int | None = Field(default=None, primary_key=True)
    #: Short stable reference shown to people and printed on the handover (never the database id).
    reference: str = Field(sa_column=Column(String(16), nullable=False, unique=True))
    client_id: int = Field(sa_column=parent_key("client"))
    conversation_id: int | None = Field(sa_column=parent_key("conversation", nullable=True, ondelete="SET NULL"))
    offering_id: int | None = Field(sa_column=parent_key("offering", nullable=True, ondelete="SET NULL"))
    #: The recipient as it was when referring (the social map may change later).
    recipient: str = Field(max_length=400)
    question: str = Field(sa_column=secret("referral", "question"))
    urgency: str = Field(max_length=16)
    #: How the recipient reaches the referrer with feedback: a function and a number or address.
    feedback_contact: str = Field(max_length=300)
    status: str = Field(max_length=24)
    #: Who makes the first contact: the recipient contacts the client ("recipient"), the client
    #: calls the recipient ("client"), or the practice calls the recipient to arrange it ("practice").
    first_contact: str = Field(
        default="recipient", sa_column=Column(String(16), nullable=False, server_default="recipient")
    )
    #: How and when the client wants to be reached ("liever 's ochtends, niet op het werk").
    contact_preference: str = Field(
        default="", sa_column=secret("referral", "contact_preference", 300, server_default="")
    )
    created_by_id: int | None = Field(sa_column=parent_key("practitioner", nullable=True, ondelete="SET NULL"))
    created_at: datetime = Field(sa_column=utc_column())
    updated_at: datetime = Field(sa_column=utc_column())
    sent_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    feedback_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    closed_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class ReferralEvent(SQLModel, table=True):
    """One step in a referral's life (sent, accepted, first contact, feedback, ...), dated and attributed."""

    __tablename__ = "referral_event"
    id: int | None = Field(default=None, primary_key=True)
    referral_id: int = Field(sa_column=parent_key("referral"))
    status: str = Field(max_length=24)
    at: datetime = Field(sa_column=utc_column())
    practitioner_id: int | None = Field(sa_column=parent_key("practitioner", nullable=True, ondelete="SET NULL"))
    #: The feedback itself for "feedback received"; a reason for "declined"; else optional.
    note: str = Field(default="", sa_column=secret("referral_event", "note", default=""))


class Consent(SQLModel, table=True):
    """What the client agreed to share, with whom, for what, how, and until when."""

    __tablename__ = "consent"
    id: int | None = Field(default=None, primary_key=True)
    referral_id: int = Field(sa_column=parent_key("referral"))
    client_id: int = Field(sa_column=parent_key("client"))
    recipient: str = Field(max_length=400)
    purpose: str = Field(sa_column=secret("consent", "purpose"))
    #: The shared domain ids as a JSON list.
    domains: str = Field(default="[]", sa_column=Column(Text, nullable=False, default="[]"))
    share_identity_details: bool = False
    share_goals_actions: bool = False
    share_own_words: bool = False
    #: Pieces chosen one by one (what matters most, a goal or action without a domain, a
    #: conversation-wide answer), as a JSON object: piece key -> digest of its text when chosen.
    pieces: str = Field(default="{}", sa_column=Column(Text, nullable=False, server_default="{}"))
    #: A digest of the domain-scoped content the client saw when consenting: the handover says
    #: so when the conversation changed afterwards.
    content_digest: str = Field(default="", sa_column=Column(String(64), nullable=False, server_default=""))
    method: str = Field(max_length=16)
    given_on: date
    valid_until: date
    recorded_by_id: int | None = Field(sa_column=parent_key("practitioner", nullable=True, ondelete="SET NULL"))
    recorded_at: datetime = Field(sa_column=utc_column())
    withdrawn_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    withdrawn_by_id: int | None = Field(sa_column=parent_key("practitioner", nullable=True, ondelete="SET NULL"))
    withdrawal_note: str = Field(default="", sa_column=secret("consent", "withdrawal_note", default=""))


class Disclosure(SQLModel, table=True):
    """Each time consented information left the app (a handover PDF, a client copy): shown and logged."""

    __tablename__ = "disclosure"
    id: int | None = Field(default=None, primary_key=True)
    referral_id: int = Field(sa_column=parent_key("referral"))
    consent_id: int | None = Field(sa_column=parent_key("consent", nullable=True, ondelete="SET NULL"))
    practitioner_id: int | None = Field(sa_column=parent_key("practitioner", nullable=True, ondelete="SET NULL"))
    at: datetime = Field(sa_column=utc_column())
    #: "handover_pdf" or "client_copy".
    kind: str = Field(max_length=24)
    #: What was in it: the shared domain ids and sections, as JSON (no content).
    scope: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))
    #: The batch export that made it (its token), so a resumed batch makes no document twice.
    batch: str | None = Field(default=None, max_length=32, index=True)


class AuditEntry(SQLModel, table=True):
    """Who looked at or changed what, when, where, and with what outcome (NEN 7513).

    Append-only: triggers refuse UPDATE and DELETE. Tamper-evident: ``hash`` covers the entry's
    fields and the previous entry's hash, so a changed or removed entry breaks the chain.
    Holds ids and kinds, never clinical content. No foreign keys: an entry outlives the client
    or record it names (an erased client keeps the entry that says it was erased).
    """

    __tablename__ = "audit_entry"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=utc_column())
    practitioner_id: int | None = Field(default=None)
    practitioner_name: str = Field(default="", max_length=200)
    role: str = Field(default="", max_length=32)
    workstation: str = Field(default="", max_length=200)
    #: view, create, change, export, print, erase, sign_in, sign_in_failed, ...
    action: str = Field(max_length=32, index=True)
    #: The kind of record: client, conversation, referral, handover, backup, ...
    object_type: str = Field(default="", max_length=32)
    object_id: int | None = Field(default=None)
    client_id: int | None = Field(default=None, index=True)
    #: success, refused or failed.
    outcome: str = Field(default="success", max_length=16)
    #: A short code, never free text typed about a client.
    detail: str = Field(default="", max_length=200)
    prev_hash: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    hash: str = Field(max_length=64)


class DatabaseSeal(SQLModel, table=True):
    """Which database this is, and the seal of its audit trail (one row).

    ``database_id`` tells a backup of this database from one of another practice. The seal
    names the newest audit entry (``last_id``, ``head``) and the clients erased so far, with a
    keyed MAC (the key is kept outside the database, see ``store.seal``): the same seal is
    written beside the database after every commit, so a trail cut short, emptied or re-chained
    no longer matches it. Holds ids and hashes, never a name.
    """

    __tablename__ = "database_seal"
    id: int | None = Field(default=None, primary_key=True)
    database_id: str = Field(max_length=36)
    last_id: int = 0
    head: str = Field(default="", max_length=64)
    first: str = Field(default="", max_length=64)
    #: JSON list of [client id, the client's created_at, erased at]: erasures to apply again.
    erased: str = Field(default="[]", sa_column=Column(Text, nullable=False, server_default="[]"))
    sealed_at: str = Field(default="", max_length=40)
    mac: str = Field(default="", max_length=64)


class MonitorCount(SQLModel, table=True):
    """The monitor's last count of a calendar year, as it may be shown (``monitoring_kept``):
    every cell after suppression, a hidden cell without its number, and the medians under a
    shown base only; never a client's id, name or text. A screen shows it at once while the year
    is counted again. ``state`` is a digest of the data it was counted on
    (``monitoring_queries.data_state``); ``counted_on`` the day (overdue is counted as of it)."""

    __tablename__ = "monitor_count"
    year: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    counted_on: date
    due_days: int
    state: str = Field(max_length=64)
    counted_at: datetime = Field(sa_column=utc_column())
    figures: str = Field(sa_column=secret("monitor_count", "figures"))


# The monitor's data state (``monitoring_queries.data_state``) asks, at every opening, for the
# latest change of clients and referrals and the sum of the conversations' versions: these
# indexes answer from a small index instead of a scan of the wide rows (revision 0012).
Index("ix_client_updated_at", Client.__table__.c.updated_at)
Index("ix_referral_updated_at", Referral.__table__.c.updated_at)
Index("ix_conversation_version", Conversation.__table__.c.version)
