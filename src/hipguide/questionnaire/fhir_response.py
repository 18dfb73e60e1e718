"""Intakes written as FHIR R4 ``QuestionnaireResponse``s answering the
questionnaire's ``Form`` (``hipguide convert --to fhir``), several in a
collection ``Bundle``."""

from __future__ import annotations

import re

from ..core import contract as schema
from ..core.schema_types import Mapping
from .fhir_form import NONE_CODE, QUESTIONNAIRE_URL, Form, Slot, coding

FHIR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")


class ConvertError(Exception):
    """An intake that cannot be written as an answer to this questionnaire."""


def _answer(slot: Slot, value) -> list:
    if slot.question.type == "multi_choice":
        return [{"valueCoding": coding(slot, v)} for v in value]
    if slot.value_key() == "valueCoding":
        return [{"valueCoding": coding(slot, value)}]
    return [{slot.value_key(): value}]


def _present(value) -> bool:
    return value is not None and value != []


def response_resource(intake: dict, form: Form, report_id: str | None = None) -> dict:
    """A QuestionnaireResponse answering the form with a (validated) intake;
    ConvertError when the intake holds a field no question asks."""
    values = {}
    for name, spec in schema.SCHEMA.fields.items():
        if name == "id" or name not in intake:
            continue
        if isinstance(spec, Mapping):
            for sub in spec.fields:
                values[f"{name}.{sub}"] = (intake[name] or {}).get(sub)
        else:
            values[name] = intake[name]
    missing = [k for k, v in values.items() if _present(v) and k not in form.primary]
    if missing:
        raise ConvertError(f"no question in the questionnaire asks {', '.join(missing)}")
    items = []
    for link, _section, members in form.sections:
        children = []
        for slot in members:
            value = values.get(slot.question.field)
            if not slot.primary:
                continue
            if slot.question.type == "injuries" and isinstance(value, list):
                # the gate is always answered: [] is "no" (the intake's default)
                children.append({"linkId": slot.gate,
                                 "answer": [{"valueBoolean": bool(value)}]})
                children += [_injury_item(slot, injury) for injury in value]
            elif value == [] and NONE_CODE in slot.specials() and slot.question.required:
                # a form tool requires an answer here: 'none of these'
                children.append({"linkId": slot.link, "answer": [{"valueCoding": {
                    "system": slot.system(), "code": NONE_CODE,
                    "display": slot.specials()[NONE_CODE]}}]})
            elif not _present(value):
                continue
            else:
                children.append({"linkId": slot.link, "answer": _answer(slot, value)})
        if children:
            items.append({"linkId": link, "item": children})
    resource = {"resourceType": "QuestionnaireResponse"}
    rid = report_id or intake.get("id")
    if rid and FHIR_ID.match(rid):
        resource["id"] = rid
    elif rid:
        resource["identifier"] = {"value": rid}
    resource.update({"questionnaire": QUESTIONNAIRE_URL, "status": "completed", "item": items})
    return resource


def _injury_item(slot: Slot, injury: dict) -> dict:
    by_field = {child.question.field: child for child in slot.children.values()}
    children = []
    for name, value in injury.items():
        if not _present(value) or slot.question.set.get(name, object()) == value:
            continue
        child = by_field.get(name)
        if child is None:
            raise ConvertError(f"the {slot.link} question does not ask an injury's {name}")
        children.append({"linkId": child.link, "answer": _answer(child, value)})
    return {"linkId": slot.link, "item": children}


def bundle(resources: list) -> dict:
    """A collection Bundle of resources."""
    return {"resourceType": "Bundle", "type": "collection",
            "entry": [{"resource": r} for r in resources]}
