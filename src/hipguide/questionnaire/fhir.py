"""The questionnaire as an HL7 FHIR R4 ``Questionnaire`` resource, built from
its ``Form`` (``fhir_form``): sections as groups, each question an item whose
``linkId`` is the intake field it fills, ``ask_if`` conditions as
``enableWhen`` where FHIR can express them.

Each repeating group (``injuries``, ``surgeries``) is enabled only by "yes" to
its yes/no gate; no item inside a group has an ``initial`` value, so a form
tool never sends a half-filled entry for someone who has nothing to tell.
"""

from __future__ import annotations

from ..core.schema_types import Boolean, Choice, ListOf, Mapping, Number
from ..kb import conditions as cl
from ..kb.review import review_date
from .data import SKIP
from .fhir_form import QUESTIONNAIRE_URL, Form, Slot, coding

NOTE_URL = "urn:hipguide:StructureDefinition:note"
ASK_IF_URL = "urn:hipguide:StructureDefinition:ask-if"
ITEM_CONTROL_URL = "http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl"
ITEM_CONTROL_SYSTEM = "http://hl7.org/fhir/questionnaire-item-control"
OPTION_EXCLUSIVE_URL = "http://hl7.org/fhir/StructureDefinition/questionnaire-optionExclusive"
MIN_URL = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_URL = "http://hl7.org/fhir/StructureDefinition/maxValue"


def _ext(url: str, key: str, value) -> dict:
    return {"url": url, key: value}


def _typed(spec, value) -> tuple[str, object]:
    """(FHIR value key, value) for a plain intake value of this field type."""
    if isinstance(spec, Number):
        return ("valueInteger" if spec.integer else "valueDecimal"), value
    if isinstance(spec, Boolean):
        return "valueBoolean", value
    raise TypeError(spec)


def _item_type(spec) -> str:
    if isinstance(spec, Number):
        return "integer" if spec.integer else "decimal"
    if isinstance(spec, Boolean):
        return "boolean"
    if isinstance(spec, (Choice, ListOf)) and not isinstance(spec, Mapping):
        return "choice"
    return "group"


def _question_items(slot: Slot, form: Form) -> list:
    """The items of one question: one, or for a repeating group its yes/no gate
    and the group."""
    q = slot.question
    if q.type != "injuries":
        return [_question_item(slot, form)]
    gate = {"linkId": slot.gate, "text": q.text, "type": "boolean"}
    if q.required:
        gate["required"] = True
    if q.default is not _skip():
        gate["initial"] = [{"valueBoolean": q.default}]
    _add_condition(gate, q, form, [])
    if q.help:
        gate["item"] = [_help(slot.gate, q.help)]
    notes = ["One entry each; shown only after 'yes' to " + slot.gate + "."]
    if q.set:
        fixed = ", ".join(f"{k} = {_plain(v)}" for k, v in q.set.items())
        notes.append(f"Every entry of this group is recorded with {fixed}.")
    description = q.spec.item.description
    group = {"linkId": slot.link, "text": description[:1].upper() + description[1:],
             "type": "group", "repeats": True,
             "enableWhen": [{"question": slot.gate, "operator": "=", "answerBoolean": True}],
             "extension": [_ext(NOTE_URL, "valueString", " ".join(notes))],
             "item": [_question_item(child, form, in_group=True)
                      for child in slot.children.values()]}
    return [gate, group]


def _skip():
    return SKIP


def _add_condition(item: dict, q, form: Form, notes: list):
    if q.ask_if is None:
        return
    enable = enable_when(q.ask_if, form)
    if enable is None:
        item.setdefault("extension", []).append(
            _ext(ASK_IF_URL, "valueString", " ".join(cl.render(q.ask_if))))
        notes.append("Asked only when: " + " ".join(cl.render(q.ask_if)) + " (not "
                     "expressible as enableWhen; shown always, and an answer is scored "
                     "whether or not the condition held).")
    else:
        conditions, behavior = enable
        item["enableWhen"] = conditions
        if len(conditions) > 1:
            item["enableBehavior"] = behavior


def _question_item(slot: Slot, form: Form, in_group: bool = False) -> dict:
    """One question's item; inside a repeating group no ``initial`` is given (a
    form tool would send a default-only entry for a person with none)."""
    q = slot.question
    item = {"linkId": slot.link, "text": q.text, "type": _item_type(q.spec)}
    notes = []
    if q.type == "multi_choice":
        item["repeats"] = True
    if q.required:
        item["required"] = True
    if q.type in ("choice", "multi_choice"):
        item["answerOption"] = [{"valueCoding": coding(slot, c)} for c in q.choices]
        for code, display in slot.specials().items():
            item["answerOption"].append({
                "valueCoding": {"system": slot.system(), "code": code, "display": display},
                "extension": [_ext(OPTION_EXCLUSIVE_URL, "valueBoolean", True)]})
    if q.type == "number":
        key = "valueInteger" if q.spec.integer else "valueDecimal"
        item["extension"] = [_ext(MIN_URL, key, _number(q.low, q.spec)),
                             _ext(MAX_URL, key, _number(q.high, q.spec))]
        if q.below is not None:
            notes.append(f"The answer must be under {q.below:g}.")
    initial = None if in_group else _initial(slot)
    if initial is not None:
        item["initial"] = [initial]
    _add_condition(item, q, form, notes)
    if notes:
        item.setdefault("extension", []).append(_ext(NOTE_URL, "valueString", " ".join(notes)))
    if q.help:
        item["item"] = [_help(slot.link, q.help)]
    return item


def _number(value, spec):
    return int(value) if spec.integer else value


def _plain(value) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _initial(slot: Slot):
    q = slot.question
    if q.default is SKIP or q.type in ("injuries", "multi_choice"):
        return None
    if q.type == "choice":
        return {"valueCoding": coding(slot, q.default)}
    return dict([_typed(q.spec, q.default)])


def _help(link: str, text: str) -> dict:
    return {"linkId": f"{link}-help", "type": "display", "text": text, "extension": [
        _ext(ITEM_CONTROL_URL, "valueCodeableConcept", {"coding": [
            {"system": ITEM_CONTROL_SYSTEM, "code": "help", "display": "Help-Button"}]})]}


def _field_of(leaf) -> str | None:
    if leaf.kind == "intake":
        return leaf.field
    if leaf.kind == "symptoms":
        return f"symptoms.{leaf.field}"
    if leaf.kind in ("posture", "conditions"):
        return leaf.kind
    return None  # injury.* and factors have no one question to point at


def _leaf_conditions(leaf, form: Form) -> list | None:
    """enableWhen entries for a leaf: one for a plain comparison, several (meant
    as 'any') for 'in' or 'has [a, b]'. None when not expressible."""
    name = _field_of(leaf)
    slot = form.primary.get(name) if name else None
    if slot is None or slot.question.type == "injuries":
        return None
    values = leaf.value if leaf.op == "in" else (leaf.value,)
    op = "=" if leaf.op in ("==", "in") else leaf.op
    if leaf.negated:
        if leaf.op == "in" or slot.repeats:
            return None  # 'none of' has no enableWhen form
        op = {"=": "!=", "!=": "="}.get(op) or cl.NEGATED[leaf.op]
    out = []
    for value in values:
        if slot.value_key() == "valueCoding":
            answer = ("answerCoding", coding(slot, value))
        else:
            answer = ("answer" + slot.value_key()[len("value"):], value)
        out.append({"question": slot.link, "operator": op, answer[0]: answer[1]})
    if op == "!=":  # FHIR's != is true when unanswered; hipguide's unknown is never true
        out.insert(0, {"question": slot.link, "operator": "exists", "answerBoolean": True})
        return out if len(values) == 1 else None
    return out


def enable_when(node, form: Form) -> tuple[list, str] | None:
    """(enableWhen list, enableBehavior) for an ask_if condition, or None when
    FHIR cannot express it (not, nested all/any, injury or factor conditions)."""
    if isinstance(node, cl.Leaf):
        conditions = _leaf_conditions(node, form)
        if conditions is None:
            return None
        if conditions[0]["operator"] == "exists":
            return conditions, "all"
        return conditions, "any"
    if isinstance(node, (cl.All, cl.Any)) and all(isinstance(i, cl.Leaf) for i in node.items):
        out = []
        for leaf in node.items:
            conditions = _leaf_conditions(leaf, form)
            if conditions is None:
                return None
            several = len(conditions) > 1
            if isinstance(node, cl.All) and several and conditions[0]["operator"] != "exists":
                return None  # an 'any' inside an 'all'
            if isinstance(node, cl.Any) and conditions[0]["operator"] == "exists":
                return None  # an 'all' inside an 'any'
            out += conditions
        return out, "all" if isinstance(node, cl.All) else "any"
    return None


def questionnaire_resource(form: Form, meta: dict | None = None) -> dict:
    """The FHIR R4 Questionnaire resource (plain JSON data)."""
    meta = meta or {}
    qn = form.questionnaire
    items = []
    for link, section, members in form.sections:
        group = {"linkId": link, "text": section.title, "type": "group",
                 "item": [i for slot in members for i in _question_items(slot, form)]}
        if section.red_flags:
            group["extension"] = [_ext(NOTE_URL, "valueString",
                                       "Warning signs: " + qn.red_flag_message)]
        items.append(group)
    resource = {
        "resourceType": "Questionnaire",
        "id": "hipguide-intake",
        "url": QUESTIONNAIRE_URL,
        "name": "HipguideIntake",
        "title": "hipguide intake: weak or stiff hip internal rotators",
        "status": "active",
        "subjectType": ["Patient"],
        "description": (
            "The hipguide intake questionnaire. Each question's linkId is the intake field "
            "it fills (see `hipguide schema`); answer it with a QuestionnaireResponse and "
            "score that with `hipguide score`. Conditions that enableWhen cannot express "
            f"are given in the {ASK_IF_URL} extension; such questions are always shown. "
            + (meta.get("disclaimer") or "")).strip(),
        "item": items,
    }
    if meta.get("version"):
        resource["version"] = str(meta["version"])
    if review_date(meta):   # only a licensed clinician's review is a date to publish
        resource["date"] = review_date(meta)
    return resource
