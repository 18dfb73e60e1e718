"""Issue 23, item 5: nothing from outside reaches a traceback.  Lone surrogates
and control characters in ids, keys, FHIR linkIds and answers are escaped and
never raise in score, validate or progress; every echoed value is bounded."""

from __future__ import annotations

import json

import pytest
import yaml
from hostile_util import RAW, run

SURROGATE = "\ud800"
LONG = "b" * 500_000


def _response(items, rid=None):
    data = {"resourceType": "QuestionnaireResponse", "status": "completed", "item": items}
    if rid is not None:
        data["id"] = rid
    return json.dumps(data)   # ensure_ascii: the surrogate is written as \ud800


HOSTILE = {
    "linkid.json": _response([{"linkId": f"sitting{SURROGATE}_hours",
                               "answer": [{"valueDecimal": 9}]},
                              {"linkId": LONG + "\x1b[31m", "answer": [{"valueBoolean": True}]},
                              {"linkId": "age", "answer": [{"valueString": "\udc80\x07" * 9}]}]),
    "id.json": _response([{"linkId": "sitting_hours", "answer": [{"valueDecimal": 9}]}],
                         rid=f"x{SURROGATE}\x1b]0;pwned\x07"),
    "nested.json": _response([{"linkId": "symptoms", "item": [
        {"linkId": f"hip{SURROGATE}pain" + LONG, "answer": [{"valueInteger": 3}]}]}]),
    "key.yaml": f'sitting_hours: 9\n"k\\x1b[2J{LONG[:5000]}": 1\nid: "\\u202eevil"\n',
}


def _clean(proc, limit=200_000):
    assert proc.returncode in (0, 1), proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    for stream in (proc.stdout, proc.stderr):
        assert not RAW.search(stream.replace("\t", " "))
        assert len(stream) < limit   # the 500 KB linkId is never echoed in full


@pytest.fixture
def folder(tmp_path):
    for name, text in HOSTILE.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "good.yaml").write_text("sitting_hours: 9\n")
    return tmp_path


@pytest.mark.parametrize("fmt", ["text", "json", "jsonl", "yaml", "csv", "html"])
def test_score_escapes_every_outside_character_and_keeps_the_batch(folder, fmt):
    proc = run("score", folder, "--format", fmt)
    _clean(proc)
    assert proc.returncode == 1
    if fmt == "json":
        reports = json.loads(proc.stdout)
        by_id = {r["id"]: r["status"] for r in reports}
        assert by_id["good"] == "ok" and list(by_id.values()).count("invalid") == 4
    if fmt == "yaml":
        assert len(list(yaml.safe_load_all(proc.stdout))) == 5


def test_validate_and_progress_escape_and_bound_what_they_echo(folder):
    proc = run("validate", folder)
    _clean(proc)
    assert "sitting\\ud800_hours" in proc.stdout and "..." in proc.stdout
    for name in HOSTILE:
        proc = run("progress", folder / name, folder / "good.yaml")
        _clean(proc)
        assert "not compared" in proc.stdout.lower()


def test_ask_refuses_an_answer_too_long_to_echo(tmp_path):
    proc = run("ask", stdin="x" * 3_000_000 + "\n" + "\u202e\x1b[2J\n")
    assert proc.returncode == 1
    assert "longer than 1000 characters" in proc.stderr
    _clean(proc)
