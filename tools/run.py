"""The one way in to ccgrate's maintenance tasks: checks, tests, and everything that writes a file
the repository keeps (goldens, the terminal runs in the docs, the examples, the corpus's
expectations, screenshots), plus the benchmarks.

    python tools/run.py TASK [ARGS...]     # ARGS go to the tool the task runs

Run it from a virtual environment with ccgrate installed for development (pip install -e '.[test]').
Every task is a plain command, printed before it runs, so that it can also be run by hand.
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def run(*command: str, env: dict[str, str] | None = None) -> int:
    print("$", " ".join(shlex.quote(part) for part in command), flush=True)
    return subprocess.run(command, cwd=ROOT, env={**os.environ, **(env or {})}).returncode


def lint(args: list[str]) -> int:
    """ruff (lint and layout) and mypy, as CI runs them."""
    return (
        run(PYTHON, "-m", "ruff", "check", ".", *args)
        or run(PYTHON, "-m", "ruff", "format", "--check", ".")
        or run(PYTHON, "-m", "mypy")
    )


def fix(args: list[str]) -> int:
    """Let ruff mend what it can and lay every file out."""
    return run(PYTHON, "-m", "ruff", "check", "--fix", ".", *args) or run(PYTHON, "-m", "ruff", "format", ".")


def test(args: list[str]) -> int:
    """The test suite (arguments go to pytest)."""
    return run(PYTHON, "-m", "pytest", *args)


def goldens(args: list[str]) -> int:
    """Accept a deliberate change of output: rewrite tests/golden/ and the kept help text, then
    look at `git diff` before committing."""
    return run(PYTHON, "-m", "pytest", "-q", *args, env={"CCGRATE_UPDATE_GOLDEN": "1"})


def docs(args: list[str]) -> int:
    """Run every `$ ccgrate ...` of the README and docs/ again and write its real output in."""
    return run(PYTHON, "tools/update_docs.py", *args)


def corpus(args: list[str]) -> int:
    """Write the bad-input corpus's expected messages anew (tools/update_corpus.py SUBSTRING...)."""
    return run(PYTHON, "tools/update_corpus.py", *args)


def examples(args: list[str]) -> int:
    """Regenerate the synthetic national examples and the published-layout Bromley files (--check:
    only say whether the committed files are current)."""
    return run(PYTHON, "tools/generate_national.py", *args) or run(PYTHON, "tools/make_published.py", *args)


def sheets(args: list[str]) -> int:
    """Write the .xls and .ods workbooks of the spreadsheet tests (needs xlwt and odfpy)."""
    return run(PYTHON, "tools/make_sheet_fixtures.py", *args)


def bench(args: list[str]) -> int:
    """The benchmarks: ratios against floors and a pandas peer (tests/bench/run.py --help)."""
    return run(PYTHON, "tests/bench/run.py", *args)


def screenshots(args: list[str]) -> int:
    """The report's screenshots in docs/ (the national page and the first organisation at 1280 px),
    from a headless Chromium; the 390 px ones are kept in the scratch folder it names."""
    import shutil
    import tempfile

    scratch = Path(tempfile.mkdtemp(prefix="ccgrate-shots-"))
    report = scratch / "national-2018-19.html"
    failed = run(PYTHON, "-m", "ccgrate", "report", "examples/national-2018-19.csv", "-o", str(report), "-q") or run(
        PYTHON, "tests/browser.py", str(report), str(scratch / "report"), *args
    )
    if not failed:
        for name in ("national", "organisation"):
            shutil.copyfile(scratch / f"report-{name}-1280.png", ROOT / "docs" / f"report-{name}.png")
        print(f"docs/report-national.png and docs/report-organisation.png written; all shots in {scratch}")
    return failed


def apidocs(args: list[str]) -> int:
    """The API reference from the docstrings, with pdoc (tools/apidocs.py [DIR], default build/api)."""
    return run(PYTHON, "tools/apidocs.py", *args)


def ci(args: list[str]) -> int:
    """What CI runs, from a fresh virtual environment (.ci/run)."""
    return run("bash", ".ci/run", *args)


TASKS: dict[str, Callable[[list[str]], int]] = {
    task.__name__: task
    for task in (lint, fix, test, goldens, docs, apidocs, corpus, examples, sheets, bench, screenshots, ci)
}


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python tools/run.py",
        description="ccgrate's maintenance tasks.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n".join(f"  {name:<12} {' '.join((task.__doc__ or '').split())}" for name, task in TASKS.items()),
    )
    parser.add_argument("task", choices=TASKS, metavar="TASK", help="one of the tasks below")
    parser.add_argument("args", nargs=argparse.REMAINDER, help="passed on to the tool the task runs")
    options = parser.parse_args()
    return TASKS[options.task](options.args)


if __name__ == "__main__":
    sys.exit(main())
