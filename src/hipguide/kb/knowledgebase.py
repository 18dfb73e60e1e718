"""The knowledge base as loaded and checked: its rules and catalogues, and
the error that lists every problem when it cannot be loaded."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


class KnowledgeError(Exception):
    """The knowledge base has problems; ``problems`` lists every one."""

    def __init__(self, problems: list):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass
class RuleSpec:
    id: str
    title: str
    kind: str
    then: dict
    condition: object
    when: object
    rationale: str
    source: str
    file: str
    line: int | None
    evidence: str = ""
    review: dict | None = None       # its own clinical review record, if any

    @property
    def concludes(self) -> str:
        return self.then[self.kind]


@dataclass
class KnowledgeBase:
    root: Path
    meta: dict
    factors: dict
    exercises: dict
    red_flags: dict
    cautions: dict
    precautions: dict = field(default_factory=dict)
    hazards: dict = field(default_factory=dict)
    programme: dict = field(default_factory=dict)
    checkin: dict = field(default_factory=dict)   # knowledge/checkin.yaml
    rules: list = field(default_factory=list)
    files: list = field(default_factory=list)
    call_emergency_now: dict = field(default_factory=dict)   # red_flags.yaml

    def rule(self, rule_id: str) -> RuleSpec | None:
        return next((r for r in self.rules if r.id == rule_id), None)

    def blocks(self) -> dict:
        """Precaution id -> the exercise ids it rules out: every exercise (habits
        stay) under blocks_all_exercises, else each exercise carrying a hazard the
        precaution rules out that the exercise cannot be adapted to avoid."""
        out = {}
        for pid, item in self.precautions.items():
            hazards = set(item.get("blocks_hazards") or ())
            out[pid] = tuple(sorted(
                xid for xid, ex in self.exercises.items() if ex.get("kind") == "exercise"
                and (item.get("blocks_all_exercises")
                     or (set(ex.get("hazards") or ()) & hazards)
                     - set(ex.get("adaptations") or {}))))
        return out

    def adaptations(self) -> dict:
        """Precaution id -> {exercise id: hazards it is adapted to avoid} for the
        exercises it does not rule out but that carry a hazard it rules out."""
        blocked = self.blocks()
        out = {}
        for pid, item in self.precautions.items():
            hazards = set(item.get("blocks_hazards") or ())
            out[pid] = {xid: tuple(sorted(set(ex.get("hazards") or ()) & hazards))
                        for xid, ex in self.exercises.items()
                        if ex.get("kind") == "exercise" and xid not in blocked[pid]
                        and set(ex.get("hazards") or ()) & hazards}
        return out
