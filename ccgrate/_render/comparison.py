"""Renderers of a comparison between two years: machine formats first, then tables for people."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from ccgrate._render.output import TEXT_FORMATS, OutputFormat, Renderer

if TYPE_CHECKING:
    from rich.console import Console

    from ccgrate._analysis.compare import Comparison, OrgChange, Side
    from ccgrate._framework.model import Framework


import json
from typing import Any

from ccgrate._base.errors import listed
from ccgrate._framework.caveat import caveat
from ccgrate._render.cells import (
    SCHEMA_VERSION,
    ccgrate_version,
    framework_record,
    machine_number,
    markdown_table,
    render_rows_csv,
)

BAR_WIDTH = 20


def _side(side: Side) -> dict[str, Any]:
    return {
        "period": side.label,
        "source": side.source,
        "input_sha256": side.input_sha256,
        "framework": framework_record(side.framework),
    }


def org_record(change: OrgChange) -> dict[str, Any]:
    return {
        "org_code": change.org_code,
        "org_name": change.org_name,
        "predecessors": change.predecessors,
        "rating_a": change.rating_a,
        "rating_b": change.rating_b,
        "movement": change.movement,
        "score_a": change.score_a,
        "score_b": change.score_b,
        "score_change": change.score_change,
        "data_part": change.data_part,
        "framework_part": change.framework_part,
        "domains": {d_id: {"a": a, "b": b, "change": delta} for d_id, _, a, b, delta in change.domains},
        "areas": {a_id: {"a": a, "b": b} for a_id, _, a, b in change.areas},
        "indicator_counts": change.counts(),
        "indicators": [
            {
                "id": i.id,
                "value_a": machine_number(i.value_a),
                "value_b": machine_number(i.value_b),
                "band_a": i.band_a,
                "band_b": i.band_b,
                "movement": i.movement,
                "band_change": i.band_change,
                "z": machine_number(i.z),
                "significant": i.significant,
            }
            for i in change.indicators
        ],
        "rules_a": change.rules_a,
        "rules_b": change.rules_b,
    }


def comparison_record(comparison: Comparison) -> dict[str, Any]:
    return {
        "ccgrate_version": ccgrate_version(),
        "schema_version": SCHEMA_VERSION,
        "a": _side(comparison.a),
        "b": _side(comparison.b),
        "summary": {
            "matched": len(comparison.orgs),
            **comparison.movements(),
            "only_a": [{"org_code": c, "org_name": n} for c, n in comparison.only_a],
            "only_b": [{"org_code": c, "org_name": n} for c, n in comparison.only_b],
            "merged": [{"org_code": code, "predecessors": olds} for code, olds in sorted(comparison.merged.items())],
            "attribution": comparison.attribution,
        },
        "transition": comparison.matrix(),
        "distribution": {"a": comparison.distribution_a, "b": comparison.distribution_b},
        "organisations": [org_record(change) for change in comparison.orgs],
        "warnings": comparison.warnings,
        "caveat": caveat([comparison.a.framework, comparison.b.framework]),
    }


def render_json(comparison: Comparison) -> str:
    return json.dumps(comparison_record(comparison), indent=2, ensure_ascii=False) + "\n"


def render_ndjson(comparison: Comparison) -> str:
    version = ccgrate_version()
    a, b = comparison.a, comparison.b
    lines = []
    for change in comparison.orgs:
        record = {
            "period_a": a.label,
            "period_b": b.label,
            "framework_a": a.framework.id,
            "framework_b": b.framework.id,
            **org_record(change),
            **_provenance(comparison),
            "ccgrate_version": version,
            "schema_version": SCHEMA_VERSION,
        }
        lines.append(json.dumps(record, ensure_ascii=False))
    return "".join(line + "\n" for line in lines)


def csv_rows(comparison: Comparison) -> tuple[list[str], list[list[Any]]]:
    domains = list(dict.fromkeys(d_id for change in comparison.orgs for d_id, *_ in change.domains))
    header = [
        "org_code",
        "org_name",
        "predecessors",
        "rating_a",
        "rating_b",
        "movement",
        "score_a",
        "score_b",
        "score_change",
        "data_part",
        "framework_part",
        "improved",
        "worsened",
        "unchanged",
        "significantly_improved",
        "significantly_worsened",
    ]
    header += [f"domain_change:{d}" for d in domains] + [
        "rules_a",
        "rules_b",
        *_provenance(comparison),
        "ccgrate_version",
    ]
    stamp = [*_provenance(comparison).values(), ccgrate_version()]
    rows = []
    for change in comparison.orgs:
        counts = change.counts()
        deltas = {d_id: delta for d_id, _, _, _, delta in change.domains}
        rows.append(
            [
                change.org_code,
                change.org_name,
                ";".join(change.predecessors),
                change.rating_a,
                change.rating_b,
                change.movement,
                change.score_a,
                change.score_b,
                change.score_change,
                change.data_part,
                change.framework_part,
                counts["improved"],
                counts["worsened"],
                counts["unchanged"],
                counts["significantly improved"],
                counts["significantly worsened"],
            ]
            + [deltas.get(d) for d in domains]
            + [";".join(change.rules_a), ";".join(change.rules_b), *stamp]
        )
    return header, rows


def _provenance(comparison: Comparison) -> dict[str, str | bool]:
    a, b = comparison.a, comparison.b
    return {
        "framework_a_reconstructed": a.framework.reconstructed,
        "framework_b_reconstructed": b.framework.reconstructed,
        "framework_a_sha256": a.framework.sha256,
        "framework_b_sha256": b.framework.sha256,
        "input_a_sha256": a.input_sha256,
        "input_b_sha256": b.input_sha256,
    }


def render_csv(comparison: Comparison) -> str:
    return render_rows_csv(*csv_rows(comparison))


def render_markdown(comparison: Comparison) -> str:
    a, b = comparison.a.label, comparison.b.label
    moves = comparison.movements()
    parts = [
        f"# {a} to {b}\n\n",
        f"{len(comparison.orgs)} organisations matched: {moves['up']} up, {moves['down']} down, {moves['same']} the same"
        f"{', ' + str(moves['not rated']) + ' not rated in one year' if moves['not rated'] else ''}.\n\n",
    ]
    matrix = comparison.matrix()
    rows = [[ra, *matrix[ra].values(), sum(matrix[ra].values())] for ra in comparison.ratings]
    totals = [sum(matrix[ra][rb] for ra in comparison.ratings) for rb in comparison.ratings]
    rows.append(["Total", *totals, sum(totals)])
    parts.append(markdown_table([f"{a} \\ {b}", *comparison.ratings, "Total"], rows))
    parts.append("\n")
    parts.append(
        markdown_table(
            ["Code", "Name", a, b, "Movement", "Score change"],
            [[c.org_code, c.org_name, c.rating_a, c.rating_b, c.movement, c.score_change] for c in comparison.orgs],
        )
    )
    stamp = "; ".join(f"{key} {value}" for key, value in _provenance(comparison).items())
    parts.append(f"\n_ccgrate {ccgrate_version()}; {stamp}._\n")
    return "".join(parts)


# --- tables for people --------------------------------------------------------------------------


def print_comparison(console: Console, comparison: Comparison, detail: bool) -> None:
    from rich.table import Table
    from rich.text import Text

    from ccgrate._render.console import plain, rating_text

    a, b = comparison.a, comparison.b
    console.print(
        Text.assemble(
            ("ccgrate compare ", "bold"),
            plain(f"{a.label} ({a.framework.id}, {a.source}) -> {b.label} ({b.framework.id}, {b.source})"),
        )
    )
    moves = comparison.movements()
    summary = f"{len(comparison.orgs)} matched: {moves['up']} up, {moves['down']} down, {moves['same']} the same" + (
        f", {moves['not rated']} not rated in one year" if moves["not rated"] else ""
    )
    if comparison.merged:
        summary += f"; {len(comparison.merged)} merged organisations compared with their predecessors combined"
    for label, only in ((a.label, comparison.only_a), (b.label, comparison.only_b)):
        if only:
            summary += f"\nOnly in {label} ({len(only)}): {listed([code for code, _ in only], 10)}"
    console.print(summary)

    if detail:
        for change in comparison.orgs:
            console.print()
            _print_org(console, comparison, change)
        return

    matrix = comparison.matrix()
    transition = Table(title=f"Ratings {a.label} (rows) by {b.label} (columns)", title_justify="left")
    transition.add_column("")
    for rating in comparison.ratings:
        transition.add_column(_short(rating), justify="right")
    transition.add_column("Total", justify="right")
    for ra in comparison.ratings:
        transition.add_row(
            _short_text(ra, rating_text),
            *(str(matrix[ra][rb]) for rb in comparison.ratings),
            str(sum(matrix[ra].values())),
        )
    totals = [sum(matrix[ra][rb] for ra in comparison.ratings) for rb in comparison.ratings]
    transition.add_row(plain("Total", style="bold"), *(str(t) for t in totals), str(sum(totals)), end_section=True)
    console.print(transition)

    dist = Table(title="National distributions", title_justify="left")
    dist.add_column("Rating", no_wrap=True)
    dist.add_column(a.label, no_wrap=True)
    dist.add_column(b.label, no_wrap=True)
    top = max([*comparison.distribution_a.values(), *comparison.distribution_b.values(), 1])
    for rating in [*comparison.ratings, "not rated"]:
        count_a, count_b = comparison.distribution_a.get(rating, 0), comparison.distribution_b.get(rating, 0)
        if rating == "not rated" and not (count_a or count_b):
            continue
        shown = rating_text(rating) if rating != "not rated" else plain("not rated", style="dim")
        dist.add_row(shown, f"{count_a:>4} {_bar(count_a, top)}", f"{count_b:>4} {_bar(count_b, top)}")
    console.print(dist)

    movers = [c for c in comparison.orgs if c.movement in ("up", "down")]
    if movers:
        # Names only where they fit: the codes identify, and the machine formats carry the names.
        with_names = console.width >= 100
        lower = comparison.b.framework.scale.better == "lower"
        table = Table(
            title=f"Organisations whose rating changed ({len(movers)})",
            title_justify="left",
            # On a scale where lower is better (NOF's average score), a fall in score is the better way.
            caption="Change: in the score, where lower is better" if lower else None,
            caption_justify="left",
        )
        table.add_column("Code", no_wrap=True)
        if with_names:
            table.add_column("Name")
        for column in (a.label, b.label):
            table.add_column(column, no_wrap=True)
        table.add_column("Change", justify="right", no_wrap=True)
        if comparison.attribution:
            table.add_column("data / framework", justify="right", no_wrap=True)
        for change in sorted(movers, key=lambda c: (c.movement != "up", c.org_code)):
            row = [
                change.org_code,
                *([change.org_name] if with_names else []),
                _short_text(change.rating_a, rating_text),
                _short_text(change.rating_b, rating_text),
                _signed(change.score_change),
            ]
            if comparison.attribution:
                row.append(_parts(change))
            table.add_row(*row)
        console.print(table)


def _print_org(console: Console, comparison: Comparison, change: OrgChange) -> None:
    from rich.table import Table
    from rich.text import Text

    from ccgrate._render.console import WIDE, plain, rating_text

    a, b = comparison.a, comparison.b
    head = Text.assemble(
        plain(f"{change.org_code} {change.org_name}", "bold"),
        ": ",
        rating_text(change.rating_a),
        " -> ",
        rating_text(change.rating_b),
        f" ({change.movement})",
    )
    head.append(f"\nScore {_score(change.score_a)} -> {_score(change.score_b)} ({_signed(change.score_change)}")
    if change.data_part is not None:
        head.append(f": data {_signed(change.data_part)}, framework {_signed(change.framework_part)}")
    head.append(")")
    if change.predecessors:
        head.append(f"\n{a.label} restated from the predecessors {', '.join(change.predecessors)}")
    console.print(head)

    domains = Table(title="Domains", title_justify="left")
    for column in ("Domain", a.label, b.label, "Change"):
        domains.add_column(column, justify="left" if column == "Domain" else "right")
    for _, name, score_a, score_b, delta in change.domains:
        domains.add_row(name, _score(score_a), _score(score_b), _signed(delta))
    console.print(domains)
    if change.areas:
        areas = Table(title="Clinical priority areas", title_justify="left")
        for column in ("Area", a.label, b.label):
            areas.add_column(column)
        for _, name, before, after in change.areas:
            areas.add_row(name, rating_text(before), rating_text(after))
        console.print(areas)

    # One line per indicator at any width: on a narrow terminal bands are written short
    # (Q1, sig. better), values and bands are cut with an ellipsis, and -f csv has them whole.
    narrow = console.width < WIDE
    band = _narrow_band if narrow else _band
    cap = 10 if narrow else None
    indicators = Table(title="Indicators", title_justify="left", expand=True)
    indicators.add_column("ID", no_wrap=True)
    indicators.add_column("Indicator", no_wrap=True, overflow="ellipsis", ratio=1, min_width=8)
    indicators.add_column(a.label, justify="right", no_wrap=True, overflow="ellipsis", max_width=cap)
    indicators.add_column(b.label, justify="right", no_wrap=True, overflow="ellipsis", max_width=cap)
    indicators.add_column("Movement", no_wrap=True)
    indicators.add_column(
        "Bands", no_wrap=True, overflow="ellipsis", width=15 if narrow else None, ratio=None if narrow else 1
    )
    elsewhere, shown_bands = [], []
    for i in change.indicators:
        if i.movement in ("only in A", "only in B", "redefined"):
            elsewhere.append(f"{i.id} ({i.movement.replace(' A', ' ' + a.label).replace(' B', ' ' + b.label)})")
            continue
        movement = plain(i.movement, style={"improved": "green", "worsened": "red"}.get(i.movement, ""))
        if i.significant:
            movement.append(" *", style="bold")
        bands = f"{band(i.band_a)} -> {band(i.band_b)}" if i.band_a != i.band_b else band(i.band_a)
        shown_bands += [i.band_a or "", i.band_b or ""]
        indicators.add_row(i.id, plain(i.name), _value(i.value_a, i.unit), _value(i.value_b, i.unit), movement, bands)
    console.print(indicators)
    said = {
        "quartile": "Q1 top quartile ... Q4 bottom",
        "as expected": "expected: as expected",
        "significantly": "sig. significantly",
    }
    legend = [text for word, text in said.items() if any(word in label for label in shown_bands)]
    if narrow and legend:
        console.print(plain(f"Bands: {'; '.join(legend)} (-f csv has them in full).", style="dim"))
    counts = change.counts()
    notes = (
        f"{counts['improved']} improved, {counts['worsened']} worsened, {counts['unchanged']} unchanged; "
        "* marks a change significant at 95% (two-proportion test on the counts)"
    )
    if elsewhere:
        notes += f"\nNot compared: {', '.join(elsewhere)}"
    notes += f"\nRules fired: {a.label}: {', '.join(change.rules_a) or 'none'}; {b.label}: {', '.join(change.rules_b) or 'none'}"
    console.print(notes)


QUARTERS = {
    "top quartile": "Q1 (top)",
    "second quartile": "Q2",
    "third quartile": "Q3",
    "bottom quartile": "Q4 (bottom)",
}


def _band(label: str | None) -> str:
    return "-" if label is None else QUARTERS.get(label, label)


def _narrow_band(label: str | None) -> str:
    if label is None:
        return "-"
    return QUARTERS.get(label, label).split(" (")[0].replace("significantly", "sig.").replace("as expected", "expected")


def _short_text(rating: str | None, rating_text: Any) -> Any:
    text = rating_text(rating)
    text.plain = _short(text.plain)
    return text


def _short(rating: str) -> str:
    return "Req. improvement" if rating == "Requires improvement" else rating


def _bar(count: int, top: int) -> str:
    return "█" * round(BAR_WIDTH * count / top) if count else ""


def _score(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _signed(value: float | None) -> str:
    return "-" if value is None else f"{value:+.2f}"


def _parts(change: OrgChange) -> str:
    if change.data_part is None:
        return "-"
    return f"{change.data_part:+.2f} / {change.framework_part:+.2f}"


def _value(value: Any, unit: str) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        text = f"{value:,.2f}".rstrip("0").rstrip(".")
        return f"{text}%" if unit == "%" else text
    return str(value)


class ComparisonOutput(Renderer):
    """`ccgrate compare`: the national picture, or with `detail` each organisation's changes."""

    formats = TEXT_FORMATS

    def __init__(self, comparison: Comparison, detail: bool):
        self.comparison = comparison
        self.detail = detail

    def frameworks(self) -> Sequence[Framework]:
        return [self.comparison.a.framework, self.comparison.b.framework]

    def draw(self, console: Console) -> None:
        print_comparison(console, self.comparison, self.detail)

    def text(self, fmt: OutputFormat) -> Iterable[str]:
        if fmt is OutputFormat.JSON:
            return [render_json(self.comparison)]
        if fmt is OutputFormat.NDJSON:
            return [render_ndjson(self.comparison)]
        if fmt is OutputFormat.CSV:
            return [render_csv(self.comparison)]
        if fmt is OutputFormat.MARKDOWN:
            return [render_markdown(self.comparison)]
        return super().text(fmt)
