"""The printable HTML handout (``hipguide score --format html``).

One self-contained page per intake (inline CSS, no scripts, no external
resources), rendered with Jinja2 with autoescaping on, so nothing in an intake
or the knowledge base can become markup. An ok page is a short home programme,
as physiotherapy exercise sheets give it: first the fridge sheet (one A4 page:
the start-here exercises pictured with their doses, the pain rule, the 6-week
tick-box schedule and when to stop and seek help), then the details, printed in
two columns like a leaflet so that a plan fits on three A4 pages in all. Each
sheet ends with the disclaimer. Jinja2 is imported here only, and this module only when
html is asked for.

Pictures are the knowledge base's SVGs (``knowledge/pictures/``), embedded as
``<img src="data:image/svg+xml;base64,...">``: an SVG shown through ``<img>``
runs no script and loads nothing, and the bytes embedded are checked again
(``kb.knowledge.svg_problems``) before use; a picture that fails is left out.
A picture's panel labels ("Start", "End", "Avoid", "Better") and captions are
taken out of the drawing and printed as page text under it: scaled down with
the drawing to fit three across an A4 page they would be about 4 pt, as page
text they keep the handout's own size (at least 9 pt).
"""

from __future__ import annotations

import base64
import datetime
import io
import re
from html import unescape
from pathlib import Path
from xml.etree import ElementTree

from ..core.text import display_report
from ..core.version import __version__
from ..core.wording import is_parent, to_parent
from ..kb.pictures import svg_problems
from ..kb.schemas import MAX_PICTURE, PICTURES

TEMPLATE = "handout.html.j2"
WEEKS = 6                    # the schedule: weeks 1-6
ADD_NEXT_FROM = 3            # add-next rows start in week 3
# a referral's urgency in plain words: "Please see a clinician today"
WHEN = {"emergency": "now: this is an emergency", "same_day": "today",
        "urgent": "within a day or two", "soon": "within the next couple of weeks"}


def _template():
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(Path(__file__).parent / "templates")),
        autoescape=True, undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True)
    env.filters["say"] = _say      # "Your hip plan" -> "Your child's hip plan" for a parent
    return env.get_template(TEMPLATE)


def _say(text: str, report) -> str:
    return to_parent(text) if is_parent(report) else text


class HtmlWriter:
    """Streams handout pages: the same begin/write/end protocol as render.Writer."""

    def __init__(self, stream, kb, today: datetime.date | None = None):
        self.stream, self.kb = stream, kb
        self.count = 0
        self.today = today or datetime.date.today()
        weeks = int(kb.meta.get("reassess_after_weeks", 6))
        self.reassess_on = self.today + datetime.timedelta(weeks=weeks)
        self.module = _template().make_module()
        self.version = __version__
        self.factor_names = {fid: item["name"] for fid, item in kb.factors.items()}
        self.pictures: dict[str, dict] = {}

    def begin(self):
        self.stream.write(str(self.module.head("hipguide handout", self.version)))

    def write(self, report):
        shown = display_report(report)
        view = self._view(shown)
        page = self._page(shown, view)
        if view["schedule"] and _detail_size(page) > BRIEF_FROM:
            page = self._page(shown, {**view, "brief": True, **_factors(shown.factors, 0)})
        self.stream.write(page)
        self.count += 1

    def _page(self, shown, view: dict) -> str:
        return str(self.module.page(shown, _date(self.today), _date(self.reassess_on),
                                    self.factor_names, view))

    def _view(self, report) -> dict:
        """What the template needs beyond the report: stages, pictures, schedule."""
        stage = {s: [r for r in report.recommendations if r.stage == s]
                 for s in ("start_here", "add_next", "later")}
        start_ex = [r for r in stage["start_here"] if r.kind == "exercise"]
        schedule = [_row(r, 1) for r in stage["start_here"]] + \
            [_row(r, ADD_NEXT_FROM) for r in stage["add_next"] if r.kind == "exercise"]
        weeks = [(n, _short_date(self.today + datetime.timedelta(weeks=n - 1)))
                 for n in range(1, WEEKS + 1)]
        common = _common(start_ex)
        return {
            "common_cautions": [c for c, _ in common],
            "shared_cautions": common,
            "start_exercises": start_ex,
            "start_habits": [r for r in stage["start_here"] if r.kind == "habit"],
            "add_next": stage["add_next"],
            "later": stage["later"],
            "how_often": _times(report.plan) if start_ex else "",
            "pictures": {r.id: self._picture(r.picture) for r in report.recommendations},
            "schedule": schedule,
            "weeks": weeks,
            "when": WHEN.get(report.urgency, report.urgency.replace("_", " ")),
            "brief": False,
            **_factors(report.factors),
        }

    def _picture(self, name: str) -> dict:
        """{"uri": the drawing as a data: URI, "panels": [(label, caption)]}, or {}
        when there is none or it fails the check."""
        if not name:
            return {}
        if name not in self.pictures:
            self.pictures[name] = _picture(Path(self.kb.root) / "knowledge" / "pictures" / name)
        return self.pictures[name]

    def end(self):
        self.stream.write(str(self.module.foot()))


def _date(day: datetime.date) -> str:
    return f"{day.day} {day:%B %Y}"


def _short_date(day: datetime.date) -> str:
    return f"{day.day} {day:%b}"


SVG = "http://www.w3.org/2000/svg"
LABEL_BELOW = 40        # a panel's label ("Start") is a text above this y ...
CAPTION_FROM = 255      # ... and its caption the text lines from this y down
DRAWN = "0 40 640 218"  # what is left once they are out: the drawing itself


def _picture(path: Path) -> dict:
    try:
        data = path.read_bytes()
        text = data.decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    if len(data) > MAX_PICTURE or svg_problems(text, f"{PICTURES}/{path.name}"):
        return {}
    drawing, panels = split_picture(text)
    if svg_problems(drawing, f"{PICTURES}/{path.name}"):
        return {}
    return {"uri": "data:image/svg+xml;base64," + base64.b64encode(
        drawing.encode("utf-8")).decode("ascii"), "panels": panels}


def split_picture(text: str) -> tuple[str, list]:
    """(the drawing without its panel labels and captions, [(label, caption)] per
    panel). A panel is a top-level <g>; a picture without the standard 640x300
    panel layout is returned whole, with no panels."""
    ElementTree.register_namespace("", SVG)
    root = ElementTree.fromstring(text)
    groups = [g for g in root if g.tag == f"{{{SVG}}}g"]
    if root.get("viewBox") != "0 0 640 300" or not groups:
        return text, []
    panels = []
    for group in groups:
        parents = {child: parent for parent in group.iter() for child in parent}
        label, caption = [], []
        for node in list(group.iter(f"{{{SVG}}}text")):
            y = float(node.get("y") or 0)
            words = " ".join("".join(node.itertext()).split())
            if y < LABEL_BELOW or y >= CAPTION_FROM:
                (label if y < LABEL_BELOW else caption).append(words)
                parents[node].remove(node)
        panels.append((" ".join(label), " ".join(caption)))
    root.set("viewBox", DRAWN)
    for attr in ("width", "height"):
        root.attrib.pop(attr, None)
    return ElementTree.tostring(root, encoding="unicode"), panels


def _often(per_week: int) -> str:
    if per_week >= 7:
        return "every day"
    if per_week == 1:
        return "once a week"
    return f"{per_week} times a week"


def _times(plan: dict) -> str:
    low, high = plan.get("fewest_sessions_per_week", 0), plan.get("sessions_per_week", 0)
    if low == high:
        return _often(high)
    return f"{low} to {high} times a week (each exercise says how often)"


def _common(exercises: list) -> list:
    """Cautions two or more start-here exercises share (those a condition adds):
    said once, in a box, naming the exercises they are for, instead of on every
    card.  [(caution, "" when it is for all of them, else "exercises 1 and 3")]."""
    if len(exercises) < 2:
        return []
    shared = []
    for caution in dict.fromkeys(c for r in exercises for c in r.cautions):
        numbers = [str(i) for i, r in enumerate(exercises, 1) if caution in r.cautions]
        if len(numbers) == len(exercises):
            shared.append((caution, ""))
        elif len(numbers) >= 2:
            shared.append((caution, "exercises " + ", ".join(numbers[:-1]) + " and "
                           + numbers[-1]))
    return shared


FACTORS_IN_FULL = 5

# The details' size (their text, and a picture as 250 characters) past which they
# no longer fit two pages in two columns: measured on 273 generated plans, the
# largest on three pages was 13,484 and the smallest on four 13,587. Past
# BRIEF_FROM the page is made again brief: factors with no advice of their own,
# and the "add next" exercises, by name and dose only (the text report has all).
BRIEF_FROM = 12_800
_PICTURE_SIZE = 250
_TAG = re.compile(r"<[^>]+>")


def _detail_size(page: str) -> int:
    details = page.partition('class="sheet main"')[2]
    text = " ".join(unescape(_TAG.sub(" ", details)).split())
    return len(text) + _PICTURE_SIZE * details.count("<figure")


def _factors(factors: list, in_full: int = FACTORS_IN_FULL) -> dict:
    """The factors a printed plan explains in full: the first few, and any later
    one with advice of its own; the rest by name only, on one line, so a long
    list does not push the plan onto a fourth page (the text report has them all)."""
    full = [f for i, f in enumerate(factors) if i < in_full or f.advice]
    return {"factors_in_full": full,
            "factors_named": [f for f in factors if f not in full]}


def _row(rec, first_week: int) -> dict:
    """One schedule row: a box per session in each week from first_week on."""
    per_week = max(1, min(7, int(rec.per_week or 0)))
    return {"id": rec.id, "name": rec.name, "kind": rec.kind, "stage": rec.stage,
            "often": _often(per_week), "per_week": per_week, "first_week": first_week,
            "minutes": int(round(rec.minutes or 0))}


def render(reports, kb, today: datetime.date | None = None) -> str:
    """The whole handout for some reports, as one string (for the API and tests)."""
    buffer = io.StringIO()
    writer = HtmlWriter(buffer, kb, today)
    writer.begin()
    for report in reports:
        writer.write(report)
    writer.end()
    return buffer.getvalue()
