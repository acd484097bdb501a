"""The cross-checks of a framework: what pydantic cannot see in one key at a time.

References between parts, order of cut points, duplicates (also in case or spacing), names that
a data file would read as something else, weights that cannot be summed exactly. Each problem is
a (dotted key path, message) pair; `loader.py` turns them into one line each.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ccgrate._framework.fields import IDENTIFIER, OneOrMore
from ccgrate._framework.indicators import (
    CONTINUOUS,
    TRANSFORMS,
    ZSCORE_LABELS,
    AnyIndicator,
    LookupIndicator,
    ZScoreIndicator,
)
from ccgrate._framework.model import AREA_INHERITED, CONDITION_KEYS, Area, Domain, Framework, Rule


def _dupes(ids: list[str]) -> list[int]:
    """Positions of names that repeat an earlier one but for case or surrounding spaces."""
    seen: set[str] = set()
    where = []
    for index, value in enumerate(ids):
        key = value.strip().casefold()
        if key in seen:
            where.append(index)
        seen.add(key)
    return where


def cross_check(fw: Framework) -> list[tuple[str, str]]:
    """Problems pydantic cannot see: references between parts, order of cut points, duplicates.

    Returns (dotted key path, message) pairs; empty when the framework is consistent.
    """
    problems: list[tuple[str, str]] = []
    add = problems.append
    ratings = fw.scale.ratings
    rating_keys = {r.lower(): r for r in ratings}

    period = fw.framework.period
    if int(period[5:7]) != (int(period[:4]) + 1) % 100:
        add(("framework.period", f'"{period}" is not two consecutive years; write the year as 2017/18'))
    problems.extend(_check_score_scale(fw))

    if fw.framework.published_distribution:
        for name in fw.framework.published_distribution:
            if name not in ratings:
                add((f"framework.published_distribution.{name}", f'"{name}" is not a rating of scale.ratings'))

    judgement_ids = list(fw.judgements)
    for index in _dupes(judgement_ids):
        add(
            (
                f"judgements.{judgement_ids[index]}",
                f'duplicate judgement id "{judgement_ids[index]}" (ids differing only '
                "in case or spaces are the same id)",
            )
        )
    for jid, judgement in fw.judgements.items():
        path = f"judgements.{jid}"
        if not IDENTIFIER.fullmatch(jid):
            add((path, "a judgement id must be letters, digits, '.', '_' or '-', starting with a letter or digit"))
        elif is_reserved_column(jid) or jid in CONDITION_KEYS:
            add(
                (path, f'"{jid}" is a column name a data file already uses or a condition; choose another judgement id')
            )
        add_levels(problems, path, judgement.levels, judgement.aliases)
        if judgement.default is not None and judgement.default not in judgement.levels:
            problems.append(
                (f"{path}.default", f'"{judgement.default}" is not one of the levels ({", ".join(judgement.levels)})')
            )

    domain_ids = [d.id for d in fw.domains]
    area_ids = [a.id for a in fw.areas]
    for index in _dupes(domain_ids):
        add((f"domains[{index}].id", f'duplicate domain id "{domain_ids[index]}"'))
    for index in _dupes(area_ids):
        add((f"areas[{index}].id", f'duplicate area id "{area_ids[index]}"'))
    indicator_ids = [i.id for i in fw.indicators]
    for index in _dupes(indicator_ids):
        add((f"indicators[{index}].id", f'duplicate indicator id "{indicator_ids[index]}"'))

    lower_judgements = {j.lower() for j in judgement_ids}
    used_domains: set[str] = set()
    used_areas: set[str] = set()
    for index, ind in enumerate(fw.indicators):
        path = f"indicators[{index}]"
        if is_reserved_column(ind.id) or ind.id.lower() in lower_judgements:
            add(
                (
                    f"{path}.id",
                    f'"{ind.id}" is a column name a data file already uses (or a judgement id); choose another '
                    "indicator id",
                )
            )
        if ind.domain not in domain_ids:
            add((f"{path}.domain", f'unknown domain "{ind.domain}" (domains: {", ".join(domain_ids)})'))
        used_domains.add(ind.domain)
        if ind.area is not None:
            if ind.area not in area_ids:
                known = ", ".join(area_ids) if area_ids else "none defined"
                add((f"{path}.area", f'unknown area "{ind.area}" (areas: {known})'))
            used_areas.add(ind.area)
        problems.extend(_check_method(fw, ind, path))
        problems.extend(_check_evidence(fw, ind, path))

    for index, domain in enumerate(fw.domains):
        if domain.id not in used_domains:
            add((f"domains[{index}]", f'domain "{domain.id}" has no indicators'))
    for index, area in enumerate(fw.areas):
        if area.id not in used_areas:
            add((f"areas[{index}]", f'area "{area.id}" has no indicators'))

    for index, area in enumerate(fw.areas):
        problems.extend(_check_area(fw, area, f"areas[{index}]"))

    problems.extend(_check_weights(fw))
    problems.extend(_check_scores(fw))

    rule_ids = [r.id for r in fw.rules]
    for index in _dupes(rule_ids):
        add((f"rules[{index}].id", f'duplicate rule id "{rule_ids[index]}"'))
    for index, rule in enumerate(fw.rules):
        problems.extend(_check_rule(fw, rule, f"rules[{index}]", rating_keys, domain_ids, area_ids))
    return problems


def _check_scores(fw: Framework) -> list[tuple[str, str]]:
    """Points on the scale, something counted, judgements' other names and published ids that
    name nothing else, and the published domains that exist."""
    problems: list[tuple[str, str]] = []
    low, high = fw.scale.range
    for index, ind in enumerate(fw.indicators):
        for k, points in enumerate(ind.points or []):
            if not low <= points <= high:
                problems.append(
                    (
                        f"indicators[{index}].points[{k}]",
                        f"{points:g} is outside the scale's range, {low:g} to {high:g}",
                    )
                )
    if fw.scale.better == "lower":
        for index, ind in enumerate(fw.indicators):
            if ind.points is not None and any(a > b for a, b in zip(ind.points, ind.points[1:])):
                problems.append(
                    (
                        f"indicators[{index}].points",
                        "points must not fall from the best band to the worst where a lower score is better",
                    )
                )
    if not any(ind.counted for ind in fw.indicators):
        problems.append(("indicators", "no indicator is counted: at least one needs counted = true"))
    taken = {ind.id.lower(): f"indicator {ind.id}" for ind in fw.indicators}
    taken.update({jid.lower(): f"judgement {jid}" for jid in fw.judgements})
    for jid, judgement in fw.judgements.items():
        for k, name in enumerate(judgement.columns):
            if name.lower() in taken:
                problems.append((f"judgements.{jid}.columns[{k}]", f'"{name}" is already {taken[name.lower()]}'))
            taken[name.lower()] = f"judgement {jid}"
    for index, ind in enumerate(fw.indicators):
        for key in ("published", "value_id"):
            other: str | None = getattr(ind, key, None)
            # A lookup reads no value of its own id, so the data's value there can be the publisher's score.
            own = (
                key == "published" and ind.method == "lookup" and other is not None and other.lower() == ind.id.lower()
            )
            if other is not None and not own:
                if other.lower() in taken:
                    problems.append((f"indicators[{index}].{key}", f'"{other}" is already {taken[other.lower()]}'))
                taken[other.lower()] = f"{key} of indicator {ind.id}"
    if fw.published is not None:
        domain_ids = {d.id for d in fw.domains}
        for key in ("domain_scores", "domain_ratings"):
            for domain in getattr(fw.published, key):
                if domain not in domain_ids:
                    problems.append((f"published.{key}.{domain}", f'unknown domain "{domain}"'))
        for other, what in fw.published.ids().items():
            if other in taken and not (what == "rank" and other in fw.published.ids()):
                problems.append((f"published.{what.split(':')[0]}", f'"{other}" is already {taken[other]}'))
    if fw.framework.peer_groups is not None:
        for index in _dupes(fw.framework.peer_groups):
            problems.append((f"framework.peer_groups[{index}]", "duplicate peer group"))
    return problems


def is_reserved_column(name: str) -> bool:
    """Whether a data file would read a column of this name as something other than an indicator:
    any header alias the reader accepts (code, year, ccg_code, ...), or a counts column."""
    from ccgrate._base.vocabulary import COLUMN_ALIASES, column_key

    key = column_key(name)
    return key in COLUMN_ALIASES or key.endswith(("_numerator", "_denominator"))


def _check_name(problems: list[tuple[str, str]], path: str, name: str, what: str) -> None:
    """A name a data file or option must spell: no surrounding spaces, and not a missing-value marker."""
    from ccgrate._base.vocabulary import MISSING_MARKERS

    if name != name.strip():
        problems.append((path, f'{what} "{name}" has spaces at its start or end; remove them'))
    elif name.strip().lower() in MISSING_MARKERS:
        problems.append((path, f'{what} "{name}" would be read from data as a missing value; choose another name'))


# Weights are relative: a range this wide is enough, and keeps every weighted sum of points finite
# and every share of a total far from underflow.
WEIGHT_RANGE = (1e-9, 1e9)


def _check_weights(fw: Framework) -> list[tuple[str, str]]:
    problems = []
    low, high = WEIGHT_RANGE
    groups: list[tuple[str, Sequence[Domain | AnyIndicator]]] = [("domains", fw.domains), ("indicators", fw.indicators)]
    groups += [(f"areas[{k}].indicators", area.indicators) for k, area in enumerate(fw.areas)]
    for kind, items in groups:
        for index, item in enumerate(items):
            if item.weight is not None and not low <= item.weight <= high:
                problems.append(
                    (
                        f"{kind}[{index}].weight",
                        f"{item.weight:g} is outside {low:g} to {high:g}; weights are "
                        "relative, so scale them all into that range",
                    )
                )
    return problems


def add_levels(problems: list[tuple[str, str]], path: str, levels: list[str], aliases: dict[str, str]) -> None:
    for index, level in enumerate(levels):
        _check_name(problems, f"{path}.levels[{index}]", level, "level")
    for alias in aliases:
        _check_name(problems, f"{path}.aliases.{alias}", alias, "alias")
    for index in _dupes(levels):
        problems.append(
            (
                f"{path}.levels[{index}]",
                f'duplicate level "{levels[index]}" (levels differing only in case or spaces are the same level)',
            )
        )
    lowered = {level.lower() for level in levels}
    for alias, target in aliases.items():
        if target.lower() not in lowered:
            problems.append((f"{path}.aliases.{alias}", f'"{target}" is not one of the levels ({", ".join(levels)})'))
        elif alias.lower() in lowered and alias.lower() != target.lower():
            problems.append((f"{path}.aliases.{alias}", f'"{alias}" is already a level and cannot stand for another'))


def _check_evidence(fw: Framework, ind: AnyIndicator, path: str) -> list[tuple[str, str]]:
    """An indicator is seen or named only on a source for the framework's own year; an earlier
    year's source makes it carried-forward."""
    period, source_period = fw.framework.period, ind.source_period
    if ind.evidence in ("seen", "name-seen") and source_period is not None and source_period != period:
        word = "carried-forward" if source_period < period else "reconstructed"
        return [(f"{path}.evidence", f"{ind.evidence} on a source for {source_period}, not {period}: say {word}")]
    if ind.evidence == "carried-forward" and (source_period is None or not source_period < period):
        return [(f"{path}.evidence", f"carried-forward needs a source_period before {period}")]
    return []


def _check_scale(
    problems: list[tuple[str, str]],
    path: str,
    ratings: list[str],
    cuts: dict[str, float],
    known: str,
    score: str,
    names_written: bool = True,
    better: str = "higher",
    ends: tuple[float, float] | None = None,
    scored: list[str] | None = None,
    cuts_path: str | None = None,
) -> None:
    """A rating scale (the framework's, or an area's own): distinct names, a cut for every rating but
    the last reached by score, none for the others, in decreasing order (increasing where lower is
    better), within the scale's ends."""
    cuts_path = cuts_path or f"{path}.cuts"
    scored = scored if scored is not None else ratings
    for index, rating in enumerate(ratings if names_written else []):
        _check_name(problems, f"{path}.ratings[{index}]", rating, "rating")
    for index in _dupes(ratings) if names_written else []:
        problems.append(
            (
                f"{path}.ratings[{index}]",
                f'duplicate rating "{ratings[index]}" (names differing only in case or spaces are the same name)',
            )
        )
    for name in cuts:
        if name not in ratings:
            problems.append((f"{cuts_path}.{name}", f'"{name}" is not {known} ({", ".join(ratings)})'))
        elif name not in scored:
            problems.append((f"{cuts_path}.{name}", "a rating reached only by a rule has no cut"))
        elif name == scored[-1]:
            problems.append(
                (f"{cuts_path}.{name}", "the lowest rating takes every score below the others and has no cut")
            )
    expected = scored[:-1]
    missing = [r for r in expected if r not in cuts]
    least = "least" if better == "higher" else "greatest"
    if missing:
        problems.append(
            (
                cuts_path,
                f"no cut for {', '.join(repr(r) for r in missing)}; give the {least} {score} for "
                "each rating but the last",
            )
        )
        return
    values = [cuts[r] for r in expected]
    if ends is not None:
        for name, value in zip(expected, values):
            if not ends[0] <= value <= ends[1]:
                problems.append(
                    (f"{cuts_path}.{name}", f"{value:g} is outside the scale's range, {ends[0]:g} to {ends[1]:g}")
                )
    for best, worse, value, next_value in zip(expected, expected[1:], values, values[1:]):
        if better == "higher" and not value > next_value:
            problems.append(
                (
                    f"{cuts_path}.{worse}",
                    f'cuts out of order: "{worse}" ({next_value:g}) must be below "{best}" ({value:g})',
                )
            )
        elif better == "lower" and not value < next_value:
            problems.append(
                (
                    f"{cuts_path}.{worse}",
                    f'cuts out of order: "{worse}" ({next_value:g}) must be above "{best}" ({value:g}), '
                    "since a lower score is better",
                )
            )


def _check_score_scale(fw: Framework) -> list[tuple[str, str]]:
    """The overall scale: its ends, its rules-only ratings, and its cut points (one set, or one per
    period, each in order for the direction that is better, within the ends)."""
    problems: list[tuple[str, str]] = []
    scale, ratings = fw.scale, fw.scale.ratings
    low, high = scale.range
    if not low < high:
        problems.append(("scale.range", f"the least score must be below the greatest, got {low:g} and {high:g}"))
        return problems
    for index, name in enumerate(scale.rules_only):
        if name not in ratings:
            problems.append(
                (f"scale.rules_only[{index}]", f'"{name}" is not a rating of scale.ratings ({", ".join(ratings)})')
            )
    if scale.rules_only and ratings[-len(scale.rules_only) :] != scale.rules_only:
        problems.append(
            ("scale.rules_only", "ratings reached only by a rule come last in scale.ratings, in that order")
        )
        return problems
    scored = fw.scored_ratings
    if len(scored) < 2:
        problems.append(("scale.ratings", "a scale needs at least two ratings that a score reaches"))
        return problems
    if scale.cuts is None and not scale.cuts_by_period and (fw.areas or not fw.framework.quarterly):
        problems.append(
            (
                "scale.cuts",
                "missing: give the cut points (cuts_by_period and rating on quartiles are for quarterly "
                "frameworks without areas)",
            )
        )
    for index, rating in enumerate(ratings):
        _check_name(problems, f"scale.ratings[{index}]", rating, "rating")
    for index in _dupes(ratings):
        problems.append(
            (
                f"scale.ratings[{index}]",
                f'duplicate rating "{ratings[index]}" (names differing only in case or spaces are the same name)',
            )
        )
    sets = ([("scale.cuts", scale.cuts)] if scale.cuts is not None else []) + [
        (f"scale.cuts_by_period.{period}", cuts) for period, cuts in scale.cuts_by_period.items()
    ]
    for path, cuts in sets:
        _check_scale(
            problems,
            "scale",
            ratings,
            cuts,
            "a rating of scale.ratings",
            "score",
            names_written=False,
            better=scale.better,
            ends=(low, high),
            scored=scored,
            cuts_path=path,
        )
    problems.extend(_check_periods(fw, "scale.cuts_by_period", scale.cuts_by_period))
    for index, domain in enumerate(fw.domains):
        if domain.scale is None:
            continue
        path = f"domains[{index}].scale"
        if domain.scale.cuts is None and not domain.scale.cuts_by_period:
            problems.append((path, "a domain's scale needs cuts or cuts_by_period"))
        for where, cuts in ([(f"{path}.cuts", domain.scale.cuts)] if domain.scale.cuts is not None else []) + [
            (f"{path}.cuts_by_period.{period}", cuts) for period, cuts in domain.scale.cuts_by_period.items()
        ]:
            _check_scale(
                problems,
                where,
                scored,
                cuts,
                "a rating reached by score",
                "domain score",
                better=scale.better,
                ends=(low, high),
                scored=scored,
                cuts_path=where,
            )
        problems.extend(_check_periods(fw, f"{path}.cuts_by_period", domain.scale.cuts_by_period))
    return problems


def _check_periods(fw: Framework, path: str, by_period: dict[str, dict[str, float]]) -> list[tuple[str, str]]:
    """Periods named by cuts_by_period: this framework's year, or a quarter of it if it is quarterly."""
    year = fw.framework.period
    expected = re.compile(rf"{re.escape(year)} Q[1-4]" if fw.framework.quarterly else re.escape(year))
    problems = []
    for period in by_period:
        if not expected.fullmatch(period):
            want = f"a quarter of {year}, written {year} Q1" if fw.framework.quarterly else f"{year}"
            problems.append((f"{path}.{period}", f'"{period}" is not {want}'))
    return problems


def _check_area(fw: Framework, area: Area, path: str) -> list[tuple[str, str]]:
    """An area's own scale has a word for each of the framework's ratings and cuts in order; its own
    bandings name numeric indicators of that area, once each, and are valid bandings of them."""
    problems: list[tuple[str, str]] = []
    if area.scale is not None:
        words = fw.area_ratings(area)
        if len(words) != len(fw.scale.ratings):
            problems.append(
                (
                    f"{path}.scale.ratings",
                    f"{len(fw.scale.ratings)} ratings are needed, one for each of the "
                    f"framework's ({', '.join(fw.scale.ratings)}), got {len(words)}",
                )
            )
        _check_scale(
            problems,
            f"{path}.scale",
            words,
            area.scale.cuts,
            "one of the area's ratings",
            "area score",
            names_written=area.scale.ratings is not None,
        )
    for name in area.published_distribution or {}:
        if name not in fw.area_ratings(area):
            problems.append(
                (
                    f"{path}.published_distribution.{name}",
                    f'"{name}" is not one of the area\'s ratings ({", ".join(fw.area_ratings(area))})',
                )
            )
    members = {ind.id: ind for ind in fw.indicators if ind.area == area.id}
    seen: set[str] = set()
    for index, own in enumerate(area.indicators):
        where = f"{path}.indicators[{index}]"
        if own.id in seen:
            problems.append((f"{where}.id", f'"{own.id}" is banded twice for this area'))
            continue
        seen.add(own.id)
        ind = members.get(own.id)
        if ind is None:
            known = ", ".join(members) or "none"
            problems.append(
                (f"{where}.id", f'"{own.id}" is not an indicator of area {area.id} (its indicators: {known})')
            )
            continue
        if ind.method == "judgement":
            problems.append((f"{where}.id", f"{own.id} is a judgement indicator: an area bands it as its levels"))
            continue
        for name in AREA_INHERITED:
            if name in own.model_fields_set:
                problems.append((f"{where}.{name}", f"{name} is the indicator's own; remove it here"))
        problems.extend(_check_method(fw, fw.area_indicator(area, ind), where))
    return problems


def _check_method(fw: Framework, ind: AnyIndicator, path: str) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    if ind.method in ("bands", "quantile") and ind.cuts is not None:
        cuts = ind.cuts
        if ind.method == "quantile" and len(cuts) != ind.quantiles - 1:
            problems.append(
                (f"{path}.cuts", f"{ind.quantiles} quantiles need {ind.quantiles - 1} cut points, got {len(cuts)}")
            )
        for position, (low, high) in enumerate(zip(cuts, cuts[1:])):
            if not high > low:
                problems.append((f"{path}.cuts[{position + 1}]", f"cut points must increase: {high:g} follows {low:g}"))
                break
    if ind.method in CONTINUOUS:
        problems.extend(_check_continuous(fw, ind, path))
        return problems
    if ind.method == "zscore":
        problems.extend(_check_zscore(ind, path))
    if ind.method == "standard" and ind.significance and ind.unit == "%" and not 0 <= ind.standard <= 100:
        problems.append((f"{path}.standard", f"a percentage standard must lie between 0 and 100, got {ind.standard:g}"))
    if ind.method == "judgement":
        if (ind.levels is None) == (ind.judgement is None):
            problems.append((path, 'a judgement indicator needs exactly one of "levels" and "judgement"'))
            return problems
        if ind.judgement is not None and ind.judgement not in fw.judgements:
            known = ", ".join(fw.judgements) or "none defined"
            problems.append((f"{path}.judgement", f'unknown judgement "{ind.judgement}" (judgements: {known})'))
            return problems
        if ind.levels is not None:
            if len(ind.levels) < 2:
                problems.append((f"{path}.levels", "a scale needs at least two levels"))
            add_levels(problems, path, ind.levels, ind.aliases)
    labels = fw.band_labels(ind)
    if ind.labels is not None and ind.method == "judgement":
        problems.append((f"{path}.labels", "a judgement indicator's bands are its levels; remove labels"))
    elif len(labels) != _band_count(fw, ind):
        problems.append(
            (f"{path}.labels", f"{_band_count(fw, ind)} bands need {_band_count(fw, ind)} labels, got {len(labels)}")
        )
    if ind.points is not None:
        count = _band_count(fw, ind)
        if len(ind.points) != count:
            problems.append(
                (f"{path}.points", f"{count} bands need {count} points (best band first), got {len(ind.points)}")
            )
        elif any(worse > better for better, worse in zip(ind.points, ind.points[1:])):
            problems.append((f"{path}.points", "points must not increase from the best band to the worst"))
    return problems


def _check_continuous(fw: Framework, ind: AnyIndicator, path: str) -> list[tuple[str, str]]:
    """A method that scores on the framework's scale: no bands of its own to name or give points,
    and a lookup's parts and table that exist and lie on the scale."""
    problems: list[tuple[str, str]] = []
    for key in ("labels", "points"):
        if getattr(ind, key) is not None:
            problems.append(
                (f"{path}.{key}", f"a {ind.method} indicator scores on the framework's scale; remove {key}")
            )
    low, high = fw.scale.range
    if isinstance(ind, LookupIndicator):
        known = {other.id: other for other in fw.indicators}
        for index, part in enumerate(ind.of):
            other = known.get(part)
            if other is None:
                problems.append((f"{path}.of[{index}]", f'unknown indicator "{part}"'))
            elif other.method in ("lookup", "judgement") or other is ind:
                problems.append((f"{path}.of[{index}]", f"{part} is a {other.method} indicator: a lookup reads scores"))
        if len(set(ind.of)) != len(ind.of):
            problems.append((f"{path}.of", "the two parts must be different indicators"))
        for key, value in ind.table.items():
            parts = key.split(",")
            try:
                numbers = [float(part) for part in parts]
            except ValueError:
                numbers = []
            if len(numbers) != 2 or ind.key(*numbers) != key:
                problems.append((f"{path}.table.{key}", f'"{key}" is not a pair of scores written as "1,3"'))
            if not low <= value <= high:
                problems.append((f"{path}.table.{key}", f"{value:g} is outside the scale's range, {low:g} to {high:g}"))
    return problems


def _check_zscore(ind: ZScoreIndicator, path: str) -> list[tuple[str, str]]:
    problems = []
    allowed = TRANSFORMS[ind.data]
    if ind.transform is not None and ind.transform not in allowed:
        problems.append(
            (f"{path}.transform", f'"{ind.transform}" does not suit {ind.data} data (use {" or ".join(allowed)})')
        )
    if isinstance(ind.target, float):
        if ind.data == "proportion":
            top = 100 if ind.unit == "%" else 1
            if not 0 < ind.target < top:
                unit = "a percentage" if top == 100 else "a proportion"
                problems.append(
                    (f"{path}.target", f"{unit} target must lie strictly between 0 and {top}, got {ind.target:g}")
                )
        elif ind.target <= 0:
            problems.append((f"{path}.target", f"a ratio target must be greater than 0, got {ind.target:g}"))
    if ind.trim_method == "truncate" and not 0 < ind.trim <= 1 / 3:
        problems.append((f"{path}.trim", f"truncating needs a trim above 0 and at most 1/3, got {ind.trim:g}"))
    return problems


def _band_count(fw: Framework, ind: AnyIndicator) -> int:
    if ind.method in CONTINUOUS:
        return 1
    if ind.method == "standard":
        return 4 if ind.significance else 2
    if ind.method == "zscore":
        return len(ZSCORE_LABELS)
    if ind.method == "judgement":
        return len(fw.levels_of(ind))
    return len(fw.band_labels(ind.model_copy(update={"labels": None})))


def _check_rule(
    fw: Framework,
    rule: Rule,
    path: str,
    rating_keys: dict[str, str],
    domain_ids: list[str],
    area_ids: list[str],
) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    ratings_text = ", ".join(fw.scale.ratings)
    effects = [kind for kind in ("cap", "floor", "set") if getattr(rule, kind) is not None]
    if len(effects) != 1:
        problems.append((path, f'a rule needs exactly one of "cap", "floor" and "set", got {len(effects) or "none"}'))
    for kind in effects:
        if getattr(rule, kind) not in fw.scale.ratings:
            problems.append((f"{path}.{kind}", f'unknown rating "{getattr(rule, kind)}" (ratings: {ratings_text})'))

    def check_ratings(key: str, value: OneOrMore) -> None:
        for item in [value] if isinstance(value, str) else value:
            if item not in fw.scale.ratings:
                problems.append((f"{path}.when.{key}", f'unknown rating "{item}" (ratings: {ratings_text})'))

    when = rule.when
    if when.rating is not None:
        check_ratings("rating", when.rating)
    for domain in when.domain_score_below or {}:
        if domain not in domain_ids:
            problems.append((f"{path}.when.domain_score_below.{domain}", f'unknown domain "{domain}"'))
    for area_id, value in (when.area_rating or {}).items():
        if area_id not in area_ids:
            problems.append((f"{path}.when.area_rating.{area_id}", f'unknown area "{area_id}"'))
            continue
        words = fw.area_ratings(fw.areas[area_ids.index(area_id)])
        for item in [value] if isinstance(value, str) else value:
            if item not in words:
                problems.append(
                    (
                        f"{path}.when.area_rating.{area_id}",
                        f'unknown rating "{item}" of area {area_id} (its ratings: {", ".join(words)})',
                    )
                )
    if when.areas_rated_at_most is not None:
        check_ratings("areas_rated_at_most.rating", when.areas_rated_at_most.rating)
    for key, value in (when.model_extra or {}).items():
        if key not in fw.judgements:
            known = ", ".join(sorted(CONDITION_KEYS | set(fw.judgements)))
            problems.append(
                (f"{path}.when.{key}", f'unknown condition "{key}": not a judgement or condition (known: {known})')
            )
            continue
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values) or not values:
            problems.append((f"{path}.when.{key}", "must be a level or a list of levels"))
            continue
        judgement = fw.judgements[key]
        known_levels = {level.lower() for level in judgement.levels} | {a.lower() for a in judgement.aliases}
        for level in values:
            if level.lower() not in known_levels:
                problems.append(
                    (
                        f"{path}.when.{key}",
                        f'unknown level "{level}" of judgement {key} ({", ".join(judgement.levels)})',
                    )
                )
    if not when.model_dump(exclude_none=True) and not when.model_extra:
        problems.append((f"{path}.when", "a rule needs at least one condition"))
    return problems
