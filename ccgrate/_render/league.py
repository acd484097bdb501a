"""League tables, for people (one table per period and peer group, at any width) and in the machine
formats (one row per organisation)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from ccgrate._analysis.agreement import in_words
from ccgrate._render.output import TEXT_FORMATS, OutputFormat, Renderer

if TYPE_CHECKING:
    from rich.console import Console

    from ccgrate._analysis.league import LeagueRow, LeagueTable
    from ccgrate._framework.model import Framework

HEADER = [
    "period",
    "peer_group",
    "rank",
    "org_code",
    "org_name",
    "score",
    "provisional_rating",
    "adjusted_rating",
    "rating",
    "rules_fired",
    "published_rank",
    "agreement",
    "framework",
    "source",
]


def _row(table: LeagueTable, row: LeagueRow) -> dict[str, Any]:
    a = row.assessment
    return {
        "period": table.period,
        "peer_group": table.peer_group,
        "rank": row.rank,
        "org_code": a.org_code,
        "org_name": a.org_name,
        "score": a.score,
        "provisional_rating": a.provisional_rating,
        "adjusted_rating": a.adjusted_rating,
        "rating": a.rating,
        "rules_fired": [r.rule for r in a.rules_fired],
        "published_rank": row.published_rank,
        "agreement": in_words(a),
        "framework": a.framework,
        "source": a.source,
    }


class LeagueOutput(Renderer):
    """`ccgrate league`: organisations ranked within peer group and period."""

    formats = TEXT_FORMATS

    def __init__(self, tables: list[LeagueTable]):
        self.tables = tables

    def frameworks(self) -> Sequence[Framework]:
        return list({t.framework.id: t.framework for t in self.tables}.values())

    def draw(self, console: Console) -> None:
        for k, table in enumerate(self.tables):
            if k:
                console.print()
            console.print(league_table(table, console.width))
        from ccgrate._render.console import abbreviation, plain

        notes = []
        if console.width < 100:
            ratings = list(dict.fromkeys(r for t in self.tables for r in t.framework.scale.ratings))
            notes.append(
                "Rtg: the rating (" + ", ".join(f"{abbreviation(r)} {r}" for r in ratings) + "); By score: the "
                "rating the score alone gave, where rules moved it (score --explain says which)."
            )
        if any(row.assessment.published for t in self.tables for row in t.rows):
            notes.append(
                ("Pub" if console.width < 100 else "Published")
                + ": the rank NHS England published, where it differs from ccgrate's (blank: the same)."
            )
        if notes:
            console.print(plain("\n".join(notes), style="dim"))

    def text(self, fmt: OutputFormat) -> Iterable[str]:
        from ccgrate._render.cells import SCHEMA_VERSION, ccgrate_version, markdown_table, render_rows_csv

        rows = [_row(t, r) for t in self.tables for r in t.rows]
        if fmt is OutputFormat.JSON:
            document = {
                "ccgrate_version": ccgrate_version(),
                "schema_version": SCHEMA_VERSION,
                "tables": [
                    {
                        "period": t.period,
                        "peer_group": t.peer_group,
                        "framework": t.framework.id,
                        "source": t.source,
                        "rows": [_row(t, r) for r in t.rows],
                    }
                    for t in self.tables
                ],
            }
            return [json.dumps(document, indent=2, ensure_ascii=False) + "\n"]
        if fmt is OutputFormat.NDJSON:
            return [json.dumps(row, ensure_ascii=False) + "\n" for row in rows]
        cells = [[";".join(v) if isinstance(v, list) else v for v in row.values()] for row in rows]
        if fmt is OutputFormat.CSV:
            return [render_rows_csv(HEADER, cells)]
        if fmt is OutputFormat.MARKDOWN:
            parts = []
            for t in self.tables:
                parts.append(f"## {t.title}\n\n")
                parts.append(
                    markdown_table(
                        ["Rank", "Code", "Name", "Score", "Rating", "Override"],
                        [
                            [
                                r.rank or "-",
                                r.assessment.org_code,
                                r.assessment.org_name,
                                _score(r),
                                r.assessment.rating or "not rated",
                                r.override,
                            ]
                            for r in t.rows
                        ],
                    )
                    + "\n"
                )
            return parts
        return super().text(fmt)


def _score(row: LeagueRow) -> str:
    return "" if row.assessment.score is None else f"{row.assessment.score:.2f}"


NAME_LEAST = 20


def league_table(table: LeagueTable, width: int) -> Any:
    """One peer group's table: rank, code, name, rating, score, what the rules did, and the published
    rank where it differs. Every column but the name is as wide as its cells; the name takes the
    rest (cut with an ellipsis), and on a narrow terminal ratings are written by their initials."""
    from rich.table import Table

    from ccgrate._render.console import abbreviation, plain, rating_text

    published = any(r.assessment.published for r in table.rows)
    short = width < 100
    rows = []
    for row in table.rows:
        a = row.assessment
        rating = abbreviation(a.rating) if short and a.rating is not None else (a.rating or "-")
        moved = a.rules_fired and a.rating != a.provisional_rating and a.provisional_rating is not None
        if short:  # the rating the score alone gave, where the rules moved it; the rules are in --explain
            rules = abbreviation(a.provisional_rating) if moved and a.provisional_rating else ""
        else:
            rules = ", ".join(r.rule for r in a.rules_fired)
            if moved:
                rules = f"from {a.provisional_rating}: {rules}"
        shown = row.published_rank
        rows.append(
            {
                "Rank": str(row.rank or "-"),
                "Code": a.org_code,
                "Name": a.org_name,
                "Rating": rating,
                "Score": _score(row),
                "Rules fired": rules,
                "Published": "" if shown is None or shown == row.rank else str(shown),
            }
        )
    headers = {"Rating": "Rtg", "Rules fired": "By score", "Published": "Pub"} if short else {}
    names = ["Rank", "Code", "Name", "Rating", "Score", "Rules fired"] + (["Published"] if published else [])
    caps = {"Rules fired": 22 if short else 40}
    widths = {
        name: min(caps.get(name, 10**6), max([len(headers.get(name, name)), *(len(r[name]) for r in rows)]))
        for name in names
        if name != "Name"
    }
    room = width - sum(widths.values()) - 3 * len(names) - 1
    if room < NAME_LEAST and "Rules fired" in widths:  # the rules give way to a recognisable name
        give = min(room and NAME_LEAST - room, widths["Rules fired"] - len(headers.get("Rules fired", "Rules fired")))
        widths["Rules fired"] -= max(give, 0)
        room += max(give, 0)
    out = Table(title=table.title, title_justify="left")
    for name in names:
        if name == "Name":
            longest = max([4, *(len(r["Name"]) for r in rows)])
            out.add_column("Name", no_wrap=True, overflow="ellipsis", max_width=max(8, min(room, longest)))
        else:
            out.add_column(
                headers.get(name, name),
                no_wrap=True,
                overflow="ellipsis",
                justify="right" if name in ("Rank", "Score", "Published") else "left",
                min_width=widths[name],
                max_width=widths[name],
            )
    for row, cells in zip(table.rows, rows):
        final = row.assessment.rating
        cells_out: list[Any] = []
        for name in names:
            if name == "Rating":
                cells_out.append(plain(cells[name]) if short or final is None else rating_text(final))
            else:
                cells_out.append(plain(cells[name]))
        out.add_row(*cells_out)
    return out
