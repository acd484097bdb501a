"""A scoring run, written in every format `score` offers: tables for people (score_table.py) and the
machine formats (score_machine.py)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from ccgrate._render.output import TEXT_FORMATS, OutputFormat, Renderer

if TYPE_CHECKING:
    from rich.console import Console

    from ccgrate._framework.model import Framework
    from ccgrate._scoring.run import ScoreRun


class ScoreOutput(Renderer):
    """`ccgrate score`: one line per organisation, or with `explain` everything behind each rating."""

    formats = TEXT_FORMATS

    def __init__(self, run: ScoreRun, explain: bool = False):
        self.run = run
        self.explain = explain

    def frameworks(self) -> Sequence[Framework]:
        return self.run.frameworks

    def draw(self, console: Console) -> None:
        from ccgrate._render.score_table import print_run

        print_run(console, self.run, self.explain)

    def text(self, fmt: OutputFormat) -> Iterable[str]:
        from ccgrate._render import score_machine

        # Machine formats are written as they are made, an organisation or a block at a time.
        if fmt is OutputFormat.JSON:
            return score_machine.json_chunks(self.run)
        if fmt is OutputFormat.NDJSON:
            return score_machine.ndjson_chunks(self.run)
        if fmt is OutputFormat.CSV:
            return score_machine.csv_chunks(self.run, self.explain)
        if fmt is OutputFormat.MARKDOWN:
            return [score_machine.render_markdown(self.run, self.explain)]
        return super().text(fmt)
