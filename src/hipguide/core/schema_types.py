"""The value types a schema is built from: Number, Choice, Boolean, Text,
ListOf, Mapping, AnyValue, and Invalid, the problem each raises.

Each type checks a value (``check``; a Mapping also lists every problem,
``check_all``), says what it allows in words, and gives its JSON Schema. The
intake contract (``contract.SCHEMA``) and the rule and catalogue file schemas
(``kb.schemas``) are built from them.
"""

from __future__ import annotations

import difflib
import functools
import math
from dataclasses import dataclass

from .text import look_alikes


class Invalid(Exception):
    """A value that breaks the contract; ``path`` is relative to the checked value."""

    def __init__(self, message: str, path: tuple = (), key: bool = False):
        super().__init__(message)
        self.message = message
        self.path = path
        self.key = key


def _described(value) -> str:
    if isinstance(value, bool):
        return f"{str(value).lower()} (a yes/no value)"
    if isinstance(value, str):
        return f"{value!r} (text)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing (empty value)"
    return repr(value)


@dataclass(frozen=True)
class Number:
    low: float
    high: float
    description: str
    integer: bool = False
    required: bool = False
    default: object = None

    def allowed(self) -> str:
        kind = "a whole number" if self.integer else "a number"
        return f"{kind} from {self.low:g} to {self.high:g}"

    def check(self, value):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise Invalid(f"expected {self.allowed()}, got {_described(value)}")
        if isinstance(value, float) and not math.isfinite(value):
            raise Invalid(f"expected {self.allowed()}, got {value!r}")
        if self.integer and isinstance(value, float):
            raise Invalid(f"expected {self.allowed()}, got {value!r}")
        if not self.low <= value <= self.high:
            raise Invalid(f"{value!r} is out of range; expected {self.allowed()}")
        return value

    def json_schema(self) -> dict:
        return {"type": "integer" if self.integer else "number", "minimum": self.low,
                "maximum": self.high, "description": self.description}


@dataclass(frozen=True)
class Boolean:
    description: str
    required: bool = False
    default: object = False

    def allowed(self) -> str:
        return "true or false"

    def check(self, value):
        if not isinstance(value, bool):
            raise Invalid(f"expected true or false, got {_described(value)}")
        return value

    def json_schema(self) -> dict:
        return {"type": "boolean", "description": self.description}


@dataclass(frozen=True)
class Choice:
    choices: tuple
    description: str
    required: bool = False
    default: object = None

    def allowed(self) -> str:
        return "one of: " + ", ".join(self.choices)

    def check(self, value):
        if not isinstance(value, str):
            raise Invalid(f"expected {self.allowed()}; got {_described(value)}")
        if value not in self.choices:
            hint = difflib.get_close_matches(value, self.choices, n=1)
            more = f" (did you mean {hint[0]!r}?){look_alikes(value)}" if hint else ""
            raise Invalid(f"{value!r} is not allowed{more}; expected {self.allowed()}")
        return value

    def json_schema(self) -> dict:
        return {"type": "string", "enum": list(self.choices), "description": self.description}


@dataclass(frozen=True)
class Text:
    description: str
    max_length: int = 200
    required: bool = False
    default: object = None

    def allowed(self) -> str:
        return f"text of 1 to {self.max_length} characters"

    def check(self, value):
        if not isinstance(value, str):
            raise Invalid("expected text (quote it if it looks like a number); "
                          f"got {_described(value)}")
        if not 1 <= len(value) <= self.max_length or not value.strip():
            raise Invalid(f"expected {self.allowed()}")
        if not value.isprintable():
            raise Invalid("control characters (tabs, line breaks, ...) are not allowed")
        return value

    def json_schema(self) -> dict:
        return {"type": "string", "minLength": 1, "maxLength": self.max_length,
                "description": self.description}


@dataclass(frozen=True)
class ListOf:
    item: object
    description: str
    max_items: int = 20
    unique: bool = True
    required: bool = False
    default: object = ()

    def allowed(self) -> str:
        return f"a list of up to {self.max_items} items, each {self.item.allowed()}"

    def check(self, value):
        if not isinstance(value, list):
            raise Invalid(f"expected a list (e.g. [a, b] or '- a' lines); got {_described(value)}")
        if len(value) > self.max_items:
            raise Invalid(f"{len(value)} items is too many; at most {self.max_items}")
        out = []
        for i, item in enumerate(value):
            try:
                checked = self.item.check(item)
            except Invalid as exc:
                raise Invalid(exc.message, (i,) + exc.path, exc.key) from None
            if self.unique and checked in out:
                raise Invalid(f"{item!r} is listed twice", (i,))
            out.append(checked)
        return out

    def json_schema(self) -> dict:
        schema = {"type": "array", "items": self.item.json_schema(),
                  "maxItems": self.max_items, "description": self.description}
        if self.unique:
            schema["uniqueItems"] = True
        return schema


@dataclass(frozen=True)
class AnyValue:
    """Accepts anything; for data checked later by its own code (a rule's
    ``when``, a question's ``choices``)."""

    description: str
    required: bool = False
    default: object = None

    def allowed(self) -> str:
        return self.description

    def check(self, value):
        return value


@dataclass(frozen=True)
class Mapping:
    fields: dict
    description: str
    required: bool = False
    default: object = None

    def allowed(self) -> str:
        return "a mapping with keys: " + ", ".join(self.fields)

    def check(self, value):
        if not isinstance(value, dict):
            raise Invalid(f"expected a mapping of key: value lines; got {_described(value)}")
        problems = self._problems(value)
        if problems:
            raise problems[0]
        return self.build(value)

    def build(self, value: dict) -> dict:
        """The normalised mapping, defaults filled in; value must have no problems
        (checking is done once, by ``_problems``)."""
        built = {}
        for name, spec, default in self._fill:
            if name in value:
                built[name] = _build(spec, value[name])
            else:   # a list or mapping default is made anew: the caller may change it
                built[name] = _default(spec) if default is _FRESH else default
        return built

    @functools.cached_property
    def _fill(self) -> tuple:
        """(name, spec, its default or _FRESH), once per mapping: building a record's
        defaults was most of reading one that breaks the contract (``contract.salvage``)."""
        return tuple((name, spec, _FRESH if isinstance(spec, (Mapping, ListOf))
                      or isinstance(spec.default, (tuple, list, dict, set)) else spec.default)
                     for name, spec in self.fields.items())

    def _problems(self, value: dict) -> list:
        problems = []
        for key in value:
            if key not in self.fields:
                hint = difflib.get_close_matches(key, list(self.fields), n=1, cutoff=0.6)
                more = f"did you mean {hint[0]!r}?{look_alikes(key)} " if hint else ""
                problems.append(Invalid(
                    f"unknown key {key!r}; {more}allowed keys: {', '.join(self.fields)}",
                    (key,), key=True))
        for name, spec in self.fields.items():
            if name not in value:
                if spec.required:
                    problems.append(Invalid(f"missing required key {name!r} ({spec.allowed()})"))
                continue
            for exc in nested_problems(spec, value[name]):
                problems.append(Invalid(exc.message, (name,) + exc.path, exc.key))
        return problems

    def check_all(self, value) -> list:
        """Every problem in value, one per broken key (check stops at the first)."""
        if not isinstance(value, dict):
            return [Invalid(f"expected a mapping of key: value lines; got {_described(value)}")]
        return self._problems(value)

    def json_schema(self) -> dict:
        return {
            "type": "object",
            "description": self.description,
            "properties": {k: v.json_schema() for k, v in self.fields.items()},
            "required": [k for k, v in self.fields.items() if v.required],
            "additionalProperties": False,
        }


_FRESH = object()


def _default(spec):
    if isinstance(spec, Mapping):
        return spec.build({})
    return list(spec.default) if isinstance(spec.default, tuple) else spec.default


def _build(spec, value):
    if isinstance(spec, Mapping):
        return spec.build(value)
    if isinstance(spec, ListOf):
        return [_build(spec.item, item) for item in value]
    return value


def nested_problems(spec, value) -> list:
    """Every problem in value, descending into mappings and lists of mappings."""
    if isinstance(spec, Mapping) and isinstance(value, dict):
        return spec._problems(value)
    if isinstance(spec, ListOf) and isinstance(spec.item, Mapping) and isinstance(value, list) \
            and len(value) <= spec.max_items:
        return [Invalid(e.message, (i,) + e.path, e.key)
                for i, item in enumerate(value) for e in nested_problems(spec.item, item)]
    try:
        spec.check(value)
    except Invalid as exc:
        return [exc]
    return []
