"""A year given instead of a file: the data file whose name carries it, here or among the examples."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ccgrate._base.errors import DataError
from ccgrate._base.shipped import shipped


def year_file_patterns(period: str) -> list[str]:
    """The file names a year resolves to in a data directory, in the order they are tried."""
    start, end = int(period[:4]), period[5:]
    stems = [f"*{start}-{end}*", f"*{start}_{end}*", f"*{start}{end}*", f"*{start}-{start + 1}*", f"{start}"]
    return [stem + suffix for stem in stems for suffix in YEAR_FILE_SUFFIXES]


YEAR_FILE_SUFFIXES = (".csv", ".xlsx", ".xls", ".ods")


def bundled_examples() -> Path:
    """The example data that ships with ccgrate (synthetic national populations, illustrative Bromley):
    inside an installed package, or at the top of a source checkout."""
    return shipped("examples")


def find_year_file(period: str, directory: Path) -> Path | None:
    """The one data file in `directory` whose name carries `period`; None if there is none."""
    patterns = year_file_patterns(period)
    found = sorted({path for pattern in patterns for path in directory.glob(pattern) if path.is_file()})
    if len(found) > 1:
        raise DataError(
            f"several data files for {period} in {directory}: {', '.join(p.name for p in found)}",
            hint="give the path of the one to use instead of the year",
        )
    return found[0] if found else None


@dataclass(frozen=True)
class YearFile:
    path: Path
    bundled: bool  # one of the synthetic examples that ship with ccgrate


def locate_year(period: str, data_dir: Path | None = None) -> YearFile:
    """A year's data file: in `data_dir` (when given), then the current directory, then the examples
    that ship with ccgrate."""
    if data_dir is not None and not data_dir.is_dir():
        raise DataError(
            f"--data-dir {data_dir}: no such directory", hint="give the directory that holds the data files"
        )
    places = [(data_dir, False)] if data_dir is not None else []
    places += [(Path("."), False), (bundled_examples(), True)]
    seen: set[Path] = set()
    for directory, bundled in places:
        resolved = directory.resolve()
        if resolved in seen or not directory.is_dir():
            continue
        seen.add(resolved)
        found = find_year_file(period, directory)
        if found is not None:
            return YearFile(found, bundled and resolved != Path(".").resolve())
    start, end = int(period[:4]), period[5:]
    raise DataError(
        f"no data file for {period} in {data_dir or 'the current directory'}, nor among the bundled examples",
        hint=f"looked for *{start}-{end}*, *{start}_{end}*, *{start}{end}*, *{start}-{start + 1}* or {start} "
        f"({', '.join(YEAR_FILE_SUFFIXES)}); name a file so, pass --data-dir, or give the path instead of the year",
    )
