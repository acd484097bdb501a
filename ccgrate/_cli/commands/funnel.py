"""ccgrate funnel: one z-score indicator's organisations against their control limits."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from ccgrate._base.streams import shown_path
from ccgrate._cli.exits import ExitCode, UserError
from ccgrate._cli.inputs import guard_output, read_sources
from ccgrate._cli.messages import notice, tell, verbosity_options
from ccgrate._cli.options import (
    FRAMEWORK,
    INPUT,
    format_option,
    output_option,
    reading_options,
)
from ccgrate._render.output import OutputFormat, write

IMAGE_SUFFIXES = (".svg", ".png", ".pdf")


if TYPE_CHECKING:
    from ccgrate._read.dataset import Reading


@click.command()
@click.argument("file", metavar="FILE", type=INPUT)
@click.option("--indicator", "indicator_id", required=True, metavar="ID", help="The z-score indicator to plot.")
@click.option(
    "--org",
    "orgs",
    multiple=True,
    metavar="CODE|NAME",
    help="Highlight this organisation (repeatable), by code or (part of) its name.",
)
@click.option("--period", "period", metavar="PERIOD", help="The period, when FILE holds several.")
@click.option(
    "--framework",
    "framework_spec",
    metavar="ID|PATH",
    type=FRAMEWORK,
    help="Score with this framework instead of the one for the data's period.",
)
@format_option(
    default=None,
    help="Print the funnel data instead of drawing (default: draw when -o ends in .svg, .png or .pdf, a table without -o).",
)
@output_option
@reading_options
@verbosity_options
def funnel(
    file: str,
    indicator_id: str,
    orgs: tuple[str, ...],
    period: str | None,
    framework_spec: str | None,
    output_format: OutputFormat | None,
    output: Path | None,
    reading: Reading,
) -> None:
    """Funnel plot of one z-score indicator: every organisation against 95% and 99.8% limits.

    Drawing needs matplotlib: pip install 'ccgrate[plot]'.

    \b
    Examples:
      ccgrate funnel examples/national-2018-19.csv --indicator 126b -o funnel.svg
      ccgrate funnel examples/national-2018-19.csv --indicator 126b --org SYN010 -o funnel.png
      ccgrate funnel examples/national-2018-19.csv --indicator 126b -f csv
    """
    from ccgrate._analysis.funnel import build_funnel
    from ccgrate._read.organisations import match_orgs
    from ccgrate._render.funnel import FunnelOutput
    from ccgrate._scoring.run import parse_period_option, score_sources

    guard_output(output, file, framework_spec)
    picture = output is not None and output.suffix.lower() in IMAGE_SUFFIXES
    if output_format is None and output is not None and not picture:
        # A picture is what -o asks for without -f: never text under an image's name.
        raise click.BadParameter(
            f"{shown_path(output)}: funnel draws {', '.join(IMAGE_SUFFIXES)} files; for the data, give "
            "-f table|json|ndjson|csv|markdown",
            param_hint="'-o' / '--output'",
        )
    if output_format is None:
        output_format = OutputFormat(output.suffix.lower().lstrip(".")) if output is not None else OutputFormat.TABLE
    wanted = parse_period_option(period) if period else None
    run = score_sources(
        read_sources((file,)), framework=framework_spec, periods=[wanted] if wanted else (), reading=reading
    )
    tell(run.notes, run.warnings)
    plot = build_funnel(run, indicator_id, wanted)
    highlight = set(match_orgs(orgs, {p.org_code: p.org_name for p in plot.points}, file))
    from ccgrate._render.plot import PlottingUnavailable

    try:
        write(FunnelOutput(plot, highlight, run.frameworks), output_format, output)
    except PlottingUnavailable:
        raise UserError(
            "drawing needs matplotlib, an optional extra: pip install 'ccgrate[plot]' (in a checkout: "
            "pip install '.[plot]'), or print the data with -f table|json|csv",
            ExitCode.DATA,
        ) from None
    if output is not None and output_format.picture:
        notice(f"wrote {shown_path(output)} ({plot.indicator}, {len(plot.points)} organisations)")
