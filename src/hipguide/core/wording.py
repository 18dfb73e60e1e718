"""Every text a report gives its reader, addressed to who reads it.

When a parent or carer answers for a child (the intake's ``answered_by:
parent``), the report speaks to the parent about the child: "take your child to
a doctor today", "if your child's pain ...", "call emergency services now if
your child gets ...".  The knowledge base words its texts to the person
themself; ``to_parent`` rewords one such text and ``for_reader`` rewords a
whole report once, when it is built, so every format (text, handout, JSON,
FHIR) tells the same story.  What a parent must do is worded as their action
(take, book, call); what is the child's (their pain, their hip, what they feel)
is the child's.  The exercise steps and doses stay written to whoever does the
exercise, as physiotherapy sheets for children are; the report says so once.
"""

from __future__ import annotations

import re

PARENT = "parent"
CHILD = "your child"

# (pattern, replacement) in order.  The actions come first: a parent takes the
# child to help; then "you" as the one it happens to, with the verb agreeing;
# then "your" as the child's.
_ACTIONS = [
    (r"\b([Gg])o to (the nearest|an) emergency department",
     lambda m: ("T" if m[1] == "G" else "t") + f"ake {CHILD} to {m[2]} emergency department"),
    (r"(?<!to )\b([Ss])ee (a|your) (doctor|physiotherapist|GP|clinician)",
     lambda m: ("T" if m[1] == "S" else "t") + f"ake {CHILD} to see {m[2]} {m[3]}"),
    (r"\b([Bb])ook an appointment with",
     lambda m: m[1] + f"ook an appointment for {CHILD} with"),
    (r"\b([Cc])ontact your (surgeon|doctor|physiotherapist)",
     lambda m: m[1] + f"ontact {CHILD}'s {m[2]}"),
    (r"\b([Tt])ell (the|your) doctor",
     lambda m: m[1] + "ell " + ("the" if m[2] == "the" else f"{CHILD}'s") + " doctor"),
    (r"\b([Dd])o not (do|start) (any )?(hip )?exercises?\b",
     lambda m: ("Your child" if m[1] == "D" else CHILD) + " should not "
     + " ".join(w for w in (m[2], (m[3] or "").strip(), (m[4] or "").strip(), "exercises")
                if w)),
    (r"\bDo not exercise\b", "Your child should not exercise"),
    (r"\bdo not exercise\b", f"{CHILD} should not exercise"),
    (r"\bAvoid exercises\b", "Your child should avoid exercises"),
    (r"\bStop running and jumping\b", "Your child should stop running and jumping"),
    (r"\bgo sooner\b", f"take {CHILD} sooner"),
    (r"\blet you (\w+)", f"let {CHILD} \\1"),
]
# a verb after "you" -> its form after "your child" (he or she)
_VERBS = {
    "are": "is", "were": "was", "have": "has", "do": "does", "go": "goes",
    "get": "gets", "fall": "falls", "feel": "feels", "develop": "develops",
    "use": "uses", "sit": "sits", "play": "plays", "take": "takes", "run": "runs",
    "lose": "loses", "keep": "keeps", "need": "needs", "start": "starts",
    "notice": "notices", "move": "moves", "walk": "walks", "stand": "stands",
    "cannot": "cannot", "can": "can", "should": "should", "may": "may", "will": "will",
    "suddenly": "suddenly", "still": "still", "had": "had", "fell": "fell",
    "gave": "gave", "spend": "spends", "limp": "limps", "stop": "stops",
    "follow": "follows", "said": "said", "rest": "rests",
}
_ADVERBS = ("also", "suddenly", "still", "then", "ever", "often", "now")
_KEEP = "\x00"     # marks "you" that stays the reader's own (e.g. "if you are not sure")


def to_parent(text: str) -> str:
    """``text``, written to the person, reworded for a parent reading about their
    child.  Idempotent: a text already about "your child" is not changed twice."""
    if not text:
        return text
    # the parent's own: their doubt, their answers and form, their going it alone
    text = re.sub(r"\b(if|when) you are not sure\b", lambda m: f"{m[1]} {_KEEP}are not sure",
                  text)
    text = re.sub(r"\b(your|Your) (answers|form|own)\b", lambda m: f"{_KEEP}{m[1]} {m[2]}",
                  text)
    text = re.sub(r"\b([Yy])ou said\b", lambda m: f"{_KEEP}{m[1]}_said", text)
    # the parent reads the report: "you will still see your report"
    text = re.sub(r"\b([Yy])ou (will (?:still )?see) your report\b",
                  lambda m: f"{_KEEP}{m[1]}ou {m[2]} {_KEEP}your report", text)
    for pattern, repl in _ACTIONS:
        text = re.sub(pattern, repl, text)

    def subject(m: re.Match) -> str:
        first = "Your child" if m[1] == "You" else CHILD
        return f"{first} {m[2] or ''}{_VERBS[m[3].lower()]}"

    text = re.sub(rf"(?<!\x00)\b(you|You) ((?:{'|'.join(_ADVERBS)}) )?(\w+)",
                  lambda m: subject(m) if m[3].lower() in _VERBS else m[0], text)
    # "and have", "or feel": a second verb of the same subject
    text = re.sub(rf"({CHILD} (?:is|has|\w+s)\b[^.;:]*?\b(?:and|or)) (have|are|feel|get)\b",
                  lambda m: f"{m[1]} {_VERBS[m[2]]}", text)
    text = re.sub(r"(?<![\x00])\b(your|Your)\b(?! child)", lambda m: f"{m[1]} child's", text)
    text = re.sub(r"(?<![\w\x00])(you|You)\b(?! child)",
                  lambda m: CHILD if m[1] == "you" else "Your child", text)
    return text.replace(_KEEP + "are", "you are").replace(_KEEP + "y_said", "you said") \
        .replace(_KEEP + "Y_said", "You said") \
        .replace(_KEEP, "")


def is_parent(report) -> bool:
    return (report.person or {}).get("answered_by") == PARENT


def for_reader(report, answered_by):
    """The report with every text addressed to its reader (unchanged for the
    person themself)."""
    if answered_by != PARENT:
        return report
    report.person = {**(report.person or {}), "answered_by": PARENT}
    for name in ("referral", "call_emergency_now", "unscreened_advice", "pain_rule",
                 "reassess", "disclaimer"):
        setattr(report, name, to_parent(getattr(report, name)))
    report.safety_net = [to_parent(s) for s in report.safety_net]
    for flag in report.red_flags:
        flag.advice, flag.because = to_parent(flag.advice), to_parent(flag.because)
        flag.evidence = [to_parent(e) for e in flag.evidence]
    for sign in report.unanswered_warning_signs:
        sign.evidence = [to_parent(e) for e in sign.evidence]
    for p in report.precautions:
        p.because, p.instead = to_parent(p.because), to_parent(p.instead)
    for f in report.factors:
        f.evidence = [to_parent(e) for e in f.evidence]
        f.advice = to_parent(f.advice)
    for rec in report.recommendations:
        rec.disclaimer = to_parent(rec.disclaimer)
    if report.plan:
        report.plan = {**report.plan, **{k: to_parent(report.plan[k]) for k in
                                         ("pain_rule", "side_note") if report.plan.get(k)}}
    return report
