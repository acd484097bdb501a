"""Whatever bytes arrive, `score` either scores them or refuses them cleanly: never a traceback."""

from __future__ import annotations

from click.testing import CliRunner
from helpers import EXAMPLES, check_score_output
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ccgrate._cli.main import cli

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
    st.sampled_from(["", "NA", "12.5", "1,234", "66.7%", "green", "purple", "nan", "-1", "1e400", "2017/18", '"', ","]),
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
    run(mutate(data, BROMLEY, [bytes([b]) for b in b',\n"%;\t0x\xff']))


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=300))
def test_binary(raw):
    run(raw)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_mutated_framework_loads_or_is_refused_cleanly(data):
    from factories import BASE_TOML

    from ccgrate._base.errors import FrameworkError
    from ccgrate._framework.loader import parse_framework

    text = BASE_TOML
    for _ in range(data.draw(st.integers(1, 4))):
        position = data.draw(st.integers(0, len(text) - 1))
        replacement = data.draw(st.sampled_from(['"', "=", "[", "]", "\n", "0", "-1", "x", "", "{", "}", ",", "1e999"]))
        text = text[:position] + replacement + text[position + 1 :]
    try:
        parse_framework(text.encode(), name="fuzz.toml")
    except FrameworkError as error:
        assert str(error).startswith("fuzz.toml")
        assert "\n" not in str(error)


# --- every command, not only score ----------------------------------------------------------------

NATIONAL_LINES = (EXAMPLES / "national-2018-19.csv").read_bytes().split(b"\n")
SMALL_NATIONAL = b"\n".join(NATIONAL_LINES[:41]) + b"\n"  # the header and 40 organisations
EVERY_COMMAND = [
    ["score", "-", "--explain", "-f", "json"],
    ["score", "-", "-f", "markdown", "--summary", "--fail-below", "Good"],
    ["score", "-", "--explain"],
    ["compare", "-", str(EXAMPLES / "national-2017-18.csv"), "-f", "csv"],
    ["compare", str(EXAMPLES / "national-2017-18.csv"), "-", "--map", str(EXAMPLES / "national-mergers.csv")],
    ["whatif", "-", "--org", "SYN001", "--target", "Outstanding", "-f", "json"],
    ["whatif", "-", "--org", "SYN002", "--set", "126b=50", "--set", "finance=red", "-f", "csv"],
    ["sensitivity", "-", "--draws", "20", "-f", "csv"],
    ["calibrate", "-", "-o", "-", "-f", "json"],
    ["funnel", "-", "--indicator", "126b", "-f", "csv"],
    ["funnel", "-", "--indicator", "126b", "--org", "SYN003"],
]


def run_command(args: list[str], raw: bytes):
    result = CliRunner().invoke(cli, ["-q", *args], input=raw)
    assert result.exception is None or isinstance(result.exception, SystemExit), (args, repr(result.exception))
    assert result.exit_code in {0, 1, 2, 3, 4}, (args, result.exit_code, result.stderr)
    if result.exit_code not in (0, 4):
        assert result.stderr.count("Error: ") == 1 and "Traceback" not in result.stderr, (args, result.stderr)
    elif args[0] == "score" and "json" in args:
        check_score_output(result.stdout)  # whatever the data, the output keeps to its published schema
    return result


def mutate(data, raw: bytes, pieces: list[bytes]) -> bytes:
    raw = bytearray(raw)
    for _ in range(data.draw(st.integers(1, 5))):
        position = data.draw(st.integers(0, len(raw) - 1))
        action = data.draw(st.sampled_from(["flip", "delete", "insert"]))
        if action == "flip":
            raw[position] = data.draw(st.integers(0, 255))
        elif action == "delete":
            del raw[position]
        else:
            raw[position:position] = data.draw(st.sampled_from(pieces))
    return bytes(raw)


HOSTILE_PIECES = [
    b",",
    b"\n",
    b'"',
    b"%",
    b";",
    b"0",
    b"-",
    b"1e308",
    b"\x1b[31m",
    b"\xe2\x80\xae",
    b"[bold]",
    b":smile:",
    b"=cmd|' /C calc'!A0",
    b"none",
    b"NA",
    b"9007199254740993",
    b"\xff",
]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_every_command_scores_or_refuses_mutated_data(data):
    command = data.draw(st.sampled_from(EVERY_COMMAND))
    run_command(command, mutate(data, SMALL_NATIONAL, HOSTILE_PIECES))


def custom_data(rows: int = 30) -> bytes:
    """Data for the test framework of factories.py: every method, counts and both judgements."""
    import random

    rng = random.Random(7)
    lines = ["org_code,org_name,period,h1,h2,c1,c1_numerator,c1_denominator,c2,c3,leadership,finance"]
    for i in range(rows):
        denominator = rng.randint(50, 500)
        numerator = rng.randint(denominator // 2, denominator)
        lines.append(
            f"X{i:03d},Org {i},2017/18,{rng.uniform(0, 30):.1f},{rng.uniform(20, 80):.1f},"
            f"{100 * numerator / denominator:.2f},{numerator},{denominator},{rng.uniform(50, 90):.1f},"
            f"{rng.choice(['good', 'fair', 'poor'])},{rng.choice(['green star', 'green', 'amber', 'red'])},"
            f"{rng.choice(['green', 'amber', 'red'])}"
        )
    return ("\n".join(lines) + "\n").encode()


FRAMEWORK_COMMANDS = [
    ["score", "-", "--explain", "-f", "json"],
    ["score", "-", "--summary", "-f", "csv"],
    ["score", "-"],
    ["whatif", "-", "--org", "X001", "--target", "{best}", "-f", "json"],
    ["sensitivity", "-", "--draws", "20", "-f", "csv"],
    ["calibrate", "-", "-o", "-", "-f", "csv", "--target", "{even}"],
    ["compare", "-", "{same}", "--framework-a", "{fw}", "--framework-b", "{fw}", "-f", "json"],
]


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(st.data())
def test_a_framework_that_loads_works_with_every_command(tmp_path_factory, data):
    """Mutate the test framework; whenever `framework check` accepts it, every command must run."""
    from factories import BASE_TOML

    from ccgrate._base.errors import FrameworkError
    from ccgrate._framework.loader import parse_framework

    text = (
        BASE_TOML
        + """
[[rules]]
id = "area-worst"
when = { area_rating = { cancer = "Inadequate" } }
cap = "Requires improvement"
reason = "Area."

[[rules]]
id = "areas-count"
when = { areas_rated_at_most = { rating = "Requires improvement", count = 1 }, rating = "Outstanding" }
cap = "Good"
reason = "Areas."

[[rules]]
id = "shares"
when = { worst_band_share_at_least = 0.5, best_band_share_at_least = 0.1 }
cap = "Requires improvement"
reason = "Shares."
"""
    )
    # Change whole tokens (a number, a quoted name), so that most variants are still frameworks.
    import re

    tokens = list(re.finditer(r'(?<![\w.])\d+(?:\.\d+)?(?![\w.])|"[^"\n]*"', text))
    for _ in range(data.draw(st.integers(1, 3))):
        token = tokens[data.draw(st.integers(0, len(tokens) - 1))]
        if token.group().startswith('"'):
            new = data.draw(
                st.sampled_from(
                    [
                        '"Gold"',
                        '"good"',
                        '"x"',
                        '"red"',
                        '"green"',
                        '"Outstanding"',
                        '"Good"',
                        '"Inadequate"',
                        '"cancer"',
                        '"health"',
                        '"care"',
                        '"lower"',
                        '"[b]"',
                    ]
                )
            )
        else:
            new = data.draw(
                st.sampled_from(["0", "0.5", "1", "2", "9", "50", "100", "1e-9", "1e9", "99.99", "75", "25"])
            )
        text = text[: token.start()] + new + text[token.end() :]
        tokens = list(re.finditer(r'(?<![\w.])\d+(?:\.\d+)?(?![\w.])|"[^"\n]*"', text))
    try:
        fw = parse_framework(text.encode(), name="fuzz.toml")
    except FrameworkError:
        return
    folder = tmp_path_factory.mktemp("fw")
    path = folder / "fuzz.toml"
    path.write_text(text)
    raw = custom_data()
    (folder / "same.csv").write_bytes(raw)
    ratings = fw.scale.ratings
    share = dict.fromkeys(ratings, 0)
    for k in range(len(raw.splitlines()) - 1):
        share[ratings[k % len(ratings)]] += 1
    fill = {
        "best": ratings[0],
        "fw": str(path),
        "same": str(folder / "same.csv"),
        "even": ",".join(f"{r}={n}" for r, n in share.items()),
    }
    command = [part.format(**fill) for part in data.draw(st.sampled_from(FRAMEWORK_COMMANDS))]
    if "--framework-a" not in command:
        command += ["--framework", str(path)]
    run_command(command, raw)
