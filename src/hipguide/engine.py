"""Run intakes through the compiled rules and turn the conclusions into a Report.

One engine per process, ``reset()`` per intake: a new engine per intake is
several times slower and leaks memory.  Every list in the report is sorted
explicitly, because experta's firing order among rules of equal salience
depends on PYTHONHASHSEED.
"""

from __future__ import annotations

from .kb.compiler import build_engine_class
from .kb.conditions import SCALAR_KINDS
from .kb.facts import (
    Caution,
    Condition,
    Factor,
    Injury,
    Intake,
    Posture,
    Recommendation,
    RedFlag,
    Symptoms,
)
from .kb.knowledge import KnowledgeBase
from .report.model import (
    URGENCY_ORDER,
    FactorFinding,
    RecommendationFinding,
    RedFlagFinding,
    Report,
)

# the intake fields that go into the Intake fact: the ones conditions can name
_SCALARS = tuple(SCALAR_KINDS["intake"])


def intake_facts(intake: dict) -> list:
    """One fact per thing the intake says (one per list item)."""
    facts = [Intake(**{k: intake[k] for k in _SCALARS if intake.get(k) is not None}),
             Symptoms(**{k: v for k, v in intake["symptoms"].items() if v is not None})]
    for i, injury in enumerate(intake["injuries"]):
        facts.append(Injury(index=i, **{k: v for k, v in injury.items() if v is not None}))
    facts += [Posture(kind=p) for p in intake["posture"]]
    facts += [Condition(name=c) for c in intake["conditions"]]
    return facts


def _combine(confidences) -> float:
    """MYCIN-style: independent supporting evidence raises confidence."""
    remaining = 1.0
    for c in confidences:
        remaining *= 1.0 - c
    return round(1.0 - remaining, 2)


class Assessor:
    """Holds one compiled engine; ``assess`` is safe to call many times."""

    def __init__(self, kb: KnowledgeBase):
        self.kb = kb
        self.engine = build_engine_class(kb.rules)()
        meta = kb.meta
        self.reassess = meta["reassess_advice"].format(weeks=meta["reassess_after_weeks"])

    def run(self, intake: dict) -> list:
        engine = self.engine
        engine.reset()
        engine.declare(*intake_facts(intake))
        engine.run()
        return [f for f in engine.facts.values()
                if isinstance(f, (Factor, RedFlag, Recommendation, Caution))]

    def assess(self, intake: dict, report_id: str, source: str) -> Report:
        return self.build(self.run(intake), report_id, source)

    def build(self, conclusions: list, report_id: str, source: str) -> Report:
        kb, meta = self.kb, self.kb.meta
        texts: dict = {}

        def basis(facts) -> list:
            # one object per distinct text (recommendations repeat their factors'):
            # a pickled report, sent from a worker to the parent, holds each once
            return sorted({texts.setdefault(b, b) for f in facts for b in f["basis"]})

        by_kind: dict = {RedFlag: {}, Factor: {}, Recommendation: {}, Caution: {}}
        for fact in conclusions:
            by_kind[type(fact)].setdefault(fact["id"], []).append(fact)

        red_flags = []
        for rid, facts in by_kind[RedFlag].items():
            item = kb.red_flags[rid]
            urgency = min((f["urgency"] or item["urgency"] for f in facts),
                          key=URGENCY_ORDER.__getitem__)
            red_flags.append(RedFlagFinding(
                rid, item["name"], urgency, item["advice"],
                sorted({f["evidence"] for f in facts}), sorted({f["rule"] for f in facts}),
                basis(facts)))
        red_flags.sort(key=lambda r: (URGENCY_ORDER[r.urgency], r.id))

        factors = []
        for fid, facts in by_kind[Factor].items():
            item = kb.factors[fid]
            best = {}
            for f in facts:
                best[f["rule"]] = max(best.get(f["rule"], 0.0), f["confidence"])
            factors.append(FactorFinding(
                fid, item["name"], _combine(sorted(best.values())),
                sorted({f["evidence"] for f in facts}), item["description"],
                sorted(best), basis(facts),
                item.get("advice", "")))
        factors.sort(key=lambda f: (-f.confidence, f.id))
        confidence = {f.id: f.confidence for f in factors}

        cautions = {}
        for cid in sorted(by_kind[Caution]):
            for ex in kb.cautions[cid]["applies_to"]:
                cautions.setdefault(ex, []).append(kb.cautions[cid]["text"])

        recs = []
        for xid, facts in by_kind[Recommendation].items():
            item = kb.exercises[xid]
            addresses = sorted({a for f in facts for a in f["addresses"]},
                               key=lambda a: (-confidence[a], a))
            recs.append(RecommendationFinding(
                xid, item["kind"], item["name"], item["purpose"], addresses, item["dose"],
                list(item["steps"]), list(item.get("equipment") or []), item["progression"],
                item["regression"],
                list(item.get("cautions") or []) + sorted(cautions.get(xid, [])),
                sorted({f["rule"] for f in facts}),
                basis(facts),
                meta["recommendation_disclaimer"]))
        recs.sort(key=lambda r: (r.kind != "exercise", -max(confidence[a] for a in r.addresses),
                                 r.id))

        status = "refer" if red_flags else "ok"
        urgency = red_flags[0].urgency if red_flags else ""
        return Report(
            id=report_id, source=source, status=status, urgency=urgency,
            referral=meta["refer_advice"][urgency] if urgency else "",
            red_flags=red_flags, factors=factors, recommendations=recs,
            rules_fired=sorted({f["rule"] for f in conclusions}),
            reassess=self.reassess,
            knowledge_version=str(meta["version"]), knowledge_reviewed=str(meta["last_reviewed"]),
            disclaimer=meta["disclaimer"])


def invalid_report(kb: KnowledgeBase | None, report_id: str, source: str, errors: list) -> Report:
    meta = kb.meta if kb else {}
    return Report(id=report_id, source=source, status="invalid", errors=errors,
                  knowledge_version=str(meta.get("version", "")),
                  knowledge_reviewed=str(meta.get("last_reviewed", "")),
                  disclaimer=meta.get("disclaimer", ""))
