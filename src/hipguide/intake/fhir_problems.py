"""How reading FHIR JSON states a problem: at a place in the file
(``entry[2] > item[injuries][0] > answer[0]``), with a JSON value's kind in
words, and an element's unknown keys named with a 'did you mean'."""

from __future__ import annotations

import difflib

from ..core.text import look_alikes


class Bad(Exception):
    """One problem stopping a response: where (a path in the file) and what."""

    def __init__(self, where: str, message: str):
        super().__init__(message)
        self.where, self.message = where, message


def join(*parts: str) -> str:
    """A place in the file from its parts: ``entry[0] > item[sitting_hours]``."""
    return " > ".join(p for p in parts if p)


def kind(value) -> str:
    """What a JSON value is, in words (for "expected ...; got ...")."""
    return {dict: "an object", list: "a list", str: "text", bool: "true/false"}.get(
        type(value), "a number" if isinstance(value, (int, float)) else "null")


def unknown_keys(data: dict, allowed: tuple) -> str | None:
    """The problem with an element's keys: the first one not allowed (with a
    'did you mean'), or a modifierExtension; None when all are understood."""
    for key in data:
        if key not in allowed:
            hint = difflib.get_close_matches(key, allowed, n=1)
            more = f"did you mean {hint[0]!r}?{look_alikes(key)} " if hint else ""
            return f"unknown element {key!r}; {more}allowed: {', '.join(allowed)}"
    if data.get("modifierExtension"):
        return "modifierExtension is not understood by hipguide, so the data cannot be used"
    return None
