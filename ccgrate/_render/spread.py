"""The metric bootstrap's answer (sensitivity on a mean of metric scores): per organisation, the
likely range of its average score and its rank, and how often each rating comes out."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from ccgrate._render.output import TEXT_FORMATS, OutputFormat, Renderer

if TYPE_CHECKING:
    from rich.console import Console

    from ccgrate._analysis.spread import OrgSpread, Spread
    from ccgrate._framework.model import Framework


def _header(spread: Spread) -> list[str]:
    return [
        "org_code",
        "org_name",
        "period",
        "score",
        "rating",
        "rank",
        "score_p5",
        "score_median",
        "score_p95",
        "rank_p5",
        "rank_median",
        "rank_p95",
        *(f"p:{r}" for r in spread.ratings),
    ]


def _row(spread: Spread, org: OrgSpread) -> list[Any]:
    s = org.score_interval or (None, None, None)
    r = org.rank_interval or (None, None, None)
    return [
        org.org_code,
        org.org_name,
        spread.period,
        org.score,
        org.rating,
        org.rank,
        *s,
        *r,
        *(org.shares.get(rating) if org.shares else None for rating in spread.ratings),
    ]


def caption(spread: Spread) -> str:
    return (
        f"{spread.draws:,} draws, seed {spread.seed}: each organisation's metric scores resampled with "
        "replacement, then rated on the period's cut points with the rules and ranked in its peer group"
    )


class SpreadOutput(Renderer):
    formats = TEXT_FORMATS

    def __init__(self, spread: Spread, framework: Framework):
        self.spread = spread
        self.framework = framework

    def frameworks(self) -> Sequence[Framework]:
        return [self.framework]

    def draw(self, console: Console) -> None:
        from rich import box
        from rich.table import Table

        from ccgrate._render.cells import share_cell
        from ccgrate._render.console import abbreviation, plain

        spread = self.spread
        wide = console.width >= 110
        table = Table(
            title=f"How sure each average and rank is, {spread.period}: {caption(spread)}",
            title_justify="left",
            caption="Score and Rank: as scored, then the 5-95% range of the draws. P(X): the share of draws "
            "ending in rating X ('.' none).",
            caption_justify="left",
            box=box.SIMPLE_HEAD,
            pad_edge=False,
            collapse_padding=True,
        )
        table.add_column("Code", no_wrap=True)
        if wide:
            table.add_column("Name", ratio=1, no_wrap=True, overflow="ellipsis")
        table.add_column("Score", justify="right", no_wrap=True)
        table.add_column("5-95%", justify="right", no_wrap=True)
        table.add_column("Rank", justify="right", no_wrap=True)
        table.add_column("5-95%", justify="right", no_wrap=True)
        for rating in spread.ratings:
            table.add_column(f"P({abbreviation(rating)})", justify="right", no_wrap=True)
        for org in spread.orgs:
            s, r = org.score_interval, org.rank_interval
            table.add_row(
                org.org_code,
                *([plain(org.org_name)] if wide else []),
                "-" if org.score is None else f"{org.score:.2f}",
                "" if s is None else f"{s[0]:.2f}-{s[2]:.2f}",
                str(org.rank or "-"),
                "" if r is None else f"{r[0]}-{r[2]}",
                *(share_cell(org.shares.get(rating)) if org.shares else "-" for rating in spread.ratings),
            )
        console.print(table)

    def text(self, fmt: OutputFormat) -> Iterable[str]:
        from ccgrate._render.cells import SCHEMA_VERSION, ccgrate_version, markdown_table, render_rows_csv

        header = _header(self.spread)
        rows = [_row(self.spread, org) for org in self.spread.orgs]
        if fmt is OutputFormat.JSON:
            document = {
                "ccgrate_version": ccgrate_version(),
                "schema_version": SCHEMA_VERSION,
                "framework": self.spread.framework,
                "period": self.spread.period,
                "method": "metric bootstrap",
                "draws": self.spread.draws,
                "seed": self.spread.seed,
                "organisations": [dict(zip(header, row)) for row in rows],
            }
            return [json.dumps(document, indent=2, ensure_ascii=False) + "\n"]
        if fmt is OutputFormat.NDJSON:
            return [json.dumps(dict(zip(header, row)), ensure_ascii=False) + "\n" for row in rows]
        if fmt is OutputFormat.CSV:
            return [render_rows_csv(header, rows)]
        if fmt is OutputFormat.MARKDOWN:
            return [markdown_table(header, rows)]
        return super().text(fmt)
