"""Score an iterable of intake mappings with one engine per process: the shape
a distributed engine needs (a Dask partition, a Spark ``mapPartitions``).

Building the engine (compiling the rules) costs far more than assessing one
intake, so it is built on first use in each process and reused for every
record after it, exactly as ``score --jobs`` does in its workers.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from collections.abc import Mapping as AnyMapping

from .api import assessor
from .batch import report_for
from .core import contract as schema
from .core.problems import Problem, format_path
from .intake.record import Record
from .report.writers import report_dict

SOURCE = "<records>"


def assess_records(records: Iterable, *, kb=None, as_dict: bool = False,
                   explain: bool = False) -> Iterator:
    """Yield one Report (or, with ``as_dict``, its data) per intake mapping, in
    order.  The data has the shape of ``score --format jsonl``: each finding's
    ``basis`` (the rules and facts behind it) only with ``explain``.

    A record's report id is its ``id``, else ``record-N`` (N counts from 1 in
    this iterable; give ids when records are spread over machines). A record
    that breaks the contract gives an 'invalid' report with its errors, never
    an exception, and the records after it are still assessed."""
    worker = assessor(kb)  # built once per process, then reused
    for n, mapping in enumerate(records, 1):
        report = report_for(worker, _record(mapping, n))
        yield report_dict(report, explain) if as_dict else report


def _record(mapping, n: int):
    if isinstance(mapping, AnyMapping) and not isinstance(mapping, dict):
        mapping = dict(mapping)  # e.g. a read-only view; the contract checks dicts
    rid = mapping.get("id") if isinstance(mapping, dict) else None
    rid = rid if isinstance(rid, str) and rid.strip() else f"record-{n}"
    data, invalid = schema.validate(mapping)
    problems = [Problem(SOURCE, exc.message, format_path(exc.path)) for exc in invalid]
    return Record(rid, SOURCE, n, data, problems,
                  partial=schema.salvage(mapping) if problems else None)
