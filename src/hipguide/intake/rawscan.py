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
from dataclasses import dataclass, field

from . import contract as schema

# the words read as "yes": the salvage words, and YAML 1.1's "on"
YES_WORDS = schema.AFFIRMATIVE | {"on"}
LOINC_YES = "LA33-6"
MAX_SCAN_CHARS = 1_000_000      # one document's text (the reader's own limit)
_WHOLE = re.compile(r"(?:0|[1-9][0-9]{0,2})")
_KEY_PRECEDERS = ("-", "?", "{", ",")   # what may stand before a key on its line


def _fields() -> dict:
    """name -> (intake path, spec) of every field the scan reads."""
    out = {}
    for name, spec in schema.SCHEMA.fields.items():
        if isinstance(spec, schema.Boolean) or name == "age":
            out[name] = ((name,), spec)
    for name, spec in schema.SYMPTOMS.fields.items():
        if isinstance(spec, schema.Boolean) or name == "hip_pain":
            assert name not in out, name   # one name, one field
            out[name] = (("symptoms", name), spec)
    return out


FIELDS = _fields()
BY_LINK = {".".join(path): (path, spec) for path, spec in FIELDS.values()}


@dataclass
class _Tok:
    kind: str          # word | str | punct | eol
    text: str
    line: int          # 1-based
    column: int        # 0-based
    flow: int = 0      # flow ({ [) depth before the token


def _tokens(text: str) -> list:
    """The text's tokens, line by line: comments dropped, each quoted string one
    ``str`` token (a quote never closed is taken to end at its line's end: the
    likely syntax error), a block scalar's lines (after ``key: |``) dropped."""
    lines = text.split("\n")
    out: list[_Tok] = []
    flow = 0
    block_indent = None        # lines indented deeper than this are a block scalar
    n = 0
    while n < len(lines):
        line = lines[n].rstrip("\r")
        n += 1
        if block_indent is not None:
            stripped = line.lstrip(" \t")
            if not stripped or len(line) - len(stripped) > block_indent:
                continue
            block_indent = None
        first = len(out)
        pos = 0
        while pos < len(line):
            c = line[pos]
            if c in " \t":
                pos += 1
                continue
            if c == "#" and (pos == 0 or line[pos - 1] in " \t"):
                break                                    # a comment
            if c in "{[" and (flow or _quote_may_start(out, first)):
                out.append(_Tok("punct", c, n, pos, flow))
                flow += 1
                pos += 1
                continue
            if c in "}]":
                flow = max(0, flow - 1)
                out.append(_Tok("punct", c, n, pos, flow))
                pos += 1
                continue
            if c == "," and flow:
                out.append(_Tok("punct", c, n, pos, flow))
                pos += 1
                continue
            nxt = line[pos + 1:pos + 2]
            after_key = len(out) > first and out[-1].kind == "str"     # "key":value
            if c in ":-?" and nxt in ("", " ", "\t") or \
                    (c == ":" and (after_key or flow and nxt in ",]}")):
                out.append(_Tok("punct", c, n, pos, flow))
                pos += 1
                continue
            if c in "\"'" and _quote_may_start(out, first):
                end, n_end = _string_end(lines, n - 1, pos, c)
                if n_end != n - 1:          # closed on a later line: skip to it
                    out.append(_Tok("str", "\n", n, pos, flow))   # never a key or value
                    n = n_end + 1
                    line = lines[n_end].rstrip("\r")
                    first = len(out)
                    pos = end + 1
                    continue
                out.append(_Tok("str", line[pos + 1:end] if end < len(line) else "\n",
                                n, pos, flow))
                pos = end + 1
                continue
            start = pos
            while pos < len(line):
                ch = line[pos]
                if ch in " \t" or (flow and ch in ",{}[]"):
                    break
                if ch == ":" and (line[pos + 1:pos + 2] in ("", " ", "\t")
                                  or (flow and line[pos + 1:pos + 2] in ",]}")):
                    break
                pos += 1
            out.append(_Tok("word", line[start:pos], n, start, flow))
        out.append(_Tok("eol", "", n, len(line), flow))
        # `key: |` or `- >-`: the lines after it, indented deeper, are text
        if len(out) - first >= 2 and out[-2].kind == "word" and \
                re.fullmatch(r"[|>][0-9+-]*", out[-2].text) and \
                (len(out) - first == 2 or out[-3].text in (":", "-")):
            block_indent = out[first].column if out[first].text != "-" else \
                next((t.column for t in out[first:] if t.text != "-"), out[first].column)
    return out


def _quote_may_start(out: list, first: int) -> bool:
    """A quote starts a string only where a value or key may start (a line's
    start, after ':', '-', ',', '[', '{'); "it's" is a plain word."""
    return len(out) == first or out[-1].kind == "punct"


def _string_end(lines: list, n: int, pos: int, quote: str) -> tuple[int, int]:
    """(column, line index) of the quote closing the string opened at lines[n][pos];
    (len of the line, n) when it is never closed."""
    k, i = n, pos + 1
    while k < len(lines):
        line = lines[k].rstrip("\r")
        while i < len(line):
            ch = line[i]
            if quote == '"' and ch == "\\":
                i += 2
                continue
            if ch == quote:
                if quote == "'" and line[i + 1:i + 2] == "'":
                    i += 2
                    continue
                return i, k
            i += 1
        k, i = k + 1, 0
    return len(lines[n].rstrip("\r")), n


def _ends_value(tok: _Tok) -> bool:
    """Whether a value is alone: the line (or its comment) ends, or in flow
    style ({...}) the next entry starts."""
    return tok.kind == "eol" or (tok.kind == "punct" and tok.text in ",}]")


def _value(path: tuple, spec, tok: _Tok):
    """The answer a value token gives for a field, or None (nothing clear)."""
    if isinstance(spec, schema.Boolean):
        word = tok.text.strip().lower()
        return True if word in YES_WORDS else None
    if tok.kind == "word" and _WHOLE.fullmatch(tok.text):
        number = int(tok.text)
        return number if spec.low <= number <= spec.high else None
    return None


def _key_pairs(toks: list) -> list:
    """(path, value) of every clear ``key: value`` pair."""
    found = []
    for i in range(len(toks) - 3):
        key, colon, value, after = toks[i:i + 4]
        if key.kind not in ("word", "str") or colon.text != ":" or colon.kind != "punct":
            continue
        if key.text not in FIELDS or value.kind not in ("word", "str") \
                or value.line != key.line or not _ends_value(after):
            continue
        before = toks[i - 1] if i else None
        if not (before is None or before.kind == "eol"
                or (before.kind == "punct" and before.text in _KEY_PRECEDERS)):
            continue                     # a key after a key or value is not clear
        path, spec = FIELDS[key.text]
        answer = _value(path, spec, value)
        if answer is not None:
            found.append((path, answer))
    return found


@dataclass
class _Frame:
    kind: str                     # { or [
    in_answer: bool
    link: str | None = None
    said: list = field(default_factory=list)   # answers inside, not yet claimed


def _fhir_pairs(toks: list) -> list:
    """(path, value) of every FHIR item with a warning-sign linkId answered
    plainly: the answers inside an item's ``answer`` belong to the nearest
    object around them that has a linkId, whatever the key order."""
    found = []
    stack = [_Frame("{", False)]
    key = None

    def close():
        frame = stack.pop()
        if frame.kind == "{" and frame.link is not None:
            if frame.link in BY_LINK:
                path, spec = BY_LINK[frame.link]
                for said in frame.said:
                    answer = _value(path, spec, said)
                    if answer is not None:
                        found.append((path, answer))
        elif stack:
            stack[-1].said.extend(frame.said)

    for i, tok in enumerate(toks):
        if tok.kind == "eol" or (tok.kind == "punct" and tok.text == ":"):
            continue
        nxt = next((t for t in toks[i + 1:i + 3] if t.kind != "eol"), None)
        if tok.kind in ("word", "str") and nxt is not None and nxt.text == ":" \
                and nxt.kind == "punct":
            key = tok.text
            continue
        top = stack[-1]
        if tok.kind == "punct" and tok.text in "{[":
            inside = top.in_answer or key == "answer"
            stack.append(_Frame(tok.text, inside and key != "item"))
            key = None
            continue
        if tok.kind == "punct" and tok.text in "}]":
            if len(stack) > 1:
                close()
            key = None
            continue
        if tok.kind in ("word", "str") and key is not None:
            if key == "linkId" and tok.kind == "str" and top.kind == "{":
                top.link = tok.text
            elif top.in_answer and (
                    (key == "valueBoolean" and tok.text == "true")
                    or key in ("valueString", "code", "display")
                    or key in ("valueInteger", "valueDecimal")):
                if key in ("code", "display") and tok.text == LOINC_YES:
                    tok = _Tok("word", "yes", tok.line, tok.column)
                top.said.append(tok)
        key = None
    while len(stack) > 1:
        close()
    return found


def warning_signs(text: str) -> dict | None:
    """The answers a document that cannot be parsed still plainly gives (an
    intake as ``contract.salvage`` returns it), or None when it gives no
    warning sign or pain score."""
    if not text or len(text) > MAX_SCAN_CHARS:
        return None
    toks = _tokens(text)
    answers: dict = {}
    for path, value in _key_pairs(toks) + _fhir_pairs(toks):
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
