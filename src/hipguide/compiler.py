"""Compile rules (data) into experta ``Rule`` objects of one engine class.

experta does all the matching and chaining; this module only translates the
condition tree into patterns and builds each rule's action, named after the
rule id so that experta's firing log reads in rule ids.
"""

from __future__ import annotations

import itertools
import re

from . import conditions as cl
from ._experta import AND, AS, NOT, OR, KnowledgeEngine, P, Rule
from .facts import (
    SUBJECT_FACTS,
    VALUE_FIELD,
    Caution,
    Factor,
    Recommendation,
    RedFlag,
)

_PLACEHOLDER = re.compile(r"{([a-z_.]+)}")
SALIENCE = {"red_flag": 100, "factor": 50, "caution": 20, "recommend": 10}


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
            key = leaf.field if kind in ("intake", "symptoms", "injury") else VALUE_FIELD[kind]
            test = _test(cl.Leaf(leaf.kind, leaf.field, leaf.op, leaf.value, leaf.text,
                                 leaf.negated and kind in ("intake", "symptoms", "injury")))
            constraints[key] = constraints[key] & test if key in constraints else test
        fact = SUBJECT_FACTS[kind](**constraints)
        if not bind:
            return fact
        name = f"b{next(self.counter)}"
        self.bound[name] = (kind, tuple(group))
        return getattr(AS, name) << fact

    def compile(self, node) -> list:
        """Conditional elements whose conjunction is node."""
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
        leaves = [i for i in node.items if isinstance(i, cl.Leaf)]
        others = [i for i in node.items if not isinstance(i, cl.Leaf)]
        ces = self._group(leaves)
        for item in others:
            ces += self.compile(item)
        return ces

    def _group(self, leaves: list) -> list:
        ces = []
        merged: dict[str, list] = {}
        for leaf in leaves:
            if leaf.kind in ("intake", "symptoms", "injury"):
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
    prefix = {"intake": "", "symptoms": "symptoms.", "injury": f"injuries[{fact.get('index')}]."}
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


def _template_values(bound: dict, tables: dict) -> dict:
    values = {}
    for name, fact in bound.items():
        kind, _ = tables[name]
        if kind in ("intake", "symptoms", "injury"):
            prefix = "" if kind == "intake" else kind + "."
            for key, value in fact.as_dict().items():
                if isinstance(value, float):
                    value = f"{value:g}"
                values[prefix + key] = value
        elif kind in ("posture", "conditions"):
            values[kind] = fact[VALUE_FIELD[kind]].replace("_", " ")
    return values


def make_action(rule, tables: dict):
    """The rule's right-hand side: declare one conclusion fact. No I/O."""
    then = rule.then
    kind = rule.kind
    # most evidence texts have no {placeholder}: skip building the values for them
    templated = kind != "recommend" and _PLACEHOLDER.search(rule.evidence or "") is not None

    def action(engine, **bound):
        basis = tuple(sorted(describe_fact(tables[n][0], f, tables[n][1])
                             for n, f in bound.items() if n in tables))
        if kind == "recommend":
            basis += ("no red flag",)
        evidence = rule.evidence
        if templated:
            values = _template_values(bound, tables)
            evidence = _PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))),
                                        evidence)
        common = {"rule": rule.id, "basis": basis}
        if kind == "factor":
            engine.declare(Factor(id=then["factor"], confidence=then["confidence"],
                                  evidence=evidence, **common))
        elif kind == "red_flag":
            engine.declare(RedFlag(id=then["red_flag"], urgency=then.get("urgency", ""),
                                   evidence=evidence, **common))
        elif kind == "recommend":
            addresses = tuple(sorted(f["id"] for n, f in bound.items()
                                     if n in tables and tables[n][0] == "factor"))
            engine.declare(Recommendation(id=then["recommend"], addresses=addresses, **common))
        else:
            engine.declare(Caution(id=then["caution"], evidence=evidence, **common))

    action.__name__ = action.__qualname__ = rule.id
    return action


def compile_rule(rule):
    """One rule (see knowledge.RuleSpec) -> an experta Rule."""
    patterns = _Patterns()
    ces = patterns.compile(cl.normal_form(rule.condition))
    if rule.kind == "recommend":
        ces.append(NOT(RedFlag()))
    return Rule(*ces, salience=SALIENCE[rule.kind])(make_action(rule, patterns.bound))


def build_engine_class(rules) -> type:
    """A KnowledgeEngine subclass holding every compiled rule."""
    namespace = {"rule_" + r.id.replace("-", "_"): compile_rule(r) for r in rules}
    return type("HipguideEngine", (KnowledgeEngine,), namespace)
