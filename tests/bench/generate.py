"""Synthetic benchmark data: N organisations x the 59 indicators of iaf-2016-17 (fixed seed).

    python tests/bench/generate.py 100000 > /tmp/bench-100k.csv

SYNTHETIC DATA for timing only: codes BENCH000001..., values drawn around each indicator's
quartile cut points or standard, 1.5% of cells blank, judgements drawn uniformly.
"""

from __future__ import annotations

import csv
import random
import sys

from ccgrate._framework.loader import resolve_framework

SEED = 60
FRAMEWORK = "iaf-2016-17"


def rows(count: int, seed: int = SEED):
    fw = resolve_framework(FRAMEWORK)
    rng = random.Random(seed)
    columns = [ind for ind in fw.indicators if not (ind.method == "judgement" and ind.judgement)]
    yield ["org_code", "org_name", "period", *(ind.id for ind in columns), "leadership", "finance"]
    leadership, finance = fw.judgements["leadership"].levels, fw.judgements["finance"].levels
    for number in range(1, count + 1):
        row = [f"BENCH{number:06d}", f"Benchmark CCG {number}", fw.framework.period]
        for ind in columns:
            if rng.random() < 0.015:
                row.append("")
            elif ind.method == "judgement":
                row.append(rng.choice(fw.levels_of(ind)))
            else:
                if ind.method == "standard":
                    centre, spread = ind.standard, 5.0
                else:
                    centre, spread = ind.cuts[1], (ind.cuts[-1] - ind.cuts[0]) / 1.349
                value = centre + spread * rng.gauss(0, 1)
                if ind.unit == "%":
                    value = min(max(value, 0.0), 100.0)
                elif ind.cuts is None or ind.cuts[0] >= 0:
                    value = max(value, 0.0)
                row.append(f"{value:.2f}")
        row += [rng.choice(leadership), rng.choice(finance)]
        yield row


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerows(rows(count))


if __name__ == "__main__":
    main()
