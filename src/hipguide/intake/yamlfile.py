"""YAML intake files: a file's (or standard input's) documents read one at a
time, a line at a time, each checked against the intake contract; a document
that cannot be read still has its plainly answered warning signs read."""

from __future__ import annotations

import itertools
import stat
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..core import contract as schema
from ..core.files import MAX_STREAM_BYTES, cannot_open, decode, read_text
from ..core.prescan import READ_BYTES, Unit, byte_lines, file_chunks, split_units, stream_units
from ..core.problems import Problem, format_path
from ..core.schema_types import Invalid
from ..core.yamlload import Document, parse_units
from .rawscan import warning_signs
from .record import (
    ID,
    MAX_FILE_BYTES,
    MAX_YAML_STREAM_BYTES,
    TEXT_REPORT,
    Record,
    default_id,
    default_stem,
)


def records_from_units(units: Iterable[Unit], name: str, many: bool) -> Iterator[Record]:
    """The records of some documents of one file (``many``: the file has more
    than one, so ids and messages carry the document number)."""
    units = iter(units)
    first = next(units, None)
    if first is None:
        return
    if first.index == 1 and first.text and TEXT_REPORT.match(first.text):
        problem = Problem(name, schema.NOT_AN_INTAKE, "", first.line + 1)
        yield Record(default_stem(name), name, 1, problems=[problem])
        return
    for doc in parse_units(itertools.chain([first], units), name, MAX_FILE_BYTES):
        yield _record(doc, name, many)


def _scanned(doc: Document) -> dict | None:
    """The warning signs plainly answered in a document that was not read as
    an intake mapping (fail safe)."""
    return warning_signs(doc.unread) if doc.unread is not None else None


def _record(doc: Document, name: str, many: bool) -> Record:
    default = default_id(name, doc.index, many)
    number = doc.index if many else None
    if doc.problems:   # the values that could be read are still read for warning signs
        return Record(default, name, doc.index, problems=[
            Problem(p.source, p.message, p.field, p.line, p.column, number)
            for p in doc.problems],
            partial=schema.salvage(doc.data, doc.duplicates) if isinstance(doc.data, dict)
            else _scanned(doc))
    data = doc.data
    rid = data.get("id") if isinstance(data, dict) else None
    try:  # a rejected id (control characters, too long, ...) is never shown as the id
        rid = ID.check(rid) if isinstance(rid, str) else default
    except Invalid:
        rid = default
    if data is None:
        return Record(rid, name, doc.index, problems=[Problem(
            name, "empty document: expected an intake mapping (at least sitting_hours)",
            line=doc.mark(())[0], column=doc.mark(())[1], document=number)])
    intake, invalid = schema.validate(data)
    problems = []
    for exc in invalid:
        line, col = doc.mark(exc.path, key=exc.key)
        problems.append(Problem(name, exc.message, format_path(exc.path), line, col, number))
    return Record(rid, name, doc.index, intake, problems,
                  partial=(schema.salvage(data) if isinstance(data, dict) else _scanned(doc))
                  if problems else None)


# byte order marks of UTF-16 and UTF-32: such a file is read whole and decoded
# (``decode``), not split as UTF-8 bytes
_WIDE_BOMS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")


def file_units(name: str, path: Path | None,
               stdin=None) -> tuple[Iterator[Unit] | None, Problem | None]:
    """A YAML file's (or standard input's) documents, one at a time, or the one
    problem that stops it being read.  Every size is read the same way: a line
    at a time (``prescan.byte_lines``), each document decoded on its own
    (``stream_units``), up to MAX_YAML_STREAM_BYTES, so the whole-file and
    streamed paths cannot differ.  (A UTF-16/32 file is decoded whole.)
    ``stdin``: the binary stream read when ``path`` is None (standard input's)."""
    if path is None:
        if stdin is None and sys.stdin is None:
            return None, Problem(name, "standard input is closed: nothing to read")
        stdin = stdin or sys.stdin.buffer
        try:
            head = stdin.read(READ_BYTES)
        except (OSError, ValueError) as exc:
            return None, Problem(name, f"cannot read: {getattr(exc, 'strerror', None) or exc}")
        if head.startswith(_WIDE_BOMS):
            try:
                data = head + stdin.read(MAX_STREAM_BYTES + 1 - len(head))
            except (OSError, ValueError) as exc:
                return None, Problem(name, "cannot read: "
                                     f"{getattr(exc, 'strerror', None) or exc}")
            if len(data) > MAX_STREAM_BYTES:
                return None, Problem(name, f"input is over the {MAX_STREAM_BYTES:,}-byte "
                                           "limit for one intake file; not read")
            text, problem = decode(name, data)
            return (split_units(text) if problem is None else None), problem
        return _streamed(name, itertools.chain([head], file_chunks(stdin))), None
    try:
        info = path.stat()
    except OSError:
        info = None   # read_text says why
    if info is not None and stat.S_ISREG(info.st_mode) and info.st_size <= MAX_YAML_STREAM_BYTES:
        try:
            handle = path.open("rb")
        except OSError as exc:
            return None, cannot_open(name, exc)
        if not handle.peek(4)[:4].startswith(_WIDE_BOMS):
            return _streamed(name, _closing_chunks(handle)), None
        handle.close()
    text, problem = read_text(name, path, MAX_YAML_STREAM_BYTES
                              if info is not None and info.st_size > MAX_STREAM_BYTES
                              else MAX_STREAM_BYTES)
    return (_Units(split_units(text), text.encoding) if problem is None else None), problem


class _Units:
    """A file's documents, one at a time, remembering the file's non-UTF-8
    encoding (or None)."""

    def __init__(self, units: Iterator[Unit], encoding: str | None):
        self.units, self.encoding = units, encoding

    def __iter__(self):
        return self

    def __next__(self) -> Unit:
        return next(self.units)


def _closing_chunks(handle) -> Iterator[bytes]:
    with handle:
        yield from file_chunks(handle)


def _streamed(name: str, chunks: Iterator[bytes]) -> Iterator[Unit]:
    """stream_units over the lines of chunks, stopped at MAX_YAML_STREAM_BYTES (a
    file that grew while it was read, or an endless standard input): one last
    Unit says so."""
    read = 0
    over = False

    def capped():
        nonlocal read, over
        for line in byte_lines(chunks, MAX_FILE_BYTES + 2):
            read += len(line)
            if read > MAX_YAML_STREAM_BYTES:
                over = True
                return
            yield line

    units = stream_units(capped(), MAX_FILE_BYTES)
    last = None
    for unit in units:
        last = unit
        yield unit
    if over:
        index = last.index + 1 if last is not None else 1
        line = last.line if last is not None else 0
        yield Unit(index, line, None, (f"input is over the {MAX_YAML_STREAM_BYTES:,}-byte "
                                       "limit for one intake file; the rest was not read", line))


def yaml_records(units: Iterator[Unit], name: str) -> Iterator[Record]:
    """The records of a YAML stream's documents (an empty stream: one record
    saying so)."""
    head = list(itertools.islice(units, 2))
    if not head:
        yield Record(default_stem(name), name, 1, problems=[Problem(
            name, "empty file: no intake documents", line=1)])
        return
    yield from records_from_units(itertools.chain(head, units), name, many=len(head) > 1)
