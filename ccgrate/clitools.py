"""What every command shares: exit codes, options, reading inputs, writing outputs, messages.

Only the command line uses this module; it knows about terminals, streams and exit codes so
that the core does not have to.
"""

from __future__ import annotations

import codecs
import errno
import functools
import os
import sys
from enum import IntEnum
from pathlib import Path
from typing import Any

import click

from ._stop import cursor_hidden
from .errors import CcgrateError, FrameworkError, UsageProblem, printable
from .streams import (
    Globbed,
    expand_inputs,
    open_output,
    read_input,
    refuse_output_among_inputs,
    shown_path,
    stream_closed,
)
from .streams import write_text as write_output  # data to stdout, or to FILE through the one writer

FORMATS = ("table", "json", "ndjson", "csv", "markdown")
RATINGS = ("Outstanding", "Good", "Requires improvement", "Inadequate")
VERBOSITY = "ccgrate.verbosity"


class ExitCode(IntEnum):
    """Documented in the README; scripts rely on these."""

    OK = 0
    DATA = 1  # bad or unreadable data file, or an output file that cannot be written
    USAGE = 2  # unknown option, bad choice, missing argument (click's own code)
    FRAMEWORK = 3  # invalid framework definition, or no framework for the data
    BELOW_THRESHOLD = 4  # a gate for scripts: --fail-below, --fail-if-worse
    INTERNAL = 70  # a bug in ccgrate
    INTERRUPTED = 130  # Ctrl-C


def exit_code_for(error: CcgrateError) -> ExitCode:
    if isinstance(error, FrameworkError):
        return ExitCode.FRAMEWORK
    if isinstance(error, UsageProblem):
        return ExitCode.USAGE
    return ExitCode.DATA


class UserError(click.ClickException):
    """A CcgrateError on its way out: one line on stderr and the documented exit code."""

    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code


class CcgrateGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)  # in the order added: the main job first, not the alphabet's

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CcgrateError as error:
            raise UserError(str(error), exit_code_for(error)) from None
        except BrokenPipeError:
            # The reader went away (`ccgrate score big.csv -f csv | head -1`): that is its choice,
            # not an error of ours, so stop quietly with success.
            silence_stdout()
            raise click.exceptions.Exit(ExitCode.OK) from None


def silence_stdout() -> None:
    """Point stdout at /dev/null so that Python's own flush at exit cannot fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # not a real file descriptor (a test runner's buffer)
        pass
    finally:
        os.close(devnull)


# --- options ---------------------------------------------------------------------------------------


def format_option(choices: tuple[str, ...] = FORMATS, default: str | None = "table"):
    return click.option(
        "-f",
        "--format",
        "output_format",
        type=click.Choice(choices, case_sensitive=False),
        default=default,
        show_default=default is not None,
        help="Output format: a table for people, or a stable machine format.",
    )


class FiniteRange(click.FloatRange):
    """A number in a range that is also finite: click's FloatRange lets nan through (nan compares
    false with both ends)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        import math

        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value} is not a finite number", param, ctx)
        return number


class OutputPath(click.ParamType):
    """-o FILE: a path (kept as given), or - for standard output (None). Never empty, never a directory."""

    name = "file"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Path | None:
        if value is None or isinstance(value, Path):
            return value
        text = os.fsdecode(value) if isinstance(value, bytes) else str(value)
        if text == "-":
            return None
        if not text:
            self.fail("the file name is empty; give a file name, or - for standard output", param, ctx)
        if os.path.isdir(text):
            self.fail(f"{shown_path(text)} is a directory; give a file name", param, ctx)
        return Path(text)

    def shell_complete(self, ctx: click.Context, param: click.Parameter, incomplete: str) -> list:
        from click.shell_completion import CompletionItem

        return [CompletionItem(incomplete, type="file")]


OUTPUT = OutputPath()


class InputPath(click.ParamType):
    """FILE: a path, a year, a glob or -, kept exactly as written (the commands say what is wrong
    with it); the shell completes it as a file name."""

    name = "file"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        return os.fsdecode(value) if isinstance(value, bytes) else value

    def shell_complete(self, ctx: click.Context, param: click.Parameter, incomplete: str) -> list:
        from click.shell_completion import CompletionItem

        return [CompletionItem(incomplete, type="file")]


class FrameworkSpec(InputPath):
    """ID|PATH: a built-in framework's id or a framework file; both complete."""

    name = "framework"

    def shell_complete(self, ctx: click.Context, param: click.Parameter, incomplete: str) -> list:
        from click.shell_completion import CompletionItem

        from .loader import builtins

        ids = [CompletionItem(e.id, help=e.name) for e in builtins() if e.id.startswith(incomplete)]
        return ids + super().shell_complete(ctx, param, incomplete)


INPUT = InputPath()
FRAMEWORK = FrameworkSpec()
output_option = click.option(
    "-o",
    "--output",
    type=OUTPUT,
    help="Write to FILE (- for standard output). A regular file is replaced only by a complete output; "
    "a device or FIFO is written in place.",
)


# Text codecs in Python's sense that no data file is written in: they fail or mislead on CSV.
NOT_FILE_ENCODINGS = frozenset({"punycode", "idna", "undefined", "unicode-escape", "raw-unicode-escape"})


def _text_encoding(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    try:
        found = codecs.lookup(value)
    except (LookupError, TypeError, ValueError):
        raise click.BadParameter(f'unknown encoding "{printable(value)}"; use a name such as utf-8, cp1252 or latin-1') from None
    if not getattr(found, "_is_text_encoding", True) or found.name in NOT_FILE_ENCODINGS:
        raise click.BadParameter(
            f'"{printable(value)}" is not a text encoding; use a name such as utf-8, cp1252 or latin-1') from None
    return value


def _column_roles(_ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    from .data import COLUMN_ALIASES, column_key

    pairs = []
    for value in values:
        role, equals, header = value.partition("=")
        if not equals or not role.strip() or not header.strip():
            raise click.BadParameter(
                f'"{printable(value)}" is not ROLE=HEADER; write e.g. --column org_code="Organisation ODS Code" '
                "(roles: org_code, org_name, period, indicator, value, numerator, denominator, or an indicator id)")
        pairs.append((COLUMN_ALIASES.get(column_key(role), role.strip().lower()), header.strip()))
    return tuple(pairs)


def reading_options(command: Any) -> Any:
    """--encoding, --sheet and --column, handed to the command as one `reading`."""

    @functools.wraps(command)
    def with_reading(*args: Any, encoding: str, sheet: str | None, columns: tuple, **kwargs: Any) -> Any:
        from .data import Reading

        return command(*args, reading=Reading(encoding, sheet, columns), **kwargs)

    for option in (
        click.option("--column", "columns", multiple=True, metavar="ROLE=HEADER", callback=_column_roles,
                     help="Read the column HEADER as ROLE (org_code, org_name, period, indicator, value, numerator, "
                     "denominator, or an indicator id); repeatable."),
        click.option("--sheet", metavar="NAME|N",
                     help="The sheet of a workbook to read (default: the first with an organisation code column)."),
        click.option("--encoding", default="utf-8-sig", show_default=True, callback=_text_encoding,
                     help="Text encoding of CSV data files (e.g. cp1252 for files saved by Excel on Windows)."),
    ):
        with_reading = option(with_reading)
    return with_reading


def _verbosity(flag: str, level: int):
    def record(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
        if not value:
            return
        current = ctx.meta.get(VERBOSITY, 0)
        if current and current != level:
            raise click.UsageError("-q/--quiet and -v/--verbose cannot be used together", ctx)
        ctx.meta[VERBOSITY] = level

    return record


def verbosity_options(command):
    """-q/--quiet: only data and errors; -v/--verbose: also what was read and how long it took."""
    command = click.option(
        "-v", "--verbose", is_flag=True, expose_value=False, callback=_verbosity("verbose", 1),
        help="Also say on stderr what was read, with which framework, and how long it took.",
    )(command)
    return click.option(
        "-q", "--quiet", is_flag=True, expose_value=False, callback=_verbosity("quiet", -1),
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


def info(message: str) -> None:
    if verbosity() >= 1:
        say(f"ccgrate: {message}")


# --- inputs and outputs ----------------------------------------------------------------------------


def say(message: str) -> None:
    """One line on stderr, with nothing a terminal would act on. A closed or failing stderr stops
    the run (exit 1): a message that cannot be shown must not pass for success."""
    if stream_closed(2) or sys.stderr is None:
        raise StderrFailed("closed")
    text = printable(message)
    if _stderr_terminal_width():
        text = wrapped(text, _stderr_terminal_width())
    try:
        click.echo(text, err=True)
    except BrokenPipeError:
        raise StderrFailed("closed by its reader") from None
    except OSError as error:
        raise StderrFailed(error.strerror or str(error)) from None


def wrapped(text: str, width: int) -> str:
    """A message folded at word boundaries to a terminal's width, its later lines indented, so that
    nothing is cut inside a word or a path (a word longer than the width keeps its own line)."""
    import textwrap

    if len(text) <= width:
        return text
    return "\n".join(textwrap.wrap(text, width, subsequent_indent="  ", break_long_words=False,
                                   break_on_hyphens=False))


def _stderr_terminal_width() -> int:
    """The width of the terminal stderr shows on (COLUMNS wins, as for tables); 0 when it is not one."""
    try:
        if not sys.stderr.isatty():
            return 0
    except (AttributeError, ValueError):
        return 0
    import shutil

    return max(shutil.get_terminal_size().columns, 20)


class StderrFailed(Exception):
    """Standard error cannot be written: nothing more can be said, only the exit code."""


def read_sources(files: tuple[str, ...] | list[str]) -> list[tuple[str, bytes]]:
    """(name, bytes) for each file; `-` is standard input; a quoted glob is expanded here, and a
    year that names no file is found as `year_file` finds it. Names that came from a glob are
    `Globbed`, so that a file among them that is not indicator data can be passed over."""
    sources = []
    for name in expand_inputs(files):
        if name == "-":
            if sys.stdin is not None and sys.stdin.isatty():
                say("ccgrate: reading CSV from standard input (end with Ctrl-D)")
            sources.append(("<stdin>", read_input(name)))
            continue
        if not os.path.lexists(name):
            name = year_file(name) or name
        shown = shown_path(name)
        sources.append((Globbed(shown) if isinstance(name, Globbed) else shown, read_input(name)))
    return sources


def year_file(spec: str, data_dir: Path | None = None) -> str | None:
    """The data file for a year given instead of a file (2017, 2017/18), saying on stderr which file it
    is and, for a bundled example, that its data are synthetic; None if `spec` is not a year."""
    from .data import normalise_period
    from .pipeline import locate_year

    period = normalise_period(spec)
    if period is None:
        return None
    if data_dir is None and os.environ.get("CCGRATE_DATA_DIR"):
        data_dir = Path(os.environ["CCGRATE_DATA_DIR"])
    found = locate_year(period, data_dir)
    if found.bundled:
        notice(f"{period}: no data file in {data_dir or 'the current directory'}, so the bundled example "
               f"{shown_path(found.path)} is used: SYNTHETIC data (made-up organisations, not published figures)")
    else:
        notice(f"{period}: data from {shown_path(found.path)}")
    return str(found.path)


def guard_output(output: Path | None, *inputs: str | Path | None) -> None:
    """Refuse (exit 2) an -o that names any input of the run, before anything is read or written.
    Framework specs are passed too (one that is a built-in id names no file and is passed over), and
    the built-in framework files, which any run may read."""
    if output is None:
        return
    from .loader import builtin_dir

    refuse_output_among_inputs(output, [*inputs, *sorted(builtin_dir().glob("*.toml"))])



@functools.cache
def _console_class() -> Any:
    """rich's Console, made to show data as data: control and bidi characters escaped, and a closed
    pipe reported as one (rich's own default exits 1)."""
    from rich.console import Console
    from rich.segment import Segment

    class SafeConsole(Console):
        def on_broken_pipe(self) -> None:
            self.quiet = True
            raise BrokenPipeError(errno.EPIPE, "Broken pipe")

        def render_str(self, text: str, **kwargs: Any) -> Any:
            return super().render_str(printable(text, keep="\n"), **kwargs)

        def _render_buffer(self, buffer: Any) -> str:
            # The last line of defence, for text that reached rich some other way (a Text.assemble
            # piece): rich's own control segments (cursor moves) pass; no other text reaches the
            # terminal with a control character in it.
            return super()._render_buffer(
                segment if segment.control or segment.text.isprintable()
                else Segment(printable(segment.text, keep="\n"), segment.style, segment.control)
                for segment in buffer
            )

    return SafeConsole


def make_console(**options: Any) -> Any:
    """A console with no markup, emoji codes or highlighting: strings from data show as written."""
    return _console_class()(**{"markup": False, "emoji": False, "highlight": False, **options})


def render_table(draw: Any, output: Path | None, frameworks: Any = ()) -> None:
    """Draw rich renderables to the terminal, or without colour into FILE; then, if any of
    `frameworks` is a reconstruction, the line that says so."""
    from .caveat import caveat

    line = caveat(frameworks)

    def drawn(console: Any) -> None:
        draw(console)
        if line is not None:
            console.print(line)

    if output is None:
        with open_output(None) as stdout:
            drawn(make_console(file=stdout))
        return
    import io

    buffer = io.StringIO()
    drawn(make_console(file=buffer, width=_columns(), color_system=None, force_terminal=False))
    write_output(buffer.getvalue(), output)


def markdown_caveat(frameworks: Any) -> str:
    """The caveat as the last paragraph of a Markdown document ("" if none is needed)."""
    from .caveat import caveat

    line = caveat(frameworks)
    return "" if line is None else f"\n**{line.split(': ', 1)[0]}:** {line.split(': ', 1)[1]}\n"


def render_report(draw: Any) -> None:
    """Draw rich renderables on standard error (a report beside data that goes to standard output)."""
    import io

    buffer = io.StringIO()
    err = sys.stderr
    terminal = err is not None and not stream_closed(2) and err.isatty()
    width = make_console(stderr=True).width if terminal else _columns()
    draw(make_console(file=buffer, width=width, color_system=None, force_terminal=False))
    for line in buffer.getvalue().rstrip("\n").split("\n"):
        say(line)


def _columns() -> int:
    try:
        return max(20, int(os.environ.get("COLUMNS", 120)))
    except ValueError:
        return 120


def rating_choice(value: str | None, option: str, scales: list[list[str]] | None = None) -> str | None:
    """A rating named on the command line, as the framework spells it (any case, any spaces around).

    `scales` are the rating scales of the frameworks in use (the built-in scale until they are
    known); the rating must be on every one of them.
    """
    if value is None:
        return None
    scales = scales or [list(RATINGS)]
    wanted = value.strip().casefold()
    found = []
    for scale in scales:
        match = next((rating for rating in scale if rating.casefold() == wanted), None)
        if match is None:
            names = ", ".join(scale)
            raise click.BadParameter(f"{printable(repr(value))} is not a rating of the framework ({names})",
                                     param_hint=option)
        found.append(match)
    return found[0]


class LateProgress:
    """A progress display on stderr for work that turns out to be slow.

    It appears only after `delay` seconds, only when stderr is a terminal and the user did not ask
    for quiet, and it leaves nothing behind when the work ends. `step(text)` says what is being
    done now; the display is a pulsing bar, since how much is left is not known in advance.
    """

    def __init__(self, delay: float = 1.0, console: Any = None):
        import threading

        self._lock = threading.Lock()
        self._text = "working"
        self._done: tuple[int, int] | None = None
        self._progress: Any = None
        self._task: Any = None
        self._console = console
        shown = console.is_terminal if console is not None else sys.stderr.isatty()
        self._timer = threading.Timer(delay, self._show) if shown and verbosity() >= 0 else None
        if self._timer is not None:
            self._timer.daemon = True
            self._timer.start()

    def _show(self) -> None:
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        with self._lock:
            if self._timer is None:
                return
            console = self._console or make_console(stderr=True)
            self._progress = Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                                      console=console, transient=True)
            done, total = self._done or (0, None)
            self._task = self._progress.add_task(self._text, total=total, completed=done)
            cursor_hidden[0] = True
            self._progress.start()

    def step(self, text: str) -> None:
        with self._lock:
            self._text = text
            self._done = None
            if self._progress is not None:
                self._progress.update(self._task, description=text, total=None)

    def advance(self, done: int, total: int) -> None:
        """How much of the current step is done, for work that knows its size (draws, say)."""
        with self._lock:
            self._done = (done, total)
            if self._progress is not None:
                self._progress.update(self._task, completed=done, total=total)

    def close(self) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            if self._progress is not None:
                self._progress.stop()
                self._progress = None
                cursor_hidden[0] = False

    def __enter__(self) -> LateProgress:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
