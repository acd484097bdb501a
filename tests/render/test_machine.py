"""The JSON Schema of score's machine output, checked against real output by an independent validator."""

from __future__ import annotations

import json

import numpy as np
import pytest
from helpers import EXAMPLES, check_score_output
from hypothesis import given, settings
from hypothesis import strategies as st

from ccgrate._render.cells import SCHEMA_VERSION
from ccgrate._render.schema import output_schema

CASES = {
    "bromley, two frameworks": [EXAMPLES / "bromley.csv"],
    "z-scores and significance": [EXAMPLES / "national-2018-19.csv"],
    "every year's framework at once": [EXAMPLES / "bromley.csv", EXAMPLES / "national-2019-20.csv"],
    "a workbook": [EXAMPLES / "bromley.xlsx"],
}


@pytest.mark.parametrize("case", list(CASES))
def test_score_json_keeps_to_its_schema(ccgrate, case):
    check_score_output(ccgrate("score", *CASES[case], "--explain", "-f", "json").stdout)


@pytest.mark.parametrize("case", list(CASES))
def test_every_ndjson_line_keeps_to_its_schema(ccgrate, case):
    text = ccgrate("score", *CASES[case], "-f", "ndjson").stdout
    assert text.count("\n") >= 2
    check_score_output(text, "score-line")


def test_an_organisation_that_is_not_rated_keeps_to_the_schema(ccgrate, tmp_path):
    import csv
    import io

    header, row = (EXAMPLES / "bromley.csv").read_text().splitlines()[:2]
    # Keep the first twelve indicators and the judgements only: too little weight to be rated.
    names = next(csv.reader([header]))
    values = next(csv.reader([row]))
    kept = [v if k < 15 or names[k] in ("leadership", "finance") else "" for k, v in enumerate(values)]
    buffer = io.StringIO()
    csv.writer(buffer).writerows([names, kept])
    path = tmp_path / "sparse.csv"
    path.write_text(buffer.getvalue())
    text = ccgrate("score", path, "-f", "json").stdout
    document = json.loads(text)
    assert document["assessments"][0]["rating"] is None
    check_score_output(text)


def test_the_schema_is_strict_about_fields(ccgrate):
    document = json.loads(ccgrate("score", EXAMPLES / "bromley.csv", "-f", "json").stdout)
    document["assessments"][0]["surprise"] = 1
    with pytest.raises(AssertionError, match="surprise"):
        check_score_output(json.dumps(document))
    document["assessments"][0].pop("surprise")
    document["assessments"][0]["rules_fired"] = [
        {"rule": "x", "effect": "boost", "rating": "Good", "before": None, "after": None, "reason": ""}
    ]
    with pytest.raises(AssertionError, match="boost"):
        check_score_output(json.dumps(document))
    document["assessments"][0]["rules_fired"] = []
    document["schema_version"] = SCHEMA_VERSION + 1
    with pytest.raises(AssertionError, match="schema_version"):
        check_score_output(json.dumps(document))


@pytest.mark.parametrize("kind", ["score", "score-line"])
def test_framework_schema_prints_the_output_schemas(ccgrate, tmp_path, kind):
    target = tmp_path / f"{kind}.schema.json"
    ccgrate("framework", "schema", kind, "-o", target)
    schema = json.loads(target.read_text())
    assert schema == output_schema(kind)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["properties"]["schema_version"]["const"] == SCHEMA_VERSION
    assert "org_code" in (schema["properties"] if kind == "score-line" else schema["$defs"]["Assessment"]["properties"])


def test_framework_schema_without_a_kind_is_still_the_framework_schema(ccgrate):
    from ccgrate._framework.loader import framework_schema

    assert json.loads(ccgrate("framework", "schema").stdout) == framework_schema()


def test_an_unknown_schema_kind_is_refused(ccgrate):
    result = ccgrate("framework", "schema", "whatif", expect=2)
    assert "'whatif' is not one of 'framework', 'score', 'score-line'" in result.stderr


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.text(max_size=6), min_size=3, max_size=3), min_size=1, max_size=6))
def test_column_wise_csv_is_what_the_csv_module_writes(rows):
    import csv
    import io

    from ccgrate._render.cells import csv_lines

    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    assert csv_lines([list(column) for column in zip(*rows)]) == buffer.getvalue()


def test_streamed_json_is_the_whole_document_json_writes(ccgrate):
    """The pieces join to json.dumps(document, indent=2), whatever the number of assessments."""
    import json as json_module

    for args in (["--org", "07Q"], ["--period", "2016/17"], []):
        text = ccgrate("score", EXAMPLES / "bromley.csv", "-f", "json", "-q", *args).stdout
        assert text == json_module.dumps(json_module.loads(text), indent=2, ensure_ascii=False) + "\n"
    from ccgrate._render.score_machine import render_json
    from ccgrate._scoring.run import ScoreRun

    empty = render_json(ScoreRun([], []))
    assert json_module.loads(empty)["assessments"] == []
    assert empty == json_module.dumps(json_module.loads(empty), indent=2, ensure_ascii=False) + "\n"


@settings(max_examples=200, deadline=None)
@given(
    st.integers(0, 6).flatmap(
        lambda width: st.lists(st.lists(st.booleans(), min_size=width, max_size=width), max_size=12)
    )
)
def test_joined_lists_each_rows_marked_columns_in_order(rows):
    from ccgrate._render.score_machine import _joined

    width = len(rows[0]) if rows else 0
    labels = [f"c{k}" for k in range(width)]
    marked = np.array(rows, dtype=bool).reshape(len(rows), width)
    assert _joined(marked, labels) == [";".join(label for label, m in zip(labels, row) if m) for row in rows]


def test_streamed_json_leaves_no_pile_of_cycles_for_a_disabled_collector():
    # ccgrate runs with the cyclic collector off; json's indenting encoder leaves a reference cycle
    # behind each call, so a streamed document must clear them as it goes, not keep one per record.
    import gc

    from ccgrate._render.score_machine import json_chunks
    from ccgrate._scoring.run import score_sources

    path = EXAMPLES / "national-2018-19.csv"
    run = score_sources([(str(path), path.read_bytes())])
    assert sum(1 for _ in run.iter_assessments()) == 195
    gc.collect()
    gc.disable()
    try:
        for _ in json_chunks(run):
            pass
        left = gc.collect()
    finally:
        gc.enable()
    # Each record leaves about 33 objects: without the clearing, 195 records leave about 6,500.
    assert left < 64 * 35
