"""The embedding API and the per-process cache of the compiled knowledge base."""

from __future__ import annotations

from .core import contract as schema
from .core.problems import Problem, format_path
from .engine.assessor import Assessor
from .engine.model import Report
from .kb.knowledge import KnowledgeBase, load

_ASSESSORS: dict = {}


def assessor(kb_root=None, loaded: KnowledgeBase | None = None):
    """The process's Assessor for a knowledge-base folder (built once: compiling
    the rules and building the engine is the expensive part). ``loaded``: that
    folder's knowledge base, already loaded and checked."""
    key = str(kb_root) if kb_root is not None else None
    if key not in _ASSESSORS:
        kb = loaded or (kb_root if isinstance(kb_root, KnowledgeBase) else load(kb_root))
        _ASSESSORS[key] = Assessor(kb)
    return _ASSESSORS[key]


def assess(mapping, *, report_id: str = "intake", source: str = "<api>", kb=None,
           withhold_unscreened: bool | None = None) -> Report:
    """Validate ``mapping`` against the intake contract and assess it.
    ``withhold_unscreened``: give no exercises when a warning sign was left
    unanswered (None: the knowledge base's default, ``meta.yaml``)."""
    worker = assessor(kb)
    if withhold_unscreened is not None and \
            worker.policy["withhold_unscreened"] != withhold_unscreened:
        worker = worker.with_policy(withhold_unscreened=withhold_unscreened)
    if isinstance(mapping, dict) and isinstance(mapping.get("id"), str):
        report_id = mapping["id"]
    data, invalid = schema.validate(mapping)
    if invalid:  # fail safe: a warning sign answered yes still refers
        return worker.assess_invalid(schema.salvage(mapping), report_id, source, [
            Problem(source, exc.message, format_path(exc.path)).as_dict() for exc in invalid])
    return worker.assess(data, report_id, source)
