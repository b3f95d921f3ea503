"""Producing a handover document: consent checked, content built, PDF written, disclosure logged.

One use case per document. Every use case needs ``EXPORT_HANDOVERS``. The audit trail gets a
view when the document is shown on screen, an export when it is written to a file and a print
when it went to a printer.

A document written to a file, its disclosure and its audit entry appear together or not at
all, also when the process is killed at any moment (tests/e2e/test_export_kills.py):

1. In the use case's transaction the consent is checked, the document is made in memory, and
   the disclosure, the export entry of the trail and a journal entry (the setting
   ``export_pending:<token>``: where the file goes, the document's size and SHA-256, who made
   it) are written. Nothing is on disk yet: a refusal or a rollback leaves nothing behind.
2. When that transaction commits, the document goes to a private temporary file beside the
   target (``.broadtalk-export-<token>.partial``, owner-only, locked while it is written), is
   synced and renamed over the target; then the journal entry is removed. The file the
   practitioner chose is owner-only too.
3. ``recover_interrupted_exports``, which the command line and the app call after opening the
   database, settles what a killed process left: the temporary file is removed; a target that
   holds exactly the document (size and SHA-256) means the export completed and the journal
   entry goes; otherwise no document came of it: its disclosure is removed and the trail gets
   an export entry with outcome "failed" after the successful one. A file that cannot be
   written in the running process (disk full, folder gone) is settled so at once, and the
   practitioner is told.

So after the recovery every exported file has its disclosure and its audit entry, and every
export entry in the trail either has its file and disclosure or is followed by a "failed"
entry for the same document. An export whose folder cannot be reached (an unplugged USB
stick) or that another broadtalk is still writing is left for the next start.
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import secrets
import stat
from collections.abc import Callable
from contextlib import suppress
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from sqlalchemy import delete, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, select

from broadtalk import audit
from broadtalk.consent import latest_consent_unchecked
from broadtalk.errors import InputError, os_reason
from broadtalk.files import PRIVATE_FILE
from broadtalk.handover.content import (
    HandoverContent,
    WithdrawalContent,
    load_unchecked,
    load_withdrawal_unchecked,
    require_export,
)
from broadtalk.i18n import _, dutch_today, ngettext
from broadtalk.practitioners import Actor, Role
from broadtalk.store.tables import Disclosure, Setting

if TYPE_CHECKING:
    from broadtalk.store.database import Database

try:
    import fcntl
except ImportError:  # pragma: no cover - not on POSIX
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

HANDOVER_PDF = "handover_pdf"
CLIENT_COPY = "client_copy"
#: After a withdrawal: the notice for the recipient and the confirmation for the client.
WITHDRAWAL_NOTICE = "withdrawal_notice"
WITHDRAWAL_CONFIRMATION = "withdrawal_confirmation"
#: The handover as a FHIR R4 Bundle (JSON), from the same content as the PDF (``interop``).
HANDOVER_FHIR = "handover_fhir"
KINDS = (HANDOVER_PDF, CLIENT_COPY, WITHDRAWAL_NOTICE, WITHDRAWAL_CONFIRMATION, HANDOVER_FHIR)
WITHDRAWAL_KINDS = (WITHDRAWAL_NOTICE, WITHDRAWAL_CONFIRMATION)

#: A document being written: ``.broadtalk-export-<token>.partial`` beside the chosen file.
PARTIAL_PREFIX = ".broadtalk-export-"
PARTIAL_SUFFIX = ".partial"
#: The journal of an export whose file is not yet in place: one setting per export.
JOURNAL_PREFIX = "export_pending:"

Document = HandoverContent | WithdrawalContent

_SETTING = Setting.__table__  # type: ignore[attr-defined]
_DISCLOSURE = Disclosure.__table__  # type: ignore[attr-defined]


def _renderer(kind: str) -> Callable[[Any, BinaryIO], None]:
    if kind == HANDOVER_FHIR:
        from broadtalk.interop.handover_fhir import write_handover_bundle  # fhir.resources only now

        return write_handover_bundle
    from broadtalk.handover import pdf  # ReportLab is loaded only when a document is made

    return {
        HANDOVER_PDF: pdf.render_handover_pdf,
        CLIENT_COPY: pdf.render_client_copy_pdf,
        WITHDRAWAL_NOTICE: pdf.render_withdrawal_notice_pdf,
        WITHDRAWAL_CONFIRMATION: pdf.render_withdrawal_confirmation_pdf,
    }[kind]


def scope_of(content: Document) -> dict[str, object]:
    """What a document holds, for the disclosure log: sections and domain ids, never the content.
    A withdrawal document holds no content at all: only that consent was withdrawn."""
    if isinstance(content, WithdrawalContent):
        return {"withdrawal": True}
    return {
        "domains": [d.domain_id for d in content.domains],
        "identity_details": content.consent.share_identity_details,
        "goals_actions": content.goals_shared,
        "own_words": content.own_words_shared,
        "pieces": len(content.consent.piece_labels),
        "changed_after_consent": content.changed_after_consent,
        "draft": content.draft,
    }


def log_disclosure(
    tx: Session,
    actor: Actor,
    referral_id: int,
    content: Document,
    kind: str,
    now: datetime,
    *,
    printed: bool = False,
    batch: str | None = None,
) -> int:
    """The document left the practice: a disclosure (what was shared, under which consent) and
    an audit entry (export to a file, or print when ``printed``). Returns the disclosure's id.
    ``batch`` is the token of the batch export that made it (``handover.batch``)."""
    client_id = require_export(tx, actor, referral_id)
    consent = latest_consent_unchecked(tx, referral_id)
    disclosure = Disclosure(
        referral_id=referral_id,
        consent_id=consent.id if consent else None,
        practitioner_id=actor.id,
        at=now,
        kind=kind,
        scope=json.dumps(scope_of(content)),
        batch=batch,
    )
    tx.add(disclosure)
    tx.flush()
    audit.record(
        tx,
        actor,
        audit.Action.PRINT if printed else audit.Action.EXPORT,
        object_type="handover",
        object_id=referral_id,
        client_id=client_id,
        detail=kind,
        now=now,
    )
    assert disclosure.id is not None
    return disclosure.id


def render_document(tx: Session, actor: Actor, referral_id: int, kind: str, *, today: date) -> tuple[Document, bytes]:
    """The document as bytes (for the on-screen preview); refuses without a valid consent.
    Recorded as a view of the handover."""
    client_id = require_export(tx, actor, referral_id)
    content, data = _render(tx, referral_id, kind, today)
    audit.record_once(
        tx, actor, audit.Action.VIEW, object_type="handover", object_id=referral_id, client_id=client_id, detail=kind
    )
    return content, data


def _render(tx: Session, referral_id: int, kind: str, today: date) -> tuple[Document, bytes]:
    if kind not in KINDS:
        raise InputError(_("Unknown kind of document '{kind}'.").format(kind=kind))
    content: Document
    if kind in WITHDRAWAL_KINDS:
        content = load_withdrawal_unchecked(tx, referral_id, today)
    else:
        content = load_unchecked(tx, referral_id, today)
    return content, render_bytes(content, kind)


# -- writing the file -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Pending:
    """The journal entry of one export: enough to finish or undo it after a kill. A handover
    document has a disclosure (the referral's); the client's summary (object type
    "conversation") has none."""

    token: str
    target: str
    size: int
    sha256: str
    disclosure_id: int | None
    object_id: int
    client_id: int
    kind: str
    practitioner_id: int
    practitioner_name: str
    role: str
    object_type: str = "handover"

    @property
    def key(self) -> str:
        return JOURNAL_PREFIX + self.token

    @property
    def target_path(self) -> Path:
        return Path(self.target)

    @property
    def partial(self) -> Path:
        return self.target_path.parent / f"{PARTIAL_PREFIX}{self.token}{PARTIAL_SUFFIX}"

    def to_json(self) -> str:
        # ASCII: a file name that is not valid UTF-8 (POSIX) survives as escapes.
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> _Pending:
        fields = json.loads(text)
        if "referral_id" in fields:  # written before the client's summary was journalled too
            fields["object_id"] = fields.pop("referral_id")
        pending = cls(**fields)
        if len(pending.token) != 16 or pending.token.strip("0123456789abcdef"):
            raise ValueError("not a token")  # it names a file: never a path of its own
        return pending


def suffix_of(kind: str) -> str:
    """The file name's ending of a document of ``kind``."""
    return ".json" if kind == HANDOVER_FHIR else ".pdf"


def check_pdf_target(target: Path) -> None:
    """Refuse a target that cannot become the document, before anything is logged."""
    if target.suffix.lower() != ".pdf":
        raise InputError(_("The file name must end in .pdf, e.g. handover.pdf."))
    check_target(target)


def check_document_target(target: Path, kind: str) -> None:
    """``check_pdf_target`` for a document of ``kind``: a FHIR handover ends in .json."""
    if kind != HANDOVER_FHIR:
        check_pdf_target(target)
        return
    if target.suffix.lower() != ".json":
        raise InputError(_("The file name of the FHIR data must end in .json, e.g. handover.json."))
    check_target(target)


def check_target(target: Path) -> None:
    """The folder exists and may be written, and the target is no folder, device or pipe."""
    if not target.parent.is_dir():
        raise InputError(
            _("The folder {folder} does not exist; choose an existing folder.").format(folder=target.parent)
        )
    if target.is_dir():
        raise InputError(
            _("{file} cannot be written ({reason}); choose another place.").format(
                file=target, reason=os_reason(errno.EISDIR)
            )
        )
    if target.exists() and not target.is_file():
        raise InputError(
            _("{file} is not an ordinary file (a device or a pipe); choose another file name.").format(file=target)
        )
    if not os.access(target.parent, os.W_OK | os.X_OK):
        raise InputError(
            _("{folder} cannot be written to ({reason}); choose another folder.").format(
                folder=target.parent, reason=os_reason(errno.EACCES)
            )
        )


def export_document(
    tx: Session, actor: Actor, referral_id: int, kind: str, target: Path, *, now: datetime | None = None
) -> Path:
    """Write the handover PDF, the client's copy (or another document of ``KINDS``, the handover
    as FHIR data too) to ``target`` and log the disclosure.

    The file is written when ``tx`` commits, after the disclosure and its audit entry (see the
    module's description); a failure to write it then is raised from the commit as an
    ``InputError`` and the disclosure is undone (``Database.transaction`` records that)."""
    require_export(tx, actor, referral_id)
    now = now or datetime.now(UTC)
    target = Path(target)
    check_document_target(target, kind)
    content, data = _render(tx, referral_id, kind, dutch_today(now))
    return export_rendered(tx, actor, referral_id, kind, content, data, target, now=now)


def render_bytes(content: Document, kind: str) -> bytes:
    """The document of ``kind`` made from content built before (no database: a batch export
    runs this in worker processes)."""
    import io

    if kind not in KINDS:
        raise InputError(_("Unknown kind of document '{kind}'.").format(kind=kind))
    buffer = io.BytesIO()
    _renderer(kind)(content, buffer)
    return buffer.getvalue()


def export_rendered(
    tx: Session,
    actor: Actor,
    referral_id: int,
    kind: str,
    content: Document,
    data: bytes,
    target: Path,
    *,
    now: datetime | None = None,
    batch: str | None = None,
) -> Path:
    """Export a document made before (``data``, rendered from ``content``) to ``target``: the
    disclosure, the export entry and the journal in ``tx``, the file after its commit, as
    ``export_document`` does. The caller makes sure ``content`` was built in the consent that
    holds in ``tx`` (``handover.batch`` checks it in this transaction)."""
    client_id = require_export(tx, actor, referral_id)
    now = now or datetime.now(UTC)
    target = Path(target)
    check_document_target(target, kind)
    disclosure_id = log_disclosure(tx, actor, referral_id, content, kind, now, batch=batch)
    write_after_commit(
        tx,
        actor,
        target,
        data,
        object_type="handover",
        object_id=referral_id,
        client_id=client_id,
        kind=kind,
        disclosure_id=disclosure_id,
    )
    return target


def write_after_commit(
    tx: Session,
    actor: Actor,
    target: Path,
    data: bytes,
    *,
    object_type: str,
    object_id: int,
    client_id: int,
    kind: str,
    disclosure_id: int | None = None,
) -> None:
    """Steps 1 and 2 for a document made in memory whose export entry (and disclosure, if any)
    the caller wrote in ``tx``: the journal entry in ``tx``, the file when ``tx`` commits, and
    ``recover_interrupted_exports`` for what a kill leaves. Also used for the client's summary."""
    pending = _Pending(
        token=secrets.token_hex(8),
        target=str(Path(target).absolute()),
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        disclosure_id=disclosure_id,
        object_id=object_id,
        client_id=client_id,
        kind=kind,
        practitioner_id=actor.id,
        practitioner_name=actor.name,
        role=str(actor.role),
        object_type=object_type,
    )
    tx.add(Setting(key=pending.key, value=pending.to_json()))
    tx.flush()
    bind = tx.get_bind()
    event.listen(tx, "after_commit", lambda _session: _put_in_place(bind, pending, data), once=True)


def _put_in_place(bind: Engine | Connection, pending: _Pending, data: bytes) -> None:
    """After the commit: the document into its file, then the journal entry removed.

    Only when the journal entry was committed: a session that was rolled back (to a savepoint,
    say) and committed later writes no document for a disclosure it did not keep."""
    try:
        with Session(bind) as session:
            if session.get(Setting, pending.key) is None:
                return
    except SQLAlchemyError:
        pass  # cannot look: it was committed with the transaction that got us here
    try:
        _write_file(pending, data)
    except OSError as error:
        with suppress(OSError):
            pending.partial.unlink(missing_ok=True)
        failure = InputError(
            _("{file} cannot be written ({reason}); choose another place.").format(
                file=pending.target, reason=os_reason(error)
            )
        )
        # Database.transaction runs this after the error: the disclosure undone, the trail told.
        raise audit.after_rollback(failure, lambda tx: _give_up(tx, pending)) from None
    except BaseException:
        with suppress(OSError):
            pending.partial.unlink(missing_ok=True)
        raise  # the journal entry stays: the next start settles it
    try:
        with Session(bind) as session, session.begin():
            still_logged = _remove_journal(session, pending) or (
                # without a disclosure, only a recovery that found the file in place gets here
                session.get(Disclosure, pending.disclosure_id) if pending.disclosure_id is not None else True
            )
    except SQLAlchemyError as error:
        # The document is in place and logged; the next start removes the journal entry.
        log.warning("export journal entry kept for the next start: %s", type(error).__name__)
        return
    if not still_logged:
        # Another broadtalk started meanwhile, found the file unfinished and undid the export.
        with suppress(OSError):
            pending.target_path.unlink()
        raise InputError(
            _("Saving {file} was interrupted, so nothing was saved; save it again.").format(file=pending.target)
        )


def _write_file(pending: _Pending, data: bytes) -> None:
    write_private_file(pending.partial, pending.target_path, data)


def write_private_file(partial: Path, target: Path, data: bytes) -> None:
    """``data`` into ``target`` whole or not at all: written to ``partial`` (new, owner-only,
    locked while written), synced, renamed over ``target``; the folder synced after."""
    handle = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), PRIVATE_FILE)
    try:
        if fcntl is not None:
            fcntl.flock(handle, fcntl.LOCK_EX)  # "being written": a recovery elsewhere leaves it alone
        if hasattr(os, "fchmod"):
            os.fchmod(handle, PRIVATE_FILE)  # exactly owner-only, whatever the umask
        view = memoryview(data)
        while view:
            view = view[os.write(handle, view) :]
        os.fsync(handle)
        if fcntl is None:  # Windows renames no open file
            os.close(handle)
            handle = -1
        os.replace(partial, target)
    finally:
        if handle >= 0:
            with suppress(OSError):  # synced already; once renamed, the document is in place
                os.close(handle)
    _sync_folder(target.parent)


def _sync_folder(folder: Path) -> None:
    """The rename itself on disk (POSIX); a folder that cannot be synced is no failure."""
    if os.name != "posix":
        return
    with suppress(OSError):
        handle = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


def _remove_journal(tx: Session, pending: _Pending) -> bool:
    """Remove the journal entry; False when someone else settled this export already."""
    return tx.connection().execute(delete(_SETTING).where(_SETTING.c.key == pending.key)).rowcount > 0


def _give_up(tx: Session, pending: _Pending) -> bool:
    """No document came of this export: its disclosure goes and the trail says the export
    failed. Only once, whoever gets here first; False when it was settled already."""
    if not _remove_journal(tx, pending):
        return False
    if pending.disclosure_id is not None:
        tx.connection().execute(delete(_DISCLOSURE).where(_DISCLOSURE.c.id == pending.disclosure_id))
    try:
        actor: Actor | None = Actor(id=pending.practitioner_id, name=pending.practitioner_name, role=Role(pending.role))
    except ValueError:
        actor = None
    audit.record(
        tx,
        actor,
        audit.Action.EXPORT,
        object_type=pending.object_type,
        object_id=pending.object_id,
        client_id=pending.client_id,
        outcome=audit.Outcome.FAILED,
        detail=pending.kind,
        practitioner_id=pending.practitioner_id,
        practitioner_name=pending.practitioner_name,
    )
    return True


# -- after a kill: the next start -------------------------------------------------------------------


@dataclass(frozen=True)
class ExportRecovery:
    """What ``recover_interrupted_exports`` found."""

    #: The file was in place: the export stands, only its journal entry was left.
    completed: int = 0
    #: No document came of it: its temporary file and disclosure removed, the trail says failed.
    interrupted: int = 0
    #: Still being written by another broadtalk, or its folder cannot be reached now (an
    #: unplugged USB stick): looked at again at the next start.
    waiting: int = 0

    def message(self) -> str:
        """For the person starting broadtalk, or "" when there is nothing to tell."""
        if not self.interrupted:
            return ""
        return ngettext(
            "A document (a handover document or a client's summary) was not finished when broadtalk "
            "stopped unexpectedly, so it was not saved; make it again if it is still needed.",
            "{count} documents (handover documents or clients' summaries) were not finished when "
            "broadtalk stopped unexpectedly, so they were not saved; make them again if they are still needed.",
            self.interrupted,
        ).format(count=self.interrupted)


def recover_interrupted_exports(db: Database) -> ExportRecovery:
    """Settle the exports a killed process left unfinished (see the module's description).
    Call after opening the database, before anything else is done with it."""
    with db.transaction() as tx:
        rows = tx.exec(select(Setting).where(col(Setting.key).startswith(JOURNAL_PREFIX))).all()
        journal = [(row.key, row.value) for row in rows]
    completed = interrupted = waiting = 0
    for key, value in journal:
        try:
            pending = _Pending.from_json(value)
        except (ValueError, TypeError, AttributeError):
            log.warning("unreadable export journal entry left as it is")
            waiting += 1
            continue
        if pending.key != key:
            waiting += 1
            continue
        outcome = _settle(db, pending)
        completed += outcome == "completed"
        interrupted += outcome == "interrupted"
        waiting += outcome == "waiting"
    if completed or interrupted or waiting:
        log.info("exports settled: %d completed, %d interrupted, %d waiting", completed, interrupted, waiting)
    return ExportRecovery(completed=completed, interrupted=interrupted, waiting=waiting)


def _settle(db: Database, pending: _Pending) -> str:
    partial, target = pending.partial, pending.target_path
    if not target.parent.is_dir() or _being_written(partial) or _being_written(target):
        return "waiting"
    try:
        partial.unlink(missing_ok=True)
        in_place = _holds_document(target, pending)
    except OSError:
        return "waiting"
    with db.transaction() as tx:
        if in_place:
            _remove_journal(tx, pending)
            return "completed"
        return "interrupted" if _give_up(tx, pending) else "settled elsewhere"


def _being_written(path: Path) -> bool:
    """Another process holds the lock of an export it is writing on this file (POSIX)."""
    if fcntl is None:
        return False
    try:
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return False
    try:
        fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        os.close(handle)  # and with it the lock just taken
    return False


def _holds_document(target: Path, pending: _Pending) -> bool:
    """The target is the document of this export, byte for byte. OSError when it cannot be read."""
    try:
        info = os.stat(target)
    except FileNotFoundError:
        return False
    if not stat.S_ISREG(info.st_mode) or info.st_size != pending.size:
        return False
    digest = hashlib.sha256()
    with open(target, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest() == pending.sha256
