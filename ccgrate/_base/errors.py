"""Errors that ccgrate reports to its user.

Every error the core raises for bad input is a `CcgrateError`. Its `str()` is the single line the
command line prints: where the problem is (file, line and column, or a key path), what is wrong,
and what to do about it. The command line maps each subclass to its documented exit code.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

# Characters that act on a terminal or reorder text instead of showing: C0 and C1 controls (ESC
# among them), format characters (bidi overrides, zero-width spaces), line and paragraph
# separators, and lone surrogates (file names that are not UTF-8).
_UNSHOWN = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})


def printable(text: str, keep: str = "") -> str:
    """Text as it may reach a terminal: every unshown character written as an escape (\\x1b, \\u202e).

    `keep` names characters to leave alone: a table keeps the line breaks of its multi-line cells.
    """
    if text.isprintable():
        return text
    return "".join(
        char.encode("unicode_escape", "backslashreplace").decode("ascii")
        if unicodedata.category(char) in _UNSHOWN and char not in keep
        else char
        for char in text
    )


def listed(items: Sequence[str], limit: int = 3) -> str:
    """The first few items, comma-separated, and how many more there are: messages stay one line."""
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


class CcgrateWarning(UserWarning):
    """What the command line says on standard error as a warning: the run went on, but look.
    The Python API issues these through Python's warnings."""


class CcgrateError(Exception):
    """A problem with the user's input that ccgrate can describe in one line."""

    def __init__(self, message: str, *, where: str | None = None, hint: str | None = None):
        self.message = message
        self.where = where
        self.hint = hint
        super().__init__(self.render())

    def render(self) -> str:
        parts = [self.where, self.message] if self.where else [self.message]
        text = ": ".join(parts)
        if self.hint:
            text = f"{text}; {self.hint}"
        # One line on stderr, whatever the input held, and nothing a terminal would act on.
        return printable(text)


class DataError(CcgrateError):
    """An indicator data file cannot be read or does not fit the framework."""


class NotIndicatorData(DataError):
    """A file with no organisation code column: some other table (a merger map, a lookup)."""


class FrameworkError(CcgrateError):
    """A framework definition is missing, malformed or inconsistent.

    `problems` holds every problem found (each already a full line); the message is the first.
    """

    def __init__(
        self,
        message: str,
        *,
        where: str | None = None,
        hint: str | None = None,
        problems: list[str] | None = None,
    ):
        super().__init__(message, where=where, hint=hint)
        self.problems = problems or [self.render()]

    def __str__(self) -> str:
        first = printable(self.problems[0])
        more = len(self.problems) - 1
        if more:
            return f"{first} (and {more} more problem{'s' if more > 1 else ''}: run `ccgrate framework check` to list them)"
        return first


class OutputError(CcgrateError):
    """An output file cannot be written."""


class UsageProblem(CcgrateError):
    """Options that cannot work together, found only once their values are known (exit 2)."""


class SheetSource(str):
    """`data.xlsx:Sheet1`, one sheet of a workbook, as data is tagged with its source. Its cells are
    named as the spreadsheet names them (`data.xlsx:Sheet1!D14`, and `!14:14` for a whole row), so
    that a reference can be pasted into the spreadsheet's Name Box."""

    path: str
    sheet: str

    def __new__(cls, path: str, sheet: str) -> SheetSource:
        made = super().__new__(cls, f"{path}:{sheet}")
        made.path, made.sheet = path, sheet
        return made


def column_letters(column: int) -> str:
    """A 1-based column number as a spreadsheet names it: 1 is A, 27 is AA."""
    letters = ""
    while column > 0:
        column, rest = divmod(column - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def location(path: str, line: int | None = None, column: int | None = None) -> str:
    """`path:line:column` (or `book.xlsx:Sheet!D14`), leaving out the parts that are unknown."""
    if isinstance(path, SheetSource) and line is not None:
        return f"{path}!{column_letters(column)}{line}" if column is not None else f"{path}!{line}:{line}"
    text = path
    if line is not None:
        text += f":{line}"
        if column is not None:
            text += f":{column}"
    return text


def clip(text: str, limit: int = 40) -> str:
    """A cell for a one-line message: control characters escaped, long text cut."""
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"
