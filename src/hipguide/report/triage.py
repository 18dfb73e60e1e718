"""The clinic's triage list (``score --format triage``): one line per intake, the
most urgent first, each fitting TRIAGE_WIDTH terminal columns.

Order: emergency, same day, urgent, soon, invalid, ok; within a group, input
order. A referral's line says why in the person's own answers (the red flags'
evidence); an invalid one, its first problem; an ok one, its start-here plan in
brief (and first, any warning sign left unanswered). The list is sorted, so the
writer keeps one short row per intake until the end, never whole reports.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from ..core.text import shown
from ..engine.model import Report

TRIAGE_WIDTH = 100
ID_WIDTH = 24              # an id longer than this is cut with an ellipsis
ELLIPSIS = "\u2026"
GROUPS = ("emergency", "same_day", "urgent", "soon", "invalid", "ok")
LABELS = {"emergency": "EMERGENCY", "same_day": "SAME DAY", "urgent": "URGENT",
          "soon": "SOON", "invalid": "INVALID", "ok": "ok"}
LABEL_WIDTH = max(len(v) for v in LABELS.values())


def group(report: Report) -> str:
    """The triage group: the urgency of a referral, else invalid or ok."""
    if report.status == "refer":
        return report.urgency if report.urgency in GROUPS else "emergency"  # fail safe
    return "invalid" if report.status == "invalid" else "ok"


def columns(text: str) -> int:
    """Terminal columns text takes: wide (CJK) characters two, combining marks none."""
    return sum(_width(ch) for ch in text)


def _width(ch: str) -> int:
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def fit(text: str, width: int) -> str:
    """text cut to at most width columns, ending in an ellipsis when cut."""
    if columns(text) <= width:
        return text
    out, used = [], 0
    for ch in text:
        w = _width(ch)
        if used + w > width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + ELLIPSIS


def pad(text: str, width: int) -> str:
    return text + " " * max(0, width - columns(text))


def reason(report: Report) -> str:
    """Why this line is where it is, in plain words."""
    if report.status == "refer":
        seen: list = []
        for flag in report.red_flags:     # the most urgent first; its plainest answer
            answer = min(flag.evidence, key=lambda e: (len(e), e)) if flag.evidence \
                else flag.name
            if answer not in seen:
                seen.append(answer)
        return "; ".join(seen) or report.referral
    if report.status == "invalid":
        if not report.errors:
            return "not assessed"
        first = report.errors[0]
        text = (f"{first['field']}: " if first.get("field") else "") + first["message"]
        more = len(report.errors) - 1
        return f"not assessed: {text}" + (f" (+{more} more problem{'s' * (more > 1)})"
                                          if more else "")
    return plan_brief(report)


def plan_brief(report: Report) -> str:
    """An ok report's start-here plan in one phrase, after any unchecked warning sign."""
    parts = []
    signs = report.unanswered_warning_signs
    if signs:
        parts.append(f"{len(signs)} warning sign{'s' * (len(signs) > 1)} not answered")
    start = [r for r in report.recommendations if r.stage == "start_here"]
    if start:
        plan = report.plan
        low, high = plan.get("fewest_sessions_per_week", 0), plan.get("sessions_per_week", 0)
        often = f"{high}x/week" if low == high else f"{low}-{high}x/week"
        dose = f" ({plan.get('minutes', 0)} min, {often})" if plan.get("minutes") else ""
        parts.append(f"start{dose}: " + ", ".join(r.name.lower() if r.name[1:2].islower()
                                                  else r.name for r in start))
    elif signs:
        parts.append("no exercises until they are answered")
    elif report.precautions:
        parts.append("no exercises: " + "; ".join(p.name for p in report.precautions))
    else:
        parts.append("no exercises or habits suggested")
    return "; ".join(parts)


@dataclass
class Row:
    """One intake on the list: what is shown (escaped), and its id as given."""

    group: str
    order: int
    id: str
    reason: str
    source: str = ""
    raw_id: str = ""
    duplicate: bool = False      # another intake in the run has the same id


def row(report: Report, order: int) -> Row:
    return Row(group(report), order, shown(report.id), shown(reason(report)),
               shown(report.source), report.id)


def mark_duplicates(rows: list, duplicate_ids) -> None:
    for r in rows:
        r.duplicate = r.raw_id in duplicate_ids


def sort_rows(rows: list) -> list:
    rank = {g: i for i, g in enumerate(GROUPS)}
    return sorted(rows, key=lambda r: (rank[r.group], r.order))


def line(r: Row, id_width: int) -> str:
    head = f"{pad(LABELS[r.group], LABEL_WIDTH)}  {pad(fit(r.id, id_width), id_width)}  "
    return head + fit(r.reason, TRIAGE_WIDTH - columns(head))


class TriageWriter:
    """The begin/write/end protocol of report.writers.Writer; writes at end()."""

    def __init__(self, stream, duplicate_ids=frozenset()):
        self.stream = stream
        self.rows: list = []
        self.duplicate_ids = duplicate_ids   # filled in as the run goes (cli.duplicates)

    def begin(self):
        pass

    def write(self, report: Report):
        self.rows.append(row(report, len(self.rows)))

    def end(self):
        mark_duplicates(self.rows, self.duplicate_ids)
        for r in self.rows:
            if r.duplicate:
                r.reason = "DUPLICATE ID; " + r.reason
        width = min(ID_WIDTH, max([columns(r.id) for r in self.rows] + [2]))
        head = f"{pad('URGENCY', LABEL_WIDTH)}  {pad('ID', width)}  WHY / START-HERE PLAN"
        self.stream.write(head + "\n")
        for r in sort_rows(self.rows):
            self.stream.write(line(r, width) + "\n")
