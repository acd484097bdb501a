"""The fast entry point: --version and --help without click, and the same words click would print."""

from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner
from helpers import ROOT

from ccgrate import __version__
from ccgrate._cli.entry import HELP
from ccgrate._cli.main import cli


def kept_help() -> str:
    with open(HELP, encoding="utf-8") as text:
        return text.read()


def run_entry(*args: str) -> subprocess.CompletedProcess:
    code = "import sys; from ccgrate._cli.entry import main; sys.argv = ['ccgrate', *sys.argv[1:]]; main()"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=ROOT)


def test_the_kept_help_is_what_click_prints():
    printed = CliRunner().invoke(cli, ["--help"], prog_name="ccgrate").stdout
    import os

    if os.environ.get("CCGRATE_UPDATE_GOLDEN"):
        with open(HELP, "w", encoding="utf-8") as text:
            text.write(printed)
    assert kept_help() == printed, "ccgrate/_cli/help.txt is stale: CCGRATE_UPDATE_GOLDEN=1 pytest tests/test_entry.py"


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_without_click(flag):
    result = run_entry(flag)
    assert result.returncode == 0 and result.stdout == kept_help()


def test_version_without_click():
    code = (
        "import sys; from ccgrate._cli.entry import main; sys.argv = ['ccgrate', '--version']; main(); "
        "print('click' in sys.modules, 'pydantic' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout == f"ccgrate {__version__}\nFalse False\n"


def test_everything_else_goes_to_the_full_command_line():
    result = run_entry("frameworks", "-f", "csv")
    assert result.returncode == 0 and result.stdout.startswith(
        "id,name,period,indicators,sha256,quarterly,chosen_by_period\n"
    )
    assert run_entry("--versio").returncode == 2
