"""Answers as the intake holds them, addressed by dotted paths
(``symptoms.hip_pain``): read, set and remove one, and put them in the
questionnaire's order for saving."""

from __future__ import annotations

from ..core import contract as schema
from .data import SKIP


def get(answers: dict, path: str):
    value = answers
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return SKIP
        value = value[part]
    return value


def put(answers: dict, path: str, value):
    *parents, last = path.split(".")
    for part in parents:
        answers = answers.setdefault(part, {})
    answers[last] = value


def delete(answers: dict, path: str):
    """Remove the answer at path (and a mapping such as symptoms left empty)."""
    *parents, last = path.split(".")
    node = answers
    for part in parents:
        node = node.get(part) if isinstance(node, dict) else None
    if not isinstance(node, dict):
        return
    node.pop(last, None)
    if parents and not node:
        delete(answers, ".".join(parents))


def ordered(answers: dict) -> dict:
    """The answers in the contract's field order, as an intake file lists them."""
    out = {k: answers[k] for k in schema.SCHEMA.fields if k in answers}
    if isinstance(out.get("symptoms"), dict):
        out["symptoms"] = {k: out["symptoms"][k] for k in schema.SYMPTOMS.fields
                           if k in out["symptoms"]}
    return out


# ---------------------------------------------------------------- prompting
