"""The command line: ``broadtalk [--db PATH] COMMAND``. Without a command the desktop app starts.

Qt is imported only when the desktop app is started. Exit codes: 0 done, 1 bad input or refused
(one clear line on stderr, never a traceback), 2 usage error.

The passphrase of an encrypted database comes from ``BROADTALK_PASSPHRASE``; a new database is
made only with one (and is encrypted with it). Every command that opens a database acts as a
practitioner who signs in with their own PIN, as in the app (the role decides, the audit trail
names them, a wrong PIN counts towards the lock-out): the practitioner number comes from
``BROADTALK_USER`` and the PIN from ``BROADTALK_PIN``, or, in a terminal, broadtalk asks for
what is missing. There is no anonymous account. Only ``demo`` (fictional data in a new database),
``forms validate`` (model files, no database) and ``check`` (reads the file's pages, shows no
data) need nobody signed in. Every command that shows client data writes one audit entry.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Callable, Sequence
from contextlib import suppress
from datetime import date, datetime
from pathlib import Path
from typing import Any

from broadtalk import __version__, config, i18n
from broadtalk.errors import BroadtalkError, InputError, NotFoundError, RefusedError, StoreError, os_reason
from broadtalk.files import private_umask
from broadtalk.i18n import _, ngettext
from broadtalk.logs import log_path, log_unexpected, setup_logging

EXIT_OK, EXIT_REFUSED, EXIT_USAGE = 0, 1, 2
PASSPHRASE_VARIABLE = "BROADTALK_PASSPHRASE"
NEW_PASSPHRASE_VARIABLE = "BROADTALK_NEW_PASSPHRASE"
BACKUP_PASSPHRASE_VARIABLE = "BROADTALK_BACKUP_PASSPHRASE"


class UsageError(Exception):
    """Arguments that parse but make no sense (exit 2)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line plus the usage, exit 2, as argparse does
        self.print_usage(sys.stderr)
        # The message may quote what was typed: a control character in it is shown as its code.
        self.exit(EXIT_USAGE, _("%(prog)s: error: %(message)s\n") % {"prog": self.prog, "message": _printable(message)})


def _date_argument(text: str) -> date:
    from broadtalk.clients import parse_date

    parsed = parse_date(text)
    if parsed is None:
        raise argparse.ArgumentTypeError(_("'{value}' is not a date; use yyyy-mm-dd or dd-mm-yyyy").format(value=text))
    return parsed


def _period_argument(text: str):
    """``--period``: a year, a quarter or a month (``monitoring_report.parse_period``)."""
    from broadtalk.monitoring_report import parse_period

    try:
        return parse_period(text)
    except InputError as error:
        raise argparse.ArgumentTypeError(error.message) from None


#: The largest id the database holds (SQLite's 64-bit integers).
LARGEST_ID = 2**63 - 1
#: A demo of more clients would take hours; a practice has a few thousand.
LARGEST_DEMO = 100_000
#: Reference days (``--today``) the app's dates make sense for.
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2199, 12, 31)


def _positive_int(text: str, largest: int = LARGEST_ID) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(_("'{value}' is not a whole number").format(value=text)) from None
    if value < 0:
        raise argparse.ArgumentTypeError(_("'{value}' is negative; give 0 or more").format(value=text))
    if value > largest:
        raise argparse.ArgumentTypeError(
            _("'{value}' is too large; give at most {largest}").format(value=text, largest=largest)
        )
    return value


def _client_count(text: str) -> int:
    return _positive_int(text, LARGEST_DEMO)


def _reference_day(text: str) -> date:
    day = _date_argument(text)
    if not FIRST_DAY <= day <= LAST_DAY:
        raise argparse.ArgumentTypeError(
            _("'{value}' lies outside the years {first} to {last} that the app works with").format(
                value=text, first=FIRST_DAY.year, last=LAST_DAY.year
            )
        )
    return day


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _printable(text: str) -> str:
    """One line for the terminal: a control character typed into a name (a carriage return, an
    escape sequence) is shown as its code instead of moving the cursor or colouring the screen."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


#: The longest name of one file or folder, and of a whole path, that POSIX file systems take (bytes).
NAME_MAX, PATH_MAX = 255, 4096


def _database_argument(text: str) -> Path | str:
    """``--db``: a database file, or the address of a database on a PostgreSQL server."""
    if config.is_server_url(text):
        return text.strip()
    return _path_argument(text)


def _server_argument(text: str) -> str:
    """The address of a database on a PostgreSQL server."""
    if not config.is_server_url(text):
        raise argparse.ArgumentTypeError(
            _("'{text}' is no server address; write it as postgresql://user@host:5432/database").format(text=text[:80])
        )
    return text.strip()


def _path_argument(text: str) -> Path:
    """A file or folder named on the command line. An empty name (``""``) is a usage error, and
    so is a name longer than file systems allow (looking at it would fail with an OSError)."""
    if not text.strip():
        raise argparse.ArgumentTypeError(_("an empty name; give the path of a file"))
    path = Path(text)
    if os.name == "posix" and (
        len(os.fsencode(text)) >= PATH_MAX or any(len(os.fsencode(part)) > NAME_MAX for part in path.parts)
    ):
        raise argparse.ArgumentTypeError(
            _("the name '{name}…' is longer than a file system allows; choose a shorter one").format(name=text[:60])
        )
    return path


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db",
        type=_database_argument,
        default=argparse.SUPPRESS,
        metavar=_("PATH"),
        help=_(
            "the database file (default: in your data folder), or a practice database on a PostgreSQL server: "
            "postgresql://user@host:5432/database"
        ),
    )
    parser = _Parser(
        prog="broadtalk",
        description=_(
            "broadtalk: the broad conversation and the warm handover. Without a command the desktop app starts."
        ),
        epilog=_(
            "Environment variables:\n"
            "  BROADTALK_PASSPHRASE      the passphrase of an encrypted database. A new database is\n"
            "                            encrypted with it and is not made without it.\n"
            "  BROADTALK_NEW_PASSPHRASE  the new passphrase for 'encrypt' and 'passphrase'.\n"
            "  BROADTALK_USER, BROADTALK_PIN\n"
            "                            who acts: your practitioner number and your PIN or password.\n"
            "                            Every command that opens a database signs in with them, as\n"
            "                            in the app: your role decides what it may do, the audit trail\n"
            "                            names you, and a wrong PIN counts towards the lock-out. In a\n"
            "                            terminal broadtalk asks for what is not set. Only 'demo',\n"
            "                            'forms validate' and 'check' need nobody signed in.\n"
            "Every command that shows client data is written to the audit trail."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[common],
    )
    parser.add_argument(
        "--version", action="version", version=f"broadtalk {__version__}", help=_("show the version and exit")
    )
    parser.add_argument(
        "--startup-check",
        action="store_true",
        help=_("start the desktop app, print how many milliseconds it took until the client list showed, and exit"),
    )
    commands = parser.add_subparsers(dest="command", metavar=_("COMMAND"), parser_class=_Parser)

    forms = commands.add_parser(
        "forms", help=_("conversation models: list, validate, import, export"), parents=[common]
    )
    forms_commands = forms.add_subparsers(
        dest="forms_command", metavar=_("ACTION"), required=True, parser_class=_Parser
    )
    listing = forms_commands.add_parser("list", help=_("list the conversation models"), parents=[common])
    listing.add_argument("--json", action="store_true", help=_("machine-readable output"))
    validate = forms_commands.add_parser(
        "validate", help=_("check model files and report every problem"), parents=[common]
    )
    validate.add_argument("files", nargs="+", type=_path_argument, metavar=_("FILE"))
    importing = forms_commands.add_parser("import", help=_("add a practice's own model file"), parents=[common])
    importing.add_argument("file", type=_path_argument, metavar=_("FILE"))
    exporting = forms_commands.add_parser(
        "export",
        help=_("one conversation model as data: as a FHIR Questionnaire with --fhir"),
        description=_(
            "Write a conversation model as JSON: with --fhir as a FHIR R4 Questionnaire (for another system that "
            "records the same conversation), else as broadtalk's own summary. Without --out it is printed."
        ),
        parents=[common],
    )
    exporting.add_argument("model", metavar=_("MODEL_ID"), help=_("the model's id, as 'forms list' shows it"))
    exporting.add_argument(
        "--version", type=_positive_int, default=None, metavar="N", help=_("the model's version (default: the latest)")
    )
    exporting.add_argument("--fhir", action="store_true", help=_("as a FHIR R4 Questionnaire"))
    exporting.add_argument("--out", type=_path_argument, default=None, metavar=_("FILE.json"))

    demo = commands.add_parser("demo", help=_("fill a new database with fictional demo data"), parents=[common])
    demo.add_argument("--clients", type=_client_count, required=True, metavar="N", help=_("how many clients"))
    demo.add_argument(
        "--seed", type=_positive_int, default=1, metavar="S", help=_("the same seed gives the same data (default 1)")
    )
    demo.add_argument(
        "--today", type=_reference_day, default=None, metavar=_("DATE"), help=_("the reference day (default: today)")
    )

    referrals = commands.add_parser("referrals", help=_("list referrals and their consent"), parents=[common])
    referrals.add_argument("--overdue", action="store_true", help=_("only those still waiting for feedback too long"))
    referrals.add_argument("--json", action="store_true", help=_("machine-readable output"))
    referral_commands = referrals.add_subparsers(
        dest="referrals_command", metavar=_("ACTION"), required=False, parser_class=_Parser
    )
    feedback = referral_commands.add_parser(
        "feedback", help=_("the recipient's answer to a referral: import it"), parents=[common]
    )
    feedback_commands = feedback.add_subparsers(
        dest="feedback_command", metavar=_("ACTION"), required=True, parser_class=_Parser
    )
    feedback_import = feedback_commands.add_parser(
        "import",
        help=_("record the recipient's answer (a FHIR Task or the filled-in reply form) as the referral's steps"),
        description=_(
            "Read the recipient's answer: the FHIR Task sent back (a .json file: the Task alone or in a Bundle) or "
            "the handover letter with its reply form filled in on screen (a .pdf file), and record it as the "
            "referral's steps with their dates: accepted, first contact, feedback received (with the feedback) or "
            "declined (with the reason). A file that belongs to another client or referral, was imported before "
            "or is older than what is recorded is refused, and nothing changes."
        ),
        parents=[common],
    )
    feedback_import.add_argument("file", type=_path_argument, metavar=_("FILE"))

    handover = commands.add_parser("handover", help=_("make handover documents"), parents=[common])
    handover_commands = handover.add_subparsers(
        dest="handover_command", metavar=_("ACTION"), required=True, parser_class=_Parser
    )
    for name, help_text in (
        ("pdf", _("the handover for the recipient, as consented")),
        ("client-copy", _("the client's own copy in simple words")),
        ("withdrawal-notice", _("after a withdrawal: the notice for the recipient (no content)")),
        ("withdrawal-confirmation", _("after a withdrawal: the confirmation for the client")),
    ):
        document = handover_commands.add_parser(name, help=help_text, parents=[common])
        document.add_argument("referral", type=_positive_int, metavar=_("REFERRAL_ID"))
        document.add_argument("--out", type=_path_argument, required=True, metavar=_("FILE.pdf"))
        if name == "pdf":
            document.add_argument(
                "--fhir",
                type=_path_argument,
                default=None,
                metavar=_("FILE.json"),
                help=_("also the same handover as FHIR R4 data (a Bundle with a ServiceRequest and a Task)"),
            )
    batch = handover_commands.add_parser(
        "export",
        help=_("every referral of a period with a valid consent: its handover documents in one folder"),
        description=_(
            "Export the handover document of every referral made in the period whose consent is valid, "
            "into one folder with index.csv and a summary. Referrals without a valid consent are listed "
            "with the reason and not exported. Run the same command again to finish an export that was "
            "stopped: nothing is exported twice."
        ),
        parents=[common],
    )
    batch.add_argument(
        "--since", type=_date_argument, required=True, metavar=_("DATE"), help=_("the first day the referral was made")
    )
    batch.add_argument(
        "--until", type=_date_argument, default=None, metavar=_("DATE"), help=_("the last day (default: no end)")
    )
    batch.add_argument(
        "--recipient", default=None, metavar=_("ORGANISATION"), help=_("only the referrals to this organisation")
    )
    batch.add_argument("--client-copy", action="store_true", help=_("also the client's copy of each"))
    batch.add_argument("--group", action="store_true", help=_("one folder per recipient organisation"))
    batch.add_argument(
        "--fhir", action="store_true", help=_("also each handover as FHIR R4 data (handover-REFERENCE.json)")
    )
    batch.add_argument(
        "--workers",
        type=_worker_count,
        default=None,
        metavar="N",
        help=_("how many processes make the PDFs (default: one per processor core)"),
    )
    batch.add_argument("--out", type=_path_argument, required=True, metavar=_("FOLDER"))

    monitoring = commands.add_parser(
        "monitor",
        help=_("the monitor's figures of a period as a CSV file or a printable PDF report"),
        description=_(
            "Write the monitor's figures of a year, a quarter or a month (conversations, scores, what clients want "
            "to work on, referrals per organisation, and with --by the reach per postal code area or age band) "
            "to a CSV file for a spreadsheet or to a PDF report for the care group or the municipality. Only "
            "numbers of clients: numbers of fewer than 10 clients, and numbers that could be worked out from "
            "other figures, are shown as < 10."
        ),
        parents=[common],
    )
    monitoring.add_argument(
        "--period",
        type=_period_argument,
        required=True,
        metavar=_("PERIOD"),
        help=_("a year (2026), a quarter (2026-Q1) or a month (2026-03)"),
    )
    monitoring.add_argument(
        "--practitioner",
        type=_positive_int,
        default=None,
        metavar=_("ID"),
        help=_("only this practitioner's conversations and referrals (default: everyone's)"),
    )
    monitoring.add_argument(
        "--model",
        default=None,
        metavar=_("MODEL_ID"),
        help=_("only this conversation model (default: all); 'forms list' shows the ids"),
    )
    monitoring.add_argument(
        "--by",
        nargs="+",
        action="extend",
        default=[],
        choices=("area", "age"),
        metavar="area|age",
        help=_("add the reach per postal code area (area) and/or per age band (age)"),
    )
    monitoring.add_argument(
        "--area-scores",
        type=_path_argument,
        default=None,
        metavar=_("FILE"),
        help=_("a CSV file with a score per postal code area: the areas with the most need come first"),
    )
    written = monitoring.add_mutually_exclusive_group(required=True)
    written.add_argument("--csv", type=_path_argument, metavar=_("FILE.csv"), help=_("write a CSV file"))
    written.add_argument("--pdf", type=_path_argument, metavar=_("FILE.pdf"), help=_("write a PDF report"))

    conversations = commands.add_parser(
        "conversations",
        help=_("a completed conversation: the note for the GP's record, the client's summary"),
        parents=[common],
    )
    conversation_commands = conversations.add_subparsers(
        dest="conversations_command", metavar=_("ACTION"), required=True, parser_class=_Parser
    )
    note = conversation_commands.add_parser(
        "gp-note",
        help=_("print the note for the GP's record (SOEP) as plain text"),
        description=_(
            "Print the note for the GP's record of a completed conversation. Every part is in it "
            "except the ICPC codes; --keys lists the parts, --leave leaves parts out, --tick adds "
            "parts (such as an ICPC code). Printing it is written to the audit trail as an export."
        ),
        parents=[common],
    )
    note.add_argument("conversation", type=_positive_int, metavar=_("CONVERSATION_ID"))
    note.add_argument(
        "--leave", action="append", default=[], metavar=_("KEY"), help=_("leave this part out (repeatable)")
    )
    note.add_argument("--tick", action="append", default=[], metavar=_("KEY"), help=_("add this part (repeatable)"))
    note.add_argument("--keys", action="store_true", help=_("list the parts and their keys instead"))
    summary = conversation_commands.add_parser(
        "client-summary", help=_("save the client's one-page summary as PDF"), parents=[common]
    )
    summary.add_argument("conversation", type=_positive_int, metavar=_("CONVERSATION_ID"))
    summary.add_argument("--out", type=_path_argument, required=True, metavar=_("FILE.pdf"))

    clients = commands.add_parser("clients", help=_("list or search clients"), parents=[common])
    clients.add_argument(
        "--search", default="", metavar=_("TEXT"), help=_("part of a name, a birth date or a client number")
    )
    clients.add_argument("--json", action="store_true", help=_("machine-readable output"))

    backup = commands.add_parser(
        "backup",
        help=_("copy the database to a file, encrypted like the database"),
        description=_(
            "Copy the database to a file while it may be in use. The copy is encrypted with the "
            "same passphrase as the database and checked before it is put in place."
        ),
        parents=[common],
    )
    backup.add_argument("--out", type=_path_argument, required=True, metavar=_("FILE"), help=_("the new backup file"))

    copy = commands.add_parser(
        "copy-to-server",
        help=_("copy the practice in the database file onto an empty PostgreSQL server database"),
        description=_(
            "Copy every row of the database file (--db, or the default one) into an empty database on a "
            "PostgreSQL server, all or nothing, and check the copy. The server database gets the same "
            "passphrase ({variable}); names and texts are encrypted with it before they reach the server. "
            "The file keeps everything. Who signs in must run the practice (manage its settings)."
        ).format(variable=PASSPHRASE_VARIABLE),
        parents=[common],
    )
    copy.add_argument(
        "server",
        type=_server_argument,
        metavar=_("ADDRESS"),
        help=_("the empty server database: postgresql://user@host:5432/database"),
    )

    use = commands.add_parser(
        "use-server",
        help=_("use the practice's server database on this workstation from now on (or the file here again)"),
        description=_(
            "Remember the practice's server database for this workstation, as the welcome does at a first start: "
            "the app and the commands then use it without --db. The server is tried first; the address is kept "
            "without its password, which goes owner-only into libpq's password file in broadtalk's settings "
            "folder. Without an address: which database this workstation uses."
        ),
    )
    use.add_argument(
        "server",
        nargs="?",
        type=_server_argument,
        metavar=_("ADDRESS"),
        help=_("the server database: postgresql://user:password@host:5432/database"),
    )
    use.add_argument("--here", action="store_true", help=_("use the database file on this computer again"))

    commands.add_parser(
        "check",
        help=_("check the database file whole, page by page"),
        description=_(
            "Check the database file whole (every page is read), as is done before every backup. "
            "A damaged database is reported with the way out: restore a backup. The file is only read; "
            "the app and other commands may go on using it. Nobody needs to be signed in."
        ),
        parents=[common],
    )

    restore = commands.add_parser(
        "restore",
        help=_("replace the database by a backup"),
        description=_(
            "Replace the database by a backup. The backup is opened with BROADTALK_BACKUP_PASSPHRASE (or else "
            "BROADTALK_PASSPHRASE) and checked whole first; a damaged, foreign or newer file is refused and "
            "nothing changes. The restored database keeps the database's passphrase (a backup that is not "
            "encrypted is encrypted on the way in). The audit entries written after the backup are carried "
            "over and the erasures done after it are done again. The database as it is now is first copied "
            "to the backups folder. Refused while the app or another command has the database open."
        ),
        parents=[common],
    )
    restore.add_argument("file", type=_path_argument, metavar=_("FILE"), help=_("the backup file"))
    restore.add_argument("--yes", action="store_true", help=_("really replace the database"))
    restore.add_argument(
        "--replace-practice",
        action="store_true",
        help=_("accept a backup of another database (another practice or installation) and replace this one by it"),
    )

    audit_trail = commands.add_parser(
        "audit", help=_("the audit trail: who did what with which record, oldest first"), parents=[common]
    )
    choice = audit_trail.add_mutually_exclusive_group()
    choice.add_argument(
        "--client",
        type=_positive_int,
        default=None,
        metavar=_("CLIENT_ID"),
        help=_("only the entries about this client"),
    )
    choice.add_argument(
        "--check",
        action="store_true",
        help=_("check that no entry was changed, removed or put in between, and none is missing from the end"),
    )
    choice.add_argument(
        "--renew-seal",
        action="store_true",
        help=_(
            "sign the trail as it is now with this computer's key, after a problem the check reported was "
            "looked into (e.g. a database moved from another computer)"
        ),
    )
    audit_trail.add_argument("--json", action="store_true", help=_("machine-readable output"))

    record = commands.add_parser("record", help=_("a client's whole record: export, import, erase"), parents=[common])
    record_commands = record.add_subparsers(
        dest="record_command", metavar=_("ACTION"), required=True, parser_class=_Parser
    )
    record_export = record_commands.add_parser(
        "export",
        help=_("everything recorded about a client as one FHIR R4 Bundle (the right of access; a move)"),
        description=_(
            "Write everything broadtalk holds on a client (identity, conversations with their answers, scores, "
            "goals and actions, referrals with their steps, consents and disclosures) as one FHIR R4 Bundle: "
            "for the client's right of access, or to move the record to another practice."
        ),
        parents=[common],
    )
    record_export.add_argument("client", type=_positive_int, metavar=_("CLIENT_ID"))
    record_export.add_argument("--out", type=_path_argument, required=True, metavar=_("FILE.json"))
    record_import = record_commands.add_parser(
        "import",
        help=_("a client's record exported by broadtalk (record export) as a new client of this practice"),
        description=_(
            "Read a client's record written by 'record export' (another practice's, or this one's) and add it as a "
            "new client with everything in it. Refused, with nothing changed, when the file is not such a record, "
            "the client number is in use here, or a conversation's model is not available here."
        ),
        parents=[common],
    )
    record_import.add_argument("file", type=_path_argument, metavar=_("FILE.json"))
    erase = record_commands.add_parser(
        "erase",
        help=_("erase a client and everything recorded about them, for good"),
        description=_(
            "Erase a client with their conversations, referrals, consents and disclosures. The bytes "
            "are overwritten in the database file; the audit trail keeps an entry that says so. "
            "Backups made before still hold the client."
        ),
        parents=[common],
    )
    erase.add_argument("client", type=_positive_int, metavar=_("CLIENT_ID"))
    erase.add_argument("--yes", action="store_true", help=_("really erase"))

    retention = commands.add_parser(
        "retention", help=_("records past their retention period, for review"), parents=[common]
    )
    retention.add_argument("--json", action="store_true", help=_("machine-readable output"))
    retention.add_argument(
        "--set",
        nargs=2,
        default=None,
        metavar=(_("TYPE"), _("YEARS")),
        help=_("change a retention period first; TYPE is client_record or referral"),
    )
    retention.add_argument(
        "--today", type=_reference_day, default=None, metavar=_("DATE"), help=_("the reference day (default: today)")
    )

    commands.add_parser(
        "encrypt",
        help=_("encrypt a database that is not encrypted yet"),
        description=_(
            "Encrypt a plain database in place with the passphrase in BROADTALK_NEW_PASSPHRASE. "
            "No plain copy is kept; the plain bytes are overwritten. Close the app first."
        ),
        parents=[common],
    )
    commands.add_parser(
        "passphrase",
        help=_("change the passphrase of an encrypted database"),
        description=_(
            "Change the passphrase: the current one in BROADTALK_PASSPHRASE, the new one in "
            "BROADTALK_NEW_PASSPHRASE. Backups made before keep the old passphrase. Close the app first."
        ),
        parents=[common],
    )
    return parser


def _passphrase(variable: str = PASSPHRASE_VARIABLE) -> str | None:
    """A passphrase from the environment (an empty one counts as none)."""
    return os.environ.get(variable) or None


def _server_target(args: argparse.Namespace) -> str | None:
    """The server database of ``--db``, or without ``--db`` the server this workstation chose."""
    target = getattr(args, "db", None)
    if target is None:
        return config.remembered_server()
    return target if config.is_server_url(target) else None


def _database_path(args: argparse.Namespace, doing: str | None = None) -> Path:
    """The database file; a command about the file itself (``doing``: what it does, in words)
    is refused for a database on a server, with what to do instead."""
    target = _server_target(args)
    if target is not None and doing is not None:
        from broadtalk.store.server import location, parse

        raise RefusedError(
            _(
                "The practice database is on a server ({place}): {doing} is the server's own work there, done with "
                "the server's tools (pg_dump and its backups). Ask the server's administrator."
            ).format(place=location(parse(target)), doing=doing)
        )
    return Path(getattr(args, "db", None) or config.default_db_path()).expanduser()


def _backup_folder(args: argparse.Namespace) -> Path:
    """Where copies made on the way go: the data folder's, or a ``backups`` folder beside ``--db``."""
    if getattr(args, "db", None) is None or _server_target(args) is not None:
        return config.backup_dir()
    return _database_path(args).parent / "backups"


def _is_new(path: Path) -> bool:
    return not path.exists() or (path.is_file() and path.stat().st_size == 0)


def _missing_database(args: argparse.Namespace, path: Path) -> StoreError:
    if getattr(args, "db", None) is None:
        return StoreError(
            _("There is no database at {path} yet; start the app once, or name a database with --db.").format(path=path)
        )
    return StoreError(_("There is no database at {path}; check the path given with --db.").format(path=path))


def _open_database(args: argparse.Namespace, *, create: bool = True):
    """The database of ``--db`` (or the default one), opened with ``BROADTALK_PASSPHRASE``.

    Reading commands do not create a file a typo in ``--db`` would otherwise conjure up; a new
    database is made only with a passphrase, and is encrypted with it."""
    from broadtalk.store.database import PASSPHRASE_MIN_LENGTH, Database

    passphrase = _passphrase()
    target = _server_target(args)
    if target is not None:
        from broadtalk.store.server import ServerDatabase

        return ServerDatabase.open(target, passphrase=passphrase, create=create)
    path = _database_path(args)
    if _is_new(path):
        if not create:
            raise _missing_database(args, path)
        if passphrase is None:
            raise StoreError(
                _(
                    "There is no database at {path} yet, and a new database is encrypted: set its passphrase "
                    "(at least {count} characters) in the environment variable {variable} and run the command again."
                ).format(path=path, count=PASSPHRASE_MIN_LENGTH, variable=PASSPHRASE_VARIABLE)
            )
    db = Database.open(path, passphrase=passphrase, backup_dir=_backup_folder(args))
    try:
        if _exports_pending(db):  # the handover package is loaded only when there is one to settle
            from broadtalk.handover.export import recover_interrupted_exports

            recovered = recover_interrupted_exports(db)  # an export a kill interrupted: finished or undone
            if recovered.message():
                print(_printable(f"broadtalk: {recovered.message()}"), file=sys.stderr)
    except BaseException:
        db.close()
        raise
    return db


#: ``handover.export.JOURNAL_PREFIX``, the settings an export in progress leaves (a test holds
#: the two together): looked for here without loading the handover package for every command.
EXPORT_JOURNAL_PREFIX = "export_pending:"


def _exports_pending(db) -> bool:
    from sqlmodel import col, select

    from broadtalk.store.tables import Setting

    with db.transaction() as tx:
        found = tx.exec(select(Setting.key).where(col(Setting.key).startswith(EXPORT_JOURNAL_PREFIX)).limit(1))
        return found.first() is not None


#: What was typed at the sign-in prompt during this command: a command that signs in more than
#: once (on more than one database) asks once. Emptied when a command starts.
_typed: dict[str, str] = {}


def _at_a_terminal() -> bool:
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (ValueError, OSError):  # a closed or odd stdin
        return False


class _TerminalPrompt:
    """Asks for the practitioner number and, without echo, the PIN. Prompts go to stderr, so
    what a command prints (JSON) stays clean when it is redirected."""

    def practitioner_number(self, accounts) -> str:
        from broadtalk.practitioners import role_label
        from broadtalk.sign_in import USER_VARIABLE

        print(_("Who is signing in? The practitioners who can sign in:"), file=sys.stderr)
        for account in accounts:
            print(
                _printable(f"  {account.id:>5}  {account.name} ({role_label(account.role)})"),
                file=sys.stderr,
            )
        sys.stderr.write(_("Your practitioner number: "))
        sys.stderr.flush()
        answer = sys.stdin.readline().strip()
        _typed[USER_VARIABLE] = answer
        return answer

    def secret(self) -> str:
        import getpass

        from broadtalk.sign_in import PIN_VARIABLE

        answer = getpass.getpass(_("Your PIN or password: "))
        _typed[PIN_VARIABLE] = answer
        return answer


def _acting(db):
    """Who this command acts as: a practitioner who signs in with their PIN (a failed attempt
    is audited and counts towards the lock-out), from BROADTALK_USER and BROADTALK_PIN or, in a
    terminal, asked. Without either: a refusal that says how to sign in."""
    from broadtalk.sign_in import PIN_VARIABLE, USER_VARIABLE, SignInNeeded, environment_actor

    environ = {**os.environ, **_typed}
    try:
        return environment_actor(db, environ, prompt=_TerminalPrompt() if _at_a_terminal() else None)
    except SignInNeeded:
        raise RefusedError(
            _(
                "Sign in first: set {user} to your practitioner number and {pin} to your PIN or password, "
                "or run the command in a terminal to be asked for them."
            ).format(user=USER_VARIABLE, pin=PIN_VARIABLE)
        ) from None


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))


# -- commands -----------------------------------------------------------------------------------


def cmd_forms_list(args: argparse.Namespace) -> int:
    from broadtalk.forms.export import model_summary
    from broadtalk.forms.library import available_models

    db = _open_database(args, create=False)
    try:
        _acting(db)
        with db.transaction() as tx:
            entries = available_models(tx)
    finally:
        db.close()
    if args.json:
        _print_json([model_summary(entry.model, builtin=entry.builtin) for entry in entries])
        return EXIT_OK
    for entry in entries:
        model = entry.model
        origin = _("built-in") if entry.builtin else _("own")
        domains = i18n.ngettext("{n} domain", "{n} domains", len(model.domains)).format(n=len(model.domains))
        print(f"{model.id:<24} v{model.version:<3} {origin:<10} {domains:<12} {model.display_title()}")
    return EXIT_OK


def cmd_forms_validate(args: argparse.Namespace) -> int:
    from broadtalk.forms.loader import load_model_file

    status = EXIT_OK
    for path in args.files:
        result = load_model_file(path)
        if result.ok:
            assert result.model is not None
            print(
                _("{file}: valid ({id} version {version}; domains: {domains}, items: {items})").format(
                    file=path.name,
                    id=result.model.id,
                    version=result.model.version,
                    domains=len(result.model.domains),
                    items=len(result.model.all_items()),
                )
            )
        else:
            status = EXIT_REFUSED
            for line in result.messages():
                print(_printable(line), file=sys.stderr)
    return status


def cmd_forms_import(args: argparse.Namespace) -> int:
    from broadtalk.forms.library import import_model

    db = _open_database(args, create=False)
    try:
        actor = _acting(db)
        with db.transaction() as tx:
            outcome = import_model(tx, actor, args.file)
    finally:
        db.close()
    model = outcome.model
    if outcome.created:
        print(
            _("Imported '{title}' ({id} version {version}).").format(
                title=model.display_title(), id=model.id, version=model.version
            )
        )
    else:
        print(
            _("'{id}' version {version} was already imported; nothing changed.").format(
                id=model.id, version=model.version
            )
        )
    return EXIT_OK


def cmd_forms_export(args: argparse.Namespace) -> int:
    """``forms export``: a conversation model as JSON (a FHIR Questionnaire with ``--fhir``). A
    model holds no client data; whoever may use broadtalk may export one."""
    from broadtalk.files import write_private_bytes
    from broadtalk.forms.export import model_summary
    from broadtalk.forms.library import available_models
    from broadtalk.text import shown_value

    if args.out is not None and args.out.suffix.lower() != ".json":
        raise InputError(_("The file name must end in .json, e.g. model.json."))
    db = _open_database(args, create=False)
    try:
        _acting(db)
        with db.transaction() as tx:
            entries = [e for e in available_models(tx) if e.model.id == args.model]
    finally:
        db.close()
    if not entries:
        raise NotFoundError(
            _("There is no conversation model '{id}'; 'broadtalk forms list' shows the models.").format(
                id=shown_value(args.model)
            )
        )
    wanted = [e for e in entries if args.version is None or e.model.version == args.version]
    if not wanted:
        raise NotFoundError(
            _("'{id}' has no version {version}; it has: {versions}.").format(
                id=shown_value(args.model),
                version=args.version,
                versions=", ".join(str(e.model.version) for e in sorted(entries, key=lambda e: e.model.version)),
            )
        )
    entry = max(wanted, key=lambda e: e.model.version)
    if args.fhir:
        from broadtalk.interop import fhir
        from broadtalk.interop.questionnaire import questionnaire

        resource = questionnaire(entry.model)
        fhir.validate(resource)
        data = fhir.to_bytes(resource)
    else:
        data = (
            json.dumps(model_summary(entry.model, builtin=entry.builtin), ensure_ascii=False, indent=2) + "\n"
        ).encode()
    if args.out is None:
        sys.stdout.write(data.decode("utf-8"))
        return EXIT_OK
    try:
        write_private_bytes(args.out, data)
    except OSError as error:
        raise InputError(
            _("{file} cannot be written ({reason}); choose another place.").format(
                file=args.out, reason=os_reason(error)
            )
        ) from None
    print(_("Written: {file}").format(file=args.out))
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    """Nobody signs in: the demo goes only into a database nobody uses yet (``generate_demo``
    refuses any other), and its people are fictional, each with the published demo PIN."""
    from broadtalk.demo import DEMO_SECRET, generate_demo
    from broadtalk.practitioners import role_label
    from broadtalk.sign_in import PIN_VARIABLE, USER_VARIABLE, can_sign_in

    db = _open_database(args)
    try:
        report = generate_demo(db, clients=args.clients, seed=args.seed, today=args.today or i18n.dutch_today())
        with db.transaction() as tx:
            accounts = can_sign_in(tx)
    finally:
        db.close()
    print(
        _("Demo data made. Clients: {clients}, conversations: {conversations}, practitioners: {practitioners}.").format(
            clients=report.clients, conversations=report.conversations, practitioners=report.practitioners
        )
    )
    print(
        _("Sign in as one of them with {user}=NUMBER and {pin}={secret}:").format(
            user=USER_VARIABLE, pin=PIN_VARIABLE, secret=DEMO_SECRET
        )
    )
    for account in sorted(accounts, key=lambda a: a.id):
        print(f"  {account.id:>5}  {account.name} ({role_label(account.role)})")
    return EXIT_OK


def cmd_clients(args: argparse.Namespace) -> int:
    from broadtalk import audit
    from broadtalk.clients import search_clients

    db = _open_database(args, create=False)
    try:
        actor = _acting(db)
        with db.transaction() as tx:
            found = search_clients(tx, actor, args.search)
            audit.record(tx, actor, audit.Action.LIST, object_type="client", detail=str(len(found)))
    finally:
        db.close()
    if args.json:
        _print_json(
            [
                {
                    "id": c.id,
                    "client_number": c.client_number,
                    "name": c.name,
                    "given_name": c.given_name,
                    "name_prefix": c.name_prefix,
                    "family_name": c.family_name,
                    "birth_date": c.birth_date.isoformat(),
                    "city": c.city,
                    "conversations": c.conversation_count,
                }
                for c in found
            ]
        )
        return EXIT_OK
    if not found:
        print(_("No clients found."))
        return EXIT_OK
    for c in found:
        print(f"{c.client_number}  {i18n.format_short_date(c.birth_date)}  {c.sort_name}")
    return EXIT_OK


def cmd_referrals(args: argparse.Namespace) -> int:
    from broadtalk import audit
    from broadtalk.referral_steps import status_label
    from broadtalk.referrals import list_referrals

    today = i18n.dutch_today()
    db = _open_database(args, create=False)
    try:
        actor = _acting(db)
        with db.transaction() as tx:
            found = list_referrals(tx, actor, overdue_only=args.overdue, today=today)
            audit.record(tx, actor, audit.Action.LIST, object_type="referral", detail=str(len(found)))
    finally:
        db.close()
    if args.json:
        _print_json(
            [
                {
                    "id": r.id,
                    "reference": r.reference,
                    "client_id": r.client_id,
                    "recipient": r.recipient,
                    "status": r.status,
                    "urgency": r.urgency,
                    "sent_at": r.sent_at.isoformat() if r.sent_at else None,
                    "consent_status": r.consent_status(today),
                    "shared_domains": list(r.consent.domains) if r.consent else [],
                }
                for r in found
            ]
        )
        return EXIT_OK
    if not found:
        print(_("No referrals found."))
    for r in found:
        print(f"{r.id:>6}  {r.reference}  {status_label(r.status):<20} {r.recipient}")
    return EXIT_OK


def cmd_feedback_import(args: argparse.Namespace) -> int:
    """``referrals feedback import``: the recipient's Task recorded as the referral's steps."""
    from broadtalk.interop.feedback import read_answer_file, record_feedback
    from broadtalk.referral_steps import status_label

    task = read_answer_file(args.file)  # what is wrong with the file is said before anyone signs in
    db = _open_database(args, create=False)
    try:
        actor = _acting(db)
        with db.transaction() as tx:
            plan = record_feedback(tx, actor, task)
    finally:
        db.close()
    for step in plan.steps:
        print(
            _("Referral {reference}: '{status}' recorded on {date}.").format(
                reference=plan.reference, status=status_label(step.status), date=i18n.format_short_date(step.on)
            )
        )
    return EXIT_OK


def cmd_handover(args: argparse.Namespace) -> int:
    from broadtalk.handover.export import (
        CLIENT_COPY,
        HANDOVER_FHIR,
        HANDOVER_PDF,
        WITHDRAWAL_CONFIRMATION,
        WITHDRAWAL_NOTICE,
        check_document_target,
        export_document,
    )

    kind = {
        "pdf": HANDOVER_PDF,
        "client-copy": CLIENT_COPY,
        "withdrawal-notice": WITHDRAWAL_NOTICE,
        "withdrawal-confirmation": WITHDRAWAL_CONFIRMATION,
    }[args.handover_command]
    fhir_out = getattr(args, "fhir", None)
    if fhir_out is not None:
        check_document_target(fhir_out, HANDOVER_FHIR)
        if fhir_out.absolute() == args.out.absolute():
            raise InputError(_("Give the PDF and the FHIR data two different file names."))
    db = _open_database(args, create=False)
    try:
        actor = _acting(db)
        with db.transaction() as tx:
            # One transaction: both documents with their disclosures, or neither.
            written = [export_document(tx, actor, args.referral, kind, args.out)]
            if fhir_out is not None:
                written.append(export_document(tx, actor, args.referral, HANDOVER_FHIR, fhir_out))
    finally:
        db.close()
    for path in written:
        print(_("Written: {file}").format(file=path))
    return EXIT_OK


def _worker_count(text: str) -> int:
    value = _positive_int(text, 64)
    if value < 1:
        raise argparse.ArgumentTypeError(_("'{value}' is too small; give at least 1").format(value=text))
    return value


def cmd_handover_export(args: argparse.Namespace) -> int:
    """``handover export``: the batch export of handover documents (``handover.batch``)."""
    from broadtalk.handover.batch import BatchParameters, open_batch, plan_batch, run_batch, worker_count

    if args.until is not None and args.until < args.since:
        raise InputError(_("The end date lies before the start date; give an end date on or after the start."))
    recipient = " ".join(args.recipient.split()) if args.recipient is not None else None
    if args.recipient is not None and not recipient:
        raise InputError(_("Give the name of the recipient organisation after --recipient."))
    parameters = BatchParameters(
        since=args.since,
        until=args.until,
        recipient=recipient,
        client_copy=args.client_copy,
        group=args.group,
        fhir=args.fhir,
    )
    import signal
    import threading

    db = _open_database(args, create=False)
    try:
        actor = _acting(db)
        with db.transaction() as tx:
            plan = plan_batch(tx, actor, parameters)
        folder = open_batch(args.out, plan)
        # Processes cost about a second to start: a small batch is made in this process.
        workers = args.workers or worker_count(plan.document_count)
        cancel = threading.Event()  # Ctrl-C stops between two documents; the index says what is left
        previous = signal.signal(signal.SIGINT, lambda _signal, _frame: cancel.set())
        try:
            result = run_batch(db, actor, plan, folder, workers=workers, cancel=cancel)
        finally:
            signal.signal(signal.SIGINT, previous)
    finally:
        db.close()
    exported, missing = len(result.exported), len(result.not_exported)
    print(
        ngettext("{count} referral exported to {folder}", "{count} referrals exported to {folder}", exported).format(
            count=exported, folder=folder.out
        )
    )
    if missing:
        print(
            ngettext(
                "{count} referral not exported; the reason is in {file}",
                "{count} referrals not exported; the reasons are in {file}",
                missing,
            ).format(count=missing, file=folder.out / folder.summary_name)
        )
    if result.cancelled:
        print(_("broadtalk: stopped; run the same command again to finish the export."), file=sys.stderr)
        return EXIT_REFUSED
    return EXIT_OK


def cmd_gp_note(args: argparse.Namespace) -> int:
    from broadtalk import gp_note

    db = _open_database(args, create=False)
    try:
        actor = _acting(db)
        with db.transaction() as tx:
            note = gp_note.compose(tx, actor, args.conversation)
            unknown = [key for key in (*args.leave, *args.tick) if key not in note.all_keys()]
            if unknown:
                raise InputError(
                    _("This note has no part '{key}'; --keys lists its parts.").format(key=_printable(unknown[0]))
                )
            ticked = (note.default_ticked() | set(args.tick)) - set(args.leave)
            if args.keys:  # ticked as --leave and --tick say
                text = "\n".join(f"{'x' if line.key in ticked else ' '} {line.key}  {line.text}" for line in note.lines)
            else:
                text = gp_note.as_text(note, ticked).rstrip("\n")
            gp_note.record_export(tx, actor, args.conversation)  # the parts list shows the content too
    finally:
        db.close()
    print(text)
    return EXIT_OK


def cmd_client_summary(args: argparse.Namespace) -> int:
    from broadtalk.handover.client_summary_export import export_summary

    db = _open_database(args, create=False)
    try:
        actor = _acting(db)
        with db.transaction() as tx:
            path = export_summary(tx, actor, args.conversation, args.out)
    finally:
        db.close()
    print(_("Written: {file}").format(file=path))
    return EXIT_OK


def cmd_monitor(args: argparse.Namespace) -> int:
    """``monitor``: the monitor's figures to a CSV file or a PDF report (``monitoring_report``)."""
    from broadtalk.audit import require
    from broadtalk.monitoring import Filter, count_for
    from broadtalk.monitoring_report import report_names, write_csv, write_pdf
    from broadtalk.permissions import Permission
    from broadtalk.workstation import practice_name

    by = list(dict.fromkeys(args.by))
    area_scores = None
    if args.area_scores is not None:
        if "area" not in by:
            raise InputError(_("--area-scores puts the postal code areas in order; add --by area."))
        from broadtalk.area_scores import load_area_scores

        area_scores = load_area_scores(args.area_scores)
    view = Filter(args.period, practitioner_id=args.practitioner, model_id=args.model)
    db = _open_database(args, create=False)
    try:
        actor = _acting(db)
        require(actor, Permission.VIEW_REFERRAL_STATUS)  # before a name is looked up
        with db.transaction() as tx:
            names = report_names(tx, view)
            practice = practice_name(tx) or None
        # Counted reading only (a year takes seconds in a large practice: no write lock held).
        counted = count_for(db, actor, view, by=by, area_scores=area_scores)
        figures, equities = counted.figures, list(counted.equities)
    finally:
        db.close()
    if args.csv is not None:
        write_csv(args.csv, figures, equities, names=names)
    else:
        write_pdf(args.pdf, figures, equities, practice_name=practice, names=names)
    print(_("Written: {file}").format(file=args.csv or args.pdf))
    return EXIT_OK


# -- protecting the data: backups, restore, audit trail, erasure, retention, encryption ---------


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def cmd_backup(args: argparse.Namespace) -> int:
    from broadtalk.backups import check_backup_target, make_backup

    _database_path(args, _("a backup"))  # a server database's backups are the server's
    db = _open_database(args, create=False)
    try:
        target = check_backup_target(db, args.out)  # before anyone acts: a refusal changes nothing
        written = make_backup(db, _acting(db), target)
        encrypted = db.encrypted
    finally:
        db.close()
    if encrypted:
        print(_("Backup written to {file}, encrypted with the database's passphrase.").format(file=written))
    else:
        print(
            _(
                "Backup written to {file}. The database is not encrypted, so neither is the backup: keep it "
                "safe, or encrypt the database first (broadtalk encrypt)."
            ).format(file=written)
        )
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    """The whole check of the file (``PRAGMA quick_check``), read-only; its verdict is kept."""
    from broadtalk.store.database import check_file

    path = _database_path(args, _("checking every page of the file"))
    if _is_new(path):
        raise _missing_database(args, path)
    check_file(path, _passphrase())  # a damaged file: DamagedDatabase, the message and the way out
    print(_("The database {path} is intact: every page was read and checked.").format(path=path))
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    from broadtalk.audit import require
    from broadtalk.backups import check_restore_source, restore
    from broadtalk.permissions import Permission
    from broadtalk.store.database import Database

    target = _database_path(args, _("a restore"))
    source = Path(args.file).expanduser()
    passphrase = _passphrase()
    backup_passphrase = _passphrase(BACKUP_PASSPHRASE_VARIABLE) or passphrase
    safety_dir = _backup_folder(args)
    if _same_file(source, target):
        raise InputError(_("{path} is the database itself; choose a backup file to restore.").format(path=source))
    check_restore_source(None, None, source, backup_passphrase)  # the whole backup, read-only, first
    if not args.yes:
        raise RefusedError(
            _(
                "Restoring replaces the database {db} by the backup {file}; the database as it is now is first "
                "copied to {folder}. Run the command again with --yes to go ahead."
            ).format(db=target, file=source, folder=safety_dir)
        )
    actor = None
    if not _is_new(target):
        # When the current database opens, its role matrix decides. A damaged one (the usual
        # reason to restore) cannot say: whoever holds the passphrase may restore it, the
        # damaged file's bytes are kept aside and the restore entry names no one.
        try:
            current = Database.open(target, passphrase=passphrase, backup_dir=safety_dir)
        except StoreError:
            current = None
        if current is not None:
            try:
                actor = _acting(current)
                with current.transaction():  # a refusal is written to the audit trail
                    require(actor, Permission.RESTORE)
            finally:
                current.close()
    target.parent.mkdir(parents=True, exist_ok=True)
    result = restore(
        target,
        source,
        backup_passphrase=backup_passphrase,
        passphrase=passphrase,
        actor=actor,
        safety_dir=safety_dir,
        replace_practice=args.replace_practice,
    )
    print(_("Restored {db} from {file}.").format(db=target, file=source))
    if result.safety is not None:
        print(_("The database as it was is kept in {safety}.").format(safety=result.safety))
    if result.encrypted_on_the_way:
        print(_("The backup was not encrypted; the restored database is encrypted with the passphrase."))
    if result.carried:
        print(
            ngettext(
                "{count} audit entry written after the backup was carried over.",
                "{count} audit entries written after the backup were carried over.",
                result.carried,
            ).format(count=result.carried)
        )
    if result.reapplied:
        print(
            ngettext(
                "{count} client erased after the backup was made was erased again.",
                "{count} clients erased after the backup was made were erased again.",
                result.reapplied,
            ).format(count=result.reapplied)
        )
    if result.lost:
        print(
            ngettext(
                "{count} audit entry of the replaced database could not be carried over (it could not be read); "
                "it is in the copy kept aside.",
                "{count} audit entries of the replaced database could not be carried over (it could not be read); "
                "they are in the copy kept aside.",
                result.lost,
            ).format(count=result.lost)
        )
    if result.other_database:
        print(_("This practice's data was replaced by another database's backup; the audit trail says so."))
    return EXIT_OK


def _audit_line(row: dict[str, Any], at: datetime) -> str:
    from broadtalk.audit import action_label, detail_label, object_label, outcome_label
    from broadtalk.practitioners import role_label

    role = role_label(row["role"]) if row["role"] else ""
    kind = object_label(str(row["object_type"]))
    what = kind if row["object_id"] is None else f"{kind} {row['object_id']}"
    client = _("client {id}").format(id=row["client_id"]) if row["client_id"] is not None else ""
    fields = (
        i18n.format_datetime(at, "short"),
        row["user"] or "-",
        role,
        action_label(str(row["action"])),
        what,
        client,
        outcome_label(str(row["outcome"])),
        detail_label(str(row["detail"])),
    )
    return "  ".join(str(f) for f in fields if f)


def cmd_audit(args: argparse.Namespace) -> int:
    from broadtalk import audit

    db = _open_database(args, create=False)
    try:
        actor = _acting(db)
        if args.renew_seal:
            with db.transaction() as tx:
                audit.renew_seal(tx, actor)
            print(_("The audit trail's seal is renewed with this computer's key."))
            return EXIT_OK
        with db.transaction() as tx:
            if args.check:
                report = audit.check_chain(tx, actor, db_path=db.place)
            else:
                entries = audit.list_entries(tx, actor, audit.AuditFilter(client_id=args.client))
                entries.reverse()  # oldest first, like a log
                rows = [audit.as_json_row(entry) for entry in entries]
    finally:
        db.close()
    if args.check:
        if args.json:
            _print_json(
                {
                    "intact": report.intact,
                    "entries": report.entries,
                    "broken_at": report.broken_at,
                    "reason": report.reason,
                    "missing": list(report.missing) if report.missing else None,
                }
            )
        if report.intact:
            if not args.json:
                print(
                    ngettext(
                        "The audit trail is intact: {count} entry.",
                        "The audit trail is intact: {count} entries.",
                        report.entries,
                    ).format(count=report.entries)
                )
            return EXIT_OK
        print(_("broadtalk: the audit trail is broken. {reason}").format(reason=report.reason), file=sys.stderr)
        return EXIT_REFUSED
    if args.json:
        _print_json(rows)
        return EXIT_OK
    if not rows:
        print(_("No audit entries found."))
    for entry, row in zip(entries, rows, strict=True):
        print(_audit_line(row, entry.at))
    return EXIT_OK


def cmd_record_export(args: argparse.Namespace) -> int:
    from broadtalk.interop.record import check_json_target, export_record

    check_json_target(args.out)
    db = _open_database(args, create=False)
    try:
        actor = _acting(db)
        with db.transaction() as tx:
            path = export_record(tx, actor, args.client, args.out)
    finally:
        db.close()
    print(_("Written: {file}").format(file=path))
    return EXIT_OK


def cmd_record_import(args: argparse.Namespace) -> int:
    from broadtalk.interop.record import import_record, read_record_file

    record = read_record_file(args.file)  # what is wrong with the file is said before anyone signs in
    db = _open_database(args, create=False)
    try:
        actor = _acting(db)
        with db.transaction() as tx:
            client_id = import_record(tx, actor, record)
    finally:
        db.close()
    print(
        _("Imported as client {id} ({number}): {conversations} conversations, {referrals} referrals.").format(
            id=client_id,
            number=record.identity.client_number,
            conversations=len(record.conversations),
            referrals=len(record.referrals),
        )
    )
    return EXIT_OK


def cmd_record_erase(args: argparse.Namespace) -> int:
    from broadtalk.erasure import erase_client, finish_erasure

    if not args.yes:
        raise RefusedError(
            _(
                "Erasing client {id} removes the client and everything recorded about them (conversations, "
                "referrals, consents) for good. Run the command again with --yes to erase."
            ).format(id=args.client)
        )
    db = _open_database(args, create=False)
    try:
        actor = _acting(db)
        with db.transaction() as tx:
            report = erase_client(tx, actor, args.client)
        # Done only when no copy of the erased pages stays behind (the log folded into the file).
        unfinished = finish_erasure(db, report)
    finally:
        db.close()
    if unfinished is not None:  # erased in the database, but another broadtalk still holds old pages
        print(_printable(f"broadtalk: {unfinished}"), file=sys.stderr)
        return EXIT_REFUSED
    print(
        _(
            "Client {number} erased (conversations: {conversations}, referrals: {referrals}, consents: {consents}, "
            "disclosures: {disclosures}). Backups made before still hold the client."
        ).format(
            number=report.client_number,
            conversations=report.conversations,
            referrals=report.referrals,
            consents=report.consents,
            disclosures=report.disclosures,
        )
    )
    return EXIT_OK


def cmd_retention(args: argparse.Namespace) -> int:
    from broadtalk.retention import RecordType, due_for_review, retention_periods, set_retention_period

    today = args.today or i18n.dutch_today()
    years = None
    if args.set is not None:  # checked before the database is opened
        kind, years_text = args.set
        try:
            years = int(years_text)
        except ValueError:
            raise InputError(_("'{value}' is not a whole number of years.").format(value=years_text[:40])) from None
    db = _open_database(args, create=False)
    try:
        actor = _acting(db)
        if args.set is not None:
            with db.transaction() as tx:
                set_retention_period(tx, actor, kind, years)
        with db.transaction() as tx:
            periods = retention_periods(tx)
            items = due_for_review(tx, actor, today)
    finally:
        db.close()
    if args.json:
        _print_json(
            {
                "periods": {kind.value: years for kind, years in periods.items()},
                "due": [
                    {
                        "record_type": item.record_type.value,
                        "client_id": item.client_id,
                        "client_number": item.client_number,
                        "client_name": item.client_name,
                        "object_id": item.object_id,
                        "last_activity": item.last_activity.isoformat(),
                        "due": item.due.isoformat(),
                    }
                    for item in items
                ],
            }
        )
        return EXIT_OK
    print(
        _("Retention periods: client records {client} years, closed referrals {referral} years.").format(
            client=periods[RecordType.CLIENT_RECORD], referral=periods[RecordType.REFERRAL]
        )
    )
    if not items:
        print(_("Nothing is due for review."))
    for item in items:
        who = item.client_number if item.client_name is None else f"{item.client_number} {item.client_name}"
        print(
            _("due {due}  {type} {id}: {who} (last activity {last})").format(
                due=i18n.format_short_date(item.due),
                type=item.record_type_label,
                id=item.object_id,
                who=who,
                last=i18n.format_short_date(item.last_activity),
            )
        )
    return EXIT_OK


def _new_passphrase() -> str:
    from broadtalk.store.database import PASSPHRASE_MIN_LENGTH, check_new_passphrase

    new = _passphrase(NEW_PASSPHRASE_VARIABLE)
    if new is None:
        raise InputError(
            _(
                "Set the new passphrase (at least {count} characters) in the environment variable {variable} "
                "and run the command again."
            ).format(count=PASSPHRASE_MIN_LENGTH, variable=NEW_PASSPHRASE_VARIABLE)
        )
    return check_new_passphrase(new)


def cmd_encrypt(args: argparse.Namespace) -> int:
    from broadtalk import audit
    from broadtalk.audit import require
    from broadtalk.permissions import Permission
    from broadtalk.store import migrations
    from broadtalk.store.database import Database, encrypt_database, inspect_file, is_encrypted_file, list_backups

    path = _database_path(args, _("encrypting a file"))
    if _is_new(path):
        raise _missing_database(args, path)
    new = _new_passphrase()
    if is_encrypted_file(path):
        current = _passphrase()
        if current is not None:
            inspect_file(path, current)  # a wrong passphrase or a damaged file says so
        raise RefusedError(
            _(
                "The database {path} is already encrypted (or it is not a database); nothing was changed. "
                "To change its passphrase use 'broadtalk passphrase'."
            ).format(path=path)
        )
    state = inspect_file(path, None)
    if state.revision is None:
        raise StoreError(_("{path} holds no broadtalk data; nothing was changed.").format(path=path))
    actor = None
    if state.revision == migrations.head_revision():
        # Roles exist: the practitioner must be allowed to change the practice's settings.
        # (An older database has no roles yet; it is encrypted first and brought up to date
        # after, so no plain copy is made on the way.)
        plain = Database.open(path, migrate=False)
        try:
            actor = _acting(plain)
            with plain.transaction() as tx:
                require(actor, Permission.MANAGE_SETTINGS)
        finally:
            plain.close()
    encrypt_database(path, new)
    folder = _backup_folder(args)
    db = Database.open(path, passphrase=new, backup_dir=folder)
    try:
        actor = actor or _acting(db)
        with db.transaction() as tx:
            audit.record(tx, actor, audit.Action.CHANGE, object_type="database", detail="encrypted")
    finally:
        db.close()
    print(
        _(
            "The database {path} is encrypted. From now on give its passphrase in {variable} on the command "
            "line, or when the app asks; without it the data cannot be read."
        ).format(path=path, variable=PASSPHRASE_VARIABLE)
    )
    plain_backups = [p for p in list_backups(folder) if not is_encrypted_file(p)]
    if plain_backups:
        print(
            ngettext(
                "{count} older backup in {folder} is not encrypted; remove it when it is no longer needed.",
                "{count} older backups in {folder} are not encrypted; remove them when they are no longer needed.",
                len(plain_backups),
            ).format(count=len(plain_backups), folder=folder)
        )
    return EXIT_OK


def cmd_passphrase(args: argparse.Namespace) -> int:
    from broadtalk import audit
    from broadtalk.audit import require
    from broadtalk.permissions import Permission

    current = _passphrase()
    if current is None:
        raise InputError(
            _("Set the current passphrase in {current} and the new one in {new}, and run the command again.").format(
                current=PASSPHRASE_VARIABLE, new=NEW_PASSPHRASE_VARIABLE
            )
        )
    new = _new_passphrase()
    if new == current:
        raise InputError(_("The new passphrase is the same as the current one; nothing was changed."))
    db = _open_database(args, create=False)
    try:
        if not db.encrypted:
            raise RefusedError(
                _("The database {path} is not encrypted; encrypt it with 'broadtalk encrypt'.").format(path=db.path)
            )
        actor = _acting(db)
        with db.transaction():  # a refusal is written to the audit trail
            require(actor, Permission.MANAGE_SETTINGS)
        # The audit entry is written into the re-encrypted copy before it replaces the file: the
        # new passphrase and its record come together or not at all.
        db.change_passphrase(
            current,
            new,
            lambda tx: audit.record(tx, actor, audit.Action.CHANGE, object_type="database", detail="passphrase"),
        )
        path, on_server = db.path, db.is_server
        place = getattr(db, "location", "")
    finally:
        db.close()
    if on_server:
        print(
            _(
                "The passphrase of the practice database on {place} is changed: every text is encrypted with the "
                "new one, and every workstation opens the data with it from now on. The server's own backups made "
                "before keep the old passphrase."
            ).format(place=place)
        )
        return EXIT_OK
    print(_("The passphrase of {path} is changed. Backups made before keep the old passphrase.").format(path=path))
    return EXIT_OK


def cmd_copy_to_server(args: argparse.Namespace) -> int:
    from broadtalk.audit import require
    from broadtalk.permissions import Permission
    from broadtalk.server_copy import copy_to_server
    from broadtalk.store.server import ServerDatabase

    _database_path(args, _("copying onto a server"))  # the source is a file
    passphrase = _passphrase()
    if passphrase is None:
        raise InputError(
            _(
                "Set the database's passphrase in {variable}: the server database is protected with the same one."
            ).format(variable=PASSPHRASE_VARIABLE)
        )
    source = _open_database(args, create=False)
    try:
        actor = _acting(source)
        with source.transaction():  # refused before the server is touched (and written to the trail)
            require(actor, Permission.MANAGE_SETTINGS)
        target = ServerDatabase.open(args.server, passphrase=passphrase)
        try:
            report = copy_to_server(source, actor, target)
            place = target.location
        finally:
            target.close()
        path = source.path
    finally:
        source.close()
    print(
        _(
            "The practice in {path} is copied to {place} and checked: {clients} clients, {rows} rows, "
            "{entries} audit entries. From now on every workstation opens the server database: 'broadtalk use-server "
            "ADDRESS' on this one, the welcome's choice of server at another's first start. The file keeps everything, with a note in its audit trail that it was copied: keep it "
            "safe as the way back, or remove it once the server is in use."
        ).format(path=path, place=place, clients=report.clients, rows=report.rows, entries=report.audit_entries)
    )
    return EXIT_OK


def cmd_use_server(args: argparse.Namespace) -> int:
    from broadtalk import server_choice
    from broadtalk.store.server import location, parse

    if args.here and args.server:
        raise InputError(_("Give a server address or --here, not both."))
    if args.here:
        config.forget_server()
        print(
            _("This workstation uses the database on this computer again ({path}).").format(
                path=config.default_db_path()
            )
        )
        return EXIT_OK
    if not args.server:
        chosen = config.remembered_server()
        if chosen is None:
            print(
                _("This workstation uses the database on this computer ({path}).").format(path=config.default_db_path())
            )
        else:
            print(_("This workstation uses the practice database on {place}.").format(place=location(parse(chosen))))
        return EXIT_OK
    split = server_choice.split_address(args.server)
    if split is None:
        raise InputError(
            _("The server address cannot be read; write it as {example}").format(example=server_choice.ADDRESS_EXAMPLE)
        )
    fields, secure = split
    server = server_choice.validate_server(
        fields[server_choice.HOST],
        fields[server_choice.PORT],
        fields[server_choice.DATABASE],
        fields[server_choice.USER],
        secure_only=secure,
    )
    password = fields[server_choice.PASSWORD]
    set_up = server_choice.try_server(server, password)
    try:
        address = server_choice.use_server(server, password)
    except OSError:
        raise StoreError(
            _("The choice of server could not be written to this computer's settings folder; nothing was kept.")
        ) from None
    place = location(parse(address))
    if set_up:
        print(_("This workstation uses the practice database on {place} from now on.").format(place=place))
    else:
        print(
            _(
                "This workstation uses the database on {place} from now on. It is empty: the app sets up the "
                "practice in it at its next start."
            ).format(place=place)
        )
    return EXIT_OK


COMMANDS: dict[tuple[str, str | None], Callable[[argparse.Namespace], int]] = {
    ("forms", "list"): cmd_forms_list,
    ("forms", "validate"): cmd_forms_validate,
    ("forms", "import"): cmd_forms_import,
    ("forms", "export"): cmd_forms_export,
    ("demo", None): cmd_demo,
    ("clients", None): cmd_clients,
    ("referrals", None): cmd_referrals,
    ("referrals", "feedback"): cmd_feedback_import,
    ("handover", "pdf"): cmd_handover,
    ("handover", "client-copy"): cmd_handover,
    ("handover", "withdrawal-notice"): cmd_handover,
    ("handover", "withdrawal-confirmation"): cmd_handover,
    ("handover", "export"): cmd_handover_export,
    ("monitor", None): cmd_monitor,
    ("conversations", "gp-note"): cmd_gp_note,
    ("conversations", "client-summary"): cmd_client_summary,
    ("backup", None): cmd_backup,
    ("check", None): cmd_check,
    ("copy-to-server", None): cmd_copy_to_server,
    ("use-server", None): cmd_use_server,
    ("restore", None): cmd_restore,
    ("audit", None): cmd_audit,
    ("record", "export"): cmd_record_export,
    ("record", "import"): cmd_record_import,
    ("record", "erase"): cmd_record_erase,
    ("retention", None): cmd_retention,
    ("encrypt", None): cmd_encrypt,
    ("passphrase", None): cmd_passphrase,
}


def _translate_argparse() -> None:
    """argparse looks up its messages (usage, errors) through module-level gettext functions."""
    argparse._ = i18n._  # type: ignore[attr-defined]
    argparse.ngettext = i18n.ngettext  # type: ignore[attr-defined]


def main(argv: Sequence[str] | None = None) -> int:
    private_umask()  # the database, backups, logs and documents are the owner's alone
    for stream in (sys.stdout, sys.stderr):  # a file name that is not UTF-8 is shown escaped, not a crash
        with suppress(AttributeError, ValueError):
            stream.reconfigure(errors="backslashreplace")
    _typed.clear()  # nothing typed at an earlier command's sign-in prompt carries over
    i18n.set_language(config.interface_language())
    _translate_argparse()
    setup_logging()
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is not None and args.startup_check:
        parser.error(
            _("--startup-check starts the desktop app; leave out the command '{command}'").format(command=args.command)
        )
    try:
        if args.command is None:
            from broadtalk.ui.app import run_app  # Qt is loaded only here

            return run_app(db_path=getattr(args, "db", None), startup_check=args.startup_check)
        action = (
            getattr(args, "forms_command", None)
            or getattr(args, "referrals_command", None)
            or getattr(args, "handover_command", None)
            or getattr(args, "record_command", None)
            or getattr(args, "conversations_command", None)
        )
        handler = COMMANDS[(args.command, action)]
        return handler(args)
    except BroadtalkError as error:
        print(_printable(f"broadtalk: {error.message}"), file=sys.stderr)
        return EXIT_REFUSED
    except KeyboardInterrupt:
        print(_("broadtalk: stopped."), file=sys.stderr)
        return EXIT_REFUSED
    except BrokenPipeError:  # the reader stopped reading (e.g. "| head"): nothing went wrong here
        with suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception as error:  # a bug: say so plainly, keep the details out of the terminal
        log_unexpected(error)
        print(
            _("broadtalk: something went wrong inside broadtalk ({kind}); details are in {log}.").format(
                kind=type(error).__name__, log=log_path()
            ),
            file=sys.stderr,
        )
        return EXIT_REFUSED
