"""The Python API's results: each keeps what its command would write, gives it as `to_dict()` (the
command's `-f json` document), as data frames where it is a table, and shows itself in a notebook."""

from __future__ import annotations

import csv
import html
import io
import json
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

from ccgrate._base.errors import UsageProblem

if TYPE_CHECKING:
    from ccgrate._analysis.calibrate import Calibration as _Calibration
    from ccgrate._analysis.calibrate import PublishedCalibration
    from ccgrate._analysis.compare import Comparison as _Comparison
    from ccgrate._analysis.distance import Distance
    from ccgrate._analysis.league import LeagueTable
    from ccgrate._analysis.sensitivity import Sensitivity as _Sensitivity
    from ccgrate._analysis.spread import Spread
    from ccgrate._analysis.whatif import WhatIf as _WhatIf
    from ccgrate._framework.model import Framework
    from ccgrate._render.output import Renderer
    from ccgrate._render.schema import Assessment
    from ccgrate._scoring.run import ScoreRun


def _document(renderer: Renderer) -> dict[str, Any]:
    from ccgrate._render.output import OutputFormat

    return dict(json.loads("".join(renderer.text(OutputFormat.JSON))))


def _frame(records: list[dict[str, Any]], library: str) -> Any:
    """Records as a data frame of the library asked for, imported only now."""
    if library == "pandas":
        import pandas

        return pandas.DataFrame.from_records(records, columns=list(records[0]) if records else None)
    if library == "polars":
        import polars

        return polars.from_dicts(records, infer_schema_length=None) if records else polars.DataFrame()
    import pyarrow

    return pyarrow.Table.from_pylist(records)


class _Frames(ABC):
    """to_pandas, to_polars and to_arrow over a result's `records(shape)`."""

    @abstractmethod
    def records(self, shape: str = "wide") -> list[dict[str, Any]]:
        """The result as plain records, one per row of its frames."""

    def to_pandas(self, shape: Literal["wide", "long"] = "wide") -> Any:
        """A pandas DataFrame (`pip install 'ccgrate[pandas]'`): wide, one row per assessment; long,
        one row per indicator."""
        return _frame(self.records(shape), "pandas")

    def to_polars(self, shape: Literal["wide", "long"] = "wide") -> Any:
        """A polars DataFrame (`pip install 'ccgrate[polars]'`), as `to_pandas`."""
        return _frame(self.records(shape), "polars")

    def to_arrow(self, shape: Literal["wide", "long"] = "wide") -> Any:
        """A pyarrow Table (`pip install 'ccgrate[arrow]'`), as `to_pandas`."""
        return _frame(self.records(shape), "pyarrow")


def _as_table_html(renderer: Renderer) -> str:
    """A result as its command draws it for people, preformatted: a notebook's view of it."""
    from ccgrate._render.output import OutputFormat, as_text

    return f"<pre>{html.escape(as_text(renderer, OutputFormat.TABLE, 100))}</pre>"


def _csv_records(renderer: Renderer) -> list[dict[str, Any]]:
    """The records of a result's CSV, numbers as numbers."""
    from ccgrate._render.output import OutputFormat

    text = "".join(renderer.text(OutputFormat.CSV))
    return [_typed(row) for row in csv.DictReader(io.StringIO(text))]


def _caveat_html(frameworks: Sequence[Framework]) -> str:
    from ccgrate._framework.caveat import caveat

    line = caveat(frameworks)
    return f"<p><small>{html.escape(line)}</small></p>" if line else ""


def _html_table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{'' if v is None else html.escape(str(v))}</td>" for v in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


class Scores(_Frames):
    """The ratings of a scoring run: `ccgrate score`."""

    def __init__(self, run: ScoreRun):
        self._run = run

    @property
    def notes(self) -> list[str]:
        """How the data was read, where that was not plain."""
        return list(self._run.notes)

    @property
    def warnings(self) -> list[str]:
        return [*self._run.warnings, *self._run.grouped_warnings()]

    @property
    def agreement(self) -> list[str]:
        """Per period, how far the ratings agree with the publisher's results in the data (if any)."""
        from ccgrate._analysis.agreement import run_agreement

        return [found.line() for found in run_agreement(self._run)]

    @property
    def frameworks(self) -> list[Framework]:
        return list(self._run.frameworks)

    @property
    def assessments(self) -> list[Assessment]:
        """Every assessment as a typed record: the model that defines the JSON Schema of `-f json`."""
        from ccgrate._render.schema import Assessment
        from ccgrate._render.score_machine import assessment_record

        frameworks = {fw.id: fw for fw in self._run.frameworks}
        inputs = {f.source: f.content_sha256 for f in self._run.inputs}
        return [
            Assessment.model_validate(assessment_record(a, frameworks, inputs)) for a in self._run.iter_assessments()
        ]

    def __len__(self) -> int:
        return len(self._run)

    def to_dict(self) -> dict[str, Any]:
        """Exactly the document `ccgrate score -f json` writes."""
        from ccgrate._render.score import ScoreOutput

        return _document(ScoreOutput(self._run))

    def records(self, shape: str = "wide") -> list[dict[str, Any]]:
        """Plain records: wide, one per assessment (the columns of `score -f csv`); long, one per
        indicator (those of `score --explain -f csv`)."""
        from ccgrate._render.score_machine import EXPLAIN_HEADER, explain_record_rows, summary_header

        frameworks = {fw.id: fw for fw in self._run.frameworks}
        inputs = {f.source: f.content_sha256 for f in self._run.inputs}
        if shape == "long":
            return [
                dict(zip(EXPLAIN_HEADER, row))
                for a in self._run.iter_assessments()
                for row in explain_record_rows(a, frameworks, inputs)
            ]
        if shape != "wide":
            raise UsageProblem(f'shape "{shape}" is neither "wide" nor "long"')
        header = summary_header(self._run)
        return [_wide_record(a, header, frameworks, inputs) for a in self._run.iter_assessments()]

    def explain(self, org: str, *, width: int = 100) -> str:
        """Everything behind one organisation's ratings (by code or name), as `score --explain` draws it."""
        from ccgrate._read.organisations import match_orgs
        from ccgrate._render.console import make_console
        from ccgrate._render.score_table import explain

        known = {a.org_code: a.org_name for a in self._run.iter_assessments()}
        (code,) = match_orgs([org], known, "the data")
        buffer = io.StringIO()
        console = make_console(file=buffer, width=width, color_system=None, force_terminal=False)
        for a in self._run.iter_assessments():
            if a.org_code == code:
                console.print(explain(a, width))
        return buffer.getvalue()

    def _repr_html_(self) -> str:
        ranked = any(fw.league is not None for fw in self._run.frameworks)
        header = ["Code", "Name", "Period", "Score", "Rating"] + (["Rank"] if ranked else [])
        rows = [
            [a.org_code, a.org_name, a.period, "" if a.score is None else f"{a.score:.2f}", a.rating or "not rated"]
            + ([a.rank] if ranked else [])
            for a in self._run.iter_assessments()
        ]
        return _html_table(header, rows) + _caveat_html(self._run.frameworks)

    def __repr__(self) -> str:
        ids = ", ".join(fw.id for fw in self._run.frameworks)
        return f"<ccgrate.Scores: {len(self)} assessments ({ids})>"


def _wide_record(
    a: Any, header: list[str], frameworks: Mapping[str, Framework], inputs: Mapping[str, str]
) -> dict[str, Any]:
    """One assessment under the summary CSV's columns, with numbers as numbers."""
    from ccgrate import __version__
    from ccgrate._analysis.agreement import in_words

    fw = frameworks[a.framework]
    found: dict[str, Any] = {
        "org_code": a.org_code,
        "org_name": a.org_name,
        "period": a.period,
        "framework": a.framework,
        "score": a.score,
        "provisional_rating": a.provisional_rating,
        "rating": a.rating,
        "adjusted_rating": a.adjusted_rating,
        "peer_group": a.peer_group,
        "rank": a.rank,
        "coverage": a.coverage,
        "rules_fired": ";".join(r.rule for r in a.rules_fired),
        "missing": ";".join(a.missing),
        "source": a.source,
        "framework_reconstructed": fw.reconstructed,
        "framework_sha256": fw.sha256,
        "input_sha256": inputs.get(a.source),
        "ccgrate_version": __version__,
        "published_score": a.published.get("score"),
        "published_rating": a.published.get("rating"),
        "published_rank": a.published.get("rank"),
        "agreement": in_words(a),
    }
    found.update(a.judgements)
    found.update({f"domain:{d.id}": d.score for d in a.domains})
    found.update({f"domain_rating:{d.id}": d.rating for d in a.domains})
    found.update({f"area:{ar.id}": ar.rating for ar in a.areas})
    return {column: found.get(column) for column in header}


class League(_Frames):
    """League tables: `ccgrate league`."""

    def __init__(self, tables: list[LeagueTable], scores: Scores):
        self.tables = tables
        self.scores = scores

    def to_dict(self) -> dict[str, Any]:
        """Exactly the document `ccgrate league -f json` writes."""
        from ccgrate._render.league import LeagueOutput

        return _document(LeagueOutput(self.tables))

    def records(self, shape: str = "wide") -> list[dict[str, Any]]:
        """One record per organisation, as `ccgrate league -f csv` (rules fired as a list)."""
        return [row for table in self.to_dict()["tables"] for row in table["rows"]]

    def _repr_html_(self) -> str:
        parts = []
        for table in self.tables:
            rows = [
                [
                    row.rank,
                    row.assessment.org_code,
                    row.assessment.org_name,
                    row.assessment.rating,
                    f"{row.assessment.score:.2f}" if row.assessment.score is not None else "",
                    row.published_rank,
                ]
                for row in table.rows
            ]
            parts.append(
                f"<h4>{html.escape(table.title)}</h4>"
                + _html_table(["Rank", "Code", "Name", "Rating", "Score", "Published rank"], rows)
            )
        return "".join(parts) + _caveat_html(self.scores.frameworks)


class WhatIf:
    """What it would take: `ccgrate whatif`. `answer` is the search's result for one organisation,
    or, on a framework rated on a mean of metric scores, `distances` holds one per organisation."""

    notes: list[str]  # how the data was read, where that was not plain
    warnings: list[str]

    def __init__(
        self,
        framework: Framework,
        answer: _WhatIf | None = None,
        given: bool = False,
        distances: list[Distance] | None = None,
        detail: bool = False,
    ):
        self.framework = framework
        self.answer = answer
        self.given = given
        self.distances = distances
        self._detail = detail

    def _renderer(self) -> Renderer:
        from ccgrate._render.analysis import WhatIfOutput
        from ccgrate._render.distance import DistanceOutput

        if self.distances is not None:
            return DistanceOutput(self.distances, self.framework, self._detail)
        assert self.answer is not None, "a whatif holds an answer or distances"
        return WhatIfOutput(self.answer, self.given, self.framework)

    def to_dict(self) -> dict[str, Any]:
        """Exactly the document `ccgrate whatif -f json` writes."""
        return _document(self._renderer())

    def _repr_html_(self) -> str:
        return _as_table_html(self._renderer())


class Sensitivity(_Frames):
    """How sure each rating is: `ccgrate sensitivity`."""

    notes: list[str]  # how the data was read, where that was not plain
    warnings: list[str]

    def __init__(
        self, framework: Framework, result: _Sensitivity | None, selected: list[int], spread: Spread | None = None
    ):
        self.framework = framework
        self._result = result
        self._selected = selected
        self.spread = spread

    def _renderer(self) -> Renderer:
        from ccgrate._render.analysis import SensitivityOutput
        from ccgrate._render.spread import SpreadOutput

        if self.spread is not None:
            return SpreadOutput(self.spread, self.framework)
        assert self._result is not None, "a sensitivity holds a Monte Carlo result or a spread"
        return SensitivityOutput(self._result, self._selected)

    def to_dict(self) -> dict[str, Any]:
        """Exactly the document `ccgrate sensitivity -f json` writes."""
        return _document(self._renderer())

    def records(self, shape: str = "wide") -> list[dict[str, Any]]:
        """One record per organisation, as `ccgrate sensitivity -f csv`."""
        return _csv_records(self._renderer())

    def _repr_html_(self) -> str:
        return _as_table_html(self._renderer())


def _typed(row: Mapping[str, str]) -> dict[str, Any]:
    """A CSV row with its numbers as numbers and empty cells as None."""
    found: dict[str, Any] = {}
    for key, text in row.items():
        if text == "":
            found[key] = None
            continue
        try:
            number = float(text)
        except ValueError:
            found[key] = text
        else:
            found[key] = int(number) if number.is_integer() and "." not in text and "e" not in text.lower() else number
    return found


class Calibration:
    """New cut points: `ccgrate calibrate`. `framework_text` is the new framework file (TOML)."""

    notes: list[str]  # how the data was read, where that was not plain
    warnings: list[str]

    def __init__(self, result: _Calibration | PublishedCalibration, source: str, old_id: str):
        self._result = result
        self._source = source
        self._old_id = old_id

    @property
    def framework_text(self) -> str:
        return self._result.text

    @property
    def framework(self) -> Framework:
        return self._result.framework

    def _renderer(self, written: str = "<not written>") -> Renderer:
        from ccgrate._analysis.calibrate import PublishedCalibration
        from ccgrate._render.analysis import CalibrationOutput, PublishedCalibrationOutput

        if isinstance(self._result, PublishedCalibration):
            return PublishedCalibrationOutput(self._result, self._source, written)
        return CalibrationOutput(self._result, self._source, written, self._old_id)

    @property
    def exact(self) -> bool:
        """Whether the target was reached exactly (a calibration to the published ratings reports its own counts)."""
        from ccgrate._analysis.calibrate import PublishedCalibration

        return isinstance(self._result, PublishedCalibration) or self._result.exact

    def to_dict(self, written: str = "<not written>") -> dict[str, Any]:
        """The report `ccgrate calibrate -f json` writes (`written`: where the framework was written)."""
        return _document(self._renderer(written))

    def _repr_html_(self) -> str:
        return _as_table_html(self._renderer())


class Comparison(_Frames):
    """What changed between two years or quarters: `ccgrate compare`."""

    notes: list[str]  # how the data was read, where that was not plain
    warnings: list[str]

    def __init__(self, comparison: _Comparison, detail: bool):
        self._comparison = comparison
        self._detail = detail

    def _renderer(self) -> Renderer:
        from ccgrate._render.comparison import ComparisonOutput

        return ComparisonOutput(self._comparison, detail=self._detail)

    def to_dict(self) -> dict[str, Any]:
        """Exactly the document `ccgrate compare -f json` writes."""
        return _document(self._renderer())

    def records(self, shape: str = "wide") -> list[dict[str, Any]]:
        """One record per organisation, as `ccgrate compare -f csv`."""
        return _csv_records(self._renderer())

    def _repr_html_(self) -> str:
        return _as_table_html(self._renderer())


class Report(str):
    """The report's HTML page (a `str`), shown inline by a notebook."""

    sections: int
    notes: list[str]
    warnings: list[str]

    def __new__(cls, page: str, sections: int = 0) -> Report:
        made = super().__new__(cls, page)
        made.sections = sections
        return made

    def _repr_html_(self) -> str:
        # Inline, in a frame of its own, so that the page's styles and script stay its own.
        return (
            '<iframe style="width:100%;height:600px;border:0" sandbox="allow-scripts" srcdoc="'
            + html.escape(str(self), quote=True)
            + '"></iframe>'
        )
