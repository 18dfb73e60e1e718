"""Score a stream of intake records into reports, in input order.

The single place that turns records into reports for ``score``: invalid
records become 'invalid' reports, and an unexpected error in one intake is
reported with its id while the rest go on.

``score_paths`` also runs batches on several worker processes (workers.py).
experta engines cannot be pickled, so each worker is forked and inherits the
parent's Assessor, and reuses it for every intake.  Workers get *file names*
in chunks and do the reading, parsing, validation and assessment; the parent
only lists the files, renders and writes.  Results come back per chunk and
are yielded in input order, with a bounded number of chunks in flight, so
memory stays flat however large the batch and the output starts long before
the batch ends.
"""

from __future__ import annotations

import gc
import itertools
import os
from collections import deque
from collections.abc import Iterable, Iterator
from pathlib import Path

from .core import workers
from .core.problems import InternalError, Problem
from .engine.assessor import Assessor, invalid_report
from .engine.model import Report
from .intake import stdinput
from .intake.bulk import handle_records, is_bulk
from .intake.reading import expand, file_records, is_yaml, records_from_text
from .intake.record import Record, default_id, default_stem
from .intake.yamlfile import file_units, records_from_units

AUTO_PARALLEL_MIN = 300   # input files: below this, --jobs defaults to 1 ...
AUTO_PARALLEL_BYTES = 256 * 1024   # ... unless a YAML file is this large (~500 documents)
# Input files per task sent to a worker.  A chunk's reports come back as one
# pickled message; kept under a pipe's 64 KiB, it arrives in one read.  With 32
# files (~125 KiB) the parent's heap fragmented and grew with the batch: peak
# RSS 32.8 MB at 100,000 intakes vs 24.8 MB with 8, at the same speed.  Reports
# grew with the programme (stages, more exercises, warning signs): the largest
# are ~17 KiB pickled since issue 19 (hazards, safety net, substitutes), so
# chunks are now 3 files.  tests/test_batch.py checks that the largest still fit.
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
        return invalid_report(worker.kb, record.id, record.source, [InternalError(exc)])


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
    root whose questionnaire FHIR responses answer (None: the default).
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
            for record in file_records(name, path, kb=kb):
                yield record, report_for(worker, record)
        return
    yield from _parallel(worker, files, jobs, kb, notify or (lambda text: None))


# --- worker processes -------------------------------------------------------

def freeze_long_lived() -> None:
    """Move everything alive now (the knowledge base, the compiled network) out of
    the cyclic garbage collector's sight: each intake allocates thousands of
    short-lived containers, and every older-generation collection walked these
    objects again (about 5% of an intake's time).  For processes hipguide owns
    (``score`` and its workers), never from the embedding API."""
    gc.freeze()


def _score_chunk(worker: Assessor, items: list) -> list:
    out = []
    for item in items:
        for record in _item_records(item):
            out.append(for_parent(record, report_for(worker, record)))
    return out


def _item_records(item) -> Iterator[Record]:
    """A chunk item is ("file", name, path, kb): a file the worker reads (FHIR
    responses against the questionnaire of the knowledge-base folder kb); ("units",
    name, units, many): documents the parent split off a large file or standard
    input; or ("records", records): records the parent already has (a file it
    could not read)."""
    if item[0] == "file":
        return file_records(item[1], item[2], kb=item[3])
    if item[0] == "units":
        return records_from_units(item[2], item[1], item[3])
    return iter(item[1])


def for_parent(record: Record, report: Report) -> tuple[Record, Report]:
    """What a worker sends back: the parent needs only who and what went wrong,
    not the intake itself."""
    return Record(record.id, record.source, record.document, problems=record.problems,
                  notes=record.notes), report


def _chunks(files: Iterator, size: int, kb=None) -> Iterator[list]:
    """Lists of items with about ``size`` documents each.  Files are sent by name;
    standard input, and any file of SPLIT_BYTES or more (it may hold thousands of
    documents), is read here and split at its document boundaries (a CSV sheet
    or FHIR Bundle: into its records), so its documents spread over the workers
    and no result message grows with it."""
    chunk: list = []
    for name, path in files:
        if path is not None and is_bulk(name) and _large(path):
            # a bulk file (JSON Lines, Parquet, gzip) is read here as a stream, and
            # its records go to the workers ``size`` at a time (a worker that dies
            # has its chunk scored again one item at a time)
            records = file_records(name, path, kb=kb)
            while piece := list(itertools.islice(records, size)):
                if chunk:
                    yield chunk
                chunk = [("records", piece)]
            continue
        if path is not None and not _large(path):
            chunk.append(("file", name, path, kb))
            if len(chunk) >= size:
                yield chunk
                chunk = []
            continue
        piped = stdinput.open_stdin() if path is None else None
        if (path is not None and not is_yaml(name)) or (piped and piped.kind != stdinput.YAML):
            # a large sheet (or FHIR Bundle, or FHIR or JSON Lines on standard input)
            # is read here, its records sent a few at a time: no result message,
            # and no worker, holds the whole file
            records = (file_records(name, path, kb=kb) if piped is None
                       else handle_records(name, piped.stream, piped.kind, kb))
            while True:
                piece = list(itertools.islice(records, size))
                if not piece:
                    break
                if chunk:
                    yield chunk
                chunk = [("records", [record]) for record in piece]   # one item each, so
            continue                                  # a worker's death costs one row
        units, problem = file_units(name, path, piped and piped.stream)
        if problem is not None:
            chunk.append(("records", [Record(default_stem(name), name, 1, problems=[problem])]))
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


def _lost(item, why: str) -> list:
    """Records for the documents of an item whose worker died on it."""
    message = f"not scored: {why}"
    if item[0] == "file":
        name = item[1]
        return [Record(default_stem(name), name, 1, problems=[Problem(name, message)])]
    if item[0] == "records":   # never assessed here: that is what killed the worker
        return [record if record.problems else
                Record(record.id, record.source, record.document,
                       problems=[Problem(record.source, message)])
                for record in item[1]]
    _, name, units, many = item
    return [Record(default_id(name, unit.index, many), name, unit.index, problems=[
        Problem(name, message, line=unit.line + 1, document=unit.index if many else None)])
        for unit in units]


WORKER_DIED = ("the worker process scoring it died (it crashed or was killed), and died "
               "again when it was scored alone")


class _Chunk:
    """A chunk of work in input order; ``parts`` fill in as workers report back.
    Normally one task; after its worker died, one task per item."""

    def __init__(self, items: list):
        self.items = items
        self.parts: list = [None]

    def done(self) -> bool:
        return all(part is not None for part in self.parts)


def _parallel(worker: Assessor, files: Iterator, jobs: int, kb, notify) -> Iterator:
    """Score on ``jobs`` forked workers (see workers.py: a worker killed at any
    moment costs at most a rescoring, never a hang).  A chunk whose worker died
    is scored again one item at a time; an item whose worker dies again is
    reported as not scored.  ``kb``: the knowledge-base folder FHIR responses
    answer (workers inherit ``worker`` itself)."""
    chunks = _chunks(iter(files), CHUNK_FILES, kb)
    limit = jobs * IN_FLIGHT_PER_JOB
    first = list(itertools.islice(chunks, limit))
    if not first:
        return
    if not workers.available():  # pragma: no cover - no fork: score here
        for chunk in itertools.chain(first, chunks):
            yield from _score_chunk(worker, chunk)
        return
    window: deque = deque()    # chunks not yet yielded, in input order
    todo: deque = deque()      # (chunk, part, items, alone) waiting for a worker
    for items in first:
        chunk = _Chunk(items)
        window.append(chunk)
        todo.append((chunk, 0, items, False))
    # never more workers than there is work for
    pool = workers.Pool(min(jobs, len(first)), lambda items: _score_chunk(worker, items))
    try:
        while window:
            events = []
            for idle in pool.idle():
                if not todo:
                    break
                task = todo.popleft()
                events += pool.send(idle, task, task[2])
            while window and window[0].done():
                for part in window.popleft().parts:
                    yield from part
                for items in itertools.islice(chunks, 1):
                    chunk = _Chunk(items)
                    window.append(chunk)
                    todo.append((chunk, 0, items, False))
            if not window:
                break
            if not events and not (todo and pool.idle()):
                events = pool.wait()
            for what, task, result in events:
                if task is None:
                    continue   # an idle worker died: nothing was lost
                chunk, part, items, alone = task
                if what == "done":
                    chunk.parts[part] = result
                elif alone:
                    chunk.parts[part] = [(record, report_for(worker, record))
                                         for record in _lost(items[0], WORKER_DIED)]
                else:
                    notify("a worker process died; the files it was scoring are scored "
                           "again, one at a time")
                    chunk.parts = [None] * len(items)
                    todo.extendleft(reversed([(chunk, i, [item], True)
                                              for i, item in enumerate(items)]))
    finally:
        pool.close()
