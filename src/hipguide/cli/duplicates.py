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
    """Remembers every id of the run in little memory (a batch may hold 100,000
    intakes): per id its 64-bit hash and where it was first seen, packed in one
    int (the file's number and the document's). Two different ids share a hash
    with a chance of about n^2 / 2^65: none in practice."""

    def __init__(self):
        self.first: dict = {}     # hash(id) -> file number << 32 | document number
        self.sources: dict = {}   # file name -> its number
        self.names: list = []
        self.ids: set = set()     # ids seen more than once

    def check(self, record, report) -> str | None:
        """Add a warning to report when its id was used before in this run; return
        the message for standard error (None when the id is new)."""
        key = hash(report.id)
        seen = self.first.get(key)
        if seen is None:
            number = self.sources.setdefault(record.source, len(self.sources))
            if number == len(self.names):
                self.names.append(record.source)
            self.first[key] = number << 32 | (record.document & 0xFFFFFFFF)
            return None
        first = _where(self.names[seen >> 32], seen & 0xFFFFFFFF)
        where = _where(record.source, record.document)
        self.ids.add(report.id)
        report.warnings.append({
            "code": CODE,
            "message": f"duplicate id: {report.id!r} is also the id of the intake in {first}; "
                       "both are reported, nothing is merged"})
        return (f"duplicate id {shown(report.id)!r}: {shown(where)} repeats the id "
                f"of {shown(first)}; both are reported, nothing is merged")


def _where(source, document: int) -> str:
    if str(source).lower().endswith(".csv"):
        return f"{source} (row {document})"
    return f"{source} (intake {document})" if document != 1 else str(source)
