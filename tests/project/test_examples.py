"""The bundled examples: Bromley's published account, the national distributions, the generator."""

from __future__ import annotations

import collections
import csv
import io
import subprocess
import sys
from collections import Counter

import pytest
from helpers import EXAMPLES, ROOT

from ccgrate._framework.loader import builtins
from ccgrate._scoring.run import score_sources


def score(name: str, **options):
    path = EXAMPLES / name
    return score_sources([(str(path), path.read_bytes())], **options)


def bands(assessment) -> dict[str, tuple[str | None, int | None, int]]:
    return {i.id: (i.band, i.band_rank, i.band_count) for i in assessment.indicators}


def test_bromley_is_good_in_both_years():
    run = score("bromley.csv")
    assert [(a.org_code, a.period, a.rating) for a in run.assessments] == [
        ("07Q", "2016/17", "Good"),
        ("07Q", "2017/18", "Good"),
    ]
    assert run.warnings == []
    for a in run.assessments:
        # strong leadership and finance; no directions column, so not under directions
        assert a.judgements == {"leadership": "green", "finance": "green", "directions": "no"}
        assert a.rules_fired == [] and a.missing == []


def test_bromley_2017_18_account_shows_in_its_bands():
    before, after = score("bromley.csv").assessments
    b16, b17 = bands(before), bands(after)
    # improved: dementia diagnosis and 18-week RTT now meet their standards
    assert (b16["126a"][0], b17["126a"][0]) == ("not met", "met")
    assert (b16["129a"][0], b17["129a"][0]) == ("not met", "met")
    # top quartile: delayed transfers of care, appropriate prescribing, cancer survival
    for code in ("127e", "107a", "122c"):
        assert b17[code][0] == "top quartile", code
    # outstanding for involving patients and the public
    assert b17["166a"][0] == "green star"
    # weakest: early diagnosis of cancer and IAPT recovery
    assert b17["122a"][0] == "bottom quartile"
    assert b17["123a"][0] == "not met"
    # and the improvements it names in hospital care and personal health budgets
    value = {i.id: i.value for i in after.indicators}
    previous = {i.id: i.value for i in before.indicators}
    assert value["121a"] > previous["121a"] and value["105b"] > previous["105b"]


PUBLISHED = {
    "2016/17": (209, {"Outstanding": 21, "Good": 99, "Requires improvement": 66, "Inadequate": 23}),
    "2017/18": (207, {"Outstanding": 20, "Good": 100, "Requires improvement": 69, "Inadequate": 18}),
    "2018/19": (195, {"Outstanding": 24, "Good": 102, "Requires improvement": 58, "Inadequate": 11}),
    "2019/20": (191, {"Outstanding": 22}),
}


@pytest.mark.parametrize("period", sorted(PUBLISHED))
def test_national_examples_reproduce_the_published_distribution(period):
    total, published = PUBLISHED[period]
    run = score(f"national-{period.replace('/', '-')}.csv")
    assert len(run.assessments) == total
    assert run.warnings == []
    counts = Counter(a.rating for a in run.assessments)
    for rating, count in published.items():
        assert abs(counts[rating] - count) <= 3, (rating, counts[rating], count)
    fw = run.frameworks[0]
    assert fw.framework.organisations == total
    assert fw.framework.published_distribution == published


def test_national_examples_say_they_are_synthetic():
    text = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    assert "synthetic" in text.lower() and "illustrative" in text.lower()
    for entry in (e for e in builtins() if not e.quarterly):  # the CCG years; 2025/26's example is real data
        rows = (EXAMPLES / f"national-{entry.period.replace('/', '-')}.csv").read_text().splitlines()[1:]
        assert all(",Synthetic CCG " in row for row in rows)


def test_national_examples_carry_counts_for_count_indicators():
    run = score("national-2018-19.csv")
    a = run.assessments[0]
    dementia = next(i for i in a.indicators if i.id == "126a")
    assert dementia.numerator is not None and dementia.denominator is not None
    assert dementia.value == pytest.approx(100 * dementia.numerator / dementia.denominator, abs=0.05)


def test_mergers_between_years():
    rows = (EXAMPLES / "national-mergers.csv").read_text().splitlines()
    assert rows[0] == "old_code,new_code,period,weight"
    by_period = Counter(row.split(",")[2] for row in rows[1:])
    # 209 -> 207 -> 195 -> 191: two pairs, six groups of three, two groups of three
    assert by_period == {"2017/18": 4, "2018/19": 18, "2019/20": 6}


def test_generator_reproduces_the_committed_files():
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "generate_national.py"), "--check"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("readme", [EXAMPLES / "README.md", ROOT / "docs" / "builtin.md"], ids=["examples", "builtin"])
def test_the_readmes_state_what_the_examples_give(ccgrate, readme):
    """Every figure the READMEs give for the examples is what scoring the file gives today."""
    order = ["Outstanding", "Good", "Requires improvement", "Inadequate"]
    checked = 0
    for line in readme.read_text().splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if len(cells) != 3 or not cells[0][:7].replace("/", "").isdigit():
            continue
        what, _, given = cells
        period = what[:7]
        rows = list(
            csv.DictReader(
                io.StringIO(
                    ccgrate("score", EXAMPLES / f"national-{period.replace('/', '-')}.csv", "-f", "csv", "-q").stdout
                )
            )
        )
        column = "rating" if what == period else "area:" + what[8:].removesuffix(" area")
        counts = collections.Counter(row[column] for row in rows)
        assert given == " / ".join(str(counts[r]) for r in order), what
        checked += 1
    assert checked == 6
