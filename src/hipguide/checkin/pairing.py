"""Pairing a check-in's intakes: a batch of BEFORE records matched with AFTER
records by intake id, keeping the ones that cannot be compared (invalid,
unmatched, an id given twice) so that nothing is dropped in silence; and each
pair compared, or why it could not be."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from ..core.problems import InternalError
from .comparison import (
    INTERNAL,
    INVALID,
    UNMATCHED,
    Comparison,
    compare,
    not_compared,
    problem_entry,
)


@dataclass
class Pair:
    """What ``pair_records`` found for one id: the BEFORE and AFTER records (either
    may be missing), or why the id cannot be paired."""

    id: str
    before: object = None
    after: object = None
    errors: list = field(default_factory=list)


def pair_records(before: Iterable, after: Iterable) -> list[Pair]:
    """Pairs by intake id (a record's id: its ``id`` field, else the file stem), in
    BEFORE's order and then AFTER-only ids. An id given twice on one side cannot be
    paired safely: it becomes one entry with an error naming every place."""
    sides: dict = {"before": {}, "after": {}}
    order: list = []
    for side, recs in (("before", before), ("after", after)):
        for record in recs:
            sides[side].setdefault(record.id, []).append(record)
            if record.id not in order:
                order.append(record.id)
    pairs = []
    for rid in order:
        pair = Pair(rid)
        for side in ("before", "after"):
            found = sides[side].get(rid, [])
            if len(found) > 1:
                places = ", ".join(_place(r) for r in found)
                pair.errors.append({"source": found[0].source, "field": "id",
                                    "message": f"id {rid!r} is given {len(found)} times in "
                                               f"{side.upper()} ({places}); give each person "
                                               "one intake per side"})
            elif found:
                setattr(pair, side, found[0])
        pairs.append(pair)
    return pairs


def _place(record) -> str:
    return record.source + (f" document {record.document}" if record.document > 1 else "")


def _record_side(record) -> dict:
    if record is None:
        return {}
    return {"source": record.source, "id": record.id,
            "intake_id": (record.intake or {}).get("id")}


def compare_pair(worker, pair_id: str, before, after, errors: list, weeks: int) -> Comparison:
    """One pair of intake records (either may be None) compared by the assessor
    ``worker``, or why the pair could not be compared: an invalid or unmatched
    intake, or hipguide's own fault (never raised: the other pairs go on)."""
    kb = worker.kb
    sides = {"before": _record_side(before), "after": _record_side(after)}
    errors = list(errors)
    for record in (before, after):
        if record is not None:
            errors += [problem_entry(p) for p in record.problems]
    if errors:
        return not_compared(pair_id, INVALID, kb, errors, **sides)
    if before is None or after is None:
        have, missing = ("BEFORE", "AFTER") if after is None else ("AFTER", "BEFORE")
        found = before or after
        return not_compared(pair_id, UNMATCHED, kb, [{
            "source": found.source, "field": "id",
            "message": f"no {missing} intake has the id {pair_id!r} (found only in {have}); "
                       "check the id field or the file name"}], **sides)
    try:
        before_report = worker.assess(before.intake, before.id, before.source)
        after_report = worker.assess(after.intake, after.id, after.source)
        return compare(before.intake, after.intake, before_report, after_report, weeks, kb,
                       pair_id)
    except Exception as exc:  # noqa: BLE001 - one pair's fault must not stop the batch
        return not_compared(pair_id, INTERNAL, kb, [{"source": after.source, **InternalError(exc)}],
                            **sides)


def pairs_of(before: list, after: list, batch: bool) -> list:
    """(id, before record, after record, errors) per comparison: paired by id
    for a clinic's batch, else the one intake on each side."""
    if batch:
        return [(p.id, p.before, p.after, p.errors) for p in pair_records(before, after)]
    return [(after[0].id, before[0], after[0], [])]
