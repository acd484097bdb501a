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

import json
import logging
import os
import warnings as _warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

# The result types and Source, as `ccgrate` offers them (re-exported by name).
from ccgrate._api.inputs import DataInput, data_sources, many, one_population, org_index, rating_named, reading_of
from ccgrate._api.inputs import Source as Source
from ccgrate._api.inputs import reading_options as reading_options  # the command line's options as keywords
from ccgrate._api.results import Calibration as Calibration
from ccgrate._api.results import Comparison as Comparison
from ccgrate._api.results import League as League
from ccgrate._api.results import Report as Report
from ccgrate._api.results import Scores as Scores
from ccgrate._api.results import Sensitivity as Sensitivity
from ccgrate._api.results import WhatIf as WhatIf
from ccgrate._base.errors import CcgrateError, UsageProblem
from ccgrate._base.errors import CcgrateWarning as CcgrateWarning
from ccgrate._base.errors import DataError as DataError  # the public names, as `ccgrate` offers them
from ccgrate._base.errors import FrameworkError as FrameworkError
from ccgrate._base.errors import OutputError as OutputError

if TYPE_CHECKING:
    from ccgrate._analysis.sensitivity import Sensitivity as _Sensitivity
    from ccgrate._framework.model import Framework

Error = CcgrateError
"""Every error ccgrate raises for bad input: `str(error)` is the command line's one line; `message`,
`where` (file, line and column, or a key path) and `hint` (what to do) are its parts."""


UsageError = UsageProblem
"""Arguments that cannot work together (the command line's exit code 2)."""


LOG = logging.getLogger("ccgrate")


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


def load_framework(spec: str | os.PathLike[str]) -> Framework:
    """A framework: a built-in id (`"iaf-2017-18"`) or the path of a TOML file, loaded and checked."""
    from ccgrate._framework.loader import resolve_framework

    return resolve_framework(os.fspath(spec))


def frameworks() -> list[dict[str, Any]]:
    """The built-in frameworks: id, name, period, number of indicators, sha256, quarterly and
    chosen_by_period, as `ccgrate frameworks -f json` lists them."""
    from ccgrate._framework.loader import builtin_frameworks
    from ccgrate._render.framework import FrameworkListOutput
    from ccgrate._render.output import OutputFormat

    return list(json.loads("".join(FrameworkListOutput(builtin_frameworks()).text(OutputFormat.JSON))))


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
        data_sources(data),
        framework=None if framework is None else os.fspath(framework),
        periods=many(period),
        orgs=many(org),
        reading=reading_of(sheet, encoding, columns),
        cuts=dict(cut) if cut else None,
        progress=progress,
    )
    result = Scores(run)
    _told(run.notes, result.warnings)
    return result


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
    groups = many(peer_group)
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
    population, notes, said = one_population(data, framework, period, reading_of(sheet, encoding, columns))
    fw = population.framework
    chosen = rating_named(target, fw.scale.ratings)
    if continuous(fw) and not settings:
        result = assess_population(fw, population, dict(cut) if cut else None)
        note = cuts_note(result)
        indices = [org_index(population, org)] if org else list(range(len(population)))
        found = distances(result, chosen, indices)
        if org is None:
            found.sort(key=lambda d: (d.score is None, d.provisional_rating or "", d.score or 0.0))
        return _said(WhatIf(fw, distances=found, detail=org is not None), [*notes, *([note] if note else [])], said)
    if org is None:
        raise UsageProblem("give org: the organisation whose rating to change")
    index = org_index(population, org)
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

    population, notes, said = one_population(data, framework, period, reading_of(sheet, encoding, columns))
    selected = [org_index(population, code) for code in many(org)] or list(range(len(population)))
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

    reading = reading_of(sheet, encoding, columns)
    sources = data_sources(data)
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
    population, notes, said = one_population(Source(*sources[0]), framework, period, reading)
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
            ((name, raw),) = data_sources(data)
            return SideInput(name, raw, period_text(spec))
        ((name, raw),) = data_sources(spec)
        return SideInput(name, raw, None if period is None else period_text(period) or period)

    merger = None
    if mapping is not None:
        from ccgrate._analysis.mergers import read_mapping

        ((name, raw),) = data_sources(mapping)
        merger = read_mapping(raw, name, encoding)
    comparison = compare_sides(
        side(a, period_a),
        side(b, period_b),
        framework_a=None if framework_a is None else os.fspath(framework_a),
        framework_b=None if framework_b is None else os.fspath(framework_b),
        mapping=merger,
        combine=combine,
        reading=reading_of(sheet, encoding, columns),
    )
    orgs = many(org)
    if orgs:
        comparison.keep_orgs(orgs)
    if indicator is not None:
        comparison.keep_indicators(many(indicator))
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
        previous_source=None if previous is None else data_sources(previous)[0][0],
        progress=progress,
    )
    page = Report(ReportOutput(document).html, len(document.sections))
    page.notes, page.warnings = notes, list(run.warnings)
    return page
