"""Every example in every --help runs, as a user would paste it, from a directory holding the
repository's examples/ and frameworks/ and the user's own files the examples name."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
from helpers import ROOT

from ccgrate._cli.main import CONTEXT, cli

BIN = Path(sys.executable).parent


def examples_of(command: click.Command, path: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """(command path, example line) for a command and every subcommand, from the help people read."""
    # The settings the real group gives its commands: click remembers a command's help option from
    # the first context that asks for it.
    context = click.Context(command, info_name=" ".join(("ccgrate", *path)), **CONTEXT)
    found = []
    text = command.get_help(context)
    if "Examples:" in text:
        lines = text.split("Examples:", 1)[1].splitlines()
        joined: list[str] = []
        for line in lines[1:]:
            if not line.strip():
                break
            if joined and joined[-1].endswith("\\"):
                joined[-1] = joined[-1][:-1] + " " + line.strip()
            else:
                joined.append(line.strip())
        found.extend((" ".join(("ccgrate", *path)), line) for line in joined if line.startswith(("ccgrate", "cd ")))
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            found.extend(examples_of(sub, (*path, name)))
    return found


EXAMPLES = examples_of(cli)


def test_every_command_has_examples():
    commands = {"ccgrate", *("ccgrate " + name for name in cli.commands)}
    assert commands <= {where for where, _ in EXAMPLES}
    assert len(EXAMPLES) >= 30


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    place = tmp_path_factory.mktemp("user")
    shutil.copytree(ROOT / "examples", place / "examples")
    shutil.copytree(ROOT / "frameworks", place / "frameworks")
    # The user's own files that some examples name.
    shutil.copy(ROOT / "examples" / "national-2018-19.csv", place / "mydata.csv")
    text = (ROOT / "frameworks" / "iaf-2018-19.toml").read_text(encoding="utf-8")
    (place / "my-framework.toml").write_text(
        text.replace('id = "iaf-2018-19"', 'id = "my-framework"', 1), encoding="utf-8"
    )
    return place


@pytest.mark.parametrize(("where", "example"), EXAMPLES, ids=[e for _, e in EXAMPLES])
def test_the_example_runs(workspace, where, example):
    environment = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "COLUMNS": "80",
        "PYTHON": sys.executable,
    }
    command = example.replace("python -m", f"{sys.executable} -m")
    done = subprocess.run(
        ["bash", "-o", "pipefail", "-c", command],
        cwd=workspace,
        capture_output=True,
        text=True,
        env=environment,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )
    allowed = {0, 4} if ("--fail-below" in example or "--fail-if-worse" in example) else {0}
    assert done.returncode in allowed, done.stderr
    assert "Error" not in done.stderr and "Traceback" not in done.stderr
