"""The check-in: compare two intakes of one person and say what to do next.

``compare`` takes the two intakes and their reports (the engine scores both, so
a warning sign is found exactly as ``score`` finds it) and gives a Comparison:
field by field improved / no change / worse / not comparable, and a verdict --
see a clinician, move on to the next stage, or keep going. The thresholds and
every sentence come from ``knowledge/checkin.yaml``, whose header documents the
rules; this module applies them in that order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..core.wording import PARENT, is_parent, to_parent
from ..engine.model import URGENCY_ORDER, URGENCY_WORDS, Report
from ..engine.plan import LATER, NEXT, STAGE_WEEKS, START
from ..kb.review import review_date, review_status

IMPROVED, SAME, WORSE, NOT_COMPARABLE = "improved", "no change", "worse", "not comparable"
SEE, MOVE_ON, KEEP_GOING = "see_clinician", "move_on", "keep_going"
COMPARED, INVALID, UNMATCHED, INTERNAL = "compared", "invalid", "unmatched", "internal_error"
ACTIVITY = ("sedentary", "light", "moderate", "active")   # less to more active
STAGE_NAMES = {START: "Start here", NEXT: "Add next", LATER: "Later"}

# (label key, where in the intake, kind); kind decides how a change is judged
FIELDS = (
    ("hip_pain", ("symptoms", "hip_pain"), "pain"),
    ("stiffness", ("symptoms", "stiffness"), "symptom"),
    ("limited_rotation", ("symptoms", "limited_rotation"), "symptom"),
    ("balance_problems", ("symptoms", "balance_problems"), "symptom"),
    ("sitting_hours", ("sitting_hours",), "hours"),
    ("standing_breaks_hourly", ("standing_breaks_hourly",), "habit"),
    ("activity_level", ("activity_level",), "level"),
)
SYMPTOM_KINDS = ("pain", "symptom")


@dataclass
class FieldChange:
    field: str                  # intake field path, or warning_signs
    label: str                  # what people see (knowledge/checkin.yaml labels)
    group: str                  # symptom | habit | warning_signs
    before: object
    after: object
    result: str                 # improved | no change | worse | not comparable
    change: float | None = None  # after - before, for numbers

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class Comparison:
    id: str
    status: str                 # compared | invalid | unmatched | internal_error
    before: dict = field(default_factory=dict)   # {source, id, status, urgency}
    after: dict = field(default_factory=dict)
    weeks: int | None = None
    decision: str = ""          # see_clinician | move_on | keep_going
    title: str = ""
    urgency: str = ""           # when seeing a clinician
    advice: str = ""
    reasons: list = field(default_factory=list)
    fields: list = field(default_factory=list)   # FieldChange
    new_red_flags: list = field(default_factory=list)      # {id, name, urgency, advice, evidence}
    ongoing_red_flags: list = field(default_factory=list)
    resolved_red_flags: list = field(default_factory=list)
    unchecked_warning_signs: list = field(default_factory=list)   # not answered in AFTER
    main_complaint: str = ""    # the field weighed most (see main_complaint), "" for none
    current_stage: dict = field(default_factory=dict)   # {stage, label, weeks, exercises}
    next_stage: dict = field(default_factory=dict)
    warnings: list = field(default_factory=list)
    errors: list = field(default_factory=list)   # {source, field, message, line, column}
    knowledge_version: str = ""
    knowledge_reviewed: str = ""   # a licensed clinician's review date, else ""
    review_status: str = ""        # the report's sentence about clinical review
    answered_by: str = ""       # "parent": a parent answers, every text says "your child"
    disclaimer: str = ""        # always last

    def as_dict(self) -> dict:
        data = dict(self.__dict__)
        data["fields"] = [f.as_dict() for f in self.fields]
        return data


def weeks_text(weeks: int) -> str:
    return f"{weeks} week" + ("" if weeks == 1 else "s")


def shown_value(kind: str, value) -> str:
    """A value as people read it."""
    if value is None:
        return "not given"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if kind == "hours":
        return f"{value:g} h"
    if kind == "pain":
        return f"{value}/10"
    if isinstance(value, list):
        return ", ".join(value) if value else "none"
    return str(value)


def _get(intake: dict, path: tuple):
    value = intake
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _judge(kind: str, before, after, limits: dict) -> tuple[str, float | None]:
    if before is None or after is None:
        return NOT_COMPARABLE, None
    if kind == "pain":
        change = after - before
        if change <= -limits["pain_points"] or (after <= limits["pain_settled"] < before):
            return IMPROVED, change
        return (WORSE if change >= limits["pain_points"] else SAME), change
    if kind == "hours":
        change = round(after - before, 2)
        if abs(change) < limits["sitting_hours"]:
            return SAME, change
        return (IMPROVED if change < 0 else WORSE), change
    if kind == "level":
        change = ACTIVITY.index(after) - ACTIVITY.index(before)
        return (IMPROVED if change > 0 else WORSE if change < 0 else SAME), change
    if before == after:
        return SAME, None
    if kind == "symptom":      # yes -> no is better
        return (IMPROVED if before and not after else WORSE), None
    return (IMPROVED if after and not before else WORSE), None   # a habit: no -> yes


def _flag(finding, new: bool) -> dict:
    return {"id": finding.id, "name": finding.name, "urgency": finding.urgency,
            "advice": finding.advice, "evidence": list(finding.evidence), "new": new}


def _side(report: Report, intake_id) -> dict:
    return {"source": report.source, "id": report.id, "intake_id": intake_id,
            "status": report.status, "urgency": report.urgency}


def _stage(report: Report, stage: str, leave_out=()) -> dict:
    """A stage of report's plan: {stage, label, weeks, exercises: [{id, name}]},
    without the ids in leave_out (what the person already does)."""
    names = {r.id: r.name for r in report.recommendations}
    ids = [i for i in (report.plan or {}).get(stage) or [] if i not in leave_out]
    return {"stage": stage, "label": STAGE_NAMES[stage], "weeks": STAGE_WEEKS[stage],
            "exercises": [{"id": i, "name": names.get(i, i)} for i in ids]}


def compare(before: dict, after: dict, before_report: Report, after_report: Report,
            weeks: int, kb, pair_id: str | None = None) -> Comparison:
    """The check-in for two valid intakes of one person and their reports."""
    texts = kb.checkin
    limits, labels, reasons = texts["thresholds"], texts["labels"], texts["reasons"]
    out = Comparison(pair_id or after_report.id, COMPARED,
                     _side(before_report, before.get("id")), _side(after_report, after.get("id")),
                     weeks, knowledge_version=after_report.knowledge_version,
                     knowledge_reviewed=after_report.knowledge_reviewed,
                     review_status=after_report.review_status,
                     disclaimer=after_report.disclaimer or kb.meta.get("disclaimer", ""))
    if before.get("id") and after.get("id") and before["id"] != after["id"]:
        out.warnings.append(f"the intakes have different ids ({before['id']!r} and "
                            f"{after['id']!r}): check that they are the same person")

    for key, path, kind in FIELDS:
        b, a = _get(before, path), _get(after, path)
        result, change = _judge(kind, b, a, limits)
        out.fields.append(FieldChange(".".join(path), labels[key],
                                      "symptom" if kind in SYMPTOM_KINDS else "habit",
                                      b, a, result, change))

    # warning signs: scored by the engine, as `score` finds them
    had = {f.id for f in before_report.red_flags}
    unchecked = {s.id: s for s in after_report.unanswered_warning_signs}
    out.new_red_flags = [_flag(f, True) for f in after_report.red_flags if f.id not in had]
    out.ongoing_red_flags = [_flag(f, False) for f in after_report.red_flags if f.id in had]
    now = {f.id for f in after_report.red_flags}
    out.resolved_red_flags = [{"id": f.id, "name": f.name} for f in before_report.red_flags
                              if f.id not in now and f.id not in unchecked]
    out.unchecked_warning_signs = [{"id": s.id, "name": s.name, "evidence": list(s.evidence)}
                                   for s in after_report.unanswered_warning_signs]
    flags_result = WORSE if out.new_red_flags else IMPROVED if out.resolved_red_flags \
        else SAME
    out.fields.append(FieldChange(
        "warning_signs", labels["warning_signs"], "warning_signs",
        sorted(f.name for f in before_report.red_flags),
        sorted(f.name for f in after_report.red_flags), flags_result))

    out.current_stage = _stage(before_report if before_report.plan else after_report, START)
    _verdict(out, after_report, limits, reasons, texts, weeks)
    if _parent_reads(after, before_report, after_report):
        _for_parent(out)
    return out


def _parent_reads(after: dict, before_report: Report, after_report: Report) -> bool:
    """Whether a parent answers for a child: as the second intake says, else (it
    does not say who answered) as the first one did."""
    if after.get("answered_by"):
        return is_parent(after_report)
    return is_parent(before_report)


def _for_parent(out: Comparison):
    """The check-in worded for a parent about their child, as its reports are
    (``core.wording``): the verdict, the advice and the reasons; the warning
    signs' advice and evidence come from the reports, already worded so."""
    out.answered_by = PARENT
    out.title, out.advice = to_parent(out.title), to_parent(out.advice)
    out.reasons = [to_parent(r) for r in out.reasons]
    for flag in out.new_red_flags + out.ongoing_red_flags:
        flag["advice"] = to_parent(flag["advice"])
        flag["evidence"] = [to_parent(e) for e in flag["evidence"]]


def _change_text(template: str, change: FieldChange, kind: str) -> str:
    return template.format(label=change.label, before=shown_value(kind, change.before),
                           after=shown_value(kind, change.after))


def main_complaint(symptoms: list, limits: dict):
    """The symptom the person came with, which the verdict weighs most: hip pain
    when it was at least ``pain_main`` before; else the first symptom present
    before (stiffness, limited rotation, balance problems); else any hip pain."""
    pain, others = symptoms[0], symptoms[1:]
    if pain.before is not None and pain.before >= limits.get("pain_main", 4):
        return pain
    for change in others:
        if change.before is True:
            return change
    if pain.before:
        return pain
    return None


def _verdict(out: Comparison, after_report: Report, limits: dict, reasons: dict,
             texts: dict, weeks: int):
    advice, titles = texts["advice"], texts["verdicts"]
    kinds = {".".join(path): kind for _key, path, kind in FIELDS}
    symptoms = [f for f in out.fields if f.group == "symptom"]
    habits = [f for f in out.fields if f.group == "habit"]
    pain = symptoms[0]
    weeks_said = weeks_text(weeks)

    def say(change, template):
        return _change_text(reasons[template], change, kinds[change.field])

    def decide(decision, text, urgency=""):
        out.decision, out.title, out.advice, out.urgency = decision, titles[decision], text, urgency

    # 1. a warning sign in AFTER: a new one always wins (and is named first)
    if after_report.red_flags:
        flags = sorted(out.new_red_flags, key=lambda f: URGENCY_ORDER[f["urgency"]]) + \
            sorted(out.ongoing_red_flags, key=lambda f: URGENCY_ORDER[f["urgency"]])
        out.reasons = [reasons["new_red_flag" if f["new"] else "red_flag"].format(
            name=f["name"], urgency=URGENCY_WORDS[f["urgency"]]) for f in flags]
        decide(SEE, advice["red_flag"].format(referral=after_report.referral),
               after_report.urgency)
        return
    # 2. a symptom got worse
    worse = [f for f in symptoms if f.result == WORSE]
    if worse:
        out.reasons = [say(f, "worse") for f in worse]
        decide(SEE, advice["worse"], "soon")
        return
    better = [f for f in symptoms if f.result == IMPROVED]
    no_symptoms = all(f.before in (None, False) and f.after in (None, False)
                      for f in symptoms[1:]) and \
        pain.before is not None and pain.after is not None and \
        max(pain.before, pain.after) <= limits["pain_settled"]
    settled = pain.result == SAME and pain.before is not None and \
        max(pain.before, pain.after) <= limits["pain_settled"]
    clearly = pain.result == IMPROVED or (settled and bool(better)) or no_symptoms
    main = main_complaint(symptoms, limits)
    out.main_complaint = main.field if main else ""
    main_unchanged = main is not None and main.result != IMPROVED and not no_symptoms
    if main_unchanged:          # better elsewhere is not "well done" while this is not
        clearly = False
    # 3. no symptom better after review_weeks
    if weeks >= limits["review_weeks"] and not better and not no_symptoms:
        out.reasons = [reasons["not_better"].format(weeks=weeks_said)]
        decide(SEE, advice["not_better"].format(weeks=weeks_said), "soon")
        return
    # 4. still not clearly better after still_not_better_weeks
    if weeks >= limits["still_not_better_weeks"] and not clearly:
        out.reasons = [reasons["still_not_better"].format(weeks=weeks_said)]
        out.reasons += [say(f, "better") for f in better]
        decide(SEE, advice["not_better"].format(weeks=weeks_said), "soon")
        return
    out.reasons = [reasons["no_symptoms"]] if no_symptoms else \
        [say(f, "better") for f in better]
    if main_unchanged and main.result != NOT_COMPARABLE:
        out.reasons.insert(0, say(main, "main_unchanged"))
    if pain.result == NOT_COMPARABLE:
        out.reasons.append(reasons["pain_missing"])
    slipped = [f for f in habits if f.result == WORSE]
    out.reasons += [say(f, "habit_worse") for f in slipped]
    # 5. clearly better, nothing worse, and not too soon
    if clearly and not slipped and weeks >= limits["earliest_move_on_weeks"]:
        # the AFTER plan's next stage, less what the person already does; when
        # that is empty, its later stage
        doing = {x["id"] for x in out.current_stage["exercises"]}
        for stage in (NEXT, LATER):
            candidate = _stage(after_report, stage, doing)
            if candidate["exercises"]:
                out.next_stage = candidate
                names = ", ".join(x["name"] for x in candidate["exercises"])
                decide(MOVE_ON, advice["move_on"].format(stage=candidate["label"],
                                                         exercises=names))
                return
        decide(MOVE_ON, advice["move_on_last"])
        return
    # 6. keep going
    if clearly and not slipped:
        out.reasons.append(reasons["too_early_to_move"].format(weeks=weeks_said))
    elif weeks < limits["review_weeks"]:
        out.reasons.append(reasons["too_early"].format(weeks=weeks_said))
    left = limits["review_weeks"] - weeks if weeks < limits["review_weeks"] \
        else limits["still_not_better_weeks"] - weeks
    names = ", ".join(x["name"] for x in out.current_stage["exercises"]) or "as given"
    decide(KEEP_GOING, advice["keep_going"].format(exercises=names,
                                                   weeks_left=weeks_text(max(left, 1))))


def not_compared(pair_id: str, status: str, kb, errors: list, before: dict | None = None,
                 after: dict | None = None) -> Comparison:
    """An entry for a pair that could not be compared (invalid, unmatched, internal
    error): it still names its files and ends with the disclaimer."""
    meta = kb.meta
    return Comparison(pair_id, status, before or {}, after or {}, errors=errors,
                      knowledge_version=str(meta.get("version", "")),
                      knowledge_reviewed=review_date(meta),
                      review_status=review_status(meta),
                      disclaimer=meta.get("disclaimer", ""))


def problem_entry(problem) -> dict:
    """A Record problem as an error entry (file, field, message, line, column)."""
    return {"source": problem.source, **problem.as_dict()}
