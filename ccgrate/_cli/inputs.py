"""Where a command's inputs come from: files, standard input, a year, one population of a file."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ccgrate._base.errors import DataError
from ccgrate._base.streams import (
    Globbed,
    expand_inputs,
    read_input,
    refuse_output_among_inputs,
    shown_path,
)
from ccgrate._cli.messages import notice, say, warn
from ccgrate._cli.options import (
    FRAMEWORK,
    Command,
)

if TYPE_CHECKING:
    from ccgrate._read.dataset import Reading
    from ccgrate._scoring.bind import Population
    from ccgrate._scoring.run import InputFile


def read_sources(files: tuple[str, ...] | list[str]) -> list[tuple[str, bytes]]:
    """(name, bytes) for each file; `-` is standard input; a quoted glob is expanded here, and a
    year that names no file is found as `year_file` finds it. Names that came from a glob are
    `Globbed`, so that a file among them that is not indicator data can be passed over."""
    sources = []
    for name in expand_inputs(files):
        if name == "-":
            if sys.stdin is not None and sys.stdin.isatty():
                say("ccgrate: reading CSV from standard input (end with Ctrl-D)")
            sources.append(("<stdin>", read_input(name)))
            continue
        if not os.path.lexists(name):
            name = year_file(name) or name
        shown = shown_path(name)
        sources.append((Globbed(shown) if isinstance(name, Globbed) else shown, read_input(name)))
    return sources


def year_file(spec: str, data_dir: Path | None = None) -> str | None:
    """The data file for a year given instead of a file (2017, 2017/18), saying on stderr which file it
    is and, for a bundled example, that its data are synthetic; None if `spec` is not a year."""
    from ccgrate._read.cells import normalise_period
    from ccgrate._read.years import locate_year

    period = normalise_period(spec)
    if period is None:
        return None
    if data_dir is None and os.environ.get("CCGRATE_DATA_DIR"):
        data_dir = Path(os.environ["CCGRATE_DATA_DIR"])
    found = locate_year(period, data_dir)
    if found.bundled:
        notice(
            f"{period}: no data file in {data_dir or 'the current directory'}, so the bundled example "
            f"{shown_path(found.path)} is used: SYNTHETIC data (made-up organisations, not published figures)"
        )
    else:
        notice(f"{period}: data from {shown_path(found.path)}")
    return str(found.path)


def guard_output(output: Path | None, *inputs: str | Path | None) -> None:
    """Refuse (exit 2) an -o that names any input of the run, before anything is read or written.
    Framework specs are passed too (one that is a built-in id names no file and is passed over), and
    the built-in framework files, which any run may read."""
    if output is None:
        return
    from ccgrate._framework.loader import builtin_dir

    refuse_output_among_inputs(output, [*inputs, *sorted(builtin_dir().glob("*.toml"))])


def population_options(command: Command) -> Command:
    """--period and --framework: which one population of FILE the command works on."""
    command = click.option(
        "--framework",
        "framework_spec",
        metavar="ID|PATH",
        type=FRAMEWORK,
        help="Use this framework instead of the one for the data's period.",
    )(command)
    return click.option("--period", metavar="PERIOD", help="The period, when FILE holds several.")(command)


def one_population(
    file: str, framework_spec: str | None, period: str | None, reading: Reading, output: Path | None = None
) -> tuple[Population, InputFile]:
    """The one population (file and period) these commands work on."""
    from ccgrate._scoring.run import parse_period_option, prepare

    guard_output(output, file, framework_spec)
    wanted = [parse_period_option(period)] if period else []
    prepared = prepare(read_sources((file,)), framework=framework_spec, periods=wanted, reading=reading)
    for message in prepared.notes:
        notice(message)
    for message in prepared.warnings:
        warn(message)
    if len(prepared.populations) != 1:
        periods = ", ".join(p.period for p in prepared.populations)
        raise DataError(f"holds several periods ({periods})", where=file, hint="choose one with --period")
    return prepared.populations[0], prepared.inputs[0]


def org_index(population: Population, spec: str, file: str) -> int:
    from ccgrate._read.organisations import match_orgs

    (code,) = match_orgs([spec], dict(zip(population.codes, population.names)), file)
    return population.codes.index(code)
