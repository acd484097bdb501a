"""ccgrate's speed and memory, each as a ratio to a floor or a peer run on the same machine, in the same run.

    python tests/bench/run.py                    # every group but 1,000,000 rows (several minutes)
    python tests/bench/run.py --large            # also 1,000,000 organisations (a few GB of memory)
    python tests/bench/run.py --only peers       # one group: startup, score, nof, large, sensitivity or peers
    python tests/bench/run.py --json bench.json  # keep the figures

Every measurement is of whole fresh processes, and every ratio is taken between runs made in turn
(A, B, A, B, ...), so that a slow spell of a shared machine hits both sides alike: the report gives
the median of the paired ratios and their range. Targets come from the issues; a ratio above its
target is reported, not hidden. This is not part of the test suite: timings do not belong in tests.

The `peers` group races ccgrate against `peer/pandas_score.py` (what an analyst would write) on
files made by `peer/make_wide.py`, scoring with `peer/wide56.toml`. pandas is
installed in a virtual environment of the benchmark's own (under ~/.cache/ccgrate-bench, or
$CCGRATE_BENCH_CACHE), never into ccgrate's.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
PEER = HERE / "peer"  # the peer and its data generator, see peer/README.md
PYTHON = sys.executable
SCRIPT = Path(PYTHON).parent / "ccgrate"
CCGRATE = [str(SCRIPT)] if SCRIPT.exists() else [PYTHON, "-m", "ccgrate"]
CACHE = Path(os.environ.get("CCGRATE_BENCH_CACHE", Path.home() / ".cache" / "ccgrate-bench"))
PEER_SIZES = (209, 10_000, 100_000, 1_000_000)
PEER_SEED = "20261122"

DEPENDENCY_FLOOR = (
    "import click; from pydantic import BaseModel; from rich.console import Console; from rich.table import Table"
)
# ccgrate reads with the cyclic garbage collector off (every cell is new and none is garbage yet);
# a floor that leaves it on would be slower than the work it stands for.
CSV_STREAM = (
    "import csv, gc, sys\ngc.disable()\n"
    "with open(sys.argv[1], newline='', encoding='utf-8') as f:\n    for row in csv.reader(f): pass"
)
CSV_KEEP = (
    "import csv, gc, sys\ngc.disable()\n"
    "with open(sys.argv[1], newline='', encoding='utf-8') as f:\n    rows = list(csv.reader(f))"
)
MEASURE = (
    "import resource, subprocess, sys, time\n"
    "start = time.perf_counter()\n"
    "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True)\n"
    "print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def compiled() -> Path:
    """ccgrate's modules compiled to bytecode, as pip leaves an installed package. An editable install
    run under PYTHONDONTWRITEBYTECODE would otherwise compile every module from source at each start
    (about 45 ms that no installed copy pays), and the figures would measure the compiler."""
    import compileall

    import ccgrate

    package = Path(ccgrate.__file__).resolve().parent
    compileall.compile_dir(package, quiet=1)
    return package


def once(command: list[str]) -> tuple[float, int]:
    """Wall time (s) and peak resident memory (KiB) of one fresh process."""
    output = subprocess.run([PYTHON, "-c", MEASURE, *command], capture_output=True, text=True, check=True, cwd=ROOT)
    seconds, rss = output.stdout.split()
    return float(seconds), int(rss)


def interleaved(commands: list[list[str]], repeat: int) -> list[list[tuple[float, int]]]:
    """Each command run `repeat` times, in turn; the samples of each."""
    samples: list[list[tuple[float, int]]] = [[] for _ in commands]
    for _ in range(repeat):
        for index, command in enumerate(commands):
            samples[index].append(once(command))
    return samples


class Report:
    def __init__(self) -> None:
        self.rows: list[dict] = []

    def ratio(
        self,
        name: str,
        samples: list[tuple[float, int]],
        floor_name: str,
        floor: list[tuple[float, int]],
        target: float | None,
    ) -> float:
        """Median and range of the paired ratios sample / floor sample."""
        ratios = sorted(a / b for (a, _), (b, _) in zip(samples, floor))
        median = statistics.median(ratios)
        seconds = statistics.median(s for s, _ in samples)
        peak = max(rss for _, rss in samples) / 1024
        floor_peak = max(rss for _, rss in floor) / 1024
        met = None if target is None else median <= target
        self.rows.append(
            {
                "measure": name,
                "seconds_median": round(seconds, 4),
                "peak_mib": round(peak, 1),
                "floor": floor_name,
                "floor_peak_mib": round(floor_peak, 1),
                "ratio": round(median, 3),
                "ratio_low": round(ratios[0], 3),
                "ratio_high": round(ratios[-1], 3),
                "target": target,
                "met": met,
            }
        )
        shown = f"(target {target}x)" if target is not None else ""
        print(
            f"{name:56s} {seconds:7.3f}s {peak:7.0f} MiB  {median:5.2f}x ({ratios[0]:.2f}-{ratios[-1]:.2f}) "
            f"{floor_name} [{floor_peak:.0f} MiB] {shown}",
            flush=True,
        )
        return median

    def value(self, name: str, value: float, unit: str, target: float | None) -> None:
        met = None if target is None else value <= target
        self.rows.append({"measure": name, "ratio": round(value, 3), "unit": unit, "target": target, "met": met})
        print(
            f"{name:56s} {value:7.2f}{unit} {'(target ' + str(target) + unit + ')' if target is not None else ''}",
            flush=True,
        )


def generate(count: int, directory: Path) -> Path:
    path = directory / f"bench-{count}.csv"
    with path.open("w", encoding="utf-8") as handle:
        subprocess.run([PYTHON, str(HERE / "generate.py"), str(count)], stdout=handle, check=True)
    return path


def pandas_python() -> list[str] | str:
    """The interpreter of the benchmark's own pandas environment, made on first use; or why not."""
    environment = CACHE / "pandas-venv"
    python = environment / "bin" / "python"
    if not python.exists():
        print(f"making a virtual environment with pandas in {environment} (once)", flush=True)
        try:
            venv.create(environment, with_pip=True, clear=True)
            subprocess.run([str(python), "-m", "pip", "install", "--quiet", "pandas", "numpy"], check=True)
        except (OSError, subprocess.CalledProcessError) as error:
            return f"could not install pandas for the peer ({error})"
    return [str(python)]


def peers(report: Report, sizes: list[int], repeat: int) -> None:
    python = pandas_python()
    if isinstance(python, str):
        print(f"peers: skipped: {python}")
        return
    framework = PEER / "wide56.toml"
    pandas_score = PEER / "pandas_score.py"
    files = CACHE / "wide"
    files.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as directory:
        out = Path(directory)
        for count in sizes:
            path = files / f"wide-{count}.csv"
            if not path.exists():
                subprocess.run(
                    [
                        PYTHON,
                        str(PEER / "make_wide.py"),
                        "--rows",
                        str(count),
                        "--indicators",
                        "56",
                        "--seed",
                        PEER_SEED,
                        "-o",
                        str(path),
                    ],
                    check=True,
                )
            runs = max(3, repeat if count <= 100_000 else 3)
            commands = [
                [
                    *CCGRATE,
                    "score",
                    str(path),
                    "--framework",
                    str(framework),
                    "-f",
                    "csv",
                    "-o",
                    str(out / "ccgrate.csv"),
                    "-q",
                ],
                [*python, str(pandas_score), str(path), "-o", str(out / "pandas.csv")],
            ]
            # A million organisations as JSON is a document of about 10 GB: written to the null device,
            # which ccgrate writes in place, so that the disk is not what is measured.
            formats = [
                [
                    *CCGRATE,
                    "score",
                    str(path),
                    "--framework",
                    str(framework),
                    "-f",
                    kind,
                    "-o",
                    os.devnull if count > 100_000 else str(out / f"ccgrate.{kind}"),
                    "-q",
                ]
                for kind in ("json", "ndjson")
            ]
            csv_run, pandas_run = interleaved(commands, runs)
            # The formats' figure is peak memory, which does not vary from run to run as time does: one
            # run each (a JSON run of 100,000 organisations takes ten times as long as the CSV).
            format_runs = interleaved(formats, runs if count <= 10_000 else 1)
            target = 0.5 if count in (209, 1_000_000) else 0.6
            report.ratio(f"peers: {count:,} x 56, ccgrate -f csv", csv_run, "pandas_score.py", pandas_run, target)
            if count == 1_000_000:
                report.value(
                    "peers: 1,000,000 x 56, ccgrate peak memory", max(r for _, r in csv_run) / 1024**2, " GiB", 1.5
                )
            for kind, run in zip(("json", "ndjson"), format_runs):
                peak = max(r for _, r in run) / max(r for _, r in csv_run)
                report.value(f"peers: {count:,} x 56, -f {kind} peak memory / -f csv", peak, "x", 2.0)
        sensitivity = [
            [
                *CCGRATE,
                "sensitivity",
                str(files / "wide-209.csv"),
                "--framework",
                str(framework),
                "--draws",
                "10000",
                "--vary",
                "weights",
                "--vary",
                "cuts",
                "-f",
                "csv",
                "-o",
                str(out / "s.csv"),
                "-q",
            ],
            [*python, str(pandas_score), str(files / "wide-209.csv"), "-o", str(out / "p.csv"), "--draws", "10000"],
        ]
        if (files / "wide-209.csv").exists():
            ccgrate_run, pandas_run = interleaved(sensitivity, repeat)
            report.ratio(
                "peers: sensitivity, 10,000 draws, 209 x 56",
                ccgrate_run,
                "pandas_score.py --draws 10000",
                pandas_run,
                None,
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--large", action="store_true", help="also 1,000,000 organisations")
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--repeat", type=int, default=7, help="paired runs per measurement for the quick ones")
    parser.add_argument(
        "--only", choices=["startup", "score", "nof", "large", "sensitivity", "peers"], help="run one group"
    )
    parser.add_argument(
        "--sizes", type=int, nargs="+", help="peer sizes (default 209 10000 100000, and 1000000 with --large)"
    )
    args = parser.parse_args()
    print(f"timing ccgrate from {compiled()} ({' '.join(CCGRATE)})", file=sys.stderr)
    report = Report()

    def wanted(group: str) -> bool:
        return args.only in (None, group)

    if wanted("startup"):
        python, version, helped, imported = interleaved(
            [[PYTHON, "-c", "pass"], [*CCGRATE, "--version"], [*CCGRATE, "--help"], [PYTHON, "-c", "import ccgrate"]],
            args.repeat,
        )
        report.ratio("ccgrate --version", version, "python -c pass", python, 1.5)
        report.ratio("ccgrate --help", helped, "python -c pass", python, 1.5)
        report.ratio("python -c 'import ccgrate' (the Python API)", imported, "python -c pass", python, 1.1)
    if wanted("score"):
        national = "examples/national-2017-18.csv"
        floor, numeric, single, table, machine = interleaved(
            [
                [PYTHON, "-c", DEPENDENCY_FLOOR],
                [PYTHON, "-c", DEPENDENCY_FLOOR + "; import numpy"],
                [*CCGRATE, "score", "examples/bromley.csv"],
                [*CCGRATE, "score", national],
                [*CCGRATE, "score", national, "-f", "csv"],
            ],
            args.repeat,
        )
        report.ratio("ccgrate score examples/bromley.csv", single, "import click, pydantic, rich", floor, 1.3)
        report.ratio("ccgrate score examples/bromley.csv", single, "the same and numpy", numeric, None)
        report.ratio("ccgrate score national-2017-18.csv (207), table", table, "single-organisation run", single, 1.1)
        report.ratio("ccgrate score national-2017-18.csv -f csv", machine, "single-organisation run", single, 1.1)
    if wanted("sensitivity"):
        national = "examples/national-2016-17.csv"  # 209 organisations, as in the issue
        sensitivity = [*CCGRATE, "sensitivity", national, "--draws", "10000", "-f", "csv", "-o", os.devnull]
        plain, varied, valued = interleaved(
            [
                [*CCGRATE, "score", national, "-f", "csv", "-o", os.devnull],
                [*sensitivity, "--vary", "weights", "--vary", "cuts"],
                sensitivity,
            ],
            args.repeat,
        )
        report.ratio("sensitivity, 10,000 draws, weights and cuts", varied, "plain score run", plain, 1.5)
        report.ratio("sensitivity, 10,000 draws, weights, cuts and values", valued, "plain score run", plain, 5.0)
    if wanted("nof"):
        # NHS England's published file, 61 trusts x 2 quarters: scoring, the league tables and every
        # trust's distance to the next segment (the issue asks for that under a second), each beside
        # the single-organisation run that stands for start-up and reading.
        nof = "examples/nof-2025-26-mhc-q1-q2.csv"
        single, scored, league, distance = interleaved(
            [
                [*CCGRATE, "score", "examples/bromley.csv", "-q"],
                [*CCGRATE, "score", nof, "-f", "csv", "-o", os.devnull, "-q"],
                [*CCGRATE, "league", nof, "-f", "csv", "-o", os.devnull, "-q"],
                [*CCGRATE, "whatif", nof, "--period", "2025/26 Q2", "-f", "csv", "-o", os.devnull, "-q"],
            ],
            args.repeat,
        )
        report.ratio(
            "NOF 2025/26 Q1-Q2 (122 assessments), score -f csv", scored, "single-organisation run", single, 1.5
        )
        report.ratio("NOF 2025/26 Q1-Q2, league -f csv", league, "single-organisation run", single, 1.5)
        report.ratio("NOF 2025/26 Q2, whatif for all 61 trusts", distance, "single-organisation run", single, 1.5)
        report.value("NOF whatif for all 61 trusts, median", statistics.median(s for s, _ in distance), " s", 1.0)
    if wanted("large"):
        with tempfile.TemporaryDirectory() as directory:
            sizes = [100_000] + ([1_000_000] if args.large else [])
            medians = {}
            for count in sizes:
                path = generate(count, Path(directory))
                runs = 3
                stream, keep, scored = interleaved(
                    [
                        [PYTHON, "-c", CSV_STREAM, str(path)],
                        [PYTHON, "-c", CSV_KEEP, str(path)],
                        [*CCGRATE, "score", str(path), "-f", "csv", "-o", os.devnull, "-q"],
                    ],
                    runs,
                )
                medians[count] = statistics.median(s for s, _ in scored)
                report.ratio(
                    f"score -f csv, {count:,} x 59 (blanks, judgements)", scored, "csv module streaming", stream, 3.0
                )
                report.ratio(f"score -f csv, {count:,} x 59", scored, "csv module into a list", keep, None)
            if args.large:
                report.value("10x the organisations", medians[1_000_000] / medians[100_000], "x time", 11.0)
    if wanted("peers"):
        sizes = args.sizes or [size for size in PEER_SIZES if size < 1_000_000 or args.large]
        peers(report, sizes, args.repeat)
    if args.json:
        args.json.write_text(json.dumps(report.rows, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
