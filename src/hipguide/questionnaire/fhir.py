"""The questionnaire as an HL7 FHIR R4 ``Questionnaire``, and intakes as
``QuestionnaireResponse``s answering it.

Everything is derived from the questionnaire data (``questionnaire.load``) and
the intake contract (``intake.SCHEMA``): a ``Form`` gives every question a
stable ``linkId`` -- its intake field path (``sitting_hours``,
``symptoms.hip_pain``, ``injuries``, ``injuries.site``) -- and knows how each
answer maps back to the intake. Reading responses is in ``fhir_read``.

A field asked by several questions keeps its path for the question with no
fixed values (``set``); the others are known by their question id.

Each repeating group (``injuries``, ``surgeries``) is gated by a yes/no
question (``injuries-any``, ``surgeries-any``) and enabled only by "yes"; no
item inside a group has an ``initial`` value, so a form tool never sends a
half-filled entry for someone who has nothing to tell. Every required
multiple-choice list also offers "none of these" (code ``none``) and "not
sure" (``not_sure``), so a person with nothing to choose can still complete it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..core import contract as schema
from ..core.schema_types import Boolean, Choice, ListOf, Mapping, Number
from ..kb import conditions as cl
from ..kb.review import review_date
from .data import SKIP

QUESTIONNAIRE_URL = "urn:hipguide:Questionnaire:intake"
CODE_SYSTEM = "urn:hipguide:CodeSystem:"          # + the intake field path
NOTE_URL = "urn:hipguide:StructureDefinition:note"
ASK_IF_URL = "urn:hipguide:StructureDefinition:ask-if"
ITEM_CONTROL_URL = "http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl"
ITEM_CONTROL_SYSTEM = "http://hl7.org/fhir/questionnaire-item-control"
OPTION_EXCLUSIVE_URL = "http://hl7.org/fhir/StructureDefinition/questionnaire-optionExclusive"
MIN_URL = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_URL = "http://hl7.org/fhir/StructureDefinition/maxValue"
FHIR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
SECTION_PREFIX = "section-"
GATE_SUFFIX = "-any"          # the yes/no question in front of a repeating group
NONE_CODE, NOT_SURE_CODE = "none", "not_sure"   # answers of a list that are no value


class ConvertError(Exception):
    """An intake that cannot be written as an answer to this questionnaire."""


@dataclass
class Slot:
    """One question of the FHIR form: where its answer goes in the intake."""

    link: str
    question: object           # questionnaire.Question
    path: tuple                # intake path: ('symptoms', 'hip_pain'), ('injuries',)
    children: dict = field(default_factory=dict)   # link -> Slot, for injuries groups
    primary: bool = True       # the one the converter writes this field to

    @property
    def repeats(self) -> bool:
        return self.question.type in ("multi_choice", "injuries")

    def value_key(self) -> str:
        """The QuestionnaireResponse answer key for this question."""
        spec = self.question.spec
        if isinstance(spec, Number):
            return "valueInteger" if spec.integer else "valueDecimal"
        if isinstance(spec, Boolean):
            return "valueBoolean"
        return "valueCoding"

    def system(self) -> str:
        return CODE_SYSTEM + ".".join(p for p in self.path if isinstance(p, str))

    @property
    def gate(self) -> str | None:
        """The linkId of the yes/no question gating a repeating group."""
        return self.link + GATE_SUFFIX if self.question.type == "injuries" else None

    def specials(self) -> dict:
        """Codes of a multiple-choice list that stand for no value: 'none of these'
        (an empty list) on every list; 'not sure' (not answered) on a required
        one, where a form tool would otherwise not let the person finish."""
        if self.question.type != "multi_choice":
            return {}
        out = {NONE_CODE: "none of these"}
        if self.question.required:
            out[NOT_SURE_CODE] = "not sure"
        return out


@dataclass
class Form:
    """The questionnaire's items with their linkIds and intake paths."""

    questionnaire: object
    sections: list             # (section link, Section, [Slot])
    slots: dict                # top-level question link -> Slot
    primary: dict              # intake field path -> the Slot the converter writes to
    gates: dict = field(default_factory=dict)   # gate linkId -> the group's Slot

    def links(self) -> list:
        """Every linkId a response may use (for 'did you mean')."""
        out = [link for link, _s, _q in self.sections]
        for slot in self.slots.values():
            out.append(slot.link)
            out.extend(slot.children)
        out.extend(self.gates)
        return out


def build_form(qn) -> Form:
    """The Form of a loaded Questionnaire (see the module docstring for linkIds)."""
    primary_of = {}
    for q in qn.questions():
        if q.field not in primary_of or (q.set == {} and primary_of[q.field].set != {}):
            primary_of[q.field] = q
    sections, slots, primary, gates = [], {}, {}, {}
    for number, section in enumerate(qn.sections, 1):
        members = []
        for q in section.questions:
            is_primary = primary_of[q.field] is q
            link = q.field if is_primary else q.id
            slot = Slot(link, q, tuple(q.field.split(".")), primary=is_primary)
            for sub in q.items:
                slot.children[f"{link}.{sub.field}"] = Slot(
                    f"{link}.{sub.field}", sub, slot.path + (sub.field,))
            if slot.gate:
                gates[slot.gate] = slot
            taken = set(q.choices) & {NONE_CODE, NOT_SURE_CODE}
            if slot.specials() and taken:
                raise ValueError(f"{q.field}: a choice named {taken.pop()!r} clashes with the "
                                 "FHIR form's 'none of these' / 'not sure' codes")
            slots[link] = slot
            if is_primary:
                primary[q.field] = slot
            members.append(slot)
        sections.append((f"{SECTION_PREFIX}{number}", section, members))
    return Form(qn, sections, slots, primary, gates)


# ---------------------------------------------------------------- export


def _ext(url: str, key: str, value) -> dict:
    return {"url": url, key: value}


def _typed(spec, value) -> tuple[str, object]:
    """(FHIR value key, value) for a plain intake value of this field type."""
    if isinstance(spec, Number):
        return ("valueInteger" if spec.integer else "valueDecimal"), value
    if isinstance(spec, Boolean):
        return "valueBoolean", value
    raise TypeError(spec)


def _coding(slot: Slot, code: str) -> dict:
    display = slot.question.choices.get(code)
    out = {"system": slot.system(), "code": code}
    if display:
        out["display"] = display
    return out


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
        item["answerOption"] = [{"valueCoding": _coding(slot, c)} for c in q.choices]
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
        return {"valueCoding": _coding(slot, q.default)}
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
            answer = ("answerCoding", _coding(slot, value))
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


# ---------------------------------------------------------------- intake -> response


def _answer(slot: Slot, value) -> list:
    if slot.question.type == "multi_choice":
        return [{"valueCoding": _coding(slot, v)} for v in value]
    if slot.value_key() == "valueCoding":
        return [{"valueCoding": _coding(slot, value)}]
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
