"""The line that keeps a reconstructed rating from passing for an official one."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ccgrate._framework.model import Framework


def caveat(frameworks: Iterable[Framework]) -> str | None:
    """One sentence naming the reconstructed frameworks among those used, or None if there are none."""
    chosen = {fw.id: fw for fw in frameworks if fw.reconstructed}
    if not chosen:
        return None
    found = list(chosen)
    first = chosen[found[0]]
    shown = first.id if first.origin.startswith("builtin:") else first.origin
    names = found[0] if len(found) == 1 else ", ".join(found[:-1]) + " and " + found[-1]
    verb = "is a reconstruction" if len(found) == 1 else "are reconstructions"
    return (
        f"Not official: {names} {verb} of NHS England's method from public sources, so these are not NHS "
        f"England's ratings; what is published and what is reconstructed: ccgrate framework show {shown}"
    )
