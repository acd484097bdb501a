"""ccgrate report: one self-contained HTML file of ratings, their arithmetic and their uncertainty."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ccgrate._base.errors import UsageProblem
from ccgrate._base.streams import expand_inputs
from ccgrate._cli.inputs import guard_output, read_sources
from ccgrate._cli.messages import info, tell, verbosity_options
from ccgrate._cli.options import FRAMEWORK, INPUT, output_option, reading_options
from ccgrate._cli.progress import LateProgress


def _terminal() -> bool:
    return sys.stdout is not None and sys.stdout.isatty()


if TYPE_CHECKING:
    from ccgrate._read.dataset import Reading


@click.command()
@click.argument("files", nargs=-1, required=True, metavar="FILE...", type=INPUT)
@click.option(
    "--org",
    "orgs",
    multiple=True,
    metavar="CODE|NAME",
    help="A section for this organisation only (repeatable); default: every organisation.",
)
@click.option(
    "--previous",
    metavar="FILE",
    type=INPUT,
    help="Last year's file: adds the transition matrix and the largest movers.",
)
@click.option(
    "--draws",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Sensitivity draws (weights, cuts and counts, as `sensitivity`): each rating's probability.",
)
@click.option(
    "--whatif/--no-whatif",
    "whatif",
    default=None,
    help="Search for the smallest change to the next rating in every section (about half a second each). "
    "Default: when there are at most 12 sections; otherwise each section gives the command.",
)
@click.option(
    "--framework",
    "framework_spec",
    metavar="ID|PATH",
    type=FRAMEWORK,
    help="Score with this framework instead of the one for the data's period.",
)
@click.option("--period", "periods", multiple=True, metavar="PERIOD", help="Only this period (repeatable).")
@output_option
@reading_options
@verbosity_options
def report(
    files: tuple[str, ...],
    orgs: tuple[str, ...],
    previous: str | None,
    draws: int,
    whatif: bool | None,
    framework_spec: str | None,
    periods: tuple[str, ...],
    output: Path | None,
    reading: Reading,
) -> None:
    """Write one HTML file that shows every rating, why, how sure it is and what would change it.

    The file is self-contained (no request to any network), readable without JavaScript, printable
    on A4 with one organisation per page, and opens in any browser. It holds a national overview
    per period (the distribution of ratings beside the published one, a sortable table of every
    organisation, where organisations sit on each indicator) and a section per organisation.

    \b
    Examples:
      ccgrate report examples/national-2018-19.csv -o report.html
      ccgrate report examples/bromley.csv --org 07Q -o bromley.html
      ccgrate report examples/national-2018-19.csv --previous examples/national-2017-18.csv --draws 1000 -o r.html
    """
    from ccgrate._api import Source, reading_options
    from ccgrate._api import report as report_api
    from ccgrate._render.html import ReportOutput
    from ccgrate._render.output import OutputFormat, write

    if output is None and _terminal():
        raise UsageProblem("the report is an HTML file", hint="give -o report.html (or redirect standard output)")
    names = expand_inputs(files)
    guard_output(output, *names, previous, framework_spec)
    sources = read_sources(names)
    earlier = None if previous is None else Source(*read_sources([previous])[0])
    with LateProgress() as progress:
        page = report_api(
            [Source(name, raw) for name, raw in sources],
            org=orgs,
            previous=earlier,
            draws=draws,
            whatif=whatif,
            framework=framework_spec,
            period=periods,
            progress=progress.step,
            **reading_options(reading),
        )
    tell(page.notes, page.warnings)
    write(ReportOutput.of_page(str(page)), OutputFormat.HTML, output)
    info(f"report: {page.sections} organisation sections, {len(page.encode()) / 1024:,.0f} KB")
