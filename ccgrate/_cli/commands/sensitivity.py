"""ccgrate sensitivity: how sure each rating is."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from ccgrate._cli.inputs import population_options
from ccgrate._cli.messages import tell, verbosity_options
from ccgrate._cli.options import (
    INPUT,
    FiniteRange,
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
    "--draws", type=click.IntRange(1, 1_000_000), default=10_000, show_default=True, help="Monte Carlo draws."
)
@click.option(
    "--seed",
    type=click.IntRange(0),
    default=1,
    show_default=True,
    help="Random seed: the same seed gives the same output.",
)
@click.option(
    "--vary",
    "vary",
    multiple=True,
    type=click.Choice(["weights", "cuts", "values"], case_sensitive=False),
    help="What to perturb (repeatable); all three unless given.",
)
@click.option(
    "--weight-sd",
    type=FiniteRange(0, 2),
    default=0.25,
    show_default=True,
    metavar="SD",
    help="Spread of the log weight multipliers.",
)
@click.option(
    "--cut-sd",
    type=FiniteRange(0, 50),
    default=2.5,
    show_default=True,
    metavar="POINTS",
    help="Spread of the scale's cut points, in score points.",
)
@click.option(
    "--org",
    "org_codes",
    multiple=True,
    metavar="CODE|NAME",
    help="Show only this organisation, by code or (part of) its name (repeatable); all are drawn.",
)
@click.option(
    "--areas",
    "areas",
    is_flag=True,
    help="Also draw each clinical priority area's rating (its own bands and cut points where it has them; "
    "an area's own cut points move by the same spread) and report how often each is kept.",
)
@population_options
@format_option()
@output_option
@reading_options
@verbosity_options
def sensitivity(
    file: str,
    draws: int,
    seed: int,
    vary: tuple[str, ...],
    weight_sd: float,
    cut_sd: float,
    org_codes: tuple[str, ...],
    areas: bool,
    period: str | None,
    framework_spec: str | None,
    output_format: OutputFormat,
    output: Path | None,
    reading: Reading,
) -> None:
    """How sure each rating is: Monte Carlo over weights, cut points and the data's own noise.

    Each draw multiplies every indicator and domain weight by exp(SD x N(0,1)), moves each of the
    scale's cut points by POINTS x N(0,1), and, where numerators and denominators are given, draws
    each count again from its binomial (proportions) or Poisson (rates) distribution; then scores
    the whole file as `score` does. Reported per organisation: the share of draws ending in each
    rating, and the median rank by score with its 5-95% interval; with --areas, the share of
    draws that keep each area's rating (p_same_area:ID).

    \b
    Examples:
      ccgrate sensitivity examples/national-2018-19.csv
      ccgrate sensitivity examples/national-2018-19.csv --org SYN019 --draws 50000 -f json
      ccgrate sensitivity examples/national-2017-18.csv --vary weights --vary cuts -f csv
      ccgrate sensitivity examples/national-2016-17.csv --areas --org SYN001
      ccgrate sensitivity examples/nof-2025-26-mhc-q1-q2.csv --period "2025/26 Q2" --draws 2000

    On a framework rated on a mean of metric scores (NOF 2025/26), each draw resamples every
    organisation's metric scores with replacement instead, and the answer is the 5-95% range of
    its average score and of its rank in its peer group, and the share of draws in each rating.
    """
    from ccgrate._api import Source, reading_options
    from ccgrate._api import sensitivity as sensitivity_api
    from ccgrate._cli.inputs import guard_output, read_sources
    from ccgrate._cli.messages import notice

    guard_output(output, file, framework_spec)
    chosen = tuple(dict.fromkeys(v.lower() for v in vary)) or ("weights", "cuts", "values")
    with LateProgress() as progress:
        progress.step(f"reading {file}")
        ((name, raw),) = read_sources((file,))
        progress.step(f"{draws:,} draws")
        found = sensitivity_api(
            Source(name, raw),
            draws=draws,
            seed=seed,
            vary=chosen,  # type: ignore[arg-type]  # click's choice gives these words
            weight_sd=weight_sd,
            cut_sd=cut_sd,
            org=org_codes,
            areas=areas,
            period=period,
            framework=framework_spec,
            progress=progress.advance,
            **reading_options(reading),
        )
    tell(found.notes, found.warnings)
    if found.spread is not None and (vary or areas):
        notice(
            f"{found.framework.id} is rated on a mean of metric scores: its metrics are resampled "
            "(--vary and --areas apply to frameworks of weighted bands)"
        )
    write(found._renderer(), output_format, output)
