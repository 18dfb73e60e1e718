"""The answers of one question item of a FHIR QuestionnaireResponse read as
its intake value: the one ``value[x]`` the question's type takes, a Coding's
system and code among its choices, "none of these" and "not sure" on a list,
and the question's own range."""

from __future__ import annotations

import difflib
import json

from ..core import contract as schema
from ..core.text import look_alikes
from ..questionnaire.fhir_form import NONE_CODE, NOT_SURE_CODE
from .fhir_problems import Bad, join, kind

ANSWER_KEYS = ("id", "extension", "modifierExtension", "item")
CODING_KEYS = ("id", "extension", "system", "version", "code", "display", "userSelected")
KIND = {"valueInteger": "a whole number", "valueDecimal": "a number",
        "valueBoolean": "true or false", "valueCoding": "a Coding with a code"}


def value_of(item: dict, slot, place: str):
    """The intake value of a question item's answers (None: not answered);
    Bad for the first problem found."""
    answers = item.get("answer", [])
    if not isinstance(answers, list):
        raise Bad(join(place, "answer"), f"expected a list of answers; got "
                  f"{kind(answers)}")
    if not answers:
        return None
    if len(answers) > 1 and not slot.repeats:
        raise Bad(place, f"{len(answers)} answers; this question takes one")
    values = [_one(answer, slot, join(place, f"answer[{k}]"))
              for k, answer in enumerate(answers)]
    if slot.repeats and NONE_CODE in values and len(values) > 1:
        raise Bad(place, "'none of these' is given together with other answers; "
                  "give either")
    if slot.repeats and NONE_CODE in values:
        return []
    if slot.repeats and NOT_SURE_CODE in values:
        values = [v for v in values if v != NOT_SURE_CODE]
        if not values:
            return None     # 'not sure' alone: not answered
    value = values if slot.repeats else values[0]
    try:
        _question_range(slot.question, value)
    except schema.Invalid as exc:
        raise Bad(join(place, "answer[0]"), exc.message) from None
    return value


def _one(answer, slot, place: str):
    if not isinstance(answer, dict):
        raise Bad(place, f"expected an answer object; got {kind(answer)}")
    keys = [k for k in answer if k.startswith("value")]
    expected = slot.value_key()
    allowed = f"{expected} ({slot.question.spec.allowed()})"
    if len(keys) != 1:
        raise Bad(place, f"expected exactly one value: {allowed}")
    for key in answer:
        if key not in ANSWER_KEYS and key != keys[0]:
            raise Bad(place, f"unknown element {key!r} in an answer")
    if answer.get("item"):
        raise Bad(join(place, "item"), "this answer has no items inside it")
    if answer.get("modifierExtension"):
        raise Bad(place, "modifierExtension is not understood by hipguide")
    key = keys[0]
    value = answer[key]
    if key != expected:
        raise Bad(place, f"expected {allowed}; got {key} {_as_json(value)}")
    if expected == "valueCoding":
        return _code(value, slot, place)
    good = {"valueBoolean": isinstance(value, bool),
            "valueInteger": isinstance(value, int) and not isinstance(value, bool),
            "valueDecimal": isinstance(value, (int, float)) and not isinstance(value, bool)}
    if not good[expected]:
        raise Bad(place, f"{expected} must be {KIND[expected]}; got {_as_json(value)}")
    return value


def _code(coding, slot, place: str) -> str:
    if not isinstance(coding, dict) or not isinstance(coding.get("code"), str):
        raise Bad(place, f"valueCoding must be an object with a code; one of: "
                  f"{', '.join(slot.question.choices)}")
    for key in coding:
        if key not in CODING_KEYS:
            raise Bad(place, f"unknown element {key!r} in valueCoding")
    system = coding.get("system")
    if system is not None and system != slot.system():
        raise Bad(place, f"code system {system!r} is not this question's; expected "
                  f"{slot.system()!r} (or no system)")
    code = coding["code"]
    if code not in slot.question.choices and code not in slot.specials():
        values = list(slot.question.choices) + list(slot.specials())
        hint = difflib.get_close_matches(code, values, n=1)
        more = f" (did you mean {hint[0]!r}?){look_alikes(code)}" if hint else ""
        raise Bad(place, f"code {code!r} is not an answer here{more}; expected one of: "
                  f"{', '.join(values)}")
    return code


def _as_json(value) -> str:
    text = json.dumps(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _question_range(q, value):
    """The question's own range when narrower than the contract's (e.g. a recent
    operation: under 3 months). Values the contract refuses are left to it."""
    if q.type != "number" or isinstance(value, bool) or not isinstance(value, (int, float)):
        return
    if q.low is not None and not q.low <= value <= q.high:
        raise schema.Invalid(f"{value!r} is out of range; expected {q.low:g} to {q.high:g}")
    if q.below is not None and not value < q.below:
        raise schema.Invalid(f"{value!r} is too high; this question needs a number under "
                             f"{q.below:g}")
