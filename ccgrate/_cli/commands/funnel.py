"""ccgrate funnel: one z-score indicator's organisations against their control limits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ccgrate._base.streams import open_output, shown_path
from ccgrate._base.streams import write_text as write_output
from ccgrate._cli.exits import ExitCode, UserError
from ccgrate._cli.inputs import guard_output, read_sources
from ccgrate._cli.messages import notice, verbosity_options, warn
from ccgrate._cli.options import FORMATS, FRAMEWORK, INPUT, output_option, reading_options
from ccgrate._render.output import markdown_caveat, render_table

IMAGE_SUFFIXES = (".svg", ".png", ".pdf")


@click.command()
@click.argument("file", metavar="FILE", type=INPUT)
@click.option("--indicator", "indicator_id", required=True, metavar="ID", help="The z-score indicator to plot.")
@click.option("--org", "orgs", multiple=True, metavar="CODE|NAME", help="Highlight this organisation (repeatable), by code or (part of) its name.")
@click.option("--period", "period", metavar="PERIOD", help="The period, when FILE holds several.")
@click.option("--framework", "framework_spec", metavar="ID|PATH", type=FRAMEWORK, help="Score with this framework instead of the one for the data's period.")
@click.option(
    "-f", "--format", "output_format", type=click.Choice(FORMATS, case_sensitive=False),
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
    output_format: str | None,
    output: Path | None,
    reading: Any,
) -> None:
    """Funnel plot of one z-score indicator: every organisation against 95% and 99.8% limits.

    Drawing needs matplotlib: pip install 'ccgrate[plot]'.

    \b
    Examples:
      ccgrate funnel examples/national-2018-19.csv --indicator 126b -o funnel.svg
      ccgrate funnel examples/national-2018-19.csv --indicator 126b --org SYN010 -o funnel.png
      ccgrate funnel examples/national-2018-19.csv --indicator 126b -f csv
    """
    from ccgrate._analysis.funnel import build_funnel, funnel_record
    from ccgrate._scoring.run import parse_period_option, score_sources

    guard_output(output, file, framework_spec)
    draw = output_format is None and output is not None and output.suffix.lower() in IMAGE_SUFFIXES
    if output_format is None and output is not None and not draw:
        # A picture is what -o asks for without -f: never text under an image's name.
        raise click.BadParameter(
            f"{shown_path(output)}: funnel draws {', '.join(IMAGE_SUFFIXES)} files; for the data, give "
            "-f table|json|ndjson|csv|markdown", param_hint="'-o' / '--output'")
    if output_format is None and not draw:
        output_format = "table"
    wanted = parse_period_option(period) if period else None
    run = score_sources(read_sources((file,)), framework=framework_spec, periods=[wanted] if wanted else (), reading=reading)
    for message in run.notes:
        notice(message)
    for message in run.warnings:
        warn(message)
    plot = build_funnel(run, indicator_id, wanted)
    from ccgrate._read.organisations import match_orgs

    highlight = set(match_orgs(orgs, {p.org_code: p.org_name for p in plot.points}, file))
    if draw:
        from ccgrate._render.plot import PlottingUnavailable, draw_funnel

        assert output is not None
        try:
            with open_output(output, binary=True) as handle:
                draw_funnel(plot, handle, output.suffix.lower().lstrip("."), highlight)
        except PlottingUnavailable:
            raise UserError(
                "drawing needs matplotlib, an optional extra: pip install 'ccgrate[plot]' (in a checkout: "
                "pip install '.[plot]'), or print the data with -f table|json|csv",
                ExitCode.DATA,
            ) from None
        notice(f"wrote {shown_path(output)} ({plot.indicator}, {len(plot.points)} organisations)")
        return
    record = funnel_record(plot)
    from ccgrate._render import funnel as render

    output_format = output_format.lower()
    if output_format == "table":
        from ccgrate._render.table import funnel_table

        render_table(lambda console: console.print(funnel_table(record, highlight)), output, run.frameworks)
        return
    renderers = {"json": render.render_json, "ndjson": render.render_ndjson, "csv": render.render_csv,
                 "markdown": lambda r: render.render_markdown(r) + markdown_caveat(run.frameworks)}
    write_output(renderers[output_format](record), output)
