"""Funnel plot data for one z-score indicator: each organisation against control limits.

Built from a scoring run, so the points and limits are exactly those the banding used.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ccgrate._base.errors import DataError
from ccgrate._framework.indicators import ZScoreIndicator
from ccgrate._scoring import dispersion

if TYPE_CHECKING:
    from ccgrate._scoring.run import ScoreRun

CURVE_POINTS = 120


@dataclass(frozen=True)
class FunnelPoint:
    org_code: str
    org_name: str
    value: float | None
    numerator: float | None
    denominator: float | None
    z: float | None
    z_adj: float | None
    band: str | None
    limits: dict[str, float] = field(default_factory=dict)
    note: str | None = None


@dataclass(frozen=True)
class Funnel:
    indicator: str
    name: str
    unit: str
    direction: str
    period: str
    source: str
    framework: str
    target: float
    transform: str
    overdispersion: str
    phi: float
    tau2: float
    n: int
    scale: float  # 100 when values are percentages of their counts, else 1
    points: list[FunnelPoint]
    curve: list[tuple[float, dict[str, float]]]
    framework_sha256: str = ""
    framework_reconstructed: bool = False
    input_sha256: str = ""


def build_funnel(run: ScoreRun, indicator_id: str, period: str | None = None) -> Funnel:
    """The funnel of `indicator_id` in a run of one file; `period` chooses among several."""
    entries = [e for e in run.indicator_stats if e["indicator"].lower() == indicator_id.lower()]
    frameworks = {fw.id: fw for fw in run.frameworks}
    if not entries:
        known = sorted({i.id for fw in run.frameworks for i in fw.indicators if i.method == "zscore"})
        raise DataError(
            f"indicator {indicator_id} is not banded by z-scores in {', '.join(f.source for f in run.inputs)}",
            hint=f"funnel plots need a zscore indicator; this data has {', '.join(known) or 'none'}",
        )
    if period is not None:
        entries = [e for e in entries if e["period"] == period]
    if len(entries) > 1:
        periods = ", ".join(e["period"] for e in entries)
        raise DataError(
            f"indicator {indicator_id} appears in several periods ({periods})", hint="choose one with --period"
        )
    if not entries:
        raise DataError(f"indicator {indicator_id} has no z-scores for period {period}", hint="check --period")
    entry = entries[0]
    fw = frameworks[entry["framework"]]
    ind = fw.indicator(entry["indicator"])
    assert isinstance(ind, ZScoreIndicator), "indicator_stats with phi come from z-score bandings"
    if entry["phi"] is None:
        raise DataError(
            f"indicator {ind.id} could not be banded in {entry['source']} {entry['period']}",
            hint="a funnel needs a population large enough to estimate over-dispersion, or a fixed phi or tau2",
        )
    kind = entry["transform"]
    scale = ind.rate_scale
    target = entry["target"] / scale
    t0 = float(dispersion.transform(kind, target))
    setting, phi, tau2 = entry["overdispersion"], entry["phi"], entry["tau2"]

    def limits(denominator: float) -> dict[str, float]:
        raw = dispersion.funnel_limits(
            kind, t0, float(dispersion.standard_error(kind, denominator)), setting, phi, tau2
        )
        return {key: value * scale for key, value in raw.items()}

    points = []
    for a in run.assessments:
        if a.period != entry["period"] or a.source != entry["source"]:
            continue
        result = next(i for i in a.indicators if i.id == ind.id)
        assert not isinstance(result.value, str), "a z-score indicator's value is a number"
        detail = result.detail or {}
        points.append(
            FunnelPoint(
                a.org_code,
                a.org_name,
                result.value,
                result.numerator,
                result.denominator,
                detail.get("z"),
                detail.get("z_adj"),
                result.band,
                limits(result.denominator) if result.denominator else {},
                result.note,
            )
        )
    denominators = [p.denominator for p in points if p.denominator and p.z is not None]
    low, high = min(denominators), max(denominators)
    steps = [low * (high / low) ** (i / (CURVE_POINTS - 1)) for i in range(CURVE_POINTS)] if high > low else [low]
    return Funnel(
        indicator=ind.id,
        name=ind.name,
        unit=ind.unit,
        direction=ind.direction,
        period=entry["period"],
        source=entry["source"],
        framework=fw.id,
        target=entry["target"],
        transform=kind,
        overdispersion=setting,
        phi=phi,
        tau2=tau2,
        n=entry["n"],
        scale=scale,
        points=points,
        curve=[(d, limits(d)) for d in steps],
        framework_sha256=fw.sha256,
        framework_reconstructed=fw.reconstructed,
        input_sha256=next(f.content_sha256 for f in run.inputs if f.source == entry["source"]),
    )


def funnel_record(funnel: Funnel) -> dict[str, Any]:
    """The funnel as plain data (the `-f json` output of `ccgrate funnel`)."""

    def stable(value: Any) -> Any:
        # Full precision (the shortest repr that reads back exactly); null where not finite.
        return None if isinstance(value, float) and not math.isfinite(value) else value

    from ccgrate import __version__

    return {
        "ccgrate_version": __version__,
        "framework_sha256": funnel.framework_sha256,
        "framework_reconstructed": funnel.framework_reconstructed,
        "input_sha256": funnel.input_sha256,
        "indicator": funnel.indicator,
        "name": funnel.name,
        "unit": funnel.unit,
        "direction": funnel.direction,
        "period": funnel.period,
        "source": funnel.source,
        "framework": funnel.framework,
        "target": stable(funnel.target),
        "transform": funnel.transform,
        "overdispersion": funnel.overdispersion,
        "phi": stable(funnel.phi),
        "tau2": stable(funnel.tau2),
        "n": funnel.n,
        "points": [
            {
                "org_code": p.org_code,
                "org_name": p.org_name,
                "value": stable(p.value),
                "numerator": p.numerator,
                "denominator": p.denominator,
                "z": stable(p.z),
                "z_adj": stable(p.z_adj),
                "band": p.band,
                **{key: stable(value) for key, value in p.limits.items()},
                **({"note": p.note} if p.note else {}),
            }
            for p in funnel.points
        ],
        "curve": [{"denominator": stable(d), **{k: stable(v) for k, v in lim.items()}} for d, lim in funnel.curve],
    }
