"""CSV text into a `Table`: the encoding, the delimiter and the header row found, every row checked."""

from __future__ import annotations

import csv
import gc
import hashlib
import io
from collections.abc import Iterator
from contextlib import contextmanager

from ccgrate._base.errors import DataError, location
from ccgrate._read.dataset import Reading, Table
from ccgrate._read.layout import HEADER_SEARCH_ROWS, code_column, is_header, layout_note, records_end


def decode(raw: bytes, source: str, encoding: str = "utf-8-sig") -> str:
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff") and not encoding.lower().replace("_", "-").startswith("utf-16"):
        raise DataError(
            "the file is UTF-16 text (as Excel's 'Unicode text' saves it)",
            where=source,
            hint="pass --encoding utf-16, or save it as CSV UTF-8",
        )
    if b"\x00" in raw and not encoding.lower().replace("_", "-").startswith(("utf-16", "utf-32")):
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        raise DataError(
            "contains NUL bytes, so it is not a CSV text file",
            where=location(source, line),
            hint="export the data as CSV (comma-separated values)",
        )
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        hint = (
            "if the file came from Excel on Windows, try --encoding cp1252 (or latin-1)"
            if encoding.lower().replace("_", "-") in ("utf-8", "utf-8-sig", "utf8")
            else "check the file's encoding and pass it with --encoding"
        )
        shown = "UTF-8" if encoding.lower().replace("_", "-") in ("utf-8", "utf-8-sig", "utf8") else encoding
        raise DataError(
            f"byte 0x{raw[error.start]:02x} is not valid {shown} text",
            where=location(source, line, column),
            hint=hint,
        ) from None
    except LookupError:
        raise DataError(
            f'unknown encoding "{encoding}"', hint="use an encoding name such as utf-8, cp1252 or latin-1"
        ) from None


def read_csv_table(raw: bytes, source: str, reading: Reading) -> Table:
    text = decode(raw, source, reading.encoding)
    if not text.strip():
        raise DataError("the file is empty", where=source, hint="give a CSV file with a header row and data rows")
    header_index, delimiter = find_csv_header(text, reading)
    skipped = 0
    if header_index:
        lines = text.split("\n", header_index)
        skipped = len(text) - len(lines[-1])
    reader = csv.reader(io.StringIO(text[skipped:], newline=""), delimiter=delimiter, strict=True)
    rows: list[tuple[int, list[str]]] = []
    previous_end = 0
    # Millions of cells are millions of new objects: the cyclic garbage collector would walk them
    # again and again while they are made, and none of them can be garbage yet.
    with _collector_paused():
        try:
            for row in reader:
                rows.append((header_index + previous_end + 1, row))
                previous_end = reader.line_num
        except csv.Error as error:
            raise DataError(
                f"unreadable CSV: {error}",
                where=location(source, header_index + previous_end + 1),
                hint="check the quoting on this line",
            ) from None
    header_line, header = rows[0]
    body = rows[1:]
    end = records_end(body, code_column(header, reading))
    # Python reads 1_000 and digits of other scripts as numbers, and no export means them so: where
    # the file's cells hold neither, no column needs looking at again for them.
    body_text = text[skipped:].split("\n", 1)[1] if "\n" in text[skipped:] else ""
    table = Table(
        source,
        hashlib.sha256(raw).hexdigest(),
        header_line,
        header,
        body[:end],
        "\x1e" in text or "\x1f" in text,
        body_text.isascii() and "_" not in body_text,
        delimiter == ";",
    )
    titles = sum(1 for line in text[:skipped].split("\n") if line.strip().strip(",;\t"))
    note = layout_note(source, header_line, titles, body[end:])
    if note:
        table.notes.append(note)
    for line, row in table.body:
        if len(row) != len(header) and (row and (row[0].strip() or "".join(row).strip())):
            raise DataError(
                f"this row has {len(row)} fields but the header has {len(header)}",
                where=location(source, line),
                hint="every row needs one field per header column (check for a stray or missing comma)",
            )
    return table


def find_csv_header(text: str, reading: Reading) -> tuple[int, str]:
    """The line of the header (0-based) and the delimiter: the first of the first lines that names
    an organisation code column when split by comma, semicolon or tab. Failing that, the first line
    and the delimiter it holds most of (and the reader then says what is missing)."""
    lines = text.split("\n", HEADER_SEARCH_ROWS)[:HEADER_SEARCH_ROWS]
    for index, line in enumerate(lines):
        found = [
            (len(cells), delimiter)
            for delimiter in (",", ";", "\t")
            if is_header(cells := [c.strip().strip('"') for c in line.rstrip("\r").split(delimiter)], reading)
        ]
        if found:
            return index, max(found)[1]
    first = lines[0]
    return 0, max((",", ";", "\t"), key=lambda d: (first.count(d), d == ","))


@contextmanager
def _collector_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
