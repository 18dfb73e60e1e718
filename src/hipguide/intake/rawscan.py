"""Warning signs read from the raw text of a document that cannot be parsed
(fail safe): a YAML or JSON syntax error, a duplicate key in JSON, a FHIR
response cut short must not lose a "yes" to a warning sign.

The scan is conservative.  It reads only:

* ``key: value`` pairs (YAML block or flow style, JSON) whose key is a warning
  sign (a yes/no field of ``symptoms`` or a yes/no risk marker at the top
  level) and whose value is one plain yes word (``yes``, ``true``, ``y``, ...),
  alone up to the end of the line or a comment (or, inside ``{...}``, up to
  ``,`` or ``}``); and ``age`` / ``hip_pain`` as a plain whole number in range;
* FHIR items whose ``linkId`` is such a field, answered ``valueBoolean: true``
  (or a Coding / text saying yes, or a whole number for age and pain).

Nothing else counts: a comment, text inside quotes or a block scalar (``|``,
``>``), a key that follows another key on its line, a value with more words
after it, "no", "maybe".  A field answered both yes and no reads as yes (the
same rule as a duplicate key).  The answers found are only ever used to refer
(``Assessor.assess_invalid``): a document read this way never gets exercises.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from ..core import contract as schema
from ..core.schema_types import Boolean

# the words read as "yes": the salvage words, and YAML 1.1's "on"
YES_WORDS = schema.AFFIRMATIVE | {"on"}
LOINC_YES = "LA33-6"
MAX_SCAN_CHARS = 10_000_000     # the largest file read whole (a FHIR Bundle)
_WHOLE = re.compile(r"(?:0|[1-9][0-9]{0,2})")
_KEY_PRECEDERS = ("-", "?", "{", ",")   # what may stand before a key on its line


def _fields() -> dict:
    """name -> (intake path, spec) of every field the scan reads."""
    out = {}
    for name, spec in schema.SCHEMA.fields.items():
        if isinstance(spec, Boolean) or name == "age":
            out[name] = ((name,), spec)
    for name, spec in schema.SYMPTOMS.fields.items():
        if isinstance(spec, Boolean) or name == "hip_pain":
            assert name not in out, name   # one name, one field
            out[name] = (("symptoms", name), spec)
    return out


FIELDS = _fields()
BY_LINK = {".".join(path): (path, spec) for path, spec in FIELDS.values()}


class _Tok:
    """One token: kind word | str | punct | eol; line 1-based, column 0-based."""

    __slots__ = ("kind", "text", "line", "column")

    def __init__(self, kind: str, text: str, line: int, column: int):
        self.kind, self.text, self.line, self.column = kind, text, line, column


_BLOCK = re.compile(r"[|>][0-9+-]*")
# a plain word: up to a space, or a ':' that ends a key (and in flow style , { } [ ])
_WORD_BLOCK = re.compile(r"(?:[^ \t:]|:(?![ \t]|$))+")
_WORD_FLOW = re.compile(r"(?:[^ \t:,{}\[\]]|:(?![ \t,\]}]|$))+")


def _tokens(text: str) -> Iterator[_Tok]:
    """The text's tokens, line by line, one at a time: comments dropped, each
    quoted string one ``str`` token (a quote never closed is taken to end at its
    line's end: the likely syntax error), a block scalar's lines (after
    ``key: |``) dropped.  Linear in the text: a quote found never to close is
    not looked for again."""
    lines = text.split("\n")
    flow = 0
    block_indent = None        # lines indented deeper than this are a block scalar
    unclosed = {}              # quote -> the line from which it is known never to close
    n = 0
    while n < len(lines):
        line = lines[n].rstrip("\r")
        n += 1
        if block_indent is not None:
            stripped = line.lstrip(" \t")
            if not stripped or len(line) - len(stripped) > block_indent:
                continue
            block_indent = None
        first = last = before_last = None      # this line's first and last two tokens
        pos = 0
        while pos < len(line):
            c = line[pos]
            if c in " \t":
                pos += 1
                continue
            if c == "#" and (pos == 0 or line[pos - 1] in " \t"):
                break                                    # a comment
            nxt = line[pos + 1:pos + 2]
            at_start = last is None or last.kind == "punct"
            if c in "{[" and (flow or at_start):
                tok = _Tok("punct", c, n, pos)
                flow += 1
                pos += 1
            elif c in "}]":
                flow = max(0, flow - 1)
                tok = _Tok("punct", c, n, pos)
                pos += 1
            elif c == "," and flow:
                tok = _Tok("punct", c, n, pos)
                pos += 1
            elif (c in ":-?" and nxt in ("", " ", "\t")) or (c == ":" and (
                    (last is not None and last.kind == "str") or (flow and nxt in ",]}"))):
                tok = _Tok("punct", c, n, pos)
                pos += 1
            elif c in "\"'" and at_start:
                end, n_end = _string_end(lines, n - 1, pos, c, unclosed)
                if n_end != n - 1:          # closed on a later line: go on from there
                    tok = _Tok("str", "\n", n, pos)          # never a key or value
                    n = n_end + 1
                    line = lines[n_end].rstrip("\r")
                else:
                    tok = _Tok("str", line[pos + 1:end] if end < len(line) else "\n", n, pos)
                pos = end + 1
            else:
                match = (_WORD_FLOW if flow else _WORD_BLOCK).match(line, pos)
                start, pos = pos, match.end() if match else pos + 1
                tok = _Tok("word", line[start:pos], n, start)
            yield tok
            if first is None or (first.text == "-" and tok.text != "-" and
                                 first.kind == "punct"):
                first = tok                    # a list item's key, past its '-'
            before_last, last = last, tok
        yield _Tok("eol", "", n, len(line))
        # `key: |` or `- >-`: the lines after it, indented deeper, are text
        if last is not None and last.kind == "word" and _BLOCK.fullmatch(last.text) and \
                (before_last is None or before_last.text in (":", "-")):
            block_indent = first.column


def _string_end(lines: list, n: int, pos: int, quote: str, unclosed: dict) -> tuple[int, int]:
    """(column, line index) of the quote closing the string opened at lines[n][pos];
    (len of the line, n) when it is never closed."""
    k, i = n, pos + 1
    while k < len(lines) and k < unclosed.get(quote, len(lines)):
        line = lines[k].rstrip("\r")
        end = _closing(line, i, quote)
        if end >= 0:
            return end, k
        k, i = k + 1, 0
    unclosed[quote] = min(unclosed.get(quote, len(lines)), n)
    return len(lines[n].rstrip("\r")), n


def _closing(line: str, start: int, quote: str) -> int:
    """The column of the quote that closes a string in line from start ('' and
    \\" are escapes), or -1."""
    i = start
    while True:
        j = line.find(quote, i)
        if j < 0:
            return -1
        if quote == "'":
            if line[j + 1:j + 2] == "'":
                i = j + 2
                continue
            return j
        b = j
        while b > start and line[b - 1] == "\\":
            b -= 1
        if (j - b) % 2 == 0:
            return j
        i = j + 1


def _value(spec, tok: _Tok):
    """The answer a value token gives for a field, or None (nothing clear)."""
    if isinstance(spec, Boolean):
        return True if tok.text.strip().lower() in YES_WORDS else None
    if tok.kind == "word" and _WHOLE.fullmatch(tok.text):
        number = int(tok.text)
        return number if spec.low <= number <= spec.high else None
    return None


class _Pairs:
    """Clear ``key: value`` pairs, fed one token at a time: the key first on its
    line (or after '-', '?', '{', ','), one value, then the line's end (or, in
    flow style, ',', '}' or ']')."""

    def __init__(self, found: list):
        self.found = found
        self.window: list = [None] * 5

    def feed(self, tok: _Tok):
        w = self.window
        w.pop(0)
        w.append(tok)
        before, key, colon, value, after = w
        if key is None or key.kind not in ("word", "str") or key.text not in FIELDS:
            return
        if colon.kind != "punct" or colon.text != ":" or value.kind not in ("word", "str") \
                or value.line != key.line:
            return
        if not (after.kind == "eol" or (after.kind == "punct" and after.text in ",}]")):
            return
        if not (before is None or before.kind == "eol"
                or (before.kind == "punct" and before.text in _KEY_PRECEDERS)):
            return                       # a key after a key or a value is not clear
        path, spec = FIELDS[key.text]
        answer = _value(spec, value)
        if answer is not None:
            self.found.append((path, answer))


@dataclass
class _Frame:
    kind: str                     # { or [
    in_answer: bool
    link: str | None = None
    said: list = field(default_factory=list)   # answers inside, not yet claimed


class _Fhir:
    """FHIR items with a warning-sign linkId answered plainly, fed one token at
    a time: the answers inside an item's ``answer`` belong to the nearest
    object around them that has a linkId, whatever the key order."""

    def __init__(self, found: list):
        self.found = found
        self.stack = [_Frame("{", False)]
        self.key = None
        self.pending = None        # a word or string: a key if ':' follows, else a value

    def feed(self, tok: _Tok):
        if tok.kind == "eol":
            return
        pending, self.pending = self.pending, None
        if tok.kind == "punct" and tok.text == ":":
            if pending is not None:
                self.key = pending.text
            return
        if pending is not None:
            self._value(pending)
        if tok.kind in ("word", "str"):
            self.pending = tok
            return
        if tok.text in "{[":
            top = self.stack[-1]
            inside = (top.in_answer or self.key == "answer") and self.key != "item"
            if len(self.stack) < 200:
                self.stack.append(_Frame(tok.text, inside))
            self.key = None
        elif tok.text in "}]":
            if len(self.stack) > 1:
                self._close()
            self.key = None
        else:
            self.key = None

    def _value(self, tok: _Tok):
        key, top = self.key, self.stack[-1]
        self.key = None
        if key == "linkId" and tok.kind == "str" and top.kind == "{":
            top.link = tok.text
        elif top.in_answer and ((key == "valueBoolean" and tok.text == "true") or key in (
                "valueString", "code", "display", "valueInteger", "valueDecimal")):
            if key in ("code", "display") and tok.text == LOINC_YES:
                tok = _Tok("word", "yes", tok.line, tok.column)
            if len(top.said) < 20:
                top.said.append(tok)

    def _close(self):
        frame = self.stack.pop()
        if frame.kind == "{" and frame.link is not None:
            if frame.link in BY_LINK:
                path, spec = BY_LINK[frame.link]
                for said in frame.said:
                    answer = _value(spec, said)
                    if answer is not None:
                        self.found.append((path, answer))
        elif len(self.stack[-1].said) < 20:
            self.stack[-1].said.extend(frame.said[:20])

    def finish(self):
        if self.pending is not None:
            self._value(self.pending)
        while len(self.stack) > 1:
            self._close()


def warning_signs(text: str) -> dict | None:
    """The answers a document that cannot be parsed still plainly gives (an
    intake as ``contract.salvage`` returns it), or None when it gives no
    warning sign or pain score."""
    if not text or len(text) > MAX_SCAN_CHARS:
        return None
    found: list = []
    pairs, fhir = _Pairs(found), _Fhir(found)
    for tok in _tokens(text):
        pairs.feed(tok)
        fhir.feed(tok)
    pairs.feed(_Tok("eol", "", 0, 0))
    fhir.finish()
    answers: dict = {}
    for path, value in found:
        *parents, name = path
        into = answers
        for p in parents:
            into = into.setdefault(p, {})
        if value is True or name not in into:
            into[name] = value
        elif name == "hip_pain":
            into[name] = max(into[name], value)       # the worse pain counts
        elif into[name] != value:
            into[name] = None                          # two ages: neither is used
    answers = {k: v for k, v in answers.items() if v is not None}
    if "symptoms" in answers:
        answers["symptoms"] = {k: v for k, v in answers["symptoms"].items() if v is not None}
    if not answers.get("symptoms"):
        return None
    return schema.SCHEMA.build(answers)
