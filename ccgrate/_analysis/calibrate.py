"""Where must the cut points sit? Set a framework's scale so that a population's ratings come out as intended.

The overall score does not depend on the scale's cut points, so calibration scores the population
once and then only moves the cuts. A cut matters only through which organisations' scores lie
above it, so the candidates for each cut are the gaps between successive distinct scores: a
rating can never split organisations with the same score (ties). The rules run for every
candidate (a deficit cap, say, takes organisations out of Good whatever their score), so the
search is over final ratings, not provisional ones:

1. start where the cumulative target counts fall in the sorted scores (as if there were no rules);
2. try every combination of cut positions within a window around the best so far, all at once,
   vectorised, and each cut alone over every position, until nothing improves;
3. within each chosen gap, keep the old cut if it lies there, else take the roundest number.

The closeness to the target is the number of organisations rated differently from it (the sum
of the absolute differences of the counts, halved), then the largest single difference. The new
framework is written by editing the original TOML text (comments and layout survive), then read
back, validated and used to score the population again: what is reported as achieved is that
rescoring, not the search's own arithmetic.
"""

from __future__ import annotations

import itertools
import math
import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ccgrate._base.errors import DataError
from ccgrate._scoring.banding import cut_ranks, quantile
from ccgrate._scoring.bind import Population
from ccgrate._scoring.engine import (
    PopulationResult,
    assess_population,
    positions_against,
    rating_positions,
)
from ccgrate._scoring.gaps import GapCut, published_gap_cuts
from ccgrate._scoring.rules import PopulationContext, apply_rules_to_population

if TYPE_CHECKING:
    from tomlkit.items import String

    from ccgrate._framework.fields import OnCut
    from ccgrate._framework.indicators import QuantileIndicator
    from ccgrate._framework.model import Framework

WINDOW = 8  # positions either side of each cut tried together
MAX_CANDIDATES = 40_000


@dataclass
class Calibration:
    framework_id: str
    text: str  # the new framework file
    framework: Framework  # the new framework, as read back
    rated: int
    target: dict[str, int]
    achieved: dict[str, int]
    before: dict[str, int]
    cuts_before: dict[str, float]
    cuts_after: dict[str, float]
    indicator_cuts: dict[str, tuple[list[float] | None, list[float]]] = field(default_factory=dict)
    ties: list[tuple[str, float, int]] = field(default_factory=list)  # (cut, score, organisations) at each cut
    area: str | None = None  # the area whose cut points were set; None for the rating scale

    @property
    def exact(self) -> bool:
        return self.achieved == self.target

    @property
    def differences(self) -> int:
        """Organisations rated differently from the target (counted once each)."""
        return sum(abs(self.achieved[r] - self.target[r]) for r in self.target) // 2


def parse_target(text: str, ratings: list[str], rated: int) -> dict[str, int]:
    """ "Outstanding=9.7,Good=48.3,..." as counts: counts that add up to the rated organisations, or percentages."""
    found: dict[str, float] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        name, sep, number = part.partition("=")
        rating = next((r for r in ratings if r.lower() == name.strip().lower()), None)
        if not sep or rating is None:
            raise DataError(
                f'--target: "{part}" is not RATING=NUMBER for a rating of the scale ({", ".join(ratings)})',
                hint='write for example --target "Outstanding=10,Good=48,Requires improvement=33,Inadequate=9"',
            )
        try:
            value = float(number)
        except ValueError:
            raise DataError(
                f'--target: "{number.strip()}" for {rating} is not a number', hint="give a count or a percentage"
            ) from None
        if not math.isfinite(value) or value < 0:
            raise DataError(f"--target: {rating} must be a number of at least 0", hint="give a count or a percentage")
        found[rating] = value
    missing = [r for r in ratings if r not in found]
    if missing:
        raise DataError(f"--target: no figure for {', '.join(missing)}", hint="give one for every rating, 0 for none")
    total = sum(found.values())
    if all(v == int(v) for v in found.values()) and total == rated:
        return {r: int(found[r]) for r in ratings}
    if abs(total - 100) <= 0.6:
        return largest_remainder({r: found[r] / total * rated for r in ratings}, rated)
    raise DataError(
        f"--target adds up to {total:g}: give counts that add up to the {rated} rated organisations, "
        "or percentages that add up to 100",
        hint="published shares such as 9.7,48.3,33.3,8.7 are read as percentages",
    )


def largest_remainder(shares: Mapping[str, float], total: int) -> dict[str, int]:
    """Whole counts adding up to `total`, each within one of its share (Hamilton's method)."""
    counts = {r: math.floor(v) for r, v in shares.items()}
    left = total - sum(counts.values())
    for r in sorted(shares, key=lambda r: (-(shares[r] - counts[r]), list(shares).index(r)))[:left]:
        counts[r] += 1
    return counts


def population_cuts(population: Population, ind: QuantileIndicator) -> list[float]:
    """The quantile cut points of an indicator's values in this population, as a framework would hold them."""
    values = population.numbers.get(ind.id)
    present = np.sort(values[~np.isnan(values)]) if values is not None else np.array([])
    parts = ind.quantiles if ind.cuts is None else len(ind.cuts) + 1
    if len(present) < max(parts, ind.min_population):
        raise DataError(
            f"indicator {ind.id} has {len(present)} values, too few for {parts} quantile bands",
            hint="calibrate indicator cuts on a national file, or leave out --indicator-cuts",
        )
    ordered = present.tolist()
    exact = [quantile(ordered, i / parts) for i in range(1, parts)]
    # Shorter numbers where they band every organisation exactly as the exact quantiles do.
    for digits in (3, 4, 5, 6):
        short = [float(f"{c:.{digits}g}") for c in exact]
        if all(a < b for a, b in zip(short, short[1:])) and np.array_equal(
            cut_ranks(short, ind.direction, present, ind.on_cut), cut_ranks(exact, ind.direction, present, ind.on_cut)
        ):
            return short
    return exact


def calibrate(
    population: Population,
    text: str,
    target_text: str | None,
    *,
    indicator_cuts: bool = False,
    new_id: str | None = None,
    note: str = "",
    area: str | None = None,
) -> Calibration:
    """A new framework text whose scale (or, given `area`, that area's scale) reproduces the target
    distribution on this population."""
    import tomlkit

    from ccgrate._framework.loader import parse_framework

    fw = population.framework
    area_index = None
    if area is not None:
        ids = [a.id for a in fw.areas]
        if area not in ids:
            raise DataError(
                f'--area: "{area}" is not an area of {fw.id} (its areas: {", ".join(ids) or "none"})',
                hint="give one of its area ids; ccgrate framework show lists them",
            )
        area_index = ids.index(area)
    document = tomlkit.parse(text)
    changed_indicators: dict[str, tuple[list[float] | None, list[float]]] = {}
    if indicator_cuts:
        quantiles = [ind for ind in fw.indicators if ind.method == "quantile"]
        if not quantiles:
            raise DataError(f"{fw.id} has no quantile indicators", hint="leave out --indicator-cuts")
        tables = {str(t["id"]): t for t in document["indicators"]}
        for ind in quantiles:
            cuts = population_cuts(population, ind)
            tables[ind.id]["cuts"] = cuts
            changed_indicators[ind.id] = (list(ind.cuts) if ind.cuts is not None else None, cuts)
        fw = parse_framework(tomlkit.dumps(document).encode("utf-8"), name="the calibrated framework")
        population = _rebound(population, fw)
    result = assess_population(fw, population)
    if area_index is None:
        ratings = list(fw.scale.ratings)
        published = fw.framework.published_distribution
        what, whose = "organisation", fw.id
        positions_of: Callable[[PopulationResult], np.ndarray] = lambda r: r.rating  # noqa: E731
        cuts_before = dict(zip(fw.scored_ratings, result.cuts))
    else:
        the_area = fw.areas[area_index]
        ratings = fw.area_ratings(the_area)
        published = the_area.published_distribution
        what, whose = f"area {area}", f"{fw.id} area {area}"
        positions_of = lambda r: r.area_ratings[:, area_index]  # noqa: E731
        cuts_before = dict(zip(ratings[:-1], fw.area_cuts(the_area)[0]))
    search = _Search(result, [0] * len(ratings), list(cuts_before.values()), area_index)
    rated = int(np.count_nonzero(search.rated))
    if rated == 0:
        raise DataError(
            f"no organisation could be rated{'' if area is None else ' in ' + what}",
            hint="check the data covers the framework's indicators",
        )
    if target_text is None:
        if not published:
            raise DataError(
                f"{whose} has no published distribution to calibrate to",
                hint='give one with --target "' + ",".join(f"{r}=..." for r in ratings) + '"',
            )
        if set(published) != set(ratings):
            raise DataError(
                f"{whose} publishes the number of organisations only for {', '.join(published)}",
                hint="give a figure for every rating with --target",
            )
        target_text = ",".join(f"{r}={published.get(r, 0)}" for r in ratings)
    target = parse_target(target_text, ratings, rated)
    search.target = np.array([target[r] for r in ratings])
    before = _counts(positions_of(result), ratings)
    positions = search.best()
    cuts_after = search.values(positions, list(cuts_before.values()))
    if area_index is None:
        for rating, value in zip(ratings[:-1], cuts_after):
            document["scale"]["cuts"][rating] = value
    else:
        table = document["areas"][area_index]
        cuts_table = tomlkit.inline_table()
        cuts_table.update(dict(zip(ratings[:-1], cuts_after)))
        if "scale" in table:
            table["scale"]["cuts"] = cuts_table
        else:
            scale_table = tomlkit.inline_table()
            scale_table["cuts"] = cuts_table
            table["scale"] = scale_table
    meta = document["framework"]
    old_id = str(meta["id"])
    meta["id"] = new_id or f"{old_id}-calibrated"
    meta["name"] = f"{meta['name']} (calibrated)"
    original_provenance = str(meta["provenance"]).rstrip("\n")
    scale_words = "the rating scale's cut points were" if area is None else f"the cut points of area {area} were"

    def written(achieved: Mapping[str, int]) -> str:
        record = (
            f"Calibrated from {old_id} by ccgrate{note}: {scale_words} set so that "
            f"scoring that file gives {_describe(achieved, ratings)} (target {_describe(target, ratings)})"
        )
        if changed_indicators:
            record += (
                f", after the quantile cut points of {len(changed_indicators)} indicators were set from its values"
            )
        meta["provenance"] = _multiline(original_provenance + "\n\n" + textwrap.fill(record + ".", 100) + "\n")
        return tomlkit.dumps(document)

    expected = dict(zip(ratings, search.counts(positions)))
    new_text = written(expected)
    new_fw = parse_framework(new_text.encode("utf-8"), name="the calibrated framework")
    achieved = _counts(positions_of(assess_population(new_fw, _rebound(population, new_fw))), ratings)
    if achieved != expected:  # the provenance must state what the file does
        new_text = written(achieved)
        new_fw = parse_framework(new_text.encode("utf-8"), name="the calibrated framework")
    return Calibration(
        new_fw.id,
        new_text,
        new_fw,
        rated,
        target,
        achieved,
        before,
        cuts_before,
        dict(zip(ratings[:-1], cuts_after)),
        changed_indicators,
        search.ties(positions),
        area,
    )


def _multiline(value: str) -> String:
    """A multi-line TOML string laid out as the built-in files have it: opening quotes, then a new line."""
    import tomlkit
    from tomlkit.items import String, StringType, Trivia

    plain = tomlkit.string(value, multiline=True)
    raw = plain.as_string()[3:-3]  # escaped as tomlkit escapes it
    try:
        return String(StringType.MLB, value, "\n" + raw, Trivia())
    except TypeError:  # a tomlkit with another constructor: the same value, without the leading new line
        return plain


def _rebound(population: Population, fw: Framework) -> Population:
    """The same columns under a framework with the same indicators (only cut points differ)."""
    from dataclasses import replace

    return replace(population, framework=fw)


def _counts(positions: np.ndarray, ratings: list[str]) -> dict[str, int]:
    return {r: int(np.count_nonzero(positions == k)) for k, r in enumerate(ratings)}


def _describe(counts: Mapping[str, int], ratings: list[str]) -> str:
    return ", ".join(f"{r} {counts[r]}" for r in ratings)


class _Search:
    """Final-rating counts for many candidate cut positions at once: of the headline rating (after the
    rules), or of one area's rating (`area` its position; areas have no rules)."""

    def __init__(self, result: PopulationResult, target: list[int], old_cuts: list[float], area: int | None = None):
        fw = result.framework
        self.result, self.fw, self.target, self.area = result, fw, np.array(target), area
        if area is None:
            self.all_scores, self.rated = result.score, result.provisional >= 0
            self.on_cut: OnCut = fw.scale.on_cut
        else:
            self.all_scores = result.area_scores[:, area]
            self.rated = (result.area_used[:, area] >= fw.scoring.area_min_indicators) & ~np.isnan(self.all_scores)
            self.on_cut = fw.area_cuts(fw.areas[area])[1]
        rated = self.rated
        scores = self.all_scores[rated]
        self.distinct = np.unique(scores)[::-1]  # best first
        self.gaps = len(self.distinct) + 1  # position p: below distinct[p - 1], at or above none of the rest
        self.ratings = len(fw.scale.ratings)
        # Where the old cuts sit: among equally good answers, the one that moves them least wins.
        self.old = np.array([int(np.count_nonzero(self.distinct >= cut)) for cut in old_cuts])

    def cut_value(self, position: int) -> float:
        """A representative cut for a gap (the score just above it, or above everything)."""
        return float(self.distinct[position - 1]) if position > 0 else float(self.distinct[0]) + 0.001

    def counts_of(self, candidates: np.ndarray) -> np.ndarray:
        """candidates: k x (ratings - 1) gap positions, non-decreasing; returns k x ratings counts."""
        fw, result = self.fw, self.result
        count = len(result)
        # An organisation reaches the rating above a cut at gap p when its score is at least distinct[p - 1].
        thresholds = np.where(candidates > 0, self.distinct[np.maximum(candidates - 1, 0)], np.inf)  # k x cuts
        provisional = positions_against(
            np.repeat(self.all_scores[:, None], len(candidates), axis=1), thresholds, self.on_cut
        )
        provisional = np.where(self.rated[:, None], provisional, np.int8(-1))
        if self.area is not None:
            final = provisional
        else:
            context = self._context(len(candidates), thresholds)
            final, _ = apply_rules_to_population(fw, provisional.ravel(), context)
            final = final.reshape(count, len(candidates))
        return np.stack([np.count_nonzero(final == k, axis=0) for k in range(self.ratings)], axis=1)

    def _context(self, k: int, thresholds: np.ndarray) -> PopulationContext:
        result, fw = self.result, self.fw

        def flat(values: np.ndarray) -> np.ndarray:
            return np.repeat(values, k)

        # Areas keep their ratings: their cuts are their own, or (without their own scale) the
        # framework's, which the search moves.
        areas = {}
        for index, area in enumerate(fw.areas):
            if area.scale is not None:
                areas[area.id] = np.repeat(result.area_ratings[:, index], k)
                continue
            positions = positions_against(
                np.repeat(result.area_scores[:, index, None], k, axis=1), thresholds, fw.scale.on_cut
            )
            enough = (result.area_used[:, index] >= fw.scoring.area_min_indicators) & ~np.isnan(
                result.area_scores[:, index]
            )
            areas[area.id] = np.where(enough[:, None], positions, np.int8(-1)).ravel()
        context = result.context
        return PopulationContext(
            score=flat(context.score),
            judgements={jid: flat(levels) for jid, levels in context.judgements.items()},
            domain_scores={d: flat(v) for d, v in context.domain_scores.items()},
            area_ratings=areas,
            best_band_share=flat(context.best_band_share),
            worst_band_share=flat(context.worst_band_share),
        )

    def objective(self, candidates: np.ndarray, counts: np.ndarray) -> np.ndarray:
        """Lexicographic cost: misplaced organisations, then the largest miss, then how far the cuts move."""
        misses = np.abs(counts - self.target[None, :])
        moved = np.abs(candidates - self.old[None, :]).sum(axis=1)
        return (misses.sum(axis=1) * 1_000 + misses.max(axis=1)) * 1_000_000 + moved

    def counts(self, positions: tuple[int, ...]) -> list[int]:
        return self.counts_of(np.array([positions])).tolist()[0]

    def _evaluate(self, candidates: list[tuple[int, ...]]) -> tuple[tuple[int, ...], int]:
        best: tuple[tuple[int, ...], int] | None = None
        for start in range(0, len(candidates), 2_000):
            block = np.array(candidates[start : start + 2_000], dtype=np.int64)
            costs = self.objective(block, self.counts_of(block))
            i = int(np.argmin(costs))
            if best is None or costs[i] < best[1]:
                best = tuple(int(v) for v in block[i]), int(costs[i])
        assert best is not None, "there is always at least one candidate"
        return best

    def best(self) -> tuple[int, ...]:
        cuts = self.ratings - 1
        sorted_scores = np.sort(self.all_scores[self.rated])[::-1]
        cumulative = np.cumsum(self.target)[:-1]
        start = []
        for wanted in cumulative:
            above = sorted_scores[wanted - 1] if wanted > 0 else np.inf
            start.append(int(np.searchsorted(-self.distinct, -above, side="right")) if wanted > 0 else 0)
        current, cost = self._evaluate([tuple(start)])
        for _ in range(20):
            improved = False
            # each cut alone, everywhere
            for j in range(cuts):
                options = [current[:j] + (p,) + current[j + 1 :] for p in range(self.gaps)]
                options = [o for o in options if _ordered(o)]
                found, found_cost = self._evaluate(options)
                if found_cost < cost:
                    current, cost, improved = found, found_cost, True
            # every combination nearby
            window = max(1, min(WINDOW, int(MAX_CANDIDATES ** (1 / cuts) // 2)))
            ranges = [range(max(0, c - window), min(self.gaps, c + window + 1)) for c in current]
            options = [o for o in itertools.product(*ranges) if _ordered(o)]
            found, found_cost = self._evaluate(options)
            if found_cost < cost:
                current, cost, improved = found, found_cost, True
            if not improved or cost == 0:
                break
        return current

    def ties(self, positions: tuple[int, ...]) -> list[tuple[str, float, int]]:
        """Scores shared by several organisations on either side of each chosen cut: they move together."""
        scores = self.all_scores[self.rated]
        found = []
        words = self.fw.scale.ratings if self.area is None else self.fw.area_ratings(self.fw.areas[self.area])
        for rating, p in zip(words, positions):
            for q in (p - 1, p):
                if 0 <= q < len(self.distinct):
                    shared = int(np.count_nonzero(scores == self.distinct[q]))
                    if shared > 1:
                        found.append((rating, float(self.distinct[q]), shared))
        return found

    def values(self, positions: tuple[int, ...], old: list[float]) -> list[float]:
        """Cut values for gap positions: the old cut where it still falls in its gap, else the roundest."""
        chosen: list[float] = []
        for j, p in enumerate(positions):
            high = float(self.distinct[p - 1]) if p > 0 else 100.0  # a cut at most this
            low = float(self.distinct[p]) if p < len(self.distinct) else -0.01  # and above this
            if chosen:
                high = min(high, chosen[-1] - 0.001)
            if p == 0 and self.distinct[0] >= 100.0:
                low = min(low, 99.999)  # nobody can be above a cut of 100; the search counts that as it is
            if low < old[j] <= high:
                chosen.append(float(old[j]))
            else:
                chosen.append(_roundest(low, high))
        return chosen


def _ordered(positions: tuple[int, ...]) -> bool:
    return all(a <= b for a, b in zip(positions, positions[1:]))


def _roundest(low: float, high: float) -> float:
    """The number in (low, high] with the fewest decimals, nearest the middle; at least 0."""
    low = max(low, -0.001)
    middle = (low + high) / 2
    for decimals in (0, 1, 2, 3):
        step = 10.0**-decimals
        # Scores have two decimals: a tolerance far below that keeps 53.8 / 0.1 from reading as 537.99...
        first, last = math.floor(low / step + 1e-7) + 1, math.floor(high / step + 1e-7)
        if first <= last:
            best = min(range(first, last + 1), key=lambda i: (abs(i * step - middle), i))
            return round(best * step, decimals)
    return round(high, 3)


@dataclass
class PeriodCalibration:
    period: str
    organisations: int
    cuts: list[GapCut]
    agree: int  # organisations whose rating by score, with these cuts, is the published one
    differ: list[str]  # their codes where it is not


@dataclass
class PublishedCalibration:
    framework_id: str
    text: str
    framework: Framework
    periods: list[PeriodCalibration]


def calibrate_published(
    populations: list[Population], text: str, *, new_id: str | None = None, note: str = ""
) -> PublishedCalibration:
    """Cut points, per period, that reproduce the ratings by score the publisher gave (NHS England's
    unadjusted segments): each cut in the middle of the gap between the worst score the publisher
    put in a rating (or better) and the best it put below, on the published scores where the data
    holds them (else ccgrate's). Where no cut separates the two cleanly, the one that misplaces
    fewest organisations. A quarterly framework gets the cuts of each period; another, its scale's."""
    import tomlkit

    from ccgrate._framework.loader import parse_framework

    if not populations:
        raise DataError("no period to calibrate", hint="check the file holds organisation data")
    fw = populations[0].framework
    document = tomlkit.parse(text)
    found: list[PeriodCalibration] = []
    for population in populations:
        published = population.published.get("provisional_rating")
        if published is None or np.all(np.isnan(published)):
            raise DataError(
                f"{population.period}: the data holds no published rating by score to calibrate to",
                where=population.source,
                hint=f"the framework reads it from {fw.published.provisional_rating if fw.published else 'nowhere'}"
                "; without it, give a target distribution with --target",
            )
        # The score does not depend on the cut points: one assessment serves to find them and to check them.
        result = assess_population(fw, population)
        found_cuts = published_gap_cuts(fw, population, "provisional_rating", "score", result.score)
        if found_cuts is None:
            raise DataError(
                f"{population.period}: no organisation has both a published rating by score and a score",
                where=population.source,
                hint="check the file holds the publisher's results",
            )
        cuts = found_cuts
        period_cuts = {c.rating: c.cut for c in cuts}
        ours = np.where(result.provisional >= 0, rating_positions(fw, result.score, [c.cut for c in cuts]), -1)
        codes = population.codes
        differ = [
            codes[i] for i in np.flatnonzero(~np.isnan(published)).tolist() if int(ours[i]) != int(published[i]) - 1
        ]
        found.append(
            PeriodCalibration(
                population.period,
                int(np.count_nonzero(~np.isnan(published))),
                cuts,
                int(np.count_nonzero(~np.isnan(published))) - len(differ),
                differ,
            )
        )
        table = tomlkit.table()
        table.update(period_cuts)
        if fw.framework.quarterly:
            scale = document["scale"]
            if "cuts_by_period" not in scale:
                scale["cuts_by_period"] = tomlkit.table(is_super_table=True)
            scale["cuts_by_period"][population.period] = table
        else:
            if len(populations) > 1:
                raise DataError(
                    f"{fw.id} has one set of cut points, and the file holds several periods",
                    hint="choose one with --period",
                )
            document["scale"]["cuts"] = table
    meta = document["framework"]
    old_id = str(meta["id"])
    meta["id"] = new_id or f"{old_id}-calibrated"
    meta["name"] = f"{meta['name']} (calibrated)"
    record = (
        f"Calibrated from {old_id} by ccgrate{note}: the cut points of "
        + ", ".join(p.period for p in found)
        + " were set in the gaps between the scores of the published ratings by score, reproducing them for "
        + ", ".join(f"{p.agree} of {p.organisations}" for p in found)
        + " organisations."
    )
    meta["provenance"] = _multiline(str(meta["provenance"]).rstrip("\n") + "\n\n" + textwrap.fill(record, 100) + "\n")
    new_text = tomlkit.dumps(document)
    new_fw = parse_framework(new_text.encode("utf-8"), name="the calibrated framework")
    return PublishedCalibration(new_fw.id, new_text, new_fw, found)
