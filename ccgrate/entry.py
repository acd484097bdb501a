"""The console entry point. It answers `--version` and `--help` without loading click, the
slowest thing either would otherwise need; everything else goes to `cli.main`.

`help.txt` is click's own top-level help, kept beside this module; tests/test_entry.py checks that
it is still exactly what click prints.
"""

from __future__ import annotations

import signal

from ._stop import stop

# As soon as the console script imports this module, before anything else is imported, so that a
# signal during start-up (importing click, numpy) already unwinds cleanly: no traceback, no
# temporary file. This module is only ever imported to run the command line.
for _signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
    signal.signal(_signum, stop)

import os  # noqa: E402
import sys  # noqa: E402

from . import streams  # noqa: E402

# os.path, not pathlib: pathlib alone costs as much as the rest of this answer.
HELP = os.path.join(os.path.dirname(__file__), "help.txt")


def main() -> None:
    streams.reserve_closed_streams()
    _main()


def _main() -> None:
    arguments = sys.argv[1:]
    if arguments == ["--version"]:
        from . import __version__

        sys.stdout.write(f"ccgrate {__version__}\n")
        return
    if arguments in (["--help"], ["-h"]):
        with open(HELP, encoding="utf-8") as text:
            sys.stdout.write(text.read())
        return
    from .cli import main as full

    full()
