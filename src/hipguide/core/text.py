"""What a terminal or a spreadsheet receives from names and values we did not
write ourselves (file names, ids, values quoted in error messages).

- ``shown``: control characters (C0, DEL, C1), line and paragraph separators
  and the bidirectional overrides, embeddings, isolates and marks (U+202A-202E,
  U+2066-2069, U+200E/F, U+061C) and lone surrogates (a file name that is not
  UTF-8, a ``\\ud800`` escape in JSON) become visible escapes such as ``\\x1b``
  or ``\\u202e``, so a name can neither move the cursor, recolour the terminal,
  fake a report header on a new line, reverse the text around it, nor stop the
  report from being written (UTF-8 cannot encode a lone surrogate);
- ``clip_message``: a value quoted in a message is cut to 80 characters;
- ``csv_cell``: a cell a spreadsheet would run as a formula gets a leading
  ``'`` (OWASP's advice for CSV injection);
- ``json_text`` and ``YamlDumper``: JSON and YAML stay faithful data, with the
  same characters written as escapes.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata

_RISKY = (r"\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029"
          r"\u202a-\u202e\u2066-\u2069\ud800-\udfff")
_UNSAFE = re.compile(f"[\\t\\n{_RISKY}]")
_RISKY_ONLY = re.compile(f"[{_RISKY}]")     # tab and newline are fine inside data
MESSAGE_VALUE = 80
_QUOTED = re.compile(r"'(?:[^'\\\n]|\\.){78,}'|\"(?:[^\"\\\n]|\\.){78,}\"")


def _escape(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def shown(text) -> str:
    """text on one line, with every control or direction character escaped."""
    text = "" if text is None else str(text)
    return _UNSAFE.sub(_escape, text)


def has_risky(text: str) -> bool:
    # every risky character is non-printable, and isprintable() on ASCII text is
    # a fast C loop: about half the time of the search on a 20 KB report
    if text.isascii() and text.isprintable():
        return False
    return _RISKY_ONLY.search(text) is not None


FIELD_CHARS = 200   # a field path echoed in a problem (a FHIR linkId may be 500 KB)


def clip(text: str, limit: int = MESSAGE_VALUE) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def clip_message(message: str) -> str:
    """Cut every quoted value in message (``'...'`` as repr writes it) longer
    than MESSAGE_VALUE characters: a 900 KB bad value is not echoed back."""
    if len(message) <= 2 * MESSAGE_VALUE:
        return message
    return _QUOTED.sub(lambda m: m.group()[: MESSAGE_VALUE - 4] + "..." + m.group()[0],
                       message)


def look_alikes(text: str, limit: int = 3) -> str:
    """'' for plain ASCII; else a note naming the non-ASCII characters of text
    by code point (a Cyrillic 'і' looks like 'i' beside a "did you mean")."""
    if text.isascii():
        return ""
    found = [f"U+{ord(c):04X} {unicodedata.name(c, 'unnamed character')} at character {i + 1}"
             for i, c in enumerate(text) if not c.isascii()]
    more = f" and {len(found) - limit} more" if len(found) > limit else ""
    return f" ({'; '.join(found[:limit])}{more}: not the plain letter it looks like)"


_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value) -> str:
    """A cell that a spreadsheet would evaluate, prefixed with ' (OWASP)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA) else text


def json_text(text: str) -> str:
    """JSON written by json.dumps(ensure_ascii=False), with the characters that
    json leaves raw (DEL, C1, separators, direction marks) as \\u escapes. They
    can only occur inside strings, where the escape means the same character."""
    if not has_risky(text):
        return text
    return _RISKY_ONLY.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def display_report(report):
    """A copy of report whose id, source and error texts are safe to show on a
    terminal or a page (the HTML handout escapes markup, not direction marks)."""
    errors = [{"field": "", "line": None, "column": None, **e,
               **{k: shown(e[k]) for k in ("field", "message") if isinstance(e.get(k), str)}}
              for e in report.errors]   # (every key present: the handout tests e.line)
    return dataclasses.replace(report, id=shown(report.id), source=shown(report.source),
                               errors=errors)
