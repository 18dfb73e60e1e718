"""The plan step after the engine: turn a report's exercises and habits into a
short programme -- start here (weeks 1-2), add next (weeks 3-6), later.

experta decides *what* is recommended (and what a red flag or a precaution
rules out); this step only decides *when*, by the documented ordering in
``knowledge/programme.yaml``: direct inward-rotation work first, then the
strongest factors not yet covered, easiest (and, for people at risk of
falling, lowest) variant first. Every recommendation keeps its stage and the
reason for it, shown by ``--explain``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

START, NEXT, LATER = "start_here", "add_next", "later"
STAGE_WEEKS = {START: "weeks 1-2", NEXT: "weeks 3-6", LATER: "later, optional"}
INWARD = "inward_rotation"
# lower is safer for someone at risk of falling
POSITION_RANK = {"lying": 0, "seated": 0, "standing_supported": 1, "standing": 2}


@dataclass
class Plan:
    start_here: list = field(default_factory=list)   # recommendation ids, exercises first
    add_next: list = field(default_factory=list)
    later: list = field(default_factory=list)
    minutes: int = 0                # one start-here session, exercises only
    sessions_per_week: int = 0      # start-here exercise sessions a week (the most often)
    fewest_sessions_per_week: int = 0   # ... and the least often
    side: str = ""                  # left | right: give it an extra set
    side_note: str = ""
    pain_rule: str = ""

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def arrange(recs: list, factors: list, intake: dict, kb, careful: bool) -> tuple[list, Plan]:
    """(recommendations in plan order, each with its stage and reason; the Plan).
    ``careful``: the person is 65+ or has balance problems (lower variants first)."""
    programme = kb.programme
    if not recs:
        return recs, Plan()
    strength = {f.id: f.confidence for f in factors}
    names = {f.id: f.name.lower() for f in factors}
    family_of, step_of = {}, {}
    for family, ids in programme["families"].items():
        for i, xid in enumerate(ids):
            family_of[xid], step_of[xid] = family, i
    later_only = set(programme.get("later_only") or [])

    def best_factor(rec) -> float:
        return max((strength.get(a, 0.0) for a in rec.addresses), default=0.0)

    def order(rec):
        position = POSITION_RANK.get(rec.position, 0) if careful else 0
        return (family_of.get(rec.id) != INWARD, position, step_of.get(rec.id, 99),
                -best_factor(rec), rec.id)

    exercises = sorted((r for r in recs if r.kind == "exercise"), key=order)
    habits = sorted((r for r in recs if r.kind == "habit"), key=lambda r: (-best_factor(r), r.id))
    stage: dict = {}

    def put(rec, where: str, reason: str):
        stage[rec.id] = (where, reason)

    # 1. start here: the easiest direct inward-rotation step, then the strongest
    #    factors not yet covered, one exercise per family
    limit = programme["start_here"]["exercises"]
    started_families: list = []
    covered: set = set()
    startable = [r for r in exercises if r.id not in later_only]
    first = next((r for r in startable if family_of.get(r.id) == INWARD), None)
    if first is not None:
        put(first, START, "trains inward rotation directly; the easiest step given to you")
        started_families.append(INWARD)
        covered |= set(first.addresses)
    for factor in sorted(strength, key=lambda f: (-strength[f], f)):
        if sum(1 for v in stage.values() if v[0] == START) >= limit:
            break
        if factor in covered:
            continue
        pick = next((r for r in startable if r.id not in stage and factor in r.addresses
                     and family_of.get(r.id) not in started_families), None)
        if pick is not None:
            put(pick, START, f"addresses {names.get(factor, factor)}, the strongest factor "
                             "not yet covered")
            started_families.append(family_of.get(pick.id))
            covered |= set(pick.addresses)
    if not any(v[0] == START for v in stage.values()) and startable:
        put(startable[0], START, "the easiest exercise given to you")
        started_families.append(family_of.get(startable[0].id))
    # 2. add next: the next step of each family started, then the strongest rest
    room = programme["add_next"]["exercises"]
    for family in started_families:
        if room <= 0:
            break
        pick = next((r for r in exercises if r.id not in stage
                     and family_of.get(r.id) == family), None)
        if pick is not None:
            starter = next(x for x, v in stage.items() if v[0] == START
                           and family_of.get(x) == family)
            put(pick, NEXT, f"the next step after {starter.replace('_', ' ')}")
            room -= 1
    for rec in sorted((r for r in exercises if r.id not in stage),
                      key=lambda r: (-best_factor(r), order(r))):
        if room <= 0:
            break
        if rec.id in later_only and not any(family_of.get(x) == family_of.get(rec.id)
                                            for x in stage):
            continue
        put(rec, NEXT, f"addresses {_addressed(rec, names)}")
        room -= 1
    for rec in exercises:
        if rec.id not in stage:
            why = "builds on the first step of its kind" if rec.id in later_only else \
                "more for the same factors, once the plan above is easy"
            put(rec, LATER, why)
    # habits: the strongest first
    for i, rec in enumerate(habits):
        if i < programme["start_here"]["habits"]:
            put(rec, START, f"a habit for {_addressed(rec, names)}")
        else:
            put(rec, NEXT, f"a further habit for {_addressed(rec, names)}")

    rank = {START: 0, NEXT: 1, LATER: 2}
    chosen = list(stage)  # the order in which the steps above placed them
    ordered = sorted(recs, key=lambda r: (rank[stage[r.id][0]], r.kind != "exercise",
                                          chosen.index(r.id)))
    for rec in ordered:
        rec.stage, rec.stage_reason = stage[rec.id]
    start_ex = [r for r in ordered if r.stage == START and r.kind == "exercise"]
    side, why = _side(intake)
    plan = Plan(
        start_here=[r.id for r in ordered if r.stage == START],
        add_next=[r.id for r in ordered if r.stage == NEXT],
        later=[r.id for r in ordered if r.stage == LATER],
        minutes=int(round(sum(r.minutes for r in start_ex))),
        sessions_per_week=max((r.per_week for r in start_ex), default=0),
        fewest_sessions_per_week=min((r.per_week for r in start_ex), default=0),
        side=side,
        side_note=programme["side_note"].format(side=side, why=why) if side else "",
        pain_rule=programme["pain_rule"])
    return ordered, plan


def _addressed(rec, names: dict) -> str:
    return ", ".join(names.get(a, a) for a in rec.addresses)


def _side(intake: dict) -> tuple[str, str]:
    """The one side that needs extra sets, and why: the painful side, else an
    operated hip, else the most recent injury. Nothing when sides disagree."""
    pain = (intake.get("symptoms") or {}).get("pain_side")
    if pain in ("left", "right"):
        return pain, "the painful one"
    hips = {s.get("side") for s in intake.get("surgeries") or ()
            if s.get("site") == "hip" and s.get("side") in ("left", "right", "both")}
    if len(hips) == 1 and hips != {"both"}:
        return hips.pop(), "operated on"
    injuries = sorted((i for i in intake.get("injuries") or () if i.get("side")),
                      key=lambda i: i["months_ago"])
    if injuries and injuries[0]["side"] in ("left", "right"):
        return injuries[0]["side"], f"injured ({injuries[0]['site'].replace('_', ' ')})"
    return "", ""
