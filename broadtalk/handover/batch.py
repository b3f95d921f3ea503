"""The batch export of handover documents: every referral of a period with a valid consent as its
handover document (and, as chosen, the client's copy) in one folder, with ``index.csv`` and a
short summary. No Qt: the command line runs it, and a dialog can run it off the GUI thread
(``progress(done, total)`` is called after each document, ``cancel`` is a ``threading.Event``
looked at between documents).

- ``plan_batch`` decides, in one read of the database, which referrals of the period (by the
  day the referral was *made*, see there) are exported and which are not, with the reason the
  single export would give (``consent.require_valid_consent``). It writes nothing.
- ``open_batch`` checks the folder and writes (or reads back) its manifest
  ``.broadtalk-batch.json``: the batch's token, its parameters and the file names it uses. The
  same folder with the same parameters resumes that batch; other parameters are refused.
- ``run_batch`` makes the documents. The content is built in this process from the database
  (``handover.content``: the one place the consent is applied); worker processes (started with
  "spawn": a fork would copy SQLCipher connections) only turn that content into PDF bytes. Each
  document is then written in its own transaction through ``export.export_rendered``: the
  disclosure (carrying the batch's token), its audit entry and the export journal in the
  transaction, the file put in place after the commit, ``recover_interrupted_exports`` settling
  a kill. In that transaction the referral's consent is read again: when it is no longer the
  one the content was built under, the content is built and rendered again there (or, when no
  valid consent is left, the document is not made and the index says why). A document whose
  (referral, kind) already has a disclosure with the batch's token was made by an earlier run
  of this batch and is skipped: after a cancel or a kill the same command finishes the batch
  without a second disclosure.
"""

from __future__ import annotations

import csv
import errno
import io
import json
import logging
import os
import re
import secrets
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import event
from sqlmodel import Session, col, select

from broadtalk.audit import require
from broadtalk.consent import ConsentView, latest_consent_unchecked, require_valid_consent
from broadtalk.errors import BroadtalkError, InputError, RefusedError, os_reason
from broadtalk.files import private_folder, read_limited, write_private_text
from broadtalk.handover.content import HandoverContent, load_unchecked
from broadtalk.handover.export import (
    CLIENT_COPY,
    HANDOVER_FHIR,
    HANDOVER_PDF,
    export_rendered,
    render_bytes,
    suffix_of,
)
from broadtalk.i18n import DISPLAY_ZONE, _, current_language, dutch_today, ngettext, to_display_time
from broadtalk.permissions import Permission
from broadtalk.practitioners import Actor
from broadtalk.store.tables import Disclosure, Offering, Organisation, Referral
from broadtalk.text import spreadsheet_cell

if TYPE_CHECKING:
    from broadtalk.store.database import Database

log = logging.getLogger(__name__)

MANIFEST = ".broadtalk-batch.json"
INDEX = "index.csv"
#: The manifest's own format; a manifest of another format is another batch's.
MANIFEST_FORMAT = 1
#: Documents rendered ahead of writing, per worker: enough to keep every worker busy.
AHEAD_PER_WORKER = 3


# -- the plan ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchParameters:
    """What a batch exports; a folder holds the batch of one set of parameters."""

    since: date
    until: date | None = None
    #: The recipient organisation's name as typed (compared without regard to case).
    recipient: str | None = None
    client_copy: bool = False
    group: bool = False
    #: Also each handover as FHIR data (``handover-<reference>.json``, a Bundle; see ``interop``).
    fhir: bool = False

    def kinds(self) -> tuple[str, ...]:
        return (
            HANDOVER_PDF,
            *((CLIENT_COPY,) if self.client_copy else ()),
            *((HANDOVER_FHIR,) if self.fhir else ()),
        )

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {
            "since": self.since.isoformat(),
            "until": self.until.isoformat() if self.until else None,
            "recipient": _fold(self.recipient) if self.recipient else None,
            "client_copy": self.client_copy,
            "group": self.group,
        }
        if self.fhir:  # a batch begun before FHIR existed has the same parameters without it
            data["fhir"] = True
        return data


@dataclass(frozen=True)
class BatchEntry:
    """One referral of the period: exported when ``reason`` is empty."""

    referral_id: int
    reference: str
    made_on: date
    sent_on: date | None
    recipient: str
    organisation: str
    status: str
    consent_id: int | None
    consent_until: date | None
    reason: str = ""

    @property
    def exportable(self) -> bool:
        return not self.reason


@dataclass(frozen=True)
class BatchPlan:
    parameters: BatchParameters
    today: date
    entries: tuple[BatchEntry, ...]

    @property
    def exportable(self) -> tuple[BatchEntry, ...]:
        return tuple(e for e in self.entries if e.exportable)

    @property
    def excluded(self) -> tuple[BatchEntry, ...]:
        return tuple(e for e in self.entries if not e.exportable)

    @property
    def document_count(self) -> int:
        return len(self.exportable) * len(self.parameters.kinds())


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def organisation_of(recipient: str, on_map: str | None) -> str:
    """The recipient organisation of a referral: the organisation on the social map, else the
    part of the recipient's line before the offering ("Organisation – offering, phone")."""
    if on_map:
        return on_map
    name = recipient.split(" – ", 1)[0].split(", ", 1)[0].strip()
    return name or recipient.strip()


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=DISPLAY_ZONE).astimezone(UTC)


def plan_batch(
    tx: Session,
    actor: Actor,
    parameters: BatchParameters,
    *,
    today: date | None = None,
) -> BatchPlan:
    """The referrals of the period, each exportable or excluded with the reason.

    A referral belongs to the period by the day it was made (``created_at``, in Dutch time), not
    the day it was sent: every referral has that day, drafts (which may already have a consent)
    included, and it never changes, so a batch resumed later still covers the same referrals.

    Refuses without ``EXPORT_HANDOVERS`` (the refusal is audited), an end before the start, and
    a recipient organisation no referral and no entry of the social map has. Writes nothing."""
    require(actor, Permission.EXPORT_HANDOVERS)
    today = today or dutch_today()
    if parameters.until is not None and parameters.until < parameters.since:
        raise InputError(_("The end date lies before the start date; give an end date on or after the start."))
    query = (
        select(Referral, Organisation.name)
        .outerjoin(Offering, Offering.id == Referral.offering_id)
        .outerjoin(Organisation, Organisation.id == Offering.organisation_id)
        .where(col(Referral.created_at) >= _day_start(parameters.since))
        .order_by(col(Referral.created_at), col(Referral.id))
    )
    if parameters.until is not None:
        query = query.where(col(Referral.created_at) < _day_start(parameters.until + timedelta(days=1)))
    wanted = _fold(parameters.recipient) if parameters.recipient else None
    if wanted is not None and not _recipient_known(tx, wanted):
        raise InputError(
            _(
                "No referral and no organisation on the social map has the recipient '{name}'; "
                "check the organisation's name."
            ).format(name=parameters.recipient)
        )
    entries = []
    for referral, on_map in tx.exec(query).all():
        organisation = organisation_of(referral.recipient, on_map)
        if wanted is not None and _fold(organisation) != wanted:
            continue
        assert referral.id is not None
        consent = latest_consent_unchecked(tx, referral.id, content=False)
        entries.append(
            BatchEntry(
                referral_id=referral.id,
                reference=referral.reference,
                made_on=to_display_time(referral.created_at).date(),
                sent_on=to_display_time(referral.sent_at).date() if referral.sent_at else None,
                recipient=referral.recipient,
                organisation=organisation,
                status=referral.status,
                consent_id=consent.id if consent else None,
                consent_until=consent.valid_until if consent else None,
                reason=_refusal(consent, today),
            )
        )
    return BatchPlan(parameters=parameters, today=today, entries=tuple(entries))


def _recipient_known(tx: Session, wanted: str) -> bool:
    if any(_fold(name) == wanted for name in tx.exec(select(Organisation.name)).all()):
        return True
    found = tx.exec(
        select(Referral.recipient, Organisation.name)
        .outerjoin(Offering, Offering.id == Referral.offering_id)
        .outerjoin(Organisation, Organisation.id == Offering.organisation_id)
    ).all()
    return any(_fold(organisation_of(recipient, on_map)) == wanted for recipient, on_map in found)


def _refusal(consent: ConsentView | None, today: date) -> str:
    """Why nothing may be shared under this consent ("" when it is valid): the single export's words."""
    try:
        require_valid_consent(consent, today)
    except RefusedError as refusal:
        return refusal.message
    return ""


# -- the folder and its manifest --------------------------------------------------------------------


@dataclass(frozen=True)
class BatchFolder:
    """A folder holding one batch: its token, parameters and the names of its files."""

    out: Path
    token: str
    parameters: BatchParameters
    #: kind → file name template with ``{reference}``; the index and the summary's names.
    names: dict[str, str]
    index_name: str
    summary_name: str
    resumed: bool = False
    #: Folded organisation → its folder (with ``group``).
    folders: dict[str, str] = field(default_factory=dict)

    def relative_name(self, entry: BatchEntry, kind: str) -> str:
        name = self.names[kind].format(reference=entry.reference)
        if self.parameters.group:
            return f"{self.folders[_fold(entry.organisation)]}/{name}"
        return name

    def path_of(self, entry: BatchEntry, kind: str) -> Path:
        return self.out / self.relative_name(entry, kind)


def _names() -> dict[str, object]:
    return {
        "names": {
            HANDOVER_PDF: _("handover-{reference}.pdf"),
            CLIENT_COPY: _("client-copy-{reference}.pdf"),
            HANDOVER_FHIR: _("handover-{reference}.json"),
        },
        "index": INDEX,
        "summary": _("summary.txt"),
    }


_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}


def safe_folder_name(name: str) -> str:
    """A folder name for an organisation on every file system: no separators or characters
    Windows refuses, no leading dot, at most 80 characters."""
    cleaned = " ".join(_UNSAFE.sub("-", name).split()).strip(" .-")[:80].strip(" .")
    if not cleaned:
        cleaned = _("organisation")
    if cleaned.split(".")[0].casefold() in _RESERVED:
        cleaned = f"_{cleaned}"
    return cleaned


def _folders(plan: BatchPlan, kept: dict[str, str] | None = None) -> dict[str, str]:
    """Folded organisation → its own folder name (two organisations never share one). ``kept``:
    the folders a batch being resumed already uses (its manifest's), which stay as they are; an
    organisation new to the batch gets a name none of them has."""
    chosen: dict[str, str] = dict(kept or {})
    taken: set[str] = {name.casefold() for name in chosen.values()}
    for organisation in sorted({_fold(e.organisation): e.organisation for e in plan.entries}.items()):
        key, name = organisation
        if key in chosen:
            continue
        base = candidate = safe_folder_name(name)
        number = 2
        while candidate.casefold() in taken:
            candidate = f"{base} ({number})"
            number += 1
        taken.add(candidate.casefold())
        chosen[key] = candidate
    return chosen


def _unwritable(folder: Path, error: OSError | int) -> InputError:
    return InputError(
        _("{folder} cannot be written to ({reason}); choose another folder.").format(
            folder=folder, reason=os_reason(error)
        )
    )


def _read_manifest(path: Path) -> dict[str, object] | None:
    try:
        data = json.loads(read_limited(path, 1024 * 1024))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def open_batch(out: Path, plan: BatchPlan) -> BatchFolder:
    """Check the folder and start the batch in it, or resume the batch it holds.

    A missing folder is made (owner-only) when its parent exists. Refused, with nothing changed:
    a path that is no folder, a folder that cannot be written, a folder that holds a batch of
    other parameters, and a folder that holds other files."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise InputError(_("{folder} is not a folder; give a folder for the documents.").format(folder=out))
    if not out.exists() and not out.parent.is_dir():
        raise InputError(_("The folder {folder} does not exist; choose an existing folder.").format(folder=out.parent))
    place = out if out.exists() else out.parent
    if not os.access(place, os.W_OK | os.X_OK | (os.R_OK if out.exists() else 0)):
        raise _unwritable(place, errno.EACCES)
    manifest_path = out / MANIFEST
    parameters = plan.parameters.to_json()
    if out.exists():
        manifest = _read_manifest(manifest_path) if manifest_path.exists() else None
        if manifest is not None and manifest.get("format") == MANIFEST_FORMAT and "token" in manifest:
            if manifest.get("parameters") != parameters:
                raise InputError(
                    _(
                        "{folder} holds a batch export with other dates, recipient or choices; run it with "
                        "the same choices to finish it, or choose an empty folder."
                    ).format(folder=out)
                )
            return _resumed(out, plan, manifest, manifest_path)
        try:
            others = [p for p in out.iterdir() if p.name != MANIFEST + ".partial"]
        except OSError as error:  # a folder that can be written but not read
            raise _unwritable(out, error) from None
        if others:
            raise InputError(
                _("{folder} is not empty; choose an empty folder (or a new one) for the batch export.").format(
                    folder=out
                )
            )
    manifest = {
        "format": MANIFEST_FORMAT,
        "token": secrets.token_hex(16),
        "parameters": parameters,
        **_names(),
        "folders": _folders(plan) if plan.parameters.group else {},
    }
    try:
        private_folder(out)
        write_private_text(manifest_path, json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    except OSError as error:
        raise _unwritable(out, error) from None
    _crash_point("batch-manifest")
    return _folder(out, plan, manifest, resumed=False)


def _kept_folders(out: Path, manifest: dict[str, object]) -> dict[str, str]:
    """The organisation folders a manifest names, each a plain folder name (never a path)."""
    kept = manifest.get("folders", {})
    if not isinstance(kept, dict) or not all(
        isinstance(key, str) and isinstance(name, str) and name and safe_folder_name(name) == name
        for key, name in kept.items()
    ):
        raise InputError(_("The batch export in {folder} cannot be read; choose an empty folder.").format(folder=out))
    return dict(kept)


def _resumed(out: Path, plan: BatchPlan, manifest: dict[str, object], manifest_path: Path) -> BatchFolder:
    """The batch the folder holds, going on: the folders it made keep their names; an
    organisation new since (a referral made meanwhile) gets a new one, kept in the manifest."""
    kept = _kept_folders(out, manifest)
    folders = _folders(plan, kept) if plan.parameters.group else kept
    if folders != kept:
        manifest = {**manifest, "folders": folders}
        try:
            write_private_text(manifest_path, json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        except OSError as error:
            raise _unwritable(out, error) from None
    return _folder(out, plan, manifest, resumed=True)


def _folder(out: Path, plan: BatchPlan, manifest: dict[str, object], *, resumed: bool) -> BatchFolder:
    names = manifest.get("names")
    token = manifest.get("token")
    if (
        not isinstance(names, dict)
        or not all(isinstance(names.get(kind), str) for kind in (HANDOVER_PDF, CLIENT_COPY))
        or not isinstance(token, str)
        or not re.fullmatch(r"[0-9a-f]{32}", token)
    ):
        raise InputError(_("The batch export in {folder} cannot be read; choose an empty folder.").format(folder=out))
    return BatchFolder(
        out=out,
        token=token,
        parameters=plan.parameters,
        names={
            kind: _safe_template(str(names.get(kind) or _names_of(kind)), kind)
            for kind in (HANDOVER_PDF, CLIENT_COPY, HANDOVER_FHIR)
        },
        index_name=INDEX,
        summary_name=safe_folder_name(str(manifest.get("summary") or "summary.txt")),
        resumed=resumed,
        folders=_kept_folders(out, manifest) if plan.parameters.group else {},
    )


def _names_of(kind: str) -> str:
    """The file name template of ``kind`` in a new manifest (for a manifest written before the kind existed)."""
    names = _names()["names"]
    assert isinstance(names, dict)
    return str(names[kind])


def _safe_template(template: str, kind: str) -> str:
    """A file name template from a manifest: one name in the folder, never a path, ending as
    the kind's files end."""
    suffix = suffix_of(kind)
    if (
        "/" in template
        or "\\" in template
        or template.startswith(".")
        or "{reference}" not in template
        or not template.lower().endswith(suffix)
    ):
        return "{reference}" + suffix
    return template


# -- running it -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchOutcome:
    """Per referral: whether its documents are in the folder, and why not."""

    entry: BatchEntry
    files: tuple[str, ...]
    exported: bool
    reason: str = ""


@dataclass(frozen=True)
class BatchResult:
    plan: BatchPlan
    folder: BatchFolder
    outcomes: tuple[BatchOutcome, ...]
    #: Documents written by this run, and by an earlier run of the same batch.
    written: int = 0
    earlier: int = 0
    cancelled: bool = False

    @property
    def exported(self) -> tuple[BatchOutcome, ...]:
        return tuple(o for o in self.outcomes if o.exported)

    @property
    def not_exported(self) -> tuple[BatchOutcome, ...]:
        return tuple(o for o in self.outcomes if not o.exported)


@dataclass(frozen=True)
class _Job:
    entry: BatchEntry
    kind: str
    content: HandoverContent
    #: The consent the content was built under, as it was then.
    consent: ConsentView


def _done(db: Database, token: str) -> set[tuple[int, str]]:
    with db.transaction() as tx:
        rows = tx.exec(select(Disclosure.referral_id, Disclosure.kind).where(Disclosure.batch == token)).all()
    return {(referral_id, kind) for referral_id, kind in rows}


def _build(db: Database, referral_id: int, today: date) -> tuple[HandoverContent, ConsentView] | str:
    """The content, built in the consent that holds now, or the reason there is none."""
    try:
        with db.transaction() as tx:
            consent = latest_consent_unchecked(tx, referral_id)
            reason = _refusal(consent, today)
            if reason:
                return reason
            assert consent is not None
            return load_unchecked(tx, referral_id, today), consent
    except BroadtalkError as error:  # the referral was erased meanwhile, say
        return error.message


#: Below this many documents the PDFs are made in the exporting process: starting worker
#: processes costs about a second.
SMALL_BATCH = 24


def worker_count(documents: int) -> int:
    """One process per processor core for a real batch (at least one); the exporting process
    itself for a small one. The command line and the dialog both use it."""
    return max(1, os.cpu_count() or 1) if documents >= SMALL_BATCH else 1


def run_batch(
    db: Database,
    actor: Actor,
    plan: BatchPlan,
    folder: BatchFolder,
    *,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
    cancel: threading.Event | None = None,
    now: Callable[[], datetime] | None = None,
) -> BatchResult:
    """Make the plan's documents into ``folder`` (see the module's description); then write the
    index and the summary. ``workers`` > 1 renders in that many processes; 1 renders here.

    Stops between documents when ``cancel`` is set: what was written stands with its disclosure,
    and the same batch run again makes the rest. An error writing a file (disk full) stops the
    batch with that error; the documents before it stand."""
    clock = now or (lambda: datetime.now(UTC))
    kinds = plan.parameters.kinds()
    done = _done(db, folder.token)
    todo = [(entry, kind) for entry in plan.exportable for kind in kinds if (entry.referral_id, kind) not in done]
    earlier = sum(1 for entry in plan.exportable for kind in kinds if (entry.referral_id, kind) in done)
    total = plan.document_count
    finished = earlier
    late_reasons: dict[int, str] = {}
    written = 0
    if progress is not None:
        progress(finished, total)

    def write(job: _Job, data: bytes) -> None:
        nonlocal written, finished
        if _write_one(db, actor, plan, folder, job, data, clock(), late_reasons, number=written + 1):
            written += 1
            _crash_point(f"batch-written-{written}")
        finished += 1
        if progress is not None:
            progress(finished, total)

    cancelled = False
    jobs = _jobs(db, plan, todo, late_reasons)
    if workers <= 1:
        for job in jobs:
            if cancel is not None and cancel.is_set():
                cancelled = True
                break
            write(job, render_bytes(job.content, job.kind))
    else:
        cancelled = _run_in_pool(jobs, write, workers, cancel)
    if not cancelled and progress is not None:
        progress(total, total)  # also when a consent ended meanwhile and a document was not made
    result = _result(db, plan, folder, late_reasons, written=written, earlier=earlier, cancelled=cancelled)
    _crash_point("batch-before-index")
    write_index(result)
    return result


def _jobs(
    db: Database, plan: BatchPlan, todo: list[tuple[BatchEntry, str]], late_reasons: dict[int, str]
) -> Iterator[_Job]:
    """The documents to make, each with its content built here (once per referral)."""
    built: tuple[int, tuple[HandoverContent, ConsentView] | str] | None = None
    for entry, kind in todo:
        if built is None or built[0] != entry.referral_id:
            built = (entry.referral_id, _build(db, entry.referral_id, plan.today))
        found = built[1]
        if isinstance(found, str):
            late_reasons[entry.referral_id] = found
            continue
        content, consent = found
        yield _Job(entry, kind, content, consent)


def _run_in_pool(
    jobs: Iterator[_Job], write: Callable[[_Job, bytes], None], workers: int, cancel: threading.Event | None
) -> bool:
    """Render in ``workers`` processes, a few documents ahead; write each here as it comes back.
    True when cancelled."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    ahead = workers * AHEAD_PER_WORKER
    in_flight: dict[Future[bytes], _Job] = {}
    cancelled = False
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_start_worker, initargs=(current_language(),)
    ) as pool:
        try:
            exhausted = False
            while True:
                if cancel is not None and cancel.is_set():
                    cancelled = True
                    break
                while not exhausted and len(in_flight) < ahead:
                    job = next(jobs, None)
                    if job is None:
                        exhausted = True
                        break
                    in_flight[pool.submit(render_bytes, job.content, job.kind)] = job
                if not in_flight:
                    break
                finished, _pending = wait(in_flight, return_when=FIRST_COMPLETED)
                for future in finished:
                    job = in_flight.pop(future)
                    write(job, future.result())
                    if cancel is not None and cancel.is_set():
                        break
        finally:
            for future in in_flight:
                future.cancel()
    return cancelled


def _start_worker(language: str) -> None:
    """In a worker process: the parent's language, and an exit when the parent is gone (a
    killed batch leaves no process behind)."""
    import multiprocessing
    import signal

    from broadtalk.i18n import set_language

    # Ctrl-C in a terminal reaches the whole process group: the batch itself decides to stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    set_language(language)
    parent = multiprocessing.parent_process()
    if parent is not None:

        def watch() -> None:
            parent.join()
            os._exit(0)

        threading.Thread(target=watch, daemon=True).start()


def _same_consent(before: ConsentView, now: ConsentView | None) -> bool:
    """The same consent, unchanged (withdrawal included); who recorded it is only a name."""
    if now is None:
        return False
    return replace(now, recorded_by_name="") == replace(before, recorded_by_name="")


def _write_one(
    db: Database,
    actor: Actor,
    plan: BatchPlan,
    folder: BatchFolder,
    job: _Job,
    data: bytes,
    moment: datetime,
    late_reasons: dict[int, str],
    *,
    number: int,
) -> bool:
    """One document with its disclosure, in its own transaction; the consent checked again in it.
    False when no valid consent is left (the reason is kept in ``late_reasons``)."""
    target = folder.path_of(job.entry, job.kind)
    try:
        private_folder(target.parent)
    except OSError as error:
        raise _unwritable(target.parent, error) from None
    # The write lock from the start: a second process finishing the same batch in the same
    # folder (two windows, or the command beside the app) sees this document's disclosure once
    # it is there, and never writes a second one.
    with db.transaction(immediate=True) as tx:
        already = tx.exec(
            select(Disclosure.id).where(
                Disclosure.batch == folder.token,
                Disclosure.referral_id == job.entry.referral_id,
                Disclosure.kind == job.kind,
            )
        ).first()
        if already is not None:
            return True
        consent = latest_consent_unchecked(tx, job.entry.referral_id)
        content: HandoverContent = job.content
        if not _same_consent(job.consent, consent):
            # Changed since the content was built: built and rendered again in this transaction,
            # or not made at all when no valid consent is left.
            reason = _refusal(consent, plan.today)
            if reason:
                late_reasons[job.entry.referral_id] = reason
                return False
            content = load_unchecked(tx, job.entry.referral_id, plan.today)
            data = render_bytes(content, job.kind)
        # A test's kill point between the commit and the file put in place (this hook runs first).
        event.listen(tx, "after_commit", lambda _session: _crash_point(f"batch-committed-{number}"), once=True)
        export_rendered(
            tx, actor, job.entry.referral_id, job.kind, content, data, target, now=moment, batch=folder.token
        )
    return True


def _crash_point(name: str) -> None:
    from broadtalk.store.database import crash_point

    crash_point(name)


def _result(
    db: Database,
    plan: BatchPlan,
    folder: BatchFolder,
    late_reasons: dict[int, str],
    *,
    written: int,
    earlier: int,
    cancelled: bool,
) -> BatchResult:
    done = _done(db, folder.token)
    kinds = plan.parameters.kinds()
    outcomes = []
    stopped = False
    for entry in plan.entries:
        files = tuple(folder.relative_name(entry, kind) for kind in kinds)
        made = all((entry.referral_id, kind) in done for kind in kinds)
        if made:
            outcomes.append(BatchOutcome(entry, files, True))
        elif not entry.exportable:
            outcomes.append(BatchOutcome(entry, (), False, entry.reason))
        elif entry.referral_id in late_reasons:
            outcomes.append(BatchOutcome(entry, (), False, late_reasons[entry.referral_id]))
        else:
            stopped = True
            outcomes.append(
                BatchOutcome(
                    entry,
                    (),
                    False,
                    _("The batch export stopped before this referral; run the same export again to finish it."),
                )
            )
    # A cancel after the last document stopped nothing.
    return BatchResult(plan, folder, tuple(outcomes), written=written, earlier=earlier, cancelled=cancelled and stopped)


# -- the index and the summary ----------------------------------------------------------------------


def index_text(result: BatchResult) -> str:
    from broadtalk.referral_steps import status_label

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(
        [
            _("reference"),
            _("referral date"),
            _("sent"),
            _("recipient"),
            _("status"),
            _("consent valid until"),
            _("exported"),
            _("reason"),
            _("handover document"),
            _("client's copy"),
            _("FHIR data"),
        ]
    )
    kinds = result.plan.parameters.kinds()
    for outcome in result.outcomes:
        entry = outcome.entry
        files = dict(zip(kinds, outcome.files, strict=False))
        writer.writerow(
            [
                entry.reference,
                entry.made_on.isoformat(),
                entry.sent_on.isoformat() if entry.sent_on else "",
                spreadsheet_cell(entry.recipient),
                status_label(entry.status),
                entry.consent_until.isoformat() if entry.consent_until else "",
                _("yes") if outcome.exported else _("no"),
                outcome.reason,
                *(files.get(kind, "") for kind in (HANDOVER_PDF, CLIENT_COPY, HANDOVER_FHIR)),
            ]
        )
    return buffer.getvalue()


def summary_text(result: BatchResult) -> str:
    from broadtalk.i18n import format_short_date

    plan = result.plan
    p = plan.parameters
    period = (
        _("{since} to {until}").format(since=format_short_date(p.since), until=format_short_date(p.until))
        if p.until
        else _("from {since}").format(since=format_short_date(p.since))
    )
    lines = [
        _("Batch export of handover documents"),
        "",
        _("Period (day the referral was made): {period}").format(period=period),
    ]
    if p.recipient:
        lines.append(_("Recipient: {name}").format(name=p.recipient))
    lines.append(_("Made on: {date}").format(date=format_short_date(plan.today)))
    exported, missing = result.exported, result.not_exported
    lines += [
        "",
        ngettext("{count} referral in the period", "{count} referrals in the period", len(result.outcomes)).format(
            count=len(result.outcomes)
        ),
        ngettext("{count} exported", "{count} exported", len(exported)).format(count=len(exported)),
        ngettext("{count} not exported", "{count} not exported", len(missing)).format(count=len(missing)),
    ]
    if result.cancelled:
        lines.append(_("The export was stopped; run the same export again to finish it."))
    per: dict[str, Counter[bool]] = {}
    for outcome in result.outcomes:
        per.setdefault(outcome.entry.organisation, Counter())[outcome.exported] += 1
    lines += ["", _("Per recipient organisation:")]
    for name in sorted(per, key=str.casefold):
        lines.append(
            "  "
            + _("{name}: {exported} exported, {missing} not").format(
                name=name, exported=per[name][True], missing=per[name][False]
            )
        )
    if missing:
        lines += ["", _("Not exported:")]
        for outcome in missing:
            lines.append(
                "  "
                + _("{reference} ({recipient}): {reason}").format(
                    reference=outcome.entry.reference, recipient=outcome.entry.organisation, reason=outcome.reason
                )
            )
    return "\n".join(lines) + "\n"


def write_index(result: BatchResult) -> None:
    """``index.csv`` and the summary, each written whole (owner-only) or not at all."""
    folder = result.folder
    try:
        write_private_text(folder.out / folder.index_name, index_text(result))
        write_private_text(folder.out / folder.summary_name, summary_text(result))
    except OSError as error:
        raise _unwritable(folder.out, error) from None


__all__ = [
    "INDEX",
    "MANIFEST",
    "BatchEntry",
    "BatchFolder",
    "BatchOutcome",
    "BatchParameters",
    "BatchPlan",
    "BatchResult",
    "open_batch",
    "plan_batch",
    "run_batch",
    "safe_folder_name",
]
