"""ccgrate whatif: the smallest change that takes an organisation to a rating."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from ccgrate._cli.inputs import one_population, org_index, population_options
from ccgrate._cli.messages import verbosity_options
from ccgrate._cli.options import (
    INPUT,
    format_option,
    output_option,
    rating_choice,
    reading_options,
)
from ccgrate._cli.progress import LateProgress
from ccgrate._render.output import OutputFormat, write

if TYPE_CHECKING:
    from ccgrate._read.dataset import Reading


@click.command()
@click.argument("file", metavar="FILE", type=INPUT)
@click.option(
    "--org", "org_code", required=True, metavar="CODE|NAME", help="The organisation, by code or (part of) its name."
)
@click.option("--target", metavar="RATING", help="The rating to reach (e.g. Good).")
@click.option(
    "--set",
    "settings",
    multiple=True,
    metavar="ID=VALUE",
    help="Rescore with this indicator value or judgement level instead of searching (repeatable).",
)
@population_options
@format_option()
@output_option
@reading_options
@verbosity_options
def whatif(
    file: str,
    org_code: str,
    target: str | None,
    settings: tuple[str, ...],
    period: str | None,
    framework_spec: str | None,
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
    """
    if (target is None) == (not settings):
        raise click.UsageError("give either --target RATING or one or more --set ID=VALUE")
    from ccgrate._analysis import whatif as core

    with LateProgress() as progress:
        progress.step(f"reading {file}")
        population, _ = one_population(file, framework_spec, period, reading, output)
        target = rating_choice(target, "--target", [list(population.framework.scale.ratings)])
        index = org_index(population, org_code, file)
        if settings:
            progress.step("rescoring")
            answer = core.with_settings(population, index, settings)
        else:
            assert target is not None, "--target or --set, checked above"
            progress.step(f"searching for the smallest change that reaches {target}")
            answer = core.what_if(population, index, target)
    from ccgrate._render.analysis import WhatIfOutput

    write(WhatIfOutput(answer, bool(settings), population.framework), output_format, output)
