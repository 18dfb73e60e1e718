"""The interactive questionnaire: question data, its checks, and the prompt loop.

``knowledge/questionnaire.yaml`` holds the questions as data. ``load`` checks
them against the intake contract (``intake.SCHEMA``): every question names a
real intake field, its type matches the field's, its range lies inside the
field's, its choices are the field's values, its default passes the field's
check, its condition parses in the rule language and only uses earlier
answers. Every field a red-flag rule tests must be asked in the red-flag
section, so the red-flag check before the exercise questions is complete.

The prompt loop has one small function per question type (``ask_number``,
``ask_yes_no``, ``ask_choice``, ``ask_multi_choice``, ``ask_injuries``). Each
answer is checked by the field's own ``check`` -- the rules intake files obey
-- and a bad answer gets one line saying why and the question again. A
terminal and piped standard input take the same path: one line is one answer.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

from . import conditions as cl
from . import intake as schema
from .intake import AnyValue, Boolean, Choice, Invalid, ListOf, Mapping, Number, Text
from .yamlload import parse_documents

FILENAME = "questionnaire.yaml"
TYPES = ("number", "yes_no", "choice", "multi_choice", "injuries")
WIDTH = 88
YES = ("y", "yes", "true")
NO = ("n", "no", "false")
NONE_WORDS = ("none", "n", "no", "nothing", "-")


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
}, "knowledge/questionnaire.yaml")


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
    required: bool = False


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

    def questions(self):
        for section in self.sections:
            yield from section.questions


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
    if isinstance(spec, ListOf) and spec.item is schema.INJURY:
        return "injuries"
    return None


# ---------------------------------------------------------------- loading


def load(root, kb=None) -> Questionnaire:
    """Read and check ``<root>/knowledge/questionnaire.yaml``.

    Raise ``knowledge.KnowledgeError`` listing every problem. ``kb`` (a
    KnowledgeBase) gives the red-flag rules the first section must cover.
    """
    from .knowledge import KnowledgeError, _Reader

    path = Path(root) / "knowledge" / FILENAME
    reader = _Reader()
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
                     required=spec.required)
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
            _in_range(q, value)
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
            if parent is None and name not in self.asked:
                self.problem(where, f"the condition uses {name}, which no earlier question asks")
        return node

    def _injuries(self, q: Question, raw: dict, where: tuple):
        preset = raw.get("set", {})
        if not isinstance(preset, dict):
            self.problem(where + ("set",), "expected a mapping of injury fields")
            preset = {}
        for name, value in preset.items():
            spec = schema.INJURY.fields.get(name)
            try:
                if spec is None:
                    raise Invalid(f"not an injury field; expected one of "
                                  f"{', '.join(schema.INJURY.fields)}")
                q.set[name] = spec.check(value)
            except Invalid as exc:
                self.problem(where + ("set", name), exc.message)
        for i, item in enumerate(raw.get("items", [])):
            sub = self.question(item, where + ("items", i), schema.INJURY)
            if sub is not None:
                q.items.append(sub)
        given = set(q.set) | {s.field for s in q.items}
        for name, spec in schema.INJURY.fields.items():
            if spec.required and name not in given:
                self.problem(where + ("items",), f"every injury needs {name!r}: ask it in "
                             "'items' or fix it in 'set'")
        q.another = " ".join(raw["another"].split()) if "another" in raw else None


def _in_range(q: Question, value):
    if q.low is not None and not q.low <= value <= q.high:
        raise Invalid(f"{value!r} is out of range; expected {q.low:g} to {q.high:g}")
    if q.below is not None and not value < q.below:
        raise Invalid(f"{value!r} is too high; this question needs a number under {q.below:g}")


def _leaf_field(leaf) -> str:
    if leaf.kind in ("posture", "conditions"):
        return leaf.kind
    if leaf.kind == "injury":
        return "injuries"
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
            if name not in first:
                checker.problem(where, f"red-flag rule {rule.id} tests {name}, but no question "
                                "in the red-flag section asks it")


# ---------------------------------------------------------------- red flags


def _truth(node, answers: dict, injury: dict | None):
    """True, False or None (unknown: a value not given yet)."""
    if isinstance(node, cl.Leaf):
        if node.kind in ("posture", "conditions"):
            have = answers.get(node.kind)
            if have is None:
                return None
            hit = node.value in have if node.op == "==" else any(v in have for v in node.value)
            return hit != node.negated
        if node.kind == "intake":
            actual = answers.get(node.field)
        elif node.kind == "symptoms":
            actual = (answers.get("symptoms") or {}).get(node.field)
        elif node.kind == "injury":
            actual = (injury or {}).get(node.field)
        else:
            return None
        return None if actual is None else node.test(actual)
    if isinstance(node, cl.Not):
        inner = _truth(node.item, answers, injury)
        return None if inner is None else not inner
    values = [_truth(i, answers, injury) for i in node.items]
    if isinstance(node, cl.All):
        return False if False in values else (True if all(values) else None)
    return True if True in values else (False if all(v is False for v in values) else None)


def holds(node, answers: dict) -> bool:
    """Whether a condition is true of the answers (for some one injury, if it asks)."""
    return any(_truth(node, answers, injury) is True
               for injury in (answers.get("injuries") or [None]))


def red_flags(qn: Questionnaire, answers: dict) -> list:
    """The ids of the red-flag rules the answers so far meet."""
    return [r.id for r in qn.red_flag_rules if holds(r.condition, answers)]


# ---------------------------------------------------------------- answers


def get(answers: dict, path: str):
    value = answers
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return SKIP
        value = value[part]
    return value


def put(answers: dict, path: str, value):
    *parents, last = path.split(".")
    for part in parents:
        answers = answers.setdefault(part, {})
    answers[last] = value


def ordered(answers: dict) -> dict:
    """The answers in the contract's field order, as an intake file lists them."""
    out = {k: answers[k] for k in schema.SCHEMA.fields if k in answers}
    if isinstance(out.get("symptoms"), dict):
        out["symptoms"] = {k: out["symptoms"][k] for k in schema.SYMPTOMS.fields
                           if k in out["symptoms"]}
    return out


# ---------------------------------------------------------------- prompting


class Console:
    """One line in is one answer, from a terminal or a pipe alike. Questions go
    to ``out`` (standard error), so the report on standard output stays clean.
    When input is not a terminal, each answer is echoed so the transcript reads
    like a session. End of input raises EOFError; Ctrl-C, KeyboardInterrupt."""

    def __init__(self, stdin, out, echo: bool):
        self.stdin, self.out, self.echo = stdin, out, echo

    def say(self, text: str = "", indent: str = "", rest: str | None = None):
        lines = textwrap.wrap(text, WIDTH, initial_indent=indent,
                              subsequent_indent=indent if rest is None else rest,
                              break_on_hyphens=False, break_long_words=False) \
            if text else [""]
        self.out.write("\n".join(lines) + "\n")
        self.out.flush()

    def line(self, prompt: str) -> str:
        self.out.write(prompt)
        self.out.flush()
        try:
            raw = self.stdin.readline()
        except UnicodeDecodeError:
            raw = "\ufffd\n"
        if raw == "":
            if self.echo:
                self.out.write("\n")
            raise EOFError
        raw = raw.rstrip("\r\n")
        if self.echo:
            self.out.write(raw + "\n")
        return raw.strip()


def _show(value) -> str:
    if value is SKIP:
        return ""
    if isinstance(value, bool):
        return "y" if value else "n"
    if isinstance(value, list):
        return ", ".join(value) or "none"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _loop(con: Console, q: Question, hint: str, parse):
    """Ask until parse() accepts the line. Enter gives the default, or skips an
    optional question; '?' shows the help line."""
    default = q.default
    if default is not SKIP:
        tail = f" [{_show(default)}]"
    elif q.required:
        tail = ""
    else:
        tail = " (Enter to skip)"
    prompt = f"  {hint}{tail}: "
    while True:
        raw = con.line(prompt)
        if raw == "?":
            con.say(q.help or "No more help for this question; " + hint, "  ? ", "    ")
            continue
        if raw == "":
            if default is not SKIP:
                return default
            if not q.required:
                return SKIP
            con.say("An answer is needed here (type ? for help).", "  ! ", "    ")
            continue
        try:
            return parse(raw)
        except Invalid as exc:
            con.say(exc.message, "  ! ", "    ")


def _scalar(raw: str):
    """A typed answer read as a YAML scalar, exactly as in an intake file."""
    docs = list(parse_documents(raw, "<answer>"))
    if len(docs) == 1 and not docs[0].problems and not isinstance(docs[0].data, (list, dict)):
        return docs[0].data
    return raw


def ask_number(con: Console, q: Question):
    con.say(q.text)
    kind = "whole number" if q.spec.integer else "number"
    below = f"under {q.below:g}" if q.below is not None else f"to {q.high:g}"
    hint = f"{kind} {q.low:g} {below}"

    def parse(raw):
        value = _scalar(raw)
        if isinstance(value, str) and re.fullmatch(r"[-+]?\d+,\d+", raw):
            raise Invalid(f"use a point for decimals: {raw.replace(',', '.')}")
        value = q.spec.check(value)
        _in_range(q, value)
        return value

    return _loop(con, q, hint, parse)


def parse_yes_no(raw: str) -> bool:
    word = raw.lower()
    if word in YES:
        return True
    if word in NO:
        return False
    raise Invalid(f"please answer y (yes) or n (no), not {raw!r}; ? shows help")


def ask_yes_no(con: Console, q: Question):
    con.say(q.text)
    return _loop(con, q, "y/n", lambda raw: q.spec.check(parse_yes_no(raw)))


def _pick(raw: str, q: Question, spec: Choice) -> str:
    names = list(q.choices)
    if raw.isdigit():
        n = int(raw)
        if not 1 <= n <= len(names):
            raise Invalid(f"{n} is not on the list; choose 1 to {len(names)} or a name")
        return names[n - 1]
    name = raw.strip().lower()
    for key, label in q.choices.items():  # "lower back" or the shown explanation work too
        if re.sub(r"[\s-]+", "_", name) in (key, re.sub(r"[\s-]+", "_", label.lower())):
            name = key
    value = spec.check(name)
    if value not in names:
        raise Invalid(f"{value!r} is not one of: {', '.join(names)}")
    return value


def _list_choices(con: Console, q: Question):
    con.say(q.text)
    for i, (name, label) in enumerate(q.choices.items(), 1):
        shown = name if label == name.replace("_", " ") else f"{name} - {label}"
        con.say(f"{i}. {shown}", "    ")


def ask_choice(con: Console, q: Question):
    _list_choices(con, q)
    return _loop(con, q, f"choose 1-{len(q.choices)} or a name",
                 lambda raw: _pick(raw, q, q.spec))


def ask_multi_choice(con: Console, q: Question):
    _list_choices(con, q)

    def parse(raw):
        if raw.lower() in NONE_WORDS:
            return q.spec.check([])
        parts = [p for p in re.split(r"[,;]", raw)]
        if any(not p.strip() for p in parts):
            raise Invalid("separate the numbers or names with single commas, e.g. 1,3")
        return q.spec.check([_pick(p, q, q.spec.item) for p in parts])

    return _loop(con, q, "numbers or names, comma-separated, or 'none'", parse)


def ask_injuries(con: Console, q: Question, so_far: list, keep=None):
    """Ask whether there is an injury (then 'another?'); per injury, its items.
    ``so_far`` holds the injuries already given (new ones are added to it);
    ``keep`` is called after each complete injury, so an interruption keeps it."""
    injuries = list(so_far)
    text = q.text
    if so_far and q.another:
        con.say(f"You have told me about {len(so_far)} injury(ies) so far.")
        text = q.another
    while len(injuries) < q.spec.max_items:
        gate = Question(q.id, q.field, "yes_no", text, Boolean(text), q.help,
                        default=q.default if text == q.text else False, required=q.required)
        if not ask_yes_no(con, gate):
            break
        injury = dict(q.set)
        for sub in q.items:
            value = ASK[sub.type](con, sub)
            if value is not SKIP:
                injury[sub.field] = value
        schema.INJURY.check(injury)
        injuries.append(injury)
        if keep:
            keep(injuries)
        if q.another is None:
            break
        text = q.another
    return injuries


ASK = {"number": ask_number, "yes_no": ask_yes_no, "choice": ask_choice,
       "multi_choice": ask_multi_choice}


# ---------------------------------------------------------------- the walk


@dataclass
class Session:
    """The answers so far and which questions were asked (for --resume)."""

    answers: dict = field(default_factory=dict)
    asked: list = field(default_factory=list)
    flagged: bool = False


def walk(qn: Questionnaire, con: Console, session: Session, progress=None):
    """Ask every question still to ask, in order, into ``session``. After a red
    flag, say so plainly and ask only what the contract requires."""
    def saved():
        if progress:
            progress()

    def check_flags():
        if not session.flagged and red_flags(qn, session.answers):
            session.flagged = True
            con.say()
            con.say(qn.red_flag_message, "  ** ")

    def keep(injuries):
        put(session.answers, "injuries", injuries)
        saved()

    if session.answers:
        check_flags()
    for section in qn.sections:
        header = False
        for q in section.questions:
            if q.id in session.asked:
                continue
            if session.flagged and not section.red_flags and not q.required:
                continue
            if q.ask_if is not None and not holds(q.ask_if, session.answers):
                continue
            if not header:
                con.say()
                con.say(f"-- {section.title} --")
                header = True
            con.say()
            if q.type == "injuries":
                so_far = get(session.answers, q.field)
                ask_injuries(con, q, so_far if isinstance(so_far, list) else [], keep)
            else:
                value = ASK[q.type](con, q)
                if value is not SKIP:
                    put(session.answers, q.field, value)
            session.asked.append(q.id)
            saved()
            if not section.red_flags:
                check_flags()
        if section.red_flags:
            check_flags()
    return session
