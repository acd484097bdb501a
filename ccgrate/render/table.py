"""Rich tables for people. These print to a console they are given, never to a global one."""

from __future__ import annotations

from typing import Any

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from ..engine import Assessment
from ..errors import printable
from ..shown import shown_value
from ..rules import describe_condition

RATING_STYLES = {
    "Outstanding": "bold bright_green",
    "Good": "green",
    "Requires improvement": "yellow",
    "Inadequate": "bold red",
}


def plain(text: str, style: str = "") -> Text:
    """Text shown as written: markup, emoji codes and control characters never act (data and
    framework strings reach tables through here or through the console's own render_str)."""
    return Text(printable(text, keep="\n"), style=style)


def rating_text(rating: str | None) -> Text:
    if rating is None:
        return plain("not rated", style="dim")
    return plain(rating, style=RATING_STYLES.get(rating, "bold"))


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


def summary_table(run: Any) -> Table:
    ids = ", ".join(fw.id for fw in run.frameworks)
    table = Table(title=f"ccgrate: {len(run.assessments)} assessment{'s' if len(run.assessments) != 1 else ''} ({ids})")
    batch = len(run.inputs) > 1
    if batch:
        table.add_column("Source", overflow="fold")
    table.add_column("Code", no_wrap=True)
    table.add_column("Name", ratio=1)
    table.add_column("Period", no_wrap=True)
    table.add_column("Score", justify="right", no_wrap=True)
    table.add_column("Provisional")
    table.add_column("Rating", no_wrap=True)
    table.add_column("Rules fired", no_wrap=True, overflow="ellipsis")
    for a in run.assessments:
        table.add_row(
            *([a.source] if batch else []),
            a.org_code,
            a.org_name,
            a.period,
            _score(a.score),
            rating_text(a.provisional_rating),
            rating_text(a.rating),
            ("\n".join(r.rule for r in a.rules_fired)) or "-",
        )
    return table


def explain(a: Assessment) -> Group:
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
    # Names are long (up to 200 characters); one line each keeps the table scannable, and the
    # JSON output carries them in full.
    for name, options in (
        ("ID", {"no_wrap": True}),
        ("Indicator", {"no_wrap": True, "overflow": "ellipsis", "ratio": 3}),
        ("Value", {"justify": "right", "no_wrap": True}),
        ("Reference", {"ratio": 2}),
        ("Band", {"no_wrap": True}),
        ("Points", {"justify": "right", "no_wrap": True}),
    ):
        indicators.add_column(name, **options)
    domain_names = {d.id: d.name for d in a.domains}
    current = None
    for i in a.indicators:
        if i.domain != current:
            current = i.domain
            indicators.add_row("", plain(domain_names[i.domain], style="bold"), "", "", "", "", end_section=False)
        band = plain(i.band or (i.note and "not banded") or "-")
        if i.band_rank is not None and i.band_count > 1:
            if i.band_rank == 0:
                band.stylize("green")
            elif i.band_rank == i.band_count - 1:
                band.stylize("red")
        indicators.add_row(
            i.id,
            i.name,
            _value(i.value, i.unit, i.compared),
            i.reference,
            band,
            "" if i.points is None else f"{i.points:.1f}",
        )

    domains = Table(title="Domains", title_justify="left")
    domains.add_column("Domain")
    domains.add_column("Weight", justify="right")
    domains.add_column("Scored", justify="right")
    domains.add_column("Score", justify="right")
    for d in a.domains:
        domains.add_row(d.name, f"{d.weight:g}", f"{d.scored}/{d.total}", _score(d.score) or "-")
    parts: list[Any] = [head, indicators, domains]
    if a.areas:
        areas = Table(title="Clinical priority areas", title_justify="left")
        areas.add_column("Area")
        areas.add_column("Scored", justify="right")
        areas.add_column("Score", justify="right")
        areas.add_column("Rating")
        for ar in a.areas:
            areas.add_row(ar.name, f"{ar.scored}/{ar.total}", _score(ar.score) or "-", rating_text(ar.rating))
        parts.append(areas)
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


def population_table(run: Any) -> Table | None:
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
            _number(entry.get("target")),
            _number(entry.get("phi")),
            _number(entry.get("tau2")),
            trim,
            *([" | ".join(f"{c:.4g}" for c in entry["cuts"]) if entry.get("cuts") else ""] if with_cuts else []),
        )
    return table


def _number(value: Any) -> str:
    return "" if value is None else f"{value:.4g}"


def print_run(console: Console, run: Any, explain_each: bool = False) -> None:
    if explain_each:
        for index, a in enumerate(run.assessments):
            if index:
                console.print()
            console.print(explain(a))
        console.print()
        stats = population_table(run)
        if stats is not None:
            console.print(stats)
    console.print(summary_table(run))


def frameworks_table(entries: list[dict]) -> Table:
    table = Table(title="Built-in frameworks")
    for column in ("ID", "Name", "Period", "Indicators"):
        table.add_column(column, justify="right" if column == "Indicators" else "left")
    for entry in entries:
        table.add_row(entry["id"], entry["name"], entry["period"], str(entry["indicators"]))
    return table


def framework_view(fw: Any) -> Group:
    meta = fw.framework
    head = Text.assemble(plain(meta.name, "bold"), f" ({fw.id}, {meta.period})\n", f"sha256 {fw.sha256}\n\n")
    head.append("Provenance: ", style="bold")
    # The file wraps its text at a fixed width; let the terminal wrap it instead.
    paragraphs = [" ".join(p.split()) for p in meta.provenance.strip().split("\n\n")]
    head.append(plain("\n\n".join(paragraphs)))
    scale = Table(title="Rating scale (overall score 0-100)", title_justify="left")
    scale.add_column("Rating")
    scale.add_column("Least score", justify="right")
    for rating in fw.scale.ratings:
        cut = fw.scale.cuts.get(rating)
        scale.add_row(rating_text(rating), "-" if cut is None else f"{cut:g}")
    judgements = Table(title="Judgements", title_justify="left")
    judgements.add_column("ID")
    judgements.add_column("Name")
    judgements.add_column("Levels (best first)")
    for jid, j in fw.judgements.items():
        judgements.add_row(jid, j.name, (" > ".join(j.levels)))
    domains = Table(title="Domains", title_justify="left")
    domains.add_column("ID")
    domains.add_column("Name")
    domains.add_column("Weight", justify="right")
    domains.add_column("Indicators", justify="right")
    for d in fw.domains:
        domains.add_row(d.id, d.name, f"{d.weight:g}", str(sum(1 for i in fw.indicators if i.domain == d.id)))
    parts: list[Any] = [head, scale, judgements, domains]
    if fw.areas:
        areas = Table(title="Clinical priority areas", title_justify="left")
        areas.add_column("ID")
        areas.add_column("Name")
        areas.add_column("Indicators")
        for ar in fw.areas:
            areas.add_row(ar.id, ar.name, ", ".join(i.id for i in fw.indicators if i.area == ar.id))
        parts.append(areas)
    indicators = Table(title=f"Indicators ({len(fw.indicators)})", title_justify="left", expand=True)
    indicators.add_column("ID", no_wrap=True)
    indicators.add_column("Name", no_wrap=True, overflow="ellipsis", ratio=3, min_width=16)
    indicators.add_column("Area", no_wrap=True)
    indicators.add_column("Dir", no_wrap=True)
    indicators.add_column("Method", no_wrap=True)
    indicators.add_column("Reference", ratio=2, min_width=18)
    indicators.add_column("Weight", justify="right", no_wrap=True)
    indicators.add_column("Evidence", no_wrap=True)
    domain_names = {d.id: d.name for d in fw.domains}
    current = None
    for i in fw.indicators:
        if i.domain != current:
            current = i.domain
            indicators.add_row("", plain(domain_names[i.domain], style="bold"))
        indicators.add_row(
            i.id,
            i.name,
            i.area or "",
            {"higher": "↑", "lower": "↓"}.get(getattr(i, "direction", None), ""),
            i.method,
            (_reference(fw, i)),
            f"{i.weight:g}",
            i.evidence,
        )
    parts.append(indicators)
    rules = Table(title="Rules (applied in order)", title_justify="left")
    rules.add_column("#", justify="right")
    rules.add_column("Rule", no_wrap=True)
    rules.add_column("When")
    rules.add_column("Effect")
    rules.add_column("Reason")
    for number, rule in enumerate(fw.rules, start=1):
        kind, target = rule.effect
        rules.add_row(str(number), rule.id, (describe_condition(rule.when)), f"{kind} {target}", rule.reason)
    parts.append(rules)
    return Group(*parts)


def _reference(fw: Any, ind: Any) -> str:
    if ind.method == "standard":
        text = f"{'>=' if ind.direction == 'higher' else '<='} {ind.standard:g}"
        return f"{text} ({ind.significance:.0%} Wilson)" if ind.significance else text
    if ind.method == "zscore":
        target = ind.target if ind.target is not None else ("pooled" if ind.data == "proportion" else 1)
        target_text = target if isinstance(target, str) else f"{target:g}"
        return f"target {target_text}, {ind.overdispersion}"
    if ind.method == "bands" or (ind.method == "quantile" and ind.cuts):
        return " | ".join(f"{c:g}" for c in ind.cuts)
    if ind.method == "quantile":
        return f"population {ind.quantiles}-tiles"
    return " > ".join(fw.levels_of(ind))


def funnel_table(record: dict, highlight: set[str]) -> Table:
    table = Table(
        title=f"{record['indicator']} {record['name']}, {record['period']}: target {record['target']:.4g}, "
        f"{record['overdispersion']} (phi {record['phi']:.3g}, tau² {record['tau2']:.3g}, n {record['n']})",
        title_justify="left",
    )
    for column in ("Code", "Value", "Denom.", "z adj", "Band", "95% limits", "99.8% limits"):
        table.add_column(column, justify="left" if column in ("Code", "Band") else "right", no_wrap=column != "Band")
    for point in record["points"]:
        table.add_row(
            point["org_code"],
            _number(point["value"]),
            "" if point["denominator"] is None else f"{point['denominator']:,.0f}",
            _fixed(point["z_adj"]),
            point["band"] or (point.get("note") and "not banded") or "-",
            _limits(point, "95"),
            _limits(point, "998"),
            style="bold" if point["org_code"] in highlight else "",
        )
    return table


def _limits(point: dict, level: str) -> str:
    low, high = point.get(f"lower_{level}"), point.get(f"upper_{level}")
    return "" if low is None else f"{low:.3g}-{high:.3g}"


def _fixed(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"
