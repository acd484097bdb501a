"""ccgrate score: rate every organisation and period of one or more files."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ccgrate._base.errors import listed
from ccgrate._base.streams import expand_inputs
from ccgrate._cli.exits import ExitCode, silence_stdout
from ccgrate._cli.inputs import guard_output, read_sources
from ccgrate._cli.messages import info, notice, say, tell, verbosity_options, warn
from ccgrate._cli.options import (
    FRAMEWORK,
    INPUT,
    RATINGS,
    cut_option,
    format_option,
    output_option,
    rating_choice,
    reading_options,
)
from ccgrate._cli.progress import LateProgress
from ccgrate._render.output import OutputFormat

if TYPE_CHECKING:
    from ccgrate._read.dataset import Reading
    from ccgrate._scoring.run import ScoreRun


@click.command()
@click.argument("files", nargs=-1, required=True, metavar="FILE...", type=INPUT)
@click.option(
    "--framework",
    "framework_spec",
    metavar="ID|PATH",
    type=FRAMEWORK,
    help="Score with this framework instead of the one for the data's period.",
)
@click.option(
    "--org",
    "orgs",
    multiple=True,
    metavar="CODE|NAME",
    help="Show only this organisation (repeatable). Banding still uses the whole file.",
)
@click.option(
    "--period", "periods", multiple=True, metavar="PERIOD", help="Score only this period, e.g. 2017/18 (repeatable)."
)
@click.option("--explain", is_flag=True, help="Show every indicator, domain, area and rule behind each rating.")
@click.option(
    "--summary", is_flag=True, help="Also print the distribution of ratings (per file, and in all) on stderr."
)
@click.option(
    "--fail-below",
    metavar="RATING",
    help=f"Exit with code {ExitCode.BELOW_THRESHOLD.value} if any organisation is rated below RATING or not rated.",
)
@cut_option
@format_option()
@output_option
@reading_options
@verbosity_options
def score(
    files: tuple[str, ...],
    framework_spec: str | None,
    orgs: tuple[str, ...],
    periods: tuple[str, ...],
    explain: bool,
    summary: bool,
    fail_below: str | None,
    cuts: dict[str, float],
    output_format: OutputFormat,
    output: Path | None,
    reading: Reading,
) -> None:
    """Rate each organisation and period in FILE: CSV or a workbook (.xlsx, .xls, .ods), wide or long.

    A long file (an indicator column) may carry the descriptive columns of NHS publications and an
    England totals row: they are set aside with a note. FILE may be - for standard input, or a
    year (2018) that finds its file as compare does. The framework is chosen from each row's period unless
    --framework names one (or --period, for a file without periods). Each file is scored as a
    population of its own; several files (or a quoted glob) make a batch, each result tagged with
    its source.

    \b
    Examples:
      ccgrate score examples/bromley.csv
      ccgrate score examples/bromley.csv --explain --period 2017/18
      ccgrate score examples/bromley-long.csv --org "NHS Bromley"
      ccgrate score examples/bromley.xlsx --sheet Data -f csv
      ccgrate score examples/national-2018-19.csv -f json | python -m json.tool
      ccgrate score - -f csv < examples/bromley.csv
      ccgrate score 'examples/national-*.csv' --summary -f csv -o ratings.csv
      ccgrate score mydata.csv --framework my-framework.toml --fail-below Good
    """
    from ccgrate._analysis.distribution import national_checks
    from ccgrate._api import Source, reading_options
    from ccgrate._api import score as score_api
    from ccgrate._render.output import write
    from ccgrate._render.score import ScoreOutput

    started = time.perf_counter()
    names = expand_inputs(files)
    guard_output(output, *names, framework_spec)
    sources = read_sources(names)
    with LateProgress() as progress:
        scores = score_api(
            [Source(name, raw) for name, raw in sources],
            framework=framework_spec,
            period=periods,
            org=orgs,
            cut=cuts,
            progress=progress.step,
            **reading_options(reading),
        )
        run = scores._run
        # Checked once the frameworks are known (their scales may use other words), and before any output.
        threshold = rating_choice(fail_below, "--fail-below", run.scales() or [list(RATINGS)])
        if output_format is not OutputFormat.TABLE:
            progress.step("writing")
    for source in run.inputs:
        info(f"read {source.source}: {source.rows} rows, {source.shape} shape, sha256 {source.sha256}")
    for fw in run.frameworks:
        info(f"framework {fw.id} from {fw.origin}, sha256 {fw.sha256}")
    info(f"scored {len(run)} assessments in {time.perf_counter() - started:.2f}s")
    tell([*scores.notes, *scores.agreement], scores.warnings)
    try:
        write(ScoreOutput(run, explain), output_format, output)
    except BrokenPipeError:
        # The reader took what it wanted (`| head`): stop writing, but still give the distribution and
        # the --fail-below answer, as a run whose output fitted the pipe does.
        silence_stdout()
    if summary:
        for line in summary_lines(run):
            say(line)
    for found in national_checks(run):
        notice(found.line())
        if found.problems:
            warn(
                f"the {found.period} distribution of ratings is extreme: {'; '.join(found.problems)}. The first national "
                "run in 2015/16 rated about three in four CCGs Inadequate and was redone; check the framework's cut "
                "points (ccgrate calibrate) and the data"
            )
    if threshold is not None:
        below = run.rated_below(threshold)
        if below:
            shown = listed([f"{code} {period} ({rating or 'not rated'})" for code, period, rating in below], 5)
            say(f"ccgrate: {len(below)} rated below {threshold}: {shown}")
            sys.exit(ExitCode.BELOW_THRESHOLD)


def summary_lines(run: ScoreRun) -> list[str]:
    """The distribution of ratings, per file when there are several, and in all."""

    def line(label: str, source: str | None) -> str:
        counts, unrated = run.rating_counts(source)
        parts = [f"{rating} {count}" for rating, count in counts.items()] + (
            [f"not rated {unrated}"] if unrated else []
        )
        return f"ccgrate: {label}: {sum(counts.values()) + unrated} assessments: {', '.join(parts)}"

    lines = [line(source.source, source.source) for source in run.inputs] if len(run.inputs) > 1 else []
    lines.append(line("all" if len(run.inputs) > 1 else run.inputs[0].source, None))
    return lines
