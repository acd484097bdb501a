"""ccgrate's speed and memory, each as a ratio to a floor measured on the same machine, in the same run.

    python tests/bench/run.py            # start-up, the examples, 100,000 organisations (a few minutes)
    python tests/bench/run.py --large    # also 1,000,000 organisations (several GB of memory)
    python tests/bench/run.py --json bench.json
    python tests/bench/run.py --only sensitivity   # one group: startup, score, large or sensitivity

Every time is the best of several runs of a fresh process (wall clock), so that the ratios do not
depend on what else the machine is doing. Targets come from the issues; a ratio above its target
is reported, not hidden. This is not part of the test suite: timings do not belong in tests.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
PYTHON = sys.executable
SCRIPT = Path(PYTHON).parent / "ccgrate"
CCGRATE = [str(SCRIPT)] if SCRIPT.exists() else [PYTHON, "-m", "ccgrate"]

DEPENDENCY_FLOOR = "import click; from pydantic import BaseModel; from rich.console import Console; from rich.table import Table"
CSV_STREAM = "import csv,sys\nwith open(sys.argv[1], newline='', encoding='utf-8') as f:\n    for row in csv.reader(f): pass"
CSV_KEEP = "import csv,sys\nwith open(sys.argv[1], newline='', encoding='utf-8') as f:\n    rows = list(csv.reader(f))"
MEASURE = (
    "import resource, subprocess, sys, time\n"
    "start = time.perf_counter()\n"
    "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True)\n"
    "print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def timed(command: list[str], repeat: int) -> tuple[float, int]:
    """Best wall time (s) over `repeat` fresh processes, and the peak resident memory (KiB) seen."""
    best, peak = float("inf"), 0
    for _ in range(repeat):
        output = subprocess.run([PYTHON, "-c", MEASURE, *command], capture_output=True, text=True, check=True, cwd=ROOT)
        seconds, rss = output.stdout.split()
        best, peak = min(best, float(seconds)), max(peak, int(rss))
    return best, peak


def interleaved(commands: list[list[str]], repeat: int) -> list[tuple[float, int]]:
    """Like `timed` for several commands, run in turn, so that a slow spell of the machine hits all alike."""
    best = [float("inf")] * len(commands)
    peak = [0] * len(commands)
    for _ in range(repeat):
        for index, command in enumerate(commands):
            seconds, rss = timed(command, 1)
            best[index], peak[index] = min(best[index], seconds), max(peak[index], rss)
    return list(zip(best, peak))


def generate(count: int, directory: Path) -> Path:
    path = directory / f"bench-{count}.csv"
    with path.open("w", encoding="utf-8") as handle:
        subprocess.run([PYTHON, str(HERE / "generate.py"), str(count)], stdout=handle, check=True)
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--large", action="store_true", help="also 1,000,000 organisations")
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--repeat", type=int, default=5, help="runs per measurement for the quick ones")
    parser.add_argument("--only", choices=["startup", "score", "large", "sensitivity"], help="run one group")
    args = parser.parse_args()
    rows: list[dict] = []

    def wanted(group: str) -> bool:
        return args.only in (None, group)

    def ratio(name: str, command: list[str], floor_name: str, floor: float, target: float, repeat: int) -> float:
        seconds, rss = timed(command, repeat)
        value = seconds / floor
        rows.append({"measure": name, "seconds": round(seconds, 4), "peak_mib": round(rss / 1024, 1),
                     "floor": floor_name, "ratio": round(value, 2), "target": target, "met": value <= target})
        print(f"{name:58s} {seconds:8.3f}s {rss / 1024:8.0f} MiB  {value:6.2f}x {floor_name} (target {target}x)")
        return seconds

    if wanted("startup"):
        python, _ = timed([PYTHON, "-c", "pass"], args.repeat)
        print(f"{'python -c pass':58s} {python:8.3f}s")
        ratio("ccgrate --version", [*CCGRATE, "--version"], "python -c pass", python, 1.5, args.repeat)
        ratio("ccgrate --help", [*CCGRATE, "--help"], "python -c pass", python, 1.5, args.repeat)
    if wanted("score"):
        floor, _ = timed([PYTHON, "-c", DEPENDENCY_FLOOR], args.repeat)
        print(f"{'import click, pydantic, rich (the dependency floor)':58s} {floor:8.3f}s")
        single = ratio("ccgrate score examples/bromley.csv", [*CCGRATE, "score", "examples/bromley.csv"],
                       "dependency floor", floor, 1.3, args.repeat)
        ratio("ccgrate score examples/national-2017-18.csv (207)", [*CCGRATE, "score", "examples/national-2017-18.csv"],
              "single-organisation run", single, 1.1, args.repeat)
        ratio("ccgrate score examples/national-2017-18.csv -f csv",
              [*CCGRATE, "score", "examples/national-2017-18.csv", "-f", "csv"], "single-organisation run", single, 1.1,
              args.repeat)
    if wanted("sensitivity"):
        national = "examples/national-2016-17.csv"  # 209 organisations, as in the issue
        sensitivity = [*CCGRATE, "sensitivity", national, "--draws", "10000", "-f", "csv"]
        runs = interleaved([[*CCGRATE, "score", national, "-f", "csv"],
                            [*sensitivity, "--vary", "weights", "--vary", "cuts"], sensitivity], 2 * args.repeat)
        plain = runs[0][0]
        print(f"{'ccgrate score ' + national + ' -f csv':58s} {plain:8.3f}s")
        for (seconds, rss), name, target in zip(runs[1:], ("weights and cuts", "weights, cuts and values"), (1.5, 5.0)):
            value = seconds / plain
            rows.append({"measure": f"sensitivity, 10,000 draws, {name}", "seconds": round(seconds, 4),
                         "peak_mib": round(rss / 1024, 1), "floor": "plain score run", "ratio": round(value, 2),
                         "target": target, "met": value <= target})
            print(f"{'sensitivity, 10,000 draws, ' + name:58s} {seconds:8.3f}s {rss / 1024:8.0f} MiB  {value:6.2f}x "
                  f"plain score run (target {target}x)")
    if not wanted("large"):
        return _finish(args, rows)

    with tempfile.TemporaryDirectory() as directory:
        sizes = [100_000] + ([1_000_000] if args.large else [])
        scored = {}
        for count in sizes:
            path = generate(count, Path(directory))
            repeat = 3 if count <= 100_000 else 1
            stream, _ = timed([PYTHON, "-c", CSV_STREAM, str(path)], repeat)
            keep, keep_rss = timed([PYTHON, "-c", CSV_KEEP, str(path)], repeat)
            print(f"{f'csv module, {count:,} rows: stream / keep':58s} {stream:8.3f}s / {keep:.3f}s ({keep_rss / 1024:.0f} MiB)")
            command = [*CCGRATE, "score", str(path), "-f", "csv", "-o", os.devnull]
            scored[count] = ratio(f"ccgrate score -f csv, {count:,} organisations x 59", command,
                                  "csv read (streamed)", stream, 3.0, repeat)
            rows.append({"measure": f"same, against csv read into a list, {count:,}", "seconds": scored[count],
                         "floor": "csv read (kept)", "ratio": round(scored[count] / keep, 2), "target": 3.0,
                         "met": scored[count] / keep <= 3.0})
            print(f"{'  ... against the csv module reading it into a list':58s} {scored[count] / keep:25.2f}x (target 3.0x)")
        if args.large:
            growth = scored[1_000_000] / scored[100_000]
            rows.append({"measure": "10x the organisations", "ratio": round(growth, 2), "target": 11.0, "met": growth <= 11.0})
            print(f"{'10x the organisations':58s} {growth:25.2f}x time (target 11x)")
    return _finish(args, rows)


def _finish(args: argparse.Namespace, rows: list[dict]) -> int:
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
