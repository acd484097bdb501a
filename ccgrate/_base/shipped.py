"""Folders that ship with ccgrate: inside an installed package, or at the top of a source checkout."""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent


def shipped(name: str) -> Path:
    """`frameworks` or `examples`: the wheel carries them inside the package (pyproject's
    force-include); a source checkout, or an editable install, keeps them at the top of the repository."""
    packaged = PACKAGE / name
    return packaged if packaged.is_dir() else PACKAGE.parent / name
