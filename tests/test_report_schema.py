"""The published report schema (``hipguide schema --report``): the examples'
reports and Hypothesis intakes' reports validate against it with a real JSON
Schema 2020-12 validator, and it rejects reports that break its promises."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema
import pytest
from conftest import run_hipguide as run
from hypothesis import HealthCheck, given, settings
from strategies import intakes

import hipguide

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_DIRS = [ROOT / "examples" / d for d in ("intakes", "fhir", "csv")]


@pytest.fixture(scope="module")
def validator():
    result = run("schema", "--report")
    assert result.returncode == 0, result.stderr
    schema = json.loads(result.stdout)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def errors(validator, report) -> list[str]:
    return [e.message for e in validator.iter_errors(report)]


@pytest.mark.parametrize("folder", EXAMPLE_DIRS, ids=lambda p: p.name)
def test_every_example_report_validates_in_json_and_jsonl(validator, folder):
    reports = json.loads(run("score", folder, "--format", "json", "-q").stdout)
    assert reports
    for report in reports:
        assert report["schema_version"] == "1.0"
        assert errors(validator, report) == [], report["id"]
    lines = run("score", folder, "--format", "jsonl", "--explain", "-q").stdout.splitlines()
    for line in lines:
        assert errors(validator, json.loads(line)) == []


def test_invalid_and_yaml_reports_validate(validator, tmp_path):
    import yaml

    (tmp_path / "bad.yaml").write_text("sitting_hours: 99\nage: 0\n")
    (tmp_path / "ok.yaml").write_text("sitting_hours: 9\n")
    for report in yaml.safe_load_all(run("score", tmp_path, "--format", "yaml").stdout):
        assert errors(validator, report) == [], report
    bad = json.loads(run("score", tmp_path / "bad.yaml", "--format", "json").stdout)[0]
    assert bad["status"] == "invalid" and len(bad["errors"]) == 2


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(intake=intakes)
def test_hypothesis_intakes_reports_validate(validator, intake):
    report = hipguide.assess(intake).as_dict()
    assert errors(validator, json.loads(json.dumps(report))) == []


def test_the_schema_holds_the_safety_promises_and_allows_additions(validator):
    reports = json.loads(run("score", EXAMPLE_DIRS[0], "--format", "json", "-q").stdout)
    refer = next(r for r in reports if r["status"] == "refer")
    ok = next(r for r in reports if r["status"] == "ok" and r["recommendations"])
    broken = []
    for report, change in (
            (refer, lambda r: r.update(red_flags=[])),          # a referral without a reason
            (refer, lambda r: r.update(urgency="")),
            (ok, lambda r: r.update(red_flags=refer["red_flags"])),  # ok despite a red flag
            (ok, lambda r: r.pop("disclaimer")),
            (ok, lambda r: r["recommendations"][0].update(disclaimer="")),
            (ok, lambda r: r.update(schema_version="2.0")),
            (ok, lambda r: r.update(status="fine"))):
        copied = copy.deepcopy(report)
        change(copied)
        broken.append(errors(validator, copied))
    assert all(broken), broken
    # a later minor version may add fields anywhere: still valid
    added = copy.deepcopy(ok)
    added.update(schema_version="1.3", safety_net=["call if worse"], pain_rule="...")
    added["recommendations"][0]["video"] = "x"
    added["plan"]["weeks"] = 6
    assert errors(validator, added) == []
