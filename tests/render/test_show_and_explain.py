"""`framework show` and `score --explain` describe one indicator with the same rules: the sign of a
standard, the cut points as written, how a value on a cut is banded, the target of a z-score. Both
read them from the framework model, and this holds them together for every method, direction and
`on_cut`, on data with values exactly on the cuts."""

from __future__ import annotations

import json

import pytest
from factories import BASE_TOML

H1 = """[[indicators]]
id = "h1"
name = "Smoking"
domain = "health"
unit = "%"
direction = "lower"
method = "bands"
cuts = [10.0, 20.0]
evidence = "reconstructed"
"""
ON_THE_CUT_WORDS = "on a cut, the worse band"

METHODS = {
    "bands": 'method = "bands"\ncuts = [40.0, 55.5, 70.25]\n',
    "quantile-fixed": 'method = "quantile"\ncuts = [40.0, 55.5, 70.25]\n',
    "quantile-population": 'method = "quantile"\nmin_population = 4\n',
    "standard": 'method = "standard"\nstandard = 55.5\n',
    "standard-significance": 'method = "standard"\nstandard = 55.5\nsignificance = 0.95\n',
    "zscore-fixed": 'method = "zscore"\ntarget = 55.5\ntau2 = 0.001\nmin_population = 50\n',
    "zscore-pooled": 'method = "zscore"\n',
}
CASES = [
    (method, direction, on_cut)
    for method in METHODS
    for direction in ("higher", "lower")
    for on_cut in (("better", "worse") if not method.startswith("zscore") else (None,))
]


def probe_framework(method: str, direction: str, on_cut: str | None) -> str:
    keys = METHODS[method] + (f'on_cut = "{on_cut}"\n' if on_cut else "")
    probe = (
        f'[[indicators]]\nid = "p1"\nname = "Probe"\ndomain = "health"\nunit = "%"\n'
        f'direction = "{direction}"\n{keys}evidence = "reconstructed"\n'
    )
    assert H1 in BASE_TOML
    return BASE_TOML.replace(H1, probe)


def probe_data() -> str:
    """30 organisations, some exactly on the cut points and the standard, all with counts."""
    rows = ["org_code,org_name,period,p1,p1_numerator,p1_denominator,h2,c1,c2,c3,leadership,finance"]
    for k in range(30):
        numerator, denominator = [(400, 1000), (555, 1000), (7025, 10000)][k % 3] if k < 9 else (300 + 17 * k, 1000)
        value = f"{100 * numerator / denominator:g}"
        rows.append(f"X{k:02d},Org {k},2017/18,{value},{numerator},{denominator},{50 + k},90,75,good,green,green")
    return "\n".join(rows) + "\n"


def shown_reference(text: str) -> str:
    """The Reference cell of p1 in `framework show`'s indicator table."""
    lines = text.splitlines()
    header = next(line for line in lines if "┃ Reference" in line)
    column = [cell.strip() for cell in header.split("┃")].index("Reference")
    row = next(line for line in lines if line.startswith("│ p1 "))
    return [cell.strip() for cell in row.split("│")][column]


@pytest.mark.parametrize(("method", "direction", "on_cut"), CASES, ids=["-".join(filter(None, c)) for c in CASES])
def test_show_and_explain_agree(ccgrate, monkeypatch, tmp_path, method, direction, on_cut):
    monkeypatch.setenv("COLUMNS", "240")
    path = tmp_path / "fw.toml"
    path.write_text(probe_framework(method, direction, on_cut), encoding="utf-8")
    data = tmp_path / "data.csv"
    data.write_text(probe_data(), encoding="utf-8")
    show = shown_reference(ccgrate("framework", "show", path).stdout)
    document = json.loads(ccgrate("score", data, "--framework", path, "-f", "json", "-q").stdout)
    records = [next(i for i in a["indicators"] if i["id"] == "p1") for a in document["assessments"]]
    explain = records[0]["reference"]
    worse = on_cut == "worse"

    if method.startswith("standard"):
        sign = {
            ("higher", "better"): ">=",
            ("higher", "worse"): ">",
            ("lower", "better"): "<=",
            ("lower", "worse"): "<",
        }[(direction, on_cut)]
        assert show.startswith(f"{sign} 55.5") and explain.startswith(f"{sign} 55.5"), (show, explain)
        if method == "standard":
            assert show == explain
            on_the_standard = next(r for r in records if r["value"] == 55.5)
            assert (on_the_standard["band"] == "met") == (not worse)
    elif method.startswith("zscore"):
        target = show.split(",")[0]
        assert target == ("target 55.5" if method == "zscore-fixed" else "target pooled")
        if method == "zscore-fixed":
            assert explain.startswith("target 55.5,"), explain
    else:
        assert (ON_THE_CUT_WORDS in show) == (ON_THE_CUT_WORDS in explain) == worse, (show, explain)
        assert f"({direction} better" in explain
        if method == "quantile-population":
            assert show.startswith("population 4-tiles") and explain.startswith("population n=30: ")
        else:
            assert show.split(" (")[0] == "40 | 55.5 | 70.25" == explain.split(" (")[0], (show, explain)
            on_a_cut = next(r for r in records if r["value"] == 55.5)
            # 55.5 is the middle cut, between the second band (rank 1) and the third (rank 2) in either
            # direction: on the cut a value is in the second unless a value on a cut counts in the worse.
            assert on_a_cut["band_rank"] == (2 if worse else 1)


def test_a_ratio_in_per_cent_reads_its_target_in_per_cent_as_its_values_are(tmp_path, ccgrate):
    """A value in per cent is 100 times its rate, for a ratio as for a proportion; a target is in the
    indicator's unit. So a ratio's target of 100% is a ratio of 1, where its values are centred."""
    text = probe_framework("zscore-pooled", "lower", None).replace(
        'method = "zscore"\n', 'method = "zscore"\ndata = "ratio"\ntarget = 100.0\noverdispersion = "none"\n'
    )
    path = tmp_path / "fw.toml"
    path.write_text(text, encoding="utf-8")
    data = tmp_path / "data.csv"
    rows = ["org_code,period,p1,p1_numerator,p1_denominator,h2,c1,c2,c3"]
    rows += [f"X{k:02d},2017/18,,{100 + (k % 5) - 2},100,{50 + k},90,75,good" for k in range(30)]
    data.write_text("\n".join(rows) + "\n", encoding="utf-8")
    document = json.loads(ccgrate("score", data, "--framework", path, "-f", "json", "-q").stdout)
    records = [next(i for i in a["indicators"] if i["id"] == "p1") for a in document["assessments"]]
    assert all(r["band"] == "as expected" for r in records)
    assert {r["value"] for r in records} == {98.0, 99.0, 100.0, 101.0, 102.0}
    assert all(r["reference"].startswith("target 100,") for r in records)
