"""Mergers between years: a map of old to new codes, and a year restated on the other year's organisations."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ccgrate._base.errors import DataError, location
from ccgrate._framework.indicators import JudgementIndicator
from ccgrate._read.cells import parse_number, read_code
from ccgrate._read.dataset import Cell
from ccgrate._read.text import decode
from ccgrate._scoring.bind import Observation, OrgInput

if TYPE_CHECKING:
    from ccgrate._framework.model import Framework


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
        raise DataError(
            f"unreadable CSV: {error}", where=location(source, previous_end + 1), hint="check the quoting on this line"
        ) from None
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
            raise DataError(
                f"{old} is mapped to itself",
                where=location(source, line),
                hint="a row maps an organisation that merged away to its successor",
            )
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
                loop = path[path.index(current) :] + [current]
                raise DataError(
                    f"the mergers go round in a circle: {' -> '.join(loop)}",
                    where=location(source, line_of[current]),
                    hint="each organisation merges into one that still exists",
                )
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
    framework: Framework,
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
        restated.append(
            _combined(framework, code, names.get(code, " + ".join(merged[code])), members, mapping, combine)
        )
    return restated, merged


def _combined(
    framework: Framework, code: str, name: str, members: list[OrgInput], mapping: MergerMap, combine: str
) -> OrgInput:
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
        if isinstance(ind, JudgementIndicator):
            levels = framework.levels_of(ind)
            values[ind.id] = Observation(_mean_level(levels, [(str(o.value), weight(m)) for m, o in present]))
            continue
        counted = [(float(o.value), o.numerator, o.denominator) for _, o in present]
        numerators = [n for _, n, _ in counted if n is not None]
        denominators = [d for _, _, d in counted if d is not None]
        if len(numerators) == len(denominators) == len(counted):
            denominator = sum(denominators)
            value = sum(v * d for (v, _, _), d in zip(counted, denominators)) / denominator
            values[ind.id] = Observation(value, sum(numerators), denominator)
        else:
            total = sum(weight(m) for m, _ in present)
            values[ind.id] = Observation(sum(float(o.value) * weight(m) for m, o in present) / total)
    judgements: dict[str, str] = {}
    for jid, judgement in framework.judgements.items():
        given = [(m.judgements[jid], weight(m)) for m in members if jid in m.judgements]
        if given:
            judgements[jid] = _mean_level(judgement.levels, given)
    return OrgInput(code, name, members[0].period, values, judgements, members[0].source)


def _mean_level(levels: Sequence[str], weighted: list[tuple[str, float]]) -> str:
    total = sum(w for _, w in weighted)
    position = sum(levels.index(level) * w for level, w in weighted) / total
    return levels[min(math.floor(position + 0.5), len(levels) - 1)]
