"""The rich console, made to show data as data, and the pieces of text every table for people uses.

rich is imported when a table is drawn, never when this module is: commands that write machine
formats import it only for the console they never draw on.
"""

from __future__ import annotations

import errno
import functools
from typing import TYPE_CHECKING, Any

from ccgrate._base.errors import printable

if TYPE_CHECKING:
    from rich.text import Text


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
                segment
                if segment.control or segment.text.isprintable()
                else Segment(printable(segment.text, keep="\n"), segment.style, segment.control)
                for segment in buffer
            )

    return SafeConsole


def make_console(**options: Any) -> Any:
    """A console with no markup, emoji codes or highlighting: strings from data show as written."""
    return _console_class()(**{"markup": False, "emoji": False, "highlight": False, **options})


RATING_STYLES = {
    "Outstanding": "bold bright_green",
    "Good": "green",
    "Requires improvement": "yellow",
    "Inadequate": "bold red",
}


def plain(text: str, style: str = "") -> Text:
    """Text shown as written: markup, emoji codes and control characters never act (data and
    framework strings reach tables through here or through the console's own render_str)."""
    from rich.text import Text

    return Text(printable(text, keep="\n"), style=style)


def rating_text(rating: str | None) -> Text:
    if rating is None:
        return plain("not rated", style="dim")
    return plain(rating, style=RATING_STYLES.get(rating, "bold"))


def abbreviation(rating: str) -> str:
    """A rating as a narrow table writes it: its initials (RI for Requires improvement)."""
    return "".join(word[0] for word in rating.split()).upper()


def short_number(value: Any) -> str:
    """A statistic in a table for people: four significant digits, blank where there is none."""
    return "" if value is None else f"{value:.4g}"


WIDE = 120  # from this width on, tables show everything in full


def compact_reference(text: str) -> str:
    """8 | 10.7 | 13.4 (lower better) as 8|10.7|13.4 ↓: a reference that fits a narrow column."""
    return (
        text.replace(" (lower better)", " ↓").replace(" (higher better)", " ↑").replace(" | ", "|").replace(" > ", ">")
    )
