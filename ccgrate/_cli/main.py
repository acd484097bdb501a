"""The command line: the `ccgrate` group, its commands, and the exit codes click does not give.

The commands live in `ccgrate/commands/`, each importing the core only when it runs, so that
`ccgrate --version` and `--help` stay quick. `entry.py` answers those two without even loading
click.
"""

from __future__ import annotations

import gc
import os
import sys

import click

from ccgrate import __version__
from ccgrate._cli.commands.calibrate import calibrate
from ccgrate._cli.commands.compare import compare
from ccgrate._cli.commands.framework import framework, frameworks_command
from ccgrate._cli.commands.funnel import funnel
from ccgrate._cli.commands.league import league
from ccgrate._cli.commands.report import report
from ccgrate._cli.commands.score import score
from ccgrate._cli.commands.sensitivity import sensitivity
from ccgrate._cli.commands.whatif import whatif
from ccgrate._cli.exits import CcgrateGroup, ExitCode, silence_stdout
from ccgrate._cli.messages import say, verbosity_options

# A fixed width keeps help the same on every terminal (and lets entry.py answer --help from a
# copy of it without loading click).
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 80, "terminal_width": 80}


@click.group(cls=CcgrateGroup, context_settings=CONTEXT)
@click.version_option(__version__, prog_name="ccgrate", message="%(prog)s %(version)s")
@verbosity_options
def cli() -> None:
    """Rate NHS organisations under NHS England's oversight frameworks, and show why: CCGs under the
    CCG Improvement and Assessment Framework (2016/17 to 2018/19) and the NHS Oversight Framework
    2019/20, NHS trusts under the NHS Oversight Framework 2025/26 (segments and league tables).

    \b
    Examples:
      ccgrate score examples/bromley.csv
      ccgrate score examples/bromley.csv --explain --period 2017/18
      ccgrate score examples/bromley.xlsx
      ccgrate compare 2017 2018
      ccgrate league examples/nof-2025-26-mhc-q1-q2.csv
      ccgrate frameworks

    Shell completion: eval "$(_CCGRATE_COMPLETE=bash_source ccgrate)" (zsh_source, fish_source).
    """
    import warnings

    from ccgrate._base.errors import CcgrateWarning

    # The commands call the Python API, which issues its warnings through Python's warnings; the
    # command line says them itself, on standard error, in its own words and order.
    warnings.filterwarnings("ignore", category=CcgrateWarning)


for command in (score, league, compare, report, funnel, whatif, sensitivity, calibrate, frameworks_command, framework):
    cli.add_command(command)

__all__ = ["ExitCode", "cli", "main"]


def main(argv: list[str] | None = None) -> None:
    """Entry point: the exit codes click does not give by itself (interrupt, closed pipe, bug)."""
    # One short run makes millions of small objects and few reference cycles: the cyclic
    # collector would only walk them again and again (a third of the time of a large batch).
    gc.disable()
    code = _run(argv)
    try:
        sys.stdout.flush()
    except (OSError, ValueError):
        # What stdout still holds cannot be written (the error is already reported): do not let
        # Python's own flush at exit print about it again.
        silence_stdout()
    sys.exit(code or 0)


def _run(argv: list[str] | None) -> int:
    try:
        code = cli.main(args=argv, prog_name="ccgrate", standalone_mode=False)
        sys.stdout.flush()
    except click.ClickException as error:
        say_error(error)
        code = error.exit_code
    except click.Abort:
        say("ccgrate: interrupted")
        code = ExitCode.INTERRUPTED
    except BrokenPipeError:
        silence_stdout()
        code = ExitCode.OK
    except OSError as error:
        # Writing standard output failed outside the output writer (a full disk behind >, EIO).
        say(f"Error: cannot write to standard output: {error.strerror or error}")
        code = ExitCode.DATA
    except Exception as error:  # a bug: say so in one line unless asked for the traceback
        if os.environ.get("CCGRATE_DEBUG"):
            raise
        say(
            f"Error: internal error ({type(error).__name__}: {error}); this is a bug in ccgrate, please report it "
            "with the command you ran (set CCGRATE_DEBUG=1 to see the traceback)"
        )
        code = ExitCode.INTERNAL
    return code


def say_error(error: click.ClickException) -> None:
    """click's own one-line error (with its usage line for a usage error), made safe to print."""
    import io

    buffer = io.StringIO()
    error.show(file=buffer)
    for line in buffer.getvalue().rstrip("\n").split("\n"):
        say(line)
