"""The published JSON Schema (2020-12) of the json/jsonl/yaml report
(``hipguide schema --report``).

Compatibility: every report carries ``schema_version`` (model.SCHEMA_VERSION).
An additive change (a new field, a new finding kind, a new warning code) raises
the minor number and keeps this schema valid for the new reports: objects
allow properties they do not list, so a pipeline written against 1.0 keeps
working. A breaking change (a field removed, renamed or retyped, a status or
urgency value changed) raises the major number. The safety promises are part
of the schema: a referral has a red flag and an urgency; an ok report has no
red flag.
"""

from __future__ import annotations

from ..engine.model import SCHEMA_VERSION, URGENCY_ORDER

ID = "urn:hipguide:schema:report:{major}"

_STR = {"type": "string"}
_STRS = {"type": "array", "items": _STR}
_INT = {"type": "integer", "minimum": 0}


def _finding(properties: dict, required: list, description: str) -> dict:
    """A finding object: the listed fields required, others allowed (additive)."""
    return {"type": "object", "description": description,
            "properties": {"id": _STR, "name": _STR, **properties,
                           "basis": {**_STRS, "description": "with --explain: the facts "
                                                             "the rules fired on"}},
            "required": ["id", "name", *required], "additionalProperties": True}


def report_schema() -> dict:
    urgencies = list(URGENCY_ORDER)
    major = SCHEMA_VERSION.split(".")[0]
    defs = {
        "red_flag": _finding(
            {"urgency": {"enum": urgencies}, "advice": _STR, "evidence": _STRS,
             "rules": _STRS},
            ["urgency", "advice", "evidence", "rules"],
            "a warning sign found: the answers behind it (evidence) and what to do"),
        "warning_sign": _finding(
            {"evidence": _STRS, "rules": _STRS}, ["evidence", "rules"],
            "a warning-sign question left unanswered"),
        "precaution": _finding(
            {"evidence": _STRS, "instead": _STR, "rules": _STRS,
             "withheld": {"type": "array", "items": {
                 "type": "object", "properties": {"id": _STR, "name": _STR},
                 "required": ["id", "name"], "additionalProperties": True}}},
            ["evidence", "instead", "withheld", "rules"],
            "a safety precaution: what was withheld, why, and what to do instead"),
        "factor": _finding(
            {"confidence": {"type": "number", "minimum": 0, "maximum": 1},
             "likelihood": {"enum": ["likely", "possible"]}, "evidence": _STRS,
             "description": _STR, "rules": _STRS, "advice": _STR},
            ["confidence", "likelihood", "evidence", "description", "rules"],
            "a likely contributing factor"),
        "recommendation": _finding(
            {"kind": {"enum": ["exercise", "habit"]}, "purpose": _STR, "addresses": _STRS,
             "dose": _STR, "steps": _STRS, "equipment": _STRS, "progression": _STR,
             "regression": _STR, "cautions": _STRS, "rules": _STRS,
             "disclaimer": {"type": "string", "minLength": 1}, "progression_test": _STR,
             "minutes": {"type": "number", "minimum": 0}, "per_week": _INT,
             "position": _STR, "trains_internal_rotation": {"type": "boolean"},
             "picture": _STR,
             "stage": {"enum": ["start_here", "add_next", "later"]}, "stage_reason": _STR},
            ["kind", "purpose", "addresses", "dose", "steps", "rules", "disclaimer", "stage"],
            "an exercise or habit, with its stage in the plan and its own disclaimer"),
        "error": {"type": "object", "description": "why an intake could not be assessed",
                  "properties": {"field": _STR, "message": _STR, "line": _INT,
                                 "column": _INT, "document": _INT},
                  "required": ["field", "message"], "additionalProperties": True},
        "warning": {"type": "object", "description": "something about the run to check, "
                    "e.g. code duplicate_id: another intake in the same run has this id",
                    "properties": {"code": _STR, "message": _STR},
                    "required": ["code", "message"], "additionalProperties": True},
    }
    plan = {
        "type": "object", "description": "the plan: recommendation ids by stage; empty "
        "when no exercises are given",
        "properties": {"start_here": _STRS, "add_next": _STRS, "later": _STRS,
                       "minutes": {"type": "number", "minimum": 0},
                       "sessions_per_week": _INT, "fewest_sessions_per_week": _INT,
                       "side": {"enum": ["", "left", "right"]}, "side_note": _STR,
                       "pain_rule": _STR},
        "additionalProperties": True,
    }
    person = {
        "type": "object", "description": "the intake's own answers: age, hip pain 0-10 "
        "and painful side (null: not answered); empty for an invalid intake",
        "properties": {"age": {"type": ["integer", "null"]},
                       "hip_pain": {"type": ["integer", "null"], "minimum": 0,
                                    "maximum": 10},
                       "pain_side": {"type": ["string", "null"]}},
        "additionalProperties": True,
    }

    def listed(kind: str) -> dict:
        return {"type": "array", "items": {"$ref": f"#/$defs/{kind}"}}

    properties = {
        "schema_version": {"type": "string", "pattern": rf"^{major}\.[0-9]+$",
                           "description": "MAJOR.MINOR of this schema; same major: "
                                          "compatible"},
        "id": _STR, "source": _STR,
        "status": {"enum": ["ok", "refer", "invalid"]},
        "urgency": {"enum": ["", *urgencies]},
        "referral": _STR,
        "red_flags": listed("red_flag"),
        "unanswered_warning_signs": listed("warning_sign"),
        "unscreened_advice": _STR,
        "precautions": listed("precaution"),
        "factors": listed("factor"),
        "recommendations": listed("recommendation"),
        "plan": plan,
        "reassess": _STR,
        "rules_fired": _STRS,
        "knowledge_version": _STR,
        "knowledge_reviewed": _STR,
        "errors": listed("error"),
        "person": person,
        "warnings": listed("warning"),
        "disclaimer": {"type": "string", "minLength": 1},
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": ID.format(major=major),
        "title": f"hipguide report, schema version {SCHEMA_VERSION}",
        "description": "One intake's report, as `hipguide score --format json` (an array "
                       "of these), jsonl (one per line) or yaml (one per document) write "
                       "it. Additive changes raise the minor version, breaking changes "
                       "the major; properties not listed here may appear in a later "
                       "minor version and must be ignored.",
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": True,
        "allOf": [
            {"if": {"properties": {"status": {"const": "refer"}}},
             "then": {"properties": {"red_flags": {"minItems": 1},
                                     "urgency": {"enum": urgencies},
                                     "referral": {"minLength": 1},
                                     "recommendations": {"maxItems": 0}}}},
            {"if": {"properties": {"status": {"const": "ok"}}},
             "then": {"properties": {"red_flags": {"maxItems": 0},
                                     "urgency": {"const": ""}}}},
            {"if": {"properties": {"status": {"const": "invalid"}}},
             "then": {"properties": {"errors": {"minItems": 1}}}},
        ],
        "$defs": defs,
    }
