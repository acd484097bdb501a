"""Where rendered output goes: tables drawn for a terminal or a file, and the caveat line after them."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ccgrate._base.streams import (
    open_output,
)
from ccgrate._base.streams import write_text as write_output
from ccgrate._render.console import make_console


def render_table(draw: Any, output: Path | None, frameworks: Any = ()) -> None:
    """Draw rich renderables to the terminal, or without colour into FILE; then, if any of
    `frameworks` is a reconstruction, the line that says so."""
    from ccgrate._framework.caveat import caveat

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
    drawn(make_console(file=buffer, width=file_width(), color_system=None, force_terminal=False))
    write_output(buffer.getvalue(), output)


def markdown_caveat(frameworks: Any) -> str:
    """The caveat as the last paragraph of a Markdown document ("" if none is needed)."""
    from ccgrate._framework.caveat import caveat

    line = caveat(frameworks)
    return "" if line is None else f"\n**{line.split(': ', 1)[0]}:** {line.split(': ', 1)[1]}\n"


def file_width() -> int:
    try:
        return max(20, int(os.environ.get("COLUMNS", 120)))
    except ValueError:
        return 120
