"""ccgrate: rating calculator for the NHS England CCG Improvement and Assessment Framework."""

# The single place the version is written; pyproject.toml reads it from here (hatch), and reading it
# needs no importlib.metadata lookup at start-up.
__version__ = "0.1.0"
