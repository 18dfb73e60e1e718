"""The questionnaire as a FHIR form: every question with a stable ``linkId``
and the intake path its answer fills.

A ``Form`` gives every question a stable ``linkId`` -- its intake field path
(``sitting_hours``, ``symptoms.hip_pain``, ``injuries``, ``injuries.site``) --
and knows how each answer maps back to the intake. The Questionnaire resource
is built from it in ``fhir``, responses are written in ``fhir_response`` and
read in ``intake.fhir``.

A field asked by several questions keeps its path for the question with no
fixed values (``set``); the others are known by their question id.

Each repeating group (``injuries``, ``surgeries``) is gated by a yes/no
question (``injuries-any``, ``surgeries-any``). Every required multiple-choice
list also offers "none of these" (code ``none``) and "not sure"
(``not_sure``), so a person with nothing to choose can still complete it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..core.schema_types import Boolean, Number

QUESTIONNAIRE_URL = "urn:hipguide:Questionnaire:intake"
CODE_SYSTEM = "urn:hipguide:CodeSystem:"          # + the intake field path
SECTION_PREFIX = "section-"
GATE_SUFFIX = "-any"          # the yes/no question in front of a repeating group
NONE_CODE, NOT_SURE_CODE = "none", "not_sure"   # answers of a list that are no value


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


def coding(slot: Slot, code: str) -> dict:
    """A Coding of one of a question's answers (its display when it has one)."""
    display = slot.question.choices.get(code)
    out = {"system": slot.system(), "code": code}
    if display:
        out["display"] = display
    return out
