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

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..core import contract as schema
from ..core.files import SPREADSHEETS, read_text, unopenable
from ..core.prescan import split_units
from ..core.problems import Problem
from . import csvsheet, fhir, stdinput, xlsxsheet
from .bulk import file_records as bulk_records
from .bulk import handle_records as bulk_handle_records
from .bulk import is_bulk
from .record import (
    MAX_SHEET_BYTES,
    MAX_YAML_STREAM_BYTES,
    SUFFIXES,
    TEXT_REPORT,
    WORKBOOKS,
    Record,
    default_stem,
    noted,
)
from .yamlfile import file_units, yaml_records


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


def records_from_text(text: str, name: str, kb=None) -> Iterator[Record]:
    """The records of one file's text, one document at a time; the reader is
    chosen by the file's suffix (FHIR JSON, CSV; anything else and standard input
    are YAML)."""
    reader = READERS.get(Path(name).suffix.lower()) if name != "<stdin>" else None
    if reader is not None:
        yield from reader(text, name, kb)
        return
    if TEXT_REPORT.match(text):
        problem = Problem(name, schema.NOT_AN_INTAKE, "", 1)
        yield Record(default_stem(name), name, 1, problems=[problem])
        return
    yield from yaml_records(split_units(text), name)


def is_yaml(name: str) -> bool:
    """Whether a file is read as YAML documents (and may be split between workers)."""
    return name == "<stdin>" or (Path(name).suffix.lower() not in (*READERS, *WORKBOOKS)
                                 and not is_bulk(name))


# file suffix -> reader of its text; anything else (and standard input) is YAML
READERS = {".json": fhir.records_from_text, ".csv": csvsheet.records_from_text,
           ".tsv": csvsheet.records_from_text}


def file_records(name: str, path: Path | None, text: str | None = None,
                 kb=None) -> Iterator[Record]:
    """The records of one input file (as ``expand`` names it), one at a time;
    ``text``, when given, is its already-read content; FHIR responses are read
    against the questionnaire of the knowledge-base folder ``kb`` (None: the
    default)."""
    if text is None and path is not None and is_bulk(name):
        yield from bulk_records(name, path, kb)   # JSON Lines, Parquet, gzip: streamed
        return
    if text is None and path is not None and Path(name).suffix.lower() in WORKBOOKS:
        problem = unopenable(name, path, "workbook", MAX_YAML_STREAM_BYTES)
        if problem is not None:
            yield Record(default_stem(name), name, 1, problems=[problem])
            return
        yield from xlsxsheet.file_records(name, path)
        return
    if text is None and path is not None and Path(name).suffix.lower() in SPREADSHEETS:
        yield from _sheet_records(name, path)
        return
    piped = stdinput.open_stdin() if text is None and path is None else None
    if piped and piped.kind != stdinput.YAML:
        yield from bulk_handle_records(name, piped.stream, piped.kind, kb)
        return
    if text is None:
        if is_yaml(name):
            units, problem = file_units(name, path, piped and piped.stream)
            if problem is None:
                yield from noted(yaml_records(units, name), getattr(units, "encoding", None),
                                 name)
                return
        else:
            text, problem = read_text(name, path)
        if problem is not None:
            yield Record(default_stem(name), name, 1, problems=[problem])
            return
    yield from noted(records_from_text(text, name, kb), getattr(text, "encoding", None), name)


def _sheet_records(name: str, path: Path) -> Iterator[Record]:
    """A CSV sheet's records, read as a stream (a sheet may hold 1,000,000 rows)."""
    problem = unopenable(name, path, "sheet", MAX_SHEET_BYTES)   # only a regular file is opened
    if problem is not None:
        yield Record(default_stem(name), name, 1, problems=[problem])
        return
    try:
        yield from csvsheet.streamed_records(name, lambda: path.open("rb"), MAX_SHEET_BYTES)
    except (OSError, UnicodeDecodeError) as exc:   # unreadable, or changed while read
        message = ("permission denied: the file cannot be read"
                   if isinstance(exc, PermissionError) else
                   f"cannot read the rest of the file: {getattr(exc, 'strerror', None) or exc}")
        yield Record(default_stem(name), name, 1, problems=[Problem(name, message)])


def records(paths: Iterable[str], kb=None) -> Iterator[Record]:
    """Every intake record from paths, in input order; FHIR responses are read
    against the questionnaire of the knowledge base ``kb`` (None: the default)."""
    for name, path in expand(paths):
        yield from file_records(name, path, kb=kb)
