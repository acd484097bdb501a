"""The command line: parse, call the core, render, choose the exit code.

Only this module knows about terminals, streams and exit codes. The core is imported inside each
command so that `ccgrate --version` and `--help` stay quick.
"""

from __future__ import annotations

import os
import sys
import tempfile
from enum import IntEnum
from pathlib import Path
from typing import Any

import click

from . import __version__
from .errors import CcgrateError, DataError, FrameworkError, OutputError

FORMATS = ("table", "json", "ndjson", "csv", "markdown")
RATINGS = ("Outstanding", "Good", "Requires improvement", "Inadequate")


class ExitCode(IntEnum):
    """Documented in the README; scripts rely on these."""

    OK = 0
    DATA = 1  # bad or unreadable data file, or an output file that cannot be written
    USAGE = 2  # unknown option, bad choice, missing argument (click's own code)
    FRAMEWORK = 3  # invalid framework definition, or no framework for the data
    BELOW_THRESHOLD = 4  # --fail-below: an organisation is rated below the threshold
    INTERNAL = 70  # a bug in ccgrate
    INTERRUPTED = 130  # Ctrl-C


def exit_code_for(error: CcgrateError) -> ExitCode:
    if isinstance(error, FrameworkError):
        return ExitCode.FRAMEWORK
    return ExitCode.DATA


class UserError(click.ClickException):
    """A CcgrateError on its way out: one line on stderr and the documented exit code."""

    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code


class CcgrateGroup(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CcgrateError as error:
            raise UserError(str(error), exit_code_for(error)) from None
        except BrokenPipeError:
            # The reader went away (`ccgrate score big.csv -f csv | head -1`): that is its choice,
            # not an error of ours, so stop quietly with success.
            silence_stdout()
            raise click.exceptions.Exit(ExitCode.OK) from None


def silence_stdout() -> None:
    """Point stdout at /dev/null so that Python's own flush at exit cannot fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # not a real file descriptor (a test runner's buffer)
        pass
    finally:
        os.close(devnull)


CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(cls=CcgrateGroup, context_settings=CONTEXT)
@click.version_option(__version__, prog_name="ccgrate", message="%(prog)s %(version)s")
def cli() -> None:
    """Rate NHS clinical commissioning groups under the CCG Improvement and Assessment Framework
    (2016/17 to 2018/19) and the NHS Oversight Framework 2019/20, and show why.

    \b
    Examples:
      ccgrate score examples/bromley.csv
      ccgrate score examples/bromley.csv --explain --period 2017/18
      ccgrate score examples/national-2017-18.csv -f csv -o ratings.csv
      ccgrate frameworks
    """


format_option = click.option(
    "-f",
    "--format",
    "output_format",
    type=click.Choice(FORMATS, case_sensitive=False),
    default="table",
    show_default=True,
    help="Output format: a table for people, or a stable machine format.",
)
output_option = click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to FILE (atomically: an existing FILE is replaced only by a complete output).",
)
encoding_option = click.option(
    "--encoding",
    default="utf-8-sig",
    show_default=True,
    help="Text encoding of the data files (e.g. cp1252 for files saved by Excel on Windows).",
)


def read_sources(files: tuple[str, ...]) -> list[tuple[str, bytes]]:
    sources = []
    for name in files:
        if name == "-":
            if sys.stdin.isatty():
                click.echo("ccgrate: reading CSV from standard input (end with Ctrl-D)", err=True)
            sources.append(("<stdin>", sys.stdin.buffer.read()))
            continue
        path = Path(name)
        try:
            sources.append((name, path.read_bytes()))
        except IsADirectoryError:
            raise DataError("is a directory, not a CSV file", where=name, hint="give the path of a CSV file") from None
        except OSError as error:
            raise DataError(
                f"cannot read: {error.strerror}", where=name, hint="check the path (use - to read standard input)"
            ) from None
    return sources


def write_output(text: str, output: Path | None) -> None:
    """Data to stdout, or to FILE through a temporary file in the same directory and a rename."""
    if output is None:
        click.echo(text, nl=False)
        return
    directory = output.resolve().parent
    try:
        handle = tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", newline="", dir=directory, prefix=f".{output.name}.", suffix=".tmp", delete=False
        )
    except OSError as error:
        raise OutputError(f"cannot write: {error.strerror}", where=str(output), hint="check that the directory exists") from None
    try:
        with handle:
            handle.write(text)
        os.replace(handle.name, output)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise


def render_table(draw: Any, output: Path | None) -> None:
    """Draw rich renderables to the terminal, or without colour into FILE."""
    from rich.console import Console

    if output is None:
        draw(Console())
        return
    import io

    buffer = io.StringIO()
    draw(Console(file=buffer, width=int(os.environ.get("COLUMNS", 120)), color_system=None, force_terminal=False))
    write_output(buffer.getvalue(), output)


def warn(message: str) -> None:
    click.echo(f"warning: {message}", err=True)


def grouped_warnings(assessments: list[Any]) -> list[str]:
    """One line per distinct warning, naming the organisations it applies to."""
    by_text: dict[str, list[str]] = {}
    for a in assessments:
        for text in a.warnings:
            by_text.setdefault(text, []).append(f"{a.org_code} {a.period}")
    lines = []
    for text, who in by_text.items():
        shown = ", ".join(who[:3]) + (f" and {len(who) - 3} more" if len(who) > 3 else "")
        lines.append(f"{text} ({shown})")
    return lines


def rating_choice(value: str | None) -> str | None:
    if value is None:
        return None
    for rating in RATINGS:
        if rating.lower() == value.strip().lower():
            return rating
    raise click.BadParameter(f"{value!r} is not a rating ({', '.join(RATINGS)})", param_hint="--fail-below")


@cli.command()
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
@click.option("--framework", "framework_spec", metavar="ID|PATH", help="Score with this framework instead of the one for the data's period.")
@click.option("--org", "orgs", multiple=True, metavar="CODE", help="Show only this organisation (repeatable). Banding still uses the whole file.")
@click.option("--period", "periods", multiple=True, metavar="PERIOD", help="Score only this period, e.g. 2017/18 (repeatable).")
@click.option("--explain", is_flag=True, help="Show every indicator, domain, area and rule behind each rating.")
@click.option("--fail-below", metavar="RATING", help=f"Exit with code {ExitCode.BELOW_THRESHOLD.value} if any organisation is rated below RATING or not rated.")
@format_option
@output_option
@encoding_option
def score(
    files: tuple[str, ...],
    framework_spec: str | None,
    orgs: tuple[str, ...],
    periods: tuple[str, ...],
    explain: bool,
    fail_below: str | None,
    output_format: str,
    output: Path | None,
    encoding: str,
) -> None:
    """Rate each organisation and period in FILE (CSV, wide or long; - reads standard input).

    The framework is chosen from each row's period unless --framework names one. Each file is
    scored as a population of its own.

    \b
    Examples:
      ccgrate score examples/bromley.csv
      ccgrate score examples/bromley.csv --explain --period 2017/18
      ccgrate score examples/national-2018-19.csv -f json | python -m json.tool
      ccgrate score - -f csv < examples/bromley.csv
      ccgrate score mydata.csv --framework my-framework.toml --fail-below Good
    """
    threshold = rating_choice(fail_below)
    from .pipeline import score_sources

    run = score_sources(read_sources(files), framework=framework_spec, periods=periods, orgs=orgs, encoding=encoding)
    for message in run.warnings:
        warn(message)
    for message in grouped_warnings(run.assessments):
        warn(message)
    output_format = output_format.lower()
    if output_format == "table":
        from .render.table import print_run

        render_table(lambda console: print_run(console, run, explain), output)
    else:
        from .render import machine

        renderers = {
            "json": lambda: machine.render_json(run),
            "ndjson": lambda: machine.render_ndjson(run),
            "csv": lambda: machine.render_csv(run, explain),
            "markdown": lambda: machine.render_markdown(run, explain),
        }
        write_output(renderers[output_format](), output)
    if threshold is not None:
        below = [a for a in run.assessments if a.rating is None or RATINGS.index(a.rating) > RATINGS.index(threshold)]
        if below:
            names = ", ".join(f"{a.org_code} {a.period} ({a.rating or 'not rated'})" for a in below[:5])
            more = f" and {len(below) - 5} more" if len(below) > 5 else ""
            click.echo(f"ccgrate: {len(below)} rated below {threshold}: {names}{more}", err=True)
            sys.exit(ExitCode.BELOW_THRESHOLD)


@cli.command()
@click.argument("side_a", metavar="A")
@click.argument("side_b", metavar="B")
@click.option("--data", "data_file", type=click.Path(dir_okay=False), metavar="FILE",
              help="Take both years from this multi-period file.")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=".", show_default=True,
              envvar="CCGRATE_DATA_DIR", help="Where a year finds its data file (also CCGRATE_DATA_DIR).")
@click.option("--framework-a", metavar="ID|PATH", help="Framework for A instead of the built-in for its year.")
@click.option("--framework-b", metavar="ID|PATH", help="Framework for B instead of the built-in for its year.")
@click.option("--map", "map_file", type=click.Path(dir_okay=False), metavar="FILE",
              help="Mergers: a CSV of old_code,new_code[,weight]; predecessors are combined and compared with their successor.")
@click.option("--combine", type=click.Choice(["auto", "weighted", "mean"]), default="auto", show_default=True,
              help="How predecessors' values are combined: weighted by the map's weight column, or a plain mean "
                   "(auto: weighted when the map has weights). Counts are always summed.")
@click.option("--org", "orgs", multiple=True, metavar="CODE", help="Show this organisation in detail (repeatable).")
@click.option("--indicator", "indicators", multiple=True, metavar="ID",
              help="Show only these indicators in the detail (repeatable); scores still use them all.")
@click.option("--fail-if-worse", is_flag=True,
              help=f"Exit with code {ExitCode.BELOW_THRESHOLD.value} if any matched organisation's rating fell.")
@format_option
@output_option
@encoding_option
def compare(
    side_a: str,
    side_b: str,
    data_file: str | None,
    data_dir: Path,
    framework_a: str | None,
    framework_b: str | None,
    map_file: str | None,
    combine: str,
    orgs: tuple[str, ...],
    indicators: tuple[str, ...],
    fail_if_worse: bool,
    output_format: str,
    output: Path | None,
    encoding: str,
) -> None:
    """Compare two years: ratings, scores, domains, areas and every indicator, for one CCG or all.

    A and B are CSV files or years. A year (2017, 2017/18 or 2017-18 all mean 2017/18) picks a
    period inside --data FILE, or finds its file in --data-dir: the one CSV whose name carries
    the year (*2017-18*.csv, *2017_18*.csv, *201718*.csv, *2017-2018*.csv or 2017.csv). When the
    two years use different frameworks, each score change is split into a data part and a
    framework part.

    \b
    Examples:
      cd examples && ccgrate compare 2017 2018
      ccgrate compare 2016 2017 --data examples/bromley.csv --indicator 126a --indicator 129a
      ccgrate compare 2017 2018 --data-dir examples --map examples/national-mergers.csv -f csv
      ccgrate compare 2018 2019 --data-dir examples --org SYN010 --fail-if-worse
    """
    from .pipeline import SideInput, compare_sides

    sides = [_side(spec, data_file, data_dir, encoding) for spec in (side_a, side_b)]
    mapping = None
    if map_file is not None:
        from .compare import read_mapping

        ((name, raw),) = read_sources((map_file,))
        mapping = read_mapping(raw, name, encoding)
    comparison = compare_sides(
        SideInput(*sides[0]), SideInput(*sides[1]), framework_a=framework_a, framework_b=framework_b,
        mapping=mapping, combine=combine, encoding=encoding,
    )
    if orgs:
        wanted = {code.strip().upper() for code in orgs}
        absent = sorted(wanted - {c.org_code.upper() for c in comparison.orgs})
        if absent:
            raise DataError(
                f"no organisation {', '.join(absent)} in both years",
                hint="check the code; organisations in one year only are listed without --org",
            )
        comparison.orgs = [c for c in comparison.orgs if c.org_code.upper() in wanted]
    if indicators:
        from dataclasses import replace

        chosen = {i.strip().lower() for i in indicators}
        known = {i.id.lower() for c in comparison.orgs for i in c.indicators}
        absent = sorted(chosen - known)
        if absent:
            raise DataError(f"no indicator {', '.join(absent)} in either year's framework", hint="check the indicator ids")
        comparison.orgs = [
            replace(c, indicators=[i for i in c.indicators if i.id.lower() in chosen]) for c in comparison.orgs
        ]
    for message in comparison.warnings:
        warn(message)
    from .render import comparison as render

    output_format = output_format.lower()
    if output_format == "table":
        render_table(lambda console: render.print_comparison(console, comparison, detail=bool(orgs) or len(comparison.orgs) == 1), output)
    else:
        renderers = {"json": render.render_json, "ndjson": render.render_ndjson, "csv": render.render_csv,
                     "markdown": render.render_markdown}
        write_output(renderers[output_format](comparison), output)
    if fail_if_worse:
        fell = [c for c in comparison.orgs if c.movement == "down"]
        if fell:
            names = ", ".join(f"{c.org_code} ({c.rating_a} -> {c.rating_b})" for c in fell[:5])
            more = f" and {len(fell) - 5} more" if len(fell) > 5 else ""
            click.echo(f"ccgrate: {len(fell)} rated lower in {comparison.b.label}: {names}{more}", err=True)
            sys.exit(ExitCode.BELOW_THRESHOLD)


def _side(spec: str, data_file: str | None, data_dir: Path, encoding: str) -> tuple[str, bytes, str | None]:
    """A compare argument: a CSV path, or a year resolved in --data or --data-dir."""
    from .data import normalise_period
    from .pipeline import find_year_file

    if Path(spec).is_file() or spec == "-":
        ((name, raw),) = read_sources((spec,))
        return name, raw, None
    period = normalise_period(spec)
    if period is None:
        raise DataError(f'"{spec}" is neither a file nor a year', hint="give a CSV path or a year such as 2017 or 2017/18")
    if data_file is not None:
        ((name, raw),) = read_sources((data_file,))
        return name, raw, period
    found = find_year_file(period, data_dir)
    ((name, raw),) = read_sources((str(found),))
    return name, raw, period


IMAGE_SUFFIXES = (".svg", ".png", ".pdf")


@cli.command()
@click.argument("file", metavar="FILE")
@click.option("--indicator", "indicator_id", required=True, metavar="ID", help="The z-score indicator to plot.")
@click.option("--org", "orgs", multiple=True, metavar="CODE", help="Highlight this organisation (repeatable).")
@click.option("--period", "period", metavar="PERIOD", help="The period, when FILE holds several.")
@click.option("--framework", "framework_spec", metavar="ID|PATH", help="Score with this framework instead of the one for the data's period.")
@click.option(
    "-f", "--format", "output_format", type=click.Choice(["table", "json", "csv"], case_sensitive=False),
    help="Print the funnel data instead of drawing (default: draw when -o ends in .svg, .png or .pdf, else table).",
)
@output_option
@encoding_option
def funnel(
    file: str,
    indicator_id: str,
    orgs: tuple[str, ...],
    period: str | None,
    framework_spec: str | None,
    output_format: str | None,
    output: Path | None,
    encoding: str,
) -> None:
    """Funnel plot of one z-score indicator: every organisation against 95% and 99.8% limits.

    Drawing needs matplotlib: pip install 'ccgrate[plot]'.

    \b
    Examples:
      ccgrate funnel examples/national-2018-19.csv --indicator 126b -o funnel.svg
      ccgrate funnel examples/national-2018-19.csv --indicator 126b --org SYN010 -o funnel.png
      ccgrate funnel examples/national-2018-19.csv --indicator 126b -f csv
    """
    from .funnel import build_funnel, funnel_record
    from .pipeline import parse_period_option, score_sources

    draw = output_format is None and output is not None and output.suffix.lower() in IMAGE_SUFFIXES
    if output_format is None and not draw:
        output_format = "table"
    wanted = parse_period_option(period) if period else None
    run = score_sources(read_sources((file,)), framework=framework_spec, periods=[wanted] if wanted else (), encoding=encoding)
    for message in run.warnings:
        warn(message)
    plot = build_funnel(run, indicator_id, wanted)
    highlight = {code.strip().upper() for code in orgs}
    unknown = highlight - {p.org_code.upper() for p in plot.points}
    if unknown:
        raise DataError(f"no organisation {', '.join(sorted(unknown))} in {file}", hint="check the code against the org_code column")
    highlight = {p.org_code for p in plot.points if p.org_code.upper() in highlight}
    if draw:
        from .render.plot import PlottingUnavailable, draw_funnel

        assert output is not None
        try:
            draw_funnel(plot, output, highlight)
        except PlottingUnavailable:
            raise UserError(
                "drawing needs matplotlib, an optional extra: pip install 'ccgrate[plot]' (in a checkout: "
                "pip install '.[plot]'), or print the data with -f table|json|csv",
                ExitCode.DATA,
            ) from None
        click.echo(f"ccgrate: wrote {output} ({plot.indicator}, {len(plot.points)} organisations)", err=True)
        return
    record = funnel_record(plot)
    if output_format == "json":
        import json

        write_output(json.dumps(record, indent=2, ensure_ascii=False) + "\n", output)
    elif output_format == "csv":
        from .render.machine import render_rows_csv

        columns = ["org_code", "org_name", "value", "numerator", "denominator", "z", "z_adj", "band",
                   "lower_998", "lower_95", "upper_95", "upper_998"]
        stamp = ["framework_sha256", "input_sha256", "ccgrate_version"]
        rows = [[p.get(c) for c in columns] + [record[key] for key in stamp] for p in record["points"]]
        write_output(render_rows_csv(columns + stamp, rows), output)
    else:
        from .render.table import funnel_table

        render_table(lambda console: console.print(funnel_table(record, highlight)), output)


@cli.command("frameworks")
@click.option(
    "-f", "--format", "output_format", type=click.Choice(["table", "json", "csv"], case_sensitive=False), default="table", show_default=True
)
def frameworks_command(output_format: str) -> None:
    """List the built-in frameworks: id, name, period and number of indicators.

    \b
    Examples:
      ccgrate frameworks
      ccgrate frameworks -f json
    """
    import json

    from .loader import builtins, load_framework

    entries = []
    for entry in builtins():
        fw = load_framework(entry.path, origin=f"builtin:{entry.id}")
        entries.append({"id": fw.id, "name": fw.framework.name, "period": fw.framework.period, "indicators": len(fw.indicators), "sha256": fw.sha256})
    output_format = output_format.lower()
    if output_format == "json":
        click.echo(json.dumps(entries, indent=2))
    elif output_format == "csv":
        from .render.machine import render_rows_csv

        click.echo(render_rows_csv(["id", "name", "period", "indicators", "sha256"], [list(e.values()) for e in entries]), nl=False)
    else:
        from .render.table import frameworks_table

        render_table(lambda console: console.print(frameworks_table(entries)), None)


@cli.group(cls=CcgrateGroup, context_settings=CONTEXT)
def framework() -> None:
    """Show, check and describe framework definitions (TOML).

    \b
    Examples:
      ccgrate framework show iaf-2017-18
      ccgrate framework check my-framework.toml
      ccgrate framework schema -o ccgrate-framework.schema.json
    """


@framework.command("show")
@click.argument("spec", metavar="ID|PATH")
@click.option("-f", "--format", "output_format", type=click.Choice(["table", "json"], case_sensitive=False), default="table", show_default=True)
@output_option
def framework_show(spec: str, output_format: str, output: Path | None) -> None:
    """Print a framework: provenance, scale, judgements, domains, areas, indicators and rules.

    \b
    Examples:
      ccgrate framework show iaf-2018-19
      ccgrate framework show frameworks/nhsof-2019-20.toml -f json
    """
    import json

    from .loader import resolve_framework

    fw = resolve_framework(spec)
    if output_format.lower() == "json":
        document = {"origin": fw.origin, "sha256": fw.sha256, **fw.model_dump(mode="json", exclude_none=True)}
        write_output(json.dumps(document, indent=2, ensure_ascii=False) + "\n", output)
        return
    from .render.table import framework_view

    render_table(lambda console: console.print(framework_view(fw)), output)


@framework.command("check")
@click.argument("paths", nargs=-1, required=True, type=click.Path(dir_okay=False), metavar="PATH...")
def framework_check(paths: tuple[str, ...]) -> None:
    """Validate framework files; list every problem with its file and key path.

    \b
    Examples:
      ccgrate framework check my-framework.toml
      ccgrate framework check frameworks/*.toml
    """
    from .loader import load_framework

    failed = False
    for path in paths:
        try:
            fw = load_framework(path)
        except FrameworkError as error:
            failed = True
            for problem in error.problems:
                click.echo(f"Error: {problem}", err=True)
            continue
        click.echo(
            f"{path}: ok ({fw.id}, {fw.framework.period}, {len(fw.indicators)} indicators, {len(fw.domains)} domains, "
            f"{len(fw.areas)} areas, {len(fw.rules)} rules; sha256 {fw.sha256[:12]})"
        )
    if failed:
        sys.exit(ExitCode.FRAMEWORK)


@framework.command("schema")
@output_option
def framework_schema_command(output: Path | None) -> None:
    """Print the JSON Schema of framework files, for editors that validate and complete TOML.

    \b
    Examples:
      ccgrate framework schema -o ccgrate-framework.schema.json
    """
    import json

    from .loader import framework_schema

    write_output(json.dumps(framework_schema(), indent=2) + "\n", output)


def main(argv: list[str] | None = None) -> None:
    """Entry point: the exit codes click does not give by itself (interrupt, closed pipe, bug)."""
    try:
        code = cli.main(args=argv, prog_name="ccgrate", standalone_mode=False)
        sys.stdout.flush()
    except click.ClickException as error:
        error.show()
        code = error.exit_code
    except click.Abort:
        click.echo("ccgrate: interrupted", err=True)
        code = ExitCode.INTERRUPTED
    except BrokenPipeError:
        silence_stdout()
        code = ExitCode.OK
    except Exception as error:  # a bug: say so in one line unless asked for the traceback
        if os.environ.get("CCGRATE_DEBUG"):
            raise
        click.echo(
            f"Error: internal error ({type(error).__name__}: {error}); this is a bug in ccgrate, please report it "
            "with the command you ran (set CCGRATE_DEBUG=1 to see the traceback)",
            err=True,
        )
        code = ExitCode.INTERNAL
    sys.exit(code or 0)
