from __future__ import annotations

import os
import tempfile

import pytest
from click.testing import CliRunner

from ccgrate._cli.main import cli

# Frameworks validated during the tests are kept in a cache of the test run's own, never the user's.
os.environ["CCGRATE_CACHE_DIR"] = tempfile.mkdtemp(prefix="ccgrate-test-cache-")
os.environ.pop("CCGRATE_NO_CACHE", None)

# A fixed terminal: the same table on every machine, and no colour codes.
PINNED_ENV = {"COLUMNS": "100", "LINES": "50", "TERM": "dumb", "NO_COLOR": "1"}


@pytest.fixture(autouse=True)
def pinned_terminal(monkeypatch):
    for key, value in PINNED_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("CCGRATE_DEBUG", raising=False)


class Invoker:
    """Runs the CLI in-process and fails loudly (with stderr) on an unexpected exit code."""

    def __init__(self):
        self.runner = CliRunner()

    def __call__(self, *args, input: str | bytes | None = None, expect: int = 0):
        result = self.runner.invoke(
            cli, [str(a) for a in args], input=input, catch_exceptions=False, prog_name="ccgrate"
        )
        assert result.exit_code == expect, (
            f"exit {result.exit_code}, expected {expect}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
        )
        return result


@pytest.fixture
def ccgrate():
    return Invoker()
