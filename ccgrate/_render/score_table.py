"""A scoring run as tables for people: one line per organisation at any width, and with --explain
everything that went into each rating. These draw on a console they are given, never a global one."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from ccgrate._base.digits import shown_value
from ccgrate._framework.indicators import CONTINUOUS
from ccgrate._render.console import (
    RATING_STYLES,
    WIDE,
    abbreviation,
    compact_reference,
    plain,
    rating_text,
    short_number,
)
from ccgrate._scoring.engine import AreaBand, Assessment

if TYPE_CHECKING:
    from ccgrate._scoring.run import ScoreRun


def _score(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _value(value: Any, unit: str = "", compared: tuple[float, ...] = ()) -> str:
    """A value as written (or, computed from counts, with the digits that place it against its cuts)."""
    if value is None:
        return "missing"
    if isinstance(value, float):
        text = shown_value(value, compared)
        return f"{text}%" if unit == "%" else text
    return str(value)


RULES_LEAST = 10


NAME_LEAST = 14  # a name cut shorter than this no longer says which organisation it is


def summary_table(run: ScoreRun, width: int = 120) -> Group:
    """One line per organisation at any width: ratings abbreviated (with a legend) and then the least
    useful columns left out, in that order, until the name has room; the footer says what was done."""
    assessments = run.assessments
    ids = ", ".join(fw.id for fw in run.frameworks)
    title = f"ccgrate: {len(assessments)} assessment{'s' if len(assessments) != 1 else ''} ({ids})"
    periods = {a.period for a in assessments}
    batch = len(run.inputs) > 1
    sources = {a.source: _file_name(a.source) for a in assessments} if batch else {}
    ratings = list(dict.fromkeys(r for fw in run.frameworks for r in fw.scale.ratings))
    rules = [", ".join(r.rule for r in a.rules_fired) or "-" for a in assessments]
    published = [_published_cell(a) for a in assessments]

    def widest(texts: Any, header: str) -> int:
        return max([len(header), *map(len, texts)])

    def rating_width(header: str, shown: Any) -> int:  # as wide as the ratings in this run need
        return widest((r or "not rated" for r in shown), header)

    columns = {  # the width each column needs, most useful first
        "Source": widest(sources.values(), "Source") if batch else 0,
        "Code": widest((a.org_code for a in assessments), "Code"),
        "Period": widest(periods, "Period"),
        "Score": widest((_shown_score(a) for a in assessments), "Score"),
        "Rating": rating_width("Rating", (a.rating for a in assessments)),
        "Provisional": rating_width("Provisional", (a.provisional_rating for a in assessments)),
        "Rank": widest((str(a.rank or "-") for a in assessments), "Rank"),
        "Published": min(widest(published, "Published"), PUBLISHED_MOST),
        "Rules fired": min(widest(rules, "Rules fired"), 24),
    }
    if not batch:
        del columns["Source"]
    if not any(fw.league is not None for fw in run.frameworks):
        del columns["Rank"]
    if not any(a.published for a in assessments):
        del columns["Published"]
    left_out: list[str] = []
    short = False

    def room() -> int:  # what is left for names: every column has padding 2, and a border 1 each side
        return width - sum(columns.values()) - 3 * (len(columns) + 1) - 1

    # Room for whole names where that costs nothing else; otherwise for enough of one to recognise.
    wanted = max(NAME_LEAST, min(widest((a.org_name for a in assessments), "Name"), 24))
    natural_rules = columns["Rules fired"]

    def fit_rules() -> None:
        """Rules fired as wide as it can be while the name has its room, down to RULES_LEAST."""
        columns["Rules fired"] = max(RULES_LEAST, min(natural_rules, columns["Rules fired"] + room() - wanted))

    fit_rules()
    if room() < wanted:
        short = True
        columns["Rating"] = widest([*map(abbreviation, ratings), "-"], "Rtg")
        columns["Provisional"] = widest([], "Prov")
        fit_rules()
    for step in ("Rules fired", "Provisional", "Published", "Period"):
        if room() >= wanted:
            break
        if step not in columns:
            continue
        wanted = NAME_LEAST
        if step == "Rules fired":
            fit_rules()
            if room() >= wanted:
                break
        if step == "Period" and len(periods) > 1:
            continue  # several periods: the period says which row is which
        del columns[step]
        left_out.append(step)

    def rating_cell(rating: str | None) -> Text:
        if not short:
            return rating_text(rating)
        return (
            plain("-", style="dim")
            if rating is None
            else plain(abbreviation(rating), style=RATING_STYLES.get(rating, "bold"))
        )

    table = Table(title=title)
    headers = {"Rating": "Rtg", "Provisional": "Prov"} if short else {}
    if "Rules fired" in columns and columns["Rules fired"] < len("Rules fired"):
        headers["Rules fired"] = "Rules"
    shown = [
        name
        for name in (
            "Source",
            "Code",
            "Name",
            "Period",
            "Score",
            "Provisional",
            "Rating",
            "Rank",
            "Published",
            "Rules fired",
        )
        if name == "Name" or name in columns
    ]
    for name in shown:
        if name == "Name":
            table.add_column("Name", no_wrap=True, overflow="ellipsis", min_width=4, max_width=max(4, room()))
        else:
            table.add_column(
                headers.get(name, name),
                no_wrap=True,
                overflow="ellipsis",
                justify="right" if name in ("Score", "Rank") else "left",
                min_width=columns[name],
                max_width=columns[name] if name in ("Rules fired", "Source", "Published") else None,
            )
    for a, fired, as_published in zip(assessments, rules, published):
        cells: dict[str, str | Text] = {
            "Rank": str(a.rank or "-"),
            "Published": as_published,
            "Source": sources.get(a.source, ""),
            "Code": a.org_code,
            "Name": plain(a.org_name),
            "Period": a.period,
            "Score": _shown_score(a),
            "Provisional": rating_cell(a.provisional_rating),
            "Rating": rating_cell(a.rating),
            "Rules fired": fired,
        }
        table.add_row(*(cells[name] for name in shown))
    notes = []
    if short:
        notes.append("Ratings: " + ", ".join(f"{abbreviation(r)} {r}" for r in ratings) + ", - not rated.")
    if left_out:
        notes.append(f"Not shown at this width: {', '.join(left_out)} (see --explain or -f csv).")
    if "Rank" in columns:
        notes.append("Rank: within peer group and period (ccgrate league shows the tables).")
    if "Published" in columns:
        notes.append(
            "Published: agrees where the published segments, score (2 dp), rank and domain results are "
            "reproduced; otherwise what differs, as published."
        )
    if any(a.rating is None for a in assessments):
        notes.append(
            "cov: an organisation not rated shows the share of the indicator weight that has a value, "
            "not a score (--explain says what is missing)."
        )
    return Group(table, *[plain(line, style="dim") for line in notes])


PUBLISHED_MOST = 16


def _area_band(band: AreaBand) -> str:
    """An area's band of an indicator, or why there is none."""
    return band.band or (f"- ({band.note})" if band.note else "-")


def _published_cell(a: Assessment) -> str:
    from ccgrate._analysis.agreement import differences

    if not a.published:
        return "-"
    found = differences(a)
    return "agrees" if not found else ", ".join(found)


def _shown_score(a: Assessment) -> str:
    """The score of a rated organisation; the coverage of one that is not (its score means little)."""
    return _score(a.score) if a.rating is not None else f"cov {a.coverage:.0%}"


def _file_name(source: str) -> str:
    """A batch's source as a table shows it: the file (and sheet), without its directory."""
    import os

    return os.path.basename(source)


def explain(a: Assessment, width: int = WIDE) -> Group:
    """Everything that went into one rating, in the order the engine worked."""
    head = Text.assemble(
        plain(f"{a.org_code} {a.org_name}", "bold"),
        f" · {a.period} · {a.framework}\n",
        "Rating ",
        rating_text(a.rating),
        f" (provisional {a.provisional_rating or 'not rated'}; score {_score(a.score) or 'none'}; "
        f"coverage {a.coverage:.0%})",
    )
    if a.judgements:
        head.append(plain("\nJudgements: " + ", ".join(f"{k} {v}" for k, v in sorted(a.judgements.items()))))

    indicators = Table(title="Indicators", title_justify="left", expand=True)
    # One line per indicator at any width, so that the table stays scannable: names are long (up to
    # 200 characters) and give way first; on a narrow terminal values, references and bands are
    # cut too, and references are written compactly. -f json and -f csv carry everything in full.
    narrow = width < WIDE

    def cap(limit: int) -> dict[str, Any]:
        return {"max_width": limit} if narrow else {}

    columns: tuple[tuple[str, dict[str, Any]], ...] = (
        ("ID", {}),
        ("Indicator", {"ratio": 1, "min_width": 8}),
        ("Value", {"justify": "right", **cap(10)}),
        ("Reference", cap(18)),
        ("Band", cap(10)),
        ("Points", {"justify": "right"}),
    )
    for name, options in columns:
        indicators.add_column(name, no_wrap=True, overflow="ellipsis", **options)
    domain_names = {d.id: d.name for d in a.domains}
    current = None
    for i in a.indicators:
        if i.domain != current:
            current = i.domain
            indicators.add_row("", plain(domain_names[i.domain], style="bold"), "", "", "", "", end_section=False)
        band_text = i.band or (i.note and "not banded") or "-"
        band = plain(band_text.replace("quartile", "qtl") if narrow else band_text)
        if i.band_rank is not None and i.band_count > 1:
            if i.band_rank == 0:
                band.stylize("green")
            elif i.band_rank == i.band_count - 1:
                band.stylize("red")
        indicators.add_row(
            i.id,
            i.name,
            _value(i.value, i.unit, i.compared),
            compact_reference(i.reference) if narrow else i.reference,
            band,
            "" if i.points is None else f"{i.points:.2f}" if i.method in CONTINUOUS else f"{i.points:.1f}",
        )

    domains = Table(title="Domains", title_justify="left")
    domains.add_column("Domain")
    domains.add_column("Weight", justify="right")
    domains.add_column("Scored", justify="right")
    domains.add_column("Score", justify="right")
    for d in a.domains:
        domains.add_row(d.name, f"{d.weight:g}", f"{d.scored}/{d.total}", _score(d.score) or "-")
    parts: list[Any] = [head, indicators]
    if narrow:
        parts.append(
            plain(
                "Reference: cut points or standard (↑ higher is better, ↓ lower is better) or levels "
                "(best first); qtl quartile; cut cells end in …: -f csv or a wider terminal shows them whole.",
                style="dim",
            )
        )
    parts.append(domains)
    if a.areas:
        areas = Table(title="Clinical priority areas", title_justify="left")
        areas.add_column("Area")
        areas.add_column("Scored", justify="right")
        areas.add_column("Score", justify="right")
        areas.add_column("Rating")
        # The bands an area gives its own indicators: a column when there is room, else lines below.
        own = any(ar.bands for ar in a.areas)
        beside = own and not narrow
        if beside:
            areas.add_column("Banded for the area")
        for ar in a.areas:
            cells: list[str | Text] = [
                ar.name,
                f"{ar.scored}/{ar.total}",
                _score(ar.score) or "-",
                rating_text(ar.rating),
            ]
            if beside:
                cells.append("; ".join(f"{b.id} {_area_band(b)}" for b in ar.bands) or "as above")
            areas.add_row(*cells)
        parts.append(areas)
        if own and narrow:
            for ar in a.areas:
                if ar.bands:
                    parts.append(
                        plain(
                            f"{ar.name} banded for the area: " + "; ".join(f"{b.id} {_area_band(b)}" for b in ar.bands)
                        )
                    )
        if own:
            parts.append(
                plain(
                    "Areas with a banding of their own are rated against ambitions or fixed levels, not "
                    f"against other organisations: ccgrate framework show {a.framework} says how.",
                    style="dim",
                )
            )
    if a.rules_fired:
        rules = Table(title="Rules fired", title_justify="left", show_header=True, expand=True)
        rules.add_column("Rule", no_wrap=True)
        rules.add_column("Effect", ratio=1)
        rules.add_column("Reason", ratio=2)
        for r in a.rules_fired:
            outcome = f"{r.before} -> {r.after}" if r.changed else f"{r.after}, no change"
            rules.add_row(r.rule, f"{r.effect} {r.target}: {outcome}", r.reason)
        parts.append(rules)
    else:
        parts.append(plain("Rules fired: none"))
    if a.missing:
        parts.append(plain("Missing (excluded, not scored as zero): " + ", ".join(a.missing)))
    for warning in a.warnings:
        parts.append(plain(f"warning: {warning}", style="yellow"))
    return Group(*parts)


def population_table(run: ScoreRun) -> Table | None:
    """The statistics that population-based banding used, per file, period and indicator."""
    if not run.indicator_stats:
        return None
    table = Table(title="Population statistics", title_justify="left")
    with_cuts = any(entry.get("cuts") for entry in run.indicator_stats)
    columns = ["Period", "Indicator", "Method", "n", "Target", "phi", "tau²", "Trim"] + (["Cuts"] if with_cuts else [])
    for column in columns:
        table.add_column(column, justify="right" if column in ("n", "Target", "phi", "tau²") else "left", no_wrap=True)
    for entry in run.indicator_stats:
        trim = f"{entry['trim']:g} {entry['trim_method']}" if entry["method"] == "zscore" else ""
        if entry.get("fixed"):
            trim = "fixed"
        table.add_row(
            entry["period"],
            entry["indicator"],
            entry["method"],
            str(entry["n"]),
            short_number(entry.get("target")),
            short_number(entry.get("phi")),
            short_number(entry.get("tau2")),
            trim,
            *([" | ".join(f"{c:.4g}" for c in entry["cuts"]) if entry.get("cuts") else ""] if with_cuts else []),
        )
    return table


def print_run(console: Console, run: ScoreRun, explain_each: bool = False) -> None:
    if explain_each:
        for index, a in enumerate(run.assessments):
            if index:
                console.print()
            console.print(explain(a, console.width))
        console.print()
        stats = population_table(run)
        if stats is not None:
            console.print(stats)
    console.print(summary_table(run, console.width))
