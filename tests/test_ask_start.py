"""``hipguide ask`` shows its first screen from a cache (cli/firstscreen.py).

The whole session must read the same whether the first screen came from the
cache or not, a stale or broken cache must never change what is asked or
answered, and a change to the knowledge base must not show an old screen."""

import json
import os
import shutil
from pathlib import Path

from conftest import ROOT, run_hipguide

ANSWERS = "45\n"   # the first answer; input then ends (exit 1, nothing saved)


def _session(tmp_path, *args, stdin=ANSWERS, **env):
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache"), **env}
    return run_hipguide("ask", *args, stdin=stdin, env=env)


def _cache(tmp_path) -> dict:
    path = tmp_path / "cache" / "hipguide" / "ask-first-screen.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def test_cached_first_screen_gives_the_same_session(tmp_path):
    first = _session(tmp_path)
    assert first.returncode == 1 and "How old are you" in first.stderr
    cached = _cache(tmp_path)
    assert len(cached) == 1
    (screen,) = cached.values()
    # what was on the screen when the first answer was read: up to the first prompt
    assert first.stderr.startswith(screen) and screen.endswith(": ")
    assert "45" not in screen.splitlines()[-1]
    again = _session(tmp_path)
    assert (again.returncode, again.stderr, again.stdout) == \
        (first.returncode, first.stderr, first.stdout)


def test_a_cache_that_disagrees_changes_nothing_that_is_asked(tmp_path):
    first = _session(tmp_path)
    path = tmp_path / "cache" / "hipguide" / "ask-first-screen.json"
    (key,) = _cache(tmp_path)
    path.write_text(json.dumps({key: "An old first question?\n  answer: "}), encoding="utf-8")
    stale = _session(tmp_path)
    assert stale.returncode == first.returncode
    # the stale text, then the real session on a new line, whole
    assert stale.stderr == "An old first question?\n  answer: \n" + first.stderr
    path.write_text("{not json", encoding="utf-8")
    broken = _session(tmp_path)
    assert broken.stderr == first.stderr


def test_a_changed_knowledge_base_does_not_show_the_old_screen(tmp_path):
    kb = tmp_path / "kb"
    shutil.copytree(ROOT / "knowledge", kb / "knowledge")
    shutil.copytree(ROOT / "rules", kb / "rules")
    first = _session(tmp_path, "--kb", kb)
    assert "How old are you" in first.stderr
    questions = kb / "knowledge" / "questionnaire.yaml"
    text = questions.read_text(encoding="utf-8")
    assert "How old are you (in whole years)?" in text
    # same size, and possibly the same modification time: only the contents differ
    questions.write_text(text.replace("How old are you (in whole years)?",
                                      "How old are you (in full years)? "), encoding="utf-8")
    os.utime(questions, ns=(os.stat(kb / "knowledge" / "meta.yaml").st_mtime_ns,) * 2)
    changed = _session(tmp_path, "--kb", kb)
    assert "in full years" in changed.stderr and "in whole years" not in changed.stderr
    assert changed.stderr == first.stderr.replace("(in whole years)?", "(in full years)?")
    assert len(_cache(tmp_path)) == 2


def test_save_name_is_part_of_the_key(tmp_path):
    one = _session(tmp_path, "--save", tmp_path / "one.yaml")
    two = _session(tmp_path, "--save", tmp_path / "two.yaml")
    assert "one.yaml" in one.stderr and "two.yaml" not in one.stderr
    assert "two.yaml" in two.stderr and "one.yaml" not in two.stderr


def test_no_cache_when_turned_off_or_unwritable(tmp_path):
    off = _session(tmp_path, HIPGUIDE_NO_CACHE="1")
    assert off.returncode == 1 and _cache(tmp_path) == {}
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    unwritable = run_hipguide("ask", stdin=ANSWERS, env={"XDG_CACHE_HOME": str(blocked)})
    assert unwritable.returncode == 1 and unwritable.stderr == off.stderr


def test_kb_root_matches_the_loader(tmp_path, monkeypatch):
    from hipguide.cli.firstscreen import kb_root
    from hipguide.kb.knowledge import default_root

    monkeypatch.delenv("HIPGUIDE_KB", raising=False)
    assert Path(kb_root(None)).resolve() == default_root().resolve()
    monkeypatch.setenv("HIPGUIDE_KB", str(tmp_path))
    assert Path(kb_root(None)) == default_root()
    assert kb_root(tmp_path / "x") == str(tmp_path / "x")
