"""``python -m broadtalk`` and the ``broadtalk`` command."""

import sys

from broadtalk.cli import main as _cli_main


def main() -> None:
    sys.exit(_cli_main())


if __name__ == "__main__":
    main()
