"""The printable HTML handout (``hipguide score --format html``).

One self-contained page per intake (inline CSS, no scripts, no external
resources), rendered with Jinja2 with autoescaping on, so nothing in an intake
or the knowledge base can become markup. Each page ends with the disclaimer.
Jinja2 is imported here only, and this module only when html is asked for.
"""

from __future__ import annotations

import datetime
from pathlib import Path

TEMPLATE = "handout.html.j2"


def _template():
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(Path(__file__).parent / "templates")),
        autoescape=True, undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True)
    return env.get_template(TEMPLATE)


class HtmlWriter:
    """Streams handout pages: the same begin/write/end protocol as render.Writer."""

    def __init__(self, stream, kb, today: datetime.date | None = None):
        from .. import __version__

        self.stream, self.kb = stream, kb
        self.count = 0
        self.today = today or datetime.date.today()
        weeks = int(kb.meta.get("reassess_after_weeks", 6))
        self.reassess_on = self.today + datetime.timedelta(weeks=weeks)
        self.module = _template().make_module()
        self.version = __version__
        self.factor_names = {fid: item["name"] for fid, item in kb.factors.items()}

    def begin(self):
        self.stream.write(str(self.module.head("hipguide handout", self.version)))

    def write(self, report):
        from .safe_text import display_report

        self.stream.write(str(self.module.page(
            display_report(report), _date(self.today), _date(self.reassess_on), self.factor_names)))
        self.count += 1

    def end(self):
        self.stream.write(str(self.module.foot()))


def _date(day: datetime.date) -> str:
    return f"{day.day} {day:%B %Y}"


def render(reports, kb, today: datetime.date | None = None) -> str:
    """The whole handout for some reports, as one string (for the API and tests)."""
    import io

    buffer = io.StringIO()
    writer = HtmlWriter(buffer, kb, today)
    writer.begin()
    for report in reports:
        writer.write(report)
    writer.end()
    return buffer.getvalue()
