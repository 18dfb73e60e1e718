"""The one plain-Python reading of the rule condition language (see conditions.py).

experta makes every decision that goes into a report (compiler.py translates
the same condition trees into its patterns). This module answers the same
question in plain Python for the places that must not build an engine: the
why-not explanation (``whynot``) and the questionnaire (which questions to ask,
whether an answer is a warning sign). A test checks that it agrees with experta
on every rule for generated intakes, unanswered fields included.

Values are three-valued, as the language is documented: True, False, or None
(unknown: the intake or the answers so far do not give the value). A leaf
about an unknown value is unknown, and so is its ``not``; ``all`` is false if
any part is false, ``any`` is true if any part is true. Leaves on ``injury.*``
inside one ``all`` describe one and the same injury.

``answers`` is an intake mapping, whole (normalised: absent lists are ``[]``)
or partial (the questionnaire's answers so far: an absent key is unknown).
``factors`` and ``unscreened`` are the ids the engine concluded, or None when
there is no engine run to ask (then ``factor X`` and ``unscreened`` leaves are
unknown). ``policy`` is the run's policy (``conditions.POLICY``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import conditions as cl


@dataclass
class Node:
    """One node of a condition tree, with its value for one intake."""

    label: str                     # 'all of:', 'any of:', 'none of:' or the leaf text
    value: bool | None             # True, False, or None (unknown: not given)
    detail: str = ""               # what the intake actually said, for a leaf
    children: list = field(default_factory=list)
    factor: str = ""               # for 'factor X' leaves: the factor id

    def as_dict(self) -> dict:
        data = {"condition": self.label, "value": word(self.value)}
        if self.detail:
            data["actual"] = self.detail
        if self.children:
            data["children"] = [c.as_dict() for c in self.children]
        return data


def word(value) -> str:
    return {True: "true", False: "false", None: "unknown"}[value]


def all_of(values) -> bool | None:
    values = list(values)
    if any(v is False for v in values):
        return False
    return None if any(v is None for v in values) else True


def any_of(values) -> bool | None:
    values = list(values)
    if any(v is True for v in values):
        return True
    return None if any(v is None for v in values) else False


def not_(value) -> bool | None:
    return None if value is None else not value


def in_words(value) -> str:
    """An answer in plain words, for explanations."""
    if value is None:
        return "not given"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(str(v) for v in value) + "]" if value else "none"
    return str(value)


class Evaluator:
    """Evaluates condition trees against one intake (or partial answers)."""

    def __init__(self, answers: dict, factors: set | None = None,
                 unscreened: set | None = None, policy: dict | None = None):
        self.answers = answers
        self.concluded = {"factor": None if factors is None else set(factors),
                          "unscreened": None if unscreened is None else set(unscreened)}
        self.policy = cl.policy_values(policy)

    def holds(self, node) -> bool:
        """Whether node is surely true (unknown is not true)."""
        return self.node(node).value is True

    def node(self, node) -> Node:
        if isinstance(node, cl.Leaf):
            return self.leaf(node)
        if isinstance(node, cl.Not):
            inner = self.node(node.item)
            return Node("none of:", not_(inner.value), children=[inner])
        if isinstance(node, cl.Any):
            kids = [self.node(i) for i in node.items]
            return Node("any of:", any_of(k.value for k in kids), children=kids)
        grouped = {kind: [i for i in node.items if isinstance(i, cl.Leaf) and i.kind == kind]
                   for kind in cl.GROUP_KINDS}
        rest = [i for i in node.items
                if not (isinstance(i, cl.Leaf) and i.kind in cl.GROUP_KINDS)]
        kids = [self.node(i) for i in rest]
        for group in grouped.values():
            if group:
                kids.append(self.items(cl.All(tuple(group))))
        return Node("all of:", all_of(k.value for k in kids), children=kids)

    def leaf(self, leaf: cl.Leaf, injury: dict | None = None) -> Node:
        answers = self.answers
        if leaf.kind in cl.CONCLUDED_KINDS:
            return self._concluded(leaf)
        if leaf.op == "unanswered":
            where = answers if leaf.kind == "intake" else answers.get("symptoms") or {}
            name = leaf.field if leaf.kind == "intake" else f"symptoms.{leaf.field}"
            missing = where.get(leaf.field) is None
            return Node(leaf.describe(), missing != leaf.negated,
                        f"{name} = {in_words(where.get(leaf.field))}")
        if leaf.kind == "policy":
            actual = self.policy.get(leaf.field)
            return Node(leaf.describe(), _test(leaf, actual),
                        f"policy.{leaf.field} = {in_words(actual)}")
        if leaf.kind in ("posture", "conditions"):
            have = answers.get(leaf.kind)
            if have is None:
                return Node(leaf.describe(), None, f"{leaf.kind} = not given")
            wanted = leaf.value if leaf.op == "in" else (leaf.value,)
            found = any(w in have for w in wanted)
            value = (not found) if leaf.negated else found
            return Node(leaf.describe(), value, f"{leaf.kind} = {in_words(list(have))}")
        if leaf.kind in cl.GROUP_KINDS:
            if injury is None:  # a lone leaf: is there any injury (operation) that fits?
                return self.items(cl.All((leaf,)), label=leaf.describe())
            actual = injury.get(leaf.field)
            return Node(leaf.describe(), _test(leaf, actual),
                        f"{leaf.kind}.{leaf.field} = {in_words(actual)}")
        if leaf.kind == "symptoms":
            actual = (answers.get("symptoms") or {}).get(leaf.field)
            return Node(leaf.describe(), _test(leaf, actual),
                        f"symptoms.{leaf.field} = {in_words(actual)}")
        actual = answers.get(leaf.field)
        return Node(leaf.describe(), _test(leaf, actual), f"{leaf.field} = {in_words(actual)}")

    def _concluded(self, leaf: cl.Leaf) -> Node:
        """'factor X', 'no factor', 'unscreened': what the engine concluded."""
        ids = self.concluded[leaf.kind]
        if leaf.op == "unexplained":
            pain = (self.answers.get("symptoms") or {}).get("hip_pain")
            if ids is None or pain is None:
                return Node(leaf.describe(), None, "hip pain or factors not known yet")
            explained_by = [f for f, limit in leaf.value if f in ids and limit >= pain]
            value = pain >= 1 and not explained_by
            detail = (f"hip pain {pain}/10 explained by {', '.join(explained_by)}"
                      if explained_by else f"hip pain {pain}/10; no factor explains it")
            return Node(leaf.describe(), value != leaf.negated, detail)
        if leaf.op == "any":
            if ids is None:
                return Node(leaf.describe(), None, f"{leaf.kind} not known yet")
            present = bool(ids)
            detail = f"{leaf.kind}: {', '.join(sorted(ids)) or 'none'}"
            return Node(leaf.describe(), present != leaf.negated, detail)
        if ids is None:
            return Node(leaf.describe(), None, f"factor {leaf.value} not known yet",
                        factor=leaf.value)
        present = leaf.value in ids
        detail = "concluded" if present else "not concluded"
        return Node(leaf.describe(), present != leaf.negated, f"factor {leaf.value} {detail}",
                    factor=leaf.value)

    def items(self, group: cl.All, label: str | None = None) -> Node:
        """Leaves on injury.* (surgery.*) in one 'all' describe one and the same
        injury (operation): true when some item fits them all."""
        kind = group.items[0].kind
        plural = cl.GROUP_KINDS[kind]
        title = f"some {kind} with " + (label or " and ".join(lf.describe()
                                                              for lf in group.items))
        given = self.answers.get(plural)
        if given is None:
            return Node(title, None, f"{plural} not given")
        if not given:
            return Node(title, False, f"no {plural} given")
        kids = []
        for i, item in enumerate(given):
            parts = [self.leaf(lf, item) for lf in group.items]
            kids.append(Node(f"{plural}[{i}]", all_of(p.value for p in parts), children=parts))
        value = any_of(k.value for k in kids)
        fits = [k.label for k in kids if k.value is True]
        detail = f"{fits[0]} fits" if fits else f"none of {len(kids)} {plural} fits"
        return Node(title, value, detail, kids)


def _test(leaf: cl.Leaf, actual) -> bool | None:
    if actual is None:
        return None
    result = cl.OPS[leaf.op](actual, leaf.value)
    return not result if leaf.negated else result


def holds(node, answers: dict, factors: set | None = None) -> bool:
    """Whether a condition is surely true of the answers."""
    return Evaluator(answers, factors).holds(node)
