"""Run every `$ ccgrate ...` line of the README's console blocks again and write their real output in.

    python tests/update_readme.py

Runs as tests/test_readme.py checks them: from a scratch directory that sees `examples/`, with
the terminal pinned to 100 columns and no colour. Use it after a deliberate change of output.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
PINNED = {"COLUMNS": "100", "LINES": "50", "TERM": "dumb", "NO_COLOR": "1"}


def rerun(block: str, scratch: Path, environment: dict[str, str]) -> str:
    chunks = re.split(r"^\$ ", block, flags=re.M)
    rebuilt = [chunks[0]]
    for chunk in chunks[1:]:
        command = chunk.partition("\n")[0]
        output = subprocess.run(
            command, shell=True, capture_output=True, text=True, cwd=scratch, env=environment
        ).stdout
        lines = [line.rstrip() for line in output.rstrip("\n").split("\n")]
        rebuilt.append(command + "\n" + "\n".join(lines) + "\n")
    return "$ ".join(rebuilt)


def main() -> int:
    environment = {**os.environ, **PINNED}
    environment.pop("FORCE_COLOR", None)
    environment["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{environment.get('PATH', '')}"
    text = README.read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory() as directory:
        scratch = Path(directory)
        (scratch / "examples").symlink_to(ROOT / "examples")
        text = re.sub(
            r"(```console\n)(.*?)(```)",
            lambda m: m.group(1) + rerun(m.group(2), scratch, environment) + m.group(3),
            text,
            flags=re.S,
        )
    README.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
