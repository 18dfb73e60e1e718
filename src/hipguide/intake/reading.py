"""Turn command-line PATHs into intake records, one per YAML document.

Nothing here raises for bad input: every problem becomes part of a record, so
one broken file never hides the good ones beside it.  A file's documents are
read one at a time (``file_records`` is a generator), so memory does not grow
with the number of documents in a file.

Limits: one document (and a single-document file) at most MAX_FILE_BYTES; a
FHIR or CSV file at most MAX_STREAM_BYTES (read whole); a YAML file or standard
input up to MAX_STREAM_BYTES is read whole, a larger one (up to
MAX_YAML_STREAM_BYTES) is read line by line, one document at a time, so memory
does not grow with it; at most ``prescan.MAX_DOCUMENTS`` documents per file (the
rest: one record saying they were not read).
"""

from __future__ import annotations

import functools
import itertools
import os
import re
import stat
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..core import contract as schema
from ..core.prescan import READ_BYTES, Unit, byte_lines, file_chunks, split_units, stream_units
from ..core.problems import Problem, format_path
from ..core.yamlload import Document, parse_units

MAX_FILE_BYTES = 1_000_000        # one intake document
MAX_STREAM_BYTES = 10_000_000     # a file read whole (FHIR, CSV; YAML up to this size)
# a YAML file or standard input read a document at a time: 100,000 documents of
# ~5 KB; beyond it, the rest is reported as not read
MAX_YAML_STREAM_BYTES = 500_000_000
MAX_SHEET_BYTES = 500_000_000     # a CSV sheet, read as a stream
SUFFIXES = (".yaml", ".yml", ".json", ".csv", ".tsv", ".xlsx", ".jsonl",
            ".parquet")  # and each text one + ".gz"
WORKBOOKS = (".xlsx",)     # binary: read from the path by intake/xlsxsheet.py
SPREADSHEETS = (".csv", ".tsv")   # may be Windows-1252 (Excel's plain CSV)
_ID = schema.SCHEMA.fields["id"]


@dataclass
class Record:
    """One intake as read: valid data, or the problems that stop it."""

    id: str
    source: str
    document: int
    intake: dict | None = None
    problems: list = field(default_factory=list)
    notes: list = field(default_factory=list)   # Problems that did not stop it: told, not fatal
    # with problems: the answers that could still be read (contract.salvage), so
    # that a warning sign answered yes is acted on whatever else is wrong
    partial: dict | None = None


def expand(paths: Iterable[str]) -> Iterator[tuple[str, Path | None]]:
    """(display name, path) per input file; directories give their intake files
    (SUFFIXES), sorted. ``-`` gives ('<stdin>', None). A directory with no intake
    files gives (dir, dir)."""
    for raw in paths:
        if raw == "-":
            yield "<stdin>", None
            continue
        path = Path(raw)
        if path.is_dir():
            found = False
            for p in _walk(path):
                found = True
                yield str(p), p
            if not found:
                yield raw, path
        else:
            yield raw, path


def _walk(directory: Path) -> Iterator[Path]:
    """Intake files below directory in sorted path order, one directory listed at a
    time: a folder of 100,000 files never becomes a list of 100,000 Paths."""
    import os

    try:
        with os.scandir(directory) as it:
            entries = sorted((e.name, e.is_dir(follow_symlinks=False)) for e in it)
    except OSError:
        # never skipped in silence: read_text says why this folder was not read
        yield directory
        return
    for name, is_dir in entries:
        child = directory / name
        if is_dir:
            yield from _walk(child)
        elif child.suffix in SUFFIXES or (child.suffix == ".gz" and
                                          Path(child.stem).suffix in SUFFIXES):
            yield child


def read_text(name: str, path: Path | None, limit: int = MAX_STREAM_BYTES,
              what: str = "intake file") -> tuple[str | None, Problem | None]:
    """The file's text, or the one problem that stops it being read. Only a
    regular file is ever opened (a FIFO or device would block or never end), and
    no more than ``limit`` bytes are read."""
    try:
        if path is None:
            if sys.stdin is None:
                return None, Problem(name, "standard input is closed: nothing to read")
            data = sys.stdin.buffer.read(limit + 1)
        else:
            # one stat before opening (a FIFO or device must not be opened at all)
            try:
                info = path.stat()
            except (FileNotFoundError, NotADirectoryError):
                if path.is_symlink():
                    return None, Problem(name, "broken symbolic link: its target does not exist")
                return None, Problem(name, "no such file or directory")
            if stat.S_ISDIR(info.st_mode):
                if what != "intake file":
                    return None, Problem(name, "is a directory, not a file")
                return None, Problem(name, _directory_problem(path))
            if not stat.S_ISREG(info.st_mode):
                return None, Problem(name, "not a regular file")
            if info.st_size > limit:
                return None, Problem(name, f"file is {info.st_size:,} bytes, over the "
                                           f"{limit:,}-byte limit for one {what}; not read")
            with path.open("rb") as handle:
                data = handle.read(limit + 1)
    except PermissionError:
        return None, Problem(name, "permission denied: the file cannot be read")
    except (OSError, ValueError) as exc:   # ValueError: a closed standard input
        return None, Problem(name, f"cannot read: {getattr(exc, 'strerror', None) or exc}")
    if len(data) > limit:
        return None, Problem(name, f"input is over the {limit:,}-byte limit for one "
                                   f"{what}; not read")
    return decode(name, data)


def decode(name: str, data: bytes) -> tuple[str | None, Problem | None]:
    """A whole file's bytes as text (an ``encoding.Text``, which names a
    non-UTF-8 encoding), or why they are not text."""
    from ..core.encoding import NotText
    from ..core.encoding import decode as as_text

    try:
        return as_text(data, spreadsheet=Path(name).suffix.lower() in SPREADSHEETS), None
    except NotText as exc:
        return None, Problem(name, exc.message, line=exc.line)


def cannot_open(name: str, exc: OSError) -> Problem:
    """Why a file that passed its checks still could not be opened."""
    return Problem(name, "permission denied: the file cannot be read"
                   if isinstance(exc, PermissionError) else
                   f"cannot read: {exc.strerror or exc}")


def _unopenable(name: str, path: Path, what: str, limit: int) -> Problem | None:
    """Why a file read as a stream (a ``what``: workbook, sheet) cannot be
    opened: read_text's checks, without reading it, and ``limit`` bytes at most;
    None when it can."""
    try:
        info = path.stat()
    except OSError:
        return read_text(name, path)[1] or Problem(name, "cannot read")
    if not stat.S_ISREG(info.st_mode):
        return read_text(name, path)[1] or Problem(name, "not a regular file")
    if info.st_size > limit:
        return Problem(name, f"file is {info.st_size:,} bytes, over the "
                             f"{limit:,}-byte limit for one {what}; not read")
    if not os.access(path, os.R_OK):
        return Problem(name, "permission denied: the file cannot be read")
    return None


def _directory_problem(path: Path) -> str:
    import os

    try:
        with os.scandir(path):
            pass
    except PermissionError:
        return "permission denied: this folder cannot be listed, so its files were not read"
    except OSError as exc:
        return f"this folder cannot be listed ({exc.strerror or exc}), so its files were not read"
    return ("no intake files (*.yaml, *.yml, *.json, *.csv, *.tsv, *.xlsx, *.jsonl, *.parquet, "
            "or one of them .gz) in this directory")


@functools.lru_cache(maxsize=256)
def default_stem(name: str) -> str:
    return "stdin" if name == "<stdin>" else Path(name.removesuffix(".gz")).stem


def records_from_text(text: str, name: str) -> Iterator[Record]:
    """The records of one file's text, one document at a time; the reader is
    chosen by the file's suffix (FHIR JSON, CSV; anything else and standard input
    are YAML)."""
    reader = _READERS.get(Path(name).suffix.lower()) if name != "<stdin>" else None
    if reader is not None:
        yield from reader(text, name)
        return
    if TEXT_REPORT.match(text):
        problem = Problem(name, schema.NOT_AN_INTAKE, "", 1)
        yield Record(default_stem(name), name, 1, problems=[problem])
        return
    yield from yaml_records(split_units(text), name)


# the first line of a text report (``score`` without --format): "== id (file) =="
TEXT_REPORT = re.compile(r"\A\ufeff?== .* \(.*\) ==\r?\n")


def is_yaml(name: str) -> bool:
    """Whether a file is read as YAML documents (and may be split between workers)."""
    from .bulk import is_bulk

    return name == "<stdin>" or (Path(name).suffix.lower() not in (*_READERS, *WORKBOOKS)
                                 and not is_bulk(name))


def _json_records(text: str, name: str) -> list[Record]:
    from .fhir import records_from_text as read

    return read(text, name)


def _csv_records(text: str, name: str) -> Iterator[Record]:
    from .csvsheet import records_from_text as read

    return read(text, name)


# file suffix -> reader of its text; anything else (and standard input) is YAML
_READERS = {".json": _json_records, ".csv": _csv_records, ".tsv": _csv_records}


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


def default_id(name: str, index: int, many: bool) -> str:
    return default_stem(name) + (f"#{index}" if many else "")


def _record(doc: Document, name: str, many: bool) -> Record:
    default = default_id(name, doc.index, many)
    number = doc.index if many else None
    if doc.problems:   # the values that could be read are still read for warning signs
        return Record(default, name, doc.index, problems=[
            Problem(p.source, p.message, p.field, p.line, p.column, number)
            for p in doc.problems],
            partial=schema.salvage(doc.data, doc.duplicates) if isinstance(doc.data, dict)
            else doc.scanned)
    data = doc.data
    rid = data.get("id") if isinstance(data, dict) else None
    try:  # a rejected id (control characters, too long, ...) is never shown as the id
        rid = _ID.check(rid) if isinstance(rid, str) else default
    except schema.Invalid:
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
                  partial=(schema.salvage(data) if isinstance(data, dict) else doc.scanned)
                  if problems else None)


def file_records(name: str, path: Path | None, text: str | None = None) -> Iterator[Record]:
    """The records of one input file (as ``expand`` names it), one at a time;
    ``text``, when given, is its already-read content."""
    from .bulk import file_records as bulk_records
    from .bulk import is_bulk

    if text is None and path is not None and is_bulk(name):
        yield from bulk_records(name, path)   # JSON Lines, Parquet, gzip: streamed
        return
    if text is None and path is not None and Path(name).suffix.lower() in WORKBOOKS:
        from .xlsxsheet import file_records as workbook_records

        problem = _unopenable(name, path, "workbook", MAX_YAML_STREAM_BYTES)
        if problem is not None:
            yield Record(default_stem(name), name, 1, problems=[problem])
            return
        yield from workbook_records(name, path)
        return
    if text is None and path is not None and Path(name).suffix.lower() in SHEETS:
        yield from _sheet_records(name, path)
        return
    if text is None:
        if is_yaml(name):
            units, problem = file_units(name, path)
            if problem is None:
                yield from noted(yaml_records(units, name), getattr(units, "encoding", None),
                                 name)
                return
        else:
            text, problem = read_text(name, path)
        if problem is not None:
            yield Record(default_stem(name), name, 1, problems=[problem])
            return
    yield from noted(records_from_text(text, name), getattr(text, "encoding", None), name)


SHEETS = (".csv", ".tsv")


def _sheet_records(name: str, path: Path) -> Iterator[Record]:
    """A CSV sheet's records, read as a stream (a sheet may hold 1,000,000 rows)."""
    from .csvsheet import streamed_records

    problem = _unopenable(name, path, "sheet", MAX_SHEET_BYTES)   # only a regular file is opened
    if problem is not None:
        yield Record(default_stem(name), name, 1, problems=[problem])
        return
    try:
        yield from streamed_records(name, lambda: path.open("rb"), MAX_SHEET_BYTES)
    except (OSError, UnicodeDecodeError) as exc:   # unreadable, or changed while read
        message = ("permission denied: the file cannot be read"
                   if isinstance(exc, PermissionError) else
                   f"cannot read the rest of the file: {getattr(exc, 'strerror', None) or exc}")
        yield Record(default_stem(name), name, 1, problems=[Problem(name, message)])


def noted(records: Iterable[Record], encoding: str | None, name: str) -> Iterator[Record]:
    """records, the first one carrying a note naming the file's encoding when it
    was not UTF-8."""
    from ..core.encoding import note

    for k, record in enumerate(records):
        if k == 0 and encoding:
            record.notes.insert(0, Problem(name, note(encoding)))
        yield record


# byte order marks of UTF-16 and UTF-32: such a file is read whole and decoded
# (``decode``), not split as UTF-8 bytes
_WIDE_BOMS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")


def file_units(name: str, path: Path | None) -> tuple[Iterator[Unit] | None, Problem | None]:
    """A YAML file's (or standard input's) documents, one at a time, or the one
    problem that stops it being read.  Every size is read the same way: a line
    at a time (``prescan.byte_lines``), each document decoded on its own
    (``stream_units``), up to MAX_YAML_STREAM_BYTES, so the whole-file and
    streamed paths cannot differ.  (A UTF-16/32 file is decoded whole.)"""
    if path is None:
        if sys.stdin is None:
            return None, Problem(name, "standard input is closed: nothing to read")
        try:
            head = sys.stdin.buffer.read(READ_BYTES)
        except (OSError, ValueError) as exc:
            return None, Problem(name, f"cannot read: {getattr(exc, 'strerror', None) or exc}")
        if head.startswith(_WIDE_BOMS):
            try:
                data = head + sys.stdin.buffer.read(MAX_STREAM_BYTES + 1 - len(head))
            except (OSError, ValueError) as exc:
                return None, Problem(name, "cannot read: "
                                     f"{getattr(exc, 'strerror', None) or exc}")
            if len(data) > MAX_STREAM_BYTES:
                return None, Problem(name, f"input is over the {MAX_STREAM_BYTES:,}-byte "
                                           "limit for one intake file; not read")
            text, problem = decode(name, data)
            return (split_units(text) if problem is None else None), problem
        return _streamed(name, itertools.chain([head], file_chunks(sys.stdin.buffer))), None
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


def records(paths: Iterable[str], kb=None) -> Iterator[Record]:
    """Every intake record from paths, in input order; FHIR responses are read
    against the questionnaire of the knowledge base ``kb`` (None: the default)."""
    from .fhir import use_kb

    use_kb(kb)
    for name, path in expand(paths):
        yield from file_records(name, path)
