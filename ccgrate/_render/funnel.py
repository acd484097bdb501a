"""Machine formats of a funnel plot's data (the record made by `ccgrate.funnel.funnel_record`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import IO, TYPE_CHECKING, Any

from ccgrate._analysis.funnel import Funnel, funnel_record
from ccgrate._render.output import TEXT_FORMATS, OutputFormat, Renderer

if TYPE_CHECKING:
    from rich.console import Console

    from ccgrate._framework.model import Framework


import json

from ccgrate._render.cells import SCHEMA_VERSION, markdown_table, render_rows_csv
from ccgrate._render.console import short_number

COLUMNS = [
    "org_code",
    "org_name",
    "value",
    "numerator",
    "denominator",
    "z",
    "z_adj",
    "band",
    "lower_998",
    "lower_95",
    "upper_95",
    "upper_998",
]
if TYPE_CHECKING:
    from rich.table import Table

STAMP = ["framework_reconstructed", "framework_sha256", "input_sha256", "ccgrate_version"]


def render_json(record: dict[str, Any]) -> str:
    return json.dumps(record, indent=2, ensure_ascii=False) + "\n"


def render_ndjson(record: dict[str, Any]) -> str:
    """One organisation per line, each with the indicator, period and provenance."""
    context = {key: record[key] for key in ("indicator", "period", "target", "phi", "tau2", *STAMP)}
    context["schema_version"] = SCHEMA_VERSION
    return "".join(json.dumps({**context, **point}, ensure_ascii=False) + "\n" for point in record["points"])


def render_csv(record: dict[str, Any]) -> str:
    rows = [[point.get(c) for c in COLUMNS] + [record[key] for key in STAMP] for point in record["points"]]
    return render_rows_csv(COLUMNS + STAMP, rows)


def render_markdown(record: dict[str, Any]) -> str:
    title = (
        f"# {record['indicator']} {record['name']}, {record['period']}\n\n"
        f"Target {record['target']}, {record['overdispersion']} over-dispersion (phi {record['phi']}, "
        f"tau2 {record['tau2']}, n {record['n']}).\n\n"
    )
    table = markdown_table(COLUMNS, [[point.get(c) for c in COLUMNS] for point in record["points"]])
    stamp = "; ".join(f"{key} {record[key]}" for key in STAMP)
    return title + table + f"\n_{stamp}._\n"


def funnel_table(record: dict[str, Any], highlight: set[str]) -> Table:
    from rich.table import Table

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
            short_number(point["value"]),
            "" if point["denominator"] is None else f"{point['denominator']:,.0f}",
            _fixed(point["z_adj"]),
            point["band"] or (point.get("note") and "not banded") or "-",
            _limits(point, "95"),
            _limits(point, "998"),
            style="bold" if point["org_code"] in highlight else "",
        )
    return table


def _limits(point: dict[str, Any], level: str) -> str:
    low, high = point.get(f"lower_{level}"), point.get(f"upper_{level}")
    return "" if low is None else f"{low:.3g}-{high:.3g}"


def _fixed(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


class FunnelOutput(Renderer):
    """`ccgrate funnel`: the picture of one z-score indicator, or its data."""

    formats = (*TEXT_FORMATS, OutputFormat.SVG, OutputFormat.PNG, OutputFormat.PDF)

    def __init__(self, funnel: Funnel, highlight: set[str], frameworks: Sequence[Framework]):
        self.funnel = funnel
        self.record = funnel_record(funnel)
        self.highlight = highlight
        self.used = list(frameworks)

    def frameworks(self) -> Sequence[Framework]:
        return self.used

    def draw(self, console: Console) -> None:
        console.print(funnel_table(self.record, self.highlight))

    def text(self, fmt: OutputFormat) -> Iterable[str]:
        if fmt is OutputFormat.JSON:
            return [render_json(self.record)]
        if fmt is OutputFormat.NDJSON:
            return [render_ndjson(self.record)]
        if fmt is OutputFormat.CSV:
            return [render_csv(self.record)]
        if fmt is OutputFormat.MARKDOWN:
            return [render_markdown(self.record)]
        return super().text(fmt)

    def picture(self, fmt: OutputFormat, stream: IO[bytes]) -> None:
        from ccgrate._render.plot import draw_funnel

        draw_funnel(self.funnel, stream, fmt.value, self.highlight)
