"""The one output path: every result is written in every format it claims by `write`, to a file
(through the one writer, which never leaves a partly written file) or to standard output.

A result reaches `write` as a `Renderer`: one class per kind of result, which says which formats
it can be written in and makes each of them. Tables are drawn on a console; every other format is
text made in pieces (never joined whole in memory) or, for pictures, bytes written to a stream.
After a table or a Markdown document, `write` adds the line that keeps a reconstructed framework's
rating from passing for an official one.
"""

from __future__ import annotations

import enum
import io
import os
import sys
from abc import ABC
from collections.abc import Iterable, Sequence
from itertools import chain
from pathlib import Path
from typing import IO, TYPE_CHECKING, ClassVar

from ccgrate._base.errors import UsageProblem
from ccgrate._base.streams import open_output, write_text
from ccgrate._render.console import make_console

if sys.version_info >= (3, 11):
    from typing import assert_never
else:  # pragma: no cover - Python 3.10
    from typing_extensions import assert_never

if TYPE_CHECKING:
    from rich.console import Console

    from ccgrate._framework.model import Framework


class OutputFormat(str, enum.Enum):
    """Every format ccgrate writes. A command offers the formats its result's renderer claims."""

    TABLE = "table"  # for people: rich tables on a terminal, plain text in a file
    JSON = "json"
    NDJSON = "ndjson"
    CSV = "csv"
    MARKDOWN = "markdown"
    HTML = "html"
    SVG = "svg"
    PNG = "png"
    PDF = "pdf"

    def __str__(self) -> str:
        return self.value

    @property
    def picture(self) -> bool:
        return self in (OutputFormat.SVG, OutputFormat.PNG, OutputFormat.PDF)


# The formats a command's -f offers when its result claims them all: tables and the stable machine formats.
TEXT_FORMATS = (OutputFormat.TABLE, OutputFormat.JSON, OutputFormat.NDJSON, OutputFormat.CSV, OutputFormat.MARKDOWN)


class Renderer(ABC):
    """One result, ready to be written in each of the formats it claims."""

    formats: ClassVar[tuple[OutputFormat, ...]]

    def frameworks(self) -> Sequence[Framework]:
        """The frameworks the result was made with: a reconstructed one gets the caveat line."""
        return ()

    def draw(self, console: Console) -> None:
        """The result as tables for people (OutputFormat.TABLE)."""
        raise NotImplementedError(f"{type(self).__name__} draws no table")

    def text(self, fmt: OutputFormat) -> Iterable[str]:
        """The result as text in `fmt`, in pieces as they are made."""
        raise NotImplementedError(f"{type(self).__name__} writes no {fmt} text")

    def picture(self, fmt: OutputFormat, stream: IO[bytes]) -> None:
        """The result as a picture in `fmt`, written to `stream`."""
        raise NotImplementedError(f"{type(self).__name__} draws no {fmt} picture")


def write(renderer: Renderer, fmt: OutputFormat, output: Path | None) -> None:
    """Write a result in a format to FILE (None: standard output); a file is replaced only by a
    complete output."""
    if fmt not in renderer.formats:
        raise UsageProblem(
            f"{type(renderer).__name__} cannot be written as {fmt}",
            hint=f"choose one of {', '.join(map(str, renderer.formats))}",
        )
    match fmt:
        case OutputFormat.TABLE:
            _draw_table(renderer, output)
        case OutputFormat.MARKDOWN:
            write_text(chain(renderer.text(fmt), [markdown_caveat(renderer.frameworks())]), output)
        case OutputFormat.JSON | OutputFormat.NDJSON | OutputFormat.CSV | OutputFormat.HTML:
            write_text(renderer.text(fmt), output)
        case OutputFormat.SVG | OutputFormat.PNG | OutputFormat.PDF:
            with open_output(output, binary=True) as stream:
                renderer.picture(fmt, stream)
        case _:
            assert_never(fmt)


def as_text(renderer: Renderer, fmt: OutputFormat, width: int) -> str:
    """A result in a text format as one string (a table drawn without colour at `width`), for a
    report shown beside the data rather than written as it."""
    if fmt is OutputFormat.TABLE:
        buffer = io.StringIO()
        _drawn(renderer, make_console(file=buffer, width=width, color_system=None, force_terminal=False))
        return buffer.getvalue()
    if fmt is OutputFormat.MARKDOWN:
        return "".join(renderer.text(fmt)) + markdown_caveat(renderer.frameworks())
    return "".join(renderer.text(fmt))


def _draw_table(renderer: Renderer, output: Path | None) -> None:
    """On standard output as the console sees fit (colour on a terminal); in a file, plain text at
    the width COLUMNS gives."""
    if output is None:
        with open_output(None) as stdout:
            _drawn(renderer, make_console(file=stdout))
        return
    write_text(as_text(renderer, OutputFormat.TABLE, file_width()), output)


def _drawn(renderer: Renderer, console: Console) -> None:
    from ccgrate._framework.caveat import caveat

    renderer.draw(console)
    line = caveat(renderer.frameworks())
    if line is not None:
        console.print(line)


def markdown_caveat(frameworks: Sequence[Framework]) -> str:
    """The caveat as the last paragraph of a Markdown document ("" if none is needed)."""
    from ccgrate._framework.caveat import caveat

    line = caveat(frameworks)
    if line is None:
        return ""
    head, rest = line.split(": ", 1)
    return f"\n**{head}:** {rest}\n"


def file_width() -> int:
    """The width of a table written to a file: COLUMNS, or 120."""
    try:
        return max(20, int(os.environ.get("COLUMNS", 120)))
    except ValueError:
        return 120
