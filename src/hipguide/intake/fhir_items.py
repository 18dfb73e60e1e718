"""The items of one FHIR QuestionnaireResponse walked against the
questionnaire's ``Form`` into intake data: sections, questions, repeating
groups and their yes/no gates, each question's answers read by
``fhir_answers``. Every value remembers its place in the file
(``item[injuries][0] > item[injuries.site] > answer[0]``), so that a problem
found later by the intake contract names it too.
"""

from __future__ import annotations

import difflib

from ..core import contract as schema
from ..core.problems import format_path
from ..core.text import look_alikes
from ..questionnaire.data import SKIP
from .fhir_answers import value_of
from .fhir_problems import Bad, join, kind, unknown_keys

ITEM_KEYS = ("id", "extension", "modifierExtension", "linkId", "definition", "text",
             "answer", "item")

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


class Reader:
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
            place = join(where, f"item[{link}]")
            if link in sections:
                self._no_answer(item, place, "a section")
                self._checked(item, place)
                children = item.get("item", [])
                if not isinstance(children, list):
                    self._bad(join(place, "item"), "expected a list of items")
                    continue
                for child in children:
                    if self._link(child, place) in sections:
                        self._bad(place, "a section inside a section")
                    else:
                        self._question(child, where)
            else:
                self._question(item, where)

    def _bad(self, where: str, message: str):
        self.problems.append(Bad(where, message))

    def _link(self, item, where: str) -> str | None:
        if not isinstance(item, dict):
            self._bad(join(where, "item"), f"expected an item object; got {kind(item)}")
            return None
        link = item.get("linkId")
        if not isinstance(link, str):
            self._bad(join(where, "item"), "an item without a linkId (text)")
            return None
        return link

    def _checked(self, item: dict, place: str) -> bool:
        unknown = unknown_keys(item, ITEM_KEYS)
        if unknown:
            self._bad(place, unknown)
            return False
        return True

    def _no_answer(self, item: dict, place: str, what: str):
        if item.get("answer"):
            self._bad(join(place, "answer"), f"{what} has no answer of its own; answer "
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
            self._gate(item, self.form.gates[link], join(where, f"item[{link}]"))
            return
        if slot is None:
            self._unknown(link, join(where, f"item[{link}]"), self.form.links())
            return
        if slot.question.type == "injuries":
            self._group(item, slot, where)
            return
        place = join(where, f"item[{link}]")
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
            self._bad(join(place, "item"), "this question has no items inside it")
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
        place = join(where, f"item[{slot.link}][{n}]")
        if not self._checked(item, place):
            return
        self._no_answer(item, place, "an injuries group")
        injury = dict(slot.question.set)
        children = item.get("item", [])
        if not isinstance(children, list):
            self._bad(join(place, "item"), "expected a list of items")
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
            sub_place = join(place, f"item[{link}]")
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
            self._bad(join(place, "item"), "this question has no items inside it")
            return
        answers = item.get("answer", [])
        if not isinstance(answers, list):
            self._bad(join(place, "answer"), f"expected a list of answers; got "
                      f"{kind(answers)}")
            return
        if not answers:
            return
        if len(answers) > 1:
            self._bad(place, f"{len(answers)} answers; this question takes one")
            return
        answer = answers[0]
        value = answer.get("valueBoolean") if isinstance(answer, dict) else None
        if not isinstance(value, bool) or len([k for k in answer if k.startswith("value")]) != 1:
            self._bad(join(place, "answer[0]"), "expected valueBoolean (true or false)")
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
        """The intake value of a question item's answers (None: not answered,
        or a problem, noted)."""
        try:
            return value_of(item, slot, place)
        except Bad as bad:
            self.problems.append(bad)
            return None

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
        return join(where, f"item[{format_path(path)}]") if path else where


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
