"""The tutorial of docs/api.md runs end to end: its Python blocks, in order, in one namespace, from a
scratch directory that sees the examples (as a reader would run them from the repository's root)."""

from __future__ import annotations

import re
import warnings

from helpers import ROOT

PAGE = ROOT / "docs" / "api.md"


def test_the_tutorial_runs(tmp_path, monkeypatch, capsys):
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    monkeypatch.chdir(tmp_path)
    blocks = re.findall(r"```python\n(.*?)```", PAGE.read_text(encoding="utf-8"), flags=re.S)
    assert len(blocks) >= 5
    namespace: dict = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for number, block in enumerate(blocks, 1):
            exec(compile(block, f"{PAGE.name}, block {number}", "exec"), namespace)
    printed = capsys.readouterr().out
    assert "<ccgrate.Scores: 2 assessments (iaf-2016-17, iaf-2017-18)>" in printed
    assert "2025/26 Q1 against the published results: segments agree for 61 of 61" in printed
    assert (tmp_path / "scores-2018-19.png").stat().st_size > 0
    assert "DataError" not in printed and "Q3 2017" in printed


def test_the_readmes_python_example_prints_bromleys_two_assessments(monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    (block,) = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), flags=re.S)
    exec(compile(block, "README.md", "exec"), {})
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) >= 3 and "org_code" in lines[0] and all("07Q" in line for line in lines[1:3])
