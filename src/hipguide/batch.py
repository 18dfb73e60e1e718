"""Score a stream of intake records into reports, in input order.

The single place that turns records into reports for ``score`` (and, later,
for worker processes): invalid records become 'invalid' reports, and an
unexpected error in one intake is reported with its id while the rest go on.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from .engine import Assessor, invalid_report
from .report import Report
from .sources import Record

INTERNAL = "internal error in hipguide"


def report_for(worker: Assessor, record: Record) -> Report:
    if record.problems:
        return invalid_report(worker.kb, record.id, record.source,
                              [p.as_dict() for p in record.problems])
    try:
        return worker.assess(record.intake, record.id, record.source)
    except Exception as exc:  # noqa: BLE001 - one intake's fault must not stop the batch
        message = f"{INTERNAL} ({type(exc).__name__}: {exc}); please report it"
        return invalid_report(worker.kb, record.id, record.source,
                              [{"field": "", "message": message}])


def reports(worker: Assessor, records: Iterable[Record]) -> Iterator[tuple[Record, Report]]:
    """(record, report) per record, in input order, streamed."""
    for record in records:
        yield record, report_for(worker, record)
