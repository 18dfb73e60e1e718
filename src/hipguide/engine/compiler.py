"""Compile rules (data) into experta ``Rule`` objects of one engine class.

experta does all the matching and chaining; this module only translates the
condition tree into patterns and builds each rule's action, named after the
rule id so that experta's firing log reads in rule ids.
"""

from __future__ import annotations

import itertools
import re

from ..kb import conditions as cl
from ._experta import AND, AS, NOT, OR, KnowledgeEngine, P, Rule, W, frozen_value
from .facts import (
    SUBJECT_FACTS,
    VALUE_FIELD,
    Adapt,
    Block,
    Caution,
    Factor,
    Intake,
    Precaution,
    Recommendation,
    RedFlag,
    Unscreened,
    Withheld,
)

_PLACEHOLDER = re.compile(r"{([a-z_.]+)}")
# Higher fires first. Red flags and unanswered warning signs come first, then
# precautions (their Block facts must exist before any recommendation could
# fire), factors, red flags that depend on factors ("late", e.g. pain that no
# factor explains), cautions, and recommendations last: NOT(RedFlag()) and
# NOT(Block(...)) only stop a rule that has not fired yet.
SALIENCE = {"red_flag": 100, "unscreened": 100, "precaution": 90, "factor": 50,
            "late_red_flag": 30, "caution": 20, "recommend": 10, "substitute": 5}


_TESTS: dict = {}


def _test(leaf: cl.Leaf):
    """One P per distinct test, shared by every rule that makes it.  experta keys
    its alpha nodes by the predicate's identity, so a new P per rule gave, e.g.,
    43 ``factor`` id tests run on each Factor fact for ~15 distinct ids."""
    value = tuple(leaf.value) if isinstance(leaf.value, list) else leaf.value
    key = (leaf.op, type(value), value, leaf.negated)
    if key not in _TESTS:
        op, negated = cl.OPS[leaf.op], leaf.negated
        _TESTS[key] = P(lambda v: not op(v, value)) if negated else P(lambda v: op(v, value))
    return _TESTS[key]


class _Patterns:
    """Builds patterns; every positive pattern is bound to a fresh name so the
    action can say which facts made the rule fire."""

    def __init__(self):
        self.counter = itertools.count()
        self.bound = {}  # binding name -> (kind, leaves)

    def pattern(self, kind: str, group: list, bind: bool = True):
        constraints = {}
        for leaf in group:
            if leaf.op == "any":
                continue  # 'no factor', 'unscreened': any fact of the kind
            key = leaf.field if kind in cl.FIELD_KINDS else VALUE_FIELD[kind]
            test = _test(cl.Leaf(leaf.kind, leaf.field, leaf.op, leaf.value, leaf.text,
                                 leaf.negated and kind in cl.FIELD_KINDS))
            constraints[key] = constraints[key] & test if key in constraints else test
        fact = SUBJECT_FACTS[kind](**constraints)
        if not bind:
            return fact
        name = f"b{next(self.counter)}"
        self.bound[name] = (kind, tuple(group))
        return getattr(AS, name) << fact

    def compile(self, node) -> list:
        """Conditional elements whose conjunction is node."""
        if isinstance(node, cl.Leaf) and node.op == "unexplained":
            return [self._unexplained(node)]
        if isinstance(node, cl.Leaf):
            return self._group([node])
        if isinstance(node, cl.Not):
            inner = node.item
            group = [inner] if isinstance(inner, cl.Leaf) else list(inner.items)
            positive = [cl.Leaf(x.kind, x.field, x.op, x.value, x.text, False) for x in group]
            return [NOT(self.pattern(group[0].kind, positive, bind=False))]
        if isinstance(node, cl.Any):
            branches = []
            for item in node.items:
                ces = self.compile(item)
                branches.append(ces[0] if len(ces) == 1 else AND(*ces))
            return [branches[0] if len(branches) == 1 else OR(*branches)]
        leaves = [i for i in node.items if isinstance(i, cl.Leaf) and i.op != "unexplained"]
        others = [i for i in node.items if not isinstance(i, cl.Leaf) or i.op == "unexplained"]
        ces = self._group(leaves)
        for item in others:
            ces += self.compile(item)
        return ces

    def _unexplained(self, leaf: cl.Leaf):
        """'pain unexplained': for each pain score 1-10, that score and no concluded
        factor able to explain it (its limit at or above the score)."""
        branches = []
        for score in range(1, 11):
            pain = self.pattern("symptoms", [cl.Leaf("symptoms", "hip_pain", "==", score,
                                                     f"symptoms.hip_pain == {score}")])
            able = [NOT(Factor(id=fid)) for fid, limit in leaf.value if limit >= score]
            branches.append(AND(pain, *able) if able else pain)
        return OR(*branches)

    def _group(self, leaves: list) -> list:
        ces = []
        merged: dict[str, list] = {}
        for leaf in leaves:
            if leaf.op == "unanswered":  # the one fact of its kind lacks the field
                probe = SUBJECT_FACTS[leaf.kind](**{leaf.field: W()})
                ces.append(probe if leaf.negated else NOT(probe))
            elif leaf.kind in cl.FIELD_KINDS:
                merged.setdefault(leaf.kind, []).append(leaf)
            elif leaf.negated:
                positive = cl.Leaf(leaf.kind, leaf.field, leaf.op, leaf.value, leaf.text)
                ces.append(NOT(self.pattern(leaf.kind, [positive], bind=False)))
            else:
                ces.append(self.pattern(leaf.kind, [leaf]))
        return [self.pattern(kind, group) for kind, group in merged.items()] + ces


def describe_fact(kind: str, fact, leaves) -> str:
    """Plain words for one fact that matched: what the intake said."""
    if kind == "factor":
        return f"factor {fact['id']} ({fact['rule']}: {fact['evidence']})"
    if kind == "posture":
        return f"posture has {fact['kind']}"
    if kind == "conditions":
        return f"conditions has {fact['name']}"
    if kind == "unscreened":
        return f"warning sign not checked: {fact['id']}"
    prefix = {"intake": "", "symptoms": "symptoms.", "policy": "policy.",
              "injury": f"injuries[{fact.get('index')}].",
              "surgery": f"surgeries[{fact.get('index')}]."}
    seen, parts = set(), []
    for leaf in leaves:
        if leaf.field in seen:
            continue
        seen.add(leaf.field)
        value = fact.get(leaf.field)
        shown = str(value).lower() if isinstance(value, bool) else f"{value:g}" \
            if isinstance(value, float) else str(value)
        parts.append(f"{prefix[kind]}{leaf.field} = {shown}")
    return ", ".join(parts)


@frozen_value
class Basis:
    """The facts a rule fired on, put into words (``describe_fact``) only when
    asked: most reports never show them (only ``--explain`` does), and building
    the words was ~7% of an intake's engine time.  Iterating gives the words,
    sorted, then ``extra`` (e.g. "no red flag"), as the eager tuple was.

    A conclusion fact holds it, so experta's duplicate check hashes and compares
    it: equality is that of the words (the same duplicates are dropped as when
    the words were built at once), and the hash is the one thing equal words
    share for sure, their number: facts that differ only in their basis collide,
    and only their words are then built to tell them apart."""

    __slots__ = ("_bound", "_tables", "_extra", "_size", "_words")

    def __init__(self, bound: dict, tables: dict, extra: tuple = ()):
        self._bound, self._tables, self._extra = bound, tables, extra
        self._size = sum(name in tables for name in bound) + len(extra)
        self._words = None

    def words(self) -> tuple:
        words = self._words
        if words is None:
            tables = self._tables
            words = self._words = tuple(sorted(
                describe_fact(tables[n][0], f, tables[n][1])
                for n, f in self._bound.items() if n in tables)) + self._extra
        return words

    def __add__(self, more: tuple) -> Basis:
        return Basis(self._bound, self._tables, self._extra + tuple(more))

    def __iter__(self):
        return iter(self.words())

    def __len__(self) -> int:
        return self._size

    def __eq__(self, other) -> bool:
        if isinstance(other, Basis):
            return self is other or (self._size == other._size
                                     and self.words() == other.words())
        return NotImplemented

    def __hash__(self) -> int:
        return self._size

    def __repr__(self) -> str:   # experta's fact log lines show the words, as before
        return repr(self.words())


def _template_values(bound: dict, tables: dict, words: dict) -> dict:
    values = {}
    for name, fact in bound.items():
        kind, _ = tables[name]
        if kind in cl.FIELD_KINDS:
            prefix = "" if kind == "intake" else kind + "."
            for key, value in fact.as_dict().items():
                if isinstance(value, float):
                    value = f"{value:g}"
                values[prefix + key] = _said(value, words.get(prefix + key))
        elif kind in ("posture", "conditions"):
            values[kind] = _said(fact[VALUE_FIELD[kind]], words.get(kind))
    return values


def _said(value, choices: dict | None):
    """A choice id as a person reads it: an id that is not a word (``lower_back``,
    ``sway_back``) becomes the questionnaire's lay words for it; a choice that is
    already a word (``knee``, ``replacement``) stays, as the rule's sentence
    expects it (the lay words are written as answers: "a joint replacement")."""
    if not isinstance(value, str) or "_" not in value:
        return value
    return (choices or {}).get(value) or value.replace("_", " ")


_BRACKETED = re.compile(r" ?\(([^()]*)\)")


def fill(template: str, values: dict) -> str:
    """An evidence template with the person's answers put in.  A bracketed part
    naming an answer the intake did not give is left out ("... after a fall (2
    months ago)" or "... after a fall"); any other missing answer reads "not given"."""
    def bracket(m):
        names = _PLACEHOLDER.findall(m.group(1))
        return "" if any(n not in values for n in names) else m.group(0)

    template = _BRACKETED.sub(bracket, template)
    return _PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), "not given")), template)


_NO_RED_FLAG = ("no red flag",)


def make_action(rule, tables: dict, blocks: dict, withheld: bool = False,
                adapts: dict | None = None, words: dict | None = None):
    """The rule's right-hand side: declare its conclusion facts. No I/O.

    ``blocks``: precaution id -> the exercise ids it rules out; ``adapts``:
    precaution id -> {exercise id: hazards it is adapted to avoid}. ``withheld``: the
    action of a recommendation's shadow rule, which fires when a precaution
    blocked it and records that (a Withheld fact) instead of recommending.
    ``words``: the questionnaire's lay words for choice ids (``choice_words``)."""
    then = rule.then
    words = words or {}
    kind = rule.kind
    # most evidence texts have no {placeholder}: skip building the values for them
    templated = kind != "recommend" and _PLACEHOLDER.search(rule.evidence or "") is not None

    def action(engine, **bound):
        basis = Basis(bound, tables, _NO_RED_FLAG if kind == "recommend" else ())
        evidence = rule.evidence
        if templated:
            values = _template_values(bound, tables, words)
            evidence = fill(evidence, values)
        common = {"rule": rule.id, "basis": basis}
        if withheld:
            by = sorted(f["precaution"] for n, f in bound.items() if n == "blocked")
            addresses = tuple(sorted(f["id"] for n, f in bound.items()
                                     if n in tables and tables[n][0] == "factor"))
            engine.declare(Withheld(id=then["recommend"], precaution=by[0],
                                    addresses=addresses, **common))
        elif kind == "factor":
            engine.declare(Factor(id=then["factor"], confidence=then["confidence"],
                                  evidence=evidence, **common))
        elif kind == "red_flag":
            engine.declare(RedFlag(id=then["red_flag"], urgency=then.get("urgency", ""),
                                   evidence=evidence, **common))
        elif kind == "recommend":
            addresses = tuple(sorted(f["id"] for n, f in bound.items()
                                     if n in tables and tables[n][0] == "factor"))
            engine.declare(Recommendation(id=then["recommend"], addresses=addresses, **common))
        elif kind == "unscreened":
            engine.declare(Unscreened(id=then["unscreened"], evidence=evidence, **common))
        elif kind == "precaution":
            pid = then["precaution"]
            engine.declare(Precaution(id=pid, evidence=evidence, **common))
            for exercise in blocks.get(pid, ()):
                engine.declare(Block(exercise=exercise, precaution=pid))
            for exercise, hazards in sorted((adapts or {}).get(pid, {}).items()):
                engine.declare(Adapt(exercise=exercise, precaution=pid, hazards=hazards,
                                     rule=rule.id))
        else:
            engine.declare(Caution(id=then["caution"], evidence=evidence, **common))

    action.__name__ = action.__qualname__ = rule.id + ("-WITHHELD" if withheld else "")
    return action


def salience(rule) -> int:
    if rule.kind == "red_flag" and any(leaf.kind in cl.CONCLUDED_KINDS
                                       for leaf in cl.leaves(rule.condition)):
        return SALIENCE["late_red_flag"]
    return SALIENCE[rule.kind]


def compile_rule(rule, blocks: dict | None = None, adapts: dict | None = None,
                 words: dict | None = None) -> list:
    """One rule (see knowledge.RuleSpec) -> experta Rules: the rule itself and,
    for a recommendation, its shadow that records a precaution's block."""
    blocks = blocks or {}
    patterns = _Patterns()
    ces = patterns.compile(cl.normal_form(rule.condition))
    if isinstance(ces[0], NOT):
        # experta 1.9.4 can let a rule that *starts* with NOT(...) fire although
        # the negated fact exists (seen with several such rules in one engine);
        # anchoring it on the one Intake fact avoids that.
        ces.insert(0, Intake())
    if rule.kind != "recommend":
        return [Rule(*ces, salience=salience(rule))(
            make_action(rule, patterns.bound, blocks, adapts=adapts, words=words))]
    exercise = rule.then["recommend"]
    given = Rule(*ces, NOT(RedFlag()), NOT(Block(exercise=exercise)),
                 salience=SALIENCE["recommend"])(make_action(rule, patterns.bound, blocks))
    shadow = Rule(*ces, NOT(RedFlag()), AS.blocked << Block(exercise=exercise),
                  salience=SALIENCE["recommend"])(
        make_action(rule, patterns.bound, blocks, withheld=True))
    return [given, shadow]


def substitution_rules(substitutes: dict) -> dict:
    """For each exercise with substitutes (knowledge/exercises.yaml: safer exercises
    with the same aim, safest first), one rule per substitute: when a precaution
    withheld the exercise, recommend the first substitute no precaution blocks, for
    the same factors, recorded as given in place of the withheld one."""
    namespace = {}
    for exercise, candidates in sorted(substitutes.items()):
        for i, sub in enumerate(candidates):
            earlier = [Block(exercise=c) for c in candidates[:i]]
            namespace[f"substitute_{exercise}_{i}"] = Rule(
                AS.withheld << Withheld(id=exercise), *earlier, NOT(Block(exercise=sub)),
                NOT(RedFlag()), salience=SALIENCE["substitute"])(_substitute(exercise, sub))
    return namespace


def _substitute(exercise: str, sub: str):
    def action(engine, withheld):
        engine.declare(Recommendation(
            id=sub, addresses=withheld["addresses"], rule=withheld["rule"],
            basis=withheld["basis"] + (f"in place of {exercise} (ruled out by precaution "
                                       f"{withheld['precaution']})",),
            substitute_for=exercise))

    action.__name__ = action.__qualname__ = f"SUBSTITUTE-{exercise}-{sub}"
    return action


def build_engine_class(rules, blocks: dict | None = None, adapts: dict | None = None,
                       substitutes: dict | None = None, words: dict | None = None) -> type:
    """A KnowledgeEngine subclass holding every compiled rule. ``blocks``:
    precaution id -> the exercise ids it rules out; ``adapts``: precaution id ->
    {exercise id: hazards adapted away}; ``substitutes``: exercise id -> safer
    exercises for it, safest first; ``words``: choice id -> lay words, for evidence."""
    namespace = {}
    for rule in rules:
        for i, compiled in enumerate(compile_rule(rule, blocks, adapts, words)):
            namespace["rule_" + rule.id.replace("-", "_") + ("_withheld" if i else "")] = compiled
    namespace.update(substitution_rules(substitutes or {}))
    return type("HipguideEngine", (KnowledgeEngine,), namespace)
