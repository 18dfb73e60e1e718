"""Run intakes through the compiled rules and turn the conclusions into a Report.

One engine per process, ``reset()`` per intake: a new engine per intake is
several times slower and leaks memory.  Every list in the report is sorted
explicitly, because experta's firing order among rules of equal salience
depends on PYTHONHASHSEED.
"""

from __future__ import annotations

from .kb.compiler import build_engine_class
from .kb.conditions import SCALAR_KINDS, policy_values
from .kb.facts import (
    Caution,
    Condition,
    Factor,
    Injury,
    Intake,
    Policy,
    Posture,
    Precaution,
    Recommendation,
    RedFlag,
    Surgery,
    Symptoms,
    Unscreened,
    Withheld,
)
from .kb.knowledge import KnowledgeBase
from .kb.review import review_date, review_status
from .plan import arrange
from .report.model import (
    URGENCY_ORDER,
    FactorFinding,
    PrecautionFinding,
    RecommendationFinding,
    RedFlagFinding,
    Report,
    WarningSignFinding,
    likelihood,
)
from .report.own_words import because

CONCLUSIONS = (Factor, RedFlag, Recommendation, Caution, Unscreened, Precaution, Withheld)

# the intake fields that go into the Intake fact: the ones conditions can name
_SCALARS = tuple(SCALAR_KINDS["intake"])


def intake_facts(intake: dict, policy: dict | None = None) -> list:
    """One fact per thing the intake says (one per list item), and the run's policy."""
    facts = [Intake(**{k: intake[k] for k in _SCALARS if intake.get(k) is not None}),
             Symptoms(**{k: v for k, v in intake["symptoms"].items() if v is not None}),
             Policy(**policy_values(policy))]
    for i, injury in enumerate(intake["injuries"]):
        facts.append(Injury(index=i, **{k: v for k, v in injury.items() if v is not None}))
    for i, surgery in enumerate(intake.get("surgeries") or ()):
        facts.append(Surgery(index=i, **{k: v for k, v in surgery.items() if v is not None}))
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

    def __init__(self, kb: KnowledgeBase, policy: dict | None = None):
        self.kb = kb
        self.engine = build_engine_class(kb.rules, kb.blocks())()
        meta = kb.meta
        self.reassess = meta["reassess_advice"].format(weeks=meta["reassess_after_weeks"])
        self.policy = {"withhold_unscreened": bool(meta.get("withhold_unscreened", False))}
        self.policy.update(policy or {})

    def with_policy(self, **policy) -> Assessor:
        """A view of this Assessor (same compiled engine) with another policy."""
        other = object.__new__(Assessor)
        other.__dict__.update(self.__dict__)
        other.policy = {**self.policy, **policy}
        return other

    def run(self, intake: dict) -> list:
        engine = self.engine
        engine.reset()
        engine.declare(*intake_facts(intake, self.policy))
        engine.run()
        return [f for f in engine.facts.values() if isinstance(f, CONCLUSIONS)]

    def assess(self, intake: dict, report_id: str, source: str) -> Report:
        return self.build(self.run(intake), report_id, source, intake)

    def build(self, conclusions: list, report_id: str, source: str,
              intake: dict | None = None) -> Report:
        kb, meta = self.kb, self.kb.meta
        texts: dict = {}

        def basis(facts) -> list:
            # one object per distinct text (recommendations repeat their factors'):
            # a pickled report, sent from a worker to the parent, holds each once
            return sorted({texts.setdefault(b, b) for f in facts for b in f["basis"]})

        by_kind: dict = {kind: {} for kind in CONCLUSIONS}
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
            confidence = _combine(sorted(best.values()))
            factors.append(FactorFinding(
                fid, item["name"], confidence, likelihood(confidence),
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
                meta["recommendation_disclaimer"], item["progression_test"], item["minutes"],
                item["per_week"], item["position"], item["trains_internal_rotation"],
                item["picture"]))
        # when to do each: the plan step (knowledge/programme.yaml), after the engine;
        # 'careful' (lower variants first) when the balance caution applies
        recs, plan = arrange(recs, factors, intake or {}, kb,
                             careful="balance_support" in by_kind[Caution])

        unanswered = [
            WarningSignFinding(sid, kb.red_flags[sid]["name"],
                               sorted({f["evidence"] for f in facts}),
                               sorted({f["rule"] for f in facts}))
            for sid, facts in sorted(by_kind[Unscreened].items())]

        withheld: dict = {}
        for xid, facts in by_kind[Withheld].items():
            for f in facts:
                withheld.setdefault(f["precaution"], set()).add(xid)
        precautions = []
        for pid, facts in sorted(by_kind[Precaution].items()):
            item = kb.precautions[pid]
            evidence, fired_on = sorted({f["evidence"] for f in facts}), basis(facts)
            precautions.append(PrecautionFinding(
                pid, item["name"], evidence, item["instead"],
                [{"id": x, "name": kb.exercises[x]["name"]} for x in sorted(withheld.get(pid, ()))],
                sorted({f["rule"] for f in facts}),
                fired_on, because(fired_on, evidence, (intake or {}).get("answered_by"))))

        status = "refer" if red_flags else "ok"
        programme = kb.programme
        urgency = red_flags[0].urgency if red_flags else ""
        return Report(
            id=report_id, source=source, status=status, urgency=urgency,
            referral=meta["refer_advice"][urgency] if urgency else "",
            red_flags=red_flags, unanswered_warning_signs=unanswered,
            unscreened_advice=meta["unscreened_advice"] if unanswered else "",
            precautions=precautions, factors=factors, recommendations=recs,
            plan=plan.as_dict() if recs else {},
            rules_fired=sorted({f["rule"] for f in conclusions if not isinstance(f, Withheld)}),
            reassess=self.reassess,
            knowledge_version=str(meta["version"]), knowledge_reviewed=review_date(meta),
            review_status=review_status(meta),
            pain_rule=programme["pain_rule"] if status == "ok" else "",
            safety_net=list(programme["safety_net"]) if status == "ok" else [],
            disclaimer=meta["disclaimer"])


def invalid_report(kb: KnowledgeBase | None, report_id: str, source: str, errors: list) -> Report:
    meta = kb.meta if kb else {}
    return Report(id=report_id, source=source, status="invalid", errors=errors,
                  knowledge_version=str(meta.get("version", "")),
                  knowledge_reviewed=review_date(meta) if meta else "",
                  review_status=review_status(meta) if meta else "",
                  disclaimer=meta.get("disclaimer", ""))
