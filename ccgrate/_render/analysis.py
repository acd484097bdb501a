"""Renderers of what-if answers, sensitivity results and calibrations."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from ccgrate._render.output import TEXT_FORMATS, OutputFormat, Renderer

if TYPE_CHECKING:
    from rich.console import Console

    from ccgrate._analysis.calibrate import Calibration, PublishedCalibration
    from ccgrate._analysis.sensitivity import Sensitivity
    from ccgrate._analysis.whatif import Change, WhatIf
    from ccgrate._framework.model import Framework


import json
from typing import Any

from ccgrate._base.errors import listed
from ccgrate._render.cells import (
    SCHEMA_VERSION,
    ccgrate_version,
    machine_number,
    markdown_table,
    md_cell,
    render_rows_csv,
    share_cell,
)
from ccgrate._render.console import plain

CHANGE_COLUMNS = ["kind", "id", "name", "from", "to", "band_from", "band_to", "steps"]
# Machine rows say whose change and towards what, so that runs over many organisations concatenate.
WHO = ["org_code", "period", "target"]


def _change(change: Change) -> dict[str, Any]:
    return {
        "kind": change.kind,
        "indicator": change.id,
        "name": change.name,
        "from": machine_number(change.before),
        "to": machine_number(change.after),
        "band_from": change.band_before,
        "band_to": change.band_after,
        "steps": change.steps,
    }


def whatif_record(answer: WhatIf) -> dict[str, Any]:
    return {
        "ccgrate_version": ccgrate_version(),
        "schema_version": SCHEMA_VERSION,
        "org_code": answer.org_code,
        "org_name": answer.org_name,
        "period": answer.period,
        "framework": answer.framework,
        "framework_reconstructed": answer.framework_reconstructed,
        "target": answer.target,
        "rating_before": answer.rating_before,
        "rating_after": answer.rating_after,
        "score_before": answer.score_before,
        "score_after": answer.score_after,
        "reachable": answer.reachable,
        "changes": [_change(c) for c in answer.changes],
        "blocking_rules": [{"rule": rule, "reason": reason} for rule, reason in answer.blocking],
        "area_changes": [
            {"area": area, "name": name, "from": old, "to": new} for area, name, old, new in answer.area_changes
        ],
        "note": answer.note,
    }


def whatif_json(answer: WhatIf) -> str:
    return json.dumps(whatif_record(answer), indent=2, ensure_ascii=False) + "\n"


def whatif_ndjson(answer: WhatIf) -> str:
    context = {
        "org_code": answer.org_code,
        "period": answer.period,
        "target": answer.target,
        "framework_reconstructed": answer.framework_reconstructed,
        "schema_version": SCHEMA_VERSION,
    }
    lines = [json.dumps({**context, **_change(c)}, ensure_ascii=False) for c in answer.changes]
    lines += [
        json.dumps(
            {
                **context,
                "kind": "area",
                "indicator": area,
                "name": name,
                "from": old,
                "to": new,
                "band_from": None,
                "band_to": None,
                "steps": None,
            },
            ensure_ascii=False,
        )
        for area, name, old, new in answer.area_changes
    ]
    return "".join(line + "\n" for line in lines)


def _rows(answer: WhatIf) -> list[list[Any]]:
    """The changes, then (kind "area") the area ratings they change, as a consequence."""
    return [[c.kind, c.id, c.name, c.before, c.after, c.band_before, c.band_after, c.steps] for c in answer.changes] + [
        ["area", area, name, old, new, None, None, None] for area, name, old, new in answer.area_changes
    ]


def whatif_csv(answer: WhatIf) -> str:
    who = [answer.org_code, answer.period, answer.target]
    flag = ["true" if answer.framework_reconstructed else "false"]
    return render_rows_csv(
        WHO + CHANGE_COLUMNS + ["framework_reconstructed"], [who + row + flag for row in _rows(answer)]
    )


def whatif_markdown(answer: WhatIf) -> str:
    return f"{_summary(answer)}\n\n" + markdown_table(CHANGE_COLUMNS, _rows(answer))


def _summary(answer: WhatIf) -> str:
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
    if answer.area_changes:
        text += ". Area ratings that change with it: " + "; ".join(
            f"{name} {old or 'not rated'} -> {new or 'not rated'}" for _, name, old, new in answer.area_changes
        )
    return text + "."


def print_whatif(console: Console, answer: WhatIf, settings: bool) -> None:
    from rich.table import Table

    from ccgrate._render.console import plain

    console.print(plain(_summary(answer)))
    if not answer.changes:
        return
    title = "Changes given" if settings else f"The smallest change that reaches {answer.target}"
    # One line per change at any width: when the table would not fit, band names are shortened
    # and the names give way.
    headers = ["ID", "Indicator or judgement", "From", "To", "Band"]

    def cells(shorten: bool) -> list[list[str]]:
        rows = []
        for c in answer.changes:
            band = (f"{c.band_before} -> {c.band_after}" if c.band_before != c.band_after else c.band_after) or "-"
            rows.append(
                [c.id, c.name, _value(c.before), _value(c.after), band.replace("quartile", "qtl") if shorten else band]
            )
        return rows

    def needed(rows: list[list[str]]) -> list[int]:
        return [max(len(header), *(len(row[n]) for row in rows)) for n, header in enumerate(headers)]

    natural = sum(needed(cells(False))) + 3 * len(headers) + 1
    narrow = natural > console.width
    rows = cells(narrow)
    widths = needed(rows)
    table = Table(title=title, title_justify="left", expand=narrow)
    for number, header in enumerate(headers):
        # On a narrow terminal long values (a judgement level) give way too, to an ellipsis.
        limit = 10 if narrow and header in ("From", "To") else 24
        table.add_column(
            header,
            no_wrap=True,
            overflow="ellipsis",
            justify="right" if header in ("From", "To") else "left",
            ratio=1 if number == 1 else None,
            min_width=12 if number == 1 else min(widths[number], limit),
            max_width=limit if narrow and number > 1 else None,
        )
    for row in rows:
        table.add_row(row[0], plain(row[1]), *row[2:])
    console.print(table)
    if narrow and any("quartile" in f"{c.band_before}{c.band_after}" for c in answer.changes):
        console.print(plain("qtl quartile; -f csv gives names and bands in full.", style="dim"))


def _value(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.4f}".rstrip("0").rstrip(".")
    return str(value)


# --- sensitivity ---------------------------------------------------------------------------------


def _slug(rating: str) -> str:
    return rating.lower().replace(" ", "_")


def sensitivity_columns(result: Sensitivity) -> list[str]:
    ratings = result.framework.scale.ratings
    return (
        ["org_code", "org_name", "period", "score", "rating"]
        + [f"p_{_slug(r)}" for r in ratings]
        + ["p_not_rated", "p_same_rating", "rank_median", "rank_p05", "rank_p95"]
        + [f"p_same_area:{area}" for area in result.area_counts]
    )


def _probability(value: float) -> float | None:
    return None if value != value else float(value)  # NaN check without numpy


def _rank(value: float) -> int | None:
    return None if value != value else int(value)


def sensitivity_rows(result: Sensitivity, selected: list[int]) -> list[list[Any]]:
    base, population = result.base, result.population
    probabilities, same = result.probabilities, result.same_rating()
    areas = list(result.same_area_rating().values())
    rows = []
    for i in selected:
        score = None if base.score[i] != base.score[i] else float(base.score[i])
        rows.append(
            [population.codes[i], population.names[i], population.period, score, base.rating_name(int(base.rating[i]))]
            + [_probability(p) for p in probabilities[i]]
            + [
                _probability(same[i]),
                _rank(result.rank_median[i]),
                _rank(result.rank_low[i]),
                _rank(result.rank_high[i]),
            ]
            + [_probability(shares[i]) for shares in areas]
        )
    return rows


def sensitivity_settings(result: Sensitivity) -> dict[str, Any]:
    fw = result.framework
    return {
        "framework": fw.id,
        "framework_sha256": fw.sha256,
        "framework_reconstructed": fw.reconstructed,
        "period": result.population.period,
        "source": result.population.source,
        "draws": result.draws,
        "seed": result.seed,
        "weights_sd": result.perturbation.weights,
        "cuts_sd": result.perturbation.cuts,
        "values_resampled": result.perturbation.values,
        "resampled_indicators": result.resampled,
    }


def sensitivity_json(result: Sensitivity, selected: list[int]) -> str:
    columns = sensitivity_columns(result)
    ratings = result.framework.scale.ratings
    organisations = []
    for row in sensitivity_rows(result, selected):
        record = dict(zip(columns, row))
        organisations.append(
            {
                "org_code": record["org_code"],
                "org_name": record["org_name"],
                "period": record["period"],
                "score": record["score"],
                "rating": record["rating"],
                "probabilities": {**{r: record[f"p_{_slug(r)}"] for r in ratings}, "not rated": record["p_not_rated"]},
                "p_same_rating": record["p_same_rating"],
                "rank": {"median": record["rank_median"], "p05": record["rank_p05"], "p95": record["rank_p95"]},
                **(
                    {"p_same_area": {area: record[f"p_same_area:{area}"] for area in result.area_counts}}
                    if result.area_counts
                    else {}
                ),
            }
        )
    document = {"ccgrate_version": ccgrate_version(), **sensitivity_settings(result), "organisations": organisations}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def sensitivity_ndjson(result: Sensitivity, selected: list[int]) -> str:
    columns = sensitivity_columns(result)
    settings = {
        "draws": result.draws,
        "seed": result.seed,
        "framework_reconstructed": result.framework.reconstructed,
        "schema_version": SCHEMA_VERSION,
    }
    return "".join(
        json.dumps({**dict(zip(columns, row)), **settings}, ensure_ascii=False) + "\n"
        for row in sensitivity_rows(result, selected)
    )


def sensitivity_csv(result: Sensitivity, selected: list[int]) -> str:
    flag = ["true" if result.framework.reconstructed else "false"]
    return render_rows_csv(
        sensitivity_columns(result) + ["framework_reconstructed"],
        [row + flag for row in sensitivity_rows(result, selected)],
    )


def sensitivity_caption(result: Sensitivity) -> str:
    text = f"{result.draws:,} draws, seed {result.seed}: {result.perturbation.describe()}"
    if result.perturbation.values:
        count = len(result.resampled)
        text += (
            f" ({count} indicator{'s' if count != 1 else ''} with counts)" if count else " (the file gives no counts)"
        )
    return text


def sensitivity_summary(result: Sensitivity) -> str:
    same = result.same_rating()
    rated = same[same == same]
    steady = int((rated >= 0.9).sum())
    text = (
        f"{steady} of {len(rated)} rated organisations keep their rating in at least 90% of draws; "
        f"{int((rated < 0.5).sum())} keep it in fewer than half."
    )
    areas = result.same_area_rating()
    if areas:
        kept = []
        for area_id, shares in areas.items():
            rated_area = shares[shares == shares]
            kept.append(f"{area_id} {int((rated_area >= 0.9).sum())} of {len(rated_area)}")
        text += " Area ratings kept in at least 90% of draws: " + ", ".join(kept) + "."
    return text


def sensitivity_markdown(result: Sensitivity, selected: list[int]) -> str:
    return f"{sensitivity_caption(result)}. {sensitivity_summary(result)}\n\n" + markdown_table(
        sensitivity_columns(result), sensitivity_rows(result, selected)
    )


def print_sensitivity(console: Console, result: Sensitivity, selected: list[int]) -> None:
    from rich import box
    from rich.table import Table

    from ccgrate._render.console import rating_text

    ratings = result.framework.scale.ratings
    wide = console.width >= 110
    table = Table(
        title=f"How sure each rating is: {sensitivity_caption(result)}",
        title_justify="left",
        caption="P(X): the share of draws rated X ('.' none); rank by score, 1 the highest",
        caption_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
    )
    table.add_column("Code", no_wrap=True)
    if wide:
        table.add_column("Name", ratio=1)
    table.add_column("Score", justify="right", no_wrap=True)
    table.add_column("Rating", no_wrap=True)
    for rating in ratings:
        table.add_column(f"P({''.join(word[0] for word in rating.split()).upper()})", justify="right", no_wrap=True)
    table.add_column("Rank (5-95%)", justify="right", no_wrap=True)
    for row in sensitivity_rows(result, selected):
        code, name, _, score, rating = row[:5]
        shares = row[5 : 5 + len(ratings)]
        median, low, high = row[6 + len(ratings) + 1 : 6 + len(ratings) + 4]
        rank = "-" if median is None else f"{median} ({low}-{high})"
        table.add_row(
            code,
            *([name] if wide else []),
            "-" if score is None else f"{score:.2f}",
            rating_text(rating),
            *[share_cell(p) for p in shares],
            rank,
        )
    console.print(table)
    console.print(sensitivity_summary(result))


# --- calibration ---------------------------------------------------------------------------------

CALIBRATION_COLUMNS = ["rating", "target", "achieved", "before", "cut_before", "cut_after"]


def calibration_rows(result: Calibration) -> list[list[Any]]:
    return [
        [r, result.target[r], result.achieved[r], result.before[r], result.cuts_before.get(r), result.cuts_after.get(r)]
        for r in result.target
    ]


def calibration_verdict(result: Calibration, output: str) -> str:
    if result.exact:
        text = f"Scoring the file with {output} gives the target exactly."
    else:
        text = (
            f"Closest reachable: {_organisations(result.differences)} rated "
            "differently from the target; organisations with the same score cannot be split"
            + (
                ", and the rules decide where some organisations end up whatever the cuts."
                if result.area is None
                else "."
            )
        )
        if result.ties:
            text += (
                " Shared scores at the cuts: "
                + "; ".join(
                    f"{count} organisations at {score:.2f} (the {rating} cut)" for rating, score, count in result.ties
                )
                + "."
            )
    if result.indicator_cuts:
        text += f" Quantile cut points of {len(result.indicator_cuts)} indicators were set from the file's values."
    return text


def calibration_json(result: Calibration, source: str, output: str, old_id: str) -> str:
    document = {
        "ccgrate_version": ccgrate_version(),
        "framework": old_id,
        "calibrated": result.framework_id,
        "area": result.area,
        "output": output,
        "source": source,
        "rated": result.rated,
        "exact": result.exact,
        "differences": result.differences,
        "ratings": [dict(zip(CALIBRATION_COLUMNS, row)) for row in calibration_rows(result)],
        "indicator_cuts": [
            {"indicator": i, "before": before, "after": after} for i, (before, after) in result.indicator_cuts.items()
        ],
        "ties": [{"cut": rating, "score": score, "organisations": count} for rating, score, count in result.ties],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def calibration_csv(result: Calibration) -> str:
    return render_rows_csv(CALIBRATION_COLUMNS, calibration_rows(result))


def calibration_markdown(result: Calibration, output: str) -> str:
    return f"{calibration_verdict(result, output)}\n\n" + markdown_table(CALIBRATION_COLUMNS, calibration_rows(result))


def print_calibration(console: Console, result: Calibration, output: str, old_id: str) -> None:
    from rich.table import Table

    from ccgrate._render.console import plain

    what = "" if result.area is None else f" (area {result.area})"
    table = Table(
        title=f"{old_id} calibrated as {result.framework_id}{what}, written to {output}", title_justify="left"
    )
    table.add_column("Rating")
    for column in ("Target", "Achieved", "Before", "Cut before", "Cut after"):
        table.add_column(column, justify="right")
    for rating, target, achieved, before, cut_before, cut_after in calibration_rows(result):
        table.add_row(
            rating,
            str(target),
            str(achieved),
            str(before),
            "-" if cut_before is None else f"{cut_before:g}",
            "-" if cut_after is None else f"{cut_after:g}",
        )
    console.print(table)
    console.print(plain(calibration_verdict(result, output)))


def _organisations(count: int) -> str:
    return f"{count} organisation{'s' if count != 1 else ''}"


class WhatIfOutput(Renderer):
    """`ccgrate whatif`: the smallest change that reaches a rating, or the rating given changes
    (`settings`)."""

    formats = TEXT_FORMATS

    def __init__(self, answer: WhatIf, settings: bool, framework: Framework):
        self.answer = answer
        self.settings = settings
        self.framework = framework

    def frameworks(self) -> Sequence[Framework]:
        return [self.framework]

    def draw(self, console: Console) -> None:
        print_whatif(console, self.answer, self.settings)

    def text(self, fmt: OutputFormat) -> Iterable[str]:
        if fmt is OutputFormat.JSON:
            return [whatif_json(self.answer)]
        if fmt is OutputFormat.NDJSON:
            return [whatif_ndjson(self.answer)]
        if fmt is OutputFormat.CSV:
            return [whatif_csv(self.answer)]
        if fmt is OutputFormat.MARKDOWN:
            return [whatif_markdown(self.answer)]
        return super().text(fmt)


class SensitivityOutput(Renderer):
    """`ccgrate sensitivity`: how sure each rating of the `selected` organisations is."""

    formats = TEXT_FORMATS

    def __init__(self, result: Sensitivity, selected: list[int]):
        self.result = result
        self.selected = selected

    def frameworks(self) -> Sequence[Framework]:
        return [self.result.framework]

    def draw(self, console: Console) -> None:
        print_sensitivity(console, self.result, self.selected)

    def text(self, fmt: OutputFormat) -> Iterable[str]:
        if fmt is OutputFormat.JSON:
            return [sensitivity_json(self.result, self.selected)]
        if fmt is OutputFormat.NDJSON:
            return [sensitivity_ndjson(self.result, self.selected)]
        if fmt is OutputFormat.CSV:
            return [sensitivity_csv(self.result, self.selected)]
        if fmt is OutputFormat.MARKDOWN:
            return [sensitivity_markdown(self.result, self.selected)]
        return super().text(fmt)


class CalibrationOutput(Renderer):
    """`ccgrate calibrate`'s report: the target, what the new framework (`written`, where it was
    written) achieves, and the cut points before and after."""

    formats = (OutputFormat.TABLE, OutputFormat.JSON, OutputFormat.CSV, OutputFormat.MARKDOWN)

    def __init__(self, result: Calibration, source: str, written: str, old_id: str):
        self.result = result
        self.source = source
        self.written = written
        self.old_id = old_id

    def draw(self, console: Console) -> None:
        print_calibration(console, self.result, self.written, self.old_id)

    def text(self, fmt: OutputFormat) -> Iterable[str]:
        if fmt is OutputFormat.JSON:
            return [calibration_json(self.result, self.source, self.written, self.old_id)]
        if fmt is OutputFormat.CSV:
            return [calibration_csv(self.result)]
        if fmt is OutputFormat.MARKDOWN:
            return [calibration_markdown(self.result, self.written)]
        return super().text(fmt)


class PublishedCalibrationOutput(Renderer):
    """`ccgrate calibrate --published`'s report: per period, each cut point, the gap it sits in and
    how many organisations' published rating by score it reproduces."""

    formats = (OutputFormat.TABLE, OutputFormat.JSON, OutputFormat.CSV, OutputFormat.MARKDOWN)

    def __init__(self, result: PublishedCalibration, source: str, written: str):
        self.result = result
        self.source = source
        self.written = written

    def rows(self) -> list[list[Any]]:
        return [
            [p.period, c.rating, c.cut, c.worst_in, c.best_below, c.misplaced]
            for p in self.result.periods
            for c in p.cuts
        ]

    HEADER = ["period", "rating", "cut", "worst_published_in", "best_published_below", "misplaced"]

    def lines(self) -> list[str]:
        return [
            f"{p.period}: reproduces the published rating by score for {p.agree} of {p.organisations}"
            + (f" (differs: {listed(p.differ, 5)})" if p.differ else "")
            + "; use: "
            + " ".join(f'--cut "{c.rating}={c.cut:g}"' for c in p.cuts)
            for p in self.result.periods
        ] + [f"Written: {self.result.framework_id} to {self.written}"]

    def draw(self, console: Console) -> None:
        from rich.table import Table

        table = Table(title="Cut points from the published ratings by score", title_justify="left")
        for heading in ("Period", "Rating", "Cut", "Worst in it", "Best below", "Misplaced"):
            table.add_column(heading, justify="left" if heading in ("Period", "Rating") else "right")
        for row in self.rows():
            table.add_row(*("" if v is None else f"{v:g}" if isinstance(v, float) else str(v) for v in row))
        console.print(table)
        for line in self.lines():
            console.print(plain(line))

    def text(self, fmt: OutputFormat) -> Iterable[str]:
        if fmt is OutputFormat.JSON:
            document = {
                "ccgrate_version": ccgrate_version(),
                "schema_version": SCHEMA_VERSION,
                "source": self.source,
                "framework": self.result.framework_id,
                "written": self.written,
                "periods": [
                    {
                        "period": p.period,
                        "organisations": p.organisations,
                        "agree": p.agree,
                        "differ": p.differ,
                        "cuts": [
                            dict(zip(self.HEADER[1:], [c.rating, c.cut, c.worst_in, c.best_below, c.misplaced]))
                            for c in p.cuts
                        ],
                    }
                    for p in self.result.periods
                ],
            }
            return [json.dumps(document, indent=2, ensure_ascii=False) + "\n"]
        if fmt is OutputFormat.CSV:
            return [render_rows_csv(self.HEADER, self.rows())]
        if fmt is OutputFormat.MARKDOWN:
            return [
                markdown_table(self.HEADER, self.rows())
                + "\n"
                + "\n".join(f"- {md_cell(line)}" for line in self.lines())
                + "\n"
            ]
        return super().text(fmt)
