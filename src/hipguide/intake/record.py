"""The intake record, what every reader produces, and the limits and names
they share."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..core import contract as schema
from ..core.encoding import note
from ..core.problems import Problem

MAX_FILE_BYTES = 1_000_000        # one intake document
# a YAML file or standard input read a document at a time: 100,000 documents of
# ~5 KB; beyond it, the rest is reported as not read
MAX_YAML_STREAM_BYTES = 500_000_000
MAX_SHEET_BYTES = 500_000_000     # a CSV sheet, read as a stream
SUFFIXES = (".yaml", ".yml", ".json", ".csv", ".tsv", ".xlsx", ".jsonl",
            ".parquet")  # and each text one + ".gz"
WORKBOOKS = (".xlsx",)     # binary: read from the path by intake/xlsxsheet.py
ID = schema.SCHEMA.fields["id"]
# the first line of a text report (``score`` without --format): "== id (file) =="
TEXT_REPORT = re.compile(r"\A\ufeff?== .* \(.*\) ==\r?\n")


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


@functools.lru_cache(maxsize=256)
def default_stem(name: str) -> str:
    return "stdin" if name == "<stdin>" else Path(name.removesuffix(".gz")).stem


def default_id(name: str, index: int, many: bool) -> str:
    return default_stem(name) + (f"#{index}" if many else "")


def noted(records: Iterable[Record], encoding: str | None, name: str) -> Iterator[Record]:
    """records, the first one carrying a note naming the file's encoding when it
    was not UTF-8."""
    for k, record in enumerate(records):
        if k == 0 and encoding:
            record.notes.insert(0, Problem(name, note(encoding)))
        yield record
