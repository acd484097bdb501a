"""Paths, the national examples and golden-file comparison shared by the tests."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ccgrate._scoring.bind import Population
    from ccgrate._scoring.engine import PopulationResult

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
FRAMEWORKS = ROOT / "frameworks"
TESTS = Path(__file__).resolve().parent
GOLDEN = TESTS / "golden"
CORPUS = TESTS / "corpus"
SHEETS = TESTS / "sheets"


def golden(name: str, actual: str) -> None:
    """Compare with tests/golden/NAME; CCGRATE_UPDATE_GOLDEN=1 rewrites it instead."""
    path = GOLDEN / name
    if os.environ.get("CCGRATE_UPDATE_GOLDEN"):
        path.write_text(actual, encoding="utf-8")
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, f"output differs from {path}; set CCGRATE_UPDATE_GOLDEN=1 to accept a deliberate change"


def check_score_output(text: str, kind: str = "score") -> None:
    """Validate `score -f json` (kind "score") or `-f ndjson` (every line, kind "score-line")
    output against ccgrate's published JSON Schema, with an independent validator."""
    import json

    validator = _validator(kind)
    documents = [json.loads(line) for line in text.splitlines()] if kind == "score-line" else [json.loads(text)]
    for document in documents:
        errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
        assert not errors, "; ".join(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:5])


_VALIDATORS: dict = {}


def _validator(kind: str):
    if kind not in _VALIDATORS:
        from jsonschema import Draft202012Validator

        from ccgrate._render.schema import output_schema

        schema = output_schema(kind)
        Draft202012Validator.check_schema(schema)
        _VALIDATORS[kind] = Draft202012Validator(schema)
    return _VALIDATORS[kind]


@cache
def national(year: str, framework: str | None = None) -> Population:
    """The synthetic national example of a year ("2016-17" to "2019-20"), read and bound once per test
    run (tests never change a population in place: what-if and calibration make new ones)."""
    from ccgrate._scoring.run import prepare

    path = EXAMPLES / f"national-{year}.csv"
    return prepare([(str(path), path.read_bytes())], framework=framework).populations[0]


@cache
def national_result(year: str) -> PopulationResult:
    """The national example of a year, assessed once per test run."""
    from ccgrate._scoring.engine import assess_population

    population = national(year)
    return assess_population(population.framework, population)
