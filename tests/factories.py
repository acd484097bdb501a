"""Small frameworks and inputs for the tests, built from text so that every test reads plainly."""

from __future__ import annotations

from ccgrate._framework.loader import parse_framework
from ccgrate._scoring.bind import Observation, OrgInput

BASE_TOML = """\
[framework]
id = "test-fw"
name = "Test framework"
period = "2017/18"
provenance = "Made up for the tests."

[scale]
ratings = ["Outstanding", "Good", "Requires improvement", "Inadequate"]
cuts = { Outstanding = 75.0, Good = 50.0, "Requires improvement" = 25.0 }

[judgements.leadership]
name = "Leadership"
levels = ["green star", "green", "amber", "red"]
aliases = { outstanding = "green star" }

[judgements.finance]
name = "Finance"
levels = ["green", "amber", "red"]

[[domains]]
id = "health"
name = "Health"
weight = 1.0

[[domains]]
id = "care"
name = "Care"
weight = 2.0

[[areas]]
id = "cancer"
name = "Cancer"

[[indicators]]
id = "h1"
name = "Smoking"
domain = "health"
unit = "%"
direction = "lower"
method = "bands"
cuts = [10.0, 20.0]
evidence = "reconstructed"

[[indicators]]
id = "h2"
name = "Obesity"
domain = "health"
direction = "higher"
method = "quantile"
min_population = 4
evidence = "reconstructed"

[[indicators]]
id = "c1"
name = "Cancer 62 days"
domain = "care"
area = "cancer"
unit = "%"
direction = "higher"
method = "standard"
standard = 85.0
evidence = "seen"
source = "https://example.org/annex-2017-18"
source_period = "2017/18"

[[indicators]]
id = "c2"
name = "Survival"
domain = "care"
area = "cancer"
direction = "higher"
method = "quantile"
cuts = [60.0, 70.0, 80.0]
weight = 2.0
evidence = "reconstructed"

[[indicators]]
id = "c3"
name = "Engagement"
domain = "care"
method = "judgement"
levels = ["good", "fair", "poor"]
evidence = "reconstructed"

[[rules]]
id = "finance-red"
when = { finance = "red" }
cap = "Requires improvement"
reason = "Deficit."

[[rules]]
id = "leadership-star"
when = { leadership = "green star", rating = "Requires improvement" }
floor = "Good"
reason = "Made-up floor for testing."
"""


def framework(text: str = BASE_TOML, name: str = "test.toml"):
    return parse_framework(text.encode("utf-8"), name=name)


def replaced(old: str, new: str, text: str = BASE_TOML, count: int = 1) -> str:
    """BASE_TOML with one change; fails loudly if the text to change is not there."""
    assert old in text, f"{old!r} not in the base framework"
    return text.replace(old, new, count)


def org(
    code: str = "A", values: dict | None = None, judgements: dict | None = None, period: str = "2017/18"
) -> OrgInput:
    observations = {
        key: value if isinstance(value, Observation) else Observation(value) for key, value in (values or {}).items()
    }
    return OrgInput(code, f"Org {code}", period, observations, judgements or {}, "test")


FULL_VALUES = {"h1": 5.0, "h2": 50.0, "c1": 90.0, "c2": 85.0, "c3": "good"}


# A framework whose every string is an attack on something (a shell, a template, a terminal): nothing
# in a framework is ever run, and every output shows these strings as data.
HOSTILE = r"""
[framework]
id = "hostile"
name = "__import__('os').system('touch PWNED')"
period = "2017/18"
provenance = "{{ ''.__class__.__mro__[1].__subclasses__() }} ${jndi:ldap://x} `touch PWNED` $(touch PWNED)"

[scale]
ratings = ["Outstanding", "Good", "Requires improvement", "Inadequate"]
cuts = { Outstanding = 75.0, Good = 50.0, "Requires improvement" = 25.0 }

[judgements.finance]
name = "exec('import os; os.system(\"touch PWNED\")')"
levels = ["green", "red"]

[[domains]]
id = "d"
name = "eval('1+1')"

[[indicators]]
id = "x1"
name = "open('PWNED', 'w').write('x')"
domain = "d"
unit = "%"
direction = "higher"
method = "standard"
standard = 50.0
evidence = "reconstructed"
note = "!!python/object/apply:os.system ['touch PWNED']"

[[rules]]
id = "r"
when = { finance = "red" }
cap = "Requires improvement"
reason = "__import__('subprocess').run(['touch', 'PWNED'])"
"""
