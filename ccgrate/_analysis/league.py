"""League tables: organisations ranked within their peer group and period, as NHS England publishes
them for the NHS Oversight Framework 2025/26 (by segment, then average score at 2 dp, ties sharing
the best rank). The ranks are the engine's; this module gathers them into tables."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ccgrate._framework.model import Framework
    from ccgrate._scoring.engine import Assessment
    from ccgrate._scoring.run import ScoreRun


@dataclass
class LeagueRow:
    assessment: Assessment

    @property
    def rank(self) -> int | None:
        return self.assessment.rank

    @property
    def override(self) -> str:
        """What the rules did, in a few words: "Segment 2 -> Segment 3 (financial-override)"."""
        a = self.assessment
        if not a.rules_fired or a.rating == a.provisional_rating:
            return ""
        rules = ", ".join(r.rule for r in a.rules_fired)
        return f"{a.provisional_rating} -> {a.rating} ({rules})"

    @property
    def published_rank(self) -> int | None:
        rank = self.assessment.published.get("rank")
        return int(rank) if isinstance(rank, (int, float)) else None


@dataclass
class LeagueTable:
    source: str
    period: str
    peer_group: str | None
    framework: Framework
    rows: list[LeagueRow] = field(default_factory=list)

    @property
    def title(self) -> str:
        group = self.peer_group or "all organisations"
        return f"{self.period}: {group}"


class NoLeague(ValueError):
    """The frameworks of a run rank nothing."""


def league_tables(run: ScoreRun, peer_groups: frozenset[str] = frozenset()) -> list[LeagueTable]:
    """One table per source, period and peer group, best rank first (the unrated last). `peer_groups`
    (casefolded), when given, keeps only those groups."""
    if not any(fw.league is not None for fw in run.frameworks):
        ids = ", ".join(fw.id for fw in run.frameworks)
        raise NoLeague(f"{ids} ranks no organisations: league tables need a framework with a [league] table")
    tables: dict[tuple[str, str, str | None], LeagueTable] = {}
    for result, selected in zip(run.results, run.selected):
        if result.framework.league is None:
            continue
        for index in selected:
            a = result.assessment(index)
            if peer_groups and (a.peer_group or "").casefold() not in peer_groups:
                continue
            key = (a.source, a.period, a.peer_group)
            table = tables.setdefault(key, LeagueTable(a.source, a.period, a.peer_group, result.framework))
            table.rows.append(LeagueRow(a))
    for table in tables.values():
        table.rows.sort(key=lambda row: (row.rank is None, row.rank or 0, row.assessment.org_code))
    return list(tables.values())
