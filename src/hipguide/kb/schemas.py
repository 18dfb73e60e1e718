"""The shapes of the knowledge base's files: what each catalogue item, rule,
the programme and the check-in wording must hold (checked by ``knowledge.load``)."""

from __future__ import annotations

import datetime
import re

from ..core.schema_types import AnyValue, Boolean, Choice, Invalid, ListOf, Mapping, Number, Text

URGENCIES = ("emergency", "same_day", "urgent", "soon")
SEEDS = ("000_ffaf38f0ebcc81d3.txt", "002_1072cfd83fa0929a.txt")
STANDARD = "standard physiotherapy practice"
MAX_KB_FILE = 2_000_000
POSITIONS = ("lying", "seated", "standing_supported", "standing")
PICTURES = "pictures"  # folder in knowledge/ holding one SVG per exercise or habit
MAX_PICTURE = 20_000


class Source(Text):
    """Where a knowledge item comes from: a seed file or standard practice, which
    may name the guideline it follows: ``standard physiotherapy practice (NICE
    CG124 Hip fracture: management, 2011)``."""

    def allowed(self) -> str:
        return (f"'; '-separated names from: {', '.join(SEEDS)}, {STANDARD} (optionally "
                f"followed by the named guideline in brackets: '{STANDARD} (NICE CG124 ...)')")

    def check(self, value):
        super().check(value)
        parts = [p.strip() for p in value.split(";")]
        if not all(p in SEEDS + (STANDARD,) or _named_practice(p) for p in parts):
            raise Invalid(f"unknown source {value!r}; expected {self.allowed()}")
        return value


def _named_practice(part: str) -> bool:
    return part.startswith(STANDARD + " (") and part.endswith(")") and len(part) > \
        len(STANDARD) + 4


class Picture(Text):
    """The file name of an exercise's picture in knowledge/pictures/."""

    def allowed(self) -> str:
        return "a file name such as side_lying_internal_rotation.svg"

    def check(self, value):
        super().check(value)
        if not re.fullmatch(r"[a-z0-9_]+\.svg", value):
            raise Invalid(f"picture {value!r} must be {self.allowed()}")
        return value


def _text(desc, required=True, n=2000):
    return Text(desc, max_length=n, required=required)


ITEM_ID = r"^[a-z][a-z0-9_]*$"   # a catalogue id: lower_snake_case


class ReviewDate(Text):
    """A review's date: a real calendar date, YYYY-MM-DD."""

    def allowed(self) -> str:
        return "a date written YYYY-MM-DD, in quotes"

    def check(self, value):
        super().check(value)
        try:
            day = datetime.date.fromisoformat(value)
        except ValueError:
            raise Invalid(f"review date {value!r} must be {self.allowed()}") from None
        if day > datetime.date.today():
            raise Invalid(f"review date {value!r} is in the future; record a review once it "
                          "has taken place")
        return value


# One clinical review: who, in what role, when, of what, on what evidence.
REVIEW = Mapping({
    "reviewed_by": _text("the reviewer's name", n=200),
    "role": _text("the reviewer's profession and licence, e.g. 'HCPC-registered "
                  "physiotherapist'", n=200),
    "date": ReviewDate("date of the review (YYYY-MM-DD)", max_length=10, required=True),
    "scope": _text("what was reviewed: 'all', a rule id or file:id", n=200),
    "evidence": _text("the sources checked and the outcome"),
}, "a clinical review record")

META = Mapping({
    "version": _text("knowledge base version"),
    "reviewed_by": _text("who drafted and who reviewed it, in words"),
    "review": Mapping({
        "unreviewed_notice": _text("what reports say until a licensed clinician's review "
                                   "is recorded", n=300),
        "max_age_months": Number(1, 120, "a review older than this is due again",
                                 integer=True, required=True),
        "records": ListOf(REVIEW, "clinical review records", max_items=500),
    }, "clinical review records and the notice shown without one", required=True),
    "reassess_after_weeks": Number(1, 52, "weeks before reassessment", integer=True,
                                   required=True),
    "reassess_advice": _text("when to reassess; may use {weeks}"),
    "disclaimer": _text("report disclaimer"),
    "recommendation_disclaimer": _text("disclaimer on every recommendation"),
    "refer_advice": Mapping({u: _text(f"advice when the highest urgency is {u}")
                             for u in URGENCIES}, "advice per urgency", required=True),
    "intro": _text("one paragraph shown before the questionnaire"),
    "unscreened_advice": _text("what to say when warning signs were left unanswered"),
    "withhold_unscreened": Boolean("the default policy: no exercises when a warning sign "
                                   "was left unanswered (score --unscreened overrides it)"),
}, "knowledge/meta.yaml")

PROGRAMME = Mapping({
    "start_here": Mapping({
        "exercises": Number(1, 5, "at most this many start-here exercises", integer=True,
                            required=True),
        "habits": Number(0, 5, "at most this many start-here habits", integer=True,
                         required=True)}, "the start-here block", required=True),
    "add_next": Mapping({
        "exercises": Number(0, 6, "at most this many exercises to add next", integer=True,
                            required=True)}, "the add-next block", required=True),
    "families": AnyValue("family name -> exercise ids, easiest first", required=True),
    "later_only": ListOf(_text("exercise id", n=60), "exercises that never start a family"),
    "pain_rule": _text("the one pain rule shown in every ok report and handout"),
    "pain_rule_source": _text("the pain rule's source"),
    "safety_net": ListOf(_text("a new symptom that means stop and seek help", n=400),
                         "what means stop and seek help, shown in every ok report",
                         required=True),
    "safety_net_source": _text("the safety net's source"),
    "side_note": _text("extra sets for one side; may use {side} and {why}"),
    "source": Source("source", required=True), "note": _text("note", required=False),
}, "knowledge/programme.yaml")

# knowledge/checkin.yaml: placeholders each template may use (checked at load time)
CHECKIN_ADVICE = {"red_flag": ("referral",), "worse": (), "not_better": ("weeks",),
                   "move_on": ("stage", "exercises"), "move_on_last": (),
                   "keep_going": ("exercises", "weeks_left")}
_CHANGE = ("label", "before", "after")
CHECKIN_REASONS = {"new_red_flag": ("name", "urgency"), "red_flag": ("name", "urgency"),
                    "worse": _CHANGE, "better": _CHANGE, "habit_worse": _CHANGE,
                    "not_better": ("weeks",), "still_not_better": ("weeks",),
                    "no_symptoms": (), "too_early": ("weeks",), "too_early_to_move": ("weeks",),
                    "pain_missing": (), "main_unchanged": _CHANGE}
CHECKIN_LABELS = ("hip_pain", "stiffness", "limited_rotation", "balance_problems",
                   "sitting_hours", "standing_breaks_hourly", "activity_level", "warning_signs")
CHECKIN_VERDICTS = ("see_clinician", "move_on", "keep_going")


def _weeks(desc):
    return Number(1, 104, desc, integer=True, required=True)


CHECKIN = Mapping({
    "thresholds": Mapping({
        "pain_points": Number(1, 10, "a real change in hip pain, in points of 0-10",
                              integer=True, required=True),
        "pain_settled": Number(0, 9, "hip pain at or below this is settled", integer=True,
                               required=True),
        "sitting_hours": Number(0.5, 12, "a real change in sitting, in hours a day",
                                required=True),
        "default_weeks": _weeks("weeks between the intakes when --weeks is not given"),
        "review_weeks": _weeks("no symptom better after this many weeks: see a clinician"),
        "still_not_better_weeks": _weeks("not clearly better after this many weeks: see a "
                                         "clinician"),
        "earliest_move_on_weeks": _weeks("never move on before this many weeks"),
        "pain_main": Number(1, 10, "hip pain (before) from which pain is the main complaint",
                            integer=True, required=True),
    }, "the thresholds", required=True),
    "labels": Mapping({k: _text(f"what people see for {k}", n=80) for k in CHECKIN_LABELS},
                      "field names people see", required=True),
    "verdicts": Mapping({k: _text(f"the title of {k}", n=80) for k in CHECKIN_VERDICTS},
                        "verdict titles", required=True),
    "advice": Mapping({k: _text(f"what to do ({k})") for k in CHECKIN_ADVICE},
                      "advice per verdict", required=True),
    "reasons": Mapping({k: _text(f"a reason ({k})", n=400) for k in CHECKIN_REASONS},
                       "reasons shown with a verdict", required=True),
    "source": Source("source", required=True), "note": _text("note", required=False),
}, "knowledge/checkin.yaml")

FACTOR = Mapping({
    "id": _text("factor id", n=60), "name": _text("short name", n=120),
    "description": _text("what it is and why it matters"),
    "explains_pain_up_to": Number(0, 10, "the highest hip pain (0-10) this factor can "
                                  "plausibly explain; above it, pain stays unexplained "
                                  "(left out: 0, it explains no pain)", integer=True),
    "advice": _text("extra advice", required=False),
    "source": Source("source", required=True),
    "review": REVIEW,
}, "a contributing factor")

EXERCISE = Mapping({
    "id": _text("exercise id", n=60),
    "kind": Choice(("exercise", "habit"), "exercise or habit", required=True),
    "name": _text("name", n=120), "purpose": _text("what it does"),
    "equipment": ListOf(_text("equipment", n=200), "equipment"),
    "steps": ListOf(_text("one step"), "numbered steps", required=True, unique=False),
    "dose": _text("starting dose"), "progression": _text("when it is easy"),
    "regression": _text("when it hurts"),
    "cautions": ListOf(_text("caution"), "always-shown cautions"),
    "source": Source("source", required=True), "note": _text("note", required=False),
    "progression_test": _text("a criterion the person can test before progressing"),
    "minutes": Number(1, 120, "minutes on a day it is done, at the starting dose",
                      required=True),
    "per_week": Number(1, 7, "days a week it is done (daily = 7)", integer=True,
                       required=True),
    "trains_internal_rotation": Boolean("true only if it trains or frees inward rotation",
                                        required=True),
    "position": Choice(POSITIONS, "body position; standing = unsupported standing work",
                       required=True),
    "picture": Picture("picture file in knowledge/pictures/", max_length=80, required=True),
    "hazards": ListOf(_text("hazard id", n=60), "what can make it unsafe (knowledge/"
                      "hazards.yaml); [] for none", required=True),
    "adaptations": AnyValue("hazard id -> how to do it without that hazard (e.g. on a bed)"),
    "substitutes": ListOf(_text("exercise id", n=60), "safer exercises with the same aim, "
                          "safest first, given when a precaution withholds this one"),
    "review": REVIEW,
}, "an exercise or habit")

RED_FLAG = Mapping({
    "id": _text("red flag id", n=60), "name": _text("name", n=120),
    "urgency": Choice(URGENCIES, "default urgency", required=True),
    "advice": _text("what it may mean and what to do; no timeframe (the headline gives it)"),
    "advice_under_18": _text("the advice for a child or teenager (age under 18), when it "
                             "differs: a sentence that does not apply is not shown",
                             required=False),
    "explained_by": ListOf(_text("red flag id", n=60), "red flags that explain this one "
                           "when also found: it is folded into them"),
    "when_explained": Choice(("merge", "drop"), "merge: its answers join the flag that "
                             "explains it; drop: they are left out (default merge)"),
    "source": Source("source", required=True),
    "review": REVIEW,
}, "a red flag")

# knowledge/red_flags.yaml's other top key: shown with every referral
CALL_EMERGENCY_NOW = Mapping({
    "text": _text("the signs that mean calling emergency services now"),
    "source": Source("source", required=True),
}, "when to call emergency services", required=True)
# catalogue top key -> other top keys its file holds (name -> schema)
CATALOGUE_EXTRAS = {"red_flags": {"call_emergency_now": CALL_EMERGENCY_NOW}}

PRECAUTION = Mapping({
    "id": _text("precaution id", n=60), "name": _text("name", n=160),
    "blocks_hazards": ListOf(_text("hazard id", n=60), "rules out these hazards "
                             "(knowledge/hazards.yaml): an exercise carrying one is adapted "
                             "or withheld and substituted"),
    "blocks_all_exercises": Boolean("rules out every exercise (habits stay)"),
    "instead": _text("what to do instead"),
    "source": Source("source", required=True), "note": _text("note", required=False),
    "review": REVIEW,
}, "a precaution: when some exercises must not be given")

CAUTION = Mapping({
    "id": _text("caution id", n=60), "text": _text("caution text"),
    "applies_to": ListOf(_text("exercise id", n=60), "exercises", required=True, max_items=50),
    "source": Source("source", required=True),
    "review": REVIEW,
}, "a situational caution")

THEN = {
    "factor": Mapping({
        "factor": _text("factor id", n=60),
        "confidence": Number(0.05, 1, "confidence 0-1", required=True),
        "evidence": _text("evidence template, e.g. 'sits {sitting_hours} h a day'"),
    }, "a factor conclusion"),
    "red_flag": Mapping({
        "red_flag": _text("red flag id", n=60),
        "urgency": Choice(URGENCIES, "urgency override"),
        "evidence": _text("evidence template"),
    }, "a red-flag conclusion"),
    "recommend": Mapping({"recommend": _text("exercise id", n=60)}, "a recommendation"),
    "caution": Mapping({"caution": _text("caution id", n=60),
                        "evidence": _text("why it applies")}, "a caution"),
    "unscreened": Mapping({"unscreened": _text("the red flag id it screens for", n=60),
                           "evidence": _text("which warning sign was not answered")},
                          "an unanswered warning sign"),
    "precaution": Mapping({"precaution": _text("precaution id", n=60),
                           "evidence": _text("why it applies")}, "a precaution"),
}
RULE_PREFIX = {"factor": "F-", "red_flag": "RF-", "recommend": "X-", "caution": "C-",
               "unscreened": "S-", "precaution": "P-"}
RULE_ID = re.compile(r"^(F|RF|X|C|S|P)-[A-Z]{2,8}-\d{2}$")

RULE = Mapping({
    "id": _text("stable rule id such as F-SIT-01", n=20),
    "title": _text("one-line title", n=160),
    "when": AnyValue("a condition", required=True),
    "then": AnyValue("a conclusion", required=True),
    "rationale": _text("one-line rationale"),
    "source": Source("source", required=True),
    "enabled": Boolean("set false to switch the rule off"),
    "review": REVIEW,
}, "a rule")

HAZARD = Mapping({
    "id": _text("hazard id", n=60), "name": _text("name", n=160),
    "description": _text("what it is and whom it endangers"),
    "source": Source("source", required=True), "note": _text("note", required=False),
    "review": REVIEW,
}, "a hazard an exercise may carry")

CATALOGUES = {  # file -> (top key, item schema)
    "hazards.yaml": ("hazards", HAZARD),
    "factors.yaml": ("factors", FACTOR),
    "exercises.yaml": ("exercises", EXERCISE),
    "red_flags.yaml": ("red_flags", RED_FLAG),
    "cautions.yaml": ("cautions", CAUTION),
    "precautions.yaml": ("precautions", PRECAUTION),
}
