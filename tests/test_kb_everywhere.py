"""``--kb DIR`` (and ``kb=`` in the API) reaches every reader: a FHIR response is
read against DIR's own questionnaire by every command, not only by those that
remembered to set it (issue 25, item 3: ``why`` and ``assess_files`` used the
default questionnaire whatever DIR was)."""

from __future__ import annotations

import json

import pytest
from conftest import run_hipguide as run

import hipguide

INTAKE = "id: p58\nage: 58\nsitting_hours: 8\n"


@pytest.fixture
def narrow_kb(kb_copy):
    """A clinic's copy whose age question allows 1 to 50 only."""
    root = kb_copy
    form = root / "knowledge" / "questionnaire.yaml"
    text = form.read_text()
    assert text.count("range: [1, 110]") == 1
    form.write_text(text.replace("range: [1, 110]", "range: [1, 50]"))
    return root


@pytest.fixture
def response(tmp_path):
    source = tmp_path / "p.yaml"
    source.write_text(INTAKE)
    target = tmp_path / "p.json"
    assert run("convert", source, "--to", "fhir", "-o", target).returncode == 0
    return target


OUT_OF_RANGE = "58 is out of range; expected 1 to 50"


def test_every_command_reads_fhir_against_the_kb_it_was_given(narrow_kb, response):
    validate = run("validate", "--kb", narrow_kb, response)
    assert validate.returncode == 1 and OUT_OF_RANGE in validate.stdout
    score = run("score", "--kb", narrow_kb, response, "--format", "jsonl", "--jobs", "1")
    assert json.loads(score.stdout)["status"] == "invalid", score.stdout
    assert OUT_OF_RANGE in score.stderr
    why = run("why", "--kb", narrow_kb, "--intake", response)
    assert why.returncode != 0 and OUT_OF_RANGE in why.stderr
    convert = run("convert", "--kb", narrow_kb, response, "--to", "yaml")
    assert convert.returncode == 1 and OUT_OF_RANGE in convert.stderr


def test_the_default_questionnaire_still_takes_the_same_response(response):
    assert run("validate", response).returncode == 0
    score = run("score", response, "--format", "jsonl", "--jobs", "1")
    assert json.loads(score.stdout)["status"] == "ok"
    assert run("why", "--intake", response).returncode == 0


def test_assess_files_reads_fhir_against_its_kb(narrow_kb, response):
    assert [r.status for r in hipguide.assess_files([str(response)], kb=str(narrow_kb))] \
        == ["invalid"]
    assert [r.status for r in hipguide.assess_files([str(response)])] == ["ok"]
