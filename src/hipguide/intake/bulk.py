"""Bulk intake files, read as a stream: JSON Lines (``*.jsonl``), Parquet
(``*.parquet``, with the ``scale`` extra) and any intake file compressed with
gzip (``x.yaml.gz``, ``x.jsonl.gz``, ``x.csv.gz``, ``x.json.gz``).

A screening programme's export holds millions of intakes in one file, so
nothing here holds a whole file: a JSON Lines file is read a line at a time,
a Parquet file a row group batch at a time, and a gzip file is decompressed as
it is read.  Memory stays flat however many intakes a file holds.

JSON Lines: one intake object per line, held to the same strict JSON as a FHIR
file (no duplicate keys, no NaN, bounded nesting and numbers); blank lines are
skipped; each problem names the line.  A record's id is its ``id``, else
``<stem>#<line>``.

Parquet files are read (and written) by ``parquetfile``; this module opens
them and hands them over.
"""

from __future__ import annotations

import gzip
import stat
import zlib
from collections.abc import Iterator
from pathlib import Path

from ..core import contract as schema
from ..core.encoding import NotText
from ..core.encoding import decode as as_text
from ..core.files import MAX_STREAM_BYTES, SPREADSHEETS, cannot_open, decode, read_text
from ..core.problems import Problem, format_path
from ..core.schema_types import Invalid
from . import fhir
from .csvsheet import streamed_records
from .jsonload import JsonError, loads
from .parquetfile import parquet_records
from .rawscan import warning_signs
from .record import ID, MAX_FILE_BYTES, MAX_SHEET_BYTES, Record
from .yamlfile import _streamed, yaml_records

GZIP = ".gz"
BULK_SUFFIXES = (".jsonl", ".parquet")
# a gzip file's decompressed bytes read at a time (the line reader's buffer)
_CHUNK = 1 << 16


def base_name(name: str) -> str:
    """The name without a trailing ``.gz``: what the content is."""
    return name[:-len(GZIP)] if name.lower().endswith(GZIP) else name


def kind(name: str) -> str:
    """The intake suffix of a file name, looking through ``.gz``."""
    return Path(base_name(name)).suffix.lower()


def is_bulk(name: str) -> bool:
    """Whether this module reads the file (a bulk format or a gzip file)."""
    return name != "<stdin>" and (name.lower().endswith(GZIP) or kind(name) in BULK_SUFFIXES)


def stem(name: str) -> str:
    return Path(base_name(name)).stem


def file_records(name: str, path: Path, kb=None) -> Iterator:
    """The records of one bulk or gzip file, one at a time (a FHIR file's
    against the questionnaire of the knowledge base ``kb``; None: the default)."""
    suffix = kind(name)
    if suffix == ".parquet":
        if name.lower().endswith(GZIP):
            yield _whole(name, "a Parquet file is compressed inside; give it without .gz")
            return
        yield from parquet_records(name, lambda: _open(name, path))
        return
    handle, problem = _open(name, path)
    if problem is not None:
        yield Record(stem(name), name, 1, problems=[problem])
        return
    with handle:
        if suffix == ".csv":
            try:
                yield from _streamed_sheet(name, path)
            except _Unreadable as exc:
                yield _cut_short(name, exc)
        else:
            yield from handle_records(name, handle, suffix, kb)


def handle_records(name: str, handle, suffix: str, kb=None) -> Iterator:
    """The records of an open binary stream read as a file of this suffix would
    be: JSON Lines a line at a time, FHIR JSON whole, anything else as YAML."""
    try:
        if suffix == ".jsonl":
            yield from jsonl_records(_lines(handle, MAX_FILE_BYTES), name)
        elif suffix == ".json":
            yield from _whole_text(handle, name, kb)
        else:   # YAML, as any other file is
            yield from yaml_records(_streamed(name, _lines(handle)), name)
    except _Unreadable as exc:
        yield _cut_short(name, exc)


def _cut_short(name: str, exc: _Unreadable) -> Record:
    return Record(stem(name), name, exc.line or 1, problems=[Problem(
        name, f"{exc}; the rest of the file was not read", line=exc.line)])


class _Unreadable(Exception):
    """A compressed file that stops decompressing (truncated or corrupt)."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.line = line


def _whole(name: str, message: str):
    return Record(stem(name), name, 1, problems=[Problem(name, message)])


def _open(name: str, path: Path):
    """A binary handle on the file's content (decompressed when it is gzip), or
    the problem that stops it being read.  Only a regular file is opened."""
    try:
        info = path.stat()
    except OSError:
        info = None
    if info is None or not stat.S_ISREG(info.st_mode):
        # read_text names the reason (missing, a directory, a FIFO, ...)
        return None, read_text(name, path, 0)[1]
    try:
        raw = path.open("rb")
    except OSError as exc:
        return None, cannot_open(name, exc)
    if not name.lower().endswith(GZIP):
        return raw, None
    if raw.read(2) != b"\x1f\x8b":
        raw.close()
        return None, Problem(name, "not a gzip file (a .gz file must be gzip-compressed); "
                                   "rename it or compress it with gzip")
    raw.seek(0)
    return gzip.GzipFile(fileobj=raw, mode="rb"), None


def _lines(handle, cap: int | None = None) -> Iterator[bytes]:
    """The handle's lines; a line longer than ``cap`` bytes is cut at cap + 1
    bytes and the rest of it skipped (so one endless line never fills memory).
    A corrupt or truncated gzip stream raises _Unreadable naming the line."""
    number = 0
    try:
        if cap is None:
            for number, line in enumerate(handle, 1):  # noqa: B007 - used below
                yield line
            return
        while True:
            line = handle.readline(cap + 1)
            if not line:
                return
            number += 1
            if len(line) > cap and not line.endswith(b"\n"):
                while True:   # skip the rest of the long line
                    rest = handle.readline(_CHUNK)
                    if not rest or rest.endswith(b"\n"):
                        break
            yield line
    except (OSError, EOFError, zlib.error) as exc:
        raise _Unreadable(f"the compressed data is damaged ({_why(exc)})", number + 1) \
            from None


def _why(exc: Exception) -> str:
    if isinstance(exc, EOFError):
        return "it ends before the end of the compressed stream: truncated"
    return str(exc) or type(exc).__name__


def _streamed_sheet(name: str, path: Path) -> Iterator:
    """A compressed CSV sheet, decompressed as it is read (twice: the encoding is
    chosen over the whole sheet first, as for a plain one)."""
    try:
        yield from streamed_records(name, lambda: _open(name, path)[0], MAX_SHEET_BYTES)
    except (OSError, EOFError, zlib.error) as exc:
        raise _Unreadable(f"the compressed data is damaged ({_why(exc)})") from None


def _whole_text(handle, name: str, kb=None) -> Iterator:
    """A compressed FHIR file (or one on standard input): read (up to the limit
    for one file read whole) and read as the plain file would be."""
    try:
        data = handle.read(MAX_STREAM_BYTES + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise _Unreadable(f"the compressed data is damaged ({_why(exc)})") from None
    if len(data) > MAX_STREAM_BYTES:
        yield _whole(name, f"decompressed, it is over the {MAX_STREAM_BYTES:,}-byte limit "
                           "for one intake file; not read")
        return
    text, problem = decode(name, data)
    if problem is not None:
        yield _whole(name, problem.message)
        return
    yield from fhir.records_from_text(text, name, kb)


# ------------------------------------------------------------------ JSON Lines


def jsonl_records(lines, name: str) -> Iterator:
    """One record per non-blank line of a JSON Lines stream (bytes lines)."""
    seen = False
    read = _LineReader(name)   # what every line needs, looked up once per file
    base = read.stem
    for number, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        seen = True
        if len(raw) > MAX_FILE_BYTES:
            yield Record(f"{base}#{number}", name, number, problems=[Problem(
                name, f"line is over the {MAX_FILE_BYTES:,}-byte "
                      "limit for one intake; not read", line=number)])
            continue
        yield read(raw, number)
    if not seen:
        yield Record(base, name, 1, problems=[Problem(
            name, "empty file: no intakes (JSON Lines: one intake object per line)",
            line=1)])


class _LineReader:
    """Reads one line of a JSON Lines file into a Record.  The file's stem and
    whether its name is a spreadsheet's are found once per file, not per line."""

    def __init__(self, name: str):
        self.name, self.stem = name, stem(name)
        self.spreadsheet = Path(name).suffix.lower() in SPREADSHEETS   # as core.files.decode

    def __call__(self, raw: bytes, number: int):
        name = self.name
        default = f"{self.stem}#{number}"
        try:
            text = as_text(raw, spreadsheet=self.spreadsheet)
        except NotText as exc:   # the warning signs the line still plainly answers
            return Record(default, name, number, problems=[Problem(
                name, exc.message, line=number)],
                partial=warning_signs(raw.decode("utf-8", "replace")))
        try:
            data = loads(text)
        except JsonError as exc:   # the warning signs the line still plainly answers
            return Record(default, name, number, problems=[Problem(
                name, exc.message, line=number, column=exc.column)],
                partial=warning_signs(text))
        if not isinstance(data, dict):
            return Record(default, name, number, problems=[Problem(
                name, "expected an intake object ({...}) on this line; got "
                      f"{_json_kind(data)}", line=number)])
        rid = data.get("id")
        try:  # a rejected id is never shown as the id
            rid = ID.check(rid) if isinstance(rid, str) else default
        except Invalid:
            rid = default
        intake, invalid = schema.validate(data)
        problems = [Problem(name, exc.message, format_path(exc.path), number)
                    for exc in invalid]
        if problems:   # fail safe: a warning sign answered yes is still acted on
            return Record(rid, name, number, problems=problems, partial=schema.salvage(data))
        return Record(rid, name, number, intake)


def _json_kind(value) -> str:
    return {list: "a list", str: "text", bool: "true/false"}.get(
        type(value), "a number" if isinstance(value, (int, float)) else "null")
