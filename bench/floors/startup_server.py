"""Floor for start-up on a server: import SQLModel and psycopg, connect, open the practice database
with its passphrase (the practice key: PBKDF2 over the server's salt, checked, ``server_key.py``),
read 50 clients in list order, open their names (AES-GCM) and paint a bare Qt window with a list of
them; print ``painted`` after the first paint, then exit.

``python bench/floors/startup_server.py URL`` with the passphrase in BROADTALK_PASSPHRASE. Nothing of
broadtalk is imported: this is what any program doing the same visible work has to pay.
"""

import os
import sys

from server_key import SETTINGS, Key
from sqlmodel import Field, Session, SQLModel, create_engine, select, text


class Client(SQLModel, table=True):
    __tablename__ = "client"
    id: int | None = Field(default=None, primary_key=True)
    client_number: str
    given_name: str
    name_prefix: str
    family_name: str
    sort_key: str


def read_rows(url: str, passphrase: str) -> list[str]:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with Session(engine) as session:
        key = Key(passphrase, dict(session.exec(text(SETTINGS)).all()))
        rows = session.exec(select(Client).order_by(Client.sort_key).limit(50)).all()
        names = []
        for c in rows:
            family = key.open_text(c.family_name, "client.family_name")
            given = key.open_text(c.given_name, "client.given_name")
            prefix = key.open_text(c.name_prefix, "client.name_prefix")
            names.append(f"{c.client_number}  {family}, {given} {prefix}".rstrip())
    engine.dispose()
    return names


def main() -> int:
    names = read_rows(sys.argv[1], os.environ["BROADTALK_PASSPHRASE"])
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication, QListWidget

    app = QApplication(sys.argv[:1])
    window = QListWidget()
    window.addItems(names)
    window.resize(900, 650)

    class Painted(QObject):
        done = False

        def eventFilter(self, watched, event):
            if event.type() == QEvent.Type.Paint and not self.done:
                self.done = True
                QTimer.singleShot(0, self.report)  # after this paint has been drawn
            return False

        def report(self):
            print("painted", flush=True)
            app.exit(0)

    watcher = Painted()
    window.viewport().installEventFilter(watcher)
    window.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
