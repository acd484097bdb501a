"""Renderers of what-if answers, sensitivity results and calibrations."""

from __future__ import annotations

import json
from typing import Any

from .machine import _stable, _version, markdown_table, render_rows_csv

CHANGE_COLUMNS = ["kind", "id", "name", "from", "to", "band_from", "band_to", "steps"]


def _change(change: Any) -> dict:
    return {"kind": change.kind, "indicator": change.id, "name": change.name, "from": _stable(change.before),
            "to": _stable(change.after), "band_from": change.band_before, "band_to": change.band_after,
            "steps": change.steps}


def whatif_record(answer: Any) -> dict:
    return {
        "ccgrate_version": _version(),
        "org_code": answer.org_code,
        "org_name": answer.org_name,
        "period": answer.period,
        "framework": answer.framework,
        "target": answer.target,
        "rating_before": answer.rating_before,
        "rating_after": answer.rating_after,
        "score_before": answer.score_before,
        "score_after": answer.score_after,
        "reachable": answer.reachable,
        "changes": [_change(c) for c in answer.changes],
        "blocking_rules": [{"rule": rule, "reason": reason} for rule, reason in answer.blocking],
        "note": answer.note,
    }


def whatif_json(answer: Any) -> str:
    return json.dumps(whatif_record(answer), indent=2, ensure_ascii=False) + "\n"


def whatif_ndjson(answer: Any) -> str:
    context = {"org_code": answer.org_code, "period": answer.period, "target": answer.target}
    return "".join(json.dumps({**context, **_change(c)}, ensure_ascii=False) + "\n" for c in answer.changes)


def _rows(answer: Any) -> list[list[Any]]:
    return [[c.kind, c.id, c.name, c.before, c.after, c.band_before, c.band_after, c.steps] for c in answer.changes]


def whatif_csv(answer: Any) -> str:
    return render_rows_csv(CHANGE_COLUMNS, _rows(answer))


def whatif_markdown(answer: Any) -> str:
    return f"{_summary(answer)}\n\n" + markdown_table(CHANGE_COLUMNS, _rows(answer))


def _summary(answer: Any) -> str:
    who = f"{answer.org_code} {answer.org_name}, {answer.period}"
    if answer.note and not answer.changes:
        return f"{who}: {answer.note.rstrip('.')}."
    text = f"{who}: {answer.rating_before} -> {answer.rating_after}"
    if answer.score_before is not None and answer.score_after is not None:
        text += f" (score {answer.score_before:.2f} -> {answer.score_after:.2f})"
    if not answer.reachable and answer.blocking:
        rules = "; ".join(f"{rule}: {reason.rstrip('.')}" for rule, reason in answer.blocking)
        text += f". Indicator changes alone cannot reach {answer.target}, because of {rules}"
    if answer.note:
        text += f". {answer.note.rstrip('.')}"
    return text + "."


def print_whatif(console: Any, answer: Any, settings: bool) -> None:
    from rich.markup import escape
    from rich.table import Table
    from rich.text import Text

    console.print(Text(_summary(answer)))
    if not answer.changes:
        return
    title = "Changes given" if settings else f"The smallest change that reaches {answer.target}"
    table = Table(title=title, title_justify="left")
    for column, options in (("ID", {"no_wrap": True}), ("Indicator or judgement", {"ratio": 1}),
                            ("From", {"justify": "right", "no_wrap": True}), ("To", {"justify": "right", "no_wrap": True}),
                            ("Band", {})):
        table.add_column(column, **options)
    for c in answer.changes:
        band = f"{c.band_before} -> {c.band_after}" if c.band_before != c.band_after else (c.band_after or "-")
        table.add_row(escape(c.id), escape(c.name), _value(c.before), _value(c.after), escape(band or "-"))
    console.print(table)


def _value(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.4f}".rstrip("0").rstrip(".")
    return str(value)
