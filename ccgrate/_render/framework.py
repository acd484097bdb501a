"""A framework for people and papers: `framework show` as tables, JSON and Markdown, the list of
built-in frameworks, and the JSON Schemas."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from ccgrate._render.cells import SCHEMA_VERSION, render_rows_csv
from ccgrate._render.output import TEXT_FORMATS, OutputFormat, Renderer

if TYPE_CHECKING:
    from rich.console import Console, Group
    from rich.table import Table

from ccgrate._framework.indicators import (
    AnyIndicator,
    LookupIndicator,
    QuantileIndicator,
    RankIndicator,
    ScoreIndicator,
    cut_texts,
    on_cut_words,
)
from ccgrate._framework.model import Framework
from ccgrate._render.cells import markdown_table, md_cell
from ccgrate._render.console import WIDE, compact_reference, plain, rating_text
from ccgrate._scoring.rules import describe_condition


def frameworks_table(entries: list[dict[str, Any]]) -> Table:
    from rich.table import Table

    table = Table(title="Built-in frameworks", caption=_chosen_caption(entries), caption_justify="left")
    # An id is what a person types after --framework: never cut short.
    longest = max((len(entry["id"]) for entry in entries), default=2)
    table.add_column("ID", no_wrap=True, min_width=longest)
    for column in ("Name", "Period", "Indicators"):
        table.add_column(column, justify="right" if column == "Indicators" else "left")
    for entry in entries:
        period = f"{entry['period']} by quarter" if entry["quarterly"] else entry["period"]
        table.add_row(entry["id"], entry["name"], period, str(entry["indicators"]))
    return table


def _chosen_caption(entries: list[dict[str, Any]]) -> str | None:
    """Which built-in data of a period is scored with, where a period has more than one."""
    periods = [entry["period"] for entry in entries]
    shared = sorted({p for p in periods if periods.count(p) > 1})
    chosen = [e["id"] for e in entries if e["period"] in shared and e["chosen_by_period"]]
    if not chosen:
        return None
    return (
        "Data of "
        + ", ".join(f"{p} is scored with {c}" for p, c in zip(shared, chosen))
        + " unless --framework says otherwise."
    )


def framework_view(fw: Framework, width: int = WIDE) -> Group:
    # rich only when a table is drawn: the machine formats of `frameworks` do without it.
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    meta = fw.framework
    head = Text.assemble(plain(meta.name, "bold"), f" ({fw.id}, {meta.period})\n", f"sha256 {fw.sha256}\n\n")
    head.append("Provenance: ", style="bold")
    # The file wraps its text at a fixed width; let the terminal wrap it instead.
    paragraphs = [" ".join(p.split()) for p in meta.provenance.strip().split("\n\n")]
    head.append(plain("\n\n".join(paragraphs)))
    scale = Table(title=f"Rating scale ({scale_words(fw)})", title_justify="left")
    scale.add_column("Rating")
    headings, rows = scale_rows(fw)
    for heading in headings:
        scale.add_column(heading, justify="right")
    for rating, row in zip(fw.scale.ratings, rows):
        scale.add_row(rating_text(rating), *row)
    judgements = Table(title="Judgements", title_justify="left")
    judgements.add_column("ID")
    judgements.add_column("Name")
    judgements.add_column("Levels (best first)")
    for jid, j in fw.judgements.items():
        judgements.add_row(jid, j.name, " > ".join(j.levels) + (f" (default {j.default})" if j.default else ""))
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
        own = any(fw.has_own_method(ar) for ar in fw.areas)
        named = not (own and width < WIDE)  # on a narrow terminal the method keeps the room the name had
        if named:
            areas.add_column("Name")
        areas.add_column("Indicators")
        if own:
            areas.add_column("Own rating method")
        for ar in fw.areas:
            cells = [ar.id] + ([ar.name] if named else []) + [", ".join(i.id for i in fw.indicators if i.area == ar.id)]
            if own:
                cells.append(fw.describe_area_method(ar) or "headline bands and cuts")
            areas.add_row(*cells)
        parts.append(areas)
    indicators = Table(title=f"Indicators ({len(fw.indicators)})", title_justify="left", expand=True)
    # On a narrow terminal the cut points keep their room: areas are listed above, equal weights
    # are said once below, and evidence labels are shortened.
    narrow = width < WIDE
    equal_weights = len({i.weight for i in fw.indicators}) == 1
    shown = {"Area": not narrow, "Weight": not (narrow and equal_weights)}
    indicators.add_column("ID", no_wrap=True)
    indicators.add_column(
        "Name", no_wrap=True, overflow="ellipsis", ratio=1 if narrow else 3, min_width=12 if narrow else 16
    )
    if shown["Area"]:
        indicators.add_column("Area", no_wrap=True)
    indicators.add_column("Dir", no_wrap=True)
    indicators.add_column("Method", no_wrap=True)
    if narrow:
        # As wide as the longest cut-point reference, so that those stay on one line; the levels of
        # a judgement, which can be long words, wrap instead of taking the names' room.
        numeric = [len(compact_reference(_reference(fw, i))) for i in fw.indicators if i.method != "judgement"]
        reference_width = max([9, *numeric])
        indicators.add_column("Reference", width=reference_width, overflow="fold")
    else:
        indicators.add_column("Reference", ratio=2, min_width=18)
    if shown["Weight"]:
        indicators.add_column("Weight", justify="right", no_wrap=True)
    indicators.add_column("Evidence", no_wrap=True)
    domain_names = {d.id: d.name for d in fw.domains}
    current = None
    for i in fw.indicators:
        if i.domain != current:
            current = i.domain
            indicators.add_row("", plain(domain_names[i.domain], style="bold"))
        evidence = i.evidence or ""
        cells = [
            i.id,
            i.name,
            *([i.area or ""] if shown["Area"] else []),
            {"higher": "↑", "lower": "↓"}.get(getattr(i, "direction", None) or "", ""),
            i.method,
            _narrow_reference(_reference(fw, i), reference_width) if narrow else _reference(fw, i),
            *([f"{i.weight:g}"] if shown["Weight"] else []),
            evidence.replace("reconstructed", "recon.") if narrow else evidence,
        ]
        indicators.add_row(*cells)
    parts.append(indicators)
    if narrow:
        said = ["recon. reconstructed"] + (
            [f"every weight is {fw.indicators[0].weight:g}"] if not shown["Weight"] else []
        )
        parts.append(plain(f"{'; '.join(said)}; areas as listed above.", style="dim"))
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


def _narrow_reference(text: str, width: int) -> str:
    """Compact when that fits on one line; otherwise spaced, so that it wraps between words."""
    compact = compact_reference(text)
    return compact if len(compact) <= width else text


def scale_words(fw: Framework) -> str:
    """The overall score's scale in words: "overall score 0-100", "average score 1-4, lower is better"."""
    low, high = fw.scale.range
    what = "average score" if fw.scoring.aggregate == "indicators" else "overall score"
    return f"{what} {low:g}-{high:g}{', lower is better' if fw.scale.better == 'lower' else ''}"


def scale_rows(fw: Framework) -> tuple[list[str], list[list[str]]]:
    """The cut points as a table: one column of cuts, or one per period where they change with it;
    a rating no score reaches says so."""
    word = "Least score" if fw.scale.better == "higher" else "Most score"
    sets = ([(word, fw.scale.cuts)] if fw.scale.cuts is not None else []) + [
        (f"{word}, {period}", cuts) for period, cuts in fw.scale.cuts_by_period.items()
    ]
    rows = []
    for rating in fw.scale.ratings:
        if rating in fw.scale.rules_only:
            rows.append(["by a rule only"] + [""] * (len(sets) - 1))
        else:
            rows.append(["-" if cuts.get(rating) is None else f"{cuts[rating]:g}" for _, cuts in sets])
    if not sets:
        return [word], [["quartiles of each period's scores"]] + [[""] for _ in fw.scale.ratings[1:]]
    return [heading for heading, _ in sets], rows


def _reference(fw: Framework, ind: AnyIndicator) -> str:
    """What an indicator's values are compared with, from the rules the banding itself reads."""
    if isinstance(ind, RankIndicator):
        among = "in its peer group" if ind.among == "peer-group" else "among all"
        floor = "" if ind.standard is None else f"; short of {ind.standard:g} scores {fw.worst_score:g}"
        return f"by rank {among} ({ind.direction} better){floor}"
    if isinstance(ind, ScoreIndicator):
        return "the score given" + (f" (for {ind.value_id})" if ind.value_id else "")
    if isinstance(ind, LookupIndicator):
        return f"looked up from {ind.of[0]} and {ind.of[1]}"
    if ind.method == "standard":
        return f"{ind.rule} ({ind.significance:.0%} Wilson)" if ind.significance else ind.rule
    if ind.method == "zscore":
        return f"target {ind.target_text}, {ind.overdispersion}"
    if ind.method == "judgement":
        return " > ".join(fw.levels_of(ind))
    note = on_cut_words(ind.on_cut)
    if isinstance(ind, QuantileIndicator) and ind.cuts is None:
        cuts = f"population {ind.quantiles}-tiles"
    else:
        cuts = " | ".join(cut_texts(ind.references))
    return f"{cuts} ({note})" if note else cuts


def framework_markdown(fw: Framework) -> str:
    """A framework as a Markdown document, for papers and wikis."""
    from ccgrate._scoring.rules import describe_condition

    meta = fw.framework
    provenance = "\n\n".join(md_cell(" ".join(part.split())) for part in meta.provenance.strip().split("\n\n"))
    parts = [
        f"# {md_cell(meta.name)}\n\n`{fw.id}`, {meta.period}, sha256 `{fw.sha256}`\n\n{provenance}\n\n## Rating scale\n\n"
    ]
    headings, cut_rows = scale_rows(fw)
    parts.append(markdown_table(["Rating", *headings], [[r, *row] for r, row in zip(fw.scale.ratings, cut_rows)]))
    if fw.judgements:
        parts.append("\n## Judgements\n\n")
        parts.append(
            markdown_table(
                ["Id", "Name", "Levels (best first)"],
                [
                    [jid, j.name, " > ".join(j.levels) + (f" (default {j.default})" if j.default else "")]
                    for jid, j in fw.judgements.items()
                ],
            )
        )
    parts.append("\n## Domains\n\n")
    parts.append(markdown_table(["Id", "Name", "Weight"], [[d.id, d.name, d.weight] for d in fw.domains]))
    if fw.areas:
        parts.append("\n## Clinical priority areas\n\n")
        own = any(fw.has_own_method(a) for a in fw.areas)
        parts.append(
            markdown_table(
                ["Id", "Name", "Indicators"] + (["Own rating method"] if own else []),
                [
                    [a.id, a.name, ", ".join(i.id for i in fw.indicators if i.area == a.id)]
                    + ([fw.describe_area_method(a) or "headline bands and cuts"] if own else [])
                    for a in fw.areas
                ],
            )
        )
    parts.append("\n## Indicators\n\n")
    rows = []
    for i in fw.indicators:
        rows.append(
            [i.id, i.name, i.domain, i.area, i.unit, getattr(i, "direction", None), i.method, i.weight, i.evidence]
        )
    parts.append(
        markdown_table(["Id", "Name", "Domain", "Area", "Unit", "Direction", "Method", "Weight", "Evidence"], rows)
    )
    parts.append("\n## Rules (applied in order)\n\n")
    parts.append(
        markdown_table(
            ["Rule", "When", "Effect", "Reason"],
            [[r.id, describe_condition(r.when), " ".join(r.effect), r.reason] for r in fw.rules],
        )
    )
    return "".join(parts)


class FrameworkOutput(Renderer):
    """`ccgrate framework show`: a framework's provenance, scale, judgements, domains, areas,
    indicators and rules."""

    formats = (OutputFormat.TABLE, OutputFormat.JSON, OutputFormat.MARKDOWN)

    def __init__(self, framework: Framework):
        self.framework = framework

    def draw(self, console: Console) -> None:
        console.print(framework_view(self.framework, console.width))

    def text(self, fmt: OutputFormat) -> Iterable[str]:
        fw = self.framework
        if fmt is OutputFormat.JSON:
            document = {"origin": fw.origin, "sha256": fw.sha256, **fw.model_dump(mode="json", exclude_none=True)}
            return [json.dumps(document, indent=2, ensure_ascii=False) + "\n"]
        if fmt is OutputFormat.MARKDOWN:
            return [framework_markdown(fw)]
        return super().text(fmt)


LISTING = ["id", "name", "period", "indicators", "sha256", "quarterly", "chosen_by_period"]


class FrameworkListOutput(Renderer):
    """`ccgrate frameworks`: the built-in frameworks, one line each."""

    formats = TEXT_FORMATS

    def __init__(self, frameworks: Sequence[Framework]):
        self.entries = [
            dict(
                zip(
                    LISTING,
                    [
                        fw.id,
                        fw.framework.name,
                        fw.framework.period,
                        len(fw.indicators),
                        fw.sha256,
                        fw.framework.quarterly,
                        fw.framework.chosen_by_period,
                    ],
                )
            )
            for fw in frameworks
        ]

    def draw(self, console: Console) -> None:
        console.print(frameworks_table(self.entries))

    def text(self, fmt: OutputFormat) -> Iterable[str]:
        rows = [list(entry.values()) for entry in self.entries]
        if fmt is OutputFormat.JSON:
            return [json.dumps(self.entries, indent=2) + "\n"]
        if fmt is OutputFormat.NDJSON:
            return [json.dumps({**entry, "schema_version": SCHEMA_VERSION}) + "\n" for entry in self.entries]
        if fmt is OutputFormat.CSV:
            return [render_rows_csv(LISTING, rows)]
        if fmt is OutputFormat.MARKDOWN:
            return [markdown_table(LISTING, rows)]
        return super().text(fmt)


class SchemaOutput(Renderer):
    """`ccgrate framework schema`: a JSON Schema, of framework files or of score's output."""

    formats = (OutputFormat.JSON,)

    def __init__(self, schema: dict[str, Any]):
        self.schema = schema

    def text(self, fmt: OutputFormat) -> Iterable[str]:
        if fmt is OutputFormat.JSON:
            return [json.dumps(self.schema, indent=2) + "\n"]
        return super().text(fmt)
