"""CSV sheets of intakes: one row per intake, one column per intake field.

The header names the columns (``sheetcolumns``) and each row's cells are read
as any sheet's are (``sheetrows``); this module is the CSV file itself. The
delimiter is ``,``, ``;`` or a tab (Excel writes ``;`` where the decimal mark is
a comma, and then ``7,5`` is 7.5): the header decides, since no field name
holds any. The encoding is chosen over the whole file, which is then read as a
stream, row by row. A long cell or an unreadable row costs only its row. Every
problem names the row (as a spreadsheet numbers it: the header is row 1) and
the column (header and letter); a bad row never stops the good ones.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterable, Iterator

from ..core.encoding import NotText, open_decoded, stream_codec
from ..core.prescan import file_chunks
from ..core.problems import Problem
from .record import Record, default_stem, noted
from .sheetcolumns import TEMPLATE_INJURIES, check_header, column_spec, column_value, columns
from .sheetrows import cell_text, escaped, row_record


def _delimiter(first_line: str) -> str | None:
    """',', ';' or a tab (Excel's "Unicode text") from the header line (field
    names hold none of them); None if unclear."""
    found = [d for d in (",", ";", "\t") if d in first_line]
    if len(found) > 1:
        return None
    return found[0] if found else ","


def records_from_text(text: str, name: str, kb=None) -> Iterator:
    """The intake records of one CSV file's text (see ``records_from_lines``);
    ``kb`` is not needed (the columns are the intake contract's), but every
    text reader takes it."""
    yield from records_from_lines(io.StringIO(text, newline=""), name)


def streamed_records(name: str, opened, limit: int) -> Iterator:
    """The records of a CSV file read as a stream: ``opened()`` gives a fresh
    binary handle on its content (called twice: once to choose the encoding as
    ``encoding.decode`` would for the whole file, once to read it); ``limit``
    bytes at most. OSError and the like are the caller's (a damaged gzip)."""
    with opened() as handle:
        try:
            codec, label = stream_codec(_bounded(file_chunks(handle), limit), spreadsheet=True)
        except NotText as exc:
            yield Record(default_stem(name), name, 1, problems=[Problem(name, exc.message,
                                                                 line=exc.line)])
            return
        except _TooLarge:
            yield Record(default_stem(name), name, 1, problems=[Problem(
                name, f"file is over the {limit:,}-byte limit for one sheet; not read")])
            return
    with opened() as handle:
        yield from noted(records_from_lines(open_decoded(handle, codec), name), label, name)


class _TooLarge(Exception):
    pass


def _bounded(chunks, limit: int):
    """chunks, until more than ``limit`` bytes have come (then _TooLarge)."""
    read = 0
    for chunk in chunks:
        read += len(chunk)
        if read > limit:
            raise _TooLarge
        yield chunk


def records_from_lines(lines: Iterable[str], name: str) -> Iterator:
    """The intake records of one CSV file, from its lines (newlines kept), one per
    non-blank row, streamed: a sheet of 1,000,000 rows is never held whole.
    Blank lines before the header are skipped; every problem names the physical
    line it is on (a quoted cell may span lines), and a row the CSV reader
    cannot read costs only that row. A broken header spoils every row, but
    each row's readable cells are still read for warning signs (fail safe):
    the first row lists the header's problems, the others point to them."""
    def whole(message, line=1, where=""):
        return [Record(default_stem(name), name, 1, problems=[Problem(name, message, where, line)])]

    lines = iter(lines)
    blank = []   # the blank lines before the first that is not (kept: line numbers)
    first = next(lines, None)
    while first is not None and not first.strip():
        blank.append(first)
        first = next(lines, None)
    if first is None:
        yield from whole("empty file: expected a header row of intake fields, then one row "
                         "per intake")
        return
    delimiter = _delimiter(first.rstrip("\r\n"))
    if delimiter is None:
        yield from whole("the header mixes ',' and ';' (or tabs): separate the columns with "
                         "one of them")
        return
    rows = _rows(itertools.chain(blank, [first], lines), delimiter)
    for line, row in rows:   # the header: the first row that is not blank
        if isinstance(row, str):
            yield from whole(f"not a readable CSV sheet: {row}", line)
            return
        if any(cell.strip() for cell in row):
            header, header_line = [h.strip() for h in row], line
            break
    else:  # pragma: no cover - the first line was not blank
        return
    specs, problems = check_header(header, name, header_line)
    body = ((n, row) for n, row in rows if isinstance(row, str) or any(c.strip() for c in row))
    head = list(itertools.islice(body, 2))
    if problems and not head:
        yield Record(default_stem(name), name, 1, problems=problems)
        return
    if not head:
        yield from whole("no intake rows below the header", header_line + 1)
        return
    many = len(head) > 1
    again = [Problem(name, f"the header row has {len(problems)} problem(s), "
                           f"listed with row {head[0][0]}", "", header_line)] if problems else []
    for k, (n, row) in enumerate(itertools.chain(head, body)):
        yield row_record(row, n, header, specs, name,
                         f"{default_stem(name)}#{n}" if many else default_stem(name), delimiter,
                         problems if k == 0 else again)


CELL_LIMIT = 1_000_000   # characters in one cell (an intake document's limit)


def _rows(lines: Iterable[str], delimiter: str):
    """(line the row starts on, cells) per row; for a row the csv module cannot
    read (a stray quote), (line, why): it costs that row only."""
    limit = csv.field_size_limit()
    csv.field_size_limit(max(limit, CELL_LIMIT))   # a longer cell is the row's problem
    try:
        reader = csv.reader(lines, delimiter=delimiter, strict=True)
        while True:
            start = reader.line_num + 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield start, f"this row is not readable CSV ({exc}); check its quotes"
                continue
            yield start, row
    finally:
        csv.field_size_limit(limit)


# ---------------------------------------------------------------- writing


def write(intakes: list, stream, ids: list | None = None) -> None:
    """Write (validated) intakes as a sheet this module reads back unchanged:
    the template's columns, with as many numbered injury sets as needed."""
    slots = max([TEMPLATE_INJURIES] + [len(i.get("injuries") or []) for i in intakes])
    header = columns(slots)
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(header)
    for k, intake in enumerate(intakes):
        row = []
        for head in header:
            value = column_value(intake, column_spec(head)[0])
            if head == "id" and ids is not None:
                value = ids[k]
            row.append(escaped(cell_text(value)) if head == "id" else cell_text(value))
        writer.writerow(row)


def template() -> str:
    """An empty sheet: the header only (CSV has no comments)."""
    out = io.StringIO()
    write([], out)
    return out.getvalue()
