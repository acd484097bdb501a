"""The console entry point. It answers `--version` and `--help` without loading click, the
slowest thing either would otherwise need; everything else goes to `cli.main`.

`help.txt` is click's own top-level help, kept beside this module; tests/test_entry.py checks that
it is still exactly what click prints.
"""

from __future__ import annotations

import os
import sys

# os.path, not pathlib: pathlib alone costs as much as the rest of this answer.
HELP = os.path.join(os.path.dirname(__file__), "help.txt")


def main() -> None:
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
