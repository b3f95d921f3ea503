"""Floor for start-up: import SQLModel, open the SQLCipher file with its passphrase, read 50 rows
and paint a bare Qt window with a list of them; print ``painted`` after the first paint, then exit.

``python bench/floors/startup.py DATABASE`` with the passphrase in BROADTALK_PASSPHRASE. Nothing of
broadtalk is imported: this is what any program doing the same visible work has to pay.
"""

import os
import sys

import sqlcipher3.dbapi2 as sqlcipher
from sqlmodel import Field, Session, SQLModel, create_engine, select


class Client(SQLModel, table=True):
    __tablename__ = "client"
    id: int | None = Field(default=None, primary_key=True)
    client_number: str
    given_name: str
    name_prefix: str
    family_name: str
    sort_key: str


def read_rows(path: str, passphrase: str) -> list[str]:
    def connect():
        connection = sqlcipher.connect(path, isolation_level=None)
        connection.execute("PRAGMA key = '" + passphrase.replace("'", "''") + "'")
        return connection

    engine = create_engine("sqlite://", module=sqlcipher, creator=connect)
    with Session(engine) as session:
        rows = session.exec(select(Client).order_by(Client.sort_key).limit(50)).all()
        names = [f"{c.client_number}  {c.family_name}, {c.given_name} {c.name_prefix}".rstrip() for c in rows]
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
