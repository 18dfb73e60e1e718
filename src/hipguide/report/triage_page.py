"""The daily triage page (``score --format triage-html``): the triage list as one
printable page, with the counts by urgency and a small bar chart of the
commonest contributing factors and referral reasons.

Self-contained (inline CSS and SVG, no scripts, nothing loaded), rendered with
Jinja2 with autoescaping on, like the handout (report/html.py): nothing in an
intake can become markup. The list is sorted, so the writer keeps one short
row per intake and a few counters until the end, never whole reports.
"""

from __future__ import annotations

import datetime
from collections import Counter
from pathlib import Path

from ..core.version import __version__
from ..engine.model import Report
from .triage import GROUPS, LABELS, mark_duplicates, row, sort_rows

TEMPLATE = "triage.html.j2"
CHART_ITEMS = 6            # bars per chart: the commonest
BAR_WIDTH = 190            # pixels for the longest bar (the chart is 440 wide)


def _template():
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(Path(__file__).parent / "templates")),
        autoescape=True, undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True)
    return env.get_template(TEMPLATE)


class TriagePageWriter:
    """The begin/write/end protocol of report.writers.Writer; writes at end()."""

    def __init__(self, stream, kb, duplicate_ids=frozenset(),
                 today: datetime.date | None = None):
        self.stream, self.kb = stream, kb
        self.duplicate_ids = duplicate_ids    # filled in as the run goes (cli.duplicates)
        self.today = today or datetime.date.today()
        self.rows: list = []
        self.factors: Counter = Counter()
        self.reasons: Counter = Counter()
        self.disclaimer = kb.meta.get("disclaimer", "")

    def begin(self):
        pass

    def write(self, report: Report):
        self.rows.append(row(report, len(self.rows)))
        if report.status == "ok":
            self.factors.update(f.name for f in report.factors)
        for flag in report.red_flags:
            self.reasons[flag.name] += 1
        self.disclaimer = report.disclaimer or self.disclaimer

    def end(self):
        mark_duplicates(self.rows, self.duplicate_ids)
        counts = Counter(r.group for r in self.rows)
        page = _template().render(
            version=__version__, date=f"{self.today.day} {self.today:%B %Y}",
            total=len(self.rows),
            counts=[(g, LABELS[g], counts.get(g, 0)) for g in GROUPS],
            rows=sort_rows(self.rows), labels=LABELS,
            charts=[("Commonest contributing factors (intakes scored ok)",
                     "factors", _bars(self.factors)),
                    ("Commonest referral reasons", "reasons", _bars(self.reasons))],
            disclaimer=self.disclaimer)
        self.stream.write(page)


def _bars(counter: Counter) -> list:
    """(label, count, bar width in pixels), the commonest first, ties by name."""
    top = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:CHART_ITEMS]
    most = max((n for _, n in top), default=1)
    return [(label, n, max(2, round(BAR_WIDTH * n / most))) for label, n in top]
