"""The intake file contract: the schema as data, and strict validation.

``SCHEMA`` is the single source for validation, the published JSON Schema
(``hipguide schema``) and the questionnaire's answer checks.
"""

from __future__ import annotations

import difflib
import functools
import math
from dataclasses import dataclass

from .text import look_alikes

ACTIVITY_LEVELS = ("sedentary", "light", "moderate", "active")
POSTURES = ("anterior_pelvic_tilt", "posterior_pelvic_tilt", "lateral_pelvic_tilt",
            "knee_valgus", "sway_back")
INJURY_SITES = ("hip", "knee", "ankle", "lower_back", "groin", "thigh")
SIDES = ("left", "right", "both")
CONDITIONS = ("arthritis", "nerve_compression")
SURGERY_KINDS = ("replacement", "resurfacing", "arthroscopy", "fracture_fixation", "other",
                 "unknown")
APPROACHES = ("posterior", "anterior", "lateral", "unknown")
ANSWERED_BY = ("self", "parent")
PREGNANCY = ("not_pregnant", "pregnant", "recently_gave_birth")


class Invalid(Exception):
    """A value that breaks the contract; ``path`` is relative to the checked value."""

    def __init__(self, message: str, path: tuple = (), key: bool = False):
        super().__init__(message)
        self.message = message
        self.path = path
        self.key = key


def _shown(value) -> str:
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
            raise Invalid(f"expected {self.allowed()}, got {_shown(value)}")
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
            raise Invalid(f"expected true or false, got {_shown(value)}")
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
            raise Invalid(f"expected {self.allowed()}; got {_shown(value)}")
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
                          f"got {_shown(value)}")
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
            raise Invalid(f"expected a list (e.g. [a, b] or '- a' lines); got {_shown(value)}")
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
            raise Invalid(f"expected a mapping of key: value lines; got {_shown(value)}")
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
        defaults was most of reading one that breaks the contract (``salvage``)."""
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
            for exc in _nested_problems(spec, value[name]):
                problems.append(Invalid(exc.message, (name,) + exc.path, exc.key))
        return problems

    def check_all(self, value) -> list:
        """Every problem in value, one per broken key (check stops at the first)."""
        if not isinstance(value, dict):
            return [Invalid(f"expected a mapping of key: value lines; got {_shown(value)}")]
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


def _nested_problems(spec, value) -> list:
    """Every problem in value, descending into mappings and lists of mappings."""
    if isinstance(spec, Mapping) and isinstance(value, dict):
        return spec._problems(value)
    if isinstance(spec, ListOf) and isinstance(spec.item, Mapping) and isinstance(value, list) \
            and len(value) <= spec.max_items:
        return [Invalid(e.message, (i,) + e.path, e.key)
                for i, item in enumerate(value) for e in _nested_problems(spec.item, item)]
    try:
        spec.check(value)
    except Invalid as exc:
        return [exc]
    return []


INJURY = Mapping({
    "site": Choice(INJURY_SITES, "where the injury was", required=True),
    "side": Choice(SIDES, "which side"),
    "months_ago": Number(0, 1200, "how many months ago it happened", required=True),
    "surgery": Boolean("whether it was operated on"),
}, "one past injury")

SURGERY = Mapping({
    "site": Choice(INJURY_SITES, "where the operation was", required=True),
    "kind": Choice(SURGERY_KINDS, "what kind of operation (left out: unknown)",
                   default="unknown"),
    "approach": Choice(APPROACHES, "for a hip replacement or resurfacing: the surgical "
                                   "approach (left out: unknown)", default="unknown"),
    "side": Choice(SIDES, "which side"),
    "months_ago": Number(0, 1200, "how many months ago it was", required=True),
}, "one operation on a joint or the spine")

# Warning-sign answers are yes / no / not answered: a symptom left out is
# unknown (None), never "no", so a report can say which were not checked.
SYMPTOMS = Mapping({
    "hip_pain": Number(0, 10, "hip pain today on a 0-10 scale", integer=True),
    "stiffness": Boolean("hips feel stiff", default=None),
    "pain_side": Choice(SIDES, "which hip hurts or feels worse"),
    "limited_rotation": Boolean("hard to turn the leg inwards or pivot", default=None),
    "balance_problems": Boolean("trouble keeping balance", default=None),
    "numbness_or_tingling": Boolean("numbness, tingling or pins and needles in the leg",
                                    default=None),
    "new_leg_weakness": Boolean("new or worsening weakness in the leg", default=None),
    "night_pain": Boolean("hip pain at night or at rest that does not ease", default=None),
    "pain_after_fall": Boolean("the pain started after a fall or accident", default=None),
    "cannot_bear_weight": Boolean("cannot put weight on the leg", default=None),
    "limp": Boolean("walks with a limp", default=None),
    "knee_pain": Boolean("knee pain (in a child or teenager it can come from the hip)",
                         default=None),
    "back_pain": Boolean("low back pain now", default=None),
    "groin_pain": Boolean("pain in the groin now", default=None),
    "fever_or_unwell": Boolean("fever, chills or feeling generally unwell", default=None),
    "hot_swollen_joint": Boolean("the hip or groin is hot, red or swollen", default=None),
    "unexplained_weight_loss": Boolean("weight loss without trying", default=None),
    "history_of_cancer": Boolean("has had cancer", default=None),
    "bowel_or_bladder_change": Boolean("new difficulty passing urine, or new loss of bladder "
                                       "or bowel control or feeling", default=None),
    "saddle_numbness": Boolean("numbness around the groin, buttocks or inner thighs",
                               default=None),
}, "symptoms today")

SCHEMA = Mapping({
    "id": Text("intake id; default: file stem, plus #N for the Nth document"),
    "age": Number(1, 110, "age in whole years (under 18: hip symptoms need a doctor)",
                  integer=True),
    "answered_by": Choice(ANSWERED_BY, "who gave the answers: the person (self), or a "
                          "parent or carer for a child (parent)"),
    "sitting_hours": Number(0, 24, "hours seated per day", required=True),
    "activity_level": Choice(ACTIVITY_LEVELS, "usual activity level"),
    "ergonomic_workstation": Boolean("desk set up ergonomically", default=None),
    "standing_breaks_hourly": Boolean("stands up at least once an hour when sitting", default=None),
    "rotational_sport": Boolean("sport with pivoting, kicking, sprinting or jumping", default=None),
    "returning_to_sport": Boolean("coming back to sport or high-intensity training", default=None),
    "repetitive_strain": Boolean("repetitive movement at work or in training", default=None),
    "rest_days_per_week": Number(0, 7, "rest days per week", integer=True),
    "impact_days_per_week": Number(0, 7, "days a week of running, jumping or other impact "
                                         "sport (bone-stress load)", integer=True),
    "last_fall_months_ago": Number(0, 1200, "months since the fall or accident the hip pain "
                                            "started with (0: this month)"),
    "falls_last_12_months": Boolean("has fallen in the last 12 months", default=None),
    "walking_aid": Boolean("uses a stick, crutch or frame to walk", default=None),
    "fear_of_falling": Boolean("worries about falling, or avoids things for fear of falling",
                               default=None),
    "pregnancy": Choice(PREGNANCY, "pregnant, or gave birth in the last 6 months"),
    "osteoporosis_or_fragility_fracture": Boolean(
        "osteoporosis, or a bone broken by a minor fall or less", default=None),
    "long_term_steroids": Boolean("takes steroid tablets for 3 months or more", default=None),
    "posture": ListOf(Choice(POSTURES, "a posture finding"), "posture findings"),
    "injuries": ListOf(INJURY, "past injuries", unique=False),
    "surgeries": ListOf(SURGERY, "operations on a joint or the spine, any time", unique=False),
    "symptoms": SYMPTOMS,
    "conditions": ListOf(Choice(CONDITIONS, "a diagnosed condition"), "diagnosed conditions"),
}, "one hipguide intake")


def validate(data) -> tuple[dict | None, list[Invalid]]:
    """Return (normalised intake, []) or (None, problems).

    Every top-level key is checked, so one file reports all its broken fields.
    """
    if isinstance(data, dict) and REPORT_KEYS <= data.keys():
        return None, [Invalid(NOT_AN_INTAKE)]
    problems = SCHEMA.check_all(data)
    if problems:
        return None, problems
    return SCHEMA.build(data), []


# what every report hipguide writes has (json, jsonl, yaml, the csv's columns,
# parquet) and no intake has: such a file is named for what it is, in one line
REPORT_KEYS = frozenset({"status", "disclaimer"})
NOT_AN_INTAKE = ("this is a report written by hipguide, not an intake; reports are "
                 "never read back as intakes: score the intake it was made from")


# a warning-sign answer written as text, read as "yes" only when salvaging
AFFIRMATIVE = frozenset({"yes", "y", "true", "1", "ja", "oui", "si", "sí"})


def salvage(data, duplicates: dict | None = None) -> dict | None:
    """The answers of an intake that breaks the contract that can still be read:
    every field without a problem (a bad injury or operation entry is left out
    whole, a bad symptom on its own), defaults for the rest.  A warning sign
    answered "yes" in words (``"yes"``, ``"y"``, ...) counts as yes.

    ``duplicates``: path -> every value a key given more than once had (the
    key itself is not in data).  Combined the fail-safe way: yes if any says
    yes, the highest pain score, every injury and operation listed; a value
    the copies disagree on otherwise is left out.

    Used only to find answered warning signs (fail safe): a report from it
    refers or is invalid, never gives exercises.  None when nothing is readable."""
    if not isinstance(data, dict):
        return None
    return SCHEMA.build(_readable(SCHEMA, data, (), duplicates or {}))


_NOTHING = object()


def _readable(spec: Mapping, value: dict, path: tuple, duplicates: dict) -> dict:
    kept = {}
    for name, field_spec in spec.fields.items():
        here = path + (name,)
        if here in duplicates:
            found = [_readable_value(field_spec, v, here, duplicates)
                     for v in duplicates[here]]
            found = _combined(name, field_spec, [v for v in found if v is not _NOTHING])
        elif name in value:
            found = _readable_value(field_spec, value[name], here, duplicates)
        elif isinstance(field_spec, Mapping) and any(p[:len(here)] == here for p in duplicates):
            found = _readable(field_spec, {}, here, duplicates)   # only given twice inside
        else:
            continue
        if found is not _NOTHING:
            kept[name] = found
    return kept


def _readable_value(field_spec, item, path: tuple, duplicates: dict):
    """item as far as it can be read for field_spec, or _NOTHING."""
    if isinstance(field_spec, Mapping):
        return _readable(field_spec, item, path, duplicates) if isinstance(item, dict) \
            else _NOTHING
    if isinstance(field_spec, ListOf) and isinstance(field_spec.item, Mapping):
        if not isinstance(item, list):
            return _NOTHING
        return [x for x in item[:field_spec.max_items]
                if isinstance(x, dict) and not field_spec.item._problems(x)]
    if isinstance(field_spec, ListOf):
        if not isinstance(item, list):
            return _NOTHING
        good = []
        for x in item[:field_spec.max_items]:
            try:
                checked = field_spec.item.check(x)
            except Invalid:
                continue
            if checked not in good:
                good.append(checked)
        return good
    if not _nested_problems(field_spec, item):
        return item
    if isinstance(field_spec, Boolean) and isinstance(item, str) \
            and item.strip().lower() in AFFIRMATIVE:
        return True
    return _NOTHING


def _combined(name: str, field_spec, values: list):
    """One value from the readable values of a key given more than once (fail
    safe): see ``salvage``."""
    if not values:
        return _NOTHING
    if isinstance(field_spec, Boolean):
        return True if True in values else values[0] if all(
            v == values[0] for v in values) else _NOTHING
    if name == "hip_pain":
        return max(values)
    if isinstance(field_spec, Mapping):
        merged = {}
        for key, spec in field_spec.fields.items():
            got = _combined(key, spec, [v[key] for v in values if key in v])
            if got is not _NOTHING:
                merged[key] = got
        return merged
    if isinstance(field_spec, ListOf):
        out = []
        for v in values:
            out += [x for x in v if not (field_spec.unique and x in out)]
        return out[:field_spec.max_items]
    return values[0] if all(v == values[0] for v in values) else _NOTHING


def json_schema() -> dict:
    schema = SCHEMA.json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "hipguide intake"
    return schema
