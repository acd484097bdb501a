"""ccgrate from Python: the functions and result types `import ccgrate` offers.

The command line is a layer on these: each command calls the function of its name here, then
writes the result in the format asked for. A result's `to_dict()` is exactly the JSON document
the command writes with `-f json`, and its data frames are built from the same records.

Nothing here prints, exits or touches the terminal. Bad input raises `ccgrate.Error` (with the
command line's message as its text and the place as attributes); what the command line would say
on standard error as a warning is issued with `warnings.warn(..., ccgrate.CcgrateWarning)`, and
its notes (how the data was read) are logged at INFO on the `ccgrate` logger. Every result also
keeps them, in `warnings` and `notes`.
"""

from __future__ import annotations

import csv
import html
import io
import json
import logging
import os
import warnings as _warnings
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, Union

from ccgrate._base.errors import CcgrateError, UsageProblem
from ccgrate._base.errors import CcgrateWarning as CcgrateWarning
from ccgrate._base.errors import DataError as DataError  # the public names, as `ccgrate` offers them
from ccgrate._base.errors import FrameworkError as FrameworkError
from ccgrate._base.errors import OutputError as OutputError

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
    from ccgrate._read.dataset import Reading
    from ccgrate._render.output import Renderer
    from ccgrate._render.schema import Assessment
    from ccgrate._scoring.bind import Population
    from ccgrate._scoring.run import ScoreRun

Error = CcgrateError
"""Every error ccgrate raises for bad input: `str(error)` is the command line's one line; `message`,
`where` (file, line and column, or a key path) and `hint` (what to do) are its parts."""

UsageError = UsageProblem
"""Arguments that cannot work together (the command line's exit code 2)."""

LOG = logging.getLogger("ccgrate")


class Source(NamedTuple):
    """Data already in memory: a name to say in messages, and the file's bytes (CSV or a workbook)."""

    name: str
    content: bytes


# What every function reads: a path, bytes, a Source, a pandas or polars DataFrame, a pyarrow
# Table, or records (a sequence of mappings); or several paths or Sources for a batch.
DataInput = Union[str, "os.PathLike[str]", bytes, Source, Any]


def _reading(sheet: str | None, encoding: str, columns: Mapping[str, str] | None) -> Reading:
    from ccgrate._base.vocabulary import COLUMN_ALIASES, column_key
    from ccgrate._read.dataset import Reading

    pairs = tuple(
        (COLUMN_ALIASES.get(column_key(role), role.strip().lower()), header) for role, header in (columns or {}).items()
    )
    return Reading(encoding, sheet, pairs)


def _frame_kind(data: Any) -> str | None:
    module = type(data).__module__.split(".", 1)[0]
    if module == "pandas" and hasattr(data, "to_csv"):
        return "pandas"
    if module == "polars" and hasattr(data, "write_csv"):
        return "polars"
    if module == "pyarrow" and hasattr(data, "schema"):
        return "pyarrow"
    return None


def _records_csv(records: Sequence[Mapping[str, Any]]) -> bytes:
    header: dict[str, None] = {}
    for record in records:
        header.update(dict.fromkeys(map(str, record)))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(header), lineterminator="\n", restval="")
    writer.writeheader()
    for record in records:
        writer.writerow({str(k): "" if v is None else v for k, v in record.items()})
    return buffer.getvalue().encode("utf-8")


def _frame_csv(data: Any, kind: str) -> bytes:
    """A data frame as the CSV file it could have been read from: the same rules and messages apply
    (line N of the message is row N - 2 of the frame, the header being line 1)."""
    if kind == "pandas":
        return str(data.to_csv(index=False, lineterminator="\n")).encode("utf-8")
    if kind == "polars":
        return str(data.write_csv()).encode("utf-8")
    import pyarrow.csv as pacsv

    buffer = io.BytesIO()
    pacsv.write_csv(data, buffer)
    return buffer.getvalue()


def _sources(data: DataInput | Sequence[DataInput]) -> list[tuple[str, bytes]]:
    """Every input as (name, bytes), as the command line reads files."""
    from ccgrate._base.streams import read_input

    if isinstance(data, Source):
        return [(data.name, data.content)]
    if isinstance(data, (bytes, bytearray, memoryview)):
        return [("<bytes>", bytes(data))]
    if isinstance(data, (str, os.PathLike)):
        name = os.fspath(data)
        if not os.path.lexists(name):
            from ccgrate._read.cells import normalise_period
            from ccgrate._read.years import locate_year

            period = normalise_period(name)
            if period is not None:
                name = str(locate_year(period, None).path)
        return [(name, read_input(name))]
    kind = _frame_kind(data)
    if kind is not None:
        return [(f"<{kind} {type(data).__name__}>", _frame_csv(data, kind))]
    if isinstance(data, Sequence) and data and all(isinstance(item, Mapping) for item in data):
        records: list[Mapping[str, Any]] = [item for item in data if isinstance(item, Mapping)]
        return [("<records>", _records_csv(records))]
    if isinstance(data, Iterable) and not isinstance(data, Mapping):
        found = [source for item in data for source in _sources(item)]
        if found:
            return found
    raise UsageProblem(
        f"cannot read {type(data).__name__} as data",
        hint="give a path, bytes, a ccgrate.Source, a pandas or polars DataFrame, a pyarrow Table or records",
    )


def _told(notes: Iterable[str], said: Iterable[str]) -> None:
    for note in notes:
        LOG.info(note)
    for line in said:
        _warnings.warn(line, CcgrateWarning, stacklevel=3)


_Result = Any


def _said(result: _Result, notes: Sequence[str], said: Sequence[str]) -> _Result:
    """A result that keeps what the run said (notes, warnings), having said it through logging and
    Python's warnings."""
    result.notes, result.warnings = list(notes), list(said)
    _told(notes, said)
    return result


def _many(value: str | Sequence[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


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


# --- frameworks ------------------------------------------------------------------------------------


def load_framework(spec: str | os.PathLike[str]) -> Framework:
    """A framework: a built-in id (`"iaf-2017-18"`) or the path of a TOML file, loaded and checked."""
    from ccgrate._framework.loader import resolve_framework

    return resolve_framework(os.fspath(spec))


def frameworks() -> list[dict[str, Any]]:
    """The built-in frameworks: id, name, period, number of indicators, sha256, quarterly and
    chosen_by_period, as `ccgrate frameworks -f json` lists them."""
    from ccgrate._framework.loader import builtin_frameworks
    from ccgrate._render.framework import FrameworkListOutput

    return list(json.loads("".join(FrameworkListOutput(builtin_frameworks()).text(_json_format()))))


def _json_format() -> Any:
    from ccgrate._render.output import OutputFormat

    return OutputFormat.JSON


# --- score -------------------------------------------------------------------------------------------


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


def score(
    data: DataInput | Sequence[DataInput],
    *,
    framework: str | os.PathLike[str] | None = None,
    period: str | Sequence[str] | None = None,
    org: str | Sequence[str] | None = None,
    cut: Mapping[str, float] | None = None,
    sheet: str | None = None,
    encoding: str = "utf-8-sig",
    columns: Mapping[str, str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> Scores:
    """Rate every organisation and period of `data`, as `ccgrate score` does.

    `data` is a path (or several), bytes, a `Source`, a pandas or polars DataFrame, a pyarrow Table
    or records, wide or long; `framework` a built-in id or a path (default: the one for each
    period); `period` and `org` keep only those; `cut` sets cut points for this run
    (`{"Segment 1": 2.05}`); `sheet`, `encoding` and `columns` (role -> header) read the data as
    `--sheet`, `--encoding` and `--column` do; `progress`, if given, is told in words what is being
    done as the work goes on.
    """
    from ccgrate._scoring.run import score_sources

    run = score_sources(
        _sources(data),
        framework=None if framework is None else os.fspath(framework),
        periods=_many(period),
        orgs=_many(org),
        reading=_reading(sheet, encoding, columns),
        cuts=dict(cut) if cut else None,
        progress=progress,
    )
    result = Scores(run)
    _told(run.notes, result.warnings)
    return result


# --- league ------------------------------------------------------------------------------------------


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


def league(
    data: DataInput | Sequence[DataInput],
    *,
    framework: str | os.PathLike[str] | None = None,
    period: str | Sequence[str] | None = None,
    peer_group: str | Sequence[str] | None = None,
    cut: Mapping[str, float] | None = None,
    sheet: str | None = None,
    encoding: str = "utf-8-sig",
    columns: Mapping[str, str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> League:
    """League tables of `data`, as `ccgrate league`: each organisation's rank within its peer group
    and period. Raises UsageError where the framework ranks nothing or no organisation is in `peer_group`."""
    from ccgrate._analysis.league import NoLeague, league_tables

    scores = score(data, framework=framework, period=period, cut=cut, sheet=sheet, encoding=encoding, columns=columns)
    groups = _many(peer_group)
    try:
        tables = league_tables(scores._run, frozenset(" ".join(g.split()).casefold() for g in groups))
    except NoLeague as error:
        raise UsageProblem(str(error), hint="use a framework that ranks, such as nof-2025-26-mhc-published") from None
    if not tables:
        known = sorted({g for result in scores._run.results for g in (result.population.peer_groups or [])})
        raise UsageProblem(
            f"no organisation is in peer group {', '.join(groups)}",
            hint=f"the data's peer groups are {', '.join(known) or 'none'}",
        )
    return League(tables, scores)


# --- one population: whatif, sensitivity, calibrate ----------------------------------------------------


def _one_population(
    data: DataInput, framework: str | os.PathLike[str] | None, period: str | None, reading: Reading
) -> tuple[Population, list[str], list[str]]:
    from ccgrate._scoring.run import parse_period_option, prepare

    sources = _sources(data)
    wanted = [parse_period_option(period)] if period else []
    prepared = prepare(
        sources, framework=None if framework is None else os.fspath(framework), periods=wanted, reading=reading
    )
    if len(prepared.populations) != 1:
        periods = ", ".join(p.period for p in prepared.populations)
        raise DataError(f"holds several periods ({periods})", where=sources[0][0], hint="choose one with --period")
    return prepared.populations[0], prepared.notes, prepared.warnings


def _org_index(population: Population, spec: str) -> int:
    from ccgrate._read.organisations import match_orgs

    (code,) = match_orgs([spec], dict(zip(population.codes, population.names)), population.source)
    return population.codes.index(code)


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


def whatif(
    data: DataInput,
    *,
    org: str | None = None,
    target: str | None = None,
    settings: Mapping[str, float | str] | Sequence[str] | None = None,
    period: str | None = None,
    framework: str | os.PathLike[str] | None = None,
    cut: Mapping[str, float] | None = None,
    sheet: str | None = None,
    encoding: str = "utf-8-sig",
    columns: Mapping[str, str] | None = None,
) -> WhatIf:
    """The smallest change that takes `org` to `target`, or (`settings`, id -> value) the rating a
    change gives, as `ccgrate whatif`. On a framework rated on a mean of metric scores (NOF
    2025/26), the distance to `target` (default: the next better rating) of `org`, or of every
    organisation when `org` is None."""
    from ccgrate._analysis import whatif as core
    from ccgrate._analysis.distance import continuous, distances
    from ccgrate._scoring.engine import assess_population
    from ccgrate._scoring.run import cuts_note

    if target is not None and settings:
        raise UsageProblem("give either target or settings, not both")
    population, notes, said = _one_population(data, framework, period, _reading(sheet, encoding, columns))
    fw = population.framework
    chosen = _rating(target, fw.scale.ratings)
    if continuous(fw) and not settings:
        result = assess_population(fw, population, dict(cut) if cut else None)
        note = cuts_note(result)
        indices = [_org_index(population, org)] if org else list(range(len(population)))
        found = distances(result, chosen, indices)
        if org is None:
            found.sort(key=lambda d: (d.score is None, d.provisional_rating or "", d.score or 0.0))
        return _said(WhatIf(fw, distances=found, detail=org is not None), [*notes, *([note] if note else [])], said)
    if org is None:
        raise UsageProblem("give org: the organisation whose rating to change")
    index = _org_index(population, org)
    if settings:
        given = (
            [f"{key}={value}" for key, value in settings.items()] if isinstance(settings, Mapping) else list(settings)
        )
        answer = core.with_settings(population, index, given)
    else:
        if chosen is None:
            raise UsageProblem("give either target or settings")
        answer = core.what_if(population, index, chosen)
    return _said(WhatIf(fw, answer, bool(settings)), notes, said)


def _rating(value: str | None, ratings: Sequence[str]) -> str | None:
    """A rating as the framework spells it (any case, spaces around)."""
    if value is None:
        return None
    wanted = value.strip().casefold()
    for rating in ratings:
        if rating.casefold() == wanted:
            return rating
    raise UsageProblem(f"{value!r} is not a rating of the framework ({', '.join(ratings)})")


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


def sensitivity(
    data: DataInput,
    *,
    draws: int = 10_000,
    seed: int = 1,
    vary: Sequence[Literal["weights", "cuts", "values"]] = ("weights", "cuts", "values"),
    weight_sd: float = 0.25,
    cut_sd: float = 2.5,
    org: str | Sequence[str] | None = None,
    areas: bool = False,
    period: str | None = None,
    framework: str | os.PathLike[str] | None = None,
    sheet: str | None = None,
    encoding: str = "utf-8-sig",
    columns: Mapping[str, str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Sensitivity:
    """How sure each rating is, as `ccgrate sensitivity` (the same seed gives the same answer). On a
    framework rated on a mean of metric scores, a metric bootstrap of average score and rank."""
    from ccgrate._analysis import sensitivity as core
    from ccgrate._analysis.distance import continuous

    population, notes, said = _one_population(data, framework, period, _reading(sheet, encoding, columns))
    selected = [_org_index(population, code) for code in _many(org)] or list(range(len(population)))
    fw = population.framework
    if continuous(fw):
        from ccgrate._analysis.spread import metric_spread
        from ccgrate._scoring.engine import assess_population

        spread = metric_spread(assess_population(fw, population), draws, seed, selected)
        return _said(Sensitivity(fw, None, selected, spread), notes, said)
    chosen = set(vary)
    perturbation = core.Perturbation(
        weights=weight_sd if "weights" in chosen else 0.0,
        cuts=cut_sd if "cuts" in chosen else 0.0,
        values="values" in chosen,
    )
    found = core.sensitivity(population, draws, seed, perturbation, progress=progress, areas=areas)
    return _said(Sensitivity(fw, found, selected), notes, said)


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


def calibrate(
    data: DataInput,
    *,
    target: str | Mapping[str, float] | None = None,
    published: bool = False,
    indicator_cuts: bool = False,
    new_id: str | None = None,
    area: str | None = None,
    period: str | None = None,
    framework: str | os.PathLike[str] | None = None,
    sheet: str | None = None,
    encoding: str = "utf-8-sig",
    columns: Mapping[str, str] | None = None,
) -> Calibration:
    """Cut points that give `target` (rating -> count or percentage; default the framework's
    published distribution), or (`published`) reproduce the publisher's ratings by score in `data`
    for each of its periods, as `ccgrate calibrate`. Nothing is written: see `framework_text`."""
    import hashlib

    from ccgrate import __version__
    from ccgrate._analysis import calibrate as core
    from ccgrate._framework.loader import framework_text
    from ccgrate._scoring.run import parse_period_option, prepare

    reading = _reading(sheet, encoding, columns)
    sources = _sources(data)
    name = "standard input" if sources[0][0] == "<stdin>" else os.path.basename(sources[0][0])
    digest = hashlib.sha256(sources[0][1]).hexdigest()[:12]
    if published:
        wanted = [parse_period_option(period)] if period else []
        prepared = prepare(
            sources, framework=None if framework is None else os.fspath(framework), periods=wanted, reading=reading
        )
        ids = {p.framework.id for p in prepared.populations}
        if len(ids) > 1:
            raise DataError(
                f"its periods are scored with different frameworks ({', '.join(sorted(ids))})",
                where=sources[0][0],
                hint="choose one with --framework or --period",
            )
        old = prepared.populations[0].framework if prepared.populations else None
        note = f" {__version__} against {name} (sha256 {digest})"
        found = core.calibrate_published(
            prepared.populations, framework_text(old) if old else "", new_id=new_id, note=note
        )
        return _said(Calibration(found, sources[0][0], old.id if old else ""), prepared.notes, prepared.warnings)
    population, notes, said = _one_population(Source(*sources[0]), framework, period, reading)
    old = population.framework
    text = target if target is None or isinstance(target, str) else ",".join(f"{k}={v}" for k, v in target.items())
    result = core.calibrate(
        population,
        framework_text(old),
        text,
        indicator_cuts=indicator_cuts,
        new_id=new_id,
        note=f" {__version__} against {name} (sha256 {digest}, period {population.period})",
        area=area,
    )
    return _said(Calibration(result, sources[0][0], old.id), notes, said)


# --- compare and report --------------------------------------------------------------------------------


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


def compare(
    a: DataInput,
    b: DataInput,
    *,
    data: DataInput | None = None,
    period_a: str | None = None,
    period_b: str | None = None,
    framework_a: str | os.PathLike[str] | None = None,
    framework_b: str | os.PathLike[str] | None = None,
    mapping: DataInput | None = None,
    combine: Literal["auto", "weighted", "mean"] = "auto",
    org: str | Sequence[str] | None = None,
    indicator: str | Sequence[str] | None = None,
    sheet: str | None = None,
    encoding: str = "utf-8-sig",
    columns: Mapping[str, str] | None = None,
) -> Comparison:
    """Compare two years or quarters, as `ccgrate compare`: `a` and `b` are data (paths, frames...),
    or periods (`"2017/18"`, `"2025/26 Q1"`) taken from `data`; `period_a` and `period_b` choose
    the period of a side that holds several; `mapping` is a merger map."""
    from ccgrate._analysis.compare import SideInput, compare_sides
    from ccgrate._read.cells import period_text

    def side(spec: DataInput, period: str | None) -> SideInput:
        if data is not None and isinstance(spec, str) and period_text(spec) is not None and not os.path.exists(spec):
            ((name, raw),) = _sources(data)
            return SideInput(name, raw, period_text(spec))
        ((name, raw),) = _sources(spec)
        return SideInput(name, raw, None if period is None else period_text(period) or period)

    merger = None
    if mapping is not None:
        from ccgrate._analysis.mergers import read_mapping

        ((name, raw),) = _sources(mapping)
        merger = read_mapping(raw, name, encoding)
    comparison = compare_sides(
        side(a, period_a),
        side(b, period_b),
        framework_a=None if framework_a is None else os.fspath(framework_a),
        framework_b=None if framework_b is None else os.fspath(framework_b),
        mapping=merger,
        combine=combine,
        reading=_reading(sheet, encoding, columns),
    )
    orgs = _many(org)
    if orgs:
        comparison.keep_orgs(orgs)
    if indicator is not None:
        comparison.keep_indicators(_many(indicator))
    found = Comparison(comparison, detail=bool(orgs) or len(comparison.orgs) == 1)
    return _said(found, comparison.notes, comparison.warnings)


def report(
    data: DataInput | Sequence[DataInput],
    *,
    org: str | Sequence[str] | None = None,
    previous: DataInput | None = None,
    draws: int = 0,
    whatif: bool | None = None,
    framework: str | os.PathLike[str] | None = None,
    period: str | Sequence[str] | None = None,
    sheet: str | None = None,
    encoding: str = "utf-8-sig",
    columns: Mapping[str, str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> Report:
    """The HTML report of `data`, as `ccgrate report` writes it (a `Report`: `str(report)` is the
    page, and a notebook shows it inline). `previous` adds last year's transitions; `draws`, each
    rating's probability; `whatif`, the search for the next rating in every section."""
    from ccgrate import __version__
    from ccgrate._analysis.report import build_report
    from ccgrate._framework.caveat import caveat
    from ccgrate._render.html import ReportOutput

    scores = score(
        data,
        framework=framework,
        period=period,
        org=org,
        sheet=sheet,
        encoding=encoding,
        columns=columns,
        progress=progress,
    )
    run = scores._run
    earlier = None
    if previous is not None:
        earlier = score(previous, sheet=sheet, encoding=encoding, columns=columns, progress=progress)._run
    sensitivities: list[_Sensitivity | None] = []
    notes = scores.notes
    if draws:
        from ccgrate._analysis.distance import continuous
        from ccgrate._analysis.sensitivity import sensitivity as band_sensitivity

        for result in run.results:
            if continuous(result.framework):
                # Weights and cut points drawn on a 0-100 scale mean nothing for a mean of metric
                # scores; its likely ranges are `sensitivity`'s metric bootstrap.
                sensitivities.append(None)
                notes = [
                    *notes,
                    f"{result.population.period}: no draws for {result.framework.id}, rated on a "
                    "mean of metric scores: ccgrate sensitivity gives its likely ranges",
                ]
                continue
            if progress is not None:
                progress(f"{draws:,} draws, {result.population.period}")
            sensitivities.append(band_sensitivity(result.population, draws, seed=1))
    document = build_report(
        run,
        previous=earlier,
        sensitivities=sensitivities,
        whatif=whatif,
        version=__version__,
        caveat=caveat(run.frameworks),
        previous_source=None if previous is None else _sources(previous)[0][0],
        progress=progress,
    )
    page = Report(ReportOutput(document).html, len(document.sections))
    page.notes, page.warnings = notes, list(run.warnings)
    return page


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


def reading_options(reading: Reading) -> dict[str, Any]:
    """The keyword arguments that read data as a command line's --sheet, --encoding and --column."""
    return {"sheet": reading.sheet, "encoding": reading.encoding, "columns": dict(reading.columns)}
