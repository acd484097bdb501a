"""The console entry point. It answers `--version` and `--help` without loading click, the
slowest thing either would otherwise need; everything else goes to `cli.main`.

`help.txt` is click's own top-level help, kept beside this module; tests/test_entry.py checks that
it is still exactly what click prints.
"""

from __future__ import annotations

import signal

from ccgrate._base.signals import stop

# As soon as the console script imports this module, before anything else is imported, so that a
# signal during start-up (importing click, numpy) already ends the run cleanly (see _stop.py): no
# traceback, no temporary file. This module is only ever imported to run the command line.
for _signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
    signal.signal(_signum, stop)

import os  # noqa: E402
import sys  # noqa: E402

# os.path, not pathlib: pathlib alone costs as much as the rest of this answer.
HELP = os.path.join(os.path.dirname(__file__), "help.txt")


def main() -> None:
    arguments = sys.argv[1:]
    if arguments == ["--version"]:
        from ccgrate import __version__

        _answer(f"ccgrate {__version__}\n")
        return
    if arguments in (["--help"], ["-h"]):
        with open(HELP, encoding="utf-8") as text:
            _answer(text.read())
        return
    from ccgrate._base import streams

    streams.reserve_closed_streams()
    from ccgrate._cli.main import main as full

    full()


def _answer(text: str) -> None:
    """The quick answers, with the manners of the rest: a closed pipe is quiet, a closed or full
    standard output is one line on standard error and exit 1."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        _quiet_exit(0)
    except (AttributeError, OSError, ValueError) as error:
        reason = "it is closed" if sys.stdout is None else getattr(error, "strerror", None) or str(error)
        try:
            os.write(2, f"Error: cannot write to standard output: {reason}\n".encode())
        except OSError:
            pass
        _quiet_exit(1)


def _quiet_exit(code: int) -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
    except OSError:
        pass
    os._exit(code)
