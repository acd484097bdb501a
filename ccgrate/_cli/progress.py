"""A progress display on standard error for work that turns out to be slow."""

from __future__ import annotations

import sys
from typing import Any

from ccgrate._base.signals import cursor_hidden
from ccgrate._cli.messages import verbosity
from ccgrate._render.console import make_console


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
            self._progress = Progress(
                TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=console, transient=True
            )
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
