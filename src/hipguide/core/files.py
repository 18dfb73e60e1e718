"""Reading a whole file safely: only a regular file is opened, never more than
a limit, and the bytes decoded to text (UTF-8, or a spreadsheet's Windows
code page) or refused with the one problem that says why."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

from .encoding import NotText
from .encoding import decode as as_text
from .problems import Problem

MAX_STREAM_BYTES = 10_000_000     # a file read whole (FHIR, CSV; YAML up to this size)
SPREADSHEETS = (".csv", ".tsv")   # may be Windows-1252 (Excel's plain CSV)


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
                return None, Problem(name, directory_problem(path))
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
    try:
        return as_text(data, spreadsheet=Path(name).suffix.lower() in SPREADSHEETS), None
    except NotText as exc:
        return None, Problem(name, exc.message, line=exc.line)


def cannot_open(name: str, exc: OSError) -> Problem:
    """Why a file that passed its checks still could not be opened."""
    return Problem(name, "permission denied: the file cannot be read"
                   if isinstance(exc, PermissionError) else
                   f"cannot read: {exc.strerror or exc}")


def unopenable(name: str, path: Path, what: str, limit: int) -> Problem | None:
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


def directory_problem(path: Path) -> str:
    """Why a folder given as an intake file gave nothing to read."""
    try:
        with os.scandir(path):
            pass
    except PermissionError:
        return "permission denied: this folder cannot be listed, so its files were not read"
    except OSError as exc:
        return f"this folder cannot be listed ({exc.strerror or exc}), so its files were not read"
    return ("no intake files (*.yaml, *.yml, *.json, *.csv, *.tsv, *.xlsx, *.jsonl, *.parquet, "
            "or one of them .gz) in this directory")
