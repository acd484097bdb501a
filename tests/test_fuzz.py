"""Whatever bytes arrive, `score` either scores them or refuses them cleanly: never a traceback."""

from __future__ import annotations

from click.testing import CliRunner
from helpers import EXAMPLES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ccgrate.cli import cli

BROMLEY = (EXAMPLES / "bromley.csv").read_bytes()
CLEAN_EXITS = {0, 1, 3}


def run(raw: bytes, *options: str):
    result = CliRunner().invoke(cli, ["score", "-", "-f", "csv", *options], input=raw)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in CLEAN_EXITS, (result.exit_code, result.stderr)
    if result.exit_code:
        (line,) = result.stderr.strip("\n").split("\n")[-1:]
        assert line.startswith("Error: ") and "Traceback" not in result.stderr
    return result


cells = st.one_of(
    st.sampled_from(["", "NA", "12.5", "1,234", "66.7%", "green", "purple", "nan", "-1", "1e400", "2017/18", "\"", ","]),
    st.text(max_size=8),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(cells, min_size=1, max_size=6), min_size=1, max_size=5))
def test_random_csv_text(rows):
    header = "org_code,org_name,period,126a,leadership,finance\n"
    body = "\n".join(",".join(row) for row in rows)
    run((header + body).encode("utf-8", "surrogatepass"))


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_mutated_example(data):
    raw = bytearray(BROMLEY)
    for _ in range(data.draw(st.integers(1, 6))):
        position = data.draw(st.integers(0, len(raw) - 1))
        action = data.draw(st.sampled_from(["flip", "delete", "insert"]))
        if action == "flip":
            raw[position] = data.draw(st.integers(0, 255))
        elif action == "delete":
            del raw[position]
        else:
            raw.insert(position, data.draw(st.sampled_from(list(b",\n\"%;\t0x\xff"))))
    run(bytes(raw))


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=300))
def test_binary(raw):
    run(raw)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_mutated_framework_loads_or_is_refused_cleanly(data):
    from factories import BASE_TOML

    from ccgrate.errors import FrameworkError
    from ccgrate.loader import parse_framework

    text = BASE_TOML
    for _ in range(data.draw(st.integers(1, 4))):
        position = data.draw(st.integers(0, len(text) - 1))
        replacement = data.draw(st.sampled_from(['"', "=", "[", "]", "\n", "0", "-1", "x", "", "{", "}", ",", "1e999"]))
        text = text[:position] + replacement + text[position + 1:]
    try:
        parse_framework(text.encode(), name="fuzz.toml")
    except FrameworkError as error:
        assert str(error).startswith("fuzz.toml")
        assert "\n" not in str(error)
