"""A scoring run in the machine formats: JSON, NDJSON, CSV and Markdown, written as they are made."""

from __future__ import annotations

import gc
import json
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ccgrate._analysis.agreement import agreement, in_words
from ccgrate._framework.caveat import caveat
from ccgrate._render.cells import (
    SCHEMA_VERSION,
    ccgrate_version,
    csv_lines,
    flag_cell,
    framework_record,
    machine_number,
    markdown_table,
    md_cell,
    number_cell,
    safe_cell,
    safe_texts,
)
from ccgrate._scoring.engine import Assessment

if TYPE_CHECKING:
    from ccgrate._framework.model import Framework
    from ccgrate._scoring.engine import PopulationResult
    from ccgrate._scoring.run import ScoreRun


def assessment_record(a: Assessment, frameworks: dict[str, Framework], inputs: dict[str, str]) -> dict[str, Any]:
    fw = frameworks[a.framework]
    return {
        "org_code": a.org_code,
        "org_name": a.org_name,
        "period": a.period,
        "framework": a.framework,
        "framework_sha256": fw.sha256,
        "framework_reconstructed": fw.reconstructed,
        "source": a.source,
        "input_sha256": inputs.get(a.source),
        "score": a.score,
        "provisional_rating": a.provisional_rating,
        "adjusted_rating": a.adjusted_rating,
        "rating": a.rating,
        "peer_group": a.peer_group,
        "rank": a.rank,
        "coverage": a.coverage,
        "judgements": dict(sorted(a.judgements.items())),
        "domains": {d.id: d.score for d in a.domains},
        "domain_ratings": {d.id: d.rating for d in a.domains if fw.domain_has_scale(d.id)},
        "areas": {ar.id: ar.rating for ar in a.areas},
        "area_scores": {ar.id: ar.score for ar in a.areas},
        "area_bands": {
            ar.id: [
                {
                    "id": b.id,
                    "band": b.band,
                    "band_rank": b.band_rank,
                    "points": b.points,
                    "reference": b.reference or None,
                    **({"note": b.note} if b.note else {}),
                    **{key: machine_number(value) for key, value in (b.detail or {}).items()},
                }
                for b in ar.bands
            ]
            for ar in a.areas
            if ar.bands
        },
        "indicators": [
            {
                "id": i.id,
                "domain": i.domain,
                "area": i.area,
                "value": i.value,
                "numerator": i.numerator,
                "denominator": i.denominator,
                "reference": i.reference or None,
                "band": i.band,
                "band_rank": i.band_rank,
                "bands": i.band_count,
                "points": i.points,
                "weight": i.weight,
                **({"note": i.note} if i.note else {}),
                **{key: machine_number(value) for key, value in (i.detail or {}).items()},
                **({"counted": False} if not i.counted else {}),
                **({"rank": i.rank} if i.rank is not None else {}),
                **({"measured": i.measured} if i.measured is not None else {}),
                **({"published": i.published} if i.published is not None else {}),
            }
            for i in a.indicators
        ],
        "rules_fired": [
            {
                "rule": r.rule,
                "effect": r.effect,
                "rating": r.target,
                "before": r.before,
                "after": r.after,
                "reason": r.reason,
            }
            for r in a.rules_fired
        ],
        "missing": list(a.missing),
        "warnings": list(a.warnings),
        "published": dict(a.published),
        "agreement": agreement(a),
    }


def _context(run: ScoreRun) -> tuple[dict[str, Framework], dict[str, str]]:
    return {fw.id: fw for fw in run.frameworks}, {f.source: f.content_sha256 for f in run.inputs}


def render_json(run: ScoreRun) -> str:
    return "".join(json_chunks(run))


def json_chunks(run: ScoreRun) -> Iterator[str]:
    """The JSON document in pieces, one assessment at a time: a national batch of any size is never
    held whole in memory, as records or as text. The pieces join to exactly what
    `json.dumps(document, indent=2)` writes."""
    frameworks, inputs = _context(run)
    records = [framework_record(fw) for fw in run.frameworks]
    document = {
        "ccgrate_version": ccgrate_version(),
        "schema_version": SCHEMA_VERSION,
        "framework": records[0] if len(records) == 1 else None,
        "frameworks": records,
        "inputs": [
            {
                "source": f.source,
                "sha256": f.sha256,
                "content_sha256": f.content_sha256,
                "shape": f.shape,
                "rows": f.rows,
            }
            for f in run.inputs
        ],
        "indicator_stats": [
            {key: machine_number(value) for key, value in entry.items()} for entry in run.indicator_stats
        ],
        "area_stats": [{key: machine_number(value) for key, value in entry.items()} for entry in run.area_stats],
        "assessments": [],
        "warnings": list(run.warnings),
        "caveat": caveat(run.frameworks),
    }
    # Inside a JSON string every quote is escaped, so only the key itself can match.
    head, tail = json.dumps(document, indent=2, ensure_ascii=False).split('"assessments": []', 1)
    yield head + '"assessments": ['
    separator = "\n"
    for count, assessment in enumerate(run.iter_assessments(), 1):
        text = json.dumps(assessment_record(assessment, frameworks, inputs), indent=2, ensure_ascii=False)
        yield separator + "    " + text.replace("\n", "\n    ")
        separator = ",\n"
        if count % 64 == 0:
            # json's indenting encoder is pure Python and leaves a reference cycle (its nested
            # closures) behind each call; ccgrate runs with the cyclic collector off, so without
            # this a million organisations would keep a million of them. Only the young objects
            # are looked at: the records made since the last time.
            gc.collect(0)
    yield ("]" if separator == "\n" else "\n  ]") + tail + "\n"


def render_ndjson(run: ScoreRun) -> str:
    return "".join(ndjson_chunks(run))


def ndjson_chunks(run: ScoreRun) -> Iterator[str]:
    frameworks, inputs = _context(run)
    stamp = {"ccgrate_version": ccgrate_version(), "schema_version": SCHEMA_VERSION}
    for assessment in run.iter_assessments():
        yield json.dumps({**assessment_record(assessment, frameworks, inputs), **stamp}, ensure_ascii=False) + "\n"


def _score(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def summary_columns(run: ScoreRun) -> tuple[list[str], list[str], list[str]]:
    """Judgement, domain and area ids across every framework of the run, in framework order."""
    judgements: dict[str, None] = {}
    domains: dict[str, None] = {}
    areas: dict[str, None] = {}
    for fw in run.frameworks:
        judgements.update(dict.fromkeys(fw.judgements))
        domains.update(dict.fromkeys(d.id for d in fw.domains))
        areas.update(dict.fromkeys(a.id for a in fw.areas))
    return list(judgements), list(domains), list(areas)


SUMMARY_BLOCK = 65_536  # organisations formatted at a time: the text of a block, never of the whole batch


def _ranked(run: ScoreRun) -> bool:
    """Whether the run ranks in league tables: the summary then carries peer group, rank, adjusted
    rating and domain ratings (the CCG frameworks' columns stay as they were)."""
    return any(fw.league is not None for fw in run.frameworks)


def _scaled_domains(run: ScoreRun) -> list[str]:
    return list(dict.fromkeys(d.id for fw in run.frameworks for d in fw.domains if d.scale is not None))


def _with_published(run: ScoreRun) -> bool:
    return any(result.population.published for result in run.results)


PUBLISHED_COLUMNS = ["published_score", "published_rating", "published_rank", "agreement"]


def summary_header(run: ScoreRun) -> list[str]:
    judgements, domains, areas = summary_columns(run)
    header = ["org_code", "org_name", "period", "framework", "score", "provisional_rating", "rating"]
    if _ranked(run):
        header += ["adjusted_rating", "peer_group", "rank"]
    header += ["coverage", *judgements, *(f"domain:{d}" for d in domains)]
    header += [f"domain_rating:{d}" for d in _scaled_domains(run)] + [f"area:{a}" for a in areas]
    if _with_published(run):
        header += PUBLISHED_COLUMNS
    return header + ["rules_fired", "missing", "source", *PROVENANCE]


def summary_blocks(run: ScoreRun) -> Iterator[list[list[str]]]:
    """The summary CSV's cells a block of organisations at a time, column by column, built from the
    result arrays (no full records): each column is formatted in one pass, a value that is the same
    for every row (period, framework, source, provenance) once."""
    judgements, domains, areas = summary_columns(run)
    _, inputs = _context(run)
    version = ccgrate_version()
    ranked, scaled, with_published = _ranked(run), _scaled_domains(run), _with_published(run)
    for result, selected in zip(run.results, run.selected):
        fw, population = result.framework, result.population
        codes, names = population.codes, population.names
        domain_at = {d.id: k for k, d in enumerate(fw.domains)}
        area_at = {a.id: k for k, a in enumerate(fw.areas)}
        ids = [ind.id for ind in fw.indicators]
        missing = result.missing()
        constant_tail = [
            safe_cell(population.source),
            flag_cell(fw.reconstructed),
            fw.sha256,
            inputs.get(population.source) or "",
            version,
        ]
        for first in range(0, len(selected), SUMMARY_BLOCK):
            chosen = selected[first : first + SUMMARY_BLOCK]
            at = np.asarray(chosen, dtype=np.intp)
            count = len(chosen)

            scores, named = _block_cells(at)
            coverage = result.coverage[at].tolist()
            shown = {value: number_cell(value) for value in set(coverage)}  # a handful of distinct values
            columns: list[list[str]] = [
                safe_texts([codes[i] for i in chosen]),
                safe_texts([names[i] for i in chosen]),
                [population.period] * count,
                [fw.id] * count,
                scores(result.score),
                named(result.provisional, fw.scale.ratings),
                named(result.rating, fw.scale.ratings),
            ]
            if ranked:
                groups = population.peer_groups
                columns.append(
                    named(result.adjusted, fw.scale.ratings) if result.adjusted is not None else [""] * count
                )
                columns.append(safe_texts([groups[i] for i in chosen]) if groups is not None else [""] * count)
                ranks = result.league_rank
                columns.append(
                    [str(r) if r > 0 else "" for r in ranks[at].tolist()] if ranks is not None else [""] * count
                )
            columns.append([shown[value] for value in coverage])
            for jid in judgements:
                columns.append(
                    named(population.judgements[jid], fw.judgements[jid].levels)
                    if jid in fw.judgements
                    else [""] * count
                )
            for d in domains:
                columns.append(scores(result.domain_scores[:, domain_at[d]]) if d in domain_at else [""] * count)
            for d in scaled:
                rated = result.domain_ratings is not None and d in domain_at and fw.domain_has_scale(d)
                columns.append(
                    named(result.domain_ratings[:, domain_at[d]], fw.scale.ratings)  # type: ignore[index]
                    if rated
                    else [""] * count
                )
            for a in areas:
                columns.append(
                    named(result.area_ratings[:, area_at[a]], fw.area_ratings(fw.areas[area_at[a]]))
                    if a in area_at
                    else [""] * count
                )
            if with_published:
                columns.extend(_published_cells(result, chosen))
            fired = np.zeros((count, len(result.outcomes)), dtype=bool)
            for k, outcome in enumerate(result.outcomes):
                fired[:, k] = outcome.fired[at]
            columns.append(_joined(fired, [o.rule.id for o in result.outcomes]))
            columns.append(_joined(missing[at], ids))
            columns.extend([value] * count for value in constant_tail)
            yield columns


def _published_cells(result: PopulationResult, chosen: Sequence[int]) -> list[list[str]]:
    """The publisher's score, rating and rank beside ccgrate's, and whether they agree."""
    if not result.population.published:
        return [[""] * len(chosen) for _ in PUBLISHED_COLUMNS]
    found: list[list[str]] = [[], [], [], []]
    for index in chosen:
        a = result.assessment(index)
        score, rating, rank = (a.published.get(key) for key in ("score", "rating", "rank"))
        found[0].append(f"{score:.2f}" if isinstance(score, float) else "")
        found[1].append(safe_cell(str(rating)) if rating is not None else "")
        found[2].append(str(rank) if rank is not None else "")
        found[3].append(safe_cell(in_words(a) or ""))
    return found


def _block_cells(
    at: np.ndarray,
) -> tuple[Callable[[np.ndarray], list[str]], Callable[[np.ndarray, Sequence[str]], list[str]]]:
    """How a block of organisations (`at`, their positions) writes its scores and its named positions."""

    def scores(values: np.ndarray) -> list[str]:
        return _scores(values[at])

    def named(positions: np.ndarray, labels: Sequence[str]) -> list[str]:
        # Rating and level names come from the framework: neutralised once here, like the data's cells.
        shown = [*map(safe_cell, labels), ""]  # position -1 reads ""
        return [shown[p] for p in positions[at].tolist()]

    return scores, named


def _joined(marked: np.ndarray, labels: Sequence[str]) -> list[str]:
    """Per row, the labels of its marked columns in column order, joined with ";" ("" for none)."""
    rows, columns = np.nonzero(marked)  # row by row, and column by column within a row
    texts = [""] * marked.shape[0]
    if not len(rows):
        return texts
    names = [labels[c] for c in columns.tolist()]
    bounds = (np.flatnonzero(np.diff(rows)) + 1).tolist()
    for row, start, end in zip(rows[[0, *bounds]].tolist(), [0, *bounds], [*bounds, len(names)]):
        texts[row] = ";".join(names[start:end])
    return texts


def _scores(values: np.ndarray) -> list[str]:
    """Scores to two decimals, "" where there is none (the exact rounding happened in the engine)."""
    return ["" if v != v else f"{v:.2f}" for v in values.tolist()]


def summary_rows(run: ScoreRun) -> tuple[list[str], list[list[Any]]]:
    """One row per assessment shown (see `summary_blocks`)."""
    rows: list[list[Any]] = []
    for columns in summary_blocks(run):
        rows.extend(map(list, zip(*columns)))
    return summary_header(run), rows


# Every row of a CSV says what produced it, so that a published rating can be audited later.
PROVENANCE = ["framework_reconstructed", "framework_sha256", "input_sha256", "ccgrate_version"]


EXPLAIN_HEADER = [
    "org_code",
    "org_name",
    "period",
    "framework",
    "indicator",
    "name",
    "domain",
    "area",
    "unit",
    "direction",
    "value",
    "numerator",
    "denominator",
    "reference",
    "band",
    "band_rank",
    "bands",
    "points",
    "weight",
    "z",
    "z_adj",
    "note",
    *PROVENANCE,
]


def explain_rows(run: ScoreRun) -> list[list[Any]]:
    frameworks, inputs = _context(run)
    return [row for a in run.assessments for row in explain_record_rows(a, frameworks, inputs)]


def explain_record_rows(a: Assessment, frameworks: dict[str, Any], inputs: dict[str, str]) -> list[list[Any]]:
    fw = frameworks[a.framework]
    provenance = [flag_cell(fw.reconstructed), fw.sha256, inputs.get(a.source), ccgrate_version()]
    return [
        [
            a.org_code,
            a.org_name,
            a.period,
            a.framework,
            i.id,
            i.name,
            i.domain,
            i.area,
            i.unit,
            i.direction,
            i.value,
            i.numerator,
            i.denominator,
            i.reference,
            i.band,
            i.band_rank,
            i.band_count,
            i.points,
            i.weight,
            machine_number((i.detail or {}).get("z")),
            machine_number((i.detail or {}).get("z_adj")),
            i.note,
            *provenance,
        ]
        for i in a.indicators
    ]


def render_csv(run: ScoreRun, explain: bool = False) -> str:
    return "".join(csv_chunks(run, explain))


def csv_chunks(run: ScoreRun, explain: bool = False) -> Iterator[str]:
    if explain:
        yield csv_lines([[safe_cell(cell)] for cell in EXPLAIN_HEADER])
        frameworks, inputs = _context(run)
        for assessment in run.iter_assessments():
            rows = explain_record_rows(assessment, frameworks, inputs)
            yield (
                csv_lines([list(column) for column in zip(*([safe_cell(cell) for cell in row] for row in rows))])
                if rows
                else ""
            )
        return
    yield csv_lines([[safe_cell(cell)] for cell in summary_header(run)])
    for columns in summary_blocks(run):
        yield csv_lines(columns)


def provenance_line(run: ScoreRun) -> str:
    frameworks = "; ".join(f"{fw.id} sha256 {fw.sha256}" for fw in run.frameworks)
    inputs = "; ".join(f"{f.source} sha256 {f.content_sha256} (content)" for f in run.inputs)
    return f"_ccgrate {ccgrate_version()}; framework {frameworks}; input {inputs}._"


def render_markdown(run: ScoreRun, explain: bool = False) -> str:
    header = ["Code", "Name", "Period", "Score", "Provisional", "Rating", "Rules fired"]
    rows = [
        [
            a.org_code,
            a.org_name,
            a.period,
            _score(a.score),
            a.provisional_rating or "not rated",
            a.rating or "not rated",
            ", ".join(r.rule for r in a.rules_fired),
        ]
        for a in run.assessments
    ]
    parts = [markdown_table(header, rows)]
    parts.append("\n" + provenance_line(run) + "\n")

    if explain:
        for a in run.assessments:
            parts.append(f"\n## {md_cell(a.org_code)} {md_cell(a.org_name)}, {a.period}\n\n")
            parts.append(
                f"Rating **{md_cell(a.rating or 'not rated')}** (provisional {md_cell(a.provisional_rating or 'not rated')}, "
                f"score {_score(a.score) or 'none'}, coverage {a.coverage:.0%}) under {a.framework}.\n\n"
            )
            parts.append(
                markdown_table(
                    ["Indicator", "Name", "Value", "Reference", "Band", "Points"],
                    [[i.id, i.name, i.value, i.reference, i.band, i.points] for i in a.indicators],
                )
            )
            parts.append(
                "\n"
                + markdown_table(
                    ["Domain", "Weight", "Score"], [[d.name, d.weight, _score(d.score)] for d in a.domains]
                )
            )
            if a.areas:
                own = any(ar.bands for ar in a.areas)
                parts.append(
                    "\n"
                    + markdown_table(
                        ["Area", "Score", "Rating"] + (["Banded for the area"] if own else []),
                        [
                            [ar.name, _score(ar.score), ar.rating]
                            + (
                                [
                                    "; ".join(
                                        f"{b.id} {b.band or '- (' + (b.note or 'not banded') + ')'}" for b in ar.bands
                                    )
                                    or "as above"
                                ]
                                if own
                                else []
                            )
                            for ar in a.areas
                        ],
                    )
                )
            for r in a.rules_fired:
                parts.append(
                    f"\n- Rule `{r.rule}` ({r.effect} {md_cell(r.target)}: {md_cell(r.before)} -> {md_cell(r.after)}): "
                    f"{md_cell(r.reason)}"
                )
            if a.rules_fired:
                parts.append("\n")
    return "".join(parts)
