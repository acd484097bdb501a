"""Rich tables for people. These print to a console they are given, never to a global one."""

from __future__ import annotations

from typing import Any

from rich.console import Console, Group
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from ..engine import Assessment
from ..rules import describe_condition

RATING_STYLES = {
    "Outstanding": "bold bright_green",
    "Good": "green",
    "Requires improvement": "yellow",
    "Inadequate": "bold red",
}


def rating_text(rating: str | None) -> Text:
    if rating is None:
        return Text("not rated", style="dim")
    return Text(rating, style=RATING_STYLES.get(rating, "bold"))


def _score(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _value(value: Any, unit: str = "") -> str:
    if value is None:
        return "missing"
    if isinstance(value, float):
        text = f"{value:,.2f}".rstrip("0").rstrip(".") if not value.is_integer() else f"{value:,.0f}"
        return f"{text}%" if unit == "%" else text
    return str(value)


def summary_table(run: Any) -> Table:
    ids = ", ".join(fw.id for fw in run.frameworks)
    table = Table(title=f"ccgrate: {len(run.assessments)} assessment{'s' if len(run.assessments) != 1 else ''} ({ids})")
    table.add_column("Code", no_wrap=True)
    table.add_column("Name", ratio=1)
    table.add_column("Period", no_wrap=True)
    table.add_column("Score", justify="right", no_wrap=True)
    table.add_column("Provisional")
    table.add_column("Rating", no_wrap=True)
    table.add_column("Rules fired", no_wrap=True, overflow="ellipsis")
    for a in run.assessments:
        table.add_row(
            escape(a.org_code),
            escape(a.org_name),
            a.period,
            _score(a.score),
            rating_text(a.provisional_rating),
            rating_text(a.rating),
            escape("\n".join(r.rule for r in a.rules_fired)) or "-",
        )
    return table


def explain(a: Assessment) -> Group:
    """Everything that went into one rating, in the order the engine worked."""
    head = Text.assemble(
        (f"{a.org_code} {a.org_name}", "bold"),
        f" · {a.period} · {a.framework}\n",
        "Rating ",
        rating_text(a.rating),
        f" (provisional {a.provisional_rating or 'not rated'}; score {_score(a.score) or 'none'}; "
        f"coverage {a.coverage:.0%})",
    )
    if a.judgements:
        head.append("\nJudgements: " + ", ".join(f"{k} {v}" for k, v in sorted(a.judgements.items())))

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
            indicators.add_row("", Text(domain_names[i.domain], style="bold"), "", "", "", "", end_section=False)
        band = Text(i.band or (i.note and "not banded") or "-")
        if i.band_rank is not None and i.band_count > 1:
            if i.band_rank == 0:
                band.stylize("green")
            elif i.band_rank == i.band_count - 1:
                band.stylize("red")
        indicators.add_row(
            escape(i.id),
            escape(i.name),
            _value(i.value, i.unit),
            escape(i.reference),
            band,
            "" if i.points is None else f"{i.points:.1f}",
        )

    domains = Table(title="Domains", title_justify="left")
    domains.add_column("Domain")
    domains.add_column("Weight", justify="right")
    domains.add_column("Scored", justify="right")
    domains.add_column("Score", justify="right")
    for d in a.domains:
        domains.add_row(escape(d.name), f"{d.weight:g}", f"{d.scored}/{d.total}", _score(d.score) or "-")
    parts: list[Any] = [head, indicators, domains]
    if a.areas:
        areas = Table(title="Clinical priority areas", title_justify="left")
        areas.add_column("Area")
        areas.add_column("Scored", justify="right")
        areas.add_column("Score", justify="right")
        areas.add_column("Rating")
        for ar in a.areas:
            areas.add_row(escape(ar.name), f"{ar.scored}/{ar.total}", _score(ar.score) or "-", rating_text(ar.rating))
        parts.append(areas)
    if a.rules_fired:
        rules = Table(title="Rules fired", title_justify="left", show_header=True, expand=True)
        rules.add_column("Rule", no_wrap=True)
        rules.add_column("Effect", ratio=1)
        rules.add_column("Reason", ratio=2)
        for r in a.rules_fired:
            outcome = f"{r.before} -> {r.after}" if r.changed else f"{r.after}, no change"
            rules.add_row(escape(r.rule), f"{r.effect} {r.target}: {outcome}", escape(r.reason))
        parts.append(rules)
    else:
        parts.append(Text("Rules fired: none"))
    if a.missing:
        parts.append(Text("Missing (excluded, not scored as zero): " + ", ".join(a.missing)))
    for warning in a.warnings:
        parts.append(Text(f"warning: {warning}", style="yellow"))
    return Group(*parts)


def print_run(console: Console, run: Any, explain_each: bool = False) -> None:
    if explain_each:
        for index, a in enumerate(run.assessments):
            if index:
                console.print()
            console.print(explain(a))
        console.print()
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
    head = Text.assemble((f"{meta.name}", "bold"), f" ({fw.id}, {meta.period})\n", f"sha256 {fw.sha256}\n\n")
    head.append("Provenance: ", style="bold")
    # The file wraps its text at a fixed width; let the terminal wrap it instead.
    paragraphs = [" ".join(p.split()) for p in meta.provenance.strip().split("\n\n")]
    head.append("\n\n".join(paragraphs))
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
        judgements.add_row(jid, escape(j.name), escape(" > ".join(j.levels)))
    domains = Table(title="Domains", title_justify="left")
    domains.add_column("ID")
    domains.add_column("Name")
    domains.add_column("Weight", justify="right")
    domains.add_column("Indicators", justify="right")
    for d in fw.domains:
        domains.add_row(d.id, escape(d.name), f"{d.weight:g}", str(sum(1 for i in fw.indicators if i.domain == d.id)))
    parts: list[Any] = [head, scale, judgements, domains]
    if fw.areas:
        areas = Table(title="Clinical priority areas", title_justify="left")
        areas.add_column("ID")
        areas.add_column("Name")
        areas.add_column("Indicators")
        for ar in fw.areas:
            areas.add_row(ar.id, escape(ar.name), ", ".join(i.id for i in fw.indicators if i.area == ar.id))
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
            indicators.add_row("", Text(domain_names[i.domain], style="bold"))
        indicators.add_row(
            i.id,
            escape(i.name),
            i.area or "",
            {"higher": "↑", "lower": "↓"}.get(getattr(i, "direction", None), ""),
            i.method,
            escape(_reference(fw, i)),
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
        rules.add_row(str(number), rule.id, escape(describe_condition(rule.when)), f"{kind} {target}", escape(rule.reason))
    parts.append(rules)
    return Group(*parts)


def _reference(fw: Any, ind: Any) -> str:
    if ind.method == "standard":
        return f"{'>=' if ind.direction == 'higher' else '<='} {ind.standard:g}"
    if ind.method == "bands" or (ind.method == "quantile" and ind.cuts):
        return " | ".join(f"{c:g}" for c in ind.cuts)
    if ind.method == "quantile":
        return f"population {ind.quantiles}-tiles"
    return " > ".join(fw.levels_of(ind))
