"""Pipeline manners: quiet and verbose, batches, summaries, colour, closed pipes, completion."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys

import pytest
from helpers import EXAMPLES, ROOT

BROMLEY = EXAMPLES / "bromley.csv"
UNKNOWN = "org_code,period,126a,mystery\nX,2017/18,70,5\n"


def test_quiet_keeps_data_and_errors_only(ccgrate, tmp_path):
    data = tmp_path / "d.csv"
    data.write_text(UNKNOWN)
    loud = ccgrate("score", data, "-f", "csv")
    quiet = ccgrate("score", data, "-f", "csv", "-q")
    assert loud.stderr and quiet.stderr == "" and quiet.stdout == loud.stdout
    assert ccgrate("-q", "score", data, "-f", "csv").stderr == ""
    bad = tmp_path / "bad.csv"
    bad.write_text("org_code,period,126a\nX,2017/18,abc\n")
    assert ccgrate("score", bad, "-q", expect=1).stderr.startswith("Error: ")


def test_verbose_says_what_was_read(ccgrate):
    stderr = ccgrate("score", BROMLEY, "-f", "csv", "-v").stderr.splitlines()
    assert stderr[0].startswith(f"ccgrate: read {BROMLEY}: 2 rows, wide shape, sha256 ")
    assert stderr[1].startswith("ccgrate: framework iaf-2016-17 from builtin:iaf-2016-17, sha256 ")
    assert stderr[2].startswith("ccgrate: framework iaf-2017-18 from builtin:iaf-2017-18, sha256 ")
    assert stderr[3].startswith("ccgrate: scored 2 assessments in ")


def test_quiet_and_verbose_together_is_a_usage_error(ccgrate):
    assert ccgrate("score", BROMLEY, "-q", "-v", expect=2).stderr.endswith(
        "Error: -q/--quiet and -v/--verbose cannot be used together\n"
    )


def test_summary(ccgrate):
    result = ccgrate("score", EXAMPLES / "national-2017-18.csv", "-f", "csv", "--summary", "-q")
    assert result.stderr == (
        f"ccgrate: {EXAMPLES / 'national-2017-18.csv'}: 207 assessments: Outstanding 20, Good 100, "
        "Requires improvement 69, Inadequate 18\n"
    )


def test_a_batch_tags_each_result_and_sums_up(ccgrate, monkeypatch):
    monkeypatch.chdir(EXAMPLES)
    result = ccgrate("score", "national-2016-17.csv", "national-2017-18.csv", "-f", "csv", "--summary")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 209 + 207
    assert {r["source"] for r in rows} == {"national-2016-17.csv", "national-2017-18.csv"}
    assert result.stderr.splitlines()[:3] == [
        "ccgrate: national-2016-17.csv: 209 assessments: Outstanding 21, Good 99, Requires improvement 66, Inadequate 23",
        "ccgrate: national-2017-18.csv: 207 assessments: Outstanding 20, Good 100, Requires improvement 69, Inadequate 18",
        "ccgrate: all: 416 assessments: Outstanding 41, Good 199, Requires improvement 135, Inadequate 41",
    ]
    # then each national population's distribution, against what was published
    assert [line.split(",")[0] for line in result.stderr.splitlines()[3:]] == [
        "ccgrate: 2016/17 distribution under iaf-2016-17",
        "ccgrate: 2017/18 distribution under iaf-2017-18",
    ]


def test_a_quoted_glob_is_expanded(ccgrate, monkeypatch):
    monkeypatch.chdir(EXAMPLES)
    rows = list(csv.DictReader(io.StringIO(ccgrate("score", "national-201[67]-*.csv", "-f", "csv").stdout)))
    assert len(rows) == 416
    assert ccgrate("score", "nothing-*.csv", expect=1).stderr == (
        "Error: no file matches nothing-*.csv; check the pattern (quote it to let ccgrate expand it)\n"
    )


def test_a_batch_table_has_a_source_column(ccgrate, monkeypatch):
    monkeypatch.chdir(EXAMPLES)
    text = ccgrate("score", "bromley.csv", "bromley.csv").stdout
    assert "┃ Source " in text and "│ bromley.csv │" in text


def run_shell(command: str, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, **env}
    environment.pop("NO_COLOR", None) if "NO_COLOR" not in env else None
    return subprocess.run(
        ["bash", "-o", "pipefail", "-c", command], capture_output=True, text=True, cwd=ROOT, env=environment
    )


def ccgrate_command() -> str:
    return f"{sys.executable} -m ccgrate"


def test_a_closed_pipe_is_not_an_error():
    result = run_shell(f"{ccgrate_command()} score examples/national-2018-19.csv -f csv | head -n 1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("org_code,") and result.stdout.count("\n") == 1
    assert (
        result.stderr.startswith("ccgrate: 2018/19 distribution under iaf-2018-19") and result.stderr.count("\n") == 1
    )


def test_stdin_through_a_real_pipe():
    result = run_shell(
        f"cat examples/bromley.csv | {ccgrate_command()} score - -f json | {sys.executable} -m json.tool"
    )
    assert result.returncode == 0 and '"org_code": "07Q"' in result.stdout


@pytest.mark.parametrize(
    ("env", "coloured"),
    [
        ({"FORCE_COLOR": "1"}, True),
        ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),
        ({}, False),
        ({"FORCE_COLOR": "1", "TERM": "dumb"}, False),
    ],
)
def test_colour_only_when_asked_for_a_terminal(env, coloured):
    """A pipe gets none; FORCE_COLOR stands in for a terminal; NO_COLOR and TERM=dumb turn colour off."""
    environment = {key: value for key, value in os.environ.items() if key not in ("NO_COLOR", "FORCE_COLOR", "TERM")}
    environment.update(env)
    result = subprocess.run(
        [sys.executable, "-m", "ccgrate", "score", "examples/bromley.csv"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environment,
    )
    assert ("\x1b[32m" in result.stdout) is coloured  # Good is green


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_shell_completion_scripts(shell):
    environment = {**os.environ, "_CCGRATE_COMPLETE": f"{shell}_source"}
    result = subprocess.run([sys.executable, "-m", "ccgrate"], capture_output=True, text=True, env=environment)
    assert result.returncode == 0 and "_CCGRATE_COMPLETE" in result.stdout


def test_completion_of_a_format():
    environment = {
        **os.environ,
        "_CCGRATE_COMPLETE": "bash_complete",
        "COMP_WORDS": "ccgrate score x.csv -f n",
        "COMP_CWORD": "4",
    }
    result = subprocess.run([sys.executable, "-m", "ccgrate"], capture_output=True, text=True, env=environment)
    assert result.stdout.split() == ["plain,ndjson"]


def test_tables_fit_the_terminal(ccgrate, monkeypatch):
    for width in ("60", "80", "120"):
        monkeypatch.setenv("COLUMNS", width)
        for args in (
            ("score", BROMLEY),
            ("score", BROMLEY, "--explain"),
            ("frameworks",),
            ("compare", "2017", "2018", "--data-dir", EXAMPLES),
        ):
            text = ccgrate(*args).stdout
            assert max(len(line) for line in text.splitlines()) <= int(width), (args, width)


def test_progress_appears_only_on_a_terminal_and_leaves_nothing(monkeypatch):
    import io
    import time

    from rich.console import Console

    from ccgrate._cli.progress import LateProgress

    monkeypatch.setenv("TERM", "xterm")
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=60)
    with LateProgress(delay=0.0, console=console) as progress:
        progress.step("reading big.csv")
        time.sleep(0.3)
    assert "reading big.csv" in screen.getvalue()
    quiet_screen = io.StringIO()
    with LateProgress(delay=0.0, console=Console(file=quiet_screen, force_terminal=False)) as progress:
        progress.step("reading big.csv")
        time.sleep(0.1)
    assert quiet_screen.getvalue() == ""


def test_no_progress_in_a_pipe(ccgrate):
    stderr = ccgrate("score", EXAMPLES / "national-2018-19.csv", "-f", "csv").stderr
    assert stderr.startswith("ccgrate: 2018/19 distribution") and stderr.count("\n") == 1


class RecordedProgress:
    """Stands in for LateProgress: records what a command says it is doing."""

    seen: list = []

    def __init__(self, *args, **kwargs):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        RecordedProgress.seen.append(("closed",))

    def step(self, text):
        RecordedProgress.seen.append(("step", text))

    def advance(self, done, total):
        RecordedProgress.seen.append(("advance", done, total))


@pytest.mark.parametrize(
    "module, args",
    [
        ("sensitivity", ("sensitivity", EXAMPLES / "national-2018-19.csv", "--draws", "300", "-f", "csv")),
        ("whatif", ("whatif", EXAMPLES / "national-2017-18.csv", "--org", "SYN083", "--target", "Good", "-f", "csv")),
        ("calibrate", ("calibrate", EXAMPLES / "national-2017-18.csv", "-o", "-", "-f", "csv")),
        ("compare", ("compare", EXAMPLES / "national-2017-18.csv", EXAMPLES / "national-2018-19.csv", "-f", "csv")),
        ("score", ("score", EXAMPLES / "national-2017-18.csv", "-f", "csv")),
    ],
)
def test_every_command_that_can_run_long_shows_progress(ccgrate, monkeypatch, module, args):
    import importlib

    monkeypatch.setattr(importlib.import_module(f"ccgrate._cli.commands.{module}"), "LateProgress", RecordedProgress)
    RecordedProgress.seen = []
    ccgrate(*args)
    steps = [event for event in RecordedProgress.seen if event[0] == "step"]
    assert steps and RecordedProgress.seen[-1] == ("closed",)
    if args[0] == "sensitivity":
        advances = [event for event in RecordedProgress.seen if event[0] == "advance"]
        assert advances[-1] == ("advance", 300, 300)
        assert [a[1] for a in advances] == sorted(a[1] for a in advances)


def test_progress_with_a_known_size_draws_a_bar(monkeypatch):
    import io
    import time

    from rich.console import Console

    from ccgrate._cli.progress import LateProgress

    monkeypatch.setenv("TERM", "xterm")
    screen = io.StringIO()
    with LateProgress(delay=0.0, console=Console(file=screen, force_terminal=True, width=60)) as progress:
        progress.step("10,000 draws")
        progress.advance(5000, 10000)
        time.sleep(0.3)
    assert "10,000 draws" in screen.getvalue() and "━" in screen.getvalue()
