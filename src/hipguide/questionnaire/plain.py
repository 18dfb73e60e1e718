"""Answers in a person's own words: "not sure", "about 3", "7,5", "3 hours",
"a year ago", "6 weeks" -- read into the value the intake contract wants.

Nothing here talks to a terminal; ``dialogue`` asks and confirms. A reading that
is not a plain number comes back with a short note of what was understood, so
the person can see it (and go back with ``<`` if it is wrong).
"""

from __future__ import annotations

import re

from ..core.schema_types import Invalid

UNSURE = ("not sure", "dont know", "do not know", "dunno", "unsure", "idk", "no idea",
          "not known", "cant say", "cannot say", "cant remember", "dont remember",
          "cannot remember", "do not remember", "maybe", "perhaps", "no clue")
NONE_OF_THESE = ("none of these", "none of them", "none", "nothing", "neither")


def _norm(raw: str) -> str:
    text = raw.lower().replace("\u2019", "'").replace("'", "")
    return re.sub(r"[\s.!]+", " ", text).strip(" .!")


def is_unsure(raw: str) -> bool:
    """'not sure', "don't know", 'unsure'... (any case, any apostrophe)."""
    text = _norm(raw)
    return text in UNSURE or any(text.startswith(w + " ") for w in UNSURE[:4])


def is_none_of_these(raw: str) -> bool:
    return _norm(raw) in NONE_OF_THESE


_NUMBER_WORDS = {
    "zero": 0, "nil": 0, "half": 0.5, "a half": 0.5, "one": 1, "a": 1, "an": 1, "a single": 1,
    "two": 2, "a couple": 2, "a couple of": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "fifteen": 15, "eighteen": 18, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}
_FILLER = re.compile(
    r"\b(about|around|roughly|approximately|approx|approx\.|circa|nearly|almost|maybe|"
    r"perhaps|probably|some|say|i think|i guess|i am|im|i'm|just|only|ca|"
    r"ago|back|old|of age|a day|per day|each day|daily|a week|per week|each week|"
    r"out of ten|out of 10|of 10|in total|total|or so|ish)\b")
_UNITS = {
    "minute": ("minutes", "min", "mins", "minute"),
    "hour": ("hours", "hour", "hrs", "hr", "h"),
    "day": ("days", "day", "d"),
    "week": ("weeks", "week", "wks", "wk", "w"),
    "month": ("months", "month", "mo", "mos", "mths", "mth"),
    "year": ("years", "year", "yrs", "yr", "y"),
}
_UNIT_OF = {alias: unit for unit, aliases in _UNITS.items() for alias in aliases}
# how many of the field's own unit one of another unit is
_CONVERT = {
    "month": {"month": 1, "year": 12, "week": 12 / 52.18, "day": 12 / 365.25},
    "hour": {"hour": 1, "minute": 1 / 60},
    "year": {"year": 1},
    "day": {"day": 1},
}


def unit_of(field: str) -> str | None:
    """The unit a number field is kept in, from its name (months_ago, sitting_hours,
    age, rest_days_per_week...); None for a plain count or score."""
    name = field.rsplit(".", 1)[-1]
    if "month" in name:
        return "month"
    if "hour" in name:
        return "hour"
    if name == "age" or "year" in name:
        return "year"
    if "days" in name:
        return "day"
    return None


_UNIT_WORD = {"month": "months", "hour": "hours", "year": "years", "day": "days"}


def _one_number(text: str) -> float | None:
    text = text.strip()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return float(text)
    if text in _NUMBER_WORDS:
        return float(_NUMBER_WORDS[text])
    m = re.fullmatch(r"(\d+|" + "|".join(_NUMBER_WORDS) + r") and a half", text)
    if m:
        base = _one_number(m.group(1))
        return None if base is None else base + 0.5
    return None


def read_number(raw: str, field: str) -> tuple[float, str]:
    """(value, what was understood) for an answer such as 'about 3', '7,5',
    '3 hours', 'a year ago', '6 weeks', '2 years' (into months for a months field),
    '3-4' (the middle). Raise Invalid when it cannot be read."""
    text = raw.lower().strip().replace("\u2019", "'")
    text = re.sub(r"(\d),(\d)", r"\1.\2", text)              # 7,5 -> 7.5
    text = re.sub(r"(\d)\s*([a-z])", r"\1 \2", text)          # 3h -> 3 h
    text = re.sub(r"[~?!]|\.$", " ", text)
    text = _FILLER.sub(" ", text)
    text = re.sub(r"\s+", " ", text).strip()
    unit = None
    m = re.fullmatch(r"(.*?)\s*\b([a-z]+)$", text)
    if m and m.group(2) in _UNIT_OF and m.group(1):
        text, unit = m.group(1).strip(), _UNIT_OF[m.group(2)]
    parts = re.split(r"\s*(?:-|/|\bto\b|\bor\b)\s*", text) if text else []
    values = [_one_number(p) for p in parts]
    if not values or any(v is None for v in values) or len(values) > 2:
        raise Invalid(f"could not read {raw.strip()!r} as a number; a number such as 3 or "
                      "7.5 works, or words like 'about 3', 'not sure'")
    value = sum(values) / len(values)
    own = unit_of(field)
    if unit is not None:
        if own is None or unit not in _CONVERT.get(own, {}):
            wanted = f"in {_UNIT_WORD[own]}" if own else "as a plain number"
            raise Invalid(f"this question needs the answer {wanted}, not in {unit}s")
        value *= _CONVERT[own][unit]
        if unit != own:
            value = round(value, 1) if value >= 1 else round(value, 2)
    if value == int(value):
        value = int(value)
    return value, _understood(value, own)


def _understood(value, own) -> str:
    words = f"{value:g}" if isinstance(value, float) else str(value)
    return f"{words} {_UNIT_WORD[own]}" if own else words
