"""Standard input has no file name to choose its reader by, so its first bytes
choose: a JSON object naming a ``resourceType`` is a FHIR response (read as a
``.json`` file is), a first line holding a whole JSON object is JSON Lines (read
a line at a time, as a ``.jsonl`` file is), and anything else is YAML."""

from __future__ import annotations

import io
import json
import re
import sys
from typing import NamedTuple

from ..core.prescan import READ_BYTES

# each kind is the suffix of the files read the same way (bulk.handle_records)
JSON_LINES, FHIR, YAML = ".jsonl", ".json", ".yaml"
_RESOURCE = re.compile(rb'"resourceType"\s*:')


def kind(head: bytes) -> str:
    """Which reader the input starting with ``head`` needs."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text.startswith(b"{"):
        return YAML
    if _RESOURCE.search(text):
        return FHIR
    first = text.split(b"\n", 1)[0]
    try:
        value = json.loads(first)
    except (ValueError, UnicodeDecodeError):
        return YAML       # one object over several lines: YAML reads JSON too
    return JSON_LINES if isinstance(value, dict) else YAML


class Replay(io.RawIOBase):
    """A binary stream giving ``head`` (bytes already read from ``rest``) again,
    then the rest of ``rest``."""

    def __init__(self, head: bytes, rest):
        self._head, self._rest = head, rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n], self._head = self._head[:n], self._head[n:]
            return n
        data = self._rest.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)


class Piped(NamedTuple):
    kind: str                      # JSON_LINES, FHIR or YAML
    stream: io.BufferedReader      # all of standard input, its first bytes again


def open_stdin() -> Piped | None:
    """Standard input's kind, from its first bytes, and a stream giving all of it
    again; None when it is closed (``yamlfile.file_units`` says so)."""
    if sys.stdin is None:
        return None
    stdin = sys.stdin.buffer
    try:
        head = stdin.read(READ_BYTES)
    except (OSError, ValueError):
        head = b""          # file_units reads again and says why it cannot
    return Piped(kind(head), io.BufferedReader(Replay(head, stdin)))
