"""``hipguide ask``'s first screen, shown at once from a cache.

Before its first question, ``ask`` imports YAML and the questionnaire code and
loads and checks the whole knowledge base: about four times as long as
starting Python with click.  Everything it writes before it first reads an
answer depends only on the knowledge base's files, hipguide's version and the
``--save`` name, so that text is kept in a small cache, keyed by a hash of all
of those (file *contents*, not dates).  On a later run with the same key the
text is written straight away; the normal start-up then runs exactly as
before, and the console drops its output while it repeats what is already on
the screen.  So the questions, their checks and the answers go through one
code path, cached or not; a cache that disagrees (it cannot, short of a hash
collision) only costs a line break, after which the real text is shown.

Standard library only: this module runs before anything heavy is imported.
The cache lives in ``$XDG_CACHE_HOME/hipguide`` (default ``~/.cache/hipguide``);
``HIPGUIDE_NO_CACHE=1`` turns it off, and a cache that cannot be read or
written is silently ignored.
"""

from __future__ import annotations

import os

CACHE_FILE = "ask-first-screen.json"
KEEP = 16          # first screens remembered (one per knowledge base and --save name)
MAX_CACHE_BYTES = 1 << 20   # 16 screens of a few KB each; a larger file is not ours
MAX_KB_FILE_BYTES = 16 << 20


def read_regular(path: str, limit: int) -> bytes | None:
    """The bytes of path if it is a regular file of at most ``limit`` bytes, else
    None.  Opened without following a symbolic link or blocking (a FIFO, a link
    to /dev/zero or a device is never read), and checked on the open descriptor."""
    import stat

    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | \
        getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return None
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, limit + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        return None if size > limit else b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)


def kb_root(kb) -> str:
    """The folder holding rules/ and knowledge/, found as the loader finds it."""
    from ..kb.location import root_path

    return root_path(kb)


def _cache_path() -> str | None:
    if os.environ.get("HIPGUIDE_NO_CACHE", "").strip() not in ("", "0"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    if not os.path.isabs(base):
        return None
    return os.path.join(base, "hipguide", CACHE_FILE)


def key(kb, save: str | None) -> str | None:
    """A hash of everything the first screen depends on; None when the knowledge
    base cannot be read (the normal start-up then reports why)."""
    import hashlib

    from ..core.version import __version__

    digest = hashlib.sha256(f"{__version__}\0{save!r}\0".encode())
    root = kb_root(kb)
    try:
        digest.update(os.fsencode(os.path.realpath(root)))
        for part in ("knowledge", "rules"):
            for folder, dirs, files in sorted(os.walk(os.path.join(root, part))):
                dirs.sort()
                for name in sorted(files):
                    path = os.path.join(folder, name)
                    digest.update(b"\0" + os.fsencode(os.path.relpath(path, root)) + b"\0")
                    data = read_regular(path, MAX_KB_FILE_BYTES)
                    if data is None:   # not a plain file: no cached screen for this base
                        return None
                    digest.update(data)
    except (OSError, ValueError):
        return None
    return digest.hexdigest()


def _load(path: str) -> dict:
    import json

    raw = read_regular(path, MAX_CACHE_BYTES)
    if raw is None:
        return {}
    try:
        data = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError):
        return {}
    return data if isinstance(data, dict) else {}


def cached(screen_key: str | None) -> str:
    """The first screen kept for this key ('' if none)."""
    path = _cache_path()
    if not screen_key or path is None:
        return ""
    text = _load(path).get(screen_key)
    return text if isinstance(text, str) else ""


def remember(screen_key: str | None, text: str) -> None:
    """Keep text as the first screen for this key (atomically; errors ignored)."""
    path = _cache_path()
    if not screen_key or path is None or not text:
        return
    import json

    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        data = {k: v for k, v in _load(path).items() if k != screen_key}
        data[screen_key] = text
        data = dict(list(data.items())[-KEEP:])
        import tempfile

        fd, temp = tempfile.mkstemp(prefix=f".{CACHE_FILE}.", dir=os.path.dirname(path))
        try:
            with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace") as handle:
                json.dump(data, handle)
            os.replace(temp, path)
        finally:
            if os.path.exists(temp):
                os.unlink(temp)
    except OSError:
        pass


class Screen:
    """The console's output stream during ``ask``.

    ``shown``: text already written from the cache; writes that repeat it are
    dropped.  Until the first answer is read (``reading()``), everything written
    is also recorded; at that moment a cache miss is stored for next time."""

    def __init__(self, stream, screen_key: str | None, shown: str = ""):
        self.stream, self.key, self.shown = stream, screen_key, shown
        self.record: list | None = [] if not shown else None

    def write(self, text: str) -> None:
        if self.record is not None:
            self.record.append(text)
        if self.shown:
            if self.shown.startswith(text):
                self.shown = self.shown[len(text):]
                return
            if text.startswith(self.shown):
                text, self.shown = text[len(self.shown):], ""
            else:   # the cached screen was not this one: start the real text on a new line
                self.shown = ""
                text = "\n" + text
        self.stream.write(text)

    def flush(self) -> None:
        self.stream.flush()

    def reading(self) -> None:
        """The first answer is about to be read: what is on the screen is the
        first screen."""
        if self.record is not None:
            remember(self.key, "".join(self.record))
            self.record = None
        self.shown = ""


def paint(stream, text: str) -> None:
    """Show the cached first screen."""
    try:
        stream.write(text)
        stream.flush()
    except (OSError, ValueError):
        pass
