"""Draw a funnel plot with matplotlib, an optional extra imported only here."""

from __future__ import annotations

from typing import IO, TYPE_CHECKING

from ccgrate._base.errors import printable

if TYPE_CHECKING:
    from ccgrate._analysis.funnel import Funnel, FunnelPoint


class PlottingUnavailable(Exception):
    """matplotlib is not installed."""


def draw_funnel(funnel: Funnel, output: IO[bytes], kind: str, highlight: set[str]) -> None:
    """Write the plot to the open binary file `output`, as `kind`: svg, png or pdf."""
    try:
        import matplotlib
    except ImportError:
        raise PlottingUnavailable from None
    matplotlib.use("Agg")
    # The same input gives the same bytes: no timestamp, fixed element ids.
    matplotlib.rcParams["svg.hashsalt"] = "ccgrate"
    # Codes and names are data: "$" in them is a dollar sign, not the start of a formula.
    matplotlib.rcParams["text.parse_math"] = False
    from matplotlib import pyplot as plt
    from matplotlib.ticker import FuncFormatter

    figure, axes = plt.subplots(figsize=(8, 5.5), dpi=100)
    denominators = [d for d, _ in funnel.curve]
    for key, style, label in (
        ("upper_998", ":", "99.8% limits"),
        ("upper_95", "--", "95% limits"),
        ("lower_95", "--", None),
        ("lower_998", ":", None),
    ):
        axes.plot(
            denominators, [limits[key] for _, limits in funnel.curve], style, color="#555555", linewidth=1, label=label
        )
    axes.axhline(funnel.target, color="#005eb8", linewidth=1.2, label=f"target {funnel.target:.4g}")
    shown = [p for p in funnel.points if p.denominator and p.numerator is not None and p.z is not None]
    others = [p for p in shown if p.org_code not in highlight]
    axes.scatter(
        [p.denominator or 0.0 for p in others],
        [_value(funnel, p) for p in others],
        s=14,
        color="#768692",
        alpha=0.8,
        label="organisations",
        zorder=3,
    )
    for p in shown:
        if p.org_code in highlight:
            axes.scatter(
                [p.denominator or 0.0],
                [_value(funnel, p)],
                s=60,
                color="#da291c",
                zorder=4,
                label=printable(f"{p.org_code} ({p.band})"),
            )
            axes.annotate(
                printable(p.org_code), (p.denominator, _value(funnel, p)), textcoords="offset points", xytext=(6, 6)
            )
    axes.set_xscale("log")
    thousands = FuncFormatter(lambda x, _: f"{x:,.0f}")
    axes.xaxis.set_major_formatter(thousands)
    axes.xaxis.set_minor_formatter(thousands)
    axes.tick_params(axis="x", which="minor", labelsize=7)
    axes.set_xlabel("denominator (log scale)")
    axes.set_ylabel(funnel.unit or "value")
    adjustment = {
        "additive": f"additive, tau² {funnel.tau2:.3g}",
        "multiplicative": f"multiplicative, phi {funnel.phi:.3g}",
        "none": "no over-dispersion adjustment",
    }[funnel.overdispersion]
    heading = printable(f"{funnel.indicator} {_short(funnel.name)}, {funnel.period}")
    axes.set_title(f"{heading}\n{len(shown)} organisations; {adjustment}", fontsize=10)
    axes.legend(fontsize=8, loc="best")
    axes.grid(True, which="major", alpha=0.3)
    figure.tight_layout()
    if funnel.framework_reconstructed:
        # The picture travels without the terminal's last line, so it carries the caveat itself.
        figure.subplots_adjust(bottom=figure.subplotpars.bottom + 0.05)
        figure.text(
            0.01,
            0.01,
            f"Not official: {funnel.framework} is a reconstruction of NHS England's method from "
            "public sources; these are not NHS England's results.",
            fontsize=7,
            color="#333333",
        )
    metadata = {"Date": None} if kind in ("svg", "pdf") else {}
    figure.savefig(output, format=kind, metadata=metadata)
    plt.close(figure)


def _value(funnel: Funnel, point: FunnelPoint) -> float:
    """The plotted value: the rate from the counts, on the indicator's scale, so points and limits agree."""
    assert point.numerator is not None and point.denominator, "only points with counts are drawn"
    return point.numerator / point.denominator * funnel.scale


def _short(name: str, limit: int = 60) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"
