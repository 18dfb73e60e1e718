"""End-to-end: the click CLI (CliRunner) and the installed console script."""

import csv
import io
import json
import subprocess

import pytest
import yaml
from click.testing import CliRunner
from conftest import EXAMPLES

from hipguide.cli import main

EXAMPLE_IDS = ["clinic-0042", "clinic-0043", "fall-on-ice", "office-worker",
               "retired-arthritis", "returning-footballer", "warehouse-picker"]


def run(*args, input=None):
    return CliRunner().invoke(main, list(args), input=input)


def test_help_lists_commands_and_exit_codes():
    result = run("--help")
    assert result.exit_code == 0
    for word in ("score", "validate", "schema", "Exit codes"):
        assert word in result.output


@pytest.mark.parametrize("fmt", ["json", "jsonl", "yaml"])
def test_structured_formats_parse_back_in_input_order(fmt):
    result = run("score", str(EXAMPLES), "--format", fmt)
    assert result.exit_code == 0, result.output
    if fmt == "json":
        reports = json.loads(result.stdout)
    elif fmt == "jsonl":
        reports = [json.loads(line) for line in result.stdout.splitlines()]
    else:
        reports = list(yaml.safe_load_all(result.stdout))
    assert [r["id"] for r in reports] == EXAMPLE_IDS
    for r in reports:
        assert list(r)[-1] == "disclaimer" and r["disclaimer"]
        assert r["status"] in ("ok", "refer")
        for rec in r["recommendations"]:
            assert rec["disclaimer"] and rec["addresses"] and rec["rules"]
        for f in r["factors"]:
            assert 0 < f["confidence"] <= 1 and f["evidence"] and f["rules"]
        if r["status"] == "refer":
            assert r["recommendations"] == [] and r["red_flags"]


def test_csv_is_one_row_per_intake_with_disclaimer_last():
    result = run("score", str(EXAMPLES), "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["id"] for r in rows] == EXAMPLE_IDS
    assert all(r["disclaimer"] for r in rows)
    assert result.stdout.splitlines()[0].endswith(",disclaimer")
    fall = next(r for r in rows if r["id"] == "fall-on-ice")
    assert fall["status"] == "see a clinician" and fall["urgency"] == "emergency"
    assert not fall["start here (weeks 1-2)"]


def test_text_report_for_people():
    result = run("score", str(EXAMPLES / "office_worker.yaml"))
    out = result.output
    assert result.exit_code == 0
    assert "Likely contributing factors" in out and "Start here (weeks 1-2)" in out
    assert "Dose:" in out and "Pain rule:" in out
    assert "1. " in out and "sits 10 h a day" in out
    assert out.rstrip().splitlines()[-1].strip() and "Disclaimer:" in out.split("\n\n")[-1]
    referred = run("score", str(EXAMPLES / "fall_red_flag.yaml")).output
    assert "SEE A CLINICIAN (EMERGENCY)" in referred and "Start here" not in referred
    assert "Likely contributing factors" not in referred  # a referral is not an answer
    assert "Disclaimer:" in referred.split("\n\n")[-1]


def test_explain_shows_rules_and_the_facts_that_fired_them():
    plain = run("score", str(EXAMPLES / "office_worker.yaml"), "--format", "json").stdout
    result = run("score", str(EXAMPLES / "office_worker.yaml"), "--format", "json", "--explain")
    report = json.loads(result.stdout)[0]
    assert "basis" not in json.loads(plain)[0]["factors"][0]
    sitting = next(f for f in report["factors"] if f["id"] == "prolonged_sitting")
    assert sitting["rules"] == ["F-SIT-01"] and sitting["basis"] == ["sitting_hours = 10"]
    text = run("score", str(EXAMPLES / "office_worker.yaml"), "--explain").output
    assert "because: rule F-SIT-01 fired on sitting_hours = 10" in text


def test_one_invalid_intake_never_stops_the_batch(tmp_path):
    (tmp_path / "a.yaml").write_text("sitting_hours: 9\nactivity_level: sedentary\n")
    (tmp_path / "b.yaml").write_text("siting_hours: 9\n")
    (tmp_path / "c.yaml").write_text("sitting_hours: 2\n---\nsitting_hours: 30\n")
    result = run("score", str(tmp_path), "--format", "jsonl")
    assert result.exit_code == 1
    reports = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["id"], r["status"]) for r in reports] == [
        ("a", "ok"), ("b", "invalid"), ("c#1", "ok"), ("c#2", "invalid")]
    b = reports[1]
    assert b["errors"][0]["field"] == "siting_hours"
    assert "sitting_hours" in b["errors"][0]["message"]
    assert b["errors"][0]["line"] == 1 and b["disclaimer"]
    assert "b.yaml:1:1: siting_hours: unknown key" in result.stderr
    assert "c.yaml:3:16: document 2 > sitting_hours: 30 is out of range" in result.stderr


def test_stdin_and_output_file(tmp_path):
    target = tmp_path / "out.json"
    result = run("score", "-", "--format", "json", "--output", str(target),
                 input="sitting_hours: 8\n")
    assert result.exit_code == 0 and result.stdout == ""
    assert json.loads(target.read_text())[0]["id"] == "stdin"
    assert not [p for p in tmp_path.iterdir() if p.name != "out.json"]  # no temp files left


def test_usage_errors_exit_2():
    assert run("score").exit_code == 2
    assert run("score", str(EXAMPLES), "--format", "xml").exit_code == 2
    assert run("frobnicate").exit_code == 2


def test_validate_and_schema(tmp_path):
    assert run("validate", str(EXAMPLES)).exit_code == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text("sitting_hours: .nan\nposture: [knee_valgis]\n")
    result = run("validate", str(bad))
    assert result.exit_code == 1
    assert f"{bad}:1:16: sitting_hours: expected a number from 0 to 24, got nan" in result.output
    assert "did you mean 'knee_valgus'?" in result.output
    schema = json.loads(run("schema").output)
    assert schema["required"] == ["sitting_hours"]
    assert schema["additionalProperties"] is False
    assert schema["properties"]["activity_level"]["enum"] == [
        "sedentary", "light", "moderate", "active"]


def test_bad_knowledge_base_exits_3_before_scoring(tmp_path):
    import shutil

    from hipguide.kb.knowledge import default_root

    kb = tmp_path / "kb"
    shutil.copytree(default_root() / "rules", kb / "rules")
    shutil.copytree(default_root() / "knowledge", kb / "knowledge")
    rules = kb / "rules" / "factors.yaml"
    rules.write_text(rules.read_text().replace("sitting_hours >= 8", "siting_hours >= 8", 1))
    result = run("score", str(EXAMPLES), "--kb", str(kb))
    assert result.exit_code == 3
    assert "factors.yaml:" in result.stderr and "unknown field 'siting_hours'" in result.stderr
    assert "(F-SIT-01)" in result.stderr and result.stdout == ""


def test_installed_console_script_from_another_directory(tmp_path, exe, clean_env):
    proc = subprocess.run([exe, "score", str(EXAMPLES), "--format", "jsonl"], cwd=tmp_path,
                          capture_output=True, text=True, env=clean_env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    reports = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r["id"] for r in reports] == EXAMPLE_IDS
    assert proc.stderr.startswith("hipguide: 7 intakes in ")
    assert proc.stderr.rstrip().endswith("5 scored ok, 2 referred, 0 invalid")


def test_internal_error_in_one_intake_is_reported_with_its_id_and_the_batch_goes_on(
        monkeypatch, tmp_path):
    from hipguide.engine.assessor import Assessor

    real = Assessor.assess

    def flaky(self, intake, report_id, source):
        if report_id == "office-worker":
            raise RuntimeError("boom")
        return real(self, intake, report_id, source)

    monkeypatch.setattr(Assessor, "assess", flaky)
    result = run("score", str(EXAMPLES), "--format", "jsonl")
    assert result.exit_code == 4
    reports = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in reports] == EXAMPLE_IDS
    broken = next(r for r in reports if r["id"] == "office-worker")
    assert broken["status"] == "invalid" and "internal error" in broken["errors"][0]["message"]
    assert "office-worker: internal error in hipguide (RuntimeError: boom)" in result.stderr
    assert sum(r["status"] != "invalid" for r in reports) == len(EXAMPLE_IDS) - 1
