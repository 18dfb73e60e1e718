"""Worker processes whose death, at any moment, by any signal, cannot hang the parent.

Each worker is forked with two pipes of its own: tasks go down one, results
come back up the other, as length-prefixed pickled frames.  Only the worker
holds the write end of its result pipe, so when it dies (killed by the OOM
killer half-way through a result, say) the parent reads end-of-file on that
pipe: the half frame is dropped and the task is reported as lost, to be sent
again.  The parent reads every result pipe with ``select`` and never blocks on
one worker, so a paused parent, a half-written message, a dead worker or a
stopped one (SIGSTOP: replaced within a second) cannot leave it waiting
forever (``concurrent.futures`` shares one result pipe among all workers and
its reader can block on a dead writer's half message).

A worker needs nothing to be pickled to start: it is forked, so it inherits the
parent's compiled knowledge base.  On systems without ``fork`` there are no
workers (``available()`` is false) and the caller works alone.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import pickle
import select
import signal
import struct
import sys
from collections.abc import Callable

CHECK_SECONDS = 1.0   # how often ``wait`` looks for stopped workers
FRAME = struct.Struct("!Q")   # the length of the pickled message that follows
READ_SIZE = 1 << 20


def available() -> bool:
    return hasattr(os, "fork")


class _Worker:
    __slots__ = ("pid", "tasks", "results", "buffer", "key", "reaped")

    def __init__(self, pid: int, tasks: int, results: int):
        self.pid, self.tasks, self.results = pid, tasks, results
        self.buffer = bytearray()
        self.key = None   # the task it is working on; None when idle
        self.reaped = False   # waited for already: its pid may belong to another process


class Pool:
    """``jobs`` forked workers, each running ``handle(payload) -> result`` for
    every task sent to it.  ``send`` gives an idle worker a task under a key;
    ``wait`` returns what happened since: ("done", key, result) or ("died", key,
    None) (key None: an idle worker died).  A dead worker is replaced at once."""

    def __init__(self, jobs: int, handle: Callable):
        self.handle = handle
        self.workers: dict[int, _Worker] = {}   # by result fd
        for _ in range(jobs):
            self._spawn()

    def _spawn(self) -> None:
        task_read, task_write = os.pipe()
        result_read, result_write = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:  # the worker: never returns into the caller's code
            code = 70
            try:
                for worker in self.workers.values():
                    os.close(worker.tasks)
                    os.close(worker.results)
                os.close(task_write)
                os.close(result_read)
                _serve(task_read, result_write, self.handle, parent)
                code = 0
            except BaseException:  # noqa: BLE001 - the parent sees the death and copes
                pass
            finally:
                os._exit(code)
        os.close(task_read)
        os.close(result_write)
        os.set_blocking(result_read, False)
        self.workers[result_read] = _Worker(pid, task_write, result_read)

    def idle(self) -> list[_Worker]:
        return [worker for worker in self.workers.values() if worker.key is None]

    def send(self, worker: _Worker, key, payload) -> list:
        """Give an idle worker a task; the events of its death if it is gone."""
        data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
        worker.key = key
        try:
            _write_all(worker.tasks, FRAME.pack(len(data)) + data)
        except OSError:   # EPIPE: it died before or while reading the task
            return [self._bury(worker)]
        return []

    def wait(self) -> list:
        """Block until some worker finished a task or died; what happened."""
        while True:
            ready, _, _ = select.select(list(self.workers), [], [], CHECK_SECONDS)
            events = [self._bury(worker) for worker in self._stopped()]
            for fd in ready:
                worker = self.workers[fd]
                try:
                    data = os.read(fd, READ_SIZE)
                except BlockingIOError:
                    continue
                except OSError:
                    data = b""
                if not data:   # end of file: it died, perhaps half-way through a frame
                    events.append(self._bury(worker))
                    continue
                worker.buffer += data
                events += self._frames(worker)
            if events:
                return events

    def _stopped(self) -> list[_Worker]:
        """Workers stopped by a signal (SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU sent
        to the worker alone): one would hold its task forever, so it is
        replaced like a dead one and its task sent again."""
        stopped = []
        for worker in list(self.workers.values()):
            try:
                pid, status = os.waitpid(worker.pid, os.WNOHANG | os.WUNTRACED)
            except ChildProcessError:
                continue
            if pid and os.WIFSTOPPED(status):
                stopped.append(worker)
            elif pid:   # it exited: end of file on its pipe will say so
                worker.reaped = True
        return stopped

    def _frames(self, worker: _Worker) -> list:
        events = []
        while len(worker.buffer) >= FRAME.size:
            (size,) = FRAME.unpack_from(worker.buffer)
            if len(worker.buffer) < FRAME.size + size:
                break
            message = bytes(worker.buffer[FRAME.size:FRAME.size + size])
            del worker.buffer[:FRAME.size + size]
            key, worker.key = worker.key, None
            events.append(("done", key, pickle.loads(message)))
        return events

    def _bury(self, worker: _Worker):
        """Reap a dead worker, start another in its place; its death as an event."""
        del self.workers[worker.results]
        _close(worker)
        self._spawn()
        return ("died", worker.key, None)

    def close(self) -> None:
        """Stop every worker now and reap it: nothing outlives the pool."""
        workers, self.workers = list(self.workers.values()), {}
        for worker in workers:
            _close(worker)


def _close(worker: _Worker) -> None:
    for fd in (worker.tasks, worker.results):
        with contextlib.suppress(OSError):
            os.close(fd)
    if worker.reaped:
        return
    with contextlib.suppress(OSError):
        os.kill(worker.pid, signal.SIGKILL)
    with contextlib.suppress(OSError):
        os.waitpid(worker.pid, 0)


def _serve(tasks: int, results: int, handle: Callable, parent: int) -> None:
    """The worker's loop: a task in, a result out, until the parent closes the pipe."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)    # the parent handles Ctrl-C
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)
    _die_with_parent(parent)
    while True:
        header = _read_exact(tasks, FRAME.size)
        if header is None:
            return
        body = _read_exact(tasks, FRAME.unpack(header)[0])
        if body is None:
            return
        data = pickle.dumps(handle(pickle.loads(body)), protocol=pickle.HIGHEST_PROTOCOL)
        _write_all(results, FRAME.pack(len(data)) + data)


def _read_exact(fd: int, size: int) -> bytes | None:
    parts, left = [], size
    while left:
        data = os.read(fd, min(left, READ_SIZE))
        if not data:
            return None
        parts.append(data)
        left -= len(data)
    return b"".join(parts)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _die_with_parent(parent: int) -> None:
    """Ask Linux to kill this worker when the parent dies (even by SIGKILL).
    Elsewhere a worker still ends: its task pipe reads end-of-file."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)   # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # pragma: no cover - no prctl
        pass
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)
