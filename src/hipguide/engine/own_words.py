"""Why a safety note applies, in the person's own words: built from the answers
the rule fired on (the engine's basis, e.g. ``walking_aid = true``), not from
the rule's criteria. "because you use a walking stick, crutch or frame and you
fell in the last year"."""

from __future__ import annotations

import re

SAID = {
    "walking_aid = true": "you use a walking stick, crutch or frame",
    "fear_of_falling = true": "you worry about falling",
    "falls_last_12_months = true": "you fell in the last year",
    "symptoms.balance_problems = true": "you have trouble keeping your balance",
    "osteoporosis_or_fragility_fracture = true":
        "you have thin bones (osteoporosis) or broke a bone in a minor fall",
    "long_term_steroids = true": "you have taken steroid tablets for 3 months or more",
    "pregnancy = pregnant": "you are pregnant",
    "pregnancy = recently_gave_birth": "you gave birth in the last 6 months",
    "symptoms.stiffness = true": "your hips feel stiff",
    "symptoms.limited_rotation = true": "it is hard to turn your leg inwards",
    "symptoms.back_pain = true": "you have low back pain",
    "symptoms.groin_pain = true": "you have groin pain",
    "conditions = arthritis": "a doctor told you that you have arthritis in the hip",
    "conditions = nerve_compression": "a doctor told you that you have a trapped nerve",
    "rotational_sport = true": "you play a sport with pivoting, kicking or jumping",
    "returning_to_sport = true": "you are coming back to sport after a break",
}
_GROUP = re.compile(r"^(surgeries|injuries)\[\d+\]\.")


def because(basis: list, evidence: list, reader: str | None = None) -> str:
    """'because ...' from the answers in ``basis``; the rule's own evidence words
    for an operation or injury ('you had a hip replacement ... 4 months ago') and
    for anything not in the table. ``reader`` 'parent': 'your child'."""
    said: list[str] = []
    for item in basis:
        pieces = [p.strip() for p in item.split(", ")]
        if pieces and all(_GROUP.match(p) for p in pieces):
            continue                          # an operation or injury: its evidence says it
        for piece in pieces:
            words = _say(piece)
            if words is None:
                return _fallback(evidence, reader)
            if words not in said:
                said.append(words)
    groups = [e for e in evidence if any(_GROUP.match(p) for b in basis for p in b.split(", "))]
    said += [f"you had a {e}" for e in groups[:1]]
    if not said:
        return _fallback(evidence, reader)
    text = "because " + (said[0] if len(said) == 1 else
                         ", ".join(said[:-1]) + " and " + said[-1])
    return _to(text, reader)


def _say(piece: str) -> str | None:
    if piece in SAID:
        return SAID[piece]
    m = re.fullmatch(r"age = (\d+)", piece)
    if m:
        return f"you are {m.group(1)}"
    m = re.fullmatch(r"sitting_hours = ([\d.]+)", piece)
    if m:
        return f"you sit about {m.group(1)} hours a day"
    return None


def _fallback(evidence: list, reader) -> str:
    return _to("because of your answers: " + "; ".join(evidence), reader)


def _to(text: str, reader) -> str:
    if reader != "parent":
        return text
    text = re.sub(r"\byou are\b", "\0 is", text)
    text = re.sub(r"\byou have\b", "\0 has", text)
    text = re.sub(r"\byou (use|sit|play)\b", "\0 \\1s", text)
    text = re.sub(r"\byour\b", "\0's", text)
    text = re.sub(r"\byou\b", "\0", text)
    return text.replace("\0", "your child")
