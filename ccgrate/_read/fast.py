"""The fast reader: a plain wide CSV file read column by column in C, without an object per cell.

A national file is a grid of numbers. Reading it the general way makes a Python string of every
cell and then a float of every string, which at a million organisations is most of the run and
several GB. Here numpy finds the delimiters in the file's bytes, and numpy's text reader
(`loadtxt`, or `fromstring` for a block with empty cells) turns each block of numeric fields into
doubles in one C call (both read numbers with CPython's own correctly rounded parser, so every value
is the same double `float()` gives, and the exact arithmetic built on those doubles is unchanged). Only identity columns (codes, names, periods) and columns whose
cells are not all plain numbers become Python strings.

The fast path takes a file only when it can be sure it reads it exactly as `data.read_csv_table`
would: UTF-8, no quoting, no NUL or ASCII separator bytes, line ends either all LF or all CRLF,
every row with as many fields as the header, and no blank code. Anything else returns None and the
general reader runs, so every message about a malformed file is the general reader's. A column
with a single cell the fast path cannot take (a % sign, a suppression marker, a thousands
separator) is kept as text and goes through `data.parse_number` cell by cell, with its messages.
"""

from __future__ import annotations

import codecs
import hashlib
import io
from collections.abc import Callable

import numpy as np

from ccgrate._read.dataset import Column, Dataset, Reading, Table
from ccgrate._read.hashing import combine_digests
from ccgrate._read.layout import (
    IDENTITY,
    check_unique_records,
    header_roles,
    identity_columns,
    is_note_row,
    layout_note,
    period_notes,
    total_rows,
    totals_note,
)
from ccgrate._read.missing import read_missing
from ccgrate._read.text import find_csv_header

CHUNK_ROWS = 16_384  # rows parsed at a time: the temporaries stay a few MB whatever the file's size
_BLOCK = 1 << 23
_BOM = codecs.BOM_UTF8
_NUMBER_BYTES = np.zeros(256, dtype=bool)
_NUMBER_BYTES[np.frombuffer(b"0123456789.+-eE", dtype=np.uint8)] = True
_PLAIN_BLOCK_BYTES = b"0123456789.+-eE\r\n"  # with the delimiter: every byte a block of plain numbers holds


def read_fast(raw: bytes, source: str, reading: Reading) -> Dataset | None:
    """The dataset of a plain wide CSV file, or None when the general reader must take the file."""
    encoding = reading.encoding.lower().replace("_", "-")
    if encoding not in ("utf-8-sig", "utf-8", "utf8"):
        return None
    start = len(_BOM) if raw.startswith(_BOM) else 0
    if start and encoding != "utf-8-sig":
        return None
    if not raw or raw.isspace() or any(mark in raw for mark in (b"\x00", b'"', b"\x1e", b"\x1f")):
        return None
    if not raw.isascii() and not _valid_utf8(raw):
        return None
    carriage_returns = raw.count(b"\r")
    crlf = carriage_returns > 0
    if crlf and carriage_returns != raw.count(b"\r\n"):
        return None
    end = len(raw)
    while end > start and raw[end - 1] in b"\r\n":
        end -= 1

    # The header, found as the general reader finds it, from the first lines only.
    head_end = start
    for _ in range(50):
        found = raw.find(b"\n", head_end + 1 if head_end > start else start)
        if found < 0:
            head_end = end
            break
        head_end = found
    try:
        head = raw[start:head_end].decode("utf-8")
    except UnicodeDecodeError:
        return None
    header_index, delimiter = find_csv_header(head, reading)
    if delimiter == ";":  # decimal commas: the general reader's rules
        return None
    header_start = start
    for _ in range(header_index):
        header_start = raw.index(b"\n", header_start) + 1
    header_end = raw.find(b"\n", header_start)
    if header_end < 0 or header_end >= end:
        return None  # no data rows: the general reader says so
    header_line = header_index + 1
    header = raw[header_start:header_end].rstrip(b"\r").decode("utf-8").split(delimiter)
    if any(not cell.strip() for cell in header):
        return None
    body_start = header_end + 1
    table = Table(source, "", header_line, header, [], False, False)
    names = header_roles(table, reading)
    if "indicator" in names:
        return None  # long-shaped: one value per row, read by the general reader

    last_line = raw[raw.rfind(b"\n", 0, end) + 1 : end].rstrip(b"\r").decode("utf-8").split(delimiter)
    if is_note_row(last_line, names.index("org_code")):
        return None  # notes below the table: the general reader sets them aside and says so
    delimiter_byte = ord(delimiter)
    body = np.frombuffer(raw, dtype=np.uint8, count=end - body_start, offset=body_start)
    newlines = _positions(body, 10)
    row_starts = np.empty(len(newlines) + 1, dtype=np.int64)
    row_starts[0] = 0
    row_starts[1:] = newlines + 1
    row_ends = np.empty_like(row_starts)
    row_ends[:-1] = newlines - 1 if crlf else newlines
    row_ends[-1] = len(body)
    count, width = len(row_starts), len(header)
    if (row_ends < row_starts).any():
        return None

    text_at = [index for index, name in enumerate(names) if name in IDENTITY]
    numeric = [index for index, name in enumerate(names) if name not in IDENTITY]
    numbers = {index: np.empty(count, dtype=np.float64) for index in numeric}
    texts: dict[int, list[str]] = {index: [] for index in text_at}
    digests = bytearray()
    sha256 = hashlib.sha256
    as_text = set()  # numeric candidates found to hold a cell that is not a plain number
    for first in range(0, count, CHUNK_ROWS):
        last = min(first + CHUNK_ROWS, count)
        lo, hi = int(row_starts[first]), int(row_ends[last - 1])
        block = body[lo:hi]
        starts_rel, ends_rel = row_starts[first:last] - lo, row_ends[first:last] - lo
        bounds = _field_bounds(block, starts_rel, ends_rel, width, delimiter_byte)
        if bounds is None:
            return None
        field_starts, field_ends = bounds
        # The identity columns as text; the records' digests for the content hash.
        chunk = raw[body_start + lo : body_start + hi]
        for index in text_at:
            texts[index].extend(_texts(chunk, field_starts[:, index], field_ends[:, index]))
        joined = chunk.replace(delimiter.encode(), b"\x1f")
        digests += b"".join([sha256(joined[s:e]).digest() for s, e in zip(starts_rel.tolist(), ends_rel.tolist())])
        candidates = [index for index in numeric if index not in as_text]
        while candidates:
            values, failed = _parse(block, field_starts, field_ends, candidates, delimiter_byte)
            if not failed:
                for k, index in enumerate(candidates):
                    numbers[index][first:last] = values[:, k]
                break
            as_text.update(failed)
            candidates = [index for index in candidates if index not in failed]

    if as_text:
        # Columns found to hold text (judgements, a % sign, a marker) are read a block at a time like
        # the identity columns, not cell by cell from each row's text.
        texts.update({index: [] for index in as_text})
        for index in as_text:
            del numbers[index]
        for first in range(0, count, CHUNK_ROWS):
            last = min(first + CHUNK_ROWS, count)
            lo, hi = int(row_starts[first]), int(row_ends[last - 1])
            bounds = _field_bounds(
                body[lo:hi], row_starts[first:last] - lo, row_ends[first:last] - lo, width, delimiter_byte
            )
            assert bounds is not None, "the same block was read in the first pass"
            chunk = raw[body_start + lo : body_start + hi]
            for index in as_text:
                texts[index].extend(_texts(chunk, bounds[0][:, index], bounds[1][:, index]))

    codes_text = texts[names.index("org_code")]
    if any(not code.strip() for code in codes_text):
        return None  # a blank row or a blank code: the general reader's rules and messages
    heading = header[names.index("org_code")].strip()
    if any(code.strip().casefold() == heading.casefold() for code in codes_text):
        return None  # a second table under its own header: the general reader says so
    lines: range | list[int] = range(header_line + 1, header_line + 1 + count)
    rows_of = {name: texts[names.index(name)] for name in IDENTITY if name in names}
    kept = total_rows(rows_of["org_code"], rows_of.get("org_name"))
    notes: list[str] = []
    titles = sum(1 for line in raw[start:header_start].split(b"\n") if line.strip().strip(b",;\t"))
    note = layout_note(source, header_line, titles)
    if note:
        notes.append(note)
    order = None
    if kept is not None:
        totals, order = kept
        notes.append(
            totals_note(
                source,
                [
                    (lines[i], rows_of["org_code"][i].strip() or (rows_of.get("org_name") or [""] * count)[i].strip())
                    for i in totals
                ],
            )
        )
        lines = [lines[i] for i in order]
        rows_of = {name: [column[i] for i in order] for name, column in rows_of.items()}
        texts.update({index: [texts[index][i] for i in order] for index in as_text})
        numbers = {index: column[order] for index, column in numbers.items()}
        row_starts, row_ends = row_starts[order], row_ends[order]
        digest_rows = np.frombuffer(bytes(digests), dtype=np.uint8).reshape(-1, 32)[order]
        digests = bytearray(digest_rows.tobytes())
    header_digest = sha256("\x1f".join(header).encode("utf-8")).digest()
    content = combine_digests(header_digest, bytes(digests), separators=False)
    del digests

    codes, org_names, periods = identity_columns(
        {name: (names.index(name), rows) for name, rows in rows_of.items()}, lines, source
    )
    check_unique_records(codes, periods, lines, source)
    dataset = Dataset(source, hashlib.sha256(raw).hexdigest(), content, "wide", codes, org_names, periods, lines)
    if "peer_group" in rows_of:
        dataset.peer_groups = [text.strip() for text in rows_of["peer_group"]]
    cell_text = _cell_reader(raw, body_start, row_starts, row_ends, delimiter)
    for index, name in enumerate(names):
        if name in IDENTITY:
            continue
        title = header[index].strip()
        if index in as_text:
            column = Column(title, texts[index], index + 1)
        else:
            column = Column(title, None, index + 1, numbers=numbers[index], text_of=_texts_of(cell_text, index))
        if name.endswith("_numerator"):
            dataset.numerators[name[: -len("_numerator")]] = column
        elif name.endswith("_denominator"):
            dataset.denominators[name[: -len("_denominator")]] = column
        else:
            dataset.values[name] = column
    dataset.plain_numbers = False
    dataset.notes = [*notes, *period_notes(rows_of.get("period"), source)]
    read_missing(dataset)
    return dataset


def _field_bounds(
    block: np.ndarray, starts: np.ndarray, ends: np.ndarray, width: int, delimiter: int
) -> tuple[np.ndarray, np.ndarray] | None:
    """Where each field of a block of rows starts and ends (rows x fields, from the block's start),
    or None when a row has more or fewer fields than the header."""
    delimiters = np.flatnonzero(block == delimiter)
    rows = len(starts)
    if len(delimiters) != rows * (width - 1):
        return None
    if width == 1:
        return starts[:, None], ends[:, None]
    grid = delimiters.reshape(rows, width - 1)
    if (grid[:, 0] < starts).any() or (grid[:, -1] >= ends).any():
        return None
    field_starts = np.empty((rows, width), dtype=np.int64)
    field_ends = np.empty((rows, width), dtype=np.int64)
    field_starts[:, 0] = starts
    field_starts[:, 1:] = grid + 1
    field_ends[:, :-1] = grid
    field_ends[:, -1] = ends
    return field_starts, field_ends


def _texts(chunk: bytes, starts: np.ndarray, ends: np.ndarray) -> list[str]:
    """One column's fields as strings: its bytes gathered with a unit separator after each field
    (a byte the fast reader has made sure the file does not hold), decoded and split once."""
    lengths = ends - starts + 1  # each field and the byte after it
    total = int(lengths.sum())
    offsets = np.cumsum(lengths) - lengths
    taken = np.frombuffer(chunk, dtype=np.uint8, count=len(chunk))
    picked = np.empty(total, dtype=np.uint8)
    inside = np.arange(total) - np.repeat(offsets - starts, lengths)
    picked[:] = taken[np.minimum(inside, len(chunk) - 1)]
    picked[offsets + lengths - 1] = 0x1F
    return picked.tobytes().decode("utf-8").split("\x1f")[:-1]


def _parse(
    block: np.ndarray, starts: np.ndarray, ends: np.ndarray, columns: list[int], delimiter: int
) -> tuple[np.ndarray, set[int]]:
    """The fields of `columns` as doubles (NaN where blank), or the columns holding a cell that is
    not a plain finite number (which only a failing block pays to find)."""
    grid = _whole_rows(block, starts, ends, columns, delimiter)
    if grid is not None:
        return grid, set()
    failed = _columns_with_odd_bytes(block, starts, columns, delimiter)
    if not failed:
        # Only number characters, yet a field is not a number ("1..2", "-", "1e999"): column by column.
        s, e = starts[:, columns], ends[:, columns]
        empty = s == e
        failed = {
            index
            for k, index in enumerate(columns)
            if _numbers(block, s[~empty[:, k], k], e[~empty[:, k], k], delimiter) is None
        }
    assert failed, "a block that fails has a column that fails alone"
    return np.empty(0), failed


def _columns_with_odd_bytes(block: np.ndarray, starts: np.ndarray, columns: list[int], delimiter: int) -> set[int]:
    """The columns among `columns` with a byte no plain number has (a letter, a space, a % sign)."""
    allowed = _NUMBER_BYTES.copy()
    allowed[[delimiter, 10, 13]] = True
    odd = np.flatnonzero(~allowed[block])
    if not len(odd):
        return set()
    # Fields start in ascending order row by row: the field holding a byte is the last to start at or before it.
    field = np.searchsorted(starts.ravel(), odd, side="right") - 1
    return set(np.unique(field % starts.shape[1]).tolist()) & set(columns)


def _whole_rows(
    block: np.ndarray, starts: np.ndarray, ends: np.ndarray, columns: list[int], delimiter: int
) -> np.ndarray | None:
    """The block read whole by numpy's text reader, without gathering the numeric fields: the other
    columns' fields (codes, names) are first overwritten with zeros, so that one check of every byte
    covers the block, and then skipped; an empty field is given the text nan (after the check, so
    that only a blank cell reads as NaN). None when a numeric field is not a plain finite number."""
    others = [index for index in range(starts.shape[1]) if index not in set(columns)]
    work = block.copy()
    if others:
        lengths = (ends[:, others] - starts[:, others]).ravel()
        first = starts[:, others].ravel()
        offsets = np.cumsum(lengths) - lengths
        work[np.repeat(first - offsets, lengths) + np.arange(int(lengths.sum()))] = ord("0")
    if work.tobytes().translate(None, _PLAIN_BLOCK_BYTES + bytes((delimiter,))):
        return None  # a letter, a space, a % sign, a quote: not a plain number
    empty = starts == ends
    blank = empty[:, columns]
    if empty.any():
        at = starts[empty]  # ascending: row by row, field by field
        work = np.insert(work, np.repeat(at, 3), np.tile(np.frombuffer(b"nan", dtype=np.uint8), len(at)))
    try:
        # loadtxt reads each number with CPython's own correctly rounded parser (PyOS_string_to_double,
        # as float() does) and raises on a token that is not a whole number; twice as fast as fromstring.
        grid = np.loadtxt(
            io.BytesIO(work.tobytes()),
            delimiter=chr(delimiter),
            dtype=np.float64,
            comments=None,
            usecols=columns,
            ndmin=2,
            encoding="ascii",
        )
    except ValueError:
        return None
    if grid.shape != (starts.shape[0], len(columns)):
        return None
    if not np.isfinite(grid).all() and (~np.isfinite(grid) & ~blank).any():
        return None  # 1e999 reads as infinity: not a number ccgrate takes
    return grid


def _numbers(block: np.ndarray, starts: np.ndarray, ends: np.ndarray, delimiter: int) -> np.ndarray | None:
    """Non-empty fields (in file order) as doubles, or None if any is not a plain finite number."""
    if len(starts) == 0:
        return np.zeros(0)
    # Keep each field and the one byte after it (its delimiter or line end), in file order.
    mark = np.zeros(len(block) + 2, dtype=np.int8)
    mark[starts] += 1
    mark[ends + 1] -= 1
    kept = block[np.cumsum(mark[:-2], dtype=np.int8).view(bool)]
    separators = (kept == delimiter) | (kept == 10) | (kept == 13)
    if not _NUMBER_BYTES[kept[~separators]].all():
        return None  # a letter, a space, a % sign, a comma: not a plain number
    kept[separators] = ord(",")
    try:
        # Text mode of fromstring is not deprecated; a token that is not a whole number raises.
        values = np.fromstring(kept.tobytes(), dtype=np.float64, sep=",")
    except ValueError:
        return None
    if len(values) != len(starts) or not np.isfinite(values).all():
        return None
    return values


def _positions(body: np.ndarray, byte: int) -> np.ndarray:
    """Where `byte` occurs, a block at a time so that no temporary is the size of the file."""
    found = [np.flatnonzero(body[at : at + _BLOCK] == byte) + at for at in range(0, len(body), _BLOCK)]
    return np.concatenate(found) if found else np.zeros(0, dtype=np.int64)


def _valid_utf8(raw: bytes) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for at in range(0, len(raw), _BLOCK):
            decoder.decode(raw[at : at + _BLOCK])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _cell_reader(
    raw: bytes, body_start: int, row_starts: np.ndarray, row_ends: np.ndarray, delimiter: str
) -> Callable[[int, int], str]:
    """The text of one cell, for messages and for the columns read as text, from the file's bytes."""

    def text(record: int, column: int) -> str:
        start = body_start + int(row_starts[record])
        end = body_start + int(row_ends[record])
        return raw[start:end].decode("utf-8").split(delimiter)[column]

    return text


def _texts_of(cell_text: Callable[[int, int], str], column: int) -> Callable[[int], str]:
    """A column's way back to any one record's cell text."""
    return lambda record: cell_text(record, column)
