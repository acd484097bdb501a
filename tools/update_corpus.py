"""Record the current stderr and exit code of every case in tests/corpus/cases.toml.

    python tools/update_corpus.py [SUBSTRING...]   # only the cases whose arguments contain one

For a deliberate change of a message: review `git diff tests/corpus/cases.toml` before committing.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import tomlkit

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "corpus"


def main(patterns: list[str]) -> None:
    path = CORPUS / "cases.toml"
    document = tomlkit.parse(path.read_text(encoding="utf-8"))
    environment = {**os.environ, "COLUMNS": "80", "NO_COLOR": "1", "TERM": "dumb"}
    for case in document["case"]:
        args = list(case["args"])
        if patterns and not any(p in " ".join(args) for p in patterns):
            continue
        done = subprocess.run(
            [sys.executable, "-m", "ccgrate", *args],
            cwd=CORPUS,
            capture_output=True,
            text=True,
            env=environment,
            stdin=subprocess.DEVNULL,
        )
        if done.returncode != case["exit"] or done.stderr != case["stderr"]:
            print(f"updated: {' '.join(args)}")
            case["exit"] = done.returncode
            case["stderr"] = done.stderr
    path.write_text(tomlkit.dumps(document), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
