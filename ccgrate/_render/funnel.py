"""Machine formats of a funnel plot's data (the record made by `ccgrate.funnel.funnel_record`)."""

from __future__ import annotations

import json

from ccgrate._render.machine import SCHEMA_VERSION, markdown_table, render_rows_csv

COLUMNS = ["org_code", "org_name", "value", "numerator", "denominator", "z", "z_adj", "band",
           "lower_998", "lower_95", "upper_95", "upper_998"]
STAMP = ["framework_reconstructed", "framework_sha256", "input_sha256", "ccgrate_version"]


def render_json(record: dict) -> str:
    return json.dumps(record, indent=2, ensure_ascii=False) + "\n"


def render_ndjson(record: dict) -> str:
    """One organisation per line, each with the indicator, period and provenance."""
    context = {key: record[key] for key in ("indicator", "period", "target", "phi", "tau2", *STAMP)}
    context["schema_version"] = SCHEMA_VERSION
    return "".join(json.dumps({**context, **point}, ensure_ascii=False) + "\n" for point in record["points"])


def render_csv(record: dict) -> str:
    rows = [[point.get(c) for c in COLUMNS] + [record[key] for key in STAMP] for point in record["points"]]
    return render_rows_csv(COLUMNS + STAMP, rows)


def render_markdown(record: dict) -> str:
    title = (f"# {record['indicator']} {record['name']}, {record['period']}\n\n"
             f"Target {record['target']}, {record['overdispersion']} over-dispersion (phi {record['phi']}, "
             f"tau2 {record['tau2']}, n {record['n']}).\n\n")
    table = markdown_table(COLUMNS, [[point.get(c) for c in COLUMNS] for point in record["points"]])
    stamp = "; ".join(f"{key} {record[key]}" for key in STAMP)
    return title + table + f"\n_{stamp}._\n"
