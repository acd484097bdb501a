"""What a dataset's cells say in place of a value: statistical shorthand ([c], [x], *, ..), read as
missing and counted in one note per file; numbers carrying a note's shorthand (56.2 [p]), read as
the number; and spreadsheet errors (#DIV/0!), read as missing with a warning that names the cells,
since a formula failed upstream and the person must know."""

from __future__ import annotations

import re
from collections import Counter

from ccgrate._base.errors import listed, location
from ccgrate._base.vocabulary import ANNOTATED, SHORTHAND, SPREADSHEET_ERRORS, column_key
from ccgrate._read.dataset import Column, Dataset
from ccgrate._read.layout import DESCRIPTIVE


def _cell_name(dataset: Dataset, column: Column, index: int) -> str:
    """A cell as the person finds it: `14:5` in a CSV file (line and column), `D14` in a sheet."""
    cell = dataset.cell(column, index)
    where = location(dataset.source, cell.line, cell.column)
    return where.rsplit("!", 1)[1] if "!" in where else where[len(dataset.source) + 1 :]


# A cell that is only a dash (the one symbol a number can start with, as -5 does).
_LONE_DASH = re.compile(r"(?m)^[^\S\n]*-[^\S\n]*$")


def _could_hold_symbols(joined: str) -> bool:
    """Whether a column's cells, joined by line ends, could hold a symbol, a note's shorthand or an
    error: a few searches in C pass over a column of plain numbers and blanks."""
    return (
        any(char in joined for char in "*:#[]xX")
        or ".." in joined
        or ("-" in joined and _LONE_DASH.search(joined) is not None)
    )


def _by_count(counts: Counter[str]) -> list[tuple[str, int]]:
    """Most frequent first, ties in a fixed order, so the note is the same on every run."""
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def read_missing(dataset: Dataset) -> None:
    """Add to the dataset's notes and warnings what its value and count columns hold in place of values."""
    shorthand: Counter[str] = Counter()
    annotated: Counter[str] = Counter()
    errors: dict[str, list[str]] = {}
    columns = [*dataset.values.items(), *dataset.numerators.items(), *dataset.denominators.items()]
    for key, column in columns:
        if column.texts is None or column_key(key) in DESCRIPTIVE:
            continue  # numbers read whole by the fast reader hold no words; descriptive columns are not read
        texts = column.texts
        if not _could_hold_symbols("\n".join(texts)):
            continue
        failed: set[str] = set()
        for text, count in Counter(texts).items():  # one pass: a large file holds many distinct numbers
            word = text.strip().lower()
            if word in SHORTHAND:
                shorthand[text.strip()] += count
            elif word in SPREADSHEET_ERRORS:
                failed.add(text)
            elif word.endswith("]") and (found := ANNOTATED.search(word)) and found.start() > 0:
                for mark in found.group(0).split("]")[:-1]:
                    annotated[mark.strip() + "]"] += count
        for index, text in enumerate(texts) if failed else ():
            if text in failed:
                errors.setdefault(text.strip().upper(), []).append(_cell_name(dataset, column, index))
    if shorthand or annotated:
        parts = []
        if shorthand:
            count = sum(shorthand.values())
            parts.append(
                f"{count} {'cells hold' if count != 1 else 'cell holds'} a statistical symbol in place of a value, read as "
                f"missing ({', '.join(f'{mark} {n}' for mark, n in _by_count(shorthand))})"
            )
        if annotated:
            count = sum(annotated.values())
            parts.append(
                f"{count} {'numbers carry' if count != 1 else 'number carries'} a note's shorthand, read as the number "
                f"({', '.join(f'{mark} {n}' for mark, n in _by_count(annotated))})"
            )
        dataset.notes.append(f"{dataset.source}: {'; '.join(parts)}")
    if errors:
        count = sum(len(cells) for cells in errors.values())
        where = "; ".join(f"{error} at {listed(cells, 5)}" for error, cells in sorted(errors.items()))
        dataset.warnings.append(
            f"{dataset.source}: {count} {'cells hold' if count != 1 else 'cell holds'} a spreadsheet error where a value "
            f"belongs ({where}): a formula failed before the file was saved, so these are read as missing"
        )
