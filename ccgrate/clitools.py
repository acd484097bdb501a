"""What every command shares: exit codes, options, reading inputs, writing outputs, messages.

Only the command line uses this module; it knows about terminals, streams and exit codes so
that the core does not have to.
"""

from __future__ import annotations

import glob
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from enum import IntEnum
from pathlib import Path
from typing import IO, Any

import click

from .errors import CcgrateError, DataError, FrameworkError, OutputError

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
    return ExitCode.DATA


class UserError(click.ClickException):
    """A CcgrateError on its way out: one line on stderr and the documented exit code."""

    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code


class CcgrateGroup(click.Group):
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


output_option = click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to FILE (atomically: an existing FILE is replaced only by a complete output).",
)
encoding_option = click.option(
    "--encoding",
    default="utf-8-sig",
    show_default=True,
    help="Text encoding of the data files (e.g. cp1252 for files saved by Excel on Windows).",
)


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
        click.echo(f"warning: {message}", err=True)


def notice(message: str) -> None:
    """Something the user should see, unless they asked for quiet."""
    if verbosity() >= 0:
        click.echo(f"ccgrate: {message}", err=True)


def info(message: str) -> None:
    if verbosity() >= 1:
        click.echo(f"ccgrate: {message}", err=True)


# --- inputs and outputs ----------------------------------------------------------------------------


def read_sources(files: tuple[str, ...] | list[str]) -> list[tuple[str, bytes]]:
    """(name, bytes) for each file; `-` is standard input; a quoted glob is expanded here."""
    sources = []
    for name in files:
        if name == "-":
            if sys.stdin.isatty():
                click.echo("ccgrate: reading CSV from standard input (end with Ctrl-D)", err=True)
            sources.append(("<stdin>", sys.stdin.buffer.read()))
            continue
        if not Path(name).exists() and glob.has_magic(name):
            matches = sorted(glob.glob(name))
            if not matches:
                raise DataError(f"no file matches {name}", hint="check the pattern (quote it to let ccgrate expand it)")
            sources.extend(read_sources(matches))
            continue
        path = Path(name)
        try:
            sources.append((name, path.read_bytes()))
        except IsADirectoryError:
            raise DataError("is a directory, not a CSV file", where=name, hint="give the path of a CSV file") from None
        except OSError as error:
            raise DataError(
                f"cannot read: {error.strerror}", where=name, hint="check the path (use - to read standard input)"
            ) from None
    return sources


def write_output(text: str, output: Path | None) -> None:
    """Data to stdout, or to FILE through a temporary file in the same directory and a rename."""
    if output is None:
        click.echo(text, nl=False)
        return
    with atomic_file(output, "w") as handle:
        handle.write(text)


@contextmanager
def atomic_file(output: Path, mode: str = "w") -> Iterator[IO]:
    """An open temporary file beside `output` that replaces it only if the block completes."""
    try:
        handle = tempfile.NamedTemporaryFile(
            mode, **({"encoding": "utf-8", "newline": ""} if "b" not in mode else {}),
            dir=output.resolve().parent, prefix=f".{output.name}.", suffix=output.suffix or ".tmp", delete=False,
        )
    except OSError as error:
        raise OutputError(f"cannot write: {error.strerror}", where=str(output), hint="check that the directory exists") from None
    try:
        with handle:
            yield handle
        os.replace(handle.name, output)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise


def render_table(draw: Any, output: Path | None) -> None:
    """Draw rich renderables to the terminal, or without colour into FILE."""
    from rich.console import Console

    if output is None:
        draw(Console())
        return
    import io

    buffer = io.StringIO()
    draw(Console(file=buffer, width=int(os.environ.get("COLUMNS", 120)), color_system=None, force_terminal=False))
    write_output(buffer.getvalue(), output)


def rating_choice(value: str | None, option: str) -> str | None:
    if value is None:
        return None
    for rating in RATINGS:
        if rating.lower() == value.strip().lower():
            return rating
    raise click.BadParameter(f"{value!r} is not a rating ({', '.join(RATINGS)})", param_hint=option)


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
        self._progress: Any = None
        self._task: Any = None
        self._console = console
        shown = console.is_terminal if console is not None else sys.stderr.isatty()
        self._timer = threading.Timer(delay, self._show) if shown and verbosity() >= 0 else None
        if self._timer is not None:
            self._timer.daemon = True
            self._timer.start()

    def _show(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        with self._lock:
            if self._timer is None:
                return
            console = self._console or Console(stderr=True)
            self._progress = Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                                      console=console, transient=True)
            self._task = self._progress.add_task(self._text, total=None)
            self._progress.start()

    def step(self, text: str) -> None:
        with self._lock:
            self._text = text
            if self._progress is not None:
                self._progress.update(self._task, description=text)

    def close(self) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            if self._progress is not None:
                self._progress.stop()
                self._progress = None

    def __enter__(self) -> LateProgress:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
