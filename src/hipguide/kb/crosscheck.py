"""Checks across the knowledge base's files, once each file checks out on its
own: known hazards, substitutes and red flags, unique rule ids, and every
catalogue item concluded by some rule (and every factor addressed)."""

from __future__ import annotations

from pathlib import Path

from ..core.problems import Problem
from . import conditions as cl
from .kbfile import KbReader
from .knowledgebase import KnowledgeBase


def cross_check(reader: KbReader, kb: KnowledgeBase, root: Path):
    """Record every problem between files in reader.problems."""
    def problem(filename, item, message):
        line, col = item["_where"]
        reader.problems.append(Problem(str(root / "knowledge" / filename), message,
                                       line=line, column=col))

    for pid, item in kb.precautions.items():
        for hazard in item.get("blocks_hazards") or []:
            if hazard not in kb.hazards:
                problem("precautions.yaml", item, f"precaution {pid!r} blocks unknown hazard "
                        f"{hazard!r}; known: {', '.join(kb.hazards)}")
    for xid, item in kb.exercises.items():
        if item.get("_broken"):
            continue
        hazards = item.get("hazards") or []
        for hazard in hazards:
            if hazard not in kb.hazards:
                problem("exercises.yaml", item, f"exercise {xid!r} has unknown hazard "
                        f"{hazard!r}; known: {', '.join(kb.hazards)}")
        adaptations = item.get("adaptations") or {}
        if not isinstance(adaptations, dict) or not all(
                isinstance(k, str) and isinstance(v, str) and v.strip()
                for k, v in adaptations.items()):
            problem("exercises.yaml", item, f"exercise {xid!r}: adaptations must map a "
                    "hazard id to a sentence saying how to avoid it")
        elif set(adaptations) - set(hazards):
            problem("exercises.yaml", item, f"exercise {xid!r} adapts hazards it does not "
                    f"carry: {sorted(set(adaptations) - set(hazards))}")
        for sub in item.get("substitutes") or []:
            target = kb.exercises.get(sub)
            if target is None or target.get("kind") != "exercise" or sub == xid:
                problem("exercises.yaml", item, f"exercise {xid!r}: substitute {sub!r} is "
                        "not another exercise in knowledge/exercises.yaml")
    for cid, caution in kb.cautions.items():
        for ex in caution.get("applies_to", []):
            if ex not in kb.exercises:
                line, col = caution["_where"]
                reader.problems.append(Problem(str(root / "knowledge" / "cautions.yaml"),
                                               f"caution {cid!r} applies to unknown exercise "
                                               f"{ex!r}", line=line, column=col))
    for fid, item in kb.red_flags.items():
        for other in item.get("explained_by") or []:
            if other not in kb.red_flags or other == fid:
                line, col = item["_where"]
                reader.problems.append(Problem(str(root / "knowledge" / "red_flags.yaml"),
                                               f"red flag {fid!r} is explained_by "
                                               f"{'itself' if other == fid else 'unknown'} "
                                               f"red flag {other!r}", line=line, column=col))
    seen = {}
    for rule in kb.rules:
        if rule.id in seen:
            reader.problems.append(Problem(rule.file, f"duplicate rule id (first in "
                                           f"{seen[rule.id]})", line=rule.line, rule=rule.id))
        seen.setdefault(rule.id, f"{rule.file}:{rule.line}")
    if reader.problems:
        return  # "never concluded" would only repeat the problems above
    concluded = {(r.kind, r.concludes) for r in kb.rules}
    addressed = {leaf.value for r in kb.rules if r.kind == "recommend"
                 for leaf in cl.leaves(r.condition) if leaf.kind == "factor" and leaf.op == "=="}
    for fid, item in kb.factors.items():
        if fid not in addressed:  # a factor with nothing to do about it
            line, col = item["_where"]
            reader.problems.append(Problem(str(root / "knowledge" / "factors.yaml"),
                                           f"factor {fid!r} is addressed by no recommendation "
                                           "rule", line=line, column=col))
    for kind, table, filename in (("factor", kb.factors, "factors.yaml"),
                                  ("red_flag", kb.red_flags, "red_flags.yaml"),
                                  ("recommend", kb.exercises, "exercises.yaml"),
                                  ("caution", kb.cautions, "cautions.yaml"),
                                  ("precaution", kb.precautions, "precautions.yaml")):
        for item_id, item in table.items():
            if (kind, item_id) not in concluded:
                line, col = item["_where"]
                reader.problems.append(Problem(str(root / "knowledge" / filename),
                                               f"{item_id!r} is never concluded by any rule",
                                               line=line, column=col))
