"""Load and strictly check the knowledge base: knowledge/*.yaml and rules/*.yaml.

Every problem is reported as ``file:line:col: message (rule id)`` before any
intake is scored; nothing half-checked reaches the engine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

from ..intake.contract import AnyValue, Boolean, Choice, Invalid, ListOf, Mapping, Number, Text
from ..intake.yamlload import parse_documents
from ..problems import Problem, format_path
from . import conditions as cl
from .location import root_path

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


_ID = r"^[a-z][a-z0-9_]*$"


class ReviewDate(Text):
    """A review's date: a real calendar date, YYYY-MM-DD."""

    def allowed(self) -> str:
        return "a date written YYYY-MM-DD, in quotes"

    def check(self, value):
        import datetime

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

# knowledge/progress.yaml: placeholders each template may use (checked at load time)
PROGRESS_ADVICE = {"red_flag": ("referral",), "worse": (), "not_better": ("weeks",),
                   "move_on": ("stage", "exercises"), "move_on_last": (),
                   "keep_going": ("exercises", "weeks_left")}
_CHANGE = ("label", "before", "after")
PROGRESS_REASONS = {"new_red_flag": ("name", "urgency"), "red_flag": ("name", "urgency"),
                    "worse": _CHANGE, "better": _CHANGE, "habit_worse": _CHANGE,
                    "not_better": ("weeks",), "still_not_better": ("weeks",),
                    "no_symptoms": (), "too_early": ("weeks",), "too_early_to_move": ("weeks",),
                    "pain_missing": (), "main_unchanged": _CHANGE}
PROGRESS_LABELS = ("hip_pain", "stiffness", "limited_rotation", "balance_problems",
                   "sitting_hours", "standing_breaks_hourly", "activity_level", "warning_signs")
PROGRESS_VERDICTS = ("see_clinician", "move_on", "keep_going")


def _weeks(desc):
    return Number(1, 104, desc, integer=True, required=True)


PROGRESS = Mapping({
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
    "labels": Mapping({k: _text(f"what people see for {k}", n=80) for k in PROGRESS_LABELS},
                      "field names people see", required=True),
    "verdicts": Mapping({k: _text(f"the title of {k}", n=80) for k in PROGRESS_VERDICTS},
                        "verdict titles", required=True),
    "advice": Mapping({k: _text(f"what to do ({k})") for k in PROGRESS_ADVICE},
                      "advice per verdict", required=True),
    "reasons": Mapping({k: _text(f"a reason ({k})", n=400) for k in PROGRESS_REASONS},
                       "reasons shown with a verdict", required=True),
    "source": Source("source", required=True), "note": _text("note", required=False),
}, "knowledge/progress.yaml")

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
    progress: dict = field(default_factory=dict)   # knowledge/progress.yaml (the check-in)
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


def default_root() -> Path:
    """The folder holding rules/ and knowledge/: $HIPGUIDE_KB, the installed
    package, or the source checkout (``location.root_path``)."""
    return Path(root_path())


class _Reader:
    def __init__(self):
        self.problems: list[Problem] = []
        self.extras: dict = {}   # a catalogue file's other top keys (CATALOGUE_EXTRAS)

    def read(self, path: Path):
        """The single document in path, or None (problems recorded)."""
        from ..intake.reading import read_text

        name = str(path)
        if not path.exists() and not path.is_symlink():
            self.problems.append(Problem(name, "file is missing"))
            return None
        # the intake reader's checks: a regular file only (a FIFO or device would
        # block or never end), at most MAX_KB_FILE bytes, UTF-8, no NUL bytes
        text, problem = read_text(name, path, MAX_KB_FILE, "knowledge-base file")
        if problem is not None:
            self.problems.append(problem)
            return None
        docs = list(parse_documents(text, name))
        for doc in docs:
            self.problems.extend(doc.problems)
        if any(d.problems for d in docs):
            return None
        if len(docs) != 1 or not isinstance(docs[0].data, dict):
            self.problems.append(Problem(name, "expected exactly one YAML mapping", line=1))
            return None
        return docs[0]

    def check(self, doc, path: tuple, schema, value, rule_id=None):
        """Check value (found at path in doc) against schema; record problems."""
        problems = schema.check_all(value) if isinstance(schema, Mapping) else []
        if not isinstance(schema, Mapping):
            try:
                schema.check(value)
            except Invalid as exc:
                problems = [exc]
        for exc in problems:
            self.add(doc, path + exc.path, exc.message, rule_id, key=exc.key)
        return not problems

    def add(self, doc, path: tuple, message: str, rule_id=None, key=False):
        line, col = doc.mark(path, key=key)
        self.problems.append(Problem(doc.source, message, field=format_path(path), line=line,
                                     column=col, rule=rule_id))


def load(root: Path | str | None = None) -> KnowledgeBase:
    """Load and check everything; raise KnowledgeError listing every problem."""
    root = Path(root) if root is not None else default_root()
    reader = _Reader()
    if not (root / "knowledge").is_dir() or not (root / "rules").is_dir():
        raise KnowledgeError([Problem(str(root), "expected a folder holding rules/ and "
                                                 "knowledge/ folders")])
    meta_doc = reader.read(root / "knowledge" / "meta.yaml")
    meta = meta_doc.data if meta_doc and reader.check(meta_doc, (), META, meta_doc.data) else {}
    if meta:
        from .templates import check_templates

        check_templates(reader, meta_doc, meta)
    catalogues = {}
    for filename, (top, schema) in CATALOGUES.items():
        catalogues[top] = _catalogue(reader, root / "knowledge" / filename, top, schema)
    rules = []
    rule_files = sorted((root / "rules").glob("*.yaml"))
    if not rule_files:
        reader.problems.append(Problem(str(root / "rules"), "no rule files (*.yaml)"))
    for path in rule_files:
        rules += _rules(reader, path, catalogues)
    programme = _programme(reader, root, catalogues["exercises"])
    progress = _progress(reader, root)
    kb = KnowledgeBase(root, meta, catalogues["factors"], catalogues["exercises"],
                       catalogues["red_flags"], catalogues["cautions"],
                       catalogues["precautions"], catalogues["hazards"], programme,
                       progress, rules, [str(p) for p in rule_files],
                       reader.extras.get("call_emergency_now", {}))
    _cross_check(reader, kb, root)
    if reader.problems:
        raise KnowledgeError(reader.problems)
    return kb


def _programme(reader: _Reader, root: Path, exercises: dict) -> dict:
    """knowledge/programme.yaml: every exercise in exactly one family, so the plan
    step can place each one; only known ids."""
    doc = reader.read(root / "knowledge" / "programme.yaml")
    if doc is None or not reader.check(doc, (), PROGRAMME, doc.data):
        return {}
    data = doc.data
    families = data["families"]
    if not isinstance(families, dict) or not families:
        reader.add(doc, ("families",), "expected family names, each with a list of "
                                       "exercise ids")
        return {}
    from .templates import PROGRAMME_TEMPLATES, template_problems

    for key, names in PROGRAMME_TEMPLATES.items():
        if isinstance(data.get(key), str):
            for message in template_problems(data[key], names):
                reader.add(doc, (key,), message)
    seen = {}
    for name, ids in families.items():
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids) or not ids:
            reader.add(doc, ("families", name), "expected a non-empty list of exercise ids")
            continue
        for i, xid in enumerate(ids):
            if xid not in exercises or exercises[xid].get("kind") != "exercise":
                reader.add(doc, ("families", name, i), f"{xid!r} is not an exercise in "
                           "knowledge/exercises.yaml")
            elif xid in seen:
                reader.add(doc, ("families", name, i), f"{xid!r} is already in family "
                           f"{seen[xid]!r}")
            seen.setdefault(xid, name)
    for xid, item in exercises.items():
        if item.get("kind") == "exercise" and xid not in seen and not item.get("_broken"):
            reader.add(doc, ("families",), f"exercise {xid!r} is in no family; add it where "
                       "it belongs (easiest first)")
    for i, xid in enumerate(data.get("later_only") or []):
        if xid not in seen:
            reader.add(doc, ("later_only", i), f"{xid!r} is in no family")
    return data


def _progress(reader: _Reader, root: Path) -> dict:
    """knowledge/progress.yaml: thresholds in a sensible order, and templates that
    name only the placeholders the check-in fills in."""
    from .templates import template_problems

    doc = reader.read(root / "knowledge" / "progress.yaml")
    if doc is None or not reader.check(doc, (), PROGRESS, doc.data):
        return {}
    data = doc.data
    limits = data["thresholds"]
    for early, late in (("earliest_move_on_weeks", "review_weeks"),
                        ("review_weeks", "still_not_better_weeks")):
        if limits[early] > limits[late]:
            reader.add(doc, ("thresholds", early), f"{early} ({limits[early]}) must not be "
                       f"more than {late} ({limits[late]})")
    for section, allowed in (("advice", PROGRESS_ADVICE), ("reasons", PROGRESS_REASONS)):
        for key, names in allowed.items():
            for message in template_problems(data[section][key], names):
                reader.add(doc, (section, key), message)
    return data


def _catalogue(reader: _Reader, path: Path, top: str, schema: Mapping) -> dict:
    doc = reader.read(path)
    if doc is None:
        return {}
    extras = CATALOGUE_EXTRAS.get(top, {})
    if not isinstance(doc.data, dict) or set(doc.data) != {top, *extras} \
            or not isinstance(doc.data[top], list):
        keys = ", ".join(repr(k) for k in (top, *extras))
        reader.add(doc, (), f"expected the keys {keys}; {top!r} holding a list")
        return {}
    for key, spec in extras.items():
        if reader.check(doc, (key,), spec, doc.data[key]):
            reader.extras[key] = doc.data[key]
    items = {}
    for i, item in enumerate(doc.data[top]):
        if not reader.check(doc, (top, i), schema, item):
            # keep its id known, so rules naming it do not add a cascade of errors
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                items.setdefault(item["id"], {"_where": doc.mark((top, i)), "_broken": True})
            continue
        if not re.match(_ID, item["id"]):
            reader.add(doc, (top, i, "id"), f"id {item['id']!r} must be lower_snake_case")
        elif item["id"] in items:
            reader.add(doc, (top, i, "id"), f"duplicate id {item['id']!r}")
        else:
            items[item["id"]] = {**item, "_where": doc.mark((top, i))}
            if "picture" in item:
                for message in picture_problems(path.parent / PICTURES / item["picture"]):
                    reader.add(doc, (top, i, "picture"), message)
    return items


_SVG = "{http://www.w3.org/2000/svg}"
_NOT_IN_PICTURES = {"script", "foreignObject", "image", "iframe", "embed", "object",
                    "audio", "video", "use"}


def picture_problems(path: Path) -> list[str]:
    """Why the SVG at path is not a small, well-formed, self-contained, script-free
    picture (empty when it is): no scripts or event handlers, no external references,
    no embedded images, only the generic sans-serif font."""
    name = f"{PICTURES}/{path.name}"
    try:
        if path.stat().st_size > MAX_PICTURE:
            return [f"picture {name} is larger than {MAX_PICTURE} bytes"]
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        return [f"picture {name} is missing"]
    except (OSError, UnicodeDecodeError) as exc:
        return [f"cannot read picture {name}: {exc}"]
    return svg_problems(text, name)


def svg_problems(text: str, name: str) -> list[str]:
    """picture_problems for SVG text already read (the handout checks the very
    bytes it embeds)."""
    if re.search(r"<!(DOCTYPE|ENTITY)", text, re.IGNORECASE):
        return [f"picture {name} must not declare a DOCTYPE or entities"]
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError as exc:
        return [f"picture {name} is not well-formed XML: {exc}"]
    if root.tag != _SVG + "svg" or not root.get("viewBox"):
        return [f"picture {name} must be an <svg> element (SVG namespace) with a viewBox"]
    problems = []
    for el in root.iter():
        tag = str(el.tag).rsplit("}", 1)[-1]
        if tag in _NOT_IN_PICTURES:
            problems.append(f"picture {name} contains <{tag}>, which is not allowed")
        values = list(el.attrib.items()) + ([("style", el.text)] if tag == "style" else [])
        for attr, value in values:
            attr, value = attr.rsplit("}", 1)[-1], value or ""
            if attr.lower().startswith("on"):
                problems.append(f"picture {name} has an event handler {attr!r}")
            elif attr == "href" and not value.startswith("#"):
                problems.append(f"picture {name} refers to {value!r}; only #ids are allowed")
            if re.search(r"url\(\s*['\"]?(?!#)|@import", value):
                problems.append(f"picture {name} refers to an outside resource in {attr!r}")
            for font in re.findall(r"font-family\s*:\s*([^;\"]+)", value) + (
                    [value] if attr == "font-family" else []):
                if font.strip() != "sans-serif":
                    problems.append(f"picture {name} uses font {font.strip()!r}; "
                                    "only the generic sans-serif is allowed")
    return sorted(set(problems))


def _kind(then) -> str | None:
    keys = [k for k in THEN if isinstance(then, dict) and k in then]
    return keys[0] if len(keys) == 1 else None


def _rules(reader: _Reader, path: Path, catalogues: dict) -> list:
    doc = reader.read(path)
    if doc is None:
        return []
    if set(doc.data) != {"rules"} or not isinstance(doc.data["rules"], list):
        reader.add(doc, (), "expected one key 'rules' holding a list")
        return []
    out = []
    targets = {"factor": catalogues["factors"], "red_flag": catalogues["red_flags"],
               "recommend": catalogues["exercises"], "caution": catalogues["cautions"],
               "unscreened": catalogues["red_flags"], "precaution": catalogues["precautions"]}
    for i, raw in enumerate(doc.data["rules"]):
        where = ("rules", i)
        rid = raw.get("id") if isinstance(raw, dict) else None
        rid = rid if isinstance(rid, str) else None
        if not reader.check(doc, where, RULE, raw, rid):
            continue
        if not RULE_ID.match(rid):
            reader.add(doc, where + ("id",), f"rule id {rid!r} must look like F-SIT-01 "
                       "(F factor, RF red flag, X exercise/habit, C caution)", rid)
            continue
        then = raw["then"]
        kind = _kind(then)
        if kind is None:
            reader.add(doc, where + ("then",), "'then' needs exactly one of: "
                       + ", ".join(THEN), rid)
            continue
        if not reader.check(doc, where + ("then",), THEN[kind], then, rid):
            continue
        if not rid.startswith(RULE_PREFIX[kind]):
            reader.add(doc, where + ("id",), f"a {kind} rule's id starts with "
                       f"{RULE_PREFIX[kind]!r}", rid)
        if then[kind] not in targets[kind]:
            reader.add(doc, where + ("then", kind), f"unknown {kind.replace('_', ' ')} "
                       f"{then[kind]!r}; not in the knowledge catalogue", rid)
        try:
            condition = cl.parse(raw["when"], {
                fid: item.get("explains_pain_up_to", 0)
                for fid, item in catalogues["factors"].items()}, ())
        except cl.ConditionError as exc:
            reader.add(doc, where + ("when",) + exc.path, exc.message, rid)
            continue
        if raw.get("enabled") is False:
            continue
        line, _ = doc.mark(where)
        out.append(RuleSpec(rid, raw["title"], kind, dict(then), condition, raw["when"],
                            raw["rationale"], raw["source"], str(path), line,
                            then.get("evidence", ""), raw.get("review")))
        _rule_semantics(reader, doc, where, out[-1])
    return out


def _every_branch_has_factor(node) -> bool:
    if isinstance(node, cl.Leaf):
        return node.kind == "factor" and not node.negated
    if isinstance(node, cl.Not):
        return False
    if isinstance(node, cl.All):
        return any(_every_branch_has_factor(i) for i in node.items)
    return all(_every_branch_has_factor(i) for i in node.items)


# what an evidence template may name: every field a condition can test
_PLACEHOLDERS = {f if kind == "intake" else f"{kind}.{f}"
                 for kind, fields in cl.SCALAR_KINDS.items() for f in fields}
_PLACEHOLDERS |= {"posture", "conditions"}


def _rule_semantics(reader, doc, where, rule: RuleSpec):
    leaves = list(cl.leaves(rule.condition))
    early = ("unscreened", "precaution")  # they fire before any factor is concluded
    if rule.kind in early and any(leaf.kind == "factor" for leaf in leaves):
        reader.add(doc, where + ("when",), f"{rule.kind} rules must not test factors "
                   "(they fire before any factor is concluded)", rule.id)
    if rule.kind != "precaution" and any(leaf.kind == "unscreened" for leaf in leaves):
        reader.add(doc, where + ("when",), "only precaution rules may test 'unscreened'",
                   rule.id)
    if rule.kind == "recommend" and not _every_branch_has_factor(rule.condition):
        reader.add(doc, where + ("when",), "a recommendation must follow from a factor in "
                   "every branch ('factor <id>'), so it can say what it addresses", rule.id)
    for name in re.findall(r"{([^{}]*)}", rule.evidence):
        if name not in _PLACEHOLDERS:
            reader.add(doc, where + ("then", "evidence"), f"unknown placeholder {{{name}}} in "
                       "evidence; use a field name such as {sitting_hours}", rule.id)


def _cross_check(reader: _Reader, kb: KnowledgeBase, root: Path):
    def problem(filename, item, message):
        line, col = item["_where"]
        reader.problems.append(Problem(str(root / "knowledge" / filename), message,
                                       line=line, column=col))

    for pid, item in kb.precautions.items():
        for hazard in item.get("blocks_hazards") or []:
            if hazard not in kb.hazards:
                problem("precautions.yaml", item, f"precaution {pid!r} blocks unknown hazard "
                        f"{hazard!r}; known: {', '.join(kb.hazards)}")
    for xid, item in kb.exercises.items():
        if item.get("_broken"):
            continue
        hazards = item.get("hazards") or []
        for hazard in hazards:
            if hazard not in kb.hazards:
                problem("exercises.yaml", item, f"exercise {xid!r} has unknown hazard "
                        f"{hazard!r}; known: {', '.join(kb.hazards)}")
        adaptations = item.get("adaptations") or {}
        if not isinstance(adaptations, dict) or not all(
                isinstance(k, str) and isinstance(v, str) and v.strip()
                for k, v in adaptations.items()):
            problem("exercises.yaml", item, f"exercise {xid!r}: adaptations must map a "
                    "hazard id to a sentence saying how to avoid it")
        elif set(adaptations) - set(hazards):
            problem("exercises.yaml", item, f"exercise {xid!r} adapts hazards it does not "
                    f"carry: {sorted(set(adaptations) - set(hazards))}")
        for sub in item.get("substitutes") or []:
            target = kb.exercises.get(sub)
            if target is None or target.get("kind") != "exercise" or sub == xid:
                problem("exercises.yaml", item, f"exercise {xid!r}: substitute {sub!r} is "
                        "not another exercise in knowledge/exercises.yaml")
    for cid, caution in kb.cautions.items():
        for ex in caution.get("applies_to", []):
            if ex not in kb.exercises:
                line, col = caution["_where"]
                reader.problems.append(Problem(str(root / "knowledge" / "cautions.yaml"),
                                               f"caution {cid!r} applies to unknown exercise "
                                               f"{ex!r}", line=line, column=col))
    for fid, item in kb.red_flags.items():
        for other in item.get("explained_by") or []:
            if other not in kb.red_flags or other == fid:
                line, col = item["_where"]
                reader.problems.append(Problem(str(root / "knowledge" / "red_flags.yaml"),
                                               f"red flag {fid!r} is explained_by "
                                               f"{'itself' if other == fid else 'unknown'} "
                                               f"red flag {other!r}", line=line, column=col))
    seen = {}
    for rule in kb.rules:
        if rule.id in seen:
            reader.problems.append(Problem(rule.file, f"duplicate rule id (first in "
                                           f"{seen[rule.id]})", line=rule.line, rule=rule.id))
        seen.setdefault(rule.id, f"{rule.file}:{rule.line}")
    if reader.problems:
        return  # "never concluded" would only repeat the problems above
    concluded = {(r.kind, r.concludes) for r in kb.rules}
    addressed = {leaf.value for r in kb.rules if r.kind == "recommend"
                 for leaf in cl.leaves(r.condition) if leaf.kind == "factor" and leaf.op == "=="}
    for fid, item in kb.factors.items():
        if fid not in addressed:  # a factor with nothing to do about it
            line, col = item["_where"]
            reader.problems.append(Problem(str(root / "knowledge" / "factors.yaml"),
                                           f"factor {fid!r} is addressed by no recommendation "
                                           "rule", line=line, column=col))
    for kind, table, filename in (("factor", kb.factors, "factors.yaml"),
                                  ("red_flag", kb.red_flags, "red_flags.yaml"),
                                  ("recommend", kb.exercises, "exercises.yaml"),
                                  ("caution", kb.cautions, "cautions.yaml"),
                                  ("precaution", kb.precautions, "precautions.yaml")):
        for item_id, item in table.items():
            if (kind, item_id) not in concluded:
                line, col = item["_where"]
                reader.problems.append(Problem(str(root / "knowledge" / filename),
                                               f"{item_id!r} is never concluded by any rule",
                                               line=line, column=col))
