"""ccgrate league: organisations ranked within peer group and period."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from ccgrate._base.streams import expand_inputs
from ccgrate._cli.inputs import guard_output, read_sources
from ccgrate._cli.messages import tell, verbosity_options
from ccgrate._cli.options import FRAMEWORK, INPUT, cut_option, format_option, output_option, reading_options
from ccgrate._cli.progress import LateProgress
from ccgrate._render.output import OutputFormat

if TYPE_CHECKING:
    from ccgrate._read.dataset import Reading


@click.command()
@click.argument("files", nargs=-1, required=True, metavar="FILE...", type=INPUT)
@click.option(
    "--framework",
    "framework_spec",
    metavar="ID|PATH",
    type=FRAMEWORK,
    help="Rank with this framework instead of the one for the data's period.",
)
@click.option(
    "--period", "periods", multiple=True, metavar="PERIOD", help="Only this period, e.g. 2025/26 Q2 (repeatable)."
)
@click.option(
    "--peer-group",
    "peer_groups",
    multiple=True,
    metavar="NAME",
    help="Only this peer group (NHS England's trust type; repeatable). Ranks are always within the whole group.",
)
@cut_option
@format_option()
@output_option
@reading_options
@verbosity_options
def league(
    files: tuple[str, ...],
    framework_spec: str | None,
    periods: tuple[str, ...],
    peer_groups: tuple[str, ...],
    cuts: dict[str, float],
    output_format: OutputFormat,
    output: Path | None,
    reading: Reading,
) -> None:
    """League tables of FILE: each organisation's rank within its peer group and period, by rating
    and then score as shown (2 dp), ties sharing the best rank, as NHS England ranks trusts under
    the NHS Oversight Framework 2025/26. Where the data holds NHS England's own ranks, a differing
    one is shown beside ccgrate's.

    \b
    Examples:
      ccgrate league examples/nof-2025-26-mhc-q1-q2.csv
      ccgrate league examples/nof-2025-26-mhc-q1-q2.csv --period "2025/26 Q2" -f csv
    """
    from ccgrate._api import Source, reading_options
    from ccgrate._api import league as league_api
    from ccgrate._render.league import LeagueOutput
    from ccgrate._render.output import write

    names = expand_inputs(files)
    guard_output(output, *names, framework_spec)
    sources = read_sources(names)
    with LateProgress() as progress:
        found = league_api(
            [Source(name, raw) for name, raw in sources],
            framework=framework_spec,
            period=periods,
            peer_group=peer_groups,
            cut=cuts,
            progress=progress.step,
            **reading_options(reading),
        )
    tell([*found.scores.notes, *found.scores.agreement], found.scores.warnings)
    write(LeagueOutput(found.tables), output_format, output)
