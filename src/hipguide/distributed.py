"""``score --dask``: score a batch on a dask.distributed cluster (the ``scale``
extra), with the reports ``score`` gives, in the same order.

The client (the ``hipguide`` process) reads the inputs as a stream, as
``score`` does, and sends the records in partitions of PARTITION_RECORDS to the
workers; each worker thread builds its rule engine once (experta engines are
neither picklable nor thread-safe, so the cache is per thread) and reuses it
for every partition it runs.  Results are collected in submission order with a
bounded number of partitions in flight, so the client's memory stays flat and
the output is merged in input order as it arrives.

``local`` starts a LocalCluster with one single-threaded worker process per
core; ``tcp://HOST:PORT`` uses an existing scheduler, whose workers need
hipguide installed (and the ``--kb`` folder at the same path, when one is
given).
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections import deque
from collections.abc import Iterable, Iterator

from .batch import cpu_count, for_parent, report_for
from .core.problems import Problem
from .engine.assessor import Assessor
from .intake.reading import records
from .intake.record import Record
from .kb.knowledge import load

# Records per task: large enough that sending a partition and its reports costs
# little beside assessing it (~1 ms an intake), small enough that every worker
# gets partitions from the start of a batch of a few thousand.
PARTITION_RECORDS = 500
IN_FLIGHT_PER_WORKER = 3   # partitions submitted but not yet written, per worker thread
NO_DISTRIBUTED = 'score --dask needs dask.distributed: pip install "hipguide[scale]"'

_LOCAL = threading.local()


class DaskUnavailable(Exception):
    """dask.distributed is missing, or the scheduler cannot be reached."""


def connect(address: str):
    """(client, cluster or None) for ``local`` or a scheduler address."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise DaskUnavailable(NO_DISTRIBUTED) from None
    if address == "local":
        try:
            cluster = LocalCluster(n_workers=cpu_count(), threads_per_worker=1,
                                   processes=True, dashboard_address=None,
                                   # a worker's heartbeat that races the cluster's
                                   # shutdown is logged as an ERROR with a traceback
                                   # (seen on a loaded machine); failed tasks are
                                   # reported per intake, so only CRITICAL is shown
                                   silence_logs=logging.CRITICAL)
        except Exception as exc:  # noqa: BLE001 - distributed raises several kinds
            raise DaskUnavailable(f"cannot start a local Dask cluster: {exc}") from None
        return Client(cluster), cluster
    try:
        return Client(address, timeout="20s"), None
    except (OSError, TimeoutError, ValueError) as exc:
        raise DaskUnavailable(f"cannot reach the Dask scheduler at {address}: {exc}") \
            from None


def _assessor(kb, policy: dict):
    """This worker thread's Assessor, built once and reused."""
    cache = getattr(_LOCAL, "assessors", None)
    if cache is None:
        cache = _LOCAL.assessors = {}
    key = str(kb) if kb is not None else None
    if key not in cache:
        cache[key] = Assessor(load(kb))
    worker = cache[key]
    return worker if worker.policy == policy else worker.with_policy(**policy)


def score_partition(records: list, kb, policy: dict) -> list:
    """(record, report) per record of one partition, on a worker."""
    worker = _assessor(kb, policy)
    return [for_parent(record, report_for(worker, record)) for record in records]


def _failed(records: list, exc: BaseException, worker) -> list:
    """Reports for a partition whose task failed (its worker died repeatedly):
    each record says it was not scored, and why."""
    why = f"not scored: the Dask task failed ({type(exc).__name__}: {exc})"
    out = []
    for record in records:
        lost = Record(record.id, record.source, record.document,
                      problems=record.problems or [Problem(record.source, why)])
        out.append((lost, report_for(worker, lost)))
    return out


def score_dask(worker, paths: Iterable[str], address: str, kb=None,
               partition: int = PARTITION_RECORDS) -> Iterator[tuple]:
    """(record, report) for every intake in paths, in input order, scored on a
    Dask cluster (``local`` or a scheduler address)."""
    client, cluster = connect(address)
    try:
        threads = max(1, sum(client.nthreads().values()))
        policy = dict(worker.policy)
        parts = _partitions(records(paths, kb), partition)
        pending: deque = deque()

        def submit(part):
            pending.append((part, client.submit(score_partition, part, kb, policy,
                                                pure=False)))

        for part in itertools.islice(parts, threads * IN_FLIGHT_PER_WORKER):
            submit(part)
        while pending:
            part, future = pending.popleft()
            try:
                done = future.result()
            except Exception as exc:  # noqa: BLE001 - a lost partition is reported, not raised
                done = _failed(part, exc, worker)
            future.release()
            for following in itertools.islice(parts, 1):
                submit(following)
            yield from done
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _partitions(items: Iterator, size: int) -> Iterator[list]:
    while piece := list(itertools.islice(items, size)):
        yield piece
