"""From data files to assessments: choose each period's framework, bind, assess, select.

The only I/O here is reading framework definitions; data arrives as bytes, so the command line
decides where it comes from (a file or stdin) and this module never prints."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ccgrate._base.errors import DataError, FrameworkError, NotIndicatorData, listed
from ccgrate._base.streams import Globbed
from ccgrate._framework.loader import builtin_for_period, framework_for_period, resolve_framework
from ccgrate._read.cells import period_text, year_of
from ccgrate._read.dataset import Dataset, Reading
from ccgrate._read.layout import check_unique_records
from ccgrate._read.organisations import match_orgs
from ccgrate._read.reader import read_dataset
from ccgrate._scoring.bind import Population, bind
from ccgrate._scoring.engine import Assessment, PopulationResult, assess_population

if TYPE_CHECKING:
    from ccgrate._framework.model import Framework


@dataclass(frozen=True)
class InputFile:
    source: str
    sha256: str
    content_sha256: str
    shape: str
    rows: int


@dataclass
class ScoreRun:
    frameworks: list[Framework]
    inputs: list[InputFile]
    results: list[PopulationResult] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # how the data was read, where that was not plain
    # One entry per population-based indicator of each file and period: the statistics its banding
    # used (phi, tau^2, n, trimming, target; or population quantile cuts).
    indicator_stats: list[dict[str, Any]] = field(default_factory=list)
    # The population statistics of the areas' own bandings, as indicator_stats with the area's id.
    area_stats: list[dict[str, Any]] = field(default_factory=list)
    # The organisations to show, per result (all of them unless --org chose some).
    selected: list[list[int]] = field(default_factory=list)
    _assessments: list[Assessment] | None = field(default=None, repr=False)

    @property
    def assessments(self) -> list[Assessment]:
        """The full record of every organisation shown, made when first asked for."""
        if self._assessments is None:
            self._assessments = [
                result.assessment(i) for result, chosen in zip(self.results, self.selected) for i in chosen
            ]
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
        found: list[tuple[str, str, str, str | None]] = []
        for result, chosen in zip(self.results, self.selected):
            population, names = result.population, [*result.framework.scale.ratings, None]
            positions = result.rating.tolist()
            found.extend(
                (population.source, population.codes[i], population.period, names[positions[i]]) for i in chosen
            )
        return found

    def grouped_warnings(self) -> list[str]:
        """One line per distinct warning about an organisation shown, naming those it applies to."""
        by_text: dict[str, list[str]] = {}
        for result, chosen in zip(self.results, self.selected):
            warned = result.warned()
            for index in chosen:
                if index in warned:
                    for text in result.warnings(index):
                        by_text.setdefault(text, []).append(
                            f"{result.population.codes[index]} {result.population.period}"
                        )
        lines = []
        for text, who in by_text.items():
            lines.append(f"{text} ({listed(who)})")
        return lines

    def scales(self) -> list[list[str]]:
        """The rating scales of the frameworks used, each once, in the order of the frameworks."""
        found: dict[tuple[str, ...], None] = {}
        for fw in self.frameworks:
            found.setdefault(tuple(fw.scale.ratings))
        return [list(scale) for scale in found]

    def rated_below(self, threshold: str) -> list[tuple[str, str, str | None]]:
        """(code, period, rating or None) of every organisation shown that is rated below `threshold`
        on its framework's scale, or not rated (the threshold names a rating of every scale used,
        matched without regard to case)."""
        below: list[tuple[str, str, str | None]] = []
        for result, chosen in zip(self.results, self.selected):
            scale = result.framework.scale.ratings
            limit = next(k for k, rating in enumerate(scale) if rating.casefold() == threshold.casefold())
            positions = result.rating.tolist()
            codes, period = result.population.codes, result.population.period
            below.extend(
                (codes[i], period, scale[positions[i]] if positions[i] >= 0 else None)
                for i in chosen
                if positions[i] < 0 or positions[i] > limit
            )
        return below

    def rating_counts(self, source: str | None = None) -> tuple[dict[str, int], int]:
        """How many organisations shown (of one source, or all) have each rating of the scales used,
        in scale order, and how many are not rated."""
        counts = {rating: 0 for scale in self.scales() for rating in scale}
        unrated = 0
        for origin, _, _, rating in self.ratings():
            if source is not None and origin != source:
                continue
            if rating in counts:
                counts[rating] += 1
            else:
                unrated += 1
        return counts, unrated

    def selected_rows(self) -> Iterator[tuple[PopulationResult, int]]:
        """(result, index) for every organisation shown, in order: for outputs that need no full record."""
        for result, chosen in zip(self.results, self.selected):
            for index in chosen:
                yield result, index


def parse_period_option(text: str) -> str:
    period = period_text(text)
    if period is None:
        raise DataError(
            f'--period "{text}" is not a year or a quarter',
            hint="write it as 2017/18 (or 2017-18, or 2017), or a quarter as 2025/26 Q1",
        )
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
    cuts: Mapping[str, float] | None = None,
    progress: Callable[[str], None] | None = None,
) -> ScoreRun:
    """Score each source (name, bytes); each file is a population of its own.

    `cuts` sets cut points of the overall score for this run (rating -> score, --cut); `progress`,
    if given, is told in words what is being done as the work goes on.
    """
    prepared = prepare(sources, framework=framework, periods=periods, reading=reading, progress=progress)
    return assess_prepared(prepared, orgs=orgs, names=[name for name, _ in sources], cuts=cuts, progress=progress)


def prepare(
    sources: Sequence[tuple[str, bytes]],
    *,
    framework: str | Framework | None = None,
    periods: Iterable[str] = (),
    reading: Reading = Reading(),
    only: Callable[[Framework], set[str]] | None = None,
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
                prepared.notes.append(
                    f"{name}: skipped: it matched the pattern but holds no organisation code "
                    "column, so it is not indicator data"
                )
                continue
            raise
        prepared.inputs.append(
            InputFile(dataset.source, dataset.sha256, dataset.content_sha256, dataset.shape, len(dataset))
        )
        prepared.notes.extend(dataset.notes)
        prepared.warnings.extend(dataset.warnings)
        for period, indices in _periods(dataset, override, wanted, prepared.notes):
            if progress is not None:
                progress(f"reading {name}, {period}: {len(indices):,} organisations")
            fw = override if override is not None else _framework_for(period, dataset.source)
            if year_of(period) != fw.framework.period:
                prepared.warnings.append(
                    f"{dataset.source}: {period} data scored with {fw.id}, a framework for {fw.framework.period}"
                )
            indices = _of_rated_groups(fw, dataset, indices, period, prepared.notes)
            population = bind(fw, dataset, indices, period, keep=only(fw) if only is not None else None)
            prepared.warnings.extend(w for w in population.warnings if w not in prepared.warnings)
            prepared.notes.extend(note for note in population.notes if note not in prepared.notes)
            prepared.populations.append(population)
    return prepared


def assess_prepared(
    prepared: Prepared,
    *,
    orgs: Iterable[str] = (),
    names: Sequence[str] = (),
    cuts: Mapping[str, float] | None = None,
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
        result = assess_population(fw, population, cuts)
        run.results.append(result)
        note = cuts_note(result)
        if note is not None:
            run.notes.append(note)
        for (area_id, indicator_id), own in result.area_bands.items():
            if own.stats is not None:
                run.area_stats.append(
                    {
                        "source": population.source,
                        "period": population.period,
                        "framework": fw.id,
                        "area": area_id,
                        "indicator": indicator_id,
                        **own.stats,
                    }
                )
        for indicator_id, values in result.stats.items():
            run.indicator_stats.append(
                {
                    "source": population.source,
                    "period": population.period,
                    "framework": fw.id,
                    "indicator": indicator_id,
                    **values,
                }
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
        run.selected.append(
            [i for i, code in enumerate(codes) if code in wanted] if wanted is not None else list(range(len(codes)))
        )
    run.frameworks = sorted(frameworks.values(), key=lambda f: (f.framework.period, f.id))
    return run


def _of_rated_groups(
    fw: Framework, dataset: Dataset, indices: Sequence[int], period: str, notes: list[str]
) -> Sequence[int]:
    """The organisations of the peer groups a framework rates (NHS England's file of every trust type
    scored with the framework of one): the others are set aside with a note. Where none is of a
    group it rates, all are kept, and binding says which group it does not know, with its line."""
    known = fw.framework.peer_groups
    if known is None or dataset.peer_groups is None:
        return indices
    rated = {group.casefold() for group in known}
    kept = [i for i in indices if not dataset.peer_groups[i] or dataset.peer_groups[i].casefold() in rated]
    if not kept or len(kept) == len(indices):
        return indices
    others: dict[str, int] = {}
    for i in indices:
        group = dataset.peer_groups[i]
        if group and group.casefold() not in rated:
            others[group] = others.get(group, 0) + 1
    counted = ", ".join(f"{group} {count}" for group, count in sorted(others.items()))
    aside = len(indices) - len(kept)
    notes.append(
        f"{dataset.source}: {period}: set aside {aside} organisation{'s' if aside != 1 else ''} of peer groups "
        f"{fw.id} does not rate ({counted}); score them with the framework for their type"
    )
    return kept


# Where a period's cut points came from, when not from its framework: the words of the note, and
# what a quarterly framework adds (NHS England sets each quarter's cuts over every trust type).
_WHENCE = {
    "published": (
        "taken from the ratings by score published in the data, each in the middle of its gap",
        "so the ratings by score agree with the published ones by construction",
        "an average inside a gap may fall on the other side of its cut",
    ),
    "quartiles": (
        "rated on the quartiles of the {count} scores in this run",
        "",
        "these are not its segments; pass its cut points with --cut, or find them from a file of its "
        "results with ccgrate calibrate",
    ),
}


def cuts_note(result: PopulationResult) -> str | None:
    """Where a period's cut points did not come from its framework, what they were and whence."""
    if result.cuts_from == "framework" or not result.cuts:
        return None
    fw, population = result.framework, result.population
    shown = ", ".join(f"{rating} {cut:g}" for rating, cut in zip(fw.scored_ratings, result.cuts))
    where = f"{population.source}: {population.period}"
    if result.cuts_from == "option":
        return f"{where}: cut points set for this run: {shown}"
    partly = result.cuts_from.endswith(" and option")  # some of them set for this run
    how, so, pooled = _WHENCE[result.cuts_from.removesuffix(" and option")]
    count = int((~np.isnan(result.score)).sum())
    text = f"{where}: {fw.id} has no cut points for {population.period}; {how.format(count=count)} ({shown}"
    text += (", some set for this run" if partly else "") + ")" + (f", {so}" if so else "")
    if fw.framework.quarterly:
        text += f". NHS England sets each quarter's cut points over every trust type nationally: {pooled}"
    return text


def _framework_for(period: str, source: str) -> Framework:
    try:
        return framework_for_period(period)
    except FrameworkError as error:
        raise FrameworkError(error.message, where=source, hint=error.hint) from None


def _quarterly(period: str, override: Framework | None) -> bool:
    """Whether the framework that rates a period rates quarters."""
    if override is not None:
        return override.framework.quarterly
    entry = builtin_for_period(period)
    return entry is not None and entry.quarterly


def _periods(
    dataset: Dataset, override: Framework | None, wanted: set[str], notes: list[str]
) -> list[tuple[str, Sequence[int]]]:
    """The dataset's records by period, each in code order whatever the order of the rows, so that
    sums over a population always run in one order and the same data gives the same bytes. A
    quarter is a period of its own under a quarterly framework and its year under an annual one
    (said in a note); two quarters of one organisation then are two rows for one year, refused."""
    quarters = {p for p in set(dataset.periods) if p is not None and " Q" in p}
    if quarters:
        annual = {p: year_of(p) for p in quarters if not _quarterly(p, override)}
        if annual:
            wanted = {year_of(p) if p in annual else p for p in wanted}
            notes.append(
                f"{dataset.source}: quarterly periods read as their financial year "
                f"({listed([f'{q} as {annual[q]}' for q in sorted(annual)], 3)})"
            )
            periods = [annual.get(p, p) if p is not None else None for p in dataset.periods]
            check_unique_records(dataset.codes, periods, dataset.lines, dataset.source)
            dataset.periods = periods
    groups: dict[str, list[int] | range] = {}
    distinct = set(dataset.periods)
    only = next(iter(distinct)) if len(distinct) == 1 else None
    if only is not None:  # the usual file: one year, every row
        groups[only] = range(len(dataset.periods))
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
        group = groups.setdefault(period, [])
        assert isinstance(group, list), "a file of one period is grouped whole, above"
        group.append(index)
    if wanted and not wanted & set(groups):
        raise DataError(
            f"no rows for period {', '.join(sorted(wanted))}",
            where=dataset.source,
            hint=f"the file holds {', '.join(sorted(groups))}",
        )
    codes = dataset.codes
    chosen: list[tuple[str, Sequence[int]]] = []
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
