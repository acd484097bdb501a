"""ccgrate against a second implementation written from the README alone (tests/reference.py):
every score, band, rating and rule fired, on the national examples and on random frameworks."""

from __future__ import annotations

import json

import pytest
from helpers import EXAMPLES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reference import area_banding, band_by_hand, rate

from ccgrate._framework.loader import parse_framework, resolve_framework


def compare(assessment: dict, expected: dict) -> None:
    assert assessment["score"] == expected["score"]
    assert assessment["domains"] == expected["domains"]
    assert assessment["areas"] == expected["areas"]
    assert assessment["area_scores"] == expected["area_scores"]
    assert assessment["provisional_rating"] == expected["provisional_rating"]
    assert assessment["rating"] == expected["rating"]
    assert [r["rule"] for r in assessment["rules_fired"]] == expected["rules_fired"]


def judgement_positions(fw, judgements: dict[str, str]) -> dict[str, int]:
    return {jid: fw.judgements[jid].levels.index(level) for jid, level in judgements.items()}


@pytest.mark.parametrize("year", ["2016-17", "2017-18", "2018-19", "2019-20"])
def test_the_national_examples_agree_with_the_reference(ccgrate, year):
    document = json.loads(ccgrate("score", EXAMPLES / f"national-{year}.csv", "-f", "json", "-q").stdout)
    fw = resolve_framework(document["framework"]["id"])
    for assessment in document["assessments"]:
        ranks = {i["id"]: i["band_rank"] for i in assessment["indicators"]}
        area_ranks = {
            (area, b["id"]): b["band_rank"] for area, bands in assessment["area_bands"].items() for b in bands
        }
        expected = rate(fw, ranks, judgement_positions(fw, assessment["judgements"]), area_ranks)
        compare(assessment, expected)
        values = {i["id"]: i["value"] for i in assessment["indicators"]}
        for area in fw.areas:
            for ind in fw.indicators:
                own = area_banding(area, ind) if ind.area == area.id else None
                if (
                    own is not None
                    and own.method in ("bands", "standard")
                    and not getattr(own.own, "significance", None)
                ):
                    value = None if values[ind.id] is None else repr(values[ind.id])
                    assert area_ranks.get((area.id, ind.id)) == band_by_hand(own, value), (
                        assessment["org_code"],
                        ind.id,
                    )
        # Indicators the README bands in full are banded by hand too.
        for i, ind in zip(assessment["indicators"], fw.indicators):
            if (
                ind.method in ("bands", "standard")
                and not getattr(ind, "significance", None)
                or (ind.method == "quantile" and ind.cuts is not None)
            ):
                value = None if i["value"] is None else repr(i["value"])
                assert i["band_rank"] == band_by_hand(ind, value), (assessment["org_code"], ind.id)
    assert document["assessments"]


# --- random frameworks -----------------------------------------------------------------------------

decimal_text = st.integers(0, 10_000).map(lambda n: f"{n / 100:g}")


@st.composite
def frameworks_and_data(draw):
    domains = draw(st.integers(1, 3))
    areas = draw(st.integers(0, 2))
    count = draw(st.integers(2, 7))
    lines = ["[framework]", 'id = "random"', 'name = "Random"', 'period = "2017/18"', 'provenance = "Generated."', ""]
    cuts = sorted(draw(st.lists(st.integers(1, 9999), min_size=3, max_size=3, unique=True)), reverse=True)
    lines += [
        "[scale]",
        'ratings = ["A", "B", "C", "D"]',
        f"cuts = {{ A = {cuts[0] / 100}, B = {cuts[1] / 100}, C = {cuts[2] / 100} }}",
        f'on_cut = "{draw(st.sampled_from(["better", "worse"]))}"',
        "",
        "[scoring]",
        f"min_coverage = {draw(st.sampled_from([0.0, 0.25, 0.5, 0.6, 2 / 3]))!r}",
        f"area_min_indicators = {draw(st.integers(1, 2))}",
        "",
        "[judgements.finance]",
        'name = "Finance"',
        'levels = ["green", "amber", "red"]',
        'aliases = { surplus = "green" }',
        "",
    ]
    for d in range(domains):
        lines += ["[[domains]]", f'id = "d{d}"', f'name = "D{d}"', f"weight = {draw(st.integers(1, 300)) / 100!r}", ""]
    area_lines: dict[int, list[str]] = {a: ["[[areas]]", f'id = "a{a}"', f'name = "A{a}"'] for a in range(areas)}
    area_words = {a: ["A", "B", "C", "D"] for a in range(areas)}
    own_bandings: dict[int, list[str]] = {a: [] for a in range(areas)}
    for a in range(areas):
        if draw(st.booleans()):  # the area's own scale, in its own words or the framework's
            if draw(st.booleans()):
                area_words[a] = ["Top", "Well", "Needs", "Greatest"]
            own = sorted(draw(st.lists(st.integers(0, 9999), min_size=3, max_size=3, unique=True)), reverse=True)
            words = area_words[a]
            cut_text = ", ".join(f"{w} = {c / 100}" for w, c in zip(words, own))
            area_lines[a] += [
                "[areas.scale]",
                f"ratings = {json.dumps(words)}",
                f"cuts = {{ {cut_text} }}",
                f'on_cut = "{draw(st.sampled_from(["better", "worse"]))}"',
            ]
    columns: dict[str, list[str]] = {}
    used_domains, used_areas = set(), set()
    for k in range(count):
        method = draw(st.sampled_from(["bands", "standard", "quantile", "judgement"]))
        domain = k % domains if k < domains else draw(st.integers(0, domains - 1))
        used_domains.add(domain)
        lines += ["[[indicators]]", f'id = "i{k}"', f'name = "I{k}"', f'domain = "d{domain}"']
        in_area = None
        if areas and (k < areas or draw(st.booleans())):
            area = in_area = k if k < areas else draw(st.integers(0, areas - 1))
            used_areas.add(area)
            lines.append(f'area = "a{area}"')
        lines.append(f"weight = {draw(st.integers(1, 500)) / 100!r}")
        if method == "judgement":
            lines += ['method = "judgement"', 'levels = ["good", "fair", "poor"]']
            bands = 3
            values = draw(st.lists(st.sampled_from(["good", "fair", "poor", "", "GOOD"]), min_size=30, max_size=30))
        else:
            direction = draw(st.sampled_from(["higher", "lower"]))
            lines += [f'direction = "{direction}"', f'on_cut = "{draw(st.sampled_from(["better", "worse"]))}"']
            hundredths = sorted(draw(st.lists(st.integers(0, 10_000), min_size=1, max_size=3, unique=True)))
            if method == "standard":
                hundredths = hundredths[:1]
                lines += ['method = "standard"', f"standard = {hundredths[0] / 100!r}"]
            elif method == "quantile":
                hundredths = (hundredths * 3)[:3] if len(set(hundredths)) == 3 else [1000, 5000, 9000]
                lines += ['method = "quantile"', f"cuts = [{', '.join(repr(h / 100) for h in hundredths)}]"]
            else:
                lines += ['method = "bands"', f"cuts = [{', '.join(repr(h / 100) for h in hundredths)}]"]
            bands = len(hundredths) + 1
            if in_area is not None and draw(st.booleans()):  # the area bands it its own way
                own = sorted(draw(st.lists(st.integers(0, 10_000), min_size=1, max_size=3, unique=True)))
                banding = ["[[areas.indicators]]", f'id = "i{k}"']
                if draw(st.booleans()):
                    banding += ['method = "standard"', f"standard = {own[0] / 100!r}"]
                    own = own[:1]
                else:
                    banding += ['method = "bands"', f"cuts = [{', '.join(repr(h / 100) for h in own)}]"]
                if draw(st.booleans()):
                    banding.append(f'direction = "{draw(st.sampled_from(["higher", "lower"]))}"')
                if draw(st.booleans()):
                    banding.append(f"weight = {draw(st.integers(1, 500)) / 100!r}")
                if draw(st.booleans()):
                    points = sorted(
                        draw(st.lists(st.integers(0, 10_000), min_size=len(own) + 1, max_size=len(own) + 1)),
                        reverse=True,
                    )
                    banding.append(f"points = [{', '.join(repr(p / 100) for p in points)}]")
                own_bandings[in_area] += banding
                hundredths = hundredths + own
            # Values on the cuts, a hundredth either side, and anywhere, some missing.
            near = [f"{(h + delta) / 100:.2f}" for h in hundredths for delta in (-1, 0, 1) if h + delta >= 0]
            values = draw(
                st.lists(st.one_of(st.sampled_from(near), decimal_text, st.just("")), min_size=30, max_size=30)
            )
        if draw(st.booleans()):
            points = sorted(draw(st.lists(st.integers(0, 10_000), min_size=bands, max_size=bands)), reverse=True)
            lines.append(f"points = [{', '.join(repr(p / 100) for p in points)}]")
        lines += ['evidence = "reconstructed"', ""]
        columns[f"i{k}"] = values
    if len(used_domains) < domains or len(used_areas) < areas:
        return None
    for a in range(areas):  # after the indicators: an area's own bandings name them
        lines += area_lines[a] + [""] + own_bandings[a] + [""]
    rules = draw(
        st.lists(
            st.sampled_from(
                [
                    'when = { finance = "red" }\ncap = "C"',
                    'when = { finance = ["Surplus"], rating = "C" }\nfloor = "B"',
                    'when = { score_below = 40.5 }\ncap = "C"',
                    'when = { score_at_least = 90.0 }\nset = "A"',
                    'when = { domain_score_below = { d0 = 50.0 } }\ncap = "B"',
                    'when = { worst_band_share_at_least = 0.5 }\ncap = "C"',
                    'when = { best_band_share_at_least = 0.75 }\nfloor = "B"',
                    *(
                        [
                            f'when = {{ area_rating = {{ a0 = {json.dumps(area_words[0][2:])} }} }}\ncap = "B"',
                            'when = { areas_rated_at_most = { rating = "C", count = 1 } }\ncap = "B"',
                        ]
                        if areas
                        else []
                    ),
                ]
            ),
            max_size=4,
        )
    )
    for n, rule in enumerate(rules):
        lines += ["[[rules]]", f'id = "r{n}"', rule, 'reason = "Generated."', ""]
    finance = draw(st.lists(st.sampled_from(["green", "amber", "red", "surplus", ""]), min_size=30, max_size=30))
    header = ["org_code", "period", *columns, "finance"]
    rows = [",".join(header)]
    for r in range(30):
        rows.append(",".join([f"O{r:02d}", "2017/18", *(columns[c][r] for c in columns), finance[r]]))
    return "\n".join(lines), "\n".join(rows) + "\n", columns, finance


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture],
)
@given(frameworks_and_data().filter(lambda x: x is not None))
def test_random_frameworks_agree_with_the_reference(ccgrate, tmp_path_factory, case):
    text, data, columns, finance = case
    fw = parse_framework(text.encode(), name="random.toml")
    folder = tmp_path_factory.mktemp("random")
    (folder / "random.toml").write_text(text)
    (folder / "data.csv").write_text(data)
    document = json.loads(
        ccgrate("score", folder / "data.csv", "--framework", folder / "random.toml", "-f", "json", "-q").stdout
    )
    levels = {"green": 0, "amber": 1, "red": 2, "surplus": 0}
    for r, assessment in enumerate(document["assessments"]):
        ranks = {
            ind.id: band_by_hand(ind, columns[ind.id][r], fw.levels_of(ind) if ind.method == "judgement" else None)
            for ind in fw.indicators
        }
        assert [i["band_rank"] for i in assessment["indicators"]] == [ranks[ind.id] for ind in fw.indicators]
        judgements = {"finance": levels[finance[r]]} if finance[r] else {}
        area_ranks = {
            (area.id, ind.id): band_by_hand(own, columns[ind.id][r])
            for area in fw.areas
            for ind in fw.indicators
            if ind.area == area.id and (own := area_banding(area, ind)) is not None
        }
        reported = {(area, b["id"]): b["band_rank"] for area, bands in assessment["area_bands"].items() for b in bands}
        assert reported == area_ranks
        compare(assessment, rate(fw, ranks, judgements, area_ranks))
