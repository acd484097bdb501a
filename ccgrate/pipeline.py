"""From data files to assessments: choose each period's framework, bind, assess, filter.

The only I/O here is reading framework definitions; data arrives as bytes, so the command line
decides where it comes from (a file or stdin) and this module never prints.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .bind import OrgInput, Population, bind
from .data import Dataset, Reading, normalise_period, read_dataset
from .engine import Assessment, PopulationResult, assess, assess_population
from .errors import DataError, FrameworkError, NotIndicatorData, listed
from .streams import Globbed
from .loader import framework_for_period, resolve_framework
from .orgs import match_orgs


@dataclass(frozen=True)
class InputFile:
    source: str
    sha256: str
    content_sha256: str
    shape: str
    rows: int


@dataclass
class ScoreRun:
    frameworks: list[Any]
    inputs: list[InputFile]
    results: list[PopulationResult] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # how the data was read, where that was not plain
    # One entry per population-based indicator of each file and period: the statistics its banding
    # used (phi, tau^2, n, trimming, target; or population quantile cuts).
    indicator_stats: list[dict[str, Any]] = field(default_factory=list)
    # The organisations to show, per result (all of them unless --org chose some).
    selected: list[list[int]] = field(default_factory=list)
    _assessments: list[Assessment] | None = field(default=None, repr=False)

    @property
    def assessments(self) -> list[Assessment]:
        """The full record of every organisation shown, made when first asked for."""
        if self._assessments is None:
            self._assessments = [result.assessment(i) for result, chosen in zip(self.results, self.selected) for i in chosen]
        return self._assessments

    def iter_assessments(self) -> Iterator[Assessment]:
        """The same records one at a time, none kept: for outputs written as they are made."""
        if self._assessments is not None:
            yield from self._assessments
            return
        for result, chosen in zip(self.results, self.selected):
            for index in chosen:
                yield result.fresh_assessment(index)

    def __len__(self) -> int:
        return sum(len(chosen) for chosen in self.selected)

    def ratings(self) -> list[tuple[str, str, str, str | None]]:
        """(source, code, period, rating or None) of every organisation shown, without full records."""
        found = []
        for result, chosen in zip(self.results, self.selected):
            population, names = result.population, [*result.framework.scale.ratings, None]
            positions = result.rating.tolist()
            found.extend((population.source, population.codes[i], population.period, names[positions[i]]) for i in chosen)
        return found

    def grouped_warnings(self) -> list[str]:
        """One line per distinct warning about an organisation shown, naming those it applies to."""
        by_text: dict[str, list[str]] = {}
        for result, chosen in zip(self.results, self.selected):
            warned = result.warned()
            for index in chosen:
                if index in warned:
                    for text in result.warnings(index):
                        by_text.setdefault(text, []).append(f"{result.population.codes[index]} {result.population.period}")
        lines = []
        for text, who in by_text.items():
            lines.append(f"{text} ({listed(who)})")
        return lines

    def selected_rows(self):
        """(result, index) for every organisation shown, in order: for outputs that need no full record."""
        for result, chosen in zip(self.results, self.selected):
            for index in chosen:
                yield result, index


def parse_period_option(text: str) -> str:
    period = normalise_period(text)
    if period is None:
        raise DataError(f'--period "{text}" is not a year', hint="write it as 2017/18 (or 2017-18, or 2017)")
    return period


@dataclass
class Prepared:
    populations: list[Population]
    inputs: list[InputFile]
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def score_sources(
    sources: Sequence[tuple[str, bytes]],
    *,
    framework: str | None = None,
    periods: Iterable[str] = (),
    orgs: Iterable[str] = (),
    reading: Reading = Reading(),
    progress: Callable[[str], None] | None = None,
) -> ScoreRun:
    """Score each source (name, bytes); each file is a population of its own.

    `progress`, if given, is told in words what is being done as the work goes on.
    """
    prepared = prepare(sources, framework=framework, periods=periods, reading=reading, progress=progress)
    return assess_prepared(prepared, orgs=orgs, names=[name for name, _ in sources], progress=progress)


def prepare(
    sources: Sequence[tuple[str, bytes]],
    *,
    framework: str | Any | None = None,
    periods: Iterable[str] = (),
    reading: Reading = Reading(),
    only: Callable[[Any], set[str]] | None = None,
    progress: Callable[[str], None] | None = None,
) -> Prepared:
    """Read and bind every source, grouped into populations by period.

    `framework` overrides the choice by period (a built-in id, a path, or a loaded framework);
    `only(framework)` limits the indicators read to that set of ids (lower case), as when one
    year's data is scored under another year's framework.
    """
    override = resolve_framework(framework) if isinstance(framework, str) else framework
    wanted = {parse_period_option(p) for p in periods}
    prepared = Prepared([], [])
    for name, raw in sources:
        if progress is not None:
            progress(f"reading {name}")
        try:
            dataset = read_dataset(raw, name, reading)
        except NotIndicatorData:
            # `score 'examples/*.csv'` also matches the merger map: a pattern is the user's shorthand
            # for the data files among those it matches.
            if isinstance(name, Globbed) and any(other is not name for other, _ in sources):
                prepared.notes.append(f"{name}: skipped: it matched the pattern but holds no organisation code "
                                      "column, so it is not indicator data")
                continue
            raise
        prepared.inputs.append(InputFile(dataset.source, dataset.sha256, dataset.content_sha256, dataset.shape,
                                         len(dataset)))
        prepared.notes.extend(dataset.notes)
        for period, indices in _periods(dataset, override, wanted):
            if progress is not None:
                progress(f"reading {name}, {period}: {len(indices):,} organisations")
            fw = override if override is not None else _framework_for(period, dataset.source)
            if period != fw.framework.period:
                prepared.warnings.append(
                    f"{dataset.source}: {period} data scored with {fw.id}, a framework for {fw.framework.period}"
                )
            population = bind(fw, dataset, indices, period, keep=only(fw) if only is not None else None)
            prepared.warnings.extend(population.warnings)
            prepared.notes.extend(note for note in population.notes if note not in prepared.notes)
            prepared.populations.append(population)
    return prepared


def assess_prepared(
    prepared: Prepared,
    *,
    orgs: Iterable[str] = (),
    names: Sequence[str] = (),
    progress: Callable[[str], None] | None = None,
) -> ScoreRun:
    """Assess every population of `prepared`; `orgs` filters what is shown (never the populations)."""
    run = ScoreRun([], list(prepared.inputs), warnings=list(prepared.warnings), notes=list(prepared.notes))
    frameworks: dict[str, Any] = {}
    for population in prepared.populations:
        fw = population.framework
        frameworks.setdefault(fw.id + fw.sha256, fw)
        if progress is not None:
            progress(f"rating {population.source}, {population.period} under {fw.id}")
        result = assess_population(fw, population)
        run.results.append(result)
        for indicator_id, values in result.stats.items():
            run.indicator_stats.append(
                {"source": population.source, "period": population.period, "framework": fw.id,
                 "indicator": indicator_id, **values}
            )
    orgs = list(orgs)
    known: dict[str, str] = {}
    for result in run.results:
        for code, name in zip(result.population.codes, result.population.names):
            if name or code not in known:
                known[code] = name
    wanted = set(match_orgs(orgs, known, ", ".join(names) or "the data")) if orgs else None
    for result in run.results:
        codes = result.population.codes
        run.selected.append([i for i, code in enumerate(codes) if code in wanted] if wanted is not None
                            else list(range(len(codes))))
    run.frameworks = sorted(frameworks.values(), key=lambda f: (f.framework.period, f.id))
    return run


def _framework_for(period: str, source: str) -> Any:
    try:
        return framework_for_period(period)
    except FrameworkError as error:
        raise FrameworkError(error.message, where=source, hint=error.hint) from None


def _periods(dataset: Dataset, override: Any, wanted: set[str]) -> list[tuple[str, list[int]]]:
    """The dataset's records by period, each in code order whatever the order of the rows, so that
    sums over a population always run in one order and the same data gives the same bytes."""
    groups: dict[str, Sequence[int]] = {}
    distinct = set(dataset.periods)
    if len(distinct) == 1 and None not in distinct:  # the usual file: one year, every row
        groups[next(iter(distinct))] = range(len(dataset.periods))
    for index, period in enumerate(dataset.periods if not groups else ()):
        if period is None:
            if override is not None:
                period = override.framework.period
            elif len(wanted) == 1:
                period = next(iter(wanted))  # --period says which year the file is
            else:
                raise DataError(
                    "the file has no period column, so ccgrate cannot choose a framework",
                    where=dataset.source,
                    hint="add a period column (e.g. 2017/18), or pass --period 2017/18 or --framework ID|PATH",
                )
        groups.setdefault(period, []).append(index)  # type: ignore[union-attr]
    if wanted and not wanted & set(groups):
        raise DataError(
            f"no rows for period {', '.join(sorted(wanted))}",
            where=dataset.source,
            hint=f"the file holds {', '.join(sorted(groups))}",
        )
    codes = dataset.codes
    chosen = []
    for period in sorted(groups):
        if wanted and period not in wanted:
            continue
        rows = groups[period]
        if len(rows) == len(codes) and codes == sorted(codes):
            # Already in code order and the whole file: columns can be used as they are, not copied.
            chosen.append((period, range(len(codes))))
        else:
            chosen.append((period, sorted(rows, key=codes.__getitem__)))
    return chosen


def year_file_patterns(period: str) -> list[str]:
    """The file names a year resolves to in a data directory, in the order they are tried."""
    start, end = int(period[:4]), period[5:]
    stems = [f"*{start}-{end}*", f"*{start}_{end}*", f"*{start}{end}*", f"*{start}-{start + 1}*", f"{start}"]
    return [stem + suffix for stem in stems for suffix in YEAR_FILE_SUFFIXES]


YEAR_FILE_SUFFIXES = (".csv", ".xlsx", ".xls", ".ods")


def bundled_examples() -> Path:
    """The example data that ships with ccgrate (synthetic national populations, illustrative Bromley):
    inside an installed package, or at the top of a source checkout."""
    packaged = Path(__file__).resolve().parent / "examples"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "examples"


def find_year_file(period: str, directory: Path) -> Path | None:
    """The one data file in `directory` whose name carries `period`; None if there is none."""
    patterns = year_file_patterns(period)
    found = sorted({path for pattern in patterns for path in directory.glob(pattern) if path.is_file()})
    if len(found) > 1:
        raise DataError(
            f"several data files for {period} in {directory}: {', '.join(p.name for p in found)}",
            hint="give the path of the one to use instead of the year",
        )
    return found[0] if found else None


@dataclass(frozen=True)
class YearFile:
    path: Path
    bundled: bool  # one of the synthetic examples that ship with ccgrate


def locate_year(period: str, data_dir: Path | None = None) -> YearFile:
    """A year's data file: in `data_dir` (when given), then the current directory, then the examples
    that ship with ccgrate."""
    if data_dir is not None and not data_dir.is_dir():
        raise DataError(f"--data-dir {data_dir}: no such directory", hint="give the directory that holds the data files")
    places = [(data_dir, False)] if data_dir is not None else []
    places += [(Path("."), False), (bundled_examples(), True)]
    seen: set[Path] = set()
    for directory, bundled in places:
        resolved = directory.resolve()
        if resolved in seen or not directory.is_dir():
            continue
        seen.add(resolved)
        found = find_year_file(period, directory)
        if found is not None:
            return YearFile(found, bundled and resolved != Path(".").resolve())
    start, end = int(period[:4]), period[5:]
    raise DataError(
        f"no data file for {period} in {data_dir or 'the current directory'}, nor among the bundled examples",
        hint=f"looked for *{start}-{end}*, *{start}_{end}*, *{start}{end}*, *{start}-{start + 1}* or {start} "
        f"({', '.join(YEAR_FILE_SUFFIXES)}); name a file so, pass --data-dir, or give the path instead of the year",
    )


@dataclass(frozen=True)
class SideInput:
    """One side of a comparison: a file's name and bytes, and the period to take from it (if several)."""

    name: str
    raw: bytes
    period: str | None


def compare_sides(
    side_a: SideInput,
    side_b: SideInput,
    *,
    framework_a: str | None = None,
    framework_b: str | None = None,
    mapping: Any = None,
    combine: str = "auto",
    reading: Reading = Reading(),
) -> Any:
    """Score both sides, restate mergers, score each side under the other's framework, compare."""
    from .compare import Side, comparable, compare, distribution, final_code, restate

    prepared_a = prepare([(side_a.name, side_a.raw)], framework=framework_a, periods=_wanted(side_a), reading=reading)
    prepared_b = prepare([(side_b.name, side_b.raw)], framework=framework_b, periods=_wanted(side_b), reading=reading)
    population_a, population_b = _single(prepared_a, side_a.name), _single(prepared_b, side_b.name)
    fa, fb = population_a.framework, population_b.framework
    if [r.casefold() for r in fa.scale.ratings] != [r.casefold() for r in fb.scale.ratings]:
        raise FrameworkError(
            f"{fa.id} rates on {', '.join(fa.scale.ratings)} and {fb.id} on {', '.join(fb.scale.ratings)}: ratings on "
            "different scales cannot be compared",
            hint="compare years scored under frameworks with the same rating scale",
        )
    run_a, run_b = assess_prepared(prepared_a), assess_prepared(prepared_b)
    warnings = prepared_a.warnings + prepared_b.warnings
    orgs_a = [population_a.org(i) for i in range(len(population_a))]
    orgs_b = [population_b.org(i) for i in range(len(population_b))]
    names_a = {o.org_code: o.org_name for o in orgs_a}
    names_b = {o.org_code: o.org_name for o in orgs_b}
    restated = None  # "a" or "b": the side whose predecessors are combined
    if mapping is not None:
        if any(final_code(c, mapping.successor, set(names_b)) != c for c in names_a):
            restated = "a"
        elif any(final_code(c, mapping.successor, set(names_a)) != c for c in names_b):
            restated = "b"
        else:
            warnings.append(f"{mapping.source}: no organisation of one side merged into one of the other")
    how = combine if combine != "auto" else ("weighted" if mapping is not None and mapping.weights else "mean")

    def on_other_boundaries(side: str, framework: Any, orgs: list[OrgInput]) -> tuple[list[OrgInput], dict[str, list[str]]]:
        if restated != side:
            return list(orgs), {}
        targets, names = (set(names_b), names_b) if side == "a" else (set(names_a), names_a)
        return restate(framework, orgs, mapping, targets, names, how)

    orgs_a, merged_a = on_other_boundaries("a", fa, orgs_a)
    orgs_b, merged_b = on_other_boundaries("b", fb, orgs_b)
    assessed_a = assess(fa, orgs_a) if merged_a else run_a.assessments
    assessed_b = assess(fb, orgs_b) if merged_b else run_b.assessments

    cross_a = cross_b = None
    if (fa.id, fa.sha256) != (fb.id, fb.sha256):
        keep = {i.lower() for i in comparable(fa, fb)} | {j.lower() for j in fa.judgements} | {j.lower() for j in fb.judgements}
        try:
            cross_a = _cross_scores(side_a, fb, keep, reading, lambda orgs: on_other_boundaries("a", fb, orgs)[0])
            cross_b = _cross_scores(side_b, fa, keep, reading, lambda orgs: on_other_boundaries("b", fa, orgs)[0])
        except DataError as error:
            warnings.append(f"the score change is not split into data and framework parts: {error}")
            cross_a = cross_b = None
    comparison = compare(
        Side(population_a.period, side_a.name, fa, prepared_a.inputs[0].content_sha256),
        Side(population_b.period, side_b.name, fb, prepared_b.inputs[0].content_sha256),
        assessed_a,
        assessed_b,
        distribution_a=distribution(run_a.assessments, fa.scale.ratings),
        distribution_b=distribution(run_b.assessments, fb.scale.ratings),
        merged=merged_a or merged_b,
        cross_a=cross_a,
        cross_b=cross_b,
    )
    comparison.warnings = warnings
    comparison.notes = list(dict.fromkeys(prepared_a.notes + prepared_b.notes))
    return comparison


def _wanted(side: SideInput) -> list[str]:
    return [side.period] if side.period else []


def _single(prepared: Prepared, name: str) -> Population:
    if len(prepared.populations) != 1:
        periods = ", ".join(p.period for p in prepared.populations)
        raise DataError(
            f"holds several periods ({periods})", where=name, hint="give a year instead, with --data FILE"
        )
    return prepared.populations[0]


def _cross_scores(side: SideInput, framework: Any, keep: set[str], reading: Reading, boundaries: Callable) -> dict[str, float | None]:
    """Each organisation's score for this side's data under another framework."""
    prepared = prepare([(side.name, side.raw)], framework=framework, periods=_wanted(side), reading=reading,
                       only=lambda fw: keep)
    population = _single(prepared, side.name)
    result = assess_population(framework, boundaries([population.org(i) for i in range(len(population))]))
    return {code: (None if np.isnan(score) else float(score)) for code, score in zip(result.population.codes, result.score)}
