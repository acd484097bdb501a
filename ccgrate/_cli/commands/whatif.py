"""ccgrate whatif: the smallest change that takes an organisation to a rating."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from ccgrate._cli.inputs import population_options
from ccgrate._cli.messages import tell, verbosity_options
from ccgrate._cli.options import (
    INPUT,
    cut_option,
    format_option,
    output_option,
    reading_options,
)
from ccgrate._cli.progress import LateProgress
from ccgrate._render.output import OutputFormat, write

if TYPE_CHECKING:
    from ccgrate._read.dataset import Reading


@click.command()
@click.argument("file", metavar="FILE", type=INPUT)
@click.option(
    "--org",
    "org_code",
    metavar="CODE|NAME",
    help="The organisation, by code or (part of) its name. Without it, on a framework rated on a mean of "
    "metric scores (NOF 2025/26), every organisation.",
)
@click.option(
    "--target",
    metavar="RATING",
    help="The rating to reach (e.g. Good). On a mean of metric scores, the default is the next better rating.",
)
@click.option(
    "--set",
    "settings",
    multiple=True,
    metavar="ID=VALUE",
    help="Rescore with this indicator value or judgement level instead of searching (repeatable).",
)
@population_options
@cut_option
@format_option()
@output_option
@reading_options
@verbosity_options
def whatif(
    file: str,
    org_code: str | None,
    target: str | None,
    settings: tuple[str, ...],
    period: str | None,
    framework_spec: str | None,
    cuts: dict[str, float],
    output_format: OutputFormat,
    output: Path | None,
    reading: Reading,
) -> None:
    """The smallest change that takes an organisation to a target rating, or the rating a change gives.

    With --target: the fewest indicators changed (then the fewest band steps), each to the value
    at the edge of its new band, plus any judgement that must change; when the indicators alone
    cannot do it, which rule stops them. With --set: the rating with those values instead. Every
    answer is checked by scoring the whole file again.

    \b
    Examples:
      ccgrate whatif examples/national-2017-18.csv --org SYN083 --target Good
      ccgrate whatif examples/bromley.csv --period 2017/18 --org 07Q --target Outstanding -f json
      ccgrate whatif examples/bromley.csv --period 2017/18 --org 07Q --set 122a=55 --set 123a=51
      ccgrate whatif examples/nof-2025-26-mhc-q1-q2.csv --period "2025/26 Q2"
      ccgrate whatif examples/nof-2025-26-mhc-q1-q2.csv --period "2025/26 Q2" --org RP1 --target "Segment 1"

    On a framework rated on the mean of metric scores (NOF 2025/26), the answer is the average
    score the target needs, how much better that is, the fewest metrics whose scores can make it up
    and any rule (a financial override) that would keep the rating down regardless; without --org,
    for every organisation.
    """
    if (target is not None and settings) or (org_code is not None and target is None and not settings):
        raise click.UsageError("give either --target RATING or one or more --set ID=VALUE")
    from ccgrate._api import Source, reading_options
    from ccgrate._api import whatif as whatif_api
    from ccgrate._cli.inputs import guard_output, read_sources

    guard_output(output, file, framework_spec)
    with LateProgress() as progress:
        progress.step(f"reading {file}")
        ((name, raw),) = read_sources((file,))
        progress.step(f"searching for the smallest change that reaches {target}" if target else "rescoring")
        found = whatif_api(
            Source(name, raw),
            org=org_code,
            target=target,
            settings=settings,
            period=period,
            framework=framework_spec,
            cut=cuts,
            **reading_options(reading),
        )
    tell(found.notes, found.warnings)
    write(found._renderer(), output_format, output)
