"""The rich console, made to show data as data."""

from __future__ import annotations

import errno
import functools
from typing import Any

from ccgrate._base.errors import printable


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
