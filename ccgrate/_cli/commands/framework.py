"""ccgrate frameworks, and ccgrate framework show | check | schema."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ccgrate._base.errors import FrameworkError, printable
from ccgrate._cli.exits import CcgrateGroup, ExitCode
from ccgrate._cli.inputs import guard_output, read_sources
from ccgrate._cli.messages import say, verbosity_options
from ccgrate._cli.options import FRAMEWORK, format_option, output_option
from ccgrate._render.output import OutputFormat, write

if TYPE_CHECKING:
    from ccgrate._framework.model import Framework


@click.command("frameworks")
@format_option()
@output_option
@verbosity_options
def frameworks_command(output_format: OutputFormat, output: Path | None) -> None:
    """List the built-in frameworks: id, name, period and number of indicators.

    \b
    Examples:
      ccgrate frameworks
      ccgrate frameworks -f json
    """
    from ccgrate._framework.loader import builtin_frameworks
    from ccgrate._render.framework import FrameworkListOutput

    write(FrameworkListOutput(builtin_frameworks()), output_format, output)


@click.group(cls=CcgrateGroup)
def framework() -> None:
    """Show, check and describe framework definitions (TOML).

    \b
    Examples:
      ccgrate framework show iaf-2017-18
      ccgrate framework check my-framework.toml
      ccgrate framework schema -o ccgrate-framework.schema.json
    """


def _load(spec: str) -> Framework:
    """A built-in id, a path, or - for a framework on standard input."""
    from ccgrate._framework.loader import parse_framework, resolve_framework

    if spec == "-":
        ((name, raw),) = read_sources(("-",))
        return parse_framework(raw, name=name)
    return resolve_framework(spec)


@framework.command("show")
@click.argument("spec", metavar="ID|PATH", type=FRAMEWORK)
@format_option((OutputFormat.TABLE, OutputFormat.JSON, OutputFormat.MARKDOWN))
@output_option
@verbosity_options
def framework_show(spec: str, output_format: OutputFormat, output: Path | None) -> None:
    """Print a framework: provenance, scale, judgements, domains, areas, indicators and rules.

    \b
    Examples:
      ccgrate framework show iaf-2018-19
      ccgrate framework show frameworks/nhsof-2019-20.toml -f json
      ccgrate framework show iaf-2017-18 -f markdown -o iaf-2017-18.md
    """
    from ccgrate._render.framework import FrameworkOutput

    guard_output(output, spec)
    write(FrameworkOutput(_load(spec)), output_format, output)


@framework.command("check")
@click.argument("paths", nargs=-1, required=True, type=click.Path(dir_okay=False, allow_dash=True), metavar="PATH...")
@verbosity_options
def framework_check(paths: tuple[str, ...]) -> None:
    """Validate framework files; list every problem with its file and key path (- reads stdin).

    \b
    Examples:
      ccgrate framework check my-framework.toml
      ccgrate framework check frameworks/*.toml
    """
    failed = False
    for path in paths:
        try:
            fw = _load(path) if path == "-" else _load_path(path)
        except FrameworkError as error:
            failed = True
            for problem in error.problems:
                say(f"Error: {problem}")
            continue
        click.echo(
            printable(
                f"{fw.origin}: ok ({fw.id}, {fw.framework.period}, {len(fw.indicators)} indicators, {len(fw.domains)} domains, "
                f"{len(fw.areas)} areas, {len(fw.rules)} rules; sha256 {fw.sha256[:12]})"
            )
        )
    if failed:
        sys.exit(ExitCode.FRAMEWORK)


def _load_path(path: str) -> Framework:
    from ccgrate._framework.loader import load_framework

    return load_framework(path)


@framework.command("schema")
@click.argument(
    "kind",
    type=click.Choice(["framework", "score", "score-line"], case_sensitive=False),
    default="framework",
    metavar="[framework|score|score-line]",
)
@output_option
@verbosity_options
def framework_schema_command(kind: str, output: Path | None) -> None:
    """Print the JSON Schema of framework files, or of score's JSON and NDJSON output.

    framework (the default): framework files, for editors that validate and complete TOML.
    score: the `score -f json` document; score-line: one line of `score -f ndjson`; for
    programs that read ccgrate's output and want to check it.

    \b
    Examples:
      ccgrate framework schema -o ccgrate-framework.schema.json
      ccgrate framework schema score -o ccgrate-score.schema.json
    """
    from ccgrate._render.framework import SchemaOutput

    guard_output(output)
    kind = kind.lower()
    if kind == "framework":
        from ccgrate._framework.loader import framework_schema

        schema = framework_schema()
    else:
        from ccgrate._render.schema import output_schema

        schema = output_schema(kind)
    write(SchemaOutput(schema), OutputFormat.JSON, output)
