"""The command line: ``broadtalk [--db PATH] COMMAND``. Without a command the desktop app starts.

Qt is imported only when the desktop app is started. Exit codes: 0 done, 1 bad input or refused
(one clear line on stderr, never a traceback), 2 usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from broadtalk import __version__, config, i18n
from broadtalk.errors import BroadtalkError
from broadtalk.i18n import _
from broadtalk.logs import log_path, log_unexpected, setup_logging

EXIT_OK, EXIT_REFUSED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Arguments that parse but make no sense (exit 2)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line plus the usage, exit 2, as argparse does
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, _("%(prog)s: error: %(message)s\n") % {"prog": self.prog, "message": message})


def _date_argument(text: str) -> date:
    from broadtalk.clients import parse_date

    parsed = parse_date(text)
    if parsed is None:
        raise argparse.ArgumentTypeError(_("'{value}' is not a date; use yyyy-mm-dd or dd-mm-yyyy").format(value=text))
    return parsed


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(_("'{value}' is not a whole number").format(value=text)) from None
    if value < 0:
        raise argparse.ArgumentTypeError(_("'{value}' is negative; give 0 or more").format(value=text))
    return value


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db",
        type=Path,
        default=argparse.SUPPRESS,
        metavar=_("PATH"),
        help=_("the database file (default: in your data folder)"),
    )
    parser = _Parser(
        prog="broadtalk",
        description=_(
            "broadtalk: the broad conversation and the warm handover. Without a command the desktop app starts."
        ),
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

    forms = commands.add_parser("forms", help=_("conversation models: list, validate, import"), parents=[common])
    forms_commands = forms.add_subparsers(
        dest="forms_command", metavar=_("ACTION"), required=True, parser_class=_Parser
    )
    listing = forms_commands.add_parser("list", help=_("list the conversation models"), parents=[common])
    listing.add_argument("--json", action="store_true", help=_("machine-readable output"))
    validate = forms_commands.add_parser(
        "validate", help=_("check model files and report every problem"), parents=[common]
    )
    validate.add_argument("files", nargs="+", type=Path, metavar=_("FILE"))
    importing = forms_commands.add_parser("import", help=_("add a practice's own model file"), parents=[common])
    importing.add_argument("file", type=Path, metavar=_("FILE"))

    demo = commands.add_parser("demo", help=_("fill a new database with fictional demo data"), parents=[common])
    demo.add_argument("--clients", type=_positive_int, required=True, metavar="N", help=_("how many clients"))
    demo.add_argument(
        "--seed", type=int, default=1, metavar="S", help=_("the same seed gives the same data (default 1)")
    )
    demo.add_argument(
        "--today", type=_date_argument, default=None, metavar=_("DATE"), help=_("the reference day (default: today)")
    )

    referrals = commands.add_parser("referrals", help=_("list referrals and their consent"), parents=[common])
    referrals.add_argument("--overdue", action="store_true", help=_("only those still waiting for feedback too long"))
    referrals.add_argument("--json", action="store_true", help=_("machine-readable output"))

    handover = commands.add_parser("handover", help=_("make handover documents"), parents=[common])
    handover_commands = handover.add_subparsers(
        dest="handover_command", metavar=_("ACTION"), required=True, parser_class=_Parser
    )
    for name, help_text in (
        ("pdf", _("the handover for the recipient, as consented")),
        ("client-copy", _("the client's own copy in simple words")),
    ):
        document = handover_commands.add_parser(name, help=help_text, parents=[common])
        document.add_argument("referral", type=_positive_int, metavar=_("REFERRAL_ID"))
        document.add_argument("--out", type=Path, required=True, metavar=_("FILE.pdf"))

    clients = commands.add_parser("clients", help=_("list or search clients"), parents=[common])
    clients.add_argument(
        "--search", default="", metavar=_("TEXT"), help=_("part of a name, a birth date or a client number")
    )
    clients.add_argument("--json", action="store_true", help=_("machine-readable output"))
    return parser


def _open_database(args: argparse.Namespace, *, create: bool = True):
    """The database of ``--db`` (or the default one). Reading commands do not create a file a
    typo in ``--db`` would otherwise conjure up."""
    from broadtalk.errors import StoreError
    from broadtalk.store.database import Database

    chosen = getattr(args, "db", None)
    path = chosen or config.default_db_path()
    if not create and chosen is not None and not Path(chosen).exists():
        raise StoreError(_("There is no database at {path}; check the path given with --db.").format(path=chosen))
    return Database.open(path, backup_dir=None if chosen else config.backup_dir())


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))


# -- commands -----------------------------------------------------------------------------------


def cmd_forms_list(args: argparse.Namespace) -> int:
    from broadtalk.forms.export import model_summary
    from broadtalk.forms.library import available_models

    db = _open_database(args)
    try:
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
                print(line, file=sys.stderr)
    return status


def cmd_forms_import(args: argparse.Namespace) -> int:
    from broadtalk.forms.library import import_model
    from broadtalk.practitioners import command_line_actor

    db = _open_database(args)
    try:
        with db.transaction() as tx:
            outcome = import_model(tx, command_line_actor(tx), args.file)
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


def cmd_demo(args: argparse.Namespace) -> int:
    from broadtalk.demo import generate_demo

    db = _open_database(args)
    try:
        report = generate_demo(db, clients=args.clients, seed=args.seed, today=args.today or date.today())
    finally:
        db.close()
    print(
        _("Demo data made. Clients: {clients}, conversations: {conversations}, practitioners: {practitioners}.").format(
            clients=report.clients, conversations=report.conversations, practitioners=report.practitioners
        )
    )
    return EXIT_OK


def cmd_clients(args: argparse.Namespace) -> int:
    from broadtalk.clients import search_clients

    db = _open_database(args, create=False)
    try:
        with db.transaction() as tx:
            found = search_clients(tx, args.search)
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
    from broadtalk.referrals import list_referrals, status_label

    today = date.today()
    db = _open_database(args, create=False)
    try:
        with db.transaction() as tx:
            found = list_referrals(tx, overdue_only=args.overdue, today=today)
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


def cmd_handover(args: argparse.Namespace) -> int:
    from broadtalk.handover.export import CLIENT_COPY, HANDOVER_PDF, export_document
    from broadtalk.practitioners import command_line_actor

    kind = HANDOVER_PDF if args.handover_command == "pdf" else CLIENT_COPY
    db = _open_database(args, create=False)
    try:
        with db.transaction() as tx:
            path = export_document(tx, command_line_actor(tx), args.referral, kind, args.out)
    finally:
        db.close()
    print(_("Written: {file}").format(file=path))
    return EXIT_OK


COMMANDS: dict[tuple[str, str | None], Callable[[argparse.Namespace], int]] = {
    ("forms", "list"): cmd_forms_list,
    ("forms", "validate"): cmd_forms_validate,
    ("forms", "import"): cmd_forms_import,
    ("demo", None): cmd_demo,
    ("clients", None): cmd_clients,
    ("referrals", None): cmd_referrals,
    ("handover", "pdf"): cmd_handover,
    ("handover", "client-copy"): cmd_handover,
}


def _translate_argparse() -> None:
    """argparse looks up its messages (usage, errors) through module-level gettext functions."""
    argparse._ = i18n._  # type: ignore[attr-defined]
    argparse.ngettext = i18n.ngettext  # type: ignore[attr-defined]


def main(argv: Sequence[str] | None = None) -> int:
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
        action = getattr(args, "forms_command", None) or getattr(args, "handover_command", None)
        handler = COMMANDS[(args.command, action)]
        return handler(args)
    except BroadtalkError as error:
        print(f"broadtalk: {error.message}", file=sys.stderr)
        return EXIT_REFUSED
    except KeyboardInterrupt:
        print(_("broadtalk: stopped."), file=sys.stderr)
        return EXIT_REFUSED
    except Exception as error:  # a bug: say so plainly, keep the details out of the terminal
        log_unexpected(error)
        print(
            _("broadtalk: something went wrong inside broadtalk ({kind}); details are in {log}.").format(
                kind=type(error).__name__, log=log_path()
            ),
            file=sys.stderr,
        )
        return EXIT_REFUSED
