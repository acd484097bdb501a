"""Run every `$ ccgrate ...` line of the console blocks of the README and docs/ again and write their
real output in.

    python tools/update_docs.py            # or: python tools/run.py docs

Runs as tests/project/test_docs.py checks them: from a scratch directory that sees `examples/`, with
the terminal pinned to 100 columns and no colour; a command ending in `2>&1` shows its messages
after its output. Use it after a deliberate change of output, and read the diff.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
PINNED = {"COLUMNS": "100", "LINES": "50", "TERM": "dumb", "NO_COLOR": "1"}


def rerun(block: str, scratch: Path, environment: dict[str, str]) -> str:
    chunks = re.split(r"^\$ ", block, flags=re.M)
    rebuilt = [chunks[0]]
    for chunk in chunks[1:]:
        command = chunk.partition("\n")[0]
        merged = command.endswith(" 2>&1")  # messages after the output, as the test shows them
        done = subprocess.run(
            command.removesuffix(" 2>&1"), shell=True, capture_output=True, text=True, cwd=scratch, env=environment
        )
        output = done.stdout + (done.stderr if merged else "")
        lines = [line.rstrip() for line in output.rstrip("\n").split("\n")]
        rebuilt.append(command + "\n" + "\n".join(lines) + "\n")
    return "$ ".join(rebuilt)


def main() -> int:
    environment = {**os.environ, **PINNED}
    environment.pop("FORCE_COLOR", None)
    environment["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{environment.get('PATH', '')}"
    with tempfile.TemporaryDirectory() as directory:
        scratch = Path(directory)
        (scratch / "examples").symlink_to(ROOT / "examples")
        (scratch / "docs").mkdir()
        for page in PAGES:
            text = page.read_text(encoding="utf-8")
            new = re.sub(
                r"(```console\n)(.*?)(```)",
                lambda m: m.group(1) + rerun(m.group(2), scratch, environment) + m.group(3),
                text,
                flags=re.S,
            )
            if new != text:
                page.write_text(new, encoding="utf-8")
                print(f"rewrote {page.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
