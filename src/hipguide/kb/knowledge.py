"""Load and strictly check the knowledge base: knowledge/*.yaml and rules/*.yaml.

Every problem is reported as ``file:line:col: message (rule id)`` before any
intake is scored; nothing half-checked reaches the engine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..core.files import read_text
from ..core.problems import Problem, format_path
from ..core.schema_types import Invalid, Mapping
from ..core.yamlload import parse_documents
from . import conditions as cl
from .location import root_path
from .pictures import picture_problems
from .schemas import (
    CATALOGUE_EXTRAS,
    CATALOGUES,
    ITEM_ID,
    MAX_KB_FILE,
    META,
    PICTURES,
    PROGRAMME,
    PROGRESS,
    PROGRESS_ADVICE,
    PROGRESS_REASONS,
    RULE,
    RULE_ID,
    RULE_PREFIX,
    THEN,
)
from .templates import PROGRAMME_TEMPLATES, check_templates, template_problems


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


class KbReader:
    def __init__(self):
        self.problems: list[Problem] = []
        self.extras: dict = {}   # a catalogue file's other top keys (CATALOGUE_EXTRAS)

    def read(self, path: Path):
        """The single document in path, or None (problems recorded)."""
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
    reader = KbReader()
    if not (root / "knowledge").is_dir() or not (root / "rules").is_dir():
        raise KnowledgeError([Problem(str(root), "expected a folder holding rules/ and "
                                                 "knowledge/ folders")])
    meta_doc = reader.read(root / "knowledge" / "meta.yaml")
    meta = meta_doc.data if meta_doc and reader.check(meta_doc, (), META, meta_doc.data) else {}
    if meta:
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


def _programme(reader: KbReader, root: Path, exercises: dict) -> dict:
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


def _progress(reader: KbReader, root: Path) -> dict:
    """knowledge/progress.yaml: thresholds in a sensible order, and templates that
    name only the placeholders the check-in fills in."""
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


def _catalogue(reader: KbReader, path: Path, top: str, schema: Mapping) -> dict:
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
        if not re.match(ITEM_ID, item["id"]):
            reader.add(doc, (top, i, "id"), f"id {item['id']!r} must be lower_snake_case")
        elif item["id"] in items:
            reader.add(doc, (top, i, "id"), f"duplicate id {item['id']!r}")
        else:
            items[item["id"]] = {**item, "_where": doc.mark((top, i))}
            if "picture" in item:
                for message in picture_problems(path.parent / PICTURES / item["picture"]):
                    reader.add(doc, (top, i, "picture"), message)
    return items


def _kind(then) -> str | None:
    keys = [k for k in THEN if isinstance(then, dict) and k in then]
    return keys[0] if len(keys) == 1 else None


def _rules(reader: KbReader, path: Path, catalogues: dict) -> list:
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


def _cross_check(reader: KbReader, kb: KnowledgeBase, root: Path):
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
