"""The questionnaire as data: ``knowledge/questionnaire.yaml``, loaded and checked.

``load`` checks the questions against the intake contract (``SCHEMA``): every
question names a real intake field, its type matches the field's, its range
lies inside the field's, its choices are the field's values, its default
passes the field's check, its condition parses in the rule language and only
uses earlier answers. Every field a red-flag rule tests must be asked in the
red-flag section, so the red-flag check before the exercise questions is
complete. Nothing here talks to a terminal (see ``dialogue``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..core import contract as schema
from ..core.schema_types import AnyValue, Boolean, Choice, Invalid, ListOf, Mapping, Number, Text
from ..kb import conditions as cl
from ..kb.evaluate import holds
from ..kb.kbfile import KbReader
from ..kb.knowledge import KnowledgeError

FILENAME = "questionnaire.yaml"
TYPES = ("number", "yes_no", "choice", "multi_choice", "injuries")


class _Skip:
    def __repr__(self):
        return "SKIP"


SKIP = _Skip()  # the person left an optional question unanswered


def _text(desc, required=False, n=400):
    return Text(desc, max_length=n, required=required)


_ITEM_FIELDS = {
    "field": _text("the intake field this question fills", required=True, n=80),
    "id": _text("question id (default: the field)", n=80),
    "type": Choice(TYPES, "question type", required=True),
    "text": _text("the question", required=True),
    "help": _text("the line shown for '?'"),
    "range": ListOf(Number(-1e9, 1e9, "a bound"), "[low, high]", max_items=2, unique=False),
    "below": Number(-1e9, 1e9, "a strict upper limit"),
    "choices": AnyValue("a value"),
    "default": AnyValue("a value"),
    "ask_if": AnyValue("a value"),
}
ITEM = Mapping({k: v for k, v in _ITEM_FIELDS.items() if k != "ask_if"},
               "one question about an injury")
QUESTION = Mapping({
    **_ITEM_FIELDS,
    "items": ListOf(ITEM, "the questions asked per injury", unique=False),
    "set": AnyValue("a value"),
    "another": _text("the 'any other?' question"),
}, "one question")
SECTION = Mapping({
    "title": _text("section title", required=True, n=120),
    "red_flags": Boolean("the red-flag section (asked first)"),
    "questions": ListOf(QUESTION, "questions", required=True, unique=False, max_items=200),
}, "a section of questions")
QUESTIONNAIRE = Mapping({
    "red_flag_message": _text("what to say when a red flag is answered", required=True, n=1000),
    "sections": ListOf(SECTION, "sections in order", required=True, unique=False),
    "follow_up": ListOf(_text("a question id", n=80), "the check-in's questions "
                        "(`ask --follow-up`)", max_items=15),
}, "knowledge/questionnaire.yaml")
FOLLOW_UP_MOST = 15


@dataclass
class Question:
    id: str
    field: str                 # intake path, e.g. symptoms.hip_pain; for items: an injury field
    type: str
    text: str
    spec: object               # the contract's field type
    help: str = ""
    choices: dict = field(default_factory=dict)    # name -> explanation
    low: float | None = None
    high: float | None = None
    below: float | None = None
    default: object = SKIP
    ask_if: object = None      # parsed condition
    items: list = field(default_factory=list)
    set: dict = field(default_factory=dict)
    another: str | None = None
    required: bool = False     # Enter does not skip it (a warning sign, or must)
    must: bool = False         # the contract needs it: "not sure" is not enough


@dataclass
class Section:
    title: str
    red_flags: bool
    questions: list


@dataclass
class Questionnaire:
    sections: list
    red_flag_message: str
    red_flag_rules: list = field(default_factory=list)   # RuleSpec from the knowledge base
    follow_up: list = field(default_factory=list)        # question ids asked at a check-in

    def questions(self):
        for section in self.sections:
            yield from section.questions

    def choice_words(self) -> dict:
        """The lay words of every choice, keyed as rule evidence names the answer:
        ``{"posture": {"sway_back": "hips pushed forward, ..."}, "injury.site":
        {"lower_back": "lower back", ...}}`` (an operation's or injury's parts are
        named after one of them: ``surgery.kind``)."""
        words = {}
        for q in self.questions():
            if q.choices:
                words[q.field] = dict(q.choices)
            for item in q.items:
                if item.choices:
                    words[f"{_ONE_OF[q.field]}.{item.field}"] = dict(item.choices)
        return words


_ONE_OF = {"injuries": "injury", "surgeries": "surgery"}   # a list field -> one item's name


def field_spec(path: str):
    """The contract's field type for an intake path such as 'symptoms.hip_pain'."""
    spec = schema.SCHEMA
    for part in path.split("."):
        if not isinstance(spec, Mapping) or part not in spec.fields:
            return None
        spec = spec.fields[part]
    return spec


def _type_of(spec) -> str | None:
    if isinstance(spec, Number):
        return "number"
    if isinstance(spec, Boolean):
        return "yes_no"
    if isinstance(spec, Choice):
        return "choice"
    if isinstance(spec, ListOf) and isinstance(spec.item, Choice):
        return "multi_choice"
    if isinstance(spec, ListOf) and isinstance(spec.item, Mapping):
        return "injuries"  # a repeated group: injuries, or operations (surgeries)
    return None


# ---------------------------------------------------------------- loading


def load(root, kb=None) -> Questionnaire:
    """Read and check ``<root>/knowledge/questionnaire.yaml``.

    Raise ``knowledge.KnowledgeError`` listing every problem. ``kb`` (a
    KnowledgeBase) gives the red-flag rules the first section must cover.
    """
    path = Path(root) / "knowledge" / FILENAME
    reader = KbReader()
    doc = reader.read(path)
    if doc is None or not reader.check(doc, (), QUESTIONNAIRE, doc.data):
        raise KnowledgeError(reader.problems)
    checker = _Checker(reader, doc)
    sections = []
    for s, raw in enumerate(doc.data["sections"]):
        questions = [checker.question(raw_q, ("sections", s, "questions", i))
                     for i, raw_q in enumerate(raw["questions"])]
        questions = [q for q in questions if q is not None]
        if raw.get("red_flags") is True:
            for q in questions:  # a warning sign is never answered by pressing Enter
                q.required = True
        sections.append(Section(raw["title"], raw.get("red_flags") is True, questions))
    qn = Questionnaire(sections, " ".join(doc.data["red_flag_message"].split()))
    ids = {q.id for q in qn.questions()}
    for i, qid in enumerate(doc.data.get("follow_up", [])):
        if qid not in ids:
            checker.problem(("follow_up", i), f"{qid!r} is not a question id")
        else:
            qn.follow_up.append(qid)
    _check_whole(checker, qn, kb)
    if reader.problems:
        raise KnowledgeError(reader.problems)
    return qn


class _Checker:
    def __init__(self, reader, doc):
        self.reader, self.doc = reader, doc
        self.seen_ids: set = set()
        self.asked: set = set()      # top-level fields asked by the questions so far

    def problem(self, where: tuple, message: str):
        self.reader.add(self.doc, where, message)

    def question(self, raw: dict, where: tuple, parent: Mapping | None = None):
        """A checked Question, or None (problems recorded)."""
        name = raw["field"]
        spec = parent.fields.get(name) if parent else field_spec(name)
        if spec is None:
            fields = parent.fields if parent else None
            known = ", ".join(fields) if fields else ("a top-level intake field or "
                                                      "symptoms.<name>; see `hipguide schema`")
            self.problem(where + ("field",), f"{name!r} is not an intake field; expected {known}")
            return None
        kind = _type_of(spec)
        if kind is None:
            self.problem(where + ("field",), f"{name} ({spec.allowed()}) cannot be asked as "
                         "one question; ask its parts, e.g. symptoms.hip_pain")
            return None
        if raw["type"] != kind:
            self.problem(where + ("type",), f"{name} is {spec.allowed()}, so its question type "
                         f"is {kind!r}, not {raw['type']!r}")
            return None
        qid = raw.get("id", name)
        if parent is None:
            if qid in self.seen_ids:
                self.problem(where + ("id",), f"duplicate question id {qid!r}; give one an 'id'")
            self.seen_ids.add(qid)
            if name in self.asked and kind != "injuries":
                self.problem(where + ("field",), f"{name} is asked twice")
        q = Question(qid, name, kind, " ".join(raw["text"].split()), spec,
                     help=" ".join(raw.get("help", "").split()),
                     required=spec.required, must=spec.required)
        ok = self._range(q, raw, where) and self._choices(q, raw, where)
        if ok and "default" in raw:
            try:
                q.default = self.value_check(q, raw["default"])
            except Invalid as exc:
                self.problem(where + ("default",), f"default: {exc.message}")
        if "ask_if" in raw:
            q.ask_if = self._condition(raw["ask_if"], where + ("ask_if",), parent)
        if kind == "injuries":
            self._injuries(q, raw, where)
        elif any(k in raw for k in ("items", "set", "another")):
            self.problem(where, "'items', 'set' and 'another' belong to injuries questions")
        if parent is None:
            self.asked.add(name)
        return q

    def value_check(self, q: Question, value):
        if q.type == "injuries":  # the default answers "any injury?"
            return Boolean("any injury").check(value)
        value = q.spec.check(value)
        if q.type == "number":
            in_range(q, value)
        if q.type == "choice" and value not in q.choices:
            raise Invalid(f"{value!r} is not among this question's choices")
        if q.type == "multi_choice" and any(v not in q.choices for v in value):
            raise Invalid("a value is not among this question's choices")
        return value

    def _range(self, q: Question, raw: dict, where: tuple) -> bool:
        if q.type != "number":
            if "range" in raw or "below" in raw:
                self.problem(where + ("range",), "only number questions have a range")
            return True
        bounds = raw.get("range", [q.spec.low, q.spec.high])
        if len(bounds) != 2 or bounds[0] > bounds[1]:
            self.problem(where + ("range",), "expected [low, high] with low <= high")
            return False
        low, high = bounds
        if low < q.spec.low or high > q.spec.high:
            self.problem(where + ("range",), f"[{low:g}, {high:g}] is outside the contract's "
                         f"range for {q.field}: {q.spec.allowed()}")
            return False
        q.low, q.high, q.below = low, high, raw.get("below")
        return True

    def _choices(self, q: Question, raw: dict, where: tuple) -> bool:
        if q.type not in ("choice", "multi_choice"):
            if "choices" in raw:
                self.problem(where + ("choices",), "only choice questions have choices")
            return True
        values = q.spec.choices if q.type == "choice" else q.spec.item.choices
        choices = raw.get("choices")
        if not isinstance(choices, dict) or not choices:
            self.problem(where + ("choices",), "expected 'name: explanation' lines naming: "
                         + ", ".join(values))
            return False
        good = True
        for name, label in choices.items():
            if name not in values or not isinstance(label, str):
                self.problem(where + ("choices", name), f"{name!r} must be one of "
                             f"{', '.join(values)}, with a text explanation")
                good = False
        q.choices = {k: " ".join(v.split()) for k, v in choices.items()} if good else {}
        return good

    def _condition(self, raw, where: tuple, parent):
        try:
            node = cl.parse(raw, set(), ())
        except cl.ConditionError as exc:
            self.problem(where, exc.message)
            return None
        for leaf in cl.leaves(node):
            name = _leaf_field(leaf)
            if parent is None and name and name not in self.asked:
                self.problem(where, f"the condition uses {name}, which no earlier question asks")
        return node

    def _injuries(self, q: Question, raw: dict, where: tuple):
        record = q.spec.item  # the contract's mapping for one injury (one operation)
        preset = raw.get("set", {})
        if not isinstance(preset, dict):
            self.problem(where + ("set",), "expected a mapping of fields")
            preset = {}
        for name, value in preset.items():
            spec = record.fields.get(name)
            try:
                if spec is None:
                    raise Invalid(f"not a field of {q.field}; expected one of "
                                  f"{', '.join(record.fields)}")
                q.set[name] = spec.check(value)
            except Invalid as exc:
                self.problem(where + ("set", name), exc.message)
        for i, item in enumerate(raw.get("items", [])):
            sub = self.question(item, where + ("items", i), record)
            if sub is not None:
                q.items.append(sub)
        given = set(q.set) | {s.field for s in q.items}
        for name, spec in record.fields.items():
            if spec.required and name not in given:
                self.problem(where + ("items",), f"every injury needs {name!r}: ask it in "
                             "'items' or fix it in 'set'")
        q.another = " ".join(raw["another"].split()) if "another" in raw else None


def in_range(q: Question, value):
    if q.low is not None and not q.low <= value <= q.high:
        raise Invalid(f"{value!r} is out of range; expected {q.low:g} to {q.high:g}")
    if q.below is not None and not value < q.below:
        raise Invalid(f"{value!r} is too high; this question needs a number under {q.below:g}")


def _leaf_field(leaf) -> str:
    if leaf.kind in ("posture", "conditions"):
        return leaf.kind
    if leaf.kind in cl.GROUP_KINDS:
        return cl.GROUP_KINDS[leaf.kind]
    if leaf.kind in cl.CONCLUDED_KINDS or leaf.kind == "policy":
        return ""  # concluded by the engine or set by the run, not asked
    if leaf.kind == "symptoms":
        return f"symptoms.{leaf.field}"
    return leaf.field


def _check_whole(checker: _Checker, qn: Questionnaire, kb):
    where = ("sections",)
    flags = [i for i, s in enumerate(qn.sections) if s.red_flags]
    if flags != [0]:
        checker.problem(where, "exactly one section, the first, has 'red_flags: true'")
    for name, spec in schema.SCHEMA.fields.items():
        if spec.required and name not in checker.asked:
            checker.problem(where, f"no question asks the required field {name!r}")
    if kb is None:
        return
    qn.red_flag_rules = [r for r in kb.rules if r.kind == "red_flag"]
    first = {q.field for q in qn.sections[0].questions} if qn.sections else set()
    for rule in qn.red_flag_rules:
        for leaf in cl.leaves(rule.condition):
            name = _leaf_field(leaf)
            if not name:
                continue
            if _early(name) and name not in first:
                checker.problem(where, f"red-flag rule {rule.id} tests {name}, but no question "
                                "in the red-flag section asks it")
            elif name not in checker.asked:
                checker.problem(where, f"red-flag rule {rule.id} tests {name}, but no question "
                                "asks it")


def _early(name: str) -> bool:
    """Warning signs proper (symptoms, age, operations) are asked first, so a red
    flag stops the exercise questions; context a red flag also uses (activity,
    diagnoses, pregnancy...) may come later: every later answer is checked too."""
    return name.startswith("symptoms.") or name in ("age", "surgeries")


def red_flags(qn: Questionnaire, answers: dict) -> list:
    """The ids of the red-flag rules the answers so far surely meet."""
    return [r.id for r in qn.red_flag_rules if holds(r.condition, answers)]
