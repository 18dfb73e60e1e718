"""Issue 23, item 7: ask's first-screen cache is only ever a regular file of
bounded size, opened without following links or blocking; anything else in its
place is ignored (and ask runs as if there were no cache)."""

from __future__ import annotations

import os

import pytest
from hostile_util import env_with, run

CACHE = ("hipguide", "ask-first-screen.json")


def _ask(tmp_path):
    env = env_with(tmp_path, XDG_CACHE_HOME=str(tmp_path / "cache"))
    env.pop("HIPGUIDE_NO_CACHE", None)
    proc = run("ask", stdin="", env=env, timeout=60)   # a blocked open would time out
    assert proc.returncode == 1, proc.stderr           # input ended before the last question
    assert "Traceback" not in proc.stderr and "MemoryError" not in proc.stderr
    assert "How old are you" in proc.stderr
    return proc


def _cache_file(tmp_path):
    folder = tmp_path.joinpath("cache", CACHE[0])
    folder.mkdir(parents=True)
    return folder / CACHE[1]


@pytest.mark.parametrize("kind", ["fifo", "zero", "dangling", "huge", "directory"])
def test_anything_but_a_small_regular_cache_file_is_ignored(tmp_path, kind):
    path = _cache_file(tmp_path)
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "zero":
        os.symlink("/dev/zero", path)
    elif kind == "dangling":
        os.symlink(tmp_path / "nowhere", path)
    elif kind == "huge":
        path.write_text('{"k": "' + "x" * 3_000_000 + '"}')
    else:
        path.mkdir()
    _ask(tmp_path)
    assert not (tmp_path / "nowhere").exists()   # a link is never followed to write


def test_a_symlinked_cache_file_is_not_read_through(tmp_path):
    real = tmp_path / "elsewhere.json"
    path = _cache_file(tmp_path)
    _ask(tmp_path)                    # a real cache is made ...
    os.replace(path, real)
    os.symlink(real, path)            # ... and moved behind a link
    before = real.read_text()
    _ask(tmp_path)
    assert real.read_text() == before          # the link's target is left alone
