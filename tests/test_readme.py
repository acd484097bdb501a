"""The README is part of the product: its terminal runs are real, its commands are the ones CI runs."""

from __future__ import annotations

import re
import shlex

import pytest
from helpers import ROOT

from ccgrate._cli.main import ExitCode, cli

README = (ROOT / "README.md").read_text(encoding="utf-8")
CI = (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def console_runs() -> list[tuple[str, str]]:
    """(command, shown output) for every `$ ccgrate ...` line in a ```console block."""
    runs = []
    for block in re.findall(r"```console\n(.*?)```", README, flags=re.S):
        for chunk in re.split(r"^\$ ", block, flags=re.M)[1:]:
            command, _, output = chunk.partition("\n")
            runs.append((command, output))
    return runs


def sh_blocks(section: str | None = None) -> list[str]:
    """Every line of the ```sh blocks, of one `## ` section of the README or of all of it."""
    text = (
        README if section is None else re.search(rf"^## {re.escape(section)}\n(.*?)(?=^## |\Z)", README, re.S | re.M)[1]
    )
    return [line for block in re.findall(r"```sh\n(.*?)```", text, flags=re.S) for line in block.splitlines()]


@pytest.mark.parametrize(("command", "shown"), console_runs(), ids=[c for c, _ in console_runs()])
def test_terminal_runs_in_the_readme_are_real(ccgrate, monkeypatch, tmp_path, command, shown):
    # From a scratch directory that sees the examples, so that a run writing a file leaves nothing behind.
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    monkeypatch.chdir(tmp_path)
    words = shlex.split(command)
    assert words[0] == "ccgrate"
    keep = None
    if "|" in words:
        pipe = words.index("|")
        words, (tool, flag, count) = words[:pipe], words[pipe + 1 :]
        assert tool in ("head", "tail") and flag == "-n"
        keep = (tool, int(count))
    lines = ccgrate(*words[1:]).stdout.rstrip("\n").split("\n")
    if keep:
        lines = lines[: keep[1]] if keep[0] == "head" else lines[-keep[1] :]
    assert [line.rstrip() for line in lines] == shown.rstrip("\n").split("\n")


def test_the_readme_shows_a_score_run_first():
    assert console_runs()[0][0] == "ccgrate score examples/bromley.csv"


def test_two_setup_commands_and_ci_runs_the_test_command_exactly():
    install_and_run, install_and_test = [
        line for line in sh_blocks("Set-up on a fresh machine") if line.startswith("python3 -m venv")
    ]
    assert install_and_run.endswith("pip install . && ccgrate score examples/bromley.csv")
    assert install_and_test.endswith("pip install '.[test]' && pytest")
    assert install_and_test in CI.splitlines()


def test_contributors_are_told_to_install_editable():
    assert any(line.endswith("pip install -e '.[test]'") for line in sh_blocks("Development"))


def test_every_command_is_in_the_readme():
    names = []
    for name, command in cli.commands.items():
        names.append(name)
        names += [f"{name} {sub}" for sub in getattr(command, "commands", {})]
    for name in names:
        assert f"`ccgrate {name}" in README, name


def test_exit_code_table_matches_the_code():
    table = dict(re.findall(r"^\| (\d+) \| (.+?) \|$", README, flags=re.M))
    assert sorted(int(code) for code in table) == sorted(code.value for code in ExitCode)
