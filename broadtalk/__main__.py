"""``python -m broadtalk`` and the ``broadtalk`` command."""

import gc
import sys

from broadtalk.cli import main as _cli_main


def main() -> None:
    code = _cli_main()
    if "PySide6" not in sys.modules:
        # A command is done and the process ends now. Everything it loaded (SQLAlchemy's and
        # pydantic's classes, the tables) is cyclic garbage once the interpreter unloads the
        # modules; left to the collector, freeing it piece by piece took about a quarter of a
        # short command's time (``clients --search``). Frozen, it goes with the process. Nothing
        # is skipped that a command depends on: it closed its database and files itself, and the
        # exit handlers (the log's flush) still run. The desktop app is left to tidy up as it
        # always did (Qt deletes its objects when their wrappers are collected).
        gc.freeze()
    sys.exit(code)


if __name__ == "__main__":
    main()
