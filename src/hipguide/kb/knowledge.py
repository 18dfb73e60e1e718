"""Load and strictly check the knowledge base: knowledge/*.yaml and rules/*.yaml.

Every problem is reported as ``file:line:col: message (rule id)`` before any
intake is scored; nothing half-checked reaches the engine.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..core.problems import Problem
from ..core.schema_types import Mapping
from .crosscheck import cross_check
from .kbfile import KbReader
from .knowledgebase import KnowledgeBase, KnowledgeError
from .location import root_path
from .pictures import picture_problems
from .rulefiles import read_rules
from .schemas import (
    CATALOGUE_EXTRAS,
    CATALOGUES,
    CHECKIN,
    CHECKIN_ADVICE,
    CHECKIN_REASONS,
    ITEM_ID,
    META,
    PICTURES,
    PROGRAMME,
)
from .templates import PROGRAMME_TEMPLATES, check_templates, template_problems


def default_root() -> Path:
    """The folder holding rules/ and knowledge/: $HIPGUIDE_KB, the installed
    package, or the source checkout (``location.root_path``)."""
    return Path(root_path())


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
        rules += read_rules(reader, path, catalogues)
    programme = _programme(reader, root, catalogues["exercises"])
    checkin = _checkin(reader, root)
    kb = KnowledgeBase(root, meta, catalogues["factors"], catalogues["exercises"],
                       catalogues["red_flags"], catalogues["cautions"],
                       catalogues["precautions"], catalogues["hazards"], programme,
                       checkin, rules, [str(p) for p in rule_files],
                       reader.extras.get("call_emergency_now", {}))
    cross_check(reader, kb, root)
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


def _checkin(reader: KbReader, root: Path) -> dict:
    """knowledge/checkin.yaml: thresholds in a sensible order, and templates that
    name only the placeholders the check-in fills in."""
    doc = reader.read(root / "knowledge" / "checkin.yaml")
    if doc is None or not reader.check(doc, (), CHECKIN, doc.data):
        return {}
    data = doc.data
    limits = data["thresholds"]
    for early, late in (("earliest_move_on_weeks", "review_weeks"),
                        ("review_weeks", "still_not_better_weeks")):
        if limits[early] > limits[late]:
            reader.add(doc, ("thresholds", early), f"{early} ({limits[early]}) must not be "
                       f"more than {late} ({limits[late]})")
    for section, allowed in (("advice", CHECKIN_ADVICE), ("reasons", CHECKIN_REASONS)):
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
