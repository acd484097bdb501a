"""What the Python API reads: data in any form it accepts (a path, bytes, a Source, a data frame,
records), the reading options, and the arguments that name periods, organisations and ratings.

A data frame or records are read as the CSV file they could have been read from, so that the
same rules and messages apply (line N of a message is row N - 2 of a frame, the header being line 1).
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, Union

from ccgrate._base.errors import DataError, UsageProblem

if TYPE_CHECKING:
    from ccgrate._read.dataset import Reading
    from ccgrate._scoring.bind import Population


class Source(NamedTuple):
    """Data already in memory: a name to say in messages, and the file's bytes (CSV or a workbook)."""

    name: str
    content: bytes


DataInput = Union[str, "os.PathLike[str]", bytes, Source, Any]


def reading_of(sheet: str | None, encoding: str, columns: Mapping[str, str] | None) -> Reading:
    from ccgrate._base.vocabulary import COLUMN_ALIASES, column_key
    from ccgrate._read.dataset import Reading

    pairs = tuple(
        (COLUMN_ALIASES.get(column_key(role), role.strip().lower()), header) for role, header in (columns or {}).items()
    )
    return Reading(encoding, sheet, pairs)


def _frame_kind(data: Any) -> str | None:
    module = type(data).__module__.split(".", 1)[0]
    if module == "pandas" and hasattr(data, "to_csv"):
        return "pandas"
    if module == "polars" and hasattr(data, "write_csv"):
        return "polars"
    if module == "pyarrow" and hasattr(data, "schema"):
        return "pyarrow"
    return None


def _records_csv(records: Sequence[Mapping[str, Any]]) -> bytes:
    header: dict[str, None] = {}
    for record in records:
        header.update(dict.fromkeys(map(str, record)))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(header), lineterminator="\n", restval="")
    writer.writeheader()
    for record in records:
        writer.writerow({str(k): "" if v is None else v for k, v in record.items()})
    return buffer.getvalue().encode("utf-8")


def _frame_csv(data: Any, kind: str) -> bytes:
    """A data frame as the CSV file it could have been read from: the same rules and messages apply
    (line N of the message is row N - 2 of the frame, the header being line 1)."""
    if kind == "pandas":
        return str(data.to_csv(index=False, lineterminator="\n")).encode("utf-8")
    if kind == "polars":
        return str(data.write_csv()).encode("utf-8")
    import pyarrow.csv as pacsv

    buffer = io.BytesIO()
    pacsv.write_csv(data, buffer)
    return buffer.getvalue()


def data_sources(data: DataInput | Sequence[DataInput]) -> list[tuple[str, bytes]]:
    """Every input as (name, bytes), as the command line reads files."""
    from ccgrate._base.streams import read_input

    if isinstance(data, Source):
        return [(data.name, data.content)]
    if isinstance(data, (bytes, bytearray, memoryview)):
        return [("<bytes>", bytes(data))]
    if isinstance(data, (str, os.PathLike)):
        name = os.fspath(data)
        if not os.path.lexists(name):
            from ccgrate._read.cells import normalise_period
            from ccgrate._read.years import locate_year

            period = normalise_period(name)
            if period is not None:
                name = str(locate_year(period, None).path)
        return [(name, read_input(name))]
    kind = _frame_kind(data)
    if kind is not None:
        return [(f"<{kind} {type(data).__name__}>", _frame_csv(data, kind))]
    if isinstance(data, Sequence) and data and all(isinstance(item, Mapping) for item in data):
        records: list[Mapping[str, Any]] = [item for item in data if isinstance(item, Mapping)]
        return [("<records>", _records_csv(records))]
    if isinstance(data, Iterable) and not isinstance(data, Mapping):
        found = [source for item in data for source in data_sources(item)]
        if found:
            return found
    raise UsageProblem(
        f"cannot read {type(data).__name__} as data",
        hint="give a path, bytes, a ccgrate.Source, a pandas or polars DataFrame, a pyarrow Table or records",
    )


def many(value: str | Sequence[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def one_population(
    data: DataInput, framework: str | os.PathLike[str] | None, period: str | None, reading: Reading
) -> tuple[Population, list[str], list[str]]:
    from ccgrate._scoring.run import parse_period_option, prepare

    sources = data_sources(data)
    wanted = [parse_period_option(period)] if period else []
    prepared = prepare(
        sources, framework=None if framework is None else os.fspath(framework), periods=wanted, reading=reading
    )
    if len(prepared.populations) != 1:
        periods = ", ".join(p.period for p in prepared.populations)
        raise DataError(f"holds several periods ({periods})", where=sources[0][0], hint="choose one with --period")
    return prepared.populations[0], prepared.notes, prepared.warnings


def org_index(population: Population, spec: str) -> int:
    from ccgrate._read.organisations import match_orgs

    (code,) = match_orgs([spec], dict(zip(population.codes, population.names)), population.source)
    return population.codes.index(code)


def rating_named(value: str | None, ratings: Sequence[str]) -> str | None:
    """A rating as the framework spells it (any case, spaces around)."""
    if value is None:
        return None
    wanted = value.strip().casefold()
    for rating in ratings:
        if rating.casefold() == wanted:
            return rating
    raise UsageProblem(f"{value!r} is not a rating of the framework ({', '.join(ratings)})")


def reading_options(reading: Reading) -> dict[str, Any]:
    """The keyword arguments that read data as a command line's --sheet, --encoding and --column."""
    return {"sheet": reading.sheet, "encoding": reading.encoding, "columns": dict(reading.columns)}
