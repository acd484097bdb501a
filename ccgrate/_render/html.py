"""The report as one self-contained HTML file: Jinja2 templates with autoescaping, CSS, SVG and a
little JavaScript inline, nothing fetched from anywhere.

Charts are SVG written by the template (a box, a line, dots): a matplotlib SVG of the same chart is
tens of KB, and a national report has a few hundred of them. Every chart has a text alternative.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from ccgrate._analysis.report import STRIP_WIDTH, Report, Spread, counted
from ccgrate._render.output import OutputFormat, Renderer


def render_report(report: Report) -> str:
    import jinja2
    from markupsafe import Markup, escape

    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("ccgrate._render", "templates"),
        autoescape=True,  # every template, whatever its name: all of it is HTML
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )

    def badge(rating: str | None, ratings: list[str] | None = None, large: bool = False) -> Markup:
        words = rating or "not rated"
        position = _position(rating)
        classes = f"rating r{position if position is not None else 'n'}" + (" large" if large else "")
        return Markup('<span class="{}">{}</span>').format(classes, words)

    def pct(share: float | None) -> str:
        return (
            ""
            if share is None or (isinstance(share, float) and math.isnan(share))
            else f"{share:.0%}"
            if share >= 0.1 or share == 0
            else f"{share:.1%}"
        )

    def score(value: float | None) -> str:
        return "" if value is None else f"{value:.2f}"

    def sortnum(value: float | None) -> str:
        return "" if value is None else repr(round(float(value), 6))

    def bars(given: float | None, published: float | None, rating: str) -> Markup:
        parts = [
            Markup('<svg viewBox="0 0 100 22" preserveAspectRatio="none" role="img" aria-label="{}">').format(
                f"{rating}: {pct(given)} given" + (f", {pct(published)} published" if published is not None else "")
            )
        ]
        if given is not None:
            parts.append(Markup('<rect class="given" x="0" y="2" height="8" width="{:.2f}"/>').format(100 * given))
        if published is not None:
            parts.append(
                Markup('<rect class="published" x="0" y="12" height="8" width="{:.2f}"/>').format(100 * published)
            )
        parts.append(Markup("</svg>"))
        return Markup("").join(parts)

    def box(spread: Spread | None, value: float | None, name: str) -> Markup:
        if spread is None:
            return Markup("")
        if spread.count < 5:  # no national spread to speak of in a file of a few organisations
            return Markup('<span class="meta">{} in the file</span>').format(counted(spread.count, "organisation"))
        low, high = min(spread.low, spread.scale[0]), max(spread.high, spread.scale[1])
        digits = 1 if spread.scale[1] - spread.scale[0] >= 20 else 2

        # The diamond is 8 wide: the scale stops 5 short of each edge, so that a score at the top or
        # the bottom of the range is drawn whole.
        def x(v: float) -> float:
            return round(5 + (v - low) / ((high - low) or 1.0) * 190, 1)

        words = (
            f"{name}: {score(value) or 'no score'}; all {spread.count} organisations from {spread.low:.{digits}f} to "
            f"{spread.high:.{digits}f}, middle half {spread.q1:.{digits}f} to {spread.q3:.{digits}f}, "
            f"median {spread.median:.{digits}f}"
        )
        svg = Markup(
            '<svg viewBox="0 0 200 20" preserveAspectRatio="none" role="img" aria-label="{}">'
            '<line class="whisker" x1="{}" x2="{}" y1="10" y2="10"/>'
            '<rect class="box" x="{}" y="4" width="{}" height="12"/>'
            '<line class="whisker" x1="{}" x2="{}" y1="4" y2="16"/>'
        ).format(
            words,
            x(spread.low),
            x(spread.high),
            x(spread.q1),
            round(max(x(spread.q3) - x(spread.q1), 0.5), 1),
            x(spread.median),
            x(spread.median),
        )
        if value is not None:
            svg += Markup('<path class="mark" d="M{0} 2 l4 8 l-4 8 l-4 -8 z"/>').format(x(value))
        return svg + Markup("</svg>")

    def band(indicator: dict[str, Any]) -> Markup:
        if indicator["band"] is None:
            return Markup('<span class="muted">not banded</span>')
        rank, count = indicator["band_rank"], indicator["bands"]
        return (
            Markup("{} ({}/{})").format(indicator["band"], rank + 1, count)
            if rank is not None and count
            else escape(indicator["band"])
        )

    ratings_in_order: dict[str, int] = {}
    for overview in report.overviews:
        for k, rating in enumerate(overview.ratings):
            ratings_in_order.setdefault(rating, k)

    def _position(rating: str | None) -> int | None:
        return None if rating is None else ratings_in_order.get(rating)

    template = environment.get_template("report.html.j2")
    return template.render(
        report=report,
        badge=badge,
        pct=pct,
        score=score,
        sortnum=sortnum,
        bars=bars,
        box=box,
        band=band,
        counted=counted,
        strip_width=int(STRIP_WIDTH),
        section_anchors={s.anchor for s in report.sections},
    )


class ReportOutput(Renderer):
    """`ccgrate report`: one self-contained HTML file."""

    formats = (OutputFormat.HTML,)

    def __init__(self, report: Report | None, page: str | None = None):
        self.report = report
        self._html: str | None = page

    @classmethod
    def of_page(cls, page: str) -> ReportOutput:
        """A page made already (by `ccgrate.report`), to be written."""
        return cls(None, page)

    @property
    def html(self) -> str:
        """The page, made once: a national report is megabytes, and its size is worth saying."""
        if self._html is None:
            assert self.report is not None, "a report output holds a report or its page"
            self._html = render_report(self.report)
        return self._html

    def text(self, fmt: OutputFormat) -> Iterable[str]:
        if fmt is OutputFormat.HTML:
            return [self.html]
        return super().text(fmt)
