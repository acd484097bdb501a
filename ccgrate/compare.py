"""Two assessments of the same organisations side by side: what changed, for whom, and why.

Pure: it works on scoring runs and typed inputs. Mergers are handled by restating the side with
the predecessors on the other side's organisations (`restate`): their inputs are combined, then
scored, so a merged CCG is compared with what its predecessors together would have scored.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .bind import Observation, OrgInput
from .data import Cell, decode, parse_number, read_code
from .dispersion import Q95
from .engine import Assessment
from .errors import DataError, location


# --- mergers ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MergerMap:
    """Old code -> new code, and optional weights (e.g. registered population) of the old codes."""

    successor: dict[str, str]
    weights: dict[str, float]
    source: str


def read_mapping(raw: bytes, source: str, encoding: str = "utf-8-sig") -> MergerMap:
    """A CSV of `old_code,new_code[,weight]` (other columns are ignored)."""
    text = decode(raw, source, encoding)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[list[str]] = []
    lines: list[int] = []
    try:
        previous_end = 0
        for row in reader:
            rows.append(row)
            lines.append(previous_end + 1)
            previous_end = reader.line_num
    except csv.Error as error:
        raise DataError(f"unreadable CSV: {error}", where=location(source, previous_end + 1),
                        hint="check the quoting on this line") from None
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise DataError("the merger map is empty", where=source, hint="give a CSV with old_code,new_code[,weight]")
    header = [cell.strip().lower().replace(" ", "_") for cell in rows[0]]
    for needed in ("old_code", "new_code"):
        if needed not in header:
            raise DataError(
                f"no {needed} column in the merger map",
                where=location(source, 1),
                hint="give a CSV with the columns old_code,new_code and optionally weight",
            )
    old_at, new_at = header.index("old_code"), header.index("new_code")
    weight_at = header.index("weight") if "weight" in header else None
    successor: dict[str, str] = {}
    weights: dict[str, float] = {}
    line_of: dict[str, int] = {}
    for line, row in zip(lines[1:], rows[1:]):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise DataError(
                f"this row has {len(row)} fields but the header has {len(header)}",
                where=location(source, line),
                hint="every row needs one field per header column",
            )
        if not row[old_at].strip() or not row[new_at].strip():
            raise DataError("a code is blank", where=location(source, line), hint="give both old_code and new_code")
        old = read_code(row[old_at], location(source, line, old_at + 1), "old_code")
        new = read_code(row[new_at], location(source, line, new_at + 1), "new_code")
        if old == new:
            raise DataError(f"{old} is mapped to itself", where=location(source, line),
                            hint="a row maps an organisation that merged away to its successor")
        if old in successor and successor[old] != new:
            raise DataError(
                f"{old} is mapped to both {successor[old]} and {new}",
                where=location(source, line),
                hint="an organisation can merge into one successor only",
            )
        successor[old] = new
        line_of.setdefault(old, line)
        if weight_at is not None:
            weight = parse_number(Cell(row[weight_at], line, weight_at + 1, "weight"), source)
            if weight is None or weight <= 0:
                raise DataError(
                    f"the weight of {old} must be a number above 0",
                    where=location(source, line, weight_at + 1),
                    hint="give a weight (such as the registered population) for every row, or leave the column out",
                )
            weights[old] = weight
    _refuse_cycles(successor, line_of, source)
    return MergerMap(successor, weights, source)


def _refuse_cycles(successor: dict[str, str], line_of: dict[str, int], source: str) -> None:
    """One walk along every chain of mergers (linear however long the chains): none may close on itself."""
    done: set[str] = set()
    for start in successor:
        path: list[str] = []
        on_path: set[str] = set()
        current = start
        while current in successor and current not in done:
            if current in on_path:
                loop = path[path.index(current):] + [current]
                raise DataError(f"the mergers go round in a circle: {' -> '.join(loop)}",
                                where=location(source, line_of[current]),
                                hint="each organisation merges into one that still exists")
            on_path.add(current)
            path.append(current)
            current = successor[current]
        done.update(path)


def final_code(code: str, successor: Mapping[str, str], targets: set[str]) -> str:
    """Follow a chain of mergers (A -> B -> C) to a code of the other side; the code itself if none."""
    current, seen = code, {code}
    while current not in targets and current in successor:
        current = successor[current]
        if current in seen:
            return code
        seen.add(current)
    return current if current in targets else code


def restate(
    framework: Any,
    orgs: Sequence[OrgInput],
    mapping: MergerMap,
    targets: set[str],
    names: Mapping[str, str],
    combine: str,
) -> tuple[list[OrgInput], dict[str, list[str]]]:
    """`orgs` on the organisations of the other side: predecessors combined into their successor.

    Counts are summed (and the value is the denominator-weighted mean of the values, which is
    the pooled rate when values are rates of those counts); other numbers are averaged, weighted
    by the map's weights when `combine` is "weighted"; ordered levels take the weighted mean of
    their positions, rounded towards the worse level on a tie.
    """
    groups: dict[str, list[OrgInput]] = {}
    for org in orgs:
        groups.setdefault(final_code(org.org_code, mapping.successor, targets), []).append(org)
    restated: list[OrgInput] = []
    merged: dict[str, list[str]] = {}
    for code in sorted(groups):
        members = groups[code]
        if len(members) == 1 and members[0].org_code == code:
            restated.append(members[0])
            continue
        merged[code] = sorted(m.org_code for m in members)
        restated.append(_combined(framework, code, names.get(code, " + ".join(merged[code])), members, mapping, combine))
    return restated, merged


def _combined(framework: Any, code: str, name: str, members: list[OrgInput], mapping: MergerMap, combine: str) -> OrgInput:
    def weight(org: OrgInput) -> float:
        if combine != "weighted":
            return 1.0
        if org.org_code not in mapping.weights:
            raise DataError(
                f"no weight for {org.org_code}",
                where=mapping.source,
                hint="give every predecessor a weight, or combine with --combine mean",
            )
        return mapping.weights[org.org_code]

    values: dict[str, Observation] = {}
    for ind in framework.indicators:
        present = [(m, m.values[ind.id]) for m in members if ind.id in m.values]
        if not present:
            continue
        if isinstance(present[0][1].value, str):
            levels = framework.levels_of(ind)
            values[ind.id] = Observation(_mean_level(levels, [(o.value, weight(m)) for m, o in present]))
        elif all(o.numerator is not None and o.denominator is not None for _, o in present):
            numerator = sum(o.numerator for _, o in present)
            denominator = sum(o.denominator for _, o in present)
            value = sum(o.value * o.denominator for _, o in present) / denominator
            values[ind.id] = Observation(value, numerator, denominator)
        else:
            total = sum(weight(m) for m, _ in present)
            values[ind.id] = Observation(sum(o.value * weight(m) for m, o in present) / total)
    judgements = {}
    for jid, judgement in framework.judgements.items():
        present = [(m.judgements[jid], weight(m)) for m in members if jid in m.judgements]
        if present:
            judgements[jid] = _mean_level(judgement.levels, present)
    return OrgInput(code, name, members[0].period, values, judgements, members[0].source)


def _mean_level(levels: Sequence[str], weighted: list[tuple[str, float]]) -> str:
    total = sum(w for _, w in weighted)
    position = sum(levels.index(level) * w for level, w in weighted) / total
    return levels[min(math.floor(position + 0.5), len(levels) - 1)]


# --- the comparison ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Side:
    label: str  # the period, e.g. 2017/18
    source: str
    framework: Any
    input_sha256: str = ""  # of the file's rows, whatever their order (see data.content_hash)


@dataclass(frozen=True)
class IndicatorChange:
    id: str
    name: str
    unit: str
    value_a: float | str | None
    value_b: float | str | None
    band_a: str | None
    band_b: str | None
    movement: str  # improved, worsened, unchanged, missing, redefined, only in A, only in B
    band_change: int | None  # bands moved towards the best (negative: towards the worst)
    z: float | None = None  # two-proportion test of the change, where both years have counts
    significant: bool | None = None


@dataclass(frozen=True)
class OrgChange:
    org_code: str
    org_name: str
    predecessors: list[str]
    rating_a: str | None
    rating_b: str | None
    movement: str  # up, down, same, not rated
    score_a: float | None
    score_b: float | None
    score_change: float | None
    data_part: float | None
    framework_part: float | None
    domains: list[tuple[str, str, float | None, float | None, float | None]]
    areas: list[tuple[str, str, str | None, str | None]]
    indicators: list[IndicatorChange]
    rules_a: list[str]
    rules_b: list[str]

    def counts(self) -> dict[str, int]:
        tally = {"improved": 0, "worsened": 0, "unchanged": 0, "significantly improved": 0, "significantly worsened": 0}
        for change in self.indicators:
            if change.movement in ("improved", "worsened", "unchanged"):
                tally[change.movement] += 1
            if change.significant and change.movement in ("improved", "worsened"):
                tally[f"significantly {change.movement}"] += 1
        return tally


@dataclass
class Comparison:
    a: Side
    b: Side
    ratings: list[str]
    orgs: list[OrgChange]
    only_a: list[tuple[str, str]]
    only_b: list[tuple[str, str]]
    merged: dict[str, list[str]]
    distribution_a: dict[str, int]
    distribution_b: dict[str, int]
    attribution: bool
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def matrix(self) -> dict[str, dict[str, int]]:
        """Ratings in A (rows) by ratings in B (columns), over matched organisations rated in both."""
        table = {ra: {rb: 0 for rb in self.ratings} for ra in self.ratings}
        for change in self.orgs:
            if change.rating_a in table and change.rating_b in table:
                table[change.rating_a][change.rating_b] += 1
        return table

    def movements(self) -> dict[str, int]:
        tally = {"up": 0, "down": 0, "same": 0, "not rated": 0}
        for change in self.orgs:
            tally[change.movement] += 1
        return tally


def distribution(assessments: Sequence[Assessment], ratings: Sequence[str]) -> dict[str, int]:
    counts = {rating: 0 for rating in ratings}
    counts["not rated"] = 0
    for a in assessments:
        counts[a.rating if a.rating in counts else "not rated"] += 1
    return counts


def comparable(fa: Any, fb: Any) -> set[str]:
    """Indicator ids that mean the same in both frameworks: same id and the same name."""
    names_b = {i.id: _normal(i.name) for i in fb.indicators}
    return {i.id for i in fa.indicators if names_b.get(i.id) == _normal(i.name)}


def _normal(text: str) -> str:
    return " ".join(text.lower().split())


def compare(
    side_a: Side,
    side_b: Side,
    assessed_a: Sequence[Assessment],
    assessed_b: Sequence[Assessment],
    *,
    distribution_a: dict[str, int],
    distribution_b: dict[str, int],
    merged: dict[str, list[str]] | None = None,
    cross_a: Mapping[str, float | None] | None = None,
    cross_b: Mapping[str, float | None] | None = None,
) -> Comparison:
    """Match by code and describe every change.

    `cross_a` holds each organisation's score for A's data under B's framework, `cross_b` B's data
    under A's; with both, each score change splits into a data part and a framework part, each the
    average over the two orders, so that the parts add up to the change exactly.
    """
    merged = merged or {}
    fa, fb = side_a.framework, side_b.framework
    ratings = list(dict.fromkeys([*fa.scale.ratings, *fb.scale.ratings]))
    by_a = {a.org_code: a for a in assessed_a}
    by_b = {b.org_code: b for b in assessed_b}
    same_meaning = comparable(fa, fb)
    changes = []
    for code in sorted(by_a.keys() & by_b.keys()):
        a, b = by_a[code], by_b[code]
        change = None if a.score is None or b.score is None else round(b.score - a.score, 2)
        data_part = framework_part = None
        if cross_a is not None and cross_b is not None and change is not None:
            a_under_b, b_under_a = cross_a.get(code), cross_b.get(code)
            if a_under_b is not None and b_under_a is not None:
                data_part = round(((b_under_a - a.score) + (b.score - a_under_b)) / 2, 2)
                framework_part = round(change - data_part, 2)
        changes.append(
            OrgChange(
                org_code=code,
                org_name=b.org_name or a.org_name,
                predecessors=merged.get(code, []),
                rating_a=a.rating,
                rating_b=b.rating,
                movement=_movement(ratings, a.rating, b.rating),
                score_a=a.score,
                score_b=b.score,
                score_change=change,
                data_part=data_part,
                framework_part=framework_part,
                domains=_domains(a, b),
                areas=_areas(a, b),
                indicators=_indicators(fa, fb, a, b, same_meaning),
                rules_a=[r.rule for r in a.rules_fired],
                rules_b=[r.rule for r in b.rules_fired],
            )
        )
    return Comparison(
        a=side_a,
        b=side_b,
        ratings=ratings,
        orgs=changes,
        only_a=[(code, by_a[code].org_name) for code in sorted(by_a.keys() - by_b.keys())],
        only_b=[(code, by_b[code].org_name) for code in sorted(by_b.keys() - by_a.keys())],
        merged=merged,
        distribution_a=distribution_a,
        distribution_b=distribution_b,
        attribution=cross_a is not None and cross_b is not None,
    )


def _movement(ratings: list[str], a: str | None, b: str | None) -> str:
    if a is None or b is None:
        return "not rated"
    step = ratings.index(a) - ratings.index(b)
    return "up" if step > 0 else "down" if step < 0 else "same"


def _domains(a: Assessment, b: Assessment) -> list[tuple[str, str, float | None, float | None, float | None]]:
    """Every domain of either year; one that only one year has shows None for the other."""
    domains_a = {d.id: d for d in a.domains}
    domains_b = {d.id: d for d in b.domains}
    rows = []
    for d_id in [*domains_a, *(d for d in domains_b if d not in domains_a)]:
        before = domains_a[d_id].score if d_id in domains_a else None
        after = domains_b[d_id].score if d_id in domains_b else None
        name = (domains_b.get(d_id) or domains_a[d_id]).name
        rows.append((d_id, name, before, after, None if before is None or after is None else round(after - before, 2)))
    return rows


def _areas(a: Assessment, b: Assessment) -> list[tuple[str, str, str | None, str | None]]:
    ratings_a = {ar.id: ar.rating for ar in a.areas}
    return [(ar.id, ar.name, ratings_a[ar.id], ar.rating) for ar in b.areas if ar.id in ratings_a]


def _indicators(fa: Any, fb: Any, a: Assessment, b: Assessment, same_meaning: set[str]) -> list[IndicatorChange]:
    results_a = {i.id: i for i in a.indicators}
    results_b = {i.id: i for i in b.indicators}
    order = [i.id for i in fa.indicators] + [i.id for i in fb.indicators if i.id not in results_a]
    changes = []
    for ind_id in order:
        ra, rb = results_a.get(ind_id), results_b.get(ind_id)
        some = rb or ra
        assert some is not None
        if ra is None or rb is None:
            movement = "only in A" if rb is None else "only in B"
            changes.append(IndicatorChange(ind_id, some.name, some.unit, ra and ra.value, rb and rb.value,
                                           ra and ra.band, rb and rb.band, movement, None))
            continue
        if ind_id not in same_meaning:
            changes.append(IndicatorChange(ind_id, rb.name, rb.unit, ra.value, rb.value, ra.band, rb.band, "redefined", None))
            continue
        movement = _value_movement(fb.indicator(ind_id), ra.value, rb.value, fb)
        same_bands = fa.band_labels(fa.indicator(ind_id)) == fb.band_labels(fb.indicator(ind_id))
        band_change = ra.band_rank - rb.band_rank if same_bands and ra.band_rank is not None and rb.band_rank is not None else None
        z = _two_proportion_z(fb.indicator(ind_id), ra, rb)
        changes.append(
            IndicatorChange(ind_id, rb.name, rb.unit, ra.value, rb.value, ra.band, rb.band, movement, band_change,
                            z, None if z is None else abs(z) > Q95)
        )
    return changes


def _value_movement(ind: Any, before: Any, after: Any, fw: Any) -> str:
    if before is None or after is None:
        return "missing"
    if isinstance(before, str) or isinstance(after, str):
        levels = fw.levels_of(ind)
        if before not in levels or after not in levels:
            return "redefined"
        step = levels.index(before) - levels.index(after)
    else:
        step = (after - before) * (1 if ind.direction == "higher" else -1)
    return "improved" if step > 0 else "worsened" if step < 0 else "unchanged"


def _two_proportion_z(ind: Any, ra: Any, rb: Any) -> float | None:
    """z of the change in a proportion between two years (pooled standard error), or None."""
    if getattr(ind, "data", "proportion") != "proportion" or ind.method == "judgement":
        return None
    counts = (ra.numerator, ra.denominator, rb.numerator, rb.denominator)
    if any(c is None for c in counts):
        return None
    o1, d1, o2, d2 = counts
    if o1 > d1 or o2 > d2:
        return None
    pooled = (o1 + o2) / (d1 + d2)
    spread = pooled * (1 - pooled) * (1 / d1 + 1 / d2)
    if spread <= 0:
        return None
    z = (o2 / d2 - o1 / d1) / math.sqrt(spread)
    return z if ind.direction == "higher" else -z
