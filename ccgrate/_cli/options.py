"""The options commands share, and the click types that read them."""

from __future__ import annotations

import codecs
import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ccgrate._base.errors import printable
from ccgrate._base.streams import (
    shown_path,
)
from ccgrate._render.output import TEXT_FORMATS, OutputFormat

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem

# A command function, as a decorator hands it on.
Command = TypeVar("Command", bound=Callable[..., Any])

RATINGS = ("Outstanding", "Good", "Requires improvement", "Inadequate")


def _output_format(_ctx: click.Context, _param: click.Parameter, value: str | None) -> OutputFormat | None:
    return None if value is None else OutputFormat(value.lower())


def format_option(
    formats: tuple[OutputFormat, ...] = TEXT_FORMATS,
    default: OutputFormat | None = OutputFormat.TABLE,
    help: str = "Output format: a table for people, or a stable machine format.",
) -> Callable[[Command], Command]:
    """-f/--format among the formats the command's result claims (tests/cli holds the two equal),
    handed to the command as an OutputFormat."""
    return click.option(
        "-f",
        "--format",
        "output_format",
        type=click.Choice([fmt.value for fmt in formats], case_sensitive=False),
        default=None if default is None else default.value,
        show_default=default is not None,
        callback=_output_format,
        help=help,
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


class OutputPath(click.ParamType):  # type: ignore[type-arg]  # click 8.5's ParamType is generic, 8.2's is not
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

    def shell_complete(self, ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
        from click.shell_completion import CompletionItem

        return [CompletionItem(incomplete, type="file")]


OUTPUT = OutputPath()


class InputPath(click.ParamType):  # type: ignore[type-arg]
    """FILE: a path, a year, a glob or -, kept exactly as written (the commands say what is wrong
    with it); the shell completes it as a file name."""

    name = "file"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        return os.fsdecode(value) if isinstance(value, bytes) else value

    def shell_complete(self, ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
        from click.shell_completion import CompletionItem

        return [CompletionItem(incomplete, type="file")]


class FrameworkSpec(InputPath):
    """ID|PATH: a built-in framework's id or a framework file; both complete."""

    name = "framework"

    def shell_complete(self, ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
        from click.shell_completion import CompletionItem

        from ccgrate._framework.loader import builtins

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
        raise click.BadParameter(
            f'unknown encoding "{printable(value)}"; use a name such as utf-8, cp1252 or latin-1'
        ) from None
    if not getattr(found, "_is_text_encoding", True) or found.name in NOT_FILE_ENCODINGS:
        raise click.BadParameter(
            f'"{printable(value)}" is not a text encoding; use a name such as utf-8, cp1252 or latin-1'
        ) from None
    return value


def _column_roles(_ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    from ccgrate._base.vocabulary import COLUMN_ALIASES, column_key

    pairs = []
    for value in values:
        role, equals, header = value.partition("=")
        if not equals or not role.strip() or not header.strip():
            raise click.BadParameter(
                f'"{printable(value)}" is not ROLE=HEADER; write e.g. --column org_code="Organisation ODS Code" '
                "(roles: org_code, org_name, period, indicator, value, numerator, denominator, or an indicator id)"
            )
        pairs.append((COLUMN_ALIASES.get(column_key(role), role.strip().lower()), header.strip()))
    return tuple(pairs)


def _cut_points(_ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]) -> dict[str, float]:
    import math

    cuts: dict[str, float] = {}
    for value in values:
        rating, equals, number = value.rpartition("=")
        try:
            score = float(number)
        except ValueError:
            score = math.nan
        if not equals or not rating.strip() or not math.isfinite(score):
            raise click.BadParameter(
                f'"{printable(value)}" is not RATING=SCORE; write e.g. --cut "Segment 1=2.05" '
                "(the score that reaches the rating, on the framework's scale)"
            )
        cuts[rating.strip()] = score
    return cuts


cut_option = click.option(
    "--cut",
    "cuts",
    multiple=True,
    metavar="RATING=SCORE",
    callback=_cut_points,
    help="Set the cut point between RATING and the next worse rating to SCORE for this run (repeatable), "
    "in place of the framework's.",
)


def reading_options(command: Command) -> Command:
    """--encoding, --sheet and --column, handed to the command as one `reading`."""

    @functools.wraps(command)
    def with_reading(
        *args: Any, encoding: str, sheet: str | None, columns: tuple[tuple[str, str], ...], **kwargs: Any
    ) -> Any:
        from ccgrate._read.dataset import Reading

        return command(*args, reading=Reading(encoding, sheet, columns), **kwargs)

    for option in (
        click.option(
            "--column",
            "columns",
            multiple=True,
            metavar="ROLE=HEADER",
            callback=_column_roles,
            help="Read the column HEADER as ROLE (org_code, org_name, period, indicator, value, numerator, "
            "denominator, or an indicator id); repeatable.",
        ),
        click.option(
            "--sheet",
            metavar="NAME|N",
            help="The sheet of a workbook to read (default: the first with an organisation code column).",
        ),
        click.option(
            "--encoding",
            default="utf-8-sig",
            show_default=True,
            callback=_text_encoding,
            help="Text encoding of CSV data files (e.g. cp1252 for files saved by Excel on Windows).",
        ),
    ):
        with_reading = option(with_reading)
    return with_reading  # type: ignore[return-value]  # it takes reading for encoding, sheet and columns


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
            raise click.BadParameter(
                f"{printable(repr(value))} is not a rating of the framework ({names})", param_hint=option
            )
        found.append(match)
    return found[0]
