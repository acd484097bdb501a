"""Paths and golden-file comparison shared by the tests."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
FRAMEWORKS = ROOT / "frameworks"
GOLDEN = Path(__file__).resolve().parent / "golden"


def golden(name: str, actual: str) -> None:
    """Compare with tests/golden/NAME; CCGRATE_UPDATE_GOLDEN=1 rewrites it instead."""
    path = GOLDEN / name
    if os.environ.get("CCGRATE_UPDATE_GOLDEN"):
        path.write_text(actual, encoding="utf-8")
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, f"output differs from {path}; set CCGRATE_UPDATE_GOLDEN=1 to accept a deliberate change"
