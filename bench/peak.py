"""Run a module or a script and write this process's own peak memory (VmHWM) to a file at its end.

``python bench/peak.py PEAK_FILE -m MODULE ARGS...`` or ``python bench/peak.py PEAK_FILE SCRIPT ARGS...``.
VmHWM in ``/proc/self/status`` is the high-water mark of this process alone (ru_maxrss is not: a
child started with posix_spawn inherits the parent's mark at exec). Only ``os``, ``runpy`` and ``sys``
are imported before the program starts, so the wrapper adds next to nothing to the figure.
"""

import os
import runpy
import sys


def main() -> int:
    peak_file, *rest = sys.argv[1:]
    code = 0
    try:
        if rest[0] == "-m":
            sys.argv = [rest[1], *rest[2:]]
            sys.path[0] = os.getcwd()  # as ``python -m`` has it, not this wrapper's folder
            runpy.run_module(rest[1], run_name="__main__", alter_sys=True)
        else:
            sys.argv = list(rest)
            sys.path[0] = os.path.dirname(os.path.abspath(rest[0]))
            runpy.run_path(rest[0], run_name="__main__")
    except SystemExit as end:
        code = end.code if isinstance(end.code, int) else (0 if end.code is None else 1)
    finally:
        with open("/proc/self/status") as status, open(peak_file, "w") as out:
            out.write(next(line for line in status if line.startswith("VmHWM:")))
    return code


if __name__ == "__main__":
    sys.exit(main())
