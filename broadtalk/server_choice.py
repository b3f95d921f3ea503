"""Choosing the practice's server at a workstation's first start: the address, checked field by
field, tried before it is kept, and remembered for the app and the commands on this workstation.

The address kept (``config.remembered_server``) never holds a password; a password goes into the
owner-only password file libpq reads itself (``config.server_password_file``).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit

from broadtalk import config
from broadtalk.errors import InputError
from broadtalk.i18n import _

HOST, PORT, DATABASE, USER, PASSWORD = "host", "port", "database", "user", "password"
DEFAULT_PORT = 5432
FIELD_MAX = 200
ADDRESS_EXAMPLE = "postgresql://gebruiker@server.example:5432/praktijk"


class InvalidServer(InputError):
    """One message per field (``HOST``, ``PORT``, ``DATABASE``, ``USER``, ``PASSWORD``)."""

    def __init__(self, problems: dict[str, str]):
        super().__init__(" ".join(problems.values()))
        self.problems = problems


@dataclass(frozen=True)
class ServerInput:
    host: str
    port: int
    database: str
    user: str
    #: Only a connection with TLS (``sslmode=require``); else TLS when the server offers it.
    secure_only: bool = False

    def address(self, password: str = "") -> str:
        """The ``postgresql://`` address; with ``password`` only for trying it, never to keep."""
        credentials = quote(self.user, safe="")
        if password:
            credentials += ":" + quote(password, safe="")
        host = f"[{self.host}]" if ":" in self.host else self.host
        query = "?sslmode=require" if self.secure_only else ""
        return f"postgresql://{credentials}@{host}:{self.port}/{quote(self.database, safe='')}{query}"


def _plain(value: str) -> bool:
    return bool(value) and not any(ch.isspace() or ord(ch) < 32 or ch in "/?#@" for ch in value)


def validate_server(host: str, port: str | int, database: str, user: str, *, secure_only: bool = False) -> ServerInput:
    """The cleaned fields, or InvalidServer naming every field that is wrong and how to mend it."""
    host, database, user = host.strip(), database.strip(), user.strip()
    port_text = str(port).strip()
    problems: dict[str, str] = {}
    if not host:
        problems[HOST] = _("Fill in the server's name or address, e.g. server.praktijk.local or 192.168.1.20.")
    elif len(host) > FIELD_MAX or not _plain(host):
        problems[HOST] = _("The server's name may not hold spaces or any of / ? # @; e.g. server.praktijk.local.")
    checked_port = DEFAULT_PORT
    if port_text:
        if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
            problems[PORT] = _("The port is a number from 1 to 65535; PostgreSQL's usual port is {port}.").format(
                port=DEFAULT_PORT
            )
        else:
            checked_port = int(port_text)
    if not database:
        problems[DATABASE] = _("Fill in the name of the practice's database on the server, e.g. praktijk.")
    elif len(database) > FIELD_MAX or not _plain(database):
        problems[DATABASE] = _("The database name may not hold spaces or any of / ? # @.")
    if not user:
        problems[USER] = _("Fill in the user name the server's administrator gave you.")
    elif len(user) > FIELD_MAX or not _plain(user):
        problems[USER] = _("The user name may not hold spaces or any of / ? # @.")
    if problems:
        raise InvalidServer(problems)
    return ServerInput(host, checked_port, database, user, secure_only)


def check_password(password: str) -> None:
    """A password the password file can keep: one line, not too long."""
    if len(password) > FIELD_MAX or any(ch in password for ch in "\r\n\0"):
        raise InvalidServer({PASSWORD: _("The password may not hold a line break and at most 200 characters.")})


def split_address(text: str) -> tuple[dict[str, str], bool] | None:
    """The fields of a pasted ``postgresql://`` address (host, port, database, user, password)
    and whether it demands TLS; None when ``text`` is not such an address."""
    if not config.is_server_url(text):
        return None
    try:
        parts = urlsplit(text.strip())
        port = parts.port
    except ValueError:
        return None
    fields = {
        HOST: parts.hostname or "",
        PORT: str(port) if port else "",
        DATABASE: unquote(parts.path.lstrip("/")),
        USER: unquote(parts.username or ""),
        PASSWORD: unquote(parts.password or ""),
    }
    secure = any(f"sslmode={mode}" in parts.query for mode in ("require", "verify-ca", "verify-full"))
    return fields, secure


def try_server(server: ServerInput, password: str) -> bool:
    """Whether the server database holds a practice already; StoreError when it cannot be
    opened (unreachable, refused user or password, no such database), with the reason."""
    from broadtalk.store.server import ServerDatabase

    check_password(password)
    return ServerDatabase.is_set_up(server.address(password))


def use_server(server: ServerInput, password: str) -> str:
    """Remember the server for this workstation (address and, when given, its password in the
    owner-only password file); returns the address the app opens from now on."""
    check_password(password)
    address = server.address()
    config.remember_server(
        address, host=server.host, port=server.port, database=server.database, user=server.user, password=password
    )
    return address
