"""Why and why-not: explain, for one intake, what the engine concluded and why,
and for something it did NOT conclude, which condition failed.

The engine (experta, see compiler.py) decides; nothing here feeds back into a
report. This module only re-reads a rule's parsed condition tree (conditions.py)
against the intake and the conclusions the engine actually reached, in plain
Python, to say *which leaf* was false or unknown, with the one plain evaluator
of the rule language (``kb.evaluate``), three-valued as the language is.

If this re-reading ever says a rule should have fired when experta did not fire
it (or the reverse), the explanation says so instead of hiding the mismatch.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .kb.evaluate import Evaluator, Node, word

MAX_DEPTH = 4


def failed_leaves(node: Node) -> list[Node]:
    """The leaves that keep node from being true (all of them, for an 'any')."""
    if node.value is True:
        return []
    if not node.children or node.label.startswith(("some injury", "some surgery")):
        return [node]
    if node.label == "none of:":
        return [node]  # the inner part was true (or unknown)
    return [leaf for child in node.children if child.value is not True
            for leaf in failed_leaves(child)]


def render_node(node: Node, depth: int = 0) -> list[str]:
    pad = "  " * depth
    mark = {True: "[yes]", False: "[no] ", None: "[?]  "}[node.value]
    line = f"{pad}{mark} {node.label}"
    if node.detail:
        line += f"  ({node.detail})"
    lines = [line]
    for child in node.children:
        lines += render_node(child, depth + 1)
    return lines


@dataclass
class RuleResult:
    rule: object                   # knowledge.RuleSpec
    fired: bool                    # what experta did
    tree: Node                     # our re-reading of its condition
    blocked_by_red_flag: bool = False
    basis: list = field(default_factory=list)
    withheld_by: list = field(default_factory=list)   # precautions that blocked it

    @property
    def mismatch(self) -> bool:
        expected = self.tree.value is True and not self.blocked_by_red_flag \
            and not self.withheld_by
        return expected != self.fired


class Explainer:
    """Everything needed to answer 'why' and 'why not' for one intake."""

    def __init__(self, kb, intake: dict, conclusions: list, policy: dict | None = None):
        self.kb = kb
        self.intake = intake
        self.conclusions = conclusions
        self.fired, self.withheld = {}, {}
        self.substitutes: dict = {}   # withheld exercise -> what was given in its place
        for fact in conclusions:
            if fact.get("substitute_for"):
                self.substitutes.setdefault(fact["substitute_for"], set()).add(fact["id"])
            # an Adapt fact is a precaution's note on an exercise, not a rule's conclusion;
            # a substitute is given in place of what its rule recommended (withheld)
            if type(fact).__name__ == "Adapt" or fact.get("substitute_for"):
                continue
            table = self.withheld if type(fact).__name__ == "Withheld" else self.fired
            table.setdefault(fact["rule"], []).append(fact)
        ids = {kind: {f["id"] for f in conclusions if type(f).__name__ == kind}
               for kind in ("Factor", "RedFlag", "Unscreened", "Precaution")}
        self.factors, self.red_flags = ids["Factor"], ids["RedFlag"]
        self.precautions = {f["id"]: f for f in conclusions
                            if type(f).__name__ == "Precaution"}
        self.evaluator = Evaluator(intake, self.factors, ids["Unscreened"], policy)

    def rule(self, rule) -> RuleResult:
        facts = self.fired.get(rule.id, [])
        basis = sorted({b for f in facts for b in f["basis"]})
        withheld = sorted({f["precaution"] for f in self.withheld.get(rule.id, [])})
        return RuleResult(rule, bool(facts), self.evaluator.node(rule.condition),
                          rule.kind == "recommend" and bool(self.red_flags), basis, withheld)

    def rules_for(self, kind: str, item_id: str) -> list:
        return [r for r in self.kb.rules if r.kind == kind and r.concludes == item_id]


KINDS = (("factor", "factors", "factor"), ("red_flag", "red_flags", "red flag"),
         ("recommend", "exercises", "exercise or habit"), ("caution", "cautions", "caution"),
         ("precaution", "precautions", "precaution"))


def resolve(kb, target: str):
    """(kind, id) for a rule id or a catalogue item id; None when unknown."""
    if kb.rule(target) is not None:
        return "rule", target
    for kind, table, _ in KINDS:
        if target in getattr(kb, table):
            return kind, target
    return None


def known_ids(kb) -> list[str]:
    ids = [r.id for r in kb.rules]
    for _, table, _ in KINDS:
        ids += list(getattr(kb, table))
    return ids


def explain(explainer: Explainer, kind: str, item_id: str) -> dict:
    """A JSON-friendly explanation of one item (or one rule) for one intake."""
    if kind == "rule":
        return _rule_entry(explainer, explainer.kb.rule(item_id), set(), 0)
    rules = explainer.rules_for(kind, item_id)
    concluded = any(r.id in explainer.fired for r in rules)
    noun = dict((k, n) for k, _, n in KINDS)[kind]
    return {"item": item_id, "kind": noun, "concluded": concluded,
            "rules": [_rule_entry(explainer, r, {item_id}, 0) for r in rules]}


def _rule_entry(explainer: Explainer, rule, seen: set, depth: int) -> dict:
    result = explainer.rule(rule)
    entry = {"rule": rule.id, "title": rule.title, "fired": result.fired,
             "concludes": f"{rule.kind.replace('recommend', 'exercise')} {rule.concludes}"}
    if result.fired:
        entry["because"] = result.basis
        entry["factors_used"] = [_factor_chain(explainer, leaf.factor, seen, depth)
                                 for leaf in _used_factor_leaves(result.tree)
                                 if leaf.factor not in seen]
    else:
        if result.blocked_by_red_flag:
            entry["blocked_by"] = sorted(explainer.red_flags)
        if result.withheld_by:
            entry["not_given_because"] = [
                {"precaution": pid, "name": explainer.kb.precautions[pid]["name"],
                 "evidence": explainer.precautions[pid]["evidence"],
                 "rule": explainer.precautions[pid]["rule"]} for pid in result.withheld_by]
            given = sorted(explainer.substitutes.get(rule.concludes, ()))
            if given:
                entry["given_instead"] = given
        entry["failed"] = []
        for leaf in failed_leaves(result.tree):
            failure = {"condition": leaf.label, "value": word(leaf.value),
                       "actual": leaf.detail}
            if leaf.factor and leaf.factor not in seen and depth < MAX_DEPTH and \
                    leaf.factor not in explainer.factors:
                sub = explainer.rules_for("factor", leaf.factor)
                failure["why_not"] = [_rule_entry(explainer, r, seen | {leaf.factor}, depth + 1)
                                      for r in sub]
            entry["failed"].append(failure)
    entry["condition"] = result.tree.as_dict()
    if result.mismatch:
        entry["warning"] = ("the engine's result differs from this re-reading of the "
                            "condition; please report it")
    return entry


def _used_factor_leaves(node: Node) -> list[Node]:
    if node.factor and node.value is True and not node.label.startswith("not "):
        return [node]
    return [leaf for child in node.children if child.value is True
            for leaf in _used_factor_leaves(child)]


def _factor_chain(explainer: Explainer, factor_id: str, seen: set, depth: int) -> dict:
    rules = [r for r in explainer.rules_for("factor", factor_id) if r.id in explainer.fired]
    entry = {"factor": factor_id}
    if depth < MAX_DEPTH:
        entry["from"] = [_rule_entry(explainer, r, seen | {factor_id}, depth + 1)
                         for r in rules]
    return entry


def render_text(entry: dict, depth: int = 0) -> list[str]:
    """Readable lines for one explanation from ``explain``."""
    pad = "  " * depth
    lines = []
    if "item" in entry:
        state = "CONCLUDED" if entry["concluded"] else "NOT concluded"
        lines.append(f"{pad}{entry['kind']} {entry['item']}: {state}")
        if not entry["rules"]:
            lines.append(f"{pad}  no rule concludes it")
        for rule in entry["rules"]:
            lines += render_rule(rule, depth + 1)
        return lines
    return render_rule(entry, depth)


def render_rule(entry: dict, depth: int) -> list[str]:
    pad = "  " * depth
    lines = [f"{pad}{entry['rule']} ({entry['title']}) -> {entry['concludes']}: "
             + ("FIRED" if entry["fired"] else "did not fire")]
    if entry.get("warning"):
        lines.append(f"{pad}  WARNING: {entry['warning']}")
    if entry["fired"]:
        for basis in entry.get("because", []):
            lines.append(f"{pad}  because {basis}")
        for chain in entry.get("factors_used", []):
            for sub in chain.get("from", []):
                lines.append(f"{pad}  factor {chain['factor']} came from:")
                lines += render_rule(sub, depth + 2)
        return lines
    for why in entry.get("not_given_because", []):
        lines.append(f"{pad}  not given because: {why['evidence']}, precaution {why['rule']} "
                     f"({why['name']})")
    if entry.get("given_instead"):
        lines.append(f"{pad}  given instead: {', '.join(entry['given_instead'])}")
    if entry.get("blocked_by"):
        lines.append(f"{pad}  blocked: red flag(s) {', '.join(entry['blocked_by'])} stop "
                     "every exercise and habit")
    for failure in entry.get("failed", []):
        state = "unknown (not given)" if failure["value"] == "unknown" else "false"
        actual = f" -- {failure['actual']}" if failure["actual"] else ""
        lines.append(f"{pad}  failed: {failure['condition']} is {state}{actual}")
        for sub in failure.get("why_not", []):
            lines += render_rule(sub, depth + 2)
    return lines
