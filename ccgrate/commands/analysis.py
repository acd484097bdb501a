"""ccgrate whatif, sensitivity and calibrate: questions about a rating rather than the rating."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ..clitools import (
    INPUT,
    FRAMEWORK,
    OUTPUT,
    FiniteRange,
    LateProgress,
    reading_options,
    guard_output,
    markdown_caveat,
    format_option,
    notice,
    output_option,
    rating_choice,
    read_sources,
    render_report,
    render_table,
    say,
    shown_path,
    verbosity_options,
    warn,
    write_output,
)
from ..errors import DataError


def population_options(command):
    """--period and --framework: which one population of FILE the command works on."""
    command = click.option("--framework", "framework_spec", metavar="ID|PATH", type=FRAMEWORK,
                           help="Use this framework instead of the one for the data's period.")(command)
    return click.option("--period", metavar="PERIOD", help="The period, when FILE holds several.")(command)


def _population(file: str, framework_spec: str | None, period: str | None, reading: Any, output: Path | None = None):
    """The one population (file and period) these commands work on."""
    from ..pipeline import parse_period_option, prepare

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


def _org_index(population, spec: str, file: str) -> int:
    from ..orgs import match_orgs

    (code,) = match_orgs([spec], dict(zip(population.codes, population.names)), file)
    return population.codes.index(code)


@click.command()
@click.argument("file", metavar="FILE", type=INPUT)
@click.option("--org", "org_code", required=True, metavar="CODE|NAME", help="The organisation, by code or (part of) its name.")
@click.option("--target", metavar="RATING", help="The rating to reach (e.g. Good).")
@click.option("--set", "settings", multiple=True, metavar="ID=VALUE",
              help="Rescore with this indicator value or judgement level instead of searching (repeatable).")
@population_options
@format_option()
@output_option
@reading_options
@verbosity_options
def whatif(file: str, org_code: str, target: str | None, settings: tuple[str, ...], period: str | None,
           framework_spec: str | None, output_format: str, output: Path | None, reading: Any) -> None:
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
    from .. import whatif as core

    with LateProgress() as progress:
        progress.step(f"reading {file}")
        population, _ = _population(file, framework_spec, period, reading, output)
        target = rating_choice(target, "--target", [list(population.framework.scale.ratings)])
        index = _org_index(population, org_code, file)
        if settings:
            progress.step("rescoring")
            answer = core.with_settings(population, index, settings)
        else:
            progress.step(f"searching for the smallest change that reaches {target}")
            answer = core.what_if(population, index, target)
    from ..render import analysis as render

    output_format = output_format.lower()
    if output_format == "table":
        render_table(lambda console: render.print_whatif(console, answer, bool(settings)), output,
                     [population.framework])
        return
    renderers = {"json": render.whatif_json, "ndjson": render.whatif_ndjson, "csv": render.whatif_csv,
                 "markdown": lambda a: render.whatif_markdown(a) + markdown_caveat([population.framework])}
    write_output(renderers[output_format](answer), output)


@click.command()
@click.argument("file", metavar="FILE", type=INPUT)
@click.option("--draws", type=click.IntRange(1, 1_000_000), default=10_000, show_default=True, help="Monte Carlo draws.")
@click.option("--seed", type=click.IntRange(0), default=1, show_default=True, help="Random seed: the same seed gives the same output.")
@click.option("--vary", "vary", multiple=True, type=click.Choice(["weights", "cuts", "values"], case_sensitive=False),
              help="What to perturb (repeatable); all three unless given.")
@click.option("--weight-sd", type=FiniteRange(0, 2), default=0.25, show_default=True, metavar="SD",
              help="Spread of the log weight multipliers.")
@click.option("--cut-sd", type=FiniteRange(0, 50), default=2.5, show_default=True, metavar="POINTS",
              help="Spread of the scale's cut points, in score points.")
@click.option("--org", "org_codes", multiple=True, metavar="CODE|NAME", help="Show only this organisation, by code or (part of) its name (repeatable); all are drawn.")
@click.option("--areas", "areas", is_flag=True,
              help="Also draw each clinical priority area's rating (its own bands and cut points where it has them; "
                   "an area's own cut points move by the same spread) and report how often each is kept.")
@population_options
@format_option()
@output_option
@reading_options
@verbosity_options
def sensitivity(file: str, draws: int, seed: int, vary: tuple[str, ...], weight_sd: float, cut_sd: float,
                org_codes: tuple[str, ...], areas: bool, period: str | None, framework_spec: str | None,
                output_format: str, output: Path | None, reading: Any) -> None:
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
    """
    from .. import sensitivity as core

    chosen = {v.lower() for v in vary} or {"weights", "cuts", "values"}
    perturbation = core.Perturbation(weights=weight_sd if "weights" in chosen else 0.0,
                                     cuts=cut_sd if "cuts" in chosen else 0.0, values="values" in chosen)
    with LateProgress() as progress:
        progress.step(f"reading {file}")
        population, _ = _population(file, framework_spec, period, reading, output)
        selected = [_org_index(population, code, file) for code in org_codes] or list(range(len(population)))
        progress.step(f"{draws:,} draws")
        result = core.sensitivity(population, draws, seed, perturbation, progress=progress.advance, areas=areas)
    from ..render import analysis as render

    output_format = output_format.lower()
    if output_format == "table":
        render_table(lambda console: render.print_sensitivity(console, result, selected), output,
                     [population.framework])
        return
    renderers = {"json": render.sensitivity_json, "ndjson": render.sensitivity_ndjson, "csv": render.sensitivity_csv,
                 "markdown": lambda r, s: render.sensitivity_markdown(r, s) + markdown_caveat([population.framework])}
    write_output(renderers[output_format](result, selected), output)


@click.command()
@click.argument("file", metavar="FILE", type=INPUT)
@click.option("--target", "target", metavar="SPEC",
              help='"Outstanding=9.7,Good=48.3,Requires improvement=33.3,Inadequate=8.7": percentages, or counts '
                   "that add up to the rated organisations. Default: the framework's published distribution.")
@click.option("-o", "--output", "framework_output", required=True, type=OUTPUT,
              help="Write the calibrated framework here (TOML; replaced only by a complete, valid file). With - the "
                   "framework goes to standard output and the report to standard error.")
@click.option("--indicator-cuts", is_flag=True, help="Also set quantile indicators' cut points from the file's values.")
@click.option("--id", "new_id", metavar="ID", help="The new framework's id (default: the old one with -calibrated).")
@click.option("--area", "area", metavar="ID",
              help="Set this clinical priority area's own cut points instead of the rating scale's; the target is "
                   "in the area's rating words (default: the area's published distribution).")
@population_options
@format_option(("table", "json", "csv", "markdown"))
@reading_options
@verbosity_options
def calibrate(file: str, target: str | None, framework_output: Path, indicator_cuts: bool, new_id: str | None,
              area: str | None, period: str | None, framework_spec: str | None, output_format: str, reading: Any) -> None:
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
    """
    from .. import __version__
    from .. import calibrate as core
    from ..loader import framework_text
    from ..render import analysis as render

    with LateProgress() as progress:
        progress.step(f"reading {file}")
        population, source = _population(file, framework_spec, period, reading, framework_output)
        old = population.framework
        name = Path(file).name if file != "-" else "standard input"
        note = f" {__version__} against {name} (sha256 {source.sha256[:12]}, period {population.period})"
        progress.step("calibrating")
        result = core.calibrate(population, framework_text(old), target, indicator_cuts=indicator_cuts, new_id=new_id,
                                note=note, area=area)
    write_output(result.text, framework_output)
    shown = "standard output" if framework_output is None else shown_path(framework_output)
    if not result.exact:
        notice(f"the target was not reached exactly: {result.differences} of {result.rated} organisations rated "
               f"differently{'' if area is None else ' in area ' + area} (see the report)")
    # With -o - the framework is the data on standard output; the report goes to standard error.
    report_to_stderr = framework_output is None
    output_format = output_format.lower()
    if output_format == "table":
        if report_to_stderr:
            render_report(lambda console: render.print_calibration(console, result, shown, old.id))
        else:
            render_table(lambda console: render.print_calibration(console, result, shown, old.id), None)
        return
    renderers = {"json": lambda: render.calibration_json(result, file, shown, old.id), "csv": lambda: render.calibration_csv(result),
                 "markdown": lambda: render.calibration_markdown(result, shown)}
    if report_to_stderr:
        for line in renderers[output_format]().rstrip("\n").split("\n"):
            say(line)
    else:
        write_output(renderers[output_format](), None)
