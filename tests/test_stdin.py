"""Standard input has no file name, so its first bytes choose the reader: a FHIR
response, JSON Lines and YAML piped in are read as their files are, and
nothing piped in is lost to the wrong reader (a JSON Lines stream used to be
read as one broken YAML document: every intake in it lost)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_hipguide as run

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SIGNS = ("pain_after_fall", "cannot_bear_weight", "numbness_or_tingling", "new_leg_weakness",
         "saddle_numbness", "bowel_or_bladder_change", "fever_or_unwell", "hot_swollen_joint",
         "night_pain", "unexplained_weight_loss", "history_of_cancer")


def _lines(*intakes) -> str:
    return "".join(json.dumps(i) + "\n" for i in intakes)


def _reports(result) -> list[dict]:
    assert result.returncode in (0, 1), result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_json_lines_on_stdin_are_read_a_line_each(jobs):
    calm = {"id": "calm", "age": 40, "sitting_hours": 5,
            "symptoms": {s: False for s in SIGNS}}
    urgent = {"id": "urgent", "age": 50, "sitting_hours": 9,
              "symptoms": {"saddle_numbness": True}}
    result = run("score", "-", "--format", "jsonl", "--jobs", jobs,
                 stdin=_lines(calm, urgent) + "\n" + _lines({**calm, "id": "third"}))
    reports = {r["id"]: r for r in _reports(result)}
    assert set(reports) == {"calm", "urgent", "third"}
    assert reports["calm"]["status"] == "ok"
    assert reports["urgent"]["status"] == "refer"         # the warning sign acted on
    assert reports["urgent"]["urgency"] == "emergency"


def test_a_bad_line_on_stdin_loses_only_itself():
    result = run("score", "-", "--format", "jsonl",
                 stdin=_lines({"id": "a", "age": 40, "sitting_hours": 5}) + "{not json\n"
                 + _lines({"id": "c", "age": 41, "sitting_hours": 6}))
    first, bad, last = _reports(result)
    assert (first["id"], first["status"], last["id"], last["status"]) == ("a", "ok", "c", "ok")
    assert bad["status"] == "invalid"
    assert bad["errors"][0]["line"] == 2 and "not valid JSON" in bad["errors"][0]["message"]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_fhir_response_on_stdin_reads_as_its_file_does(jobs):
    path = EXAMPLES / "fhir" / "clinic_responses.json"
    piped = _reports(run("score", "-", "--format", "jsonl", "--jobs", jobs,
                         stdin=path.read_text()))
    named = _reports(run("score", path, "--format", "jsonl", "--jobs", jobs))
    assert [r["status"] for r in piped] == [r["status"] for r in named]
    assert [r["id"] for r in piped] == [r["id"] for r in named]
    assert [r["recommendations"] for r in piped] == [r["recommendations"] for r in named]


@pytest.mark.parametrize("text", [
    "id: y1\nage: 40\nsitting_hours: 5\n---\nid: y2\nage: 41\nsitting_hours: 6\n",
    '{\n  "id": "y1",\n  "age": 40,\n  "sitting_hours": 5\n}\n',     # JSON is YAML too
    "{id: y1, age: 40, sitting_hours: 5}\n",                           # a YAML flow mapping
])
def test_yaml_on_stdin_is_still_yaml(text):
    reports = _reports(run("score", "-", "--format", "jsonl", stdin=text))
    assert [r["status"] for r in reports] == ["ok"] * len(reports)
    assert reports[0]["id"] == "y1"
