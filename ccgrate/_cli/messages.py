"""Messages on standard error: warnings, notices and what -q and -v choose to show."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable

import click

from ccgrate._base.errors import printable
from ccgrate._base.streams import mark_closed, stream_closed
from ccgrate._cli.options import Command
from ccgrate._render.console import make_console
from ccgrate._render.output import file_width

VERBOSITY = "ccgrate.verbosity"


def _verbosity(flag: str, level: int) -> Callable[[click.Context, click.Parameter, bool], None]:
    def record(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
        if not value:
            return
        current = ctx.meta.get(VERBOSITY, 0)
        if current and current != level:
            raise click.UsageError("-q/--quiet and -v/--verbose cannot be used together", ctx)
        ctx.meta[VERBOSITY] = level

    return record


def verbosity_options(command: Command) -> Command:
    """-q/--quiet: only data and errors; -v/--verbose: also what was read and how long it took."""
    command = click.option(
        "-v",
        "--verbose",
        is_flag=True,
        expose_value=False,
        callback=_verbosity("verbose", 1),
        help="Also say on stderr what was read, with which framework, and how long it took.",
    )(command)
    return click.option(
        "-q",
        "--quiet",
        is_flag=True,
        expose_value=False,
        callback=_verbosity("quiet", -1),
        help="Say nothing on stderr but errors (and what --summary asks for).",
    )(command)


def verbosity() -> int:
    ctx = click.get_current_context(silent=True)
    return ctx.meta.get(VERBOSITY, 0) if ctx is not None else 0


def warn(message: str) -> None:
    if verbosity() >= 0:
        say(f"warning: {message}")


def notice(message: str) -> None:
    """Something the user should see, unless they asked for quiet."""
    if verbosity() >= 0:
        say(f"ccgrate: {message}")


def tell(notes: Iterable[str], warnings: Iterable[str]) -> None:
    """What a run said, as the command line says it: its notes, then its warnings."""
    for message in notes:
        notice(message)
    for message in warnings:
        warn(message)


def info(message: str) -> None:
    if verbosity() >= 1:
        say(f"ccgrate: {message}")


def say(message: str) -> None:
    """One line on stderr, with nothing a terminal would act on. A standard error that is closed
    (`2>&-`, as people silence a program) or that fails takes nothing: the message is dropped, and
    the run goes on to write its data and end with the exit code it would have had."""
    if stream_closed(2) or sys.stderr is None:
        return
    text = printable(message)
    if _stderr_terminal_width():
        text = wrapped(text, _stderr_terminal_width())
    try:
        click.echo(text, err=True)
    except (OSError, ValueError):
        mark_closed(2)  # nobody can read what follows either


def wrapped(text: str, width: int) -> str:
    """A message folded at word boundaries to a terminal's width, its later lines indented, so that
    nothing is cut inside a word or a path (a word longer than the width keeps its own line)."""
    import textwrap

    if len(text) <= width:
        return text
    return "\n".join(textwrap.wrap(text, width, subsequent_indent="  ", break_long_words=False, break_on_hyphens=False))


def _stderr_terminal_width() -> int:
    """The width of the terminal stderr shows on (COLUMNS wins, as for tables); 0 when it is not one."""
    try:
        if not sys.stderr.isatty():
            return 0
    except (AttributeError, ValueError):
        return 0
    import shutil

    return max(shutil.get_terminal_size().columns, 20)


def report_width() -> int:
    """The width to draw a report shown on standard error at: the terminal's, or COLUMNS."""
    err = sys.stderr
    if err is not None and not stream_closed(2) and err.isatty():
        return make_console(stderr=True).width
    return file_width()
