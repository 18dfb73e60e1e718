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
from pathlib import Path

from .engine import Assessor, invalid_report
from .intake.bulk import is_bulk
from .intake.reading import (
    Record,
    _stem,
    default_id,
    expand,
    file_records,
    file_units,
    is_yaml,
    records_from_text,
    records_from_units,
)
from .problems import Problem
from .report.model import Report

INTERNAL = "internal error in hipguide"

AUTO_PARALLEL_MIN = 300   # input files: below this, --jobs defaults to 1 ...
AUTO_PARALLEL_BYTES = 256 * 1024   # ... unless a YAML file is this large (~500 documents)
# Input files per task sent to a worker.  A chunk's reports come back as one
# pickled message; kept under a pipe's 64 KiB, it arrives in one read.  With 32
# files (~125 KiB) the parent's heap fragmented and grew with the batch: peak
# RSS 32.8 MB at 100,000 intakes vs 24.8 MB with 8, at the same speed.  Reports
# grew with the programme (stages, more exercises, warning signs): the largest
# are ~17 KiB pickled since issue 19 (hazards, safety net, substitutes), so
# chunks are now 3 files.  tests/test_perf.py checks that the largest still fit.
CHUNK_FILES = 3
IN_FLIGHT_PER_JOB = 3     # chunks submitted but not yet yielded, per worker
# a file this large is read and split into its documents by the parent, so that
# a file of thousands of documents is shared by the workers (~5 intakes)
SPLIT_BYTES = 4096


def report_for(worker: Assessor, record: Record) -> Report:
    if record.problems:
        return worker.assess_invalid(record.partial, record.id, record.source,
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
                kb=None, notify=None) -> Iterator[tuple[Record, Report]]:
    """(record, report) for every intake in paths, in input order, streamed.

    ``jobs`` worker processes (None: the number of cores when there are at
    least AUTO_PARALLEL_MIN input files or a YAML file of AUTO_PARALLEL_BYTES,
    else 1).  ``kb`` is the knowledge-base
    root the workers load when they cannot inherit ``worker`` (no 'fork').
    ``notify(text)`` is told when a worker process died (its files are then
    scored again one at a time; a file that kills a worker again is reported as
    not scored)."""
    files = expand(paths)
    if jobs is None:
        head = list(itertools.islice(files, AUTO_PARALLEL_MIN))
        big = any(path is not None and (is_yaml(name) or is_bulk(name))
                  and _size(path) >= AUTO_PARALLEL_BYTES for name, path in head)
        jobs = cpu_count() if len(head) >= AUTO_PARALLEL_MIN or big else 1
        files = itertools.chain(head, files)
    if jobs <= 1:
        for name, path in files:
            for record in file_records(name, path):
                yield record, report_for(worker, record)
        return
    yield from _parallel(worker, files, jobs, kb, notify or (lambda text: None))


# --- worker processes -------------------------------------------------------

_WORKER: Assessor | None = None
_PARENT: int | None = None


def _die_with_parent() -> None:
    """Ask Linux to kill this worker when the parent dies (even by SIGKILL), so no
    worker outlives it holding a pipe open; elsewhere _score_chunk checks getppid."""
    import ctypes
    import signal
    import sys

    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)   # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # pragma: no cover - no prctl
        pass


def _init_worker(kb, parent: int, policy: dict) -> None:
    import signal

    global _WORKER, _PARENT
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _PARENT = parent
    _die_with_parent()
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)
    from .api import assessor

    _WORKER = assessor(kb)  # inherited already built under 'fork'; built once otherwise
    _WORKER.policy = policy
    freeze_long_lived()


def freeze_long_lived() -> None:
    """Move everything alive now (the knowledge base, the compiled network) out of
    the cyclic garbage collector's sight: each intake allocates thousands of
    short-lived containers, and every older-generation collection walked these
    objects again (about 5% of an intake's time).  For processes hipguide owns
    (``score`` and its workers), never from the embedding API."""
    import gc

    gc.freeze()


def _score_chunk(items: list) -> list:
    if _PARENT is not None and os.getppid() != _PARENT:
        os._exit(1)  # orphaned: nobody reads the results
    out = []
    for item in items:
        for record in _item_records(item):
            out.append(for_parent(record, report_for(_WORKER, record)))
    return out


def _item_records(item) -> Iterator[Record]:
    """A chunk item is ("file", name, path): a file the worker reads; ("units",
    name, units, many): documents the parent split off a large file or standard
    input; or ("records", records): records the parent already has (a file it
    could not read)."""
    if item[0] == "file":
        return file_records(item[1], item[2])
    if item[0] == "units":
        return records_from_units(item[2], item[1], item[3])
    return iter(item[1])


def for_parent(record: Record, report: Report) -> tuple[Record, Report]:
    """What a worker sends back: the parent needs only who and what went wrong,
    not the intake itself."""
    return Record(record.id, record.source, record.document, problems=record.problems,
                  notes=record.notes), report


def _chunks(files: Iterator, size: int) -> Iterator[list]:
    """Lists of items with about ``size`` documents each.  Files are sent by name;
    standard input, and any file of SPLIT_BYTES or more (it may hold thousands of
    documents), is read here and split at its document boundaries, so its
    documents spread over the workers and no result message grows with it."""
    chunk: list = []
    for name, path in files:
        if path is not None and is_bulk(name) and _large(path):
            # a bulk file (JSON Lines, Parquet, gzip) is read here as a stream, and
            # its records go to the workers ``size`` at a time
            records = file_records(name, path)
            while piece := list(itertools.islice(records, size)):
                if chunk:
                    yield chunk
                chunk = [("records", piece)]
            continue
        if path is not None and (not is_yaml(name) or not _large(path)):
            chunk.append(("file", name, path))  # FHIR and CSV files go whole
            if len(chunk) >= size:
                yield chunk
                chunk = []
            continue
        units, problem = file_units(name, path)
        if problem is not None:
            chunk.append(("records", [Record(_stem(name), name, 1, problems=[problem])]))
            continue
        head = list(itertools.islice(units, 2))
        if not head:
            chunk.append(("records", list(records_from_text("", name))))
            continue
        many = len(head) > 1
        units = itertools.chain(head, units)
        while True:
            piece = list(itertools.islice(units, size))
            if not piece:
                break
            if chunk:
                yield chunk
            chunk = [("units", name, piece, many)]
        del units
    if chunk:
        yield chunk


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # the worker reports why it cannot be read


def _large(path: Path) -> bool:
    return _size(path) >= SPLIT_BYTES


def _context():
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else None)


class _Pool:
    """A process pool that can be rebuilt after a worker died."""

    def __init__(self, jobs: int, kb, policy: dict):
        self.jobs, self.kb, self.policy = jobs, kb, policy
        self.pool = None
        self.rebuild()

    def rebuild(self):
        from concurrent.futures import ProcessPoolExecutor

        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
        self.pool = ProcessPoolExecutor(self.jobs, mp_context=_context(),
                                        initializer=_init_worker, initargs=(self.kb, os.getpid(),
                                                                       self.policy))

    def submit(self, chunk):
        """A future of the chunk's results; when the pool is already broken, a
        future that says so (handled where results are collected)."""
        from concurrent.futures import Future
        from concurrent.futures.process import BrokenProcessPool

        try:
            return self.pool.submit(_score_chunk, chunk)
        except BrokenProcessPool as exc:
            failed: Future = Future()
            failed.set_exception(exc)
            return failed

    def shutdown(self):
        self.pool.shutdown(wait=True, cancel_futures=True)


def _lost(item, why: str) -> list:
    """Records for the documents of an item whose worker died on it."""
    message = f"not scored: {why}"
    if item[0] == "file":
        name = item[1]
        return [Record(_stem(name), name, 1, problems=[Problem(name, message)])]
    if item[0] == "records":
        return list(item[1])
    _, name, units, many = item
    return [Record(default_id(name, unit.index, many), name, unit.index, problems=[
        Problem(name, message, line=unit.line + 1, document=unit.index if many else None)])
        for unit in units]


WORKER_DIED = ("the worker process scoring it died (it crashed or was killed), and died "
               "again when it was scored alone")


def _parallel(worker: Assessor, files: Iterator, jobs: int, kb, notify) -> Iterator:
    from concurrent.futures.process import BrokenProcessPool

    from . import api

    # a forked worker inherits the parent's compiled engine through the cache
    api._ASSESSORS.setdefault(str(kb) if kb is not None else None, worker)
    chunks = _chunks(iter(files), CHUNK_FILES)
    first = list(itertools.islice(chunks, jobs * IN_FLIGHT_PER_JOB))
    if not first:
        return
    # never more workers than there is work for (with 'fork' they all start at once)
    pool = _Pool(min(jobs, len(first)), kb, dict(worker.policy))
    pending: deque = deque((chunk, pool.submit(chunk)) for chunk in first)
    try:
        while pending:
            chunk, future = pending.popleft()
            try:
                done = future.result()
            except BrokenProcessPool:
                notify("a worker process died; the files it was scoring are scored again, "
                       "one at a time")
                pool.rebuild()
                done = []
                for item in chunk:   # one at a time: only the culprit is lost
                    try:
                        done += pool.submit([item]).result()
                    except BrokenProcessPool:
                        pool.rebuild()
                        done += [(record, report_for(worker, record))
                                 for record in _lost(item, WORKER_DIED)]
                pending = deque((c, pool.submit(c)) for c, _ in pending)
            for chunk in itertools.islice(chunks, 1):
                pending.append((chunk, pool.submit(chunk)))
            yield from done
    finally:
        for _, future in pending:
            future.cancel()
        pool.shutdown()
