"""Distances to a better rating (whatif on a mean of metric scores): a table for every organisation,
the plan of one, and the machine formats."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from ccgrate._render.output import TEXT_FORMATS, OutputFormat, Renderer

if TYPE_CHECKING:
    from rich.console import Console

    from ccgrate._analysis.distance import Distance
    from ccgrate._framework.model import Framework

HEADER = [
    "org_code",
    "org_name",
    "period",
    "framework",
    "rating",
    "provisional_rating",
    "score",
    "target",
    "needed_score",
    "improve_by",
    "points",
    "metrics_needed",
    "metrics",
    "reachable",
    "blocked_by",
    "rating_after",
]


def _record(d: Distance) -> dict[str, Any]:
    return {
        "org_code": d.org_code,
        "org_name": d.org_name,
        "period": d.period,
        "framework": d.framework,
        "rating": d.rating,
        "provisional_rating": d.provisional_rating,
        "score": d.score,
        "target": d.target,
        "needed_score": d.cut,
        "improve_by": d.improve_by,
        "points": d.points,
        "metrics_needed": len(d.metrics),
        "metrics": [{"id": m.id, "name": m.name, "from": m.before, "to": m.after} for m in d.metrics],
        "reachable": d.reachable,
        "blocked_by": [{"rule": rule, "reason": reason} for rule, reason in d.blocked_by],
        "rating_after": d.rating_after,
    }


def _plan(d: Distance) -> str:
    return "; ".join(f"{m.id} {m.before:.2f}->{m.after:.2f}" for m in d.metrics)


class DistanceOutput(Renderer):
    """`ccgrate whatif` on a mean of metric scores: how far each organisation is from its target."""

    formats = TEXT_FORMATS

    def __init__(self, found: list[Distance], framework: Framework, detail: bool):
        self.found = found
        self.framework = framework
        self.detail = detail

    def frameworks(self) -> Sequence[Framework]:
        return [self.framework]

    def draw(self, console: Console) -> None:
        if self.detail:
            for d in self.found:
                _detail(console, d, self.framework)
            return
        console.print(distance_table(self.found, console.width))

    def text(self, fmt: OutputFormat) -> Iterable[str]:
        from ccgrate._render.cells import SCHEMA_VERSION, ccgrate_version, markdown_table, render_rows_csv

        records = [_record(d) for d in self.found]
        if fmt is OutputFormat.JSON:
            document = {"ccgrate_version": ccgrate_version(), "schema_version": SCHEMA_VERSION, "distances": records}
            return [json.dumps(document, indent=2, ensure_ascii=False) + "\n"]
        if fmt is OutputFormat.NDJSON:
            return [json.dumps(r, ensure_ascii=False) + "\n" for r in records]
        rows = [
            [
                *(r[key] for key in HEADER[:12]),
                _plan(d),
                r["reachable"],
                ";".join(rule for rule, _ in d.blocked_by),
                r["rating_after"],
            ]
            for r, d in zip(records, self.found)
        ]
        if fmt is OutputFormat.CSV:
            return [render_rows_csv(HEADER, rows)]
        if fmt is OutputFormat.MARKDOWN:
            return [markdown_table(HEADER, rows)]
        return super().text(fmt)


def distance_table(found: list[Distance], width: int) -> Any:
    """One line per organisation: every column as wide as its cells, the name taking the rest."""
    from rich.console import Group
    from rich.table import Table

    from ccgrate._render.console import abbreviation, plain

    short = width < 100

    def rating(text: str | None) -> str:
        if text is None:
            return "-"
        return abbreviation(text) if short else text

    rows = []
    for d in found:
        kept = d.rating_after if d.blocked_by and d.rating_after != d.target else None
        if d.score is None:
            by, metrics = "not rated", ""
        elif d.target is None:
            by, metrics = "best", ""
        elif d.already:
            by, metrics = "0", ""
        elif not d.reachable:
            by, metrics = f"{d.improve_by:.2f}", "out of reach"
        else:
            by, metrics = f"{d.improve_by:.2f}", str(len(d.metrics))
        rows.append(
            {
                "Code": d.org_code,
                "Name": d.org_name,
                "Now": rating(d.provisional_rating),
                "Score": "" if d.score is None else f"{d.score:.2f}",
                "Target": rating(d.target),
                "Needs": "" if d.cut is None else f"{d.cut:g}",
                "By": by,
                "Metrics": metrics,
                "Kept at": rating(kept) if kept else "",
            }
        )
    names = ["Code", "Name", "Now", "Score", "Target", "Needs", "By", "Metrics", "Kept at"]
    widths = {n: max([len(n), *(len(r[n]) for r in rows)]) for n in names if n != "Name"}
    room = width - sum(widths.values()) - 3 * len(names) - 1
    targets = {d.target for d in found if d.target is not None}
    title = f"Distance to {targets.pop()}" if len(targets) == 1 else "Distance to the next better rating by score"
    out = Table(title=title, title_justify="left")
    for n in names:
        if n == "Name":
            longest = max([4, *(len(r["Name"]) for r in rows)])
            out.add_column(n, no_wrap=True, overflow="ellipsis", max_width=max(8, min(room, longest)))
        else:
            right = n in ("Score", "Needs", "By", "Metrics")
            out.add_column(
                n, no_wrap=True, justify="right" if right else "left", min_width=widths[n], max_width=widths[n]
            )
    for r in rows:
        out.add_row(*(plain(r[n]) for n in names))
    note = (
        "Now: the rating by score. Needs: the average score the target needs. By: how much the average must "
        "improve. Metrics: the fewest metrics whose scores can make that up (whatif --org shows which). Kept "
        "at: where a rule (a financial override, a support programme) holds the rating whatever the score."
    )
    return Group(out, plain(note, style="dim"))


def _detail(console: Console, d: Distance, fw: Framework) -> None:
    from rich.table import Table

    from ccgrate._render.console import plain

    head = f"{d.org_code} {d.org_name}, {d.period}: {d.provisional_rating or 'not rated'} by score"
    if d.score is not None:
        head += f" (average {d.score:.2f})"
    if d.rating != d.provisional_rating:
        head += f", {d.rating} after the rules"
    console.print(plain(head, style="bold"))
    if d.target is None:
        console.print(plain("Already in the best rating a score reaches."))
        return
    if d.already:
        console.print(plain(f"The score already reaches {d.target}."))
    elif d.cut is not None:
        better = "at most" if fw.scale.better == "lower" else "at least"
        console.print(
            plain(
                f"{d.target} needs an average of {better} {d.cut:g}: {d.improve_by:.2f} better, "
                f"{d.points:.2f} metric score points in all over its {d.scored} scored metrics."
            )
        )
        if d.reachable:
            table = Table(title=f"The fewest metrics: {len(d.metrics)}", title_justify="left")
            for heading in ("Metric", "Name", "Score now", "Needed"):
                table.add_column(heading, justify="right" if heading.startswith(("Score", "Needed")) else "left")
            for m in d.metrics:
                table.add_row(m.id, plain(m.name), f"{m.before:.2f}", f"{m.after:.2f}")
            console.print(table)
        else:
            console.print(plain("Not reachable by metric scores alone: every scored metric at its best is not enough."))
    for rule, reason in d.blocked_by:
        console.print(plain(f"Even so, rule {rule} keeps it at {d.rating_after}: {reason}"))
