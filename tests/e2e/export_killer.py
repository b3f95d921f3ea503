"""A real export, or the recovery after one, that kills itself (SIGKILL) just before its N-th
step, for the kill-point test (tests/e2e/test_export_kills.py).

Run as ``python tests/e2e/export_killer.py N cli ARGUMENTS...`` (the command line, e.g.
``--db FILE handover pdf 3 --out x.pdf``) or ``python tests/e2e/export_killer.py N recover DB``
(``recover_interrupted_exports`` on that database), with ``BROADTALK_PASSPHRASE`` and, for the
command line, ``BROADTALK_USER``/``BROADTALK_PIN`` set. N = 0 never kills.

A step is anything by which the process changes the world outside itself: every call of
``os.open``, ``os.write``, ``os.fsync``, ``os.replace``, ``os.rename``, ``os.unlink``,
``os.remove``, ``os.close``, ``os.fchmod``, ``os.ftruncate`` and every database commit (just
before SQLAlchemy's COMMIT). The first long ``os.write`` to the document writes only half of what it was given,
as ``os.write`` may, so a half-written document is a state too. Between two steps nothing on disk changes, so dying before step 1,
2, 3, ... in turn is dying at every moment that can leave a different state behind. Counting
starts when ``export_document`` (or the recovery) is called, so the steps of starting up and
signing in are not counted. A run that was not killed ends by printing ``steps COUNT`` as its
last line on standard output.
"""

from __future__ import annotations

import os
import signal
import sys

from sqlalchemy import event
from sqlalchemy.engine import Engine

from broadtalk.handover.export import PARTIAL_PREFIX

COUNTED = ("open", "write", "fsync", "replace", "rename", "unlink", "remove", "close", "fchmod", "ftruncate")


class Steps:
    def __init__(self, kill_at: int) -> None:
        self.kill_at = kill_at
        self.armed = False
        self.count = 0
        self.split = False
        self.documents: set[int] = set()  # descriptors of the export's temporary files

    def step(self) -> None:
        if not self.armed:
            return
        self.count += 1
        if self.count == self.kill_at:
            os.kill(os.getpid(), signal.SIGKILL)


def install(steps: Steps) -> None:
    for name in COUNTED:
        original = getattr(os, name, None)
        if original is None:
            continue

        def counted(*args, __original=original, **kwargs):
            steps.step()
            return __original(*args, **kwargs)

        setattr(os, name, counted)
    opener, write = os.open, os.write

    def open_document(path, *args, __open=opener, **kwargs):
        handle = __open(path, *args, **kwargs)
        if os.path.basename(os.fspath(path)).startswith(PARTIAL_PREFIX):
            steps.documents.add(handle)
        return handle

    def short_write(handle, data, __write=write):
        # The first long write of the document writes only half (as os.write may): a
        # half-written file is a state of its own to be killed in.
        if handle in steps.documents and not steps.split and len(data) > 1:
            steps.split = True
            return __write(handle, memoryview(data)[: len(data) // 2])
        return __write(handle, data)

    os.open, os.write = open_document, short_write
    event.listen(Engine, "commit", lambda _connection: steps.step())


def armed(steps: Steps, function):
    def wrapper(*args, **kwargs):
        steps.armed = True
        return function(*args, **kwargs)

    return wrapper


def main() -> int:
    steps = Steps(int(sys.argv[1]))
    mode, arguments = sys.argv[2], sys.argv[3:]
    from broadtalk.handover import export

    install(steps)
    if mode == "cli":
        from broadtalk import cli

        export.export_document = armed(steps, export.export_document)  # cli imports it when called
        code = cli.main(arguments)
    else:
        from pathlib import Path

        from broadtalk.store.database import Database

        db = Database.open(Path(arguments[0]), passphrase=os.environ["BROADTALK_PASSPHRASE"])
        try:
            armed(steps, export.recover_interrupted_exports)(db)
        finally:
            db.close()
        code = 0
    sys.stdout.write(f"steps {steps.count}\n")
    sys.stdout.flush()
    return code


if __name__ == "__main__":
    sys.exit(main())
