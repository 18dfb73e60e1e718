"""Intake ids used more than once in one ``score`` run.

Nothing is merged or dropped: every intake keeps its own report. A report
whose id was already used gets a ``duplicate_id`` warning naming where the id
was first seen, and standard error says so as it happens. Reports are streamed,
so the first report with an id is already written when a later one repeats it;
writers that hold their rows to the end (the triage list and page) mark the
first one too (``ids``).
"""

from __future__ import annotations

from ..core.text import shown
from ..intake.record import default_stem as stem

CODE = "duplicate_id"


class DuplicateIds:
    """Remembers every id of the run in little memory (a batch may hold
    200,000 intakes in one file, and memory must stay flat).

    Most intakes carry no id and get their file's default (``stem#n``, or
    ``stem`` alone): those cost one bit each, in a bitmap per file. An id an
    intake gives costs its 64-bit hash and where it was first seen, packed in
    one int (the file's number and the document's). Two different given ids
    share a hash with a chance of about n^2 / 2^65: none in practice."""

    def __init__(self):
        self.given: dict = {}     # hash(id) -> file number << 32 | document number
        self.sources: dict = {}   # file name -> its number
        self.names: list = []     # file number -> file name
        self.stems: dict = {}     # default-id stem -> the numbers of its files
        self.numbered: list = []  # file number -> bitmap of documents whose id is stem#n
        self.bare: list = []      # file number -> first document whose id is the bare stem
        self.ids: set = set()     # ids seen more than once

    def check(self, record, report) -> str | None:
        """Add a warning to report when its id was used before in this run; return
        the message for standard error (None when the id is new)."""
        number = self._number(record.source)
        seen = self._seen(report.id)
        if seen is None:
            self._remember(report.id, number, record.document & 0xFFFFFFFF)
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

    def _number(self, source) -> int:
        number = self.sources.get(source)
        if number is None:
            number = self.sources[source] = len(self.names)
            self.names.append(source)
            self.stems.setdefault(stem(str(source)), []).append(number)
            self.numbered.append(bytearray())
            self.bare.append(0)
        return number

    def _seen(self, rid: str) -> int | None:
        """Where rid was first seen (file number << 32 | document), or None."""
        seen = self.given.get(hash(rid))
        if seen is not None:
            return seen
        head, mark, tail = rid.rpartition("#")
        if mark and tail.isdecimal() and int(tail) < MAX_BIT:
            document = int(tail)
            for number in self.stems.get(head, ()):
                if _bit(self.numbered[number], document):
                    return number << 32 | document
        for number in self.stems.get(rid, ()):
            if self.bare[number]:
                return number << 32 | self.bare[number]
        return None

    def _remember(self, rid: str, number: int, document: int) -> None:
        name = stem(str(self.names[number]))
        if rid == f"{name}#{document}" and document < MAX_BIT:
            bits = self.numbered[number]
            if len(bits) <= document >> 3:
                bits.extend(bytes((document >> 3) + 1 - len(bits)))
            bits[document >> 3] |= 1 << (document & 7)
        elif rid == name and document:
            self.bare[number] = document
        else:
            self.given[hash(rid)] = number << 32 | document


MAX_BIT = 1 << 28   # documents numbered beyond this are remembered by hash


def _bit(bits: bytearray, document: int) -> bool:
    return len(bits) > document >> 3 and bool(bits[document >> 3] >> (document & 7) & 1)


def _where(source, document: int) -> str:
    if str(source).lower().removesuffix(".gz").endswith((".csv", ".tsv")):
        return f"{source} (row {document})"
    return f"{source} (intake {document})" if document != 1 else str(source)
