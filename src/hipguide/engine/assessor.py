"""Run intakes through the compiled rules and turn the conclusions into a Report.

One engine per process, ``reset()`` per intake: a new engine per intake is
several times slower and leaks memory.  Every list in the report is sorted
explicitly, because experta's firing order among rules of equal salience
depends on PYTHONHASHSEED.
"""

from __future__ import annotations

from ..core.wording import for_reader
from ..kb.conditions import SCALAR_KINDS, policy_values
from ..kb.knowledge import KnowledgeBase
from ..kb.knowledgebase import KnowledgeError
from ..kb.review import review_date, review_status
from ..questionnaire import data as questionnaire
from .compiler import SALIENCE, build_engine_class, salience
from .facts import (
    Adapt,
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
from .model import (
    URGENCY_ORDER,
    FactorFinding,
    PrecautionFinding,
    RecommendationFinding,
    RedFlagFinding,
    Report,
    UnansweredWarningSign,
    likelihood,
)
from .own_words import because as precaution_because
from .plan import arrange

CONCLUSIONS = (Factor, RedFlag, Recommendation, Caution, Unscreened, Precaution, Withheld,
               Adapt)

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


def _choice_words(kb: KnowledgeBase) -> dict:
    """The questionnaire's lay words for choice ids, so evidence reads "lower back
    injury", never "lower_back injury"; none when a knowledge base has no (or a
    broken) questionnaire: that is reported where it is asked."""
    try:
        return questionnaire.load(kb.root).choice_words()
    except (KnowledgeError, OSError):
        return {}


class Assessor:
    """Holds one compiled engine; ``assess`` is safe to call many times."""

    def __init__(self, kb: KnowledgeBase, policy: dict | None = None):
        self.kb = kb
        substitutes = {xid: tuple(item.get("substitutes") or ())
                       for xid, item in kb.exercises.items() if item.get("substitutes")}
        self.engine = build_engine_class(kb.rules, kb.blocks(), kb.adaptations(),
                                         substitutes, _choice_words(kb))()
        self.late_rules = frozenset(r.id for r in kb.rules if r.kind == "red_flag"
                                    and salience(r) != SALIENCE["red_flag"])
        meta = kb.meta
        self.reassess = meta["reassess_advice"].format(weeks=meta["reassess_after_weeks"])
        self.policy = {"withhold_unscreened": bool(meta.get("withhold_unscreened", False))}
        self.policy.update(policy or {})
        # the findings' basis texts (what each rule fired on): only --explain shows
        # them, so ``score`` without it sets this False and they are never built
        # (compiler.Basis); a precaution's "because" is built from them either way
        self.explain = True

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

    def assess_invalid(self, partial: dict | None, report_id: str, source: str,
                       errors: list) -> Report:
        """The report of an intake that breaks the contract (fail safe): when the
        answers that could be read (``partial``, contract.salvage) raise a red
        flag, a referral that also lists the errors; else 'invalid'.  Only red
        flags that test answers count: a 'late' one (e.g. pain that no factor
        explains) would rest on the answers that were lost."""
        if partial and may_raise_flag(partial):
            conclusions = [f for f in self.run(partial)
                           if isinstance(f, RedFlag) and f["rule"] not in self.late_rules]
            if conclusions:
                report = self.build(conclusions, report_id, source, partial)
                report.errors = errors
                return report
        return invalid_report(self.kb, report_id, source, errors)

    def build(self, conclusions: list, report_id: str, source: str,
              intake: dict | None = None) -> Report:
        kb, meta = self.kb, self.kb.meta
        texts: dict = {}

        def words(facts) -> list:
            # one object per distinct text (recommendations repeat their factors'):
            # a pickled report, sent from a worker to the parent, holds each once
            return sorted({texts.setdefault(b, b) for f in facts for b in f["basis"]})

        basis = words if self.explain else _no_basis

        by_kind: dict = {kind: {} for kind in CONCLUSIONS}
        adapted: dict = {}     # exercise id -> hazards it is adapted to avoid
        for fact in conclusions:
            if isinstance(fact, Adapt):
                adapted.setdefault(fact["exercise"], set()).update(fact["hazards"])
                continue
            by_kind[type(fact)].setdefault(fact["id"], []).append(fact)

        found = {}
        age = (intake or {}).get("age")
        child = isinstance(age, (int, float)) and age < 18
        for rid, facts in by_kind[RedFlag].items():
            item = kb.red_flags[rid]
            urgency = min((f["urgency"] or item["urgency"] for f in facts),
                          key=URGENCY_ORDER.__getitem__)
            # the answers of the rules that set its urgency (the others say less)
            decisive = {f["evidence"] for f in facts
                        if (f["urgency"] or item["urgency"]) == urgency}
            advice = item.get("advice_under_18") if child else None
            found[rid] = RedFlagFinding(rid, item["name"], urgency, advice or item["advice"],
                                        sorted(decisive), sorted({f["rule"] for f in facts}),
                                        basis(facts))
        red_flags = fold_explained(found, kb.red_flags)
        for flag in red_flags:
            flag.because = because(flag.evidence)

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
            # an adapted exercise says first how it is done without the hazard
            changes = sorted(adapted.get(xid, ()))
            ways = [item["adaptations"][h] for h in changes]
            recs.append(RecommendationFinding(
                xid, item["kind"], item["name"], item["purpose"], addresses, item["dose"],
                list(item["steps"]), list(item.get("equipment") or []), item["progression"],
                item["regression"],
                ways + list(item.get("cautions") or []) + sorted(cautions.get(xid, [])),
                sorted({f["rule"] for f in facts}),
                basis(facts),
                meta["recommendation_disclaimer"], item["progression_test"], item["minutes"],
                item["per_week"], item["position"], item["trains_internal_rotation"],
                item["picture"],
                hazards=sorted(set(item.get("hazards") or ()) - set(changes)),
                adapted=changes,
                substitute_for=sorted({f["substitute_for"] for f in facts
                                       if f.get("substitute_for")}),
                ))
        # when to do each: the plan step (knowledge/programme.yaml), after the engine;
        # 'careful' (lower variants first) when the balance caution applies
        recs, plan = arrange(recs, factors, intake or {}, kb,
                             careful="balance_support" in by_kind[Caution])

        unanswered = [
            UnansweredWarningSign(sid, kb.red_flags[sid]["name"],
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
            evidence, fired_on = sorted({f["evidence"] for f in facts}), words(facts)
            precautions.append(PrecautionFinding(
                pid, item["name"], evidence, item["instead"],
                [{"id": x, "name": kb.exercises[x]["name"]} for x in sorted(withheld.get(pid, ()))],
                sorted({f["rule"] for f in facts}),
                fired_on if self.explain else [],
                precaution_because(fired_on, evidence, (intake or {}).get("answered_by")),
                blocks_hazards=list(item.get("blocks_hazards") or ()),
                blocks_all_exercises=bool(item.get("blocks_all_exercises"))))

        status = "refer" if red_flags else "ok"
        programme = kb.programme
        urgency = red_flags[0].urgency if red_flags else ""
        return for_reader(Report(   # worded for who reads it (a parent: "your child")
            id=report_id, source=source, status=status, urgency=urgency,
            referral=meta["refer_advice"][urgency] if urgency else "",
            call_emergency_now=kb.call_emergency_now.get("text", "") if urgency else "",
            red_flags=red_flags, unanswered_warning_signs=unanswered,
            unscreened_advice=meta["unscreened_advice"] if unanswered else "",
            precautions=precautions, factors=factors, recommendations=recs,
            plan=plan.as_dict() if recs else {},
            # a substitute is given in place of what its rule recommended: that
            # rule's own conclusion was withheld, so it does not count as fired
            rules_fired=sorted({f["rule"] for f in conclusions
                                if not isinstance(f, (Withheld, Adapt))
                                and not f.get("substitute_for")}),
            reassess=self.reassess,
            knowledge_version=str(meta["version"]), knowledge_reviewed=review_date(meta),
            review_status=review_status(meta),
            pain_rule=programme["pain_rule"] if status == "ok" else "",
            safety_net=list(programme["safety_net"]) if status == "ok" else [],
            person=person(intake or {}), disclaimer=meta["disclaimer"]),
            (intake or {}).get("answered_by"))


def _no_basis(facts) -> list:
    return []


def may_raise_flag(answers: dict) -> bool:
    """Whether any red-flag rule could fire on these answers: every one tests a
    symptom answered yes (or pain above 0), an operation or an injury
    (tests/test_safety_properties.py checks this of the rule base).  Without
    one, a broken intake needs no engine run: a batch of them stays fast."""
    symptoms = answers.get("symptoms") or {}
    return bool(answers.get("surgeries") or answers.get("injuries")) or any(
        v is True or (isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0)
        for v in symptoms.values())


def person(intake: dict) -> dict:
    """Who the report is about, as the intake says it (for tables and triage lists)."""
    symptoms = intake.get("symptoms") or {}
    return {"age": intake.get("age"), "hip_pain": symptoms.get("hip_pain"),
            "pain_side": symptoms.get("pain_side")}


def fold_explained(flags: dict, catalogue: dict) -> list:
    """One story: a red flag that another one found explains (its ``explained_by``
    in knowledge/red_flags.yaml) is folded into it: its answers join that flag's,
    its urgency is kept if it is the higher, and it is not told separately (it
    stays in the data, ``merged_into`` naming the flag that tells it).  Sorted
    highest urgency first, the flags that tell the story before the folded ones."""
    order = sorted(flags, key=lambda i: (URGENCY_ORDER[flags[i].urgency], i))
    live = dict(flags)
    for rid in reversed(order):   # the least urgent first: it is the likelier to be explained
        into = next((live[o] for o in catalogue[rid].get("explained_by") or ()
                     if o in live and o != rid), None)
        if into is None:
            continue
        gone = live.pop(rid)
        gone.merged_into = into.id
        for other in flags.values():   # what was folded into it moves on with it
            if other.merged_into == rid:
                other.merged_into = into.id
        if catalogue[rid].get("when_explained", "merge") == "merge":
            into.evidence = sorted(set(into.evidence) | set(gone.evidence))
        into.rules = sorted(set(into.rules) | set(gone.rules))
        into.basis = sorted(set(into.basis) | set(gone.basis))
        into.urgency = min(into.urgency, gone.urgency, key=URGENCY_ORDER.__getitem__)
        into.merged = sorted(set(into.merged) | {rid} | set(gone.merged))
    return sorted(flags.values(), key=lambda r: (bool(r.merged_into),
                                                 URGENCY_ORDER[r.urgency], r.id))


def because(evidence: list) -> str:
    """The answers behind a red flag, in the person's words."""
    if not evidence:
        return ""
    said = evidence[0] if len(evidence) == 1 else \
        "; ".join(evidence[:-1]) + "; and " + evidence[-1]
    return f"Because you said {said}."


def invalid_report(kb: KnowledgeBase | None, report_id: str, source: str, errors: list) -> Report:
    meta = kb.meta if kb else {}
    return Report(id=report_id, source=source, status="invalid", errors=errors,
                  knowledge_version=str(meta.get("version", "")),
                  knowledge_reviewed=review_date(meta) if meta else "",
                  review_status=review_status(meta) if meta else "",
                  disclaimer=meta.get("disclaimer", ""))
