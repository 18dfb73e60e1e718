"""The report: what one intake's assessment says, in a format-neutral shape."""

from __future__ import annotations

from dataclasses import dataclass, field

URGENCY_ORDER = {"emergency": 0, "urgent": 1, "soon": 2}


@dataclass
class RedFlagFinding:
    id: str
    name: str
    urgency: str
    advice: str
    evidence: list
    rules: list
    basis: list


@dataclass
class FactorFinding:
    id: str
    name: str
    confidence: float
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


@dataclass
class Report:
    id: str
    source: str
    status: str                      # ok | refer | invalid
    urgency: str = ""                # highest red-flag urgency, when referred
    referral: str = ""               # what to do, when referred
    red_flags: list = field(default_factory=list)
    factors: list = field(default_factory=list)
    recommendations: list = field(default_factory=list)
    reassess: str = ""
    rules_fired: list = field(default_factory=list)   # every rule id that fired, sorted
    knowledge_version: str = ""
    knowledge_reviewed: str = ""
    errors: list = field(default_factory=list)
    disclaimer: str = ""             # always last

    def as_dict(self) -> dict:
        """Plain data; key order puts the disclaimer last.

        Hand-written rather than ``dataclasses.asdict``, whose recursive deep copy
        was the largest cost around the engine in the batch benchmark."""
        data = dict(self.__dict__)
        for key in ("red_flags", "factors", "recommendations"):
            data[key] = [dict(item.__dict__) for item in data[key]]
        data["errors"] = [dict(e) for e in data["errors"]]
        return data
