"""ccgrate: rating calculator for the NHS England CCG Improvement and Assessment Framework."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ccgrate")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0+unknown"
