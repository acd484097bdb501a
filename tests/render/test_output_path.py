"""One output path: every kind of result is written by one function in every format it claims, and
each command offers exactly the formats its result claims."""

from __future__ import annotations

import csv
import importlib
import io
import json
import re
from functools import cache

import pytest
from helpers import EXAMPLES

from ccgrate._base.errors import UsageProblem
from ccgrate._cli.main import cli
from ccgrate._render.output import OutputFormat, Renderer, write

BROMLEY = EXAMPLES / "bromley.csv"
NATIONAL = EXAMPLES / "national-2018-19.csv"


def source(path):
    return [(str(path), path.read_bytes())]


def population(path, period):
    from ccgrate._scoring.run import prepare

    return prepare(source(path), periods=[period]).populations[0]


def score_output():
    from ccgrate._render.score import ScoreOutput
    from ccgrate._scoring.run import score_sources

    return ScoreOutput(score_sources(source(BROMLEY)), explain=True)


def comparison_output():
    from ccgrate._analysis.compare import SideInput, compare_sides
    from ccgrate._render.comparison import ComparisonOutput

    raw = BROMLEY.read_bytes()
    comparison = compare_sides(SideInput(str(BROMLEY), raw, "2016/17"), SideInput(str(BROMLEY), raw, "2017/18"))
    return ComparisonOutput(comparison, detail=True)


def whatif_output():
    from ccgrate._analysis.whatif import with_settings
    from ccgrate._render.analysis import WhatIfOutput

    chosen = population(BROMLEY, "2017/18")
    return WhatIfOutput(with_settings(chosen, 0, ["122a=55", "finance=amber"]), True, chosen.framework)


def sensitivity_output():
    from ccgrate._analysis.sensitivity import sensitivity
    from ccgrate._render.analysis import SensitivityOutput

    return SensitivityOutput(sensitivity(population(BROMLEY, "2017/18"), 50, 1), [0])


def calibration_output():
    from ccgrate._analysis.calibrate import calibrate
    from ccgrate._framework.loader import framework_text
    from ccgrate._render.analysis import CalibrationOutput

    chosen = population(EXAMPLES / "national-2017-18.csv", "2017/18")
    result = calibrate(chosen, framework_text(chosen.framework), None)
    return CalibrationOutput(result, "national-2017-18.csv", "calibrated.toml", chosen.framework.id)


def funnel_output():
    from ccgrate._analysis.funnel import build_funnel
    from ccgrate._render.funnel import FunnelOutput
    from ccgrate._scoring.run import score_sources

    run = score_sources(source(NATIONAL))
    return FunnelOutput(build_funnel(run, "126b"), {"SYN010"}, run.frameworks)


def framework_output():
    from ccgrate._framework.loader import resolve_framework
    from ccgrate._render.framework import FrameworkOutput

    return FrameworkOutput(resolve_framework("iaf-2018-19"))


def framework_list_output():
    from ccgrate._framework.loader import builtin_frameworks
    from ccgrate._render.framework import FrameworkListOutput

    return FrameworkListOutput(builtin_frameworks())


def schema_output():
    from ccgrate._framework.loader import framework_schema
    from ccgrate._render.framework import SchemaOutput

    return SchemaOutput(framework_schema())


def report_output():
    from ccgrate._analysis.report import build_report
    from ccgrate._render.html import ReportOutput
    from ccgrate._scoring.run import score_sources

    return ReportOutput(build_report(score_sources(source(BROMLEY)), whatif=False, version="test", caveat=None))


NOF = EXAMPLES / "nof-2025-26-mhc-q1-q2.csv"


def league_output():
    from ccgrate._analysis.league import league_tables
    from ccgrate._render.league import LeagueOutput
    from ccgrate._scoring.run import score_sources

    return LeagueOutput(league_tables(score_sources(source(NOF))))


def distance_output():
    from ccgrate._analysis.distance import distances
    from ccgrate._render.distance import DistanceOutput
    from ccgrate._scoring.engine import assess_population

    chosen = population(NOF, "2025/26 Q1")
    result = assess_population(chosen.framework, chosen)
    return DistanceOutput(distances(result, None, list(range(len(chosen)))), chosen.framework, detail=False)


def spread_output():
    from ccgrate._analysis.spread import metric_spread
    from ccgrate._render.spread import SpreadOutput
    from ccgrate._scoring.engine import assess_population

    chosen = population(NOF, "2025/26 Q1")
    result = assess_population(chosen.framework, chosen)
    return SpreadOutput(metric_spread(result, 50, 1, [0, 1]), chosen.framework)


def published_calibration_output():
    from ccgrate._analysis.calibrate import calibrate_published
    from ccgrate._framework.loader import framework_text
    from ccgrate._render.analysis import PublishedCalibrationOutput
    from ccgrate._scoring.run import prepare

    populations = prepare(source(NOF)).populations
    found = calibrate_published(populations, framework_text(populations[0].framework))
    return PublishedCalibrationOutput(found, "nof.csv", "cuts.toml")


SAMPLES = {
    "LeagueOutput": league_output,
    "DistanceOutput": distance_output,
    "SpreadOutput": spread_output,
    "PublishedCalibrationOutput": published_calibration_output,
    "ScoreOutput": score_output,
    "ComparisonOutput": comparison_output,
    "WhatIfOutput": whatif_output,
    "SensitivityOutput": sensitivity_output,
    "CalibrationOutput": calibration_output,
    "FunnelOutput": funnel_output,
    "FrameworkOutput": framework_output,
    "FrameworkListOutput": framework_list_output,
    "SchemaOutput": schema_output,
    "ReportOutput": report_output,
}
# Which command writes which result, and the result its -f offers formats for.
COMMANDS = {
    "score": "ScoreOutput",
    "league": "LeagueOutput",
    "compare": "ComparisonOutput",
    "whatif": "WhatIfOutput",
    "sensitivity": "SensitivityOutput",
    "calibrate": "CalibrationOutput",
    "funnel": "FunnelOutput",
    "framework show": "FrameworkOutput",
    "frameworks": "FrameworkListOutput",
}


@cache
def sample(name: str) -> Renderer:
    return SAMPLES[name]()


def renderers() -> set[str]:
    for module in set(MODULES.values()) | {"output"}:
        importlib.import_module(f"ccgrate._render.{module}")
    found, pending = set(), list(Renderer.__subclasses__())
    while pending:
        kind = pending.pop()
        found.add(kind.__name__)
        pending.extend(kind.__subclasses__())
    return found


def test_every_kind_of_result_has_a_sample_here():
    assert renderers() == set(SAMPLES)


MODULES = {
    "ScoreOutput": "score",
    "LeagueOutput": "league",
    "DistanceOutput": "distance",
    "SpreadOutput": "spread",
    "PublishedCalibrationOutput": "analysis",
    "ComparisonOutput": "comparison",
    "WhatIfOutput": "analysis",
    "SensitivityOutput": "analysis",
    "CalibrationOutput": "analysis",
    "FunnelOutput": "funnel",
    "FrameworkOutput": "framework",
    "FrameworkListOutput": "framework",
    "SchemaOutput": "framework",
    "ReportOutput": "html",
}


def claimed(name: str) -> tuple[OutputFormat, ...]:
    """The formats a kind of result claims, read from its class (without making a result)."""
    return getattr(importlib.import_module(f"ccgrate._render.{MODULES[name]}"), name).formats


CLAIMED = [(name, fmt) for name in SAMPLES for fmt in OutputFormat if fmt in claimed(name)]
UNCLAIMED = [(name, fmt) for name in SAMPLES for fmt in OutputFormat if (name, fmt) not in CLAIMED]


def check(fmt: OutputFormat, data: bytes) -> None:
    """What a reader of each format expects at least."""
    assert data, "nothing written"
    if fmt.picture:
        magic = {OutputFormat.SVG: b"<svg", OutputFormat.PNG: b"\x89PNG", OutputFormat.PDF: b"%PDF"}[fmt]
        assert magic in data[:400]
        return
    text = data.decode("utf-8")
    if fmt is OutputFormat.JSON:
        json.loads(text)
    elif fmt is OutputFormat.NDJSON:
        assert all(json.loads(line) for line in text.splitlines())
    elif fmt is OutputFormat.CSV:
        rows = list(csv.reader(io.StringIO(text)))
        assert rows and all(len(row) == len(rows[0]) for row in rows)
    elif fmt is OutputFormat.MARKDOWN:
        assert "| --- |" in text
    elif fmt is OutputFormat.HTML:
        assert text.startswith("<!DOCTYPE html>")
    elif fmt is OutputFormat.TABLE:
        assert text.strip()


@pytest.mark.parametrize(("name", "fmt"), CLAIMED, ids=[f"{n}-{f}" for n, f in CLAIMED])
def test_every_result_is_written_in_every_format_it_claims(tmp_path, name, fmt):
    target = tmp_path / f"out.{fmt}"
    write(sample(name), fmt, target)
    check(fmt, target.read_bytes())


@pytest.mark.parametrize(("name", "fmt"), UNCLAIMED, ids=[f"{n}-{f}" for n, f in UNCLAIMED])
def test_a_format_a_result_does_not_claim_is_refused_before_anything_is_written(tmp_path, name, fmt):
    target = tmp_path / "out"
    with pytest.raises(UsageProblem, match=f"cannot be written as {fmt}"):
        write(sample(name), fmt, target)
    assert not target.exists()


@pytest.mark.parametrize("fmt", [OutputFormat.TABLE, OutputFormat.MARKDOWN])
@pytest.mark.parametrize(
    "name", ["ScoreOutput", "ComparisonOutput", "WhatIfOutput", "SensitivityOutput", "FunnelOutput"]
)
def test_a_table_or_markdown_made_with_a_reconstruction_ends_with_the_caveat(tmp_path, name, fmt):
    target = tmp_path / f"out.{fmt}"
    write(sample(name), fmt, target)
    # The caveat comes last (a table wraps it at the terminal's width).
    words = " ".join(target.read_text().split())
    assert re.search(r"Not official:?\*?\*? [^*]* ccgrate framework show iaf-\d{4}-\d{2}$", words), words[-300:]


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_each_command_offers_the_formats_its_result_claims(command):
    words = command.split()
    found = cli.commands[words[0]]
    for word in words[1:]:
        found = found.commands[word]
    option = next(p for p in found.params if p.name == "output_format")
    offered = {OutputFormat(choice) for choice in option.type.choices}
    # Pictures are chosen by -o's suffix (funnel), not by -f.
    assert offered == {fmt for fmt in claimed(COMMANDS[command]) if not fmt.picture}
