"""FHIR R4 QuestionnaireResponse JSON files (one response, or a Bundle of them)
read into intake records, one per response.

Each response is mapped to an intake through the ``fhir.Form`` of the
questionnaire and then validated by ``intake.validate``, so JSON answers obey
exactly the contract YAML files do. Every problem names the place in the
file: ``entry[2] > item[injuries][0] > item[injuries.site] > answer[0]``. A
broken response never hides the good ones beside it.
"""

from __future__ import annotations

import difflib
import json
import re
from pathlib import Path

from ..core import contract as schema
from ..core.problems import Problem, format_path
from ..core.schema_types import Invalid
from ..core.text import look_alikes
from ..kb.knowledge import KnowledgeError, default_root
from ..questionnaire import data as questionnaire
from ..questionnaire import fhir
from ..questionnaire.data import SKIP
from .jsonload import JsonError, loads
from .rawscan import warning_signs
from .record import Record

_FORMS: dict = {}

RESPONSE_KEYS = ("resourceType", "id", "meta", "implicitRules", "language", "text",
                 "contained", "extension", "modifierExtension", "identifier", "basedOn",
                 "partOf", "questionnaire", "status", "subject", "encounter", "authored",
                 "author", "source", "item")
BUNDLE_KEYS = ("resourceType", "id", "meta", "implicitRules", "language", "identifier",
               "type", "timestamp", "total", "link", "entry", "signature")
ENTRY_KEYS = ("id", "extension", "modifierExtension", "link", "fullUrl", "resource",
              "search", "request", "response")
ITEM_KEYS = ("id", "extension", "modifierExtension", "linkId", "definition", "text",
             "answer", "item")
ANSWER_KEYS = ("id", "extension", "modifierExtension", "item")
CODING_KEYS = ("id", "extension", "system", "version", "code", "display", "userSelected")
SCORED_STATUSES = ("completed", "amended")
KIND = {"valueInteger": "a whole number", "valueDecimal": "a number",
        "valueBoolean": "true or false", "valueCoding": "a Coding with a code"}


def form(kb_root=None) -> fhir.Form:
    """The process's Form for a knowledge-base folder (None: the default one),
    built once."""
    root = Path(kb_root or default_root())
    key = str(root)
    if key not in _FORMS:
        _FORMS[key] = fhir.build_form(questionnaire.load(root))
    return _FORMS[key]


class _Bad(Exception):
    """One problem stopping a response: where (a path in the file) and what."""

    def __init__(self, where: str, message: str):
        super().__init__(message)
        self.where, self.message = where, message


def _join(*parts: str) -> str:
    return " > ".join(p for p in parts if p)


def _stem(name: str) -> str:
    return "stdin" if name == "<stdin>" else Path(name.removesuffix(".gz")).stem


def records_from_text(text: str, name: str, kb=None) -> list:
    """The intake records of one JSON file's text: responses to the
    questionnaire of the knowledge-base folder ``kb`` (None: the default)."""

    def whole(message, line=None, column=None, partial=None):
        return [Record(_stem(name), name, 1, problems=[Problem(name, message, "", line,
                                                               column)], partial=partial)]

    if not text.strip():
        return whole("empty file: expected a FHIR QuestionnaireResponse or Bundle (JSON)")
    try:
        data = loads(text)
    except JsonError as exc:
        # fail safe: the warning signs the broken text still plainly answers
        return whole(exc.message, exc.line, exc.column, warning_signs(text))
    try:
        the_form = form(kb)
    except KnowledgeError as exc:
        return whole("cannot read FHIR responses: the questionnaire has problems (see "
                     f"`hipguide questionnaire`): {exc.problems[0]}")
    if _is_report(data):
        return whole(schema.NOT_AN_INTAKE)
    if not isinstance(data, dict):
        return whole(f"expected a FHIR QuestionnaireResponse or Bundle object; got "
                     f"{_kind(data)}")
    rtype = data.get("resourceType")
    if rtype == "Bundle":
        return _bundle(data, name, the_form, whole)
    if rtype == "QuestionnaireResponse":
        return [_record(data, name, the_form, "", 1, _stem(name))]
    # an intake written as plain JSON is not scored here, but its warning signs
    # answered yes are still acted on (fail safe)
    return whole(_not_a_response(rtype), partial=schema.salvage(data) if rtype is None
                 else None)


def _is_report(data) -> bool:
    """A report of ``score --format json`` (a list of them) or one of its items."""
    items = data if isinstance(data, list) and data else [data]
    return all(isinstance(item, dict) and schema.REPORT_KEYS <= item.keys() for item in items)


def _kind(value) -> str:
    return {dict: "an object", list: "a list", str: "text", bool: "true/false"}.get(
        type(value), "a number" if isinstance(value, (int, float)) else "null")


def _not_a_response(rtype) -> str:
    if rtype is None:
        return "no resourceType: expected 'QuestionnaireResponse' or 'Bundle'"
    return (f"resourceType {rtype!r} is not read by hipguide; expected 'QuestionnaireResponse' "
            "or a 'Bundle' of them")


def _bundle(data: dict, name: str, the_form, whole) -> list:
    unknown = _unknown_keys(data, BUNDLE_KEYS)
    if unknown:
        return whole(unknown)
    entries = data.get("entry")
    if not isinstance(entries, list) or not entries:
        return whole("a Bundle with no entries: expected one QuestionnaireResponse per entry")
    out = []
    for i, entry in enumerate(entries):
        where, rid = f"entry[{i}]", f"{_stem(name)}#{i + 1}"
        resource = entry.get("resource") if isinstance(entry, dict) else None
        message = None
        if not isinstance(entry, dict):
            message = f"expected an entry object; got {_kind(entry)}"
        elif _unknown_keys(entry, ENTRY_KEYS):
            message = _unknown_keys(entry, ENTRY_KEYS)
        elif not isinstance(resource, dict):
            message = "expected a 'resource' holding a QuestionnaireResponse"
        elif resource.get("resourceType") != "QuestionnaireResponse":
            message = _not_a_response(resource.get("resourceType"))
        if message:
            out.append(Record(rid, name, i + 1, problems=[Problem(name, message, where)]))
        else:
            out.append(_record(resource, name, the_form, where, i + 1, rid))
    return out


def _unknown_keys(data: dict, allowed: tuple) -> str | None:
    for key in data:
        if key not in allowed:
            hint = difflib.get_close_matches(key, allowed, n=1)
            more = f"did you mean {hint[0]!r}?{look_alikes(key)} " if hint else ""
            return f"unknown element {key!r}; {more}allowed: {', '.join(allowed)}"
    if data.get("modifierExtension"):
        return "modifierExtension is not understood by hipguide, so the data cannot be used"
    return None


def _record(res: dict, name: str, the_form, where: str, number: int, default_id: str):
    """One response -> one Record (valid intake, or its problems)."""
    reader = _Reader(the_form)
    rid = default_id
    try:
        rid = _response_id(res, where) or default_id
        try:
            _check_response(res, where)
        except _Bad as bad:
            if not _readable_anyway(res):
                raise
            # fail safe: an unfinished response is not scored, but its answers are
            # read so that a warning sign answered yes is still acted on
            reader.problems.append(bad)
            reader.stopped = True
        items = res.get("item", [])
        if not isinstance(items, list):
            raise _Bad(_join(where, "item"), f"expected a list of items; got {_kind(items)}")
        reader.top(items, where)
        reader.finish()
    except _Bad as bad:
        reader.problems.append(bad)
        reader.stopped = True
    if not reader.stopped:
        intake, invalid = schema.validate(reader.data)
        for exc in invalid:
            missing = re.match(r"missing required key '([^']+)'", exc.message)
            if tuple(exc.path) + ((missing.group(1),) if missing else ()) in reader.failed:
                continue  # the answer's own problem is reported already
            reader.problems.append(_Bad(reader.locate(exc.path, where),
                                        _fhir_words(exc, reader.groups.get(exc.path))))
    problems = [Problem(name, bad.message, bad.where) for bad in reader.problems]
    notes = [Problem(name, "note: " + message, place) for place, message in reader.notes]
    if problems:
        return Record(rid, name, number, problems=problems, notes=notes,
                      partial=schema.salvage(reader.data))
    return Record(rid, name, number, intake, notes=notes)


# LOINC answer code for "Yes" (answer list LL361-7), used by many form tools
_LOINC_YES = "LA33-6"


def _said_yes(item: dict, booleans: bool = False) -> bool:
    """Whether a question's one answer, of the wrong type, plainly says yes
    (valueString "yes", valueCoding Yes / LA33-6, valueInteger 1 ...); with
    ``booleans``, valueBoolean true too."""
    answers = item.get("answer")
    if not isinstance(answers, list) or len(answers) != 1 or not isinstance(answers[0], dict):
        return False
    if booleans and answers[0].get("valueBoolean") is True:
        return True
    words = []
    for key, value in answers[0].items():
        if key == "valueCoding" and isinstance(value, dict):
            words += [value.get("code"), value.get("display")]
        elif key.startswith("value"):
            words.append(value)
    return any(w == _LOINC_YES or (isinstance(w, (str, int)) and not isinstance(w, bool)
                                   and str(w).strip().lower() in schema.AFFIRMATIVE)
               for w in words)


def _fhir_words(exc, group: str | None) -> str:
    """The contract's message in a response's words (items, not keys)."""
    m = re.match(r"missing required key '([^']+)' \((.*)\)$", exc.message)
    if m and group:
        return (f"item[{group}.{m.group(1)}] is not answered; each entry of this group "
                f"needs it ({m.group(2)})")
    if m:
        return f"the required question item[{m.group(1)}] is not answered ({m.group(2)})"
    if exc.key:
        return exc.message.replace("unknown key", "unknown linkId")
    return exc.message


def _response_id(res: dict, where: str) -> str | None:
    rid = res.get("id")
    place = "id"
    if rid is None:
        ident = res.get("identifier")
        if isinstance(ident, list):  # R5 allows several; the first names the report
            ident = ident[0] if ident else None
        rid = ident.get("value") if isinstance(ident, dict) else None
        place = "identifier.value"
    if rid is None:
        return None
    try:
        return schema.SCHEMA.fields["id"].check(rid)
    except Invalid as exc:
        raise _Bad(_join(where, place), exc.message) from None


def _readable_anyway(res: dict) -> bool:
    """A response not scored for its status alone (in progress, stopped): its
    answers are still read for warning signs.  Not one entered in error, nor one
    whose modifierExtension may change what its answers mean."""
    return not _unknown_keys(res, RESPONSE_KEYS) and \
        res.get("status") != "entered-in-error" and \
        not ("questionnaire" in res and not isinstance(res["questionnaire"], str))


def _check_response(res: dict, where: str):
    unknown = _unknown_keys(res, RESPONSE_KEYS)
    if unknown:
        raise _Bad(where, unknown)
    status = res.get("status")
    if status not in SCORED_STATUSES:
        shown = "missing" if status is None else repr(status)
        raise _Bad(_join(where, "status"), f"status is {shown}; only "
                   f"{' or '.join(SCORED_STATUSES)} responses are scored")
    if "questionnaire" in res and not isinstance(res["questionnaire"], str):
        raise _Bad(_join(where, "questionnaire"), "expected the Questionnaire's canonical "
                   f"URL as text, e.g. {fhir.QUESTIONNAIRE_URL}")


class _Reader:
    """Walks one response's items into intake data, noting where each value came
    from (so contract problems can name the item)."""

    def __init__(self, the_form):
        self.form = the_form
        self.data: dict = {}
        self.where: dict = {}       # intake path -> place in the file
        self.seen: set = set()
        self.instances: dict = {}   # group link -> how many so far
        self.problems: list = []
        self.failed: set = set()    # intake paths whose answers had problems
        self.stopped = False        # the response itself is unreadable
        self.groups: dict = {}      # intake path of a group entry -> the group's linkId
        self.notes: list = []       # (place, message): read, but worth telling
        self.gate_answers: dict = {}  # group linkId -> (yes/no, place)
        self.ignored: dict = {}     # group linkId -> entries ignored as empty

    def top(self, items: list, where: str):
        sections = {link for link, _s, _m in self.form.sections}
        for item in items:
            link = self._link(item, where)
            if link is None:
                continue
            place = _join(where, f"item[{link}]")
            if link in sections:
                self._no_answer(item, place, "a section")
                self._checked(item, place)
                children = item.get("item", [])
                if not isinstance(children, list):
                    self._bad(_join(place, "item"), "expected a list of items")
                    continue
                for child in children:
                    if self._link(child, place) in sections:
                        self._bad(place, "a section inside a section")
                    else:
                        self._question(child, where)
            else:
                self._question(item, where)

    def _bad(self, where: str, message: str):
        self.problems.append(_Bad(where, message))

    def _link(self, item, where: str) -> str | None:
        if not isinstance(item, dict):
            self._bad(_join(where, "item"), f"expected an item object; got {_kind(item)}")
            return None
        link = item.get("linkId")
        if not isinstance(link, str):
            self._bad(_join(where, "item"), "an item without a linkId (text)")
            return None
        return link

    def _checked(self, item: dict, place: str) -> bool:
        unknown = _unknown_keys(item, ITEM_KEYS)
        if unknown:
            self._bad(place, unknown)
            return False
        return True

    def _no_answer(self, item: dict, place: str, what: str):
        if item.get("answer"):
            self._bad(_join(place, "answer"), f"{what} has no answer of its own; answer "
                      "the items inside it")

    def _unknown(self, link: str, place: str, choices: list):
        hint = difflib.get_close_matches(link, choices, n=1, cutoff=0.6)
        more = f"did you mean {hint[0]!r}?{look_alikes(link)} " if hint else ""
        self._bad(place, f"unknown linkId {link!r}; {more}the questionnaire's linkIds are the "
                  "intake fields (`hipguide questionnaire --format fhir` lists them)")

    def _question(self, item, where: str):
        link = self._link(item, where)
        if link is None:
            return
        slot = self.form.slots.get(link)
        if slot is None and link in self.form.gates:
            self._gate(item, self.form.gates[link], _join(where, f"item[{link}]"))
            return
        if slot is None:
            self._unknown(link, _join(where, f"item[{link}]"), self.form.links())
            return
        if slot.question.type == "injuries":
            self._group(item, slot, where)
            return
        place = _join(where, f"item[{link}]")
        if not self._checked(item, place):
            return
        if link in self.seen:
            self._bad(place, f"item[{link}] is answered twice; give it once")
            if slot.path[0] == "symptoms" and _said_yes(item, booleans=True):
                # fail safe: a warning sign answered yes in either is acted on
                self._put(slot.path, "yes", place)
            return
        before = len(self.problems)
        self.seen.add(link)
        if item.get("item"):
            self._bad(_join(place, "item"), "this question has no items inside it")
            return
        value = self._value(item, slot, place)
        if value is not None:
            self._put(slot.path, value, place)
        elif len(self.problems) > before:
            self.failed.add(slot.path)
            if slot.path[0] == "symptoms" and _said_yes(item):
                # kept as a word: a warning sign answered "yes" the wrong way still
                # counts as yes when the response is read for warning signs (salvage)
                self._put(slot.path, "yes", place)

    def _group(self, item: dict, slot, where: str):
        n = self.instances.get(slot.link, 0)
        self.instances[slot.link] = n + 1
        place = _join(where, f"item[{slot.link}][{n}]")
        if not self._checked(item, place):
            return
        self._no_answer(item, place, "an injuries group")
        injury = dict(slot.question.set)
        children = item.get("item", [])
        if not isinstance(children, list):
            self._bad(_join(place, "item"), "expected a list of items")
            return
        injuries = self.data.setdefault(slot.path[0], [])
        index = len(injuries)
        before_entry = len(self.problems)
        seen = set()
        for child in children:
            link = self._link(child, place)
            if link is None:
                continue
            sub = slot.children.get(link)
            sub_place = _join(place, f"item[{link}]")
            if sub is None:
                self._unknown(link, sub_place, list(slot.children))
                continue
            if not self._checked(child, sub_place):
                continue
            if link in seen:
                self._bad(sub_place, f"item[{link}] is answered twice in one injury")
                continue
            seen.add(link)
            before = len(self.problems)
            value = self._value(child, sub, sub_place)
            if value is None and len(self.problems) > before:
                self.failed.add((slot.path[0], index, sub.question.field))
            if value is not None:
                injury[sub.question.field] = value
                self.where[(slot.path[0], index, sub.question.field)] = sub_place
        if len(self.problems) == before_entry and _only_defaults(injury, slot):
            # a form tool's untouched entry (or one holding only its defaults):
            # nothing was told, so nothing is recorded
            self.ignored[slot.link] = self.ignored.get(slot.link, 0) + 1
            self.notes.append((place, "an entry with nothing answered (or only defaults) "
                                      "was ignored"))
            for key in [k for k in self.where if k[:2] == (slot.path[0], index)]:
                del self.where[key]
            return
        self.where[(slot.path[0], index)] = place
        self.groups[(slot.path[0], index)] = slot.link
        injuries.append(injury)

    def _gate(self, item: dict, slot, place: str):
        """The yes/no question in front of a repeating group."""
        if not self._checked(item, place):
            return
        if slot.link in self.gate_answers:
            self._bad(place, f"item[{slot.gate}] is answered twice; give it once")
            return
        if item.get("item"):
            self._bad(_join(place, "item"), "this question has no items inside it")
            return
        answers = item.get("answer", [])
        if not isinstance(answers, list):
            self._bad(_join(place, "answer"), f"expected a list of answers; got "
                      f"{_kind(answers)}")
            return
        if not answers:
            return
        if len(answers) > 1:
            self._bad(place, f"{len(answers)} answers; this question takes one")
            return
        answer = answers[0]
        value = answer.get("valueBoolean") if isinstance(answer, dict) else None
        if not isinstance(value, bool) or len([k for k in answer if k.startswith("value")]) != 1:
            self._bad(_join(place, "answer[0]"), "expected valueBoolean (true or false)")
            return
        self.gate_answers[slot.link] = (value, place)

    def finish(self):
        """Apply the gates of the repeating groups: 'no' with no entries is an
        empty list; 'yes' with none, or 'no' with some, is noted (the entries
        given are kept: what was told is never dropped)."""
        for slot in self.form.gates.values():
            field = slot.path[0]
            entries = self.data.get(field)
            if entries == [] and slot.link not in self.gate_answers:
                del self.data[field]    # only ignored entries, and no gate answer
                continue
            if slot.link not in self.gate_answers:
                continue
            value, place = self.gate_answers[slot.link]
            if value and not entries:
                self.data.pop(field, None)
                self.notes.append((place, f"answered yes, but no entry of item[{slot.link}] "
                                          "was given; recorded as not answered"))
            elif not value and entries:
                self.notes.append((place, f"answered no, but {len(entries)} entr"
                                          f"{'y' if len(entries) == 1 else 'ies'} of "
                                          f"item[{slot.link}] were given; they are used"))
            elif not value:
                self.data[field] = []

    def _value(self, item: dict, slot, place: str):
        """The intake value of a question item's answers (None: not answered)."""
        answers = item.get("answer", [])
        if not isinstance(answers, list):
            self._bad(_join(place, "answer"), f"expected a list of answers; got "
                      f"{_kind(answers)}")
            return None
        if not answers:
            return None
        if len(answers) > 1 and not slot.repeats:
            self._bad(place, f"{len(answers)} answers; this question takes one")
            return None
        values = []
        for k, answer in enumerate(answers):
            try:
                values.append(self._one(answer, slot, _join(place, f"answer[{k}]")))
            except _Bad as bad:
                self.problems.append(bad)
                return None
        if slot.repeats and fhir.NONE_CODE in values and len(values) > 1:
            self._bad(place, "'none of these' is given together with other answers; "
                      "give either")
            return None
        if slot.repeats and fhir.NONE_CODE in values:
            return []
        if slot.repeats and fhir.NOT_SURE_CODE in values:
            values = [v for v in values if v != fhir.NOT_SURE_CODE]
            if not values:
                return None     # 'not sure' alone: not answered
        value = values if slot.repeats else values[0]
        try:
            _question_range(slot.question, value)
        except Invalid as exc:
            self._bad(_join(place, "answer[0]"), exc.message)
            return None
        return value

    def _one(self, answer, slot, place: str):
        if not isinstance(answer, dict):
            raise _Bad(place, f"expected an answer object; got {_kind(answer)}")
        keys = [k for k in answer if k.startswith("value")]
        expected = slot.value_key()
        allowed = f"{expected} ({slot.question.spec.allowed()})"
        if len(keys) != 1:
            raise _Bad(place, f"expected exactly one value: {allowed}")
        for key in answer:
            if key not in ANSWER_KEYS and key != keys[0]:
                raise _Bad(place, f"unknown element {key!r} in an answer")
        if answer.get("item"):
            raise _Bad(_join(place, "item"), "this answer has no items inside it")
        if answer.get("modifierExtension"):
            raise _Bad(place, "modifierExtension is not understood by hipguide")
        key = keys[0]
        value = answer[key]
        if key != expected:
            raise _Bad(place, f"expected {allowed}; got {key} {_shown(value)}")
        if expected == "valueCoding":
            return self._code(value, slot, place)
        good = {"valueBoolean": isinstance(value, bool),
                "valueInteger": isinstance(value, int) and not isinstance(value, bool),
                "valueDecimal": isinstance(value, (int, float)) and not isinstance(value, bool)}
        if not good[expected]:
            raise _Bad(place, f"{expected} must be {KIND[expected]}; got {_shown(value)}")
        return value

    def _code(self, coding, slot, place: str) -> str:
        if not isinstance(coding, dict) or not isinstance(coding.get("code"), str):
            raise _Bad(place, f"valueCoding must be an object with a code; one of: "
                       f"{', '.join(slot.question.choices)}")
        for key in coding:
            if key not in CODING_KEYS:
                raise _Bad(place, f"unknown element {key!r} in valueCoding")
        system = coding.get("system")
        if system is not None and system != slot.system():
            raise _Bad(place, f"code system {system!r} is not this question's; expected "
                       f"{slot.system()!r} (or no system)")
        code = coding["code"]
        if code not in slot.question.choices and code not in slot.specials():
            values = list(slot.question.choices) + list(slot.specials())
            hint = difflib.get_close_matches(code, values, n=1)
            more = f" (did you mean {hint[0]!r}?){look_alikes(code)}" if hint else ""
            raise _Bad(place, f"code {code!r} is not an answer here{more}; expected one of: "
                       f"{', '.join(values)}")
        return code

    def _put(self, path: tuple, value, place: str):
        target = self.data
        for part in path[:-1]:
            target = target.setdefault(part, {})
        target[path[-1]] = value
        self.where[path] = place

    def locate(self, path: tuple, where: str) -> str:
        """The place in the file of an intake path (its longest known prefix)."""
        for n in range(len(path), 0, -1):
            if path[:n] in self.where:
                return self.where[path[:n]]
        return _join(where, f"item[{format_path(path)}]") if path else where


def _only_defaults(entry: dict, slot) -> bool:
    """Whether a group entry tells nothing: every value given is the group's
    fixed value or its question's default (the contract's, when the question
    has none)."""
    by_field = {child.question.field: child.question for child in slot.children.values()}
    for name, value in entry.items():
        if slot.question.set.get(name, object()) == value:
            continue
        q = by_field.get(name)
        default = q.default if q is not None and q.default is not SKIP else \
            slot.question.spec.item.fields[name].default
        if value != default or isinstance(value, bool) != isinstance(default, bool):
            return False
    return True


def _shown(value) -> str:
    text = json.dumps(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _question_range(q, value):
    """The question's own range when narrower than the contract's (e.g. a recent
    operation: under 3 months). Values the contract refuses are left to it."""
    if q.type != "number" or isinstance(value, bool) or not isinstance(value, (int, float)):
        return
    if q.low is not None and not q.low <= value <= q.high:
        raise Invalid(f"{value!r} is out of range; expected {q.low:g} to {q.high:g}")
    if q.below is not None and not value < q.below:
        raise Invalid(f"{value!r} is too high; this question needs a number under "
                             f"{q.below:g}")
