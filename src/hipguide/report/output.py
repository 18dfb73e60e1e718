"""Where a report (or saved answers) goes, checked before any work is done, and
written without damage to anything else.

``check_output`` decides, before scoring, what writing to a path means, and
refuses (``OutputError``, exit 2) what cannot or must not be written:

- a regular file, or a new one: written to a temporary file beside it and
  renamed over it only when complete (an interrupted run never leaves half a
  report or clobbers a good one); a replaced file keeps its permission bits
  (and, for root, its owner and group); a new one gets 0666 less the umask, as
  the shell's ``>`` would give it;
- a character device (``/dev/null``, a terminal) or a named pipe: written in
  place, as the shell's ``>`` would (never replaced by a regular file);
- a symbolic link: followed, and its target is written as above (the link
  itself is never replaced), except a link in a shared sticky folder such as
  /tmp that belongs to someone else, which is refused (the rule of Linux's
  ``fs.protected_symlinks``);
- refused: an empty name, a directory, a block device or socket, a missing
  folder, a folder where no file can be created, a read-only file, and a file
  that is, links to (symbolic or hard link) or will be one of the inputs: the
  same file or path (even before it exists), or a file with an intake suffix
  inside an input folder, which this run or a later one would read as an
  intake.  ``distinct_outputs`` refuses two outputs of one command that name
  the same file, even when neither exists yet.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import os
import stat
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..core.text import shown


class OutputError(OSError):
    """The output target cannot or must not be written; ``strerror`` says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.strerror = message

    def __str__(self) -> str:
        return self.strerror


@dataclass(frozen=True)
class Target:
    """A checked output: ``kind`` is stdout, new, replace or inplace; ``path``
    is the file actually written (a symbolic link resolved)."""

    kind: str
    path: str = ""
    mode: int = 0o644
    owner: tuple | None = None


STDOUT = Target("stdout")
# what a folder scan reads (or may soon read) as an intake: a report written
# under one of these names inside an input folder would be read back (a test
# checks it holds every suffix the intake reader takes, intake/record.SUFFIXES)
INTAKE_SUFFIXES = frozenset({".yaml", ".yml", ".json", ".jsonl", ".ndjson", ".csv", ".tsv",
                             ".xlsx", ".gz", ".bz2", ".xz", ".zst", ".parquet"})


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _may_follow(link: str, info: os.stat_result) -> bool:
    """Linux's protected_symlinks rule: in a sticky world-writable folder, follow
    only a link owned by us or by the folder's owner."""
    try:
        folder = os.stat(os.path.dirname(os.path.abspath(link)))
    except OSError:
        return False
    shared = folder.st_mode & stat.S_ISVTX and folder.st_mode & stat.S_IWOTH
    return not shared or info.st_uid in (os.geteuid(), folder.st_uid)


def _probe(folder: str):
    """Create and remove a file in folder: the only sure test that we can."""
    if not os.path.isdir(folder):
        raise OutputError(f"the folder {folder!r} does not exist")
    try:
        fd, name = tempfile.mkstemp(prefix=".hipguide-probe-", dir=folder)
    except OSError as exc:
        raise OutputError(f"cannot create a file in the folder {folder!r}: "
                          f"{exc.strerror or exc}") from None
    os.close(fd)
    os.unlink(name)


def check_output(path: str | None, inputs: Iterable[str] = ()) -> Target:
    """The checked Target for path (None or '-': standard output); raise
    OutputError when it cannot or must not be written. ``inputs`` are the
    command's input paths: an output that is also an input is refused."""
    if path is None or path == "-":
        return STDOUT
    if path == "" or not path.strip():
        raise OutputError("expected a file name, got an empty one")
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise OutputError(exc.strerror or str(exc)) from None
    real = path
    if info is not None and stat.S_ISLNK(info.st_mode):
        if not _may_follow(path, info):
            raise OutputError("is a symbolic link in a shared sticky folder, owned by someone "
                              "else; not followed")
        real = os.path.realpath(path)
        try:
            info = os.stat(real)
        except FileNotFoundError:
            info = None   # a dangling link: its target is created
        except OSError as exc:
            raise OutputError(exc.strerror or str(exc)) from None
    folder = os.path.dirname(real) or "."
    if info is None:
        _probe(folder)
        target = Target("new", real, 0o666 & ~_umask())
    elif stat.S_ISDIR(info.st_mode):
        raise OutputError("is a directory; expected a file name")
    elif stat.S_ISREG(info.st_mode):
        if not os.access(real, os.W_OK):
            raise OutputError("permission denied: the file is read-only")
        _probe(folder)
        target = Target("replace", real, stat.S_IMODE(info.st_mode),
                        (info.st_uid, info.st_gid))
    elif stat.S_ISCHR(info.st_mode) or stat.S_ISFIFO(info.st_mode):
        if not os.access(real, os.W_OK):
            raise OutputError("permission denied")
        return Target("inplace", real)
    else:
        raise OutputError("is a block device or a socket; not written")
    clash = _input_clash(real, info, inputs)
    if clash:
        raise OutputError(clash)
    return target


def _input_clash(real: str, info, inputs: Iterable[str]) -> str | None:
    """Why writing ``real`` (``info``: its stat, None when new) would damage or
    feed one of ``inputs``; None when it would not."""
    resolved = Path(os.path.realpath(real))
    linked = info is not None and info.st_nlink > 1   # a hard link may hide in a folder
    for raw in inputs:
        if raw == "-" or not raw:
            continue
        if Path(os.path.realpath(raw)) == resolved:
            return f"is also an input ({_named(raw)}); it would be overwritten by its own report"
        try:
            given = os.stat(raw)
        except OSError:
            continue
        if info is not None and (given.st_dev, given.st_ino) == (info.st_dev, info.st_ino):
            return (f"is the same file as the input {_named(raw)} (a link to it); it would "
                    "be overwritten by its own report")
        if not stat.S_ISDIR(given.st_mode):
            continue
        folder = Path(os.path.realpath(raw))
        if folder in resolved.parents and _has_intake_suffix(resolved):
            return (f"is inside the input folder {_named(raw)}, where it would be read as an "
                    "intake; write it elsewhere or give it a name that is not read as "
                    f"an intake (not {', '.join(sorted(INTAKE_SUFFIXES))})")
        if linked:
            inside = _linked_inside(folder, info)
            if inside:
                return (f"is the same file as {_named(inside)} in the input folder "
                        f"{_named(raw)} (a hard link to it); it would be overwritten")
    return None


def _has_intake_suffix(path: Path) -> bool:
    return any(suffix.lower() in INTAKE_SUFFIXES for suffix in path.suffixes)


def _linked_inside(folder: Path, info) -> str | None:
    """The file below folder that is ``info``'s inode, if any."""
    for top, _dirs, names in os.walk(folder):
        for name in names:
            try:
                here = os.stat(os.path.join(top, name), follow_symlinks=False)
            except OSError:
                continue
            if (here.st_dev, here.st_ino) == (info.st_dev, info.st_ino):
                return os.path.join(top, name)
    return None


def _named(path: str) -> str:
    return shown(path)


def distinct_outputs(named: dict) -> str | None:
    """Two outputs of one command (option -> path) naming one file, even when
    neither exists yet: a message saying which, else None."""
    seen: dict = {}
    for option, path in named.items():
        if not path or path == "-":
            continue
        keys = {("path", os.path.realpath(path))}
        try:
            info = os.stat(path)
            keys.add(("inode", info.st_dev, info.st_ino))
        except OSError:
            pass
        for key in keys:
            if key in seen:
                return (f"{option} {_named(path)} and {seen[key]} name the same file; "
                        "one would overwrite the other")
        for key in keys:
            seen[key] = f"{option} {_named(path)}"
    return None


@contextlib.contextmanager
def _encoded(fd: int, path: str, binary: bool):
    """The stream over an open descriptor (closed at the end): text (UTF-8)
    unless ``binary``, gzip-compressed when the path ends in .gz."""
    raw = os.fdopen(fd, "wb")
    packed = None
    if path.lower().endswith(".gz"):
        # mtime 0 and no name inside: the same reports give the same bytes
        packed = gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0)
    inner = packed or raw
    stream = inner if binary else io.TextIOWrapper(inner, encoding="utf-8", newline="",
                                                   errors="backslashreplace")
    try:
        yield stream
        stream.flush()
    finally:
        if stream is not inner:
            with contextlib.suppress(ValueError):
                stream.detach()
        try:
            if packed is not None:
                packed.close()
        finally:
            raw.close()


@contextlib.contextmanager
def open_output(target: Target | str | None, binary: bool = False):
    """Yield a text stream (with ``binary``, a bytes stream) for a checked Target
    (a path is checked first). A file is written to a temporary file beside it
    and renamed over the target only when the block finishes without error; a
    path ending in .gz is written gzip-compressed."""
    if not isinstance(target, Target):
        target = check_output(target)
    if target.kind == "stdout":
        yield sys.stdout.buffer if binary else sys.stdout
        (sys.stdout.buffer if binary else sys.stdout).flush()
        return
    if target.kind == "inplace":
        fd = os.open(target.path, os.O_WRONLY | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0))
        with _encoded(fd, target.path, binary) as handle:
            yield handle
        return
    directory = os.path.dirname(target.path) or "."
    fd, temp = tempfile.mkstemp(prefix=f".{os.path.basename(target.path)}.", suffix=".part",
                                dir=directory)
    try:
        if target.owner is not None and os.geteuid() == 0:
            with contextlib.suppress(OSError):
                os.fchown(fd, *target.owner)
        os.fchmod(fd, target.mode)
        with _encoded(os.dup(fd), target.path, binary) as handle:
            yield handle
        os.fsync(fd)
        os.close(fd)
        fd = -1
        os.replace(temp, target.path)
    except BaseException:
        if fd >= 0:
            with contextlib.suppress(OSError):
                os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
