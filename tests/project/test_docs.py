"""The README and docs/ are part of the product: every terminal run they show is real and runs here,
every command they give works, the README's set-up commands are the ones CI runs, and no link
leaves the repository (a clone has no other)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from helpers import ROOT

from ccgrate._cli.main import ExitCode, cli

README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
PAGES = [README, *DOCS]
EVERY_MARKDOWN = [
    *PAGES,
    ROOT / "CONTRIBUTING.md",
    ROOT / "CHANGELOG.md",
    ROOT / "examples" / "README.md",
    ROOT / "docs" / "sources" / "README.md",
    ROOT / "tests" / "bench" / "peer" / "README.md",
]
CI = (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def text(page: Path) -> str:
    return page.read_text(encoding="utf-8")


def console_runs() -> list[tuple[Path, str, str]]:
    """(page, command, shown output) for every `$ ccgrate ...` line in a ```console block."""
    runs = []
    for page in PAGES:
        for block in re.findall(r"```console\n(.*?)```", text(page), flags=re.S):
            for chunk in re.split(r"^\$ ", block, flags=re.M)[1:]:
                command, _, output = chunk.partition("\n")
                runs.append((page, command, output))
    return runs


def sh_lines(page: Path, section: str | None = None) -> list[str]:
    """Every line of the ```sh blocks of a page, or of one `## ` section of it."""
    content = text(page)
    if section is not None:
        content = re.search(rf"^## {re.escape(section)}\n(.*?)(?=^## |\Z)", content, re.S | re.M)[1]
    return [line for block in re.findall(r"```sh\n(.*?)```", content, flags=re.S) for line in block.splitlines()]


RUNS = console_runs()


def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A directory that sees the examples, so that a run writing a file leaves nothing behind."""
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    (tmp_path / "docs").mkdir()
    monkeypatch.chdir(tmp_path)


@pytest.mark.parametrize(("page", "command", "shown"), RUNS, ids=[f"{p.name}: {c}" for p, c, _ in RUNS])
def test_terminal_runs_in_the_docs_are_real(ccgrate, monkeypatch, tmp_path, page, command, shown):
    scratch(tmp_path, monkeypatch)
    words = shlex.split(command)
    assert words[0] == "ccgrate", f"{page.name}: a console run is a ccgrate command"
    keep = None
    if "|" in words:
        pipe = words.index("|")
        words, (tool, flag, count) = words[:pipe], words[pipe + 1 :]
        assert tool in ("head", "tail") and flag == "-n"
        keep = (tool, int(count))
    messages_only = words[-2:] == ["2>&1", ">/dev/null"]  # a run shown by its messages alone
    merged = words[-1] == "2>&1"  # a run shown with its messages: ccgrate's stderr after its stdout
    if merged or messages_only:
        words = words[: -2 if messages_only else -1]
    result = ccgrate(*words[1:], expect=ExitCode.FRAMEWORK if "framework check" in command and merged else 0)
    out = result.stderr if messages_only else result.stdout + (result.stderr if merged else "")
    lines = out.rstrip("\n").split("\n")
    if keep:
        lines = lines[: keep[1]] if keep[0] == "head" else lines[-keep[1] :]
    assert [line.rstrip() for line in lines] == shown.rstrip("\n").split("\n"), (
        f"{page.name}: run `python tools/run.py docs` after a deliberate change of output"
    )


SHOWN_COMMANDS = [
    (page, line.split("  #")[0].strip()) for page in DOCS for line in sh_lines(page) if line.startswith("ccgrate ")
]


@pytest.mark.parametrize(("page", "command"), SHOWN_COMMANDS, ids=[f"{p.name}: {c}" for p, c in SHOWN_COMMANDS])
def test_commands_shown_in_the_docs_work(ccgrate, monkeypatch, tmp_path, page, command):
    scratch(tmp_path, monkeypatch)
    words = shlex.split(command)
    ccgrate(*words[1:])
    for word, following in zip(words, words[1:]):
        if word in ("-o", "--output"):
            assert (tmp_path / following).stat().st_size > 0, f"{page.name}: {command} wrote nothing"


def test_the_readme_shows_a_score_run_first():
    assert RUNS[0][:2] == (README, "ccgrate score examples/bromley.csv")


def test_two_setup_commands_and_ci_runs_the_test_command_exactly():
    install_and_run, install_and_test = [
        line for line in sh_lines(README, "Set-up on a fresh machine") if line.startswith("python3 -m venv")
    ]
    assert install_and_run.endswith("pip install . && ccgrate score examples/bromley.csv")
    assert install_and_test.endswith("pip install '.[test]' && pytest")
    assert install_and_test in CI.splitlines()


def test_contributors_are_told_to_install_editable():
    assert any(line.endswith("pip install -e '.[test]'") for line in sh_lines(ROOT / "CONTRIBUTING.md"))


def test_every_command_is_in_the_readme_and_the_commands_page():
    names = []
    for name, command in cli.commands.items():
        names.append(name)
        names += [f"{name} {sub}" for sub in getattr(command, "commands", {})]
    for page in (README, ROOT / "docs" / "commands.md"):
        for name in names:
            assert f"`ccgrate {name}" in text(page), (page.name, name)


def test_exit_code_table_matches_the_code():
    table = dict(re.findall(r"^\| (\d+) \| (.+?) \|$", text(README), flags=re.M))
    assert sorted(int(code) for code in table) == sorted(code.value for code in ExitCode)


def test_the_readme_is_a_readme():
    assert text(README).count("\n") < 250
    for page in DOCS:
        assert f"](docs/{page.name}" in text(README), f"the README does not link {page.name}"


@pytest.mark.parametrize("page", EVERY_MARKDOWN, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_link_leaves_the_repository(page):
    content = text(page)
    assert "../shared" not in content, f"{page.name} points outside the repository"
    for target in re.findall(r"\]\(([^)\s]+)\)", content):
        assert "://" not in target, f"{page.name} links outside the repository: {target}"
        path, _, anchor = target.partition("#")
        found = (page.parent / path).resolve() if path else page
        assert found.exists(), f"{page.name}: {target} does not exist"
        assert ROOT in found.parents or found == ROOT, f"{page.name}: {target} leaves the repository"
        if anchor and found.suffix == ".md":
            headings = re.findall(r"^#+ (.+)$", text(found), flags=re.M)
            slugs = {re.sub(r"[^\w\- ]", "", h.lower()).replace(" ", "-") for h in headings}
            assert anchor in slugs, f"{page.name}: no heading #{anchor} in {found.name}"
