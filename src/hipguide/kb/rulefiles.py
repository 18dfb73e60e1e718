"""Reading rules/*.yaml: each rule checked against the rule schema, its
condition parsed, its id, target and evidence placeholders checked, and the
rules that could fire too early refused."""

from __future__ import annotations

import re
from pathlib import Path

from . import conditions as cl
from .kbfile import KbReader
from .knowledgebase import RuleSpec
from .schemas import RULE, RULE_ID, RULE_PREFIX, THEN


def _kind(then) -> str | None:
    keys = [k for k in THEN if isinstance(then, dict) and k in then]
    return keys[0] if len(keys) == 1 else None


def read_rules(reader: KbReader, path: Path, catalogues: dict) -> list:
    """The rules of one rules file that are enabled and check out."""
    doc = reader.read(path)
    if doc is None:
        return []
    if set(doc.data) != {"rules"} or not isinstance(doc.data["rules"], list):
        reader.add(doc, (), "expected one key 'rules' holding a list")
        return []
    out = []
    targets = {"factor": catalogues["factors"], "red_flag": catalogues["red_flags"],
               "recommend": catalogues["exercises"], "caution": catalogues["cautions"],
               "unscreened": catalogues["red_flags"], "precaution": catalogues["precautions"]}
    for i, raw in enumerate(doc.data["rules"]):
        where = ("rules", i)
        rid = raw.get("id") if isinstance(raw, dict) else None
        rid = rid if isinstance(rid, str) else None
        if not reader.check(doc, where, RULE, raw, rid):
            continue
        if not RULE_ID.match(rid):
            reader.add(doc, where + ("id",), f"rule id {rid!r} must look like F-SIT-01 "
                       "(F factor, RF red flag, X exercise/habit, C caution)", rid)
            continue
        then = raw["then"]
        kind = _kind(then)
        if kind is None:
            reader.add(doc, where + ("then",), "'then' needs exactly one of: "
                       + ", ".join(THEN), rid)
            continue
        if not reader.check(doc, where + ("then",), THEN[kind], then, rid):
            continue
        if not rid.startswith(RULE_PREFIX[kind]):
            reader.add(doc, where + ("id",), f"a {kind} rule's id starts with "
                       f"{RULE_PREFIX[kind]!r}", rid)
        if then[kind] not in targets[kind]:
            reader.add(doc, where + ("then", kind), f"unknown {kind.replace('_', ' ')} "
                       f"{then[kind]!r}; not in the knowledge catalogue", rid)
        try:
            condition = cl.parse(raw["when"], {
                fid: item.get("explains_pain_up_to", 0)
                for fid, item in catalogues["factors"].items()}, ())
        except cl.ConditionError as exc:
            reader.add(doc, where + ("when",) + exc.path, exc.message, rid)
            continue
        if raw.get("enabled") is False:
            continue
        line, _ = doc.mark(where)
        out.append(RuleSpec(rid, raw["title"], kind, dict(then), condition, raw["when"],
                            raw["rationale"], raw["source"], str(path), line,
                            then.get("evidence", ""), raw.get("review")))
        _rule_semantics(reader, doc, where, out[-1])
    return out


def _every_branch_has_factor(node) -> bool:
    if isinstance(node, cl.Leaf):
        return node.kind == "factor" and not node.negated
    if isinstance(node, cl.Not):
        return False
    if isinstance(node, cl.All):
        return any(_every_branch_has_factor(i) for i in node.items)
    return all(_every_branch_has_factor(i) for i in node.items)


# what an evidence template may name: every field a condition can test
_PLACEHOLDERS = {f if kind == "intake" else f"{kind}.{f}"
                 for kind, fields in cl.SCALAR_KINDS.items() for f in fields}
_PLACEHOLDERS |= {"posture", "conditions"}


def _rule_semantics(reader, doc, where, rule: RuleSpec):
    leaves = list(cl.leaves(rule.condition))
    early = ("unscreened", "precaution")  # they fire before any factor is concluded
    if rule.kind in early and any(leaf.kind == "factor" for leaf in leaves):
        reader.add(doc, where + ("when",), f"{rule.kind} rules must not test factors "
                   "(they fire before any factor is concluded)", rule.id)
    if rule.kind != "precaution" and any(leaf.kind == "unscreened" for leaf in leaves):
        reader.add(doc, where + ("when",), "only precaution rules may test 'unscreened'",
                   rule.id)
    if rule.kind == "recommend" and not _every_branch_has_factor(rule.condition):
        reader.add(doc, where + ("when",), "a recommendation must follow from a factor in "
                   "every branch ('factor <id>'), so it can say what it addresses", rule.id)
    for name in re.findall(r"{([^{}]*)}", rule.evidence):
        if name not in _PLACEHOLDERS:
            reader.add(doc, where + ("then", "evidence"), f"unknown placeholder {{{name}}} in "
                       "evidence; use a field name such as {sitting_hours}", rule.id)
