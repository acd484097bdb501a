"""ccgrate: ratings of NHS organisations under NHS England's oversight frameworks, reproducible and
explained, from the command line or from Python.

    import ccgrate
    scores = ccgrate.score("examples/bromley.csv")
    scores.to_pandas()

The public names are those in `__all__`, documented in docs/api.md; everything else (modules whose
names begin with an underscore) may change without notice. Importing ccgrate loads nothing heavy:
each name is imported when first used.
"""

from __future__ import annotations

# Not typing's: importing typing costs more than the rest of `import ccgrate` (type checkers treat
# any TYPE_CHECKING as true).
TYPE_CHECKING = False

# The single place the version is written; pyproject.toml reads it from here (hatch), and reading it
# needs no importlib.metadata lookup at start-up.
__version__ = "0.1.0"

if TYPE_CHECKING:
    from ccgrate._api import (
        Calibration,
        CcgrateWarning,
        Comparison,
        DataError,
        Error,
        FrameworkError,
        League,
        OutputError,
        Report,
        Scores,
        Sensitivity,
        Source,
        UsageError,
        WhatIf,
        calibrate,
        compare,
        frameworks,
        league,
        load_framework,
        report,
        score,
        sensitivity,
        whatif,
    )

__all__ = [
    "Calibration",
    "CcgrateWarning",
    "Comparison",
    "DataError",
    "Error",
    "FrameworkError",
    "League",
    "OutputError",
    "Report",
    "Scores",
    "Sensitivity",
    "Source",
    "UsageError",
    "WhatIf",
    "__version__",
    "calibrate",
    "compare",
    "frameworks",
    "league",
    "load_framework",
    "report",
    "score",
    "sensitivity",
    "whatif",
]


def __getattr__(name: str) -> object:
    # The API module is imported on first use, so that `import ccgrate` (and the command line's
    # --version) stays as quick as Python itself.
    if name in __all__:
        from ccgrate import _api

        value = getattr(_api, name)
        globals()[name] = value  # once found, an ordinary attribute (documentation tools see it)
        return value
    raise AttributeError(f"module 'ccgrate' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
