"""Checks on YAML text *before* PyYAML composes it, and the split of a stream into
documents.

libyaml's parser keeps its own stacks, but PyYAML's C composer recurses once per
nesting level: ~30,000 levels (60 KB of ``[[[[``) overflow the C stack and kill
the process outright (SIGSEGV), long before ``yamlload.MAX_DEPTH`` is looked at.
``too_deep`` finds such input first: a count of the characters that can open a
collection bounds the depth from above (a few microseconds); only when that bound
is high is the text walked as libyaml *events* (no recursion, and strings,
comments and block scalars are understood exactly as the parser understands them).

``split_units`` cuts a stream at its ``---`` and ``...`` lines so that every
document is parsed on its own: a syntax error in one document costs only that
document, a file of 50,000 documents is parsed one document at a time, and the
parent process can hand a large file's documents to several workers.  (YAML
forbids ``---``/``...`` at the start of a line inside a document's content, so
the split is the parser's own.)  ``stream_units`` makes the same cut on a
file's bytes, read a line at a time (``byte_lines``: every YAML line break,
``\n``, ``\r\n``, ``\r``, NEL, LS and PS, ends a line), decoding each
document on its own: every file and standard input is read this way, so
memory holds one document whatever the size, and a NUL or undecodable byte
costs only its document.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import yaml

# a document nested deeper than this is refused before composing; MAX_DEPTH (32)
# is checked, with field and position, while building, so this is only a margin
PRESCAN_DEPTH = 64
# documents read from one file; the rest are reported as not read
MAX_DOCUMENTS = 100_000

_OPENERS = "[{-?:"
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STARTS = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
_ENDS = (yaml.SequenceEndEvent, yaml.MappingEndEvent)
# a document marker: '---' or '...' at the start of a line, then a space or the end
_MARKER = re.compile(r"^(---|\.\.\.)(?=[ \t\r\n\x85\u2028\u2029]|\Z)", re.MULTILINE)
_CONTENT = re.compile(r"^[ \t]*[^\s#%]|^[ \t]+%", re.MULTILINE)
_BREAKS = re.compile(r"\r\n?|[\n\x85\u2028\u2029]")
_ODD_BREAKS = re.compile(r"[\r\x85\u2028\u2029]")


def too_deep(text: str, limit: int = PRESCAN_DEPTH):
    """None, or the (line, column), 1-based, where ``text`` (one YAML document or
    stream) first opens a collection more than ``limit`` levels deep. Syntax
    errors are left to the composer, which reports them properly."""
    if sum(text.count(c) for c in _OPENERS) < limit:
        return None                      # every level needs one of these characters
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_LOADER):
            if isinstance(event, _STARTS):
                depth += 1
                if depth > limit:
                    mark = event.start_mark
                    return mark.line + 1, mark.column + 1
            elif isinstance(event, _ENDS):
                depth -= 1
    except yaml.YAMLError as exc:
        # newer libyaml (PyYAML 6.0.4 wheels) stops at its own nesting limit while
        # scanning ahead, before we see the event that crosses ours
        if parser_depth_limit(exc):
            mark = exc.problem_mark
            return mark.line + 1, mark.column + 1
        return None
    return None


def parser_depth_limit(exc: yaml.YAMLError) -> bool:
    """True when exc is the parser's own nesting-depth limit (libyaml 0.2.5+), which
    is our "nested too deep", not a syntax error."""
    problem = getattr(exc, "problem", None) or ""
    return "nesting depth" in problem and getattr(exc, "problem_mark", None) is not None


@dataclass(frozen=True)
class Unit:
    """One document's text; ``line`` is the 0-based line it starts on in the file.
    ``text`` None marks the documents over MAX_DOCUMENTS (not read)."""

    index: int          # 1-based document number in the file
    line: int
    text: str | None
    problem: tuple | None = None   # (message, 0-based line): why the text cannot be read


def _lines(text: str, odd: bool) -> int:
    return len(_BREAKS.findall(text)) if odd else text.count("\n")


def split_units(text: str, max_documents: int = MAX_DOCUMENTS) -> Iterator[Unit]:
    """The documents of a YAML stream, one at a time, each with its text and first
    line. Comment-only and directive-only stretches go with the next document; a
    stream of comments alone has no documents. After ``max_documents`` one last
    Unit with ``text`` None stands for the rest."""
    odd = _ODD_BREAKS.search(text) is not None   # \r, NEL, LS, PS count as line breaks
    if odd:
        marker = re.compile(r"(?:^|(?<=[\r\n\x85\u2028\u2029]))(---|\.\.\.)"
                            r"(?=[ \t\r\n\x85\u2028\u2029]|\Z)")
    else:
        marker = _MARKER
    start = 0          # where the pending piece starts
    line = 0           # its first line
    index = 0

    def cuts():
        for match in marker.finditer(text):
            if match.group(1) == "---":
                yield match.start()
            else:   # '...' ends a document: cut after its line
                end = _BREAKS.search(text, match.end())
                yield end.end() if end else len(text)
        yield len(text)

    for cut in cuts():
        if cut <= start:
            continue
        piece = text[start:cut]
        if not piece.startswith("---") and _CONTENT.search(piece) is None:
            if cut == len(text) and "%" in piece and _has_directive(piece):
                pass         # directives with no document after them: let the parser say so
            else:
                continue     # comments/directives only: they go with the next document
        index += 1
        if index > max_documents:
            yield Unit(index, line, None)
            return
        yield Unit(index, line, piece)
        line += _lines(piece, odd)
        start = cut


def _has_directive(piece: str) -> bool:
    return any(row.startswith("%") for row in piece.splitlines())


_LINE_MARKER = re.compile(rb"(---|\.\.\.)(?:[ \t\r\n]|\xc2\x85|\xe2\x80[\xa8\xa9]|$)")
# a YAML line break in UTF-8: LF, CRLF, CR, NEL (U+0085), LS (U+2028), PS (U+2029)
_BREAK_BYTES = re.compile(rb"\r\n|\r|\n|\xc2\x85|\xe2\x80[\xa8\xa9]")
READ_BYTES = 1 << 16


def byte_lines(chunks: Iterable[bytes], cap: int) -> Iterator[bytes]:
    """The lines of a byte stream given in chunks, each with its line break (any
    of YAML's).  A line longer than ``cap`` bytes is cut to ``cap`` (the rest is
    skipped), so memory stays bounded even when a file has no line breaks."""
    buffer = b""
    skipping = False
    for chunk in chunks:
        buffer += chunk
        start = 0
        for match in _BREAK_BYTES.finditer(buffer):
            if match.group() == b"\r" and match.end() == len(buffer):
                break        # perhaps the first half of \r\n: wait for the next chunk
            if skipping:
                skipping = False      # the end of a line already cut
            else:
                yield buffer[start:match.end()]
            start = match.end()
        buffer = buffer[start:]
        if len(buffer) > cap:
            if not skipping:
                yield buffer[:cap]
                skipping = True
            buffer = buffer[-2:]     # (a break may straddle chunks)
    if buffer and not skipping:
        yield buffer


def file_chunks(handle) -> Iterator[bytes]:
    """A binary file's bytes, READ_BYTES at a time."""
    while True:
        chunk = handle.read(READ_BYTES)
        if not chunk:
            return
        yield chunk


def _breaks(data: bytes) -> int:
    return len(_BREAK_BYTES.findall(data))


def stream_units(lines: Iterable[bytes], max_chars: int,
                 max_documents: int = MAX_DOCUMENTS) -> Iterator[Unit]:
    """``split_units`` for a stream read one line (``byte_lines``) at a time, so
    that memory holds one document, not the file.  A document longer than
    ``max_chars`` is cut just past the limit (so the parser's size check refuses
    it) and the rest of it skipped.  Each document is decoded on its own: one
    that is not UTF-8 text, or holds NUL bytes, carries that ``problem`` and
    costs only itself."""
    index = 0
    line = 0              # the 0-based line the pending piece starts on
    count = 0             # lines read so far
    pending: list = []
    size = 0

    def take():
        nonlocal pending, size, line, index
        data = b"".join(pending)
        if index == 0 and not line:
            data = data.removeprefix(b"\xef\xbb\xbf")   # a BOM at the start of the file
        problem = None
        if b"\x00" in data:
            problem = ("binary data (NUL bytes): not a text document",
                       line + _breaks(data[:data.index(b"\x00")]))
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            text = data.decode("utf-8", "replace")
            problem = problem or (f"not UTF-8 text: byte 0x{data[exc.start]:02x} cannot be "
                                  "decoded; save the file as UTF-8",
                                  line + _breaks(data[:exc.start]))
        if problem is None and not text.startswith("---") and _CONTENT.search(text) is None:
            return None   # comments/directives only: they go with the next document
        index += 1
        unit = Unit(index, line, text if index <= max_documents else None, problem)
        pending, size, line = [], 0, count
        return unit

    for raw in lines:
        marker = _LINE_MARKER.match(raw)
        if marker and marker.group(1) == b"---" and pending:
            unit = take()
            if unit is not None:
                yield unit
                if unit.text is None:
                    return
        if size <= max_chars:
            pending.append(raw)
            size += len(raw)
        count += 1
        if marker and marker.group(1) == b"...":
            unit = take()
            if unit is not None:
                yield unit
                if unit.text is None:
                    return
    if pending:
        unit = take()
        if unit is not None:
            yield unit
