"""Score a stream of intake records into reports, in input order.

The single place that turns records into reports for ``score``: invalid
records become 'invalid' reports, and an unexpected error in one intake is
reported with its id while the rest go on.

``score_paths`` also runs batches on several worker processes.  experta
engines cannot be pickled, so each worker builds (or, with the 'fork' start
method, inherits) its own Assessor once, in the pool initializer, and reuses it
for every intake.  Workers get *file names* in chunks and do the reading,
parsing, validation and assessment; the parent only lists the files, renders
and writes.  Results come back per chunk and are yielded in input order, with
a bounded number of chunks in flight, so memory stays flat however large the
batch and the output starts long before the batch ends.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator

from .engine import Assessor, invalid_report
from .intake.reading import Record, expand, file_records
from .report.model import Report

INTERNAL = "internal error in hipguide"

AUTO_PARALLEL_MIN = 300   # input files: below this, --jobs defaults to 1
# Input files per task sent to a worker.  A chunk's reports come back as one
# pickled message; kept under a pipe's 64 KiB (~37 KiB typical), it arrives in
# one read.  With 32 files (~125 KiB) the parent's heap fragmented and grew with
# the batch: peak RSS 32.8 MB at 100,000 intakes vs 24.8 MB with 8, at the same
# speed.  tests/test_perf.py checks that the largest reports still fit.
CHUNK_FILES = 8
IN_FLIGHT_PER_JOB = 3     # chunks submitted but not yet yielded, per worker


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


def cpu_count() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def score_paths(worker: Assessor, paths: Iterable[str], jobs: int | None = None,
                kb=None) -> Iterator[tuple[Record, Report]]:
    """(record, report) for every intake in paths, in input order, streamed.

    ``jobs`` worker processes (None: the number of cores when there are at
    least AUTO_PARALLEL_MIN input files, else 1).  ``kb`` is the knowledge-base
    root the workers load when they cannot inherit ``worker`` (no 'fork')."""
    files = expand(paths)
    if jobs is None:
        head = list(itertools.islice(files, AUTO_PARALLEL_MIN))
        jobs = cpu_count() if len(head) >= AUTO_PARALLEL_MIN else 1
        files = itertools.chain(head, files)
    if jobs <= 1:
        for name, path in files:
            for record in file_records(name, path):
                yield record, report_for(worker, record)
        return
    yield from _parallel(worker, files, jobs, kb)


# --- worker processes -------------------------------------------------------

_WORKER: Assessor | None = None


def _init_worker(kb, policy: dict) -> None:
    import signal

    global _WORKER
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    from .api import assessor

    _WORKER = assessor(kb)  # inherited already built under 'fork'; built once otherwise
    _WORKER.policy = policy


def _score_chunk(items: list) -> list:
    out = []
    for name, path, given in items:
        for record in given if given is not None else file_records(name, path):
            out.append(for_parent(record, report_for(_WORKER, record)))
    return out


def for_parent(record: Record, report: Report) -> tuple[Record, Report]:
    """What a worker sends back: the parent needs only who and what went wrong,
    not the intake itself."""
    return Record(record.id, record.source, record.document, problems=record.problems), report


def _chunks(files: Iterator, size: int) -> Iterator[list]:
    while True:
        chunk = []
        for name, path in itertools.islice(files, size):
            # standard input is read here, once; workers get its records
            chunk.append((name, path, file_records(name, None) if path is None else None))
        if not chunk:
            return
        yield chunk


def _context():
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else None)


def _parallel(worker: Assessor, files: Iterator, jobs: int, kb) -> Iterator:
    from concurrent.futures import ProcessPoolExecutor

    from . import api

    # a forked worker inherits the parent's compiled engine through the cache
    api._ASSESSORS.setdefault(str(kb) if kb is not None else None, worker)
    pool = ProcessPoolExecutor(jobs, mp_context=_context(), initializer=_init_worker,
                               initargs=(kb, dict(worker.policy)))
    pending: deque = deque()
    chunks = _chunks(iter(files), CHUNK_FILES)
    try:
        for chunk in itertools.islice(chunks, jobs * IN_FLIGHT_PER_JOB):
            pending.append(pool.submit(_score_chunk, chunk))
        while pending:
            done = pending.popleft().result()
            for chunk in itertools.islice(chunks, 1):
                pending.append(pool.submit(_score_chunk, chunk))
            yield from done
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
