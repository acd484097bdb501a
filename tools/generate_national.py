"""Generate the synthetic national example files, one per built-in framework.

    python tools/generate_national.py            # rewrite examples/national-*.csv
    python tools/generate_national.py --check    # exit 1 if the committed files differ

SYNTHETIC DATA. No value in these files is a published figure. Organisation codes (SYN001...)
and names ("Synthetic CCG 001") are made up. What is realistic is the shape: the number of
organisations each year (209, 207, 195, 191), mergers between years, plausible national
distributions per indicator, counts (numerator and denominator) where an indicator has them,
and judgements of leadership and finance in roughly the shares that give the published national
distribution of ratings.

How values are drawn: each organisation has a latent quality that persists from year to year.
An indicator's value is its national distribution's centre plus its spread times a mix of that
quality (in the indicator's good direction) and noise. Quartile indicators take centre and
spread from the framework's own cut points; standards and count bases are given below. A fixed
seed makes every run byte-identical.
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import random
import sys
from pathlib import Path

from ccgrate._framework.loader import builtins, load_framework

SEED = 20160401
# The examples this writes, beside the README that describes them.
HERE = Path(__file__).resolve().parent.parent / "examples"
QUALITY_LOADING = 0.45  # correlation of each indicator with the latent quality
MISSING_SHARE = 0.015  # share of numeric cells left blank, as suppressed values are in real data
CAN_BE_NEGATIVE = {"142b", "wl-size"}  # spend above peers, change in waiting list size

# Standards: (mean, sd) of the national distribution per period.
STANDARDS = {
    "122b": {"2016/17": (82.0, 5.5), "2017/18": (81.5, 5.5), "2018/19": (79.5, 5.5), "2019/20": (77.5, 6.0)},
    "123a": {"2016/17": (48.5, 5.0), "2017/18": (50.5, 4.5), "2018/19": (51.0, 4.5), "2019/20": (51.0, 4.5)},
    "123b": {"2016/17": (75.0, 15.0), "2017/18": (76.0, 14.0), "2018/19": (75.0, 14.0), "2019/20": (72.0, 14.0)},
    "126a": {"2016/17": (67.5, 8.0), "2017/18": (68.0, 7.5), "2018/19": (68.5, 7.0), "2019/20": (68.0, 7.0)},
    "127c": {"2016/17": (89.5, 4.0), "2017/18": (89.0, 4.0), "2018/19": (88.0, 4.0), "2019/20": (86.0, 4.5)},
    "129a": {"2016/17": (90.5, 3.0), "2017/18": (89.5, 3.0), "2018/19": (87.5, 3.5), "2019/20": (84.5, 4.0)},
}

# Z-score indicators (2018/19 on) have a target, not quartile cuts: the spread of their national
# distribution, per period, in the indicator's unit.
SPREADS = {
    "2018/19": {
        "101a": 4.003,
        "102a": 4.4477,
        "103a": 3.5582,
        "103b": 4.4477,
        "105a": 9.9333,
        "105c": 0.9933,
        "105d": 2.5204,
        "107b": 1.3047,
        "122a": 3.5582,
        "122c": 2.2239,
        "124b": 12.0089,
        "126b": 5.0408,
        "128b": 2.9652,
        "131a": 9.0437,
    },
    "2019/20": {
        "101a": 3.8547,
        "102a": 4.4477,
        "103a": 3.5582,
        "103b": 5.9303,
        "107b": 1.2009,
        "122a": 3.5582,
        "122c": 2.2239,
        "124b": 12.0089,
        "126b": 5.0408,
        "128b": 2.9652,
        "131a": 6.9681,
    },
}

# Indicators that are proportions of a count: denominator per head of population.
COUNT_BASES = {
    "101a": 0.011,  # maternities
    "102a": 0.011,  # children measured in year 6
    "103a": 0.065,  # people with diabetes
    "103b": 0.004,  # newly diagnosed with diabetes
    "105a": 0.10,  # first routine elective referrals
    "105c": 0.009,  # deaths
    "105d": 0.004,  # survey respondents with a long-term condition
    "107b": 0.55,  # antibiotic items
    "122a": 0.0025,  # cancers with a known stage
    "122b": 0.0015,  # treated after urgent GP referral
    "122c": 0.005,  # cancer patients followed up
    "123a": 0.0075,  # IAPT completers
    "123b": 0.0004,  # first episodes of psychosis
    "124b": 0.004,  # people on the LD register aged 14+
    "126a": 0.0075,  # estimated dementia prevalence
    "126b": 0.005,  # people diagnosed with dementia
    "127c": 0.45,  # A&E attendances
    "128b": 0.004,  # GP patient survey respondents
    "129a": 0.065,  # incomplete RTT pathways
    "131a": 0.0008,  # CHC full assessments
}

# Judgement shares per period, best level first; drawn from a latent mix like the indicators.
LEADERSHIP = {
    "2016/17": (0.12, 0.58, 0.24, 0.06),
    "2017/18": (0.12, 0.60, 0.23, 0.05),
    "2018/19": (0.14, 0.62, 0.20, 0.04),
    "2019/20": (0.13, 0.63, 0.20, 0.04),
}
FINANCE = {
    "2016/17": (0.66, 0.24, 0.10),
    "2017/18": (0.70, 0.22, 0.08),
    "2018/19": (0.75, 0.20, 0.05),
    "2019/20": (0.75, 0.20, 0.05),
}
OTHER_JUDGEMENTS = {
    2: (0.88, 0.12),
    3: (0.60, 0.30, 0.10),
    4: (0.15, 0.55, 0.25, 0.05),
}

# Mergers: each new organisation replaces its predecessors from the period named; the merger map
# carries each predecessor's registered population as its weight.
# 209 -> 207 (two pairs), 207 -> 195 (six groups of three), 195 -> 191 (two groups of three).
MERGER_SIZES = {"2017/18": [2, 2], "2018/19": [3, 3, 3, 3, 3, 3], "2019/20": [3, 3]}


class Org:
    def __init__(self, number: int, quality: float, finance: float, population: int, parents: list[str]):
        self.number = number
        self.quality = quality
        self.finance = finance
        self.population = population
        self.parents = parents

    @property
    def code(self) -> str:
        return f"SYN{self.number:03d}"

    @property
    def name(self) -> str:
        return f"Synthetic CCG {self.number:03d}"


def draw_level(rng: random.Random, latent: float, shares: tuple[float, ...], noise: float = 0.7) -> int:
    """Index of a level: a latent score mixed with noise, cut at the normal quantiles of the shares."""
    mixed = math.sqrt(1 - noise**2) * latent + noise * rng.gauss(0, 1)
    cumulative = 0.0
    for index, share in enumerate(shares[:-1]):
        cumulative += share
        if mixed > _normal_quantile(1 - cumulative):
            return index
    return len(shares) - 1


def _normal_quantile(p: float) -> float:
    from statistics import NormalDist

    return NormalDist().inv_cdf(min(max(p, 1e-9), 1 - 1e-9))


def decimals_of(numbers: list[float]) -> int:
    return max(len(repr(float(n)).split(".")[1].rstrip("0")) for n in numbers)


def populations(rng: random.Random) -> dict[str, list[Org]]:
    """The organisations of each period, with mergers, quality that persists, and populations."""
    orgs = [
        Org(
            n,
            rng.gauss(0, 1),
            rng.gauss(0, 1),
            int(min(max(rng.lognormvariate(math.log(250_000), 0.45), 60_000), 1_200_000)),
            [],
        )
        for n in range(1, 210)
    ]
    by_period = {"2016/17": orgs}
    next_number = 210
    for period in ("2017/18", "2018/19", "2019/20"):
        previous = by_period[list(by_period)[-1]]
        current = []
        for org in previous:
            current.append(Org(org.number, _drift(rng, org.quality), _drift(rng, org.finance, 0.6), org.population, []))
        for size in MERGER_SIZES[period]:
            singles = [o for o in current if not o.parents]
            group = rng.sample(singles, size)
            total = sum(o.population for o in group)
            merged = Org(
                next_number,
                sum(o.quality * o.population for o in group) / total,
                sum(o.finance * o.population for o in group) / total,
                total,
                [o.code for o in group],
            )
            next_number += 1
            current = [o for o in current if o not in group] + [merged]
        by_period[period] = sorted(current, key=lambda o: o.number)
    return by_period


def _drift(rng: random.Random, value: float, persistence: float = 0.85) -> float:
    return persistence * value + math.sqrt(1 - persistence**2) * rng.gauss(0, 1)


def numeric_value(rng: random.Random, ind, period: str, org: Org) -> tuple[float, int]:
    if ind.method == "standard":
        mean, sd = STANDARDS[ind.id][period]
        places = 1
    elif ind.method == "zscore":
        mean, sd = ind.target, SPREADS[period][ind.id]
        places = 2
    else:
        low, middle, high = ind.cuts[0], ind.cuts[len(ind.cuts) // 2], ind.cuts[-1]
        mean, sd = middle, (high - low) / 1.349
        places = decimals_of(ind.cuts) + 1
    sign = 1 if ind.direction == "higher" else -1
    z = QUALITY_LOADING * org.quality * sign + math.sqrt(1 - QUALITY_LOADING**2) * rng.gauss(0, 1)
    value = mean + sd * z
    upper = 100.0 if ind.unit.startswith("%") else math.inf
    lower = -math.inf if ind.id in CAN_BE_NEGATIVE else 0.0
    return min(max(value, lower), upper), places


def rows_for(period: str, framework, orgs: list[Org], rng: random.Random) -> tuple[list[str], list[list[str]]]:
    header = ["org_code", "org_name", "period"]
    for ind in framework.indicators:
        if ind.method == "judgement" and ind.judgement is not None:
            continue
        header.append(ind.id)
        if ind.method != "judgement" and ind.id in COUNT_BASES:
            header += [f"{ind.id}_numerator", f"{ind.id}_denominator"]
    header += ["leadership", "finance"]
    rows = []
    for org in orgs:
        row = [org.code, org.name, period]
        for ind in framework.indicators:
            if ind.method == "judgement":
                if ind.judgement is not None:
                    continue
                levels = framework.levels_of(ind)
                latent = org.finance if ind.id == "141a" else org.quality
                row.append(levels[draw_level(rng, latent, OTHER_JUDGEMENTS[len(levels)])])
                continue
            value, places = numeric_value(rng, ind, period, org)
            missing = rng.random() < MISSING_SHARE
            if ind.id in COUNT_BASES:
                denominator = max(int(round(org.population * COUNT_BASES[ind.id] * rng.uniform(0.8, 1.25))), 5)
                numerator = int(round(value / 100 * denominator))
                value = 100 * numerator / denominator
                row += ["", "", ""] if missing else [f"{value:.{places}f}", str(numerator), str(denominator)]
            else:
                row.append("" if missing else f"{value:.{places}f}")
        leadership = framework.judgements["leadership"].levels
        finance = framework.judgements["finance"].levels
        row.append(leadership[draw_level(rng, 0.6 * org.quality + 0.8 * rng.gauss(0, 1), LEADERSHIP[period], 0.5)])
        row.append(finance[draw_level(rng, org.finance, FINANCE[period], 0.4)])
        rows.append(row)
    return header, rows


def to_csv(header: list[str], rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


# CCGs under legal directions per year: a few, each one whose rating the directions rule leaves as
# it is (Inadequate in 2016/17; Requires improvement or Inadequate where directions cap at Requires
# improvement), so that the national distributions stay exactly the published ones.
UNDER_DIRECTIONS = {"2016/17": 4, "2017/18": 4, "2018/19": 3}


def with_directions(
    period: str, framework, header: list[str], rows: list[list[str]], orgs: list[Org], before: set[str]
) -> set[str]:
    """Add a directions column (yes/no); returns the codes under directions. Directions follow
    deficits: the eligible CCGs with the weakest finances, those already under directions first."""
    from ccgrate._scoring.engine import assess_population
    from ccgrate._scoring.run import prepare

    if "directions" not in framework.judgements or period not in UNDER_DIRECTIONS:
        return set()
    ratings = framework.scale.ratings
    rule = next(r for r in framework.rules if r.id == "directions")
    kind, target = rule.effect
    allowed = {"Inadequate"} if kind == "set" else set(ratings[ratings.index(target) :])
    population = prepare([("national.csv", to_csv(header, rows).encode("utf-8"))], framework=framework).populations[0]
    result = assess_population(framework, population)
    rated = {population.codes[i]: result.rating_name(int(result.rating[i])) for i in range(len(population))}
    finance = {org.code: org.finance for org in orgs}
    eligible = sorted(
        (code for code, rating in rated.items() if rating in allowed),
        key=lambda code: (code not in before, finance[code], code),
    )
    chosen = set(eligible[: UNDER_DIRECTIONS[period]])
    header.append("directions")
    for row in rows:
        row.append("yes" if row[0] in chosen else "no")
    return chosen


def generate() -> dict[str, str]:
    """File name -> content for every synthetic national file and the merger map."""
    rng = random.Random(SEED)
    by_period = populations(rng)
    files = {}
    directed: set[str] = set()
    for entry in (e for e in builtins() if not e.quarterly):  # the CCG years; 2025/26's example is real data
        framework = load_framework(entry.path)
        header, rows = rows_for(entry.period, framework, by_period[entry.period], rng)
        directed = with_directions(entry.period, framework, header, rows, by_period[entry.period], directed)
        files[f"national-{entry.period.replace('/', '-')}.csv"] = to_csv(header, rows)
    populations_by_code = {org.code: org.population for orgs in by_period.values() for org in orgs}
    mergers = [
        [parent, org.code, period, str(populations_by_code[parent])]
        for period, orgs in by_period.items()
        for org in orgs
        for parent in org.parents
    ]
    files["national-mergers.csv"] = to_csv(["old_code", "new_code", "period", "weight"], mergers)
    return files


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed files instead of writing")
    args = parser.parse_args()
    stale = []
    for name, content in generate().items():
        path = HERE / name
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != content:
                stale.append(name)
        else:
            path.write_text(content, encoding="utf-8")
    if stale:
        print(f"out of date: {', '.join(stale)}; run python tools/generate_national.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
