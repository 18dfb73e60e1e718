"""Strict JSON reading for intake files: what ``json.loads`` lets through and an
intake must not.

Python's ``json`` accepts duplicate keys (the last one silently wins), ``NaN``
and ``Infinity``, numbers of any length (and then fails deep inside ``int``)
and nesting deep enough to hit the recursion limit. Each of these is refused
here with a message saying where, so a JSON intake is held to the same
standard as a YAML one.
"""

from __future__ import annotations

import json
import math
import re

MAX_DEPTH = 32          # a QuestionnaireResponse Bundle nests about 8 deep
MAX_NUMBER_DIGITS = 4300  # Python's own limit for int <-> str conversion
_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')
_BRACKET = re.compile(r"[\[\]{}]")


class JsonError(Exception):
    """Not acceptable JSON; ``line``/``column`` are 1-based when known."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.message, self.line, self.column = message, line, column


def _position(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def _check_depth(text: str):
    """Refuse nesting deeper than MAX_DEPTH before parsing (strings blanked out,
    so brackets inside them do not count)."""
    blank = _STRING.sub(lambda m: " " * len(m.group()), text)
    depth = 0
    for match in _BRACKET.finditer(blank):
        depth += 1 if match.group() in "[{" else -1
        if depth > MAX_DEPTH:
            raise JsonError(f"nested more than {MAX_DEPTH} levels deep",
                            *_position(text, match.start()))


def _pairs(pairs: list) -> dict:
    out = {}
    for key, value in pairs:
        if key in out:
            raise JsonError(f"duplicate key {key!r} in one JSON object (keep one)")
        out[key] = value
    return out


def _constant(name: str):
    raise JsonError(f"{name} is not a number; JSON intakes hold finite numbers only")


def _int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise JsonError(f"a number of {len(text):,} digits; at most {MAX_NUMBER_DIGITS:,}")
    return int(text)


def _float(text: str) -> float:
    if len(text) > MAX_NUMBER_DIGITS:
        raise JsonError(f"a number of {len(text):,} characters; at most "
                        f"{MAX_NUMBER_DIGITS:,}")
    value = float(text)
    if not math.isfinite(value):
        raise JsonError(f"{text} is too large a number")
    return value


def loads(text: str):
    """The JSON value of text, or JsonError naming the first problem."""
    _check_depth(text)
    try:
        return json.loads(text, object_pairs_hook=_pairs, parse_constant=_constant,
                          parse_int=_int, parse_float=_float)
    except json.JSONDecodeError as exc:
        raise JsonError(f"not valid JSON: {exc.msg}", exc.lineno, exc.colno) from None
    except RecursionError:  # pragma: no cover - _check_depth stops it first
        raise JsonError(f"nested more than {MAX_DEPTH} levels deep") from None
