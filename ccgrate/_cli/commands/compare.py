"""ccgrate compare: what changed between two years, for whom, and why."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ccgrate._base.errors import DataError, listed, printable
from ccgrate._cli.exits import ExitCode
from ccgrate._cli.inputs import guard_output, read_sources, year_file
from ccgrate._cli.messages import info, say, tell, verbosity_options
from ccgrate._cli.options import (
    FRAMEWORK,
    INPUT,
    format_option,
    output_option,
    reading_options,
)
from ccgrate._cli.progress import LateProgress
from ccgrate._render.output import OutputFormat, write

if TYPE_CHECKING:
    from ccgrate._read.dataset import Reading


@click.command()
@click.argument("side_a", metavar="A", type=INPUT)
@click.argument("side_b", metavar="B", type=INPUT)
@click.option(
    "--data",
    "data_file",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Take both years from this multi-period file.",
)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="CCGRATE_DATA_DIR",
    help="Where a year finds its data file first (also CCGRATE_DATA_DIR); then the current directory, "
    "then the synthetic national examples that ship with ccgrate.",
)
@click.option(
    "--framework-a", metavar="ID|PATH", type=FRAMEWORK, help="Framework for A instead of the built-in for its year."
)
@click.option(
    "--framework-b", metavar="ID|PATH", type=FRAMEWORK, help="Framework for B instead of the built-in for its year."
)
@click.option(
    "--map",
    "map_file",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Mergers: a CSV of old_code,new_code[,weight]; predecessors are combined and compared with their successor.",
)
@click.option(
    "--combine",
    type=click.Choice(["auto", "weighted", "mean"]),
    default="auto",
    show_default=True,
    help="How predecessors' values are combined: weighted by the map's weight column, or a plain mean "
    "(auto: weighted when the map has weights). Counts are always summed.",
)
@click.option(
    "--org",
    "orgs",
    multiple=True,
    metavar="CODE|NAME",
    help="Show this organisation in detail (repeatable), by code or (part of) its name.",
)
@click.option(
    "--indicator",
    "indicators",
    multiple=True,
    metavar="ID",
    help="Show only these indicators in the detail (repeatable); scores still use them all.",
)
@click.option(
    "--fail-if-worse",
    is_flag=True,
    help=f"Exit with code {ExitCode.BELOW_THRESHOLD.value} if any matched organisation's rating fell.",
)
@format_option()
@output_option
@reading_options
@verbosity_options
def compare(
    side_a: str,
    side_b: str,
    data_file: str | None,
    data_dir: Path | None,
    framework_a: str | None,
    framework_b: str | None,
    map_file: str | None,
    combine: str,
    orgs: tuple[str, ...],
    indicators: tuple[str, ...],
    fail_if_worse: bool,
    output_format: OutputFormat,
    output: Path | None,
    reading: Reading,
) -> None:
    """Compare two years (or quarters): ratings, scores, domains, areas and every indicator, for one organisation or all.

    A and B are data files or years. A year (2017, 2017/18 or 2017-18 all mean 2017/18) picks a
    period inside --data FILE, or finds the one data file whose name carries the year
    (*2017-18*.csv, *2017_18*.csv, *201718*.csv, *2017-2018*.csv or 2017.csv; .xlsx, .xls and
    .ods too) in --data-dir, then the current directory, then the synthetic national examples
    that ship with ccgrate; stderr says which file each year used. When the two years use
    different frameworks, each score change is split into a data part and a framework part.

    \b
    Examples:
      ccgrate compare 2017 2018
      ccgrate compare 2016 2017 --data examples/bromley.csv --indicator 126a --indicator 129a
      ccgrate compare 2017 2018 --data-dir examples --map examples/national-mergers.csv -f csv
      ccgrate compare 2018 2019 --data-dir examples --org SYN011 --fail-if-worse
      ccgrate compare "2025/26 Q1" "2025/26 Q2" --data examples/nof-2025-26-mhc-q1-q2.csv
    """
    from ccgrate._api import Source, reading_options
    from ccgrate._api import compare as compare_api

    located = [_locate(spec, data_file, data_dir) for spec in (side_a, side_b)]
    guard_output(output, *(path for path, _ in located), map_file, framework_a, framework_b)
    sides = [(Source(*_read_one(path)), period) for path, period in located]
    merger = None if map_file is None else Source(*_read_one(map_file))
    with LateProgress() as progress:
        progress.step(f"scoring and comparing {located[0][0]} and {located[1][0]}")
        found = compare_api(
            sides[0][0],
            sides[1][0],
            period_a=sides[0][1],
            period_b=sides[1][1],
            framework_a=framework_a,
            framework_b=framework_b,
            mapping=merger,
            combine=combine,  # type: ignore[arg-type]  # click's choice gives these words
            org=orgs,
            indicator=indicators or None,
            **reading_options(reading),
        )
    comparison = found._comparison
    info(
        f"{comparison.a.label} from {comparison.a.source} under {comparison.a.framework.id}; "
        f"{comparison.b.label} from {comparison.b.source} under {comparison.b.framework.id}"
    )
    tell(comparison.notes, comparison.warnings)
    write(found._renderer(), output_format, output)
    if fail_if_worse:
        fell = comparison.fell()
        if fell:
            names = listed([f"{c.org_code} ({c.rating_a} -> {c.rating_b})" for c in fell], 5)
            say(f"ccgrate: {len(fell)} rated lower in {comparison.b.label}: {names}")
            sys.exit(ExitCode.BELOW_THRESHOLD)


def _locate(spec: str, data_file: str | None, data_dir: Path | None) -> tuple[str, str | None]:
    """A compare argument as (path, period): a data file, or a year found in --data or by `year_file`."""
    from ccgrate._read.cells import period_text

    if spec == "-" or Path(spec).is_file():
        return spec, None
    period = period_text(spec)
    if period is None:
        raise DataError(
            f'"{printable(spec)}" is neither a file nor a year',
            hint='give a data file\'s path, a year such as 2017 or 2017/18, or a quarter such as "2025/26 Q1"',
        )
    if data_file is not None:
        return data_file, period
    if " " in period:
        raise DataError(
            f'"{printable(spec)}" is a quarter: quarters are found in a data file',
            hint=f'give the file with --data, e.g. ccgrate compare "{period}" ... --data FILE',
        )
    found = year_file(spec, data_dir)
    assert found is not None, "a year finds its file or says why not"
    return found, period


def _read_one(path: str) -> tuple[str, bytes]:
    ((name, raw),) = read_sources((path,))
    return name, raw
