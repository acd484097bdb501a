"""From data files to assessments: choose each period's framework, bind, assess, filter.

The only I/O here is reading framework definitions; data arrives as bytes, so the command line
decides where it comes from (a file or stdin) and this module never prints.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .bind import bind
from .data import Dataset, normalise_period, read_dataset
from .engine import Assessment, assess_population
from .errors import DataError, FrameworkError
from .loader import framework_for_period, resolve_framework


@dataclass(frozen=True)
class InputFile:
    source: str
    sha256: str
    shape: str
    rows: int


@dataclass
class ScoreRun:
    frameworks: list[Any]
    assessments: list[Assessment]
    inputs: list[InputFile]
    warnings: list[str] = field(default_factory=list)
    # One entry per population-based indicator of each file and period: the statistics its banding
    # used (phi, tau^2, n, trimming, target; or population quantile cuts).
    indicator_stats: list[dict[str, Any]] = field(default_factory=list)


def parse_period_option(text: str) -> str:
    period = normalise_period(text)
    if period is None:
        raise DataError(f'--period "{text}" is not a year', hint="write it as 2017/18 (or 2017-18, or 2017)")
    return period


def score_sources(
    sources: Sequence[tuple[str, bytes]],
    *,
    framework: str | None = None,
    periods: Iterable[str] = (),
    orgs: Iterable[str] = (),
    encoding: str = "utf-8-sig",
) -> ScoreRun:
    """Score each source (name, bytes); each file is a population of its own."""
    override = resolve_framework(framework) if framework else None
    wanted_periods = {parse_period_option(p) for p in periods}
    wanted_orgs = {code.strip().upper() for code in orgs}
    frameworks: dict[str, Any] = {}
    run = ScoreRun([], [], [])
    for name, raw in sources:
        dataset = read_dataset(raw, name, encoding)
        run.inputs.append(InputFile(name, dataset.sha256, dataset.shape, len(dataset.records)))
        run.assessments.extend(_score_dataset(dataset, override, wanted_periods, frameworks, run))
    if wanted_orgs:
        found = {a.org_code.upper() for a in run.assessments}
        absent = sorted(wanted_orgs - found)
        if absent:
            raise DataError(
                f"no organisation {', '.join(absent)} in {', '.join(s for s, _ in sources)}",
                hint="check the code against the org_code column",
            )
        run.assessments = [a for a in run.assessments if a.org_code.upper() in wanted_orgs]
    run.frameworks = sorted(frameworks.values(), key=lambda f: (f.framework.period, f.id))
    return run


def _framework_for(period: str, source: str) -> Any:
    try:
        return framework_for_period(period)
    except FrameworkError as error:
        raise FrameworkError(error.message, where=source, hint=error.hint) from None


def _score_dataset(
    dataset: Dataset, override: Any, wanted_periods: set[str], frameworks: dict[str, Any], run: ScoreRun
) -> list[Assessment]:
    groups: dict[str, list] = {}
    for record in dataset.records:
        period = record.period
        if period is None:
            if override is None:
                raise DataError(
                    "the file has no period column, so ccgrate cannot choose a framework",
                    where=dataset.source,
                    hint="add a period column (e.g. 2017/18) or pass --framework ID|PATH",
                )
            period = override.framework.period
        groups.setdefault(period, []).append(record)
    if wanted_periods and not wanted_periods & set(groups):
        raise DataError(
            f"no rows for period {', '.join(sorted(wanted_periods))}",
            where=dataset.source,
            hint=f"the file holds {', '.join(sorted(groups))}",
        )
    assessments: list[Assessment] = []
    for period in sorted(groups):
        if wanted_periods and period not in wanted_periods:
            continue
        fw = override if override is not None else _framework_for(period, dataset.source)
        if period != fw.framework.period:
            run.warnings.append(
                f"{dataset.source}: {period} data scored with {fw.id}, a framework for {fw.framework.period}"
            )
        frameworks.setdefault(fw.id + fw.sha256, fw)
        # Score in code order, whatever the order of the rows: sums over the population then run in
        # one order, so the same data gives the same bytes.
        records = sorted(groups[period], key=lambda r: r.org_code)
        bound = bind(fw, records, dataset.source, period)
        run.warnings.extend(bound.warnings)
        scored, stats = assess_population(fw, bound.orgs)
        assessments.extend(scored)
        for indicator_id, values in stats.items():
            run.indicator_stats.append(
                {"source": dataset.source, "period": period, "framework": fw.id, "indicator": indicator_id, **values}
            )
    return assessments
