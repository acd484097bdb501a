"""ccgrate calibrate: cut points that reproduce a target distribution."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from ccgrate._base.streams import shown_path, write_text
from ccgrate._cli.inputs import population_options
from ccgrate._cli.messages import notice, report_width, say, tell, verbosity_options
from ccgrate._cli.options import (
    INPUT,
    OUTPUT,
    format_option,
    reading_options,
)
from ccgrate._cli.progress import LateProgress
from ccgrate._render.output import OutputFormat, as_text, write

if TYPE_CHECKING:
    from ccgrate._read.dataset import Reading


@click.command()
@click.argument("file", metavar="FILE", type=INPUT)
@click.option(
    "--target",
    "target",
    metavar="SPEC",
    help='"Outstanding=9.7,Good=48.3,Requires improvement=33.3,Inadequate=8.7": percentages, or counts '
    "that add up to the rated organisations. Default: the framework's published distribution.",
)
@click.option(
    "-o",
    "--output",
    "framework_output",
    required=True,
    type=OUTPUT,
    help="Write the calibrated framework here (TOML; replaced only by a complete, valid file). With - the "
    "framework goes to standard output and the report to standard error.",
)
@click.option(
    "--published",
    is_flag=True,
    help="Set the cut points that reproduce the ratings by score published in FILE (NHS England's unadjusted "
    "segments), for every period of FILE, instead of a target distribution.",
)
@click.option("--indicator-cuts", is_flag=True, help="Also set quantile indicators' cut points from the file's values.")
@click.option("--id", "new_id", metavar="ID", help="The new framework's id (default: the old one with -calibrated).")
@click.option(
    "--area",
    "area",
    metavar="ID",
    help="Set this clinical priority area's own cut points instead of the rating scale's; the target is "
    "in the area's rating words (default: the area's published distribution).",
)
@population_options
@format_option((OutputFormat.TABLE, OutputFormat.JSON, OutputFormat.CSV, OutputFormat.MARKDOWN))
@reading_options
@verbosity_options
def calibrate(
    file: str,
    target: str | None,
    framework_output: Path | None,
    published: bool,
    indicator_cuts: bool,
    new_id: str | None,
    area: str | None,
    period: str | None,
    framework_spec: str | None,
    output_format: OutputFormat,
    reading: Reading,
) -> None:
    """Set a framework's cut points so that scoring FILE gives a target distribution of ratings.

    Writes a new framework file: the original text with the scale's cut points (and, with
    --indicator-cuts, the quantile indicators' cut points) changed, a new id, and a paragraph in
    its provenance saying how it was calibrated. Everything else, comments included, is kept.
    The report compares the target with the ratings the new file gives when FILE is scored
    again. Ties and the rules can make a target unreachable: the closest is written. With
    --area, only that area's cut points move (areas have no rules; ties still count).

    \b
    Examples:
      ccgrate calibrate examples/national-2017-18.csv -o calibrated.toml
      ccgrate calibrate examples/national-2018-19.csv --indicator-cuts -o iaf-2018-19-local.toml \\
          --target "Outstanding=9.7,Good=48.3,Requires improvement=33.3,Inadequate=8.7"
      ccgrate calibrate examples/national-2016-17.csv --area dementia -o dementia.toml \\
          --target "Outstanding=64,Good=53,Requires improvement=68,Inadequate=24"
      ccgrate calibrate examples/nof-2025-26-mhc-q1-q2.csv --published -o nof-cuts.toml
    """
    from ccgrate._analysis.calibrate import Calibration as Searched
    from ccgrate._api import Source, reading_options
    from ccgrate._api import calibrate as calibrate_api
    from ccgrate._cli.inputs import guard_output, read_sources

    guard_output(framework_output, file, framework_spec)
    with LateProgress() as progress:
        progress.step(f"reading {file}")
        ((name, raw),) = read_sources((file,))
        progress.step("calibrating")
        found = calibrate_api(
            Source(name, raw),
            target=target,
            published=published,
            indicator_cuts=indicator_cuts,
            new_id=new_id,
            area=area,
            period=period,
            framework=framework_spec,
            **reading_options(reading),
        )
    tell(found.notes, found.warnings)
    write_text(found.framework_text, framework_output)
    shown = "standard output" if framework_output is None else shown_path(framework_output)
    result = found._result
    if isinstance(result, Searched) and not result.exact:
        notice(
            f"the target was not reached exactly: {result.differences} of {result.rated} organisations rated "
            f"differently{'' if area is None else ' in area ' + area} (see the report)"
        )
    report = found._renderer(shown)
    if framework_output is None:
        # The framework is the data on standard output; the report goes to standard error.
        for line in as_text(report, output_format, report_width()).rstrip("\n").split("\n"):
            say(line)
    else:
        write(report, output_format, None)
