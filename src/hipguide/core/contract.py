"""The intake file contract: the schema as data, strict validation, and the
fail-safe reading of an intake that breaks it (``salvage``).

``SCHEMA`` is the single source for validation, the published JSON Schema
(``hipguide schema``) and the questionnaire's answer checks; the value types
it is built from are in ``schema_types``.
"""

from __future__ import annotations

from .schema_types import Boolean, Choice, Invalid, ListOf, Mapping, Number, Text, nested_problems

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
    if not nested_problems(field_spec, item):
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
