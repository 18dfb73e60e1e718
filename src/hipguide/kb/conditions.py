"""The rule condition language: parsing and checking. Evaluation lives in one
place, ``evaluate`` (plain Python), and translation into experta in ``compiler``.

A condition is a YAML value:

* a string leaf  ``"<subject> <op> <value>"`` -- e.g. ``sitting_hours >= 8``,
  ``activity_level == sedentary``, ``symptoms.hip_pain in [4, 5, 6, 7]``,
  ``injury.months_ago < 3``; ops: ``== != < <= > >= in``;
* a bare yes/no field means "is true": ``symptoms.stiffness``;
* ``posture has knee_valgus``, ``conditions has arthritis`` (a list value
  means any of them: ``posture has [knee_valgus, sway_back]``);
* ``factor tight_hip_flexors`` -- a factor concluded by another rule (chaining);
  ``no factor`` -- no factor was concluded at all;
* ``pain unexplained`` -- hip pain (1-10) above what every concluded factor can
  explain (knowledge/factors.yaml ``explains_pain_up_to``, per factor);
* ``symptoms.night_pain unanswered`` -- the intake does not give that value
  (a warning sign left unchecked); always true or false, never unknown;
* ``unscreened`` -- some warning sign was left unanswered (an S- rule fired);
* ``policy.withhold_unscreened`` -- a clinic policy given with the run;
* ``surgery.site == hip``, ``surgery.approach == posterior`` -- an operation;
* ``{all: [...]}``, ``{any: [...]}``, ``{not: ...}``; a plain list means all.

Leaves on ``injury.*`` (or on ``surgery.*``) inside one ``all`` describe one
and the same injury (operation). A leaf about a value the intake did not give
(e.g. no age) is never true, and neither is its ``not``: unknown is not
evidence.
"""

from __future__ import annotations

import difflib
import operator
import re
from dataclasses import dataclass

import yaml

from ..core import contract as schema
from ..core.schema_types import Boolean, Invalid, ListOf, Mapping, Number
from ..core.text import clip, look_alikes

OPS = {
    "==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
    ">": operator.gt, ">=": operator.ge, "in": lambda a, b: a in b,
}
NEGATED = {"==": "!=", "!=": "==", "<": ">=", "<=": ">", ">": "<=", ">=": "<", "in": "not in"}

# A run's policy (set by the clinic for a batch, not by the intake).
POLICY = {
    "withhold_unscreened": Boolean(
        "give no exercises when a warning sign was left unanswered", default=False),
}



def policy_values(policy: dict | None = None) -> dict:
    """Every policy field, defaults filled in."""
    return {k: spec.default for k, spec in POLICY.items()} | (policy or {})


# subject kind -> (fact fields and their specs)
SCALAR_KINDS = {
    "intake": {k: v for k, v in schema.SCHEMA.fields.items()
               if k != "id" and not isinstance(v, (ListOf, Mapping))},
    "symptoms": dict(schema.SYMPTOMS.fields),
    "injury": dict(schema.INJURY.fields),
    "surgery": dict(schema.SURGERY.fields),
    "policy": POLICY,
}
LIST_KINDS = {"posture": schema.POSTURES, "conditions": schema.CONDITIONS}
# subjects that are lists of mappings: the leaves on one inside an 'all' are one item
GROUP_KINDS = {"injury": "injuries", "surgery": "surgeries"}
# subjects whose leaves test one fact's fields (grouped into one pattern)
FIELD_KINDS = ("intake", "symptoms", "injury", "surgery", "policy")
# subjects tested as "some fact of this kind exists" (op 'any')
CONCLUDED_KINDS = ("factor", "unscreened")

# linear-time: no two quantifiers can share a character (the value is stripped
# in Python), and leaves are at most MAX_LEAF_CHARS long before any is matched
_LEAF = re.compile(r"^\s*([a-z_][a-z0-9_.]*)\s*(==|!=|<=|>=|<|>|\bin\b|\bhas\b)\s*(\S.*)$")
MAX_LEAF_CHARS = 500       # one leaf, e.g. 'symptoms.hip_pain in [4, 5, 6, 7]'
MAX_LEAVES = 500           # leaves in one rule's 'when'
MAX_LITERAL = 10 ** 9      # any number in a condition (intake fields have their own ranges)
_BARE = re.compile(r"^\s*([a-z_][a-z0-9_.]*)\s*$")
_DERIVED = re.compile(r"^\s*factor\s+([a-z_][a-z0-9_]*)\s*$")
_UNANSWERED = re.compile(r"^\s*([a-z_][a-z0-9_.]*)\s+unanswered\s*$")


class ConditionError(Exception):
    """A malformed condition; ``path`` locates it inside the rule's ``when``."""

    def __init__(self, message: str, path: tuple = ()):
        super().__init__(message)
        self.message = message
        self.path = path


@dataclass(frozen=True)
class Leaf:
    kind: str          # intake | symptoms | injury | surgery | policy | posture |
                       # conditions | factor | unscreened
    field: str         # fact field ('' for posture/conditions)
    op: str
    value: object
    text: str
    negated: bool = False

    def describe(self) -> str:
        if self.op == "any":  # 'no factor', 'unscreened'
            words = {"factor": ("some factor", "no factor"),
                     "unscreened": ("unscreened", "not unscreened")}[self.kind]
            return words[self.negated]
        return f"not ({self.text})" if self.negated else self.text


@dataclass(frozen=True)
class All:
    items: tuple


@dataclass(frozen=True)
class Any:
    items: tuple


@dataclass(frozen=True)
class Not:
    item: object


def parse(when, factor_ids, path: tuple = ()):
    """Parse a ``when`` value into Leaf/All/Any/Not, checking every name and value
    (and that the condition is of a sane size: MAX_LEAVES leaves of at most
    MAX_LEAF_CHARS characters)."""
    if not path:
        _check_size(when)
    if isinstance(when, list):
        if not when:
            raise ConditionError("an empty list of conditions", path)
        return All(tuple(parse(c, factor_ids, path + (i,)) for i, c in enumerate(when)))
    if isinstance(when, dict):
        if len(when) != 1 or next(iter(when)) not in ("all", "any", "not"):
            raise ConditionError(
                f"a condition mapping has exactly one key: all, any or not; got {sorted(when)}",
                path)
        key, value = next(iter(when.items()))
        if key == "not":
            return Not(parse(value, factor_ids, path + ("not",)))
        if not isinstance(value, list) or not value:
            raise ConditionError(f"'{key}' takes a non-empty list of conditions", path + (key,))
        items = tuple(parse(c, factor_ids, path + (key, i)) for i, c in enumerate(value))
        return All(items) if key == "all" else Any(items)
    if isinstance(when, str):
        return _leaf(when, factor_ids, path)
    raise ConditionError(f"expected a condition (text, list or all/any/not); got {when!r}", path)


def _check_size(when) -> None:
    """Refuse a condition too large to be a clinician's rule, before any matching."""
    leaves, stack = 0, [(when, ())]
    while stack:
        node, path = stack.pop()
        if isinstance(node, list):
            stack += [(c, path + (i,)) for i, c in enumerate(node)]
        elif isinstance(node, dict):
            stack += [(v, path + (k,)) for k, v in node.items()]
        else:
            leaves += 1
            if isinstance(node, str) and len(node) > MAX_LEAF_CHARS:
                raise ConditionError(f"a condition of {len(node):,} characters, over the "
                                     f"{MAX_LEAF_CHARS}-character limit for one condition; "
                                     "split it into several", path)
        if leaves > MAX_LEAVES:
            raise ConditionError(f"more than {MAX_LEAVES} conditions in one rule; split the "
                                 "rule", ())


def _literal(text: str, path: tuple):
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        raise ConditionError(f"cannot read the value {clip(text)!r}", path) from None
    except (ValueError, OverflowError, RecursionError):   # e.g. a 5,000-digit number
        raise ConditionError(f"the value {clip(text)!r} is out of range (numbers in "
                             f"conditions are at most {MAX_LITERAL:,})", path) from None
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, bool) or not isinstance(item, (int, float)):
            if isinstance(item, (list, dict)):
                raise ConditionError(f"the value {clip(text)!r} nests lists or mappings; "
                                     "expected a value or a list of values", path)
            continue
        if not abs(item) <= MAX_LITERAL:   # (also NaN and infinity)
            raise ConditionError(f"the value {clip(str(item))!r} is out of range (numbers "
                                 f"in conditions are at most {MAX_LITERAL:,})", path)
    return value


def _leaf(text: str, factor_ids, path: tuple) -> Leaf:
    words = text.split()
    if words == ["no", "factor"]:
        return Leaf("factor", "id", "any", None, text.strip(), negated=True)
    if words == ["pain", "unexplained"]:
        # factor_ids: a mapping factor id -> the highest pain it can explain
        limits = factor_ids if isinstance(factor_ids, dict) else {}
        return Leaf("factor", "explains_pain", "unexplained",
                    tuple(sorted(limits.items())), text.strip())
    if words == ["unscreened"]:
        return Leaf("unscreened", "id", "any", None, text.strip())
    m = _UNANSWERED.match(text)
    if m:
        kind, field, _ = _subject(m.group(1), text, path)
        if kind not in ("intake", "symptoms"):
            raise ConditionError(f"'unanswered' works on top-level and symptoms fields, not "
                                 f"{m.group(1)!r}", path)
        return Leaf(kind, field, "unanswered", None, text.strip())
    m = _DERIVED.match(text)
    if m:
        if m.group(1) not in factor_ids:
            raise ConditionError(f"unknown factor {m.group(1)!r} in {text!r}", path)
        return Leaf("factor", "id", "==", m.group(1), text.strip())
    m = _BARE.match(text)
    if m:
        kind, field, spec = _subject(m.group(1), text, path)
        if not isinstance(spec, Boolean):
            raise ConditionError(f"{m.group(1)!r} is not a yes/no field; compare it, "
                                 f"e.g. '{m.group(1)} >= ...'", path)
        return Leaf(kind, field, "==", True, text.strip())
    m = _LEAF.match(text)
    if not m:
        raise ConditionError(
            f"cannot read {text!r}; expected '<field> <op> <value>' with op one of "
            "==, !=, <, <=, >, >=, in, has; or 'factor <id>'", path)
    subject, op, raw = m.groups()
    value = _literal(raw.rstrip(), path)
    if op == "has":
        if subject not in LIST_KINDS:
            raise ConditionError(f"'has' works on posture or conditions, not {subject!r}", path)
        values = value if isinstance(value, list) else [value]
        for v in values:
            if v not in LIST_KINDS[subject]:
                raise ConditionError(f"{v!r} is not a {subject} value; expected one of: "
                                     + ", ".join(LIST_KINDS[subject]), path)
        if isinstance(value, list):
            return Leaf(subject, "", "in", tuple(values), text.strip())
        return Leaf(subject, "", "==", value, text.strip())
    kind, field, spec = _subject(subject, text, path)
    values = value if op == "in" else [value]
    if op == "in" and not isinstance(value, list):
        raise ConditionError(f"'in' takes a list such as [a, b]; got {raw!r}", path)
    if op in ("<", "<=", ">", ">=") and not isinstance(spec, Number):
        raise ConditionError(f"{subject!r} is not a number; use == or in", path)
    for v in values:
        try:
            spec.check(v)
        except Invalid as exc:
            raise ConditionError(f"{subject}: {exc.message}", path) from None
    return Leaf(kind, field, op, tuple(values) if op == "in" else value, text.strip())


def _subject(name: str, text: str, path: tuple):
    kind, _, field = name.rpartition(".")
    kind = kind or "intake"
    fields = SCALAR_KINDS.get(kind)
    if fields is None:
        raise ConditionError(f"unknown subject {name!r} in {text!r}; expected a top-level intake "
                             "field, symptoms.<name>, injury.<name>, surgery.<name>, "
                             "policy.<name>, posture, conditions, factor, 'no factor' or "
                             "unscreened", path)
    if field not in fields:
        hint = difflib.get_close_matches(field, list(fields), n=1)
        more = f" (did you mean {hint[0]!r}?{look_alikes(field)})" if hint else ""
        prefix = "" if kind == "intake" else kind + "."
        raise ConditionError(f"unknown field {prefix + field!r}{more}", path)
    return kind, field, fields[field]


def negate(node):
    """Push a negation down to the leaves (negation normal form)."""
    if isinstance(node, Leaf) and node.kind in GROUP_KINDS:
        return Not(node)  # "no injury (operation) with ...", not "one without ..."
    if isinstance(node, Leaf):
        return Leaf(node.kind, node.field, node.op, node.value, node.text, not node.negated)
    if isinstance(node, Not):
        return node.item
    if _one_group(node):
        return Not(node)  # "no injury (operation) such that ..."
    if isinstance(node, All):
        return Any(tuple(negate(i) for i in node.items))
    return All(tuple(negate(i) for i in node.items))


def normal_form(node):
    """Remove Not nodes except over injury-only groups and multi-valued facts."""
    if isinstance(node, Leaf):
        return node
    if isinstance(node, Not):
        inner = node.item
        if isinstance(inner, Leaf) and (inner.kind in GROUP_KINDS or inner.kind in LIST_KINDS
                                        or inner.kind in CONCLUDED_KINDS):
            return Not(inner)
        if _one_group(inner):
            return Not(inner)
        return normal_form(negate(inner))
    cls = type(node)
    return cls(tuple(normal_form(i) for i in node.items))


def _one_group(node) -> bool:
    """An 'all' of leaves on one list-of-mappings subject (one injury, one operation)."""
    return isinstance(node, All) and len({i.kind if isinstance(i, Leaf) else None
                                          for i in node.items}) == 1 \
        and isinstance(node.items[0], Leaf) and node.items[0].kind in GROUP_KINDS


def leaves(node):
    """Every leaf in a condition tree, in order."""
    if isinstance(node, Leaf):
        yield node
    elif isinstance(node, Not):
        yield from leaves(node.item)
    else:
        for item in node.items:
            yield from leaves(item)


def render(node, depth: int = 0) -> list[str]:
    """Readable, indented lines for ``rules show`` and the catalogue page."""
    pad = "  " * depth
    if isinstance(node, Leaf):
        return [pad + node.describe()]
    if isinstance(node, Not):
        return [pad + "none of:"] + render(node.item, depth + 1)
    label = "all of:" if isinstance(node, All) else "any of:"
    lines = [pad + label]
    for item in node.items:
        lines += render(item, depth + 1)
    return lines
