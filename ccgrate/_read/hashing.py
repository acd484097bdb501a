"""The content hash of a data file: the same for the same records in any order or carrier."""

from __future__ import annotations

import csv
import hashlib
import io

import numpy as np


def content_hash(header: list[str], records: list[list[str]], separators: bool | None = None) -> str:
    """sha256 of the parsed records, whatever their order: the same for the same data in any row
    order, with any line ends, quoting, byte-order mark, delimiter or encoding; different for any
    two files whose cells differ (a line break inside a cell included).

    Each record (the header first) is hashed on its own: its cells joined with the ASCII unit
    separator, as UTF-8. The content hash is the sha256 of the tag `ccgrate-records-2`, the
    header's digest and the records' digests in ascending byte order: no record is compared with
    another, so it costs one pass however large the file, and the fast reader computes the same from
    the file's bytes. A file whose cells hold the unit or record separator has each record written
    as a CSV line with every cell quoted instead, tagged `ccgrate-records-csv-2`, so the two ways can
    never give the same hash for different data. `separators`, when the caller knows (the file's
    text holds either character), saves looking cell by cell."""
    if separators is None:
        separators = any("\x1e" in cell or "\x1f" in cell for row in [header, *records] for cell in row)
    if separators:

        def encoded(row: list[str]) -> bytes:
            buffer = io.StringIO()
            csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\n").writerow(row)
            return buffer.getvalue().encode("utf-8", "surrogatepass")
    else:

        def encoded(row: list[str]) -> bytes:
            return "\x1f".join(row).encode("utf-8", "surrogatepass")

    sha256 = hashlib.sha256
    digests = b"".join([sha256(encoded(row)).digest() for row in records])
    return combine_digests(sha256(encoded(header)).digest(), digests, separators)


def combine_digests(header: bytes, records: bytes, separators: bool) -> str:
    """The content hash from the header's digest and the records' 32-byte digests (any order)."""
    words = np.frombuffer(records, dtype=">u8").reshape(-1, 4)
    # Ascending byte order is ascending order of the four big-endian words, the first most significant.
    ordered = words[np.lexsort(words.T[::-1])].tobytes()
    tag = b"ccgrate-records-csv-2" if separators else b"ccgrate-records-2"
    return hashlib.sha256(tag + header + ordered).hexdigest()
