"""Read a dataset's raw text against a framework: numbers, judgement levels, and what is left over.

The result is a `Population`: one period's organisations under one framework, column by column
(numpy arrays: NaN or -1 where a value is missing), plus warnings about values the framework has
no use for (reported, never silently dropped). `OrgInput` is the same data for one organisation.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ccgrate._base.decimals import rate_on_scale, settle_ties
from ccgrate._base.errors import DataError, clip, listed, location
from ccgrate._base.vocabulary import column_key, is_missing
from ccgrate._framework.indicators import AnyIndicator, JudgementIndicator, ScoreIndicator
from ccgrate._read.cells import parse_number
from ccgrate._read.dataset import Column, Dataset
from ccgrate._read.layout import DESCRIPTIVE

if TYPE_CHECKING:
    from ccgrate._framework.indicators import NumericIndicator
    from ccgrate._framework.model import Framework


@dataclass(frozen=True, slots=True)
class Observation:
    """One organisation's value for one indicator: a number, or a level of an ordered scale."""

    value: float | str
    numerator: float | None = None
    denominator: float | None = None


@dataclass(frozen=True)
class OrgInput:
    org_code: str
    org_name: str
    period: str
    values: Mapping[str, Observation]
    judgements: Mapping[str, str]
    source: str = ""


@dataclass
class Population:
    """The organisations of one period under one framework, column by column."""

    source: str
    period: str
    framework: Framework
    codes: list[str]
    names: list[str]
    numbers: dict[str, np.ndarray] = field(default_factory=dict)  # numeric indicators; NaN = missing
    numerators: dict[str, np.ndarray] = field(default_factory=dict)
    denominators: dict[str, np.ndarray] = field(default_factory=dict)
    levels: dict[str, np.ndarray] = field(default_factory=dict)  # ordered-scale indicators; -1 = missing
    judgements: dict[str, np.ndarray] = field(default_factory=dict)  # level positions; -1 = missing
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what was set aside as expected (descriptive columns)
    peer_groups: list[str] | None = None  # each organisation's peer group, where the data names them
    # The publisher's own results where the data holds them (NaN where not), by what they are:
    # "score", "provisional_rating", "adjusted_rating", "rating" (a rating as its number, 1 the
    # best), "domain_score:<id>", "domain_rating:<id>", "indicator:<id>" (a metric's score), "rank"
    # (the league rank) and "indicator_rank:<id>" (the rank of an indicator's value).
    published: dict[str, np.ndarray] = field(default_factory=dict)
    shown: dict[str, np.ndarray] = field(default_factory=dict)  # a score indicator's value, for the record

    def __len__(self) -> int:
        return len(self.codes)

    def org(self, index: int) -> OrgInput:
        """One organisation's inputs."""
        fw = self.framework
        values: dict[str, Observation] = {}
        for ind in fw.indicators:
            if isinstance(ind, JudgementIndicator):
                code = int(self.levels[ind.id][index]) if ind.id in self.levels else -1
                if code >= 0:
                    values[ind.id] = Observation(fw.levels_of(ind)[code])
            elif ind.id in self.numbers:
                value = self.numbers[ind.id][index]
                if not np.isnan(value):
                    values[ind.id] = Observation(
                        float(value), _number(self.numerators, ind.id, index), _number(self.denominators, ind.id, index)
                    )
        judgements = {
            jid: fw.judgements[jid].levels[int(codes[index])]
            for jid, codes in self.judgements.items()
            if codes[index] >= 0
        }
        return OrgInput(self.codes[index], self.names[index], self.period, values, judgements, self.source)

    @classmethod
    def from_orgs(
        cls, framework: Framework, orgs: Sequence[OrgInput], source: str = "", period: str = ""
    ) -> Population:
        """Columns from per-organisation inputs (levels must be the framework's own spellings)."""
        count = len(orgs)
        population = cls(
            source or (orgs[0].source if orgs else ""),
            period or (orgs[0].period if orgs else ""),
            framework,
            [o.org_code for o in orgs],
            [o.org_name for o in orgs],
        )
        for jid, judgement in framework.judgements.items():
            population.judgements[jid] = np.array(
                [
                    judgement.levels.index(o.judgements[jid]) if jid in o.judgements else judgement.default_position()
                    for o in orgs
                ],
                dtype=np.int64,
            )
        for ind in framework.indicators:
            observations = [o.values.get(ind.id) for o in orgs]
            if isinstance(ind, JudgementIndicator):
                levels = framework.levels_of(ind)
                if ind.judgement is not None:
                    population.levels[ind.id] = population.judgements[ind.judgement].copy()
                else:
                    population.levels[ind.id] = np.array(
                        [levels.index(str(obs.value)) if obs is not None else -1 for obs in observations],
                        dtype=np.int64,
                    )
                continue
            population.numbers[ind.id] = np.array(
                [obs.value if obs is not None else np.nan for obs in observations], dtype=np.float64
            )
            for store, attribute in ((population.numerators, "numerator"), (population.denominators, "denominator")):
                column = [getattr(obs, attribute) if obs is not None else None for obs in observations]
                if any(v is not None for v in column):
                    store[ind.id] = np.array([np.nan if v is None else v for v in column], dtype=np.float64)
        assert all(len(a) == count for a in population.numbers.values())
        return population


def _number(store: Mapping[str, np.ndarray], ind_id: str, index: int) -> float | None:
    column = store.get(ind_id)
    if column is None or np.isnan(column[index]):
        return None
    return float(column[index])


def level_lookup(levels: Iterable[str], aliases: Mapping[str, str]) -> dict[str, str]:
    """Lower-case spelling -> canonical level."""
    table = {level.lower(): level for level in levels}
    canonical = dict(table)
    for alias, target in aliases.items():
        table[alias.lower()] = canonical[target.lower()]
    return table


def bind(
    framework: Framework, dataset: Dataset, indices: Sequence[int], period: str, keep: set[str] | None = None
) -> Population:
    """The records `indices` of `dataset` (one period) read against `framework`.

    `keep`, when given, limits the columns read to those ids (lower case).
    """
    indicators = {ind.id.lower(): ind for ind in framework.indicators if ind.method != "lookup"}
    judgements = {jid.lower(): jid for jid in framework.judgements}
    judgements.update(
        {other.lower(): jid for jid, judgement in framework.judgements.items() for other in judgement.columns}
    )
    # What the data holds beside the inputs: the publisher's results, and values shown beside scores.
    published = dict(framework.published.ids()) if framework.published is not None else {}
    published.update({ind.published.lower(): f"indicator:{ind.id}" for ind in framework.indicators if ind.published})
    shown = {
        ind.value_id.lower(): ind.id
        for ind in framework.indicators
        if isinstance(ind, ScoreIndicator) and ind.value_id is not None
    }
    fed_by_judgement = {
        ind.id.lower(): ind.judgement for ind in framework.indicators if ind.method == "judgement" and ind.judgement
    }
    population = Population(
        dataset.source, period, framework, [dataset.codes[i] for i in indices], [dataset.names[i] for i in indices]
    )
    source = dataset.source
    if dataset.peer_groups is not None:
        population.peer_groups = _peer_groups(framework, dataset, indices)
    unknown: list[str] = []
    described: list[str] = []  # a publication's region, unit or indicator name beside the data
    ignored: dict[str, str] = {}
    for key, column in dataset.values.items():
        if keep is not None and key not in keep:
            continue
        if key in published or key in shown:
            numbers = parse_numbers(dataset, column, indices, None)
            if key in shown:
                population.shown[shown[key]] = numbers
            else:
                population.published[published[key]] = numbers
            continue
        if (
            column.texts is None
            and key not in judgements
            and (key not in indicators or not (key in fed_by_judgement or indicators[key].method == "judgement"))
        ):
            # Numbers from the fast reader: nothing below needs their text.
            ind = indicators.get(key)
            if ind is None:
                if column_key(key) in DESCRIPTIVE:
                    described.append(column.header)
                elif not _all_blank(column, indices):
                    unknown.append(column.header)
                continue
            assert not isinstance(ind, JudgementIndicator), "a judgement indicator's column is read as text"
            _bind_numbers(population, ind, dataset, key, indices, None)
            continue
        texts = _take(column.all_texts(), indices)
        if key in judgements:
            jid = judgements[key]
            judgement = framework.judgements[jid]
            levels = _levels(dataset, column, indices, texts, judgement.levels, judgement.aliases, f"{jid} judgement")
            # A blank cell of a judgement with a default means the default, as a missing column does.
            population.judgements[jid] = np.where(levels < 0, judgement.default_position(), levels)
            continue
        ind = indicators.get(key)
        if ind is None:
            if column_key(key) in DESCRIPTIVE:
                described.append(column.header)
            elif not all(is_missing(t) for t in set(texts)):
                unknown.append(column.header)
            continue
        if key in fed_by_judgement:
            if not all(is_missing(t) for t in set(texts)):
                ignored[ind.id] = fed_by_judgement[key]
            continue
        if isinstance(ind, JudgementIndicator):
            population.levels[ind.id] = _levels(
                dataset, column, indices, texts, framework.levels_of(ind), ind.aliases, f"indicator {ind.id}"
            )
            continue
        _bind_numbers(population, ind, dataset, key, indices, texts)
    _published_ranks(framework, population, dataset, indices, published)
    for key, column in {**dataset.numerators, **dataset.denominators}.items():
        if (keep is None or key in keep) and key not in indicators and key not in dataset.values:
            if not _all_blank(column, indices):
                unknown.append(column.header)
    for jid, judgement in framework.judgements.items():
        population.judgements.setdefault(jid, np.full(len(indices), judgement.default_position(), dtype=np.int64))
    for key, jid in fed_by_judgement.items():
        population.levels[indicators[key].id] = population.judgements[jid].copy()
    if unknown:
        ordered = sorted(set(unknown), key=str.lower)
        population.warnings.append(
            f"{source}: values for columns or indicators that {framework.id} does not define were ignored: "
            f"{listed(ordered, 20)}"
        )
    if described:
        population.notes.append(
            f"{source}: column{'s' if len(described) > 1 else ''} not used: {listed([clip(h) for h in described], 12)}"
        )
    for ind_id, jid in sorted(ignored.items()):
        population.warnings.append(
            f"{source}: column {ind_id} was ignored: indicator {ind_id} takes its value from the {jid} judgement"
        )
    return population


def _peer_groups(framework: Framework, dataset: Dataset, indices: Sequence[int]) -> list[str]:
    """Each organisation's peer group, checked against the framework's own where it names them."""
    assert dataset.peer_groups is not None
    groups = [dataset.peer_groups[i] for i in indices]
    known = framework.framework.peer_groups
    if known is not None:
        lookup = {group.casefold(): group for group in known}
        for position, group in enumerate(groups):
            if group and group.casefold() not in lookup:
                line = dataset.lines[indices[position]]
                raise DataError(
                    f'peer group "{clip(group)}" of {dataset.codes[indices[position]]} is not one {framework.id} '
                    f"rates ({listed(known, 6)})",
                    where=location(dataset.source, line),
                    hint="score its organisations with the framework for their type, or correct the trust type",
                )
        groups = [lookup.get(group.casefold(), group) for group in groups]
    return groups


def _published_ranks(
    framework: Framework, population: Population, dataset: Dataset, indices: Sequence[int], published: dict[str, str]
) -> None:
    """The rank column of a long file: the publisher's league rank (on the rows the framework names)
    and the rank of each indicator's value."""
    if not dataset.ranks:
        return
    wanted: dict[str, str] = {}
    if framework.published is not None and framework.published.rank is not None:
        wanted[framework.published.rank.lower()] = "rank"
    for ind in framework.indicators:
        wanted.setdefault(ind.id.lower(), f"indicator_rank:{ind.id}")
    for key, what in wanted.items():
        column = dataset.ranks.get(key)
        if column is not None:
            population.published[what] = parse_numbers(dataset, column, indices, None)


def _all_blank(column: Column, indices: Sequence[int]) -> bool:
    if column.numbers is not None:
        return bool(np.isnan(_take_numbers(column.numbers, indices)).all())
    return all(is_missing(t) for t in set(_take(column.all_texts(), indices)))


def _take_numbers(numbers: np.ndarray, indices: Sequence[int]) -> np.ndarray:
    if isinstance(indices, range) and indices == range(len(numbers)):
        # The whole column in file order: the reader's own array, shared rather than copied (a second
        # copy of every number at once is what a large file's peak memory would be made of), and
        # read-only, so that nothing downstream changes the data it was read from.
        shared = numbers.view()
        shared.flags.writeable = False
        return shared
    return numbers[np.asarray(indices, dtype=np.intp)]


def _take(texts: list[str], indices: Sequence[int]) -> list[str]:
    if isinstance(indices, range) and indices == range(len(texts)):
        return texts
    return list(map(texts.__getitem__, indices))


def _levels(
    dataset: Dataset,
    column: Column,
    indices: Sequence[int],
    texts: list[str],
    levels: Sequence[str],
    aliases: Mapping[str, str],
    what: str,
) -> np.ndarray:
    """Positions of each text in an ordered scale (-1 where missing), however the text is spelt."""
    if not texts:
        return np.full(0, -1, dtype=np.int64)
    lookup = level_lookup(levels, aliases)
    position: dict[str, int] = {}
    for text in set(texts):  # a few distinct spellings, however many organisations
        stripped = text.strip()
        if is_missing(stripped):
            position[text] = -1
            continue
        level = lookup.get(stripped.lower())
        if level is None:
            cell = dataset.cell(column, indices[texts.index(text)])
            raise DataError(
                f'{what}: "{clip(stripped)}" is not a level of the scale ({", ".join(levels)})',
                where=location(dataset.source, cell.line, cell.column),
                hint="use one of those levels or leave the cell blank",
            )
        position[text] = list(levels).index(level)
    return np.fromiter(map(position.__getitem__, texts), dtype=np.int64, count=len(texts))


def parse_numbers(dataset: Dataset, column: Column, indices: Sequence[int], texts: list[str] | None) -> np.ndarray:
    """A column of numbers (NaN for missing cells); an exact error for the first unreadable one.

    Numbers the fast reader parsed are taken as they are; plain numbers take a vectorised path;
    anything else (a % sign, thousands separators, decimal commas, an unusual missing marker) goes
    cell by cell through `parse_number`.
    """
    if column.numbers is not None:
        return _take_numbers(column.numbers, indices)
    if texts is None:
        texts = _take(column.all_texts(), indices)
    if not texts:
        return np.zeros(0, dtype=np.float64)
    # Python reads 1_000 and digits of other scripts as numbers; a CSV export never means them so.
    plain = dataset.plain_numbers or _plain("".join(texts))
    if not column.decimal_comma and plain:
        try:
            # A blank cell is missing; anything else must be a plain number for this path.
            values = np.array([text or "nan" for text in texts], dtype=np.float64)
        except ValueError:
            values = None
        if values is not None:
            odd = np.flatnonzero(~np.isfinite(values))
            if all(texts[i] == "" for i in odd):  # no "nan" or "inf" written in the data
                return values
    return np.array(
        [np.nan if (v := parse_number(dataset.cell(column, i), dataset.source)) is None else v for i in indices],
        dtype=np.float64,
    )


def _plain(text: str) -> bool:
    return text.isascii() and "_" not in text


def _bind_numbers(
    population: Population,
    ind: NumericIndicator | ScoreIndicator,
    dataset: Dataset,
    key: str,
    indices: Sequence[int],
    texts: list[str] | None,
) -> None:
    source = dataset.source
    values = parse_numbers(dataset, dataset.values[key], indices, texts)
    numerators = _counts(dataset, dataset.numerators.get(key), indices, positive=False, whole=True)
    # The expected count of a ratio (observed against expected) may be fractional; a proportion's
    # denominator counts cases.
    denominators = _counts(
        dataset, dataset.denominators.get(key), indices, positive=True, whole=ind.counts_are_proportion
    )
    if numerators is not None and denominators is not None and ind.uses_counts:
        both = ~np.isnan(numerators) & ~np.isnan(denominators)
        if ind.counts_are_proportion:
            over = np.flatnonzero(both & (numerators > denominators))
            if len(over):
                cell = dataset.cell(dataset.numerators[key], indices[int(over[0])])
                raise DataError(
                    f"indicator {ind.id}: numerator {numerators[over[0]]:g} is above its denominator {denominators[over[0]]:g}",
                    where=location(source, cell.line, cell.column),
                    hint="a proportion counts events out of cases; check the two columns",
                )
        from_counts = settle_ties(
            rate_on_scale(numerators, denominators, ind.rate_scale),
            numerators,
            denominators,
            ind.rate_scale,
            ind.references,
        )
        blank = np.isnan(values) & both
        if blank.any():
            values = np.where(blank, from_counts, values)  # a new array: the reader's may be shared
        given = both & ~blank
        differ = np.flatnonzero(given & (np.abs(values - from_counts) > 0.05 * np.maximum(np.abs(from_counts), 1.0)))
        if len(differ):
            population.warnings.append(
                f"{source}: indicator {ind.id}: the value differs by more than 5% from numerator / denominator for "
                f"{listed([population.codes[i] for i in differ])}; banding uses the counts"
            )
    if ind.method == "score":
        low, high = population.framework.scale.range
        outside = np.flatnonzero(~np.isnan(values) & ((values < low) | (values > high)))
        if len(outside):
            cell = dataset.cell(dataset.values[key], indices[int(outside[0])])
            raise DataError(
                f"indicator {ind.id}: the score {values[outside[0]]:g} is outside the scale's range, {low:g} to {high:g}",
                where=location(source, cell.line, cell.column),
                hint=f"give a score between {low:g} and {high:g}, or leave it blank",
            )
    if ind.is_share:
        outside = np.flatnonzero(~np.isnan(values) & ((values < 0) | (values > 100)))
        if len(outside):
            cell = dataset.cell(dataset.values[key], indices[int(outside[0])])
            raise DataError(
                f"indicator {ind.id}: {values[outside[0]]:g}% is outside 0-100",
                where=location(source, cell.line, cell.column),
                hint="give the value as a percentage between 0 and 100",
            )
        present = values[~np.isnan(values)]
        scale = reference_scale(ind)
        # Fractions where percentages belong (a CSV of proportions, or a workbook whose formats could
        # not be read): every value within 0 to 1 against cut points above 1. With a few values it
        # could be chance, unless the cut points are ten or more times larger than any of them.
        if (
            scale is not None
            and scale > 1
            and (len(present) >= 3 or scale >= 10)
            and (present <= 1).all()
            and (present >= 0).all()
            and present.any()
        ):
            population.warnings.append(
                f"{source}: every value of indicator {ind.id} lies between 0 and 1; it is a percentage, "
                "so 0.67 means 0.67%, not 67% (multiply proportions by 100)"
            )
    population.numbers[ind.id] = values
    if numerators is not None:
        population.numerators[ind.id] = numerators
    if denominators is not None:
        population.denominators[ind.id] = denominators


# Counts above this are beyond any population (and beyond exact whole numbers in a double).
LARGEST_COUNT = 2.0**62


def _counts(
    dataset: Dataset, column: Column | None, indices: Sequence[int], positive: bool, whole: bool
) -> np.ndarray | None:
    if column is None:
        return None
    counts = parse_numbers(dataset, column, indices, None)
    present = ~np.isnan(counts)
    problem = None
    if whole:
        fractional = np.flatnonzero(present & (counts != np.floor(counts)))
        if len(fractional):
            problem = (
                fractional,
                "is not a whole number; a count of events or cases is whole",
                "give the count itself, not a rate",
            )
    huge = np.flatnonzero(present & (np.abs(counts) > LARGEST_COUNT))
    if len(huge) and (problem is None or huge[0] < problem[0][0]):
        problem = (huge, "is larger than any count ccgrate can hold exactly (2^62)", "check the column")
    if problem is not None:
        where, what, hint = problem
        cell = dataset.cell(column, indices[int(where[0])])
        raise DataError(
            f'column "{cell.header}": "{clip(cell.text.strip())}" {what}',
            where=location(dataset.source, cell.line, cell.column),
            hint=hint,
        )
    bad = np.flatnonzero(~np.isnan(counts) & ((counts <= 0) if positive else (counts < 0)))
    if len(bad):
        cell = dataset.cell(column, indices[int(bad[0])])
        need = "greater than 0" if positive else "0 or more"
        raise DataError(
            f'column "{cell.header}": {counts[bad[0]]:g} is not a count; it must be {need}',
            where=location(dataset.source, cell.line, cell.column),
            hint="correct the count or leave the cell blank",
        )
    return counts


def reference_scale(ind: AnyIndicator) -> float | None:
    """The largest number the framework compares this indicator with, if it names one."""
    numbers = list(ind.references)
    target = getattr(ind, "target", None)
    if isinstance(target, float):
        numbers.append(target)
    return max(numbers) if numbers else None
