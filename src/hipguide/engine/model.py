"""The report: what one intake's assessment says, in a format-neutral shape."""

from __future__ import annotations

from dataclasses import dataclass, field

# the json/jsonl/yaml report's version (``hipguide schema --report``): an additive
# change (a new field) raises the minor number, a breaking one the major
SCHEMA_VERSION = "1.0"
URGENCY_ORDER = {"emergency": 0, "same_day": 1, "urgent": 2, "soon": 3}
URGENCY_WORDS = {"emergency": "emergency", "same_day": "same day", "urgent": "urgent",
                 "soon": "soon"}
# A factor's confidence is a rank weight set by clinical judgement, not a
# probability measured in any study: people see only the words "likely" (from
# LIKELY up) or "possible", never a number or percentage.
LIKELY = 0.6


def likelihood(confidence: float) -> str:
    """Confidence in words: a number reads like a measurement, and it is not one."""
    return "likely" if confidence >= LIKELY else "possible"


FINDINGS = ("red_flags", "unanswered_warning_signs", "precautions", "factors",
            "recommendations")


@dataclass
class RedFlagFinding:
    id: str
    name: str
    urgency: str
    advice: str
    evidence: list                   # the answers behind it, worded to follow "you said"
    rules: list
    basis: list
    because: str = ""                # "Because you said ..." built from evidence
    merged: list = field(default_factory=list)   # red flags it explains, folded into it
    merged_into: str = ""            # the red flag that explains this one and tells it


@dataclass
class FactorFinding:
    id: str
    name: str
    confidence: float
    likelihood: str                  # likely | possible (the words people see)
    evidence: list
    description: str
    rules: list
    basis: list
    advice: str = ""


@dataclass
class RecommendationFinding:
    id: str
    kind: str
    name: str
    purpose: str
    addresses: list
    dose: str
    steps: list
    equipment: list
    progression: str
    regression: str
    cautions: list
    rules: list
    basis: list
    disclaimer: str
    progression_test: str = ""
    minutes: float = 0
    per_week: int = 0
    position: str = ""
    trains_internal_rotation: bool = False
    picture: str = ""                # file name in knowledge/pictures/
    stage: str = ""                  # start_here | add_next | later (see plan.py)
    stage_reason: str = ""
    hazards: list = field(default_factory=list)    # hazards it carries as given (after adapting)
    adapted: list = field(default_factory=list)    # hazards a precaution made it avoid
    substitute_for: list = field(default_factory=list)   # withheld exercises it replaces


@dataclass
class UnansweredWarningSign:
    """A warning sign the intake left unanswered (not checked)."""

    id: str                          # the red flag it screens for
    name: str
    evidence: list
    rules: list


@dataclass
class PrecautionFinding:
    id: str
    name: str
    evidence: list
    instead: str
    withheld: list                   # {id, name} of what a rule would have given, blocked here
    rules: list
    basis: list
    because: str = ""                # why, in the person's own words (engine/own_words.py)
    blocks_hazards: list = field(default_factory=list)   # hazards it rules out
    blocks_all_exercises: bool = False


@dataclass
class Report:
    id: str
    source: str
    status: str                      # ok | refer | invalid
    urgency: str = ""                # highest red-flag urgency, when referred
    referral: str = ""               # what to do, when referred
    call_emergency_now: str = ""     # when referred: the signs that mean calling 999/112 now
    red_flags: list = field(default_factory=list)
    unanswered_warning_signs: list = field(default_factory=list)
    unscreened_advice: str = ""      # what to do about them, when there are any
    precautions: list = field(default_factory=list)
    factors: list = field(default_factory=list)
    recommendations: list = field(default_factory=list)
    plan: dict = field(default_factory=dict)   # plan.Plan as data; empty: no exercises
    reassess: str = ""
    rules_fired: list = field(default_factory=list)   # every rule id that fired, sorted
    knowledge_version: str = ""
    knowledge_reviewed: str = ""     # date of a licensed clinician's review, else ""
    review_status: str = ""          # "Not yet reviewed by a licensed clinician." or who/when
    pain_rule: str = ""              # the one pain rule (ok reports)
    safety_net: list = field(default_factory=list)   # stop and seek help if... (ok reports)
    errors: list = field(default_factory=list)
    # the intake's age, hip pain (0-10) and painful side, as answered (None: not given)
    person: dict = field(default_factory=dict)
    warnings: list = field(default_factory=list)   # {code, message}: e.g. a duplicate id
    disclaimer: str = ""             # always last

    def as_dict(self) -> dict:
        """Plain data; key order puts the schema version, then the disclaimer, last.

        Hand-written rather than ``dataclasses.asdict``, whose recursive deep copy
        was the largest cost around the engine in the batch benchmark."""
        data = dict(self.__dict__)
        disclaimer = data.pop("disclaimer")
        data["schema_version"] = SCHEMA_VERSION
        data["disclaimer"] = disclaimer
        for key in FINDINGS:
            data[key] = [dict(item.__dict__) for item in data[key]]
        data["errors"] = [dict(e) for e in data["errors"]]
        data["plan"] = dict(data["plan"])
        data["person"] = dict(data["person"])
        data["warnings"] = [dict(w) for w in data["warnings"]]
        data["safety_net"] = list(data["safety_net"])
        return data
