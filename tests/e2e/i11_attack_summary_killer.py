"""A real ``conversations client-summary`` that kills itself (SIGKILL) just before its N-th step,
for tests/e2e/test_i11_attack_summary_kills.py: the steps and the kill of
tests/e2e/export_killer.py (every call that changes a file, every commit; the first long write
of the document only half), counted from the call of ``export_summary``.

Run as ``python tests/e2e/i11_attack_summary_killer.py N ARGUMENTS...`` (the command line's
arguments) with ``BROADTALK_PASSPHRASE``, ``BROADTALK_USER`` and ``BROADTALK_PIN`` set and the
repository on ``PYTHONPATH``. N = 0 never kills; a run that was not killed ends by printing
``steps COUNT`` as its last line on standard output. (The recovery is killed with
``export_killer.py N recover DB``.)
"""

from __future__ import annotations

import sys

from tests.e2e.export_killer import Steps, armed, install


def main() -> int:
    steps = Steps(int(sys.argv[1]))
    from broadtalk import cli
    from broadtalk.handover import client_summary_export

    install(steps)
    # cli imports it when the command runs
    client_summary_export.export_summary = armed(steps, client_summary_export.export_summary)
    code = cli.main(sys.argv[2:])
    sys.stdout.write(f"steps {steps.count}\n")
    sys.stdout.flush()
    return code


if __name__ == "__main__":
    sys.exit(main())
