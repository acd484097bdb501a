"""Numbers for people, with as many digits as it takes to see why a band was chosen.

A value is shown as it was written (its own decimals); a computed one (a rate from counts, a
population's quantile, a z-score) with a few digits, and more where fewer would put it on the
wrong side of (or on) a number it was compared with. So "0.96 | 0.962" never explains a band.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

# Beyond this many decimals a written value is taken to be computed, not typed.
WRITTEN_PLACES = 6


def written_places(value: float) -> int | None:
    """Decimals in the shortest form of a double (its written precision), None in exponent form."""
    text = repr(float(value))
    if "e" in text or "inf" in text or "nan" in text:
        return None
    return len(text.partition(".")[2].rstrip("0"))


def _side(a: float, b: float) -> int:
    return (a > b) - (a < b)


def places_for(value: float, compared: Sequence[float], least: int = 2) -> int:
    """Decimals to show `value` with: its written precision if short, else at least `least`, and
    enough that the shown value sits on the same side of each compared number as the value does."""
    written = written_places(value)
    if written is not None and written <= WRITTEN_PLACES:
        return written
    for places in range(least, 16):
        shown = round(value, places)
        if all(_side(shown, c) == _side(value, c) for c in compared):
            return places
    return 15


def number(value: float, places: int, thousands: bool = False) -> str:
    text = f"{value:,.{places}f}" if thousands else f"{value:.{places}f}"
    return text


def shown_value(value: float, compared: Sequence[float] = (), least: int = 2, thousands: bool = True) -> str:
    if not math.isfinite(value):
        return str(value)
    return number(value, places_for(value, compared, least), thousands)


def computed_cut(cut: float, sorted_values: Sequence[float] | np.ndarray, significant: int = 4) -> str:
    """A cut point computed from a population, to `significant` digits or as many more as it takes
    for every organisation's value to compare with the shown cut as it does with the true one.

    A value changes side only if it lies between the true cut and the shown one (either included),
    so on the sorted values one binary search per candidate is enough, however large the population.
    """
    import numpy as np

    values = np.asarray(sorted_values, dtype=np.float64)
    magnitude = math.floor(math.log10(abs(cut))) + 1 if cut else 1
    for places in range(max(0, significant - magnitude), 16):
        shown = round(cut, places)
        low, high = min(cut, shown), max(cut, shown)
        between = np.searchsorted(values, high, side="right") - np.searchsorted(values, low, side="left")
        if shown == cut or between == 0:
            text = number(shown, places)
            return text.rstrip("0").rstrip(".") if "." in text else text
    return repr(cut)


def written(number_: float) -> str:
    """A number from a framework, as its author wrote it (shortest form, no exponent for ordinary sizes)."""
    places = written_places(number_)
    if places is None:
        return repr(float(number_))
    return number(number_, places)
