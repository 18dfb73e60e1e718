"""Turn command-line PATHs into intake records, one per YAML document.

Nothing here raises for bad input: every problem becomes part of a record, so
one broken file never hides the good ones beside it.
"""

from __future__ import annotations

import stat
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..problems import Problem, format_path
from . import contract as schema
from .yamlload import parse_documents

MAX_FILE_BYTES = 1_000_000
SUFFIXES = (".yaml", ".yml", ".json", ".csv")


@dataclass
class Record:
    """One intake as read: valid data, or the problems that stop it."""

    id: str
    source: str
    document: int
    intake: dict | None = None
    problems: list = field(default_factory=list)


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
        return
    for name, is_dir in entries:
        child = directory / name
        if is_dir:
            yield from _walk(child)
        elif child.suffix in SUFFIXES:
            yield child


def read_text(name: str, path: Path | None) -> tuple[str | None, Problem | None]:
    """The file's text, or the one problem that stops it being read."""
    try:
        if path is None:
            data = sys.stdin.buffer.read(MAX_FILE_BYTES + 1)
        else:
            # one stat before opening (a FIFO or device must not be opened at all)
            try:
                info = path.stat()
            except (FileNotFoundError, NotADirectoryError):
                if path.is_symlink():
                    return None, Problem(name, "broken symbolic link: its target does not exist")
                return None, Problem(name, "no such file or directory")
            if stat.S_ISDIR(info.st_mode):
                return None, Problem(name, "no intake files (*.yaml, *.yml, *.json, *.csv) in "
                                           "this directory")
            if not stat.S_ISREG(info.st_mode):
                return None, Problem(name, "not a regular file")
            if info.st_size > MAX_FILE_BYTES:
                return None, Problem(name, f"file is {info.st_size:,} bytes, over the "
                                           f"{MAX_FILE_BYTES:,}-byte limit for one intake "
                                           "file; not read")
            with path.open("rb") as handle:
                data = handle.read(MAX_FILE_BYTES + 1)
    except PermissionError:
        return None, Problem(name, "permission denied: the file cannot be read")
    except OSError as exc:
        return None, Problem(name, f"cannot read: {exc.strerror or exc}")
    if len(data) > MAX_FILE_BYTES:
        return None, Problem(name, f"input is over the {MAX_FILE_BYTES:,}-byte limit for one "
                                   "intake file; not read")
    if b"\x00" in data:
        return None, Problem(name, "binary data (NUL bytes): not a text file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        return None, Problem(name, f"not UTF-8 text: byte 0x{data[exc.start]:02x} cannot be "
                                   "decoded; save the file as UTF-8", line=line)
    return text, None


def _stem(name: str) -> str:
    return "stdin" if name == "<stdin>" else Path(name).stem


def records_from_text(text: str, name: str) -> list[Record]:
    """The records of one file's text; the reader is chosen by the file's suffix
    (standard input is YAML)."""
    reader = _READERS.get(Path(name).suffix.lower()) if name != "<stdin>" else None
    if reader is not None:
        return reader(text, name)
    return yaml_records(text, name)


def _json_records(text: str, name: str) -> list[Record]:
    from .fhir import records_from_text as read

    return read(text, name)


def _csv_records(text: str, name: str) -> list[Record]:
    from .csvsheet import records_from_text as read

    return read(text, name)


# file suffix -> reader of its text; anything else (and standard input) is YAML
_READERS = {".json": _json_records, ".csv": _csv_records}


def yaml_records(text: str, name: str) -> list[Record]:
    docs = list(parse_documents(text, name))
    if not docs:
        return [Record(_stem(name), name, 1, problems=[Problem(
            name, "empty file: no intake documents", line=1)])]
    many = len(docs) > 1
    out = []
    for doc in docs:
        default_id = _stem(name) + (f"#{doc.index}" if many else "")
        number = doc.index if many else None
        if doc.problems:
            out.append(Record(default_id, name, doc.index, problems=[
                Problem(p.source, p.message, p.field, p.line, p.column, number)
                for p in doc.problems]))
            continue
        data = doc.data
        rid = data.get("id") if isinstance(data, dict) else None
        rid = rid if isinstance(rid, str) and rid.strip() else default_id
        if data is None:
            out.append(Record(rid, name, doc.index, problems=[Problem(
                name, "empty document: expected an intake mapping (at least sitting_hours)",
                line=doc.mark(())[0], column=doc.mark(())[1], document=number)]))
            continue
        intake, invalid = schema.validate(data)
        problems = []
        for exc in invalid:
            line, col = doc.mark(exc.path, key=exc.key)
            problems.append(Problem(name, exc.message, format_path(exc.path), line, col, number))
        out.append(Record(rid, name, doc.index, intake, problems))
    return out


def file_records(name: str, path: Path | None, text: str | None = None) -> list[Record]:
    """The records of one input file (as ``expand`` names it); ``text``, when given,
    is its already-read content (how worker processes get standard input)."""
    if text is None:
        text, problem = read_text(name, path)
        if problem is not None:
            return [Record(_stem(name), name, 1, problems=[problem])]
    return records_from_text(text, name)


def records(paths: Iterable[str]) -> Iterator[Record]:
    """Every intake record from paths, in input order."""
    for name, path in expand(paths):
        yield from file_records(name, path)
