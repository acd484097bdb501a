"""ccgrate score: rate every organisation and period of one or more files."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import click

from ccgrate._base.errors import listed
from ccgrate._base.streams import expand_inputs
from ccgrate._base.streams import write_text as write_output
from ccgrate._cli.exits import ExitCode, silence_stdout
from ccgrate._cli.inputs import guard_output, read_sources
from ccgrate._cli.messages import info, notice, say, verbosity_options, warn
from ccgrate._cli.options import FRAMEWORK, INPUT, RATINGS, format_option, output_option, rating_choice, reading_options
from ccgrate._cli.progress import LateProgress
from ccgrate._render.output import render_table


@click.command()
@click.argument("files", nargs=-1, required=True, metavar="FILE...", type=INPUT)
@click.option("--framework", "framework_spec", metavar="ID|PATH", type=FRAMEWORK,
              help="Score with this framework instead of the one for the data's period.")
@click.option("--org", "orgs", multiple=True, metavar="CODE|NAME",
              help="Show only this organisation (repeatable). Banding still uses the whole file.")
@click.option("--period", "periods", multiple=True, metavar="PERIOD", help="Score only this period, e.g. 2017/18 (repeatable).")
@click.option("--explain", is_flag=True, help="Show every indicator, domain, area and rule behind each rating.")
@click.option("--summary", is_flag=True, help="Also print the distribution of ratings (per file, and in all) on stderr.")
@click.option("--fail-below", metavar="RATING",
              help=f"Exit with code {ExitCode.BELOW_THRESHOLD.value} if any organisation is rated below RATING or not rated.")
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
    output_format: str,
    output: Path | None,
    reading: Any,
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
    from ccgrate._scoring.run import score_sources

    started = time.perf_counter()
    names = expand_inputs(files)
    guard_output(output, *names, framework_spec)
    sources = read_sources(names)
    with LateProgress() as progress:
        run = score_sources(sources, framework=framework_spec, periods=periods, orgs=orgs, reading=reading,
                            progress=progress.step)
        # Checked once the frameworks are known (their scales may use other words), and before any output.
        threshold = rating_choice(fail_below, "--fail-below", scales(run))
        output_format = output_format.lower()
        text = None
        if output_format != "table":
            from ccgrate._render import machine

            progress.step("writing")
            # Machine formats are written as they are made, an organisation or a block at a time.
            renderers = {
                "json": lambda: machine.json_chunks(run),
                "ndjson": lambda: machine.ndjson_chunks(run),
                "csv": lambda: machine.csv_chunks(run, explain),
                "markdown": lambda: machine.render_markdown(run, explain),
            }
            text = renderers[output_format]()
    for source in run.inputs:
        info(f"read {source.source}: {source.rows} rows, {source.shape} shape, sha256 {source.sha256}")
    for fw in run.frameworks:
        info(f"framework {fw.id} from {fw.origin}, sha256 {fw.sha256}")
    info(f"scored {len(run)} assessments in {time.perf_counter() - started:.2f}s")
    for message in run.notes:
        notice(message)
    for message in run.warnings:
        warn(message)
    for message in run.grouped_warnings():
        warn(message)
    if text is None:
        from ccgrate._render.table import print_run

        render_table(lambda console: print_run(console, run, explain), output, run.frameworks)
    else:
        try:
            write_output(text, output)
        except BrokenPipeError:
            # The reader took what it wanted (`| head`): stop writing, but still give the
            # distribution and the --fail-below answer, as a run whose output fitted the pipe does.
            silence_stdout()
    if summary:
        for line in summary_lines(run):
            say(line)
    distribution_checks(run)
    if threshold is not None:
        below = []
        for result, chosen in zip(run.results, run.selected):
            scale = result.framework.scale.ratings
            limit = next(k for k, rating in enumerate(scale) if rating.casefold() == threshold.casefold())
            positions = result.rating.tolist()
            population = result.population
            below.extend((population.codes[i], population.period, scale[positions[i]] if positions[i] >= 0 else None)
                         for i in chosen if positions[i] < 0 or positions[i] > limit)
        if below:
            names = listed([f"{code} {period} ({rating or 'not rated'})" for code, period, rating in below], 5)
            say(f"ccgrate: {len(below)} rated below {threshold}: {names}")
            sys.exit(ExitCode.BELOW_THRESHOLD)


def distribution_checks(run) -> None:
    """Every whole national population scored: its distribution on stderr, and a warning when it is extreme."""
    from ccgrate._analysis.distribution import check

    for result, chosen in zip(run.results, run.selected):
        if len(chosen) != len(result):
            continue  # --org chose some: the run is about them, not the population
        found = check(result)
        if found is None:
            continue
        notice(found.line())
        if found.problems:
            warn(f"the {found.period} distribution of ratings is extreme: {'; '.join(found.problems)}. The first national "
                 "run in 2015/16 rated about three in four CCGs Inadequate and was redone; check the framework's cut "
                 "points (ccgrate calibrate) and the data")


def scales(run) -> list[list[str]]:
    """The rating scales of the frameworks a run used, each once."""
    found: dict[tuple[str, ...], None] = {}
    for fw in run.frameworks:
        found.setdefault(tuple(fw.scale.ratings))
    return [list(scale) for scale in found] or [list(RATINGS)]


def summary_lines(run) -> list[str]:
    """The distribution of ratings, per file when there are several, and in all."""
    shown = run.ratings()
    names = list(dict.fromkeys(rating for scale in scales(run) for rating in scale))

    def line(label: str, ratings: list) -> str:
        counts = {rating: 0 for rating in names}
        unrated = 0
        for rating in ratings:
            if rating in counts:
                counts[rating] += 1
            else:
                unrated += 1
        parts = [f"{rating} {count}" for rating, count in counts.items()] + ([f"not rated {unrated}"] if unrated else [])
        return f"ccgrate: {label}: {len(ratings)} assessments: {', '.join(parts)}"

    lines = []
    if len(run.inputs) > 1:
        for source in run.inputs:
            lines.append(line(source.source, [rating for origin, _, _, rating in shown if origin == source.source]))
    lines.append(line("all" if len(run.inputs) > 1 else run.inputs[0].source, [rating for *_, rating in shown]))
    return lines
