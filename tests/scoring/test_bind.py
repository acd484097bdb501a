"""Reading raw cells against a framework: numbers, levels, counts, and what the framework does not use."""

from __future__ import annotations

import pytest
from factories import framework, replaced

from ccgrate._base.errors import DataError
from ccgrate._read.reader import read_dataset
from ccgrate._scoring.bind import Observation, bind


def bound(text: str, fw=None):
    fw = fw or framework()
    data = read_dataset(text.encode(), "d.csv")
    return bind(fw, data, list(range(len(data))), "2017/18")


def orgs_of(population):
    return [population.org(i) for i in range(len(population))]


def error_of(text: str, fw=None) -> str:
    with pytest.raises(DataError) as caught:
        bound(text, fw)
    return str(caught.value)


HEADER = "org_code,org_name,period,h1,h2,c1,c2,c3,leadership,finance\n"


def test_numbers_levels_and_judgements():
    (org,) = orgs_of(bound(HEADER + 'A,Alpha,2017/18,5%,"1,200",85.0,90,Good,Outstanding,GREEN\n'))
    assert org.values == {
        "h1": Observation(5.0),
        "h2": Observation(1200.0),
        "c1": Observation(85.0),
        "c2": Observation(90.0),
        "c3": Observation("good"),
    }
    assert org.judgements == {"leadership": "green star", "finance": "green"}


def test_blank_cells_are_missing_not_zero():
    (org,) = orgs_of(bound(HEADER + "A,Alpha,2017/18,,NA,*,,,,\n"))
    assert org.values == {}
    assert org.judgements == {}


def test_counts_are_carried_with_the_value():
    text = "org_code,period,c1,c1_numerator,c1_denominator\nA,2017/18,85.0,170,200\n"
    (org,) = orgs_of(bound(text))
    assert org.values["c1"] == Observation(85.0, 170.0, 200.0)


def test_unknown_columns_are_reported_not_dropped():
    result = bound("org_code,period,h1,x9,zz_numerator,blank\nA,2017/18,5,7,3,\n")
    assert result.warnings == [
        "d.csv: values for columns or indicators that test-fw does not define were ignored: x9, zz_numerator"
    ]


def test_values_that_look_like_proportions_are_flagged():
    rows = "".join(f"{code},2017/18,0.{n}\n" for code, n in (("A", 80), ("B", 85), ("C", 90)))
    result = bound("org_code,period,c1\n" + rows)
    assert result.warnings == [
        "d.csv: every value of indicator c1 lies between 0 and 1; it is a percentage, so 0.67 means 0.67%, "
        "not 67% (multiply proportions by 100)"
    ]


def test_an_indicator_fed_by_a_judgement():
    fw = framework(replaced('levels = ["good", "fair", "poor"]', 'judgement = "finance"'))
    result = bound("org_code,period,c3,finance\nA,2017/18,fair,amber\n", fw)
    (org,) = orgs_of(result)
    assert org.values["c3"] == Observation("amber")
    assert result.warnings == ["d.csv: column c3 was ignored: indicator c3 takes its value from the finance judgement"]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            "A,Alpha,2017/18,5,1,85,90,excellent,,",
            'd.csv:2:8: indicator c3: "excellent" is not a level of the scale (good, fair, poor); '
            "use one of those levels or leave the cell blank",
        ),
        (
            "A,Alpha,2017/18,5,1,85,90,good,great,",
            'd.csv:2:9: leadership judgement: "great" is not a level of the scale (green star, green, amber, red); '
            "use one of those levels or leave the cell blank",
        ),
        (
            "A,Alpha,2017/18,105,1,85,90,good,,",
            "d.csv:2:4: indicator h1: 105% is outside 0-100; give the value as a percentage between 0 and 100",
        ),
        (
            "A,Alpha,2017/18,5,1,-0.5%,90,good,,",
            "d.csv:2:6: indicator c1: -0.5% is outside 0-100; give the value as a percentage between 0 and 100",
        ),
        (
            "A,Alpha,2017/18,5,one,85,90,good,,",
            'd.csv:2:5: column "h2": "one" is not a number; write a number such as 66.7 '
            "(a % sign and thousands separators are allowed) or leave the cell blank",
        ),
    ],
)
def test_bad_values_name_line_and_column(row, message):
    assert error_of(HEADER + row + "\n") == message


@pytest.mark.parametrize(
    ("numerator", "denominator", "message"),
    [
        (
            "-1",
            "10",
            'd.csv:2:4: column "c1_numerator": -1 is not a count; it must be 0 or more; '
            "correct the count or leave the cell blank",
        ),
        (
            "1",
            "0",
            'd.csv:2:5: column "c1_denominator": 0 is not a count; it must be greater than 0; '
            "correct the count or leave the cell blank",
        ),
        (
            "1",
            "-4",
            'd.csv:2:5: column "c1_denominator": -4 is not a count; it must be greater than 0; '
            "correct the count or leave the cell blank",
        ),
    ],
)
def test_bad_counts(numerator, denominator, message):
    text = f"org_code,period,c1,c1_numerator,c1_denominator\nA,2017/18,10,{numerator},{denominator}\n"
    assert error_of(text) == message
