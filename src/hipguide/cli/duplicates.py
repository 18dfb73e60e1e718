"""Intake ids used more than once in one ``score`` run.

Nothing is merged or dropped: every intake keeps its own report. A report
whose id was already used gets a ``duplicate_id`` warning naming where the id
was first seen, and standard error says so as it happens. Reports are streamed,
so the first report with an id is already written when a later one repeats it;
writers that hold their rows to the end (the triage list and page) mark the
first one too (``ids``).
"""

from __future__ import annotations

from ..report.safe_text import shown

CODE = "duplicate_id"


class DuplicateIds:
    def __init__(self):
        self.first: dict = {}     # id -> where it was first seen
        self.ids: set = set()     # ids seen more than once

    def check(self, record, report) -> str | None:
        """Add a warning to report when its id was used before in this run; return
        the message for standard error (None when the id is new)."""
        where = _where(record)
        first = self.first.get(report.id)
        if first is None:
            self.first[report.id] = where
            return None
        self.ids.add(report.id)
        report.warnings.append({
            "code": CODE,
            "message": f"duplicate id: {report.id!r} is also the id of the intake in {first}; "
                       "both are reported, nothing is merged"})
        return (f"duplicate id {shown(report.id)!r}: {shown(where)} repeats the id "
                f"of {shown(first)}; both are reported, nothing is merged")


def _where(record) -> str:
    if str(record.source).lower().endswith(".csv"):
        return f"{record.source} (row {record.document})"
    return f"{record.source} (intake {record.document})" if record.document != 1 \
        else str(record.source)
