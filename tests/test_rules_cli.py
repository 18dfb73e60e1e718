"""The knowledge maintainer's tools (rules list/show/check/doc), why/why-not and
--kb / $HIPGUIDE_KB, all through the installed console script."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from conftest import run_hipguide as run

from hipguide.api import assessor
from hipguide.kb.knowledge import default_root

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "intakes"
KB = assessor().kb


@pytest.fixture
def kb_copy(tmp_path):
    """A clinic's own copy of the knowledge base (no tests/ folder beside it)."""
    root = tmp_path / "clinic-kb"
    source = default_root()
    shutil.copytree(source / "rules", root / "rules")
    shutil.copytree(source / "knowledge", root / "knowledge")
    return root


def break_rule(root: Path) -> Path:
    """Make F-SIT-01 name an unknown factor in its condition."""
    path = root / "rules" / "factors.yaml"
    text = path.read_text()
    assert "    when: sitting_hours >= 8\n" in text
    path.write_text(text.replace("    when: sitting_hours >= 8\n",
                                 "    when: [sitting_hours >= 8, factor no_such_factor]\n", 1))
    return path


# rules list ---------------------------------------------------------------

def test_rules_list_shows_every_rule_with_what_it_concludes():
    result = run("rules", "list")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == len(KB.rules)
    sit = next(line for line in lines if line.startswith("F-SIT-01 "))
    assert "factor prolonged_sitting (0.8)" in sit
    assert "Sitting eight hours or more a day" in sit
    assert any(line.startswith("X-CLAM-01 ") and "recommend clamshells" in line
               for line in lines)


def test_rules_list_json_and_kind_filter():
    result = run("rules", "list", "--format", "json", "--kind", "red_flag")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert {r["id"] for r in data} == {r.id for r in KB.rules if r.kind == "red_flag"}
    assert all(r["file"].startswith("rules/") and r["line"] > 0 for r in data)


# rules show ---------------------------------------------------------------

def test_rules_show_gives_readable_conditions_action_rationale_and_source():
    result = run("rules", "show", "F-COMP-01")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("F-COMP-01: Past injury with limited rotation or poor balance")
    assert re.search(r"defined in rules/factors\.yaml:\d+", out)
    assert "    all of:\n      factor previous_injury\n      any of:\n" \
           "        symptoms.limited_rotation\n        symptoms.balance_problems\n" in out
    assert "then: factor compensation_pattern (0.6)" in out
    assert "rationale: After injury, other muscles take over" in out
    assert "source: 002_1072cfd83fa0929a.txt" in out
    assert "test cases" in out


def test_rules_show_recommendation_says_red_flags_block_it():
    out = run("rules", "show", "x-clam-01").stdout  # ids are case-insensitive
    assert "and no red flag" in out
    assert "then: recommend clamshells" in out


def test_rules_show_lists_cases_from_tests_cases_next_to_the_kb(kb_copy):
    cases = kb_copy / "tests" / "cases"
    cases.mkdir(parents=True)
    (cases / "F-SIT-01.yaml").write_text(
        "fire:\n  - name: ten hours at a desk\n    intake: {sitting_hours: 10}\n"
        "no_fire:\n  - name: just under eight hours\n    intake: {sitting_hours: 7.9}\n"
        "  - name: no sitting\n    intake: {sitting_hours: 0}\n")
    out = run("rules", "show", "F-SIT-01", "--kb", kb_copy).stdout
    assert "test cases (tests/cases/F-SIT-01.yaml):" in out
    assert "must fire: 1\n      - ten hours at a desk" in out
    assert "must not fire: 2\n      - just under eight hours\n      - no sitting" in out
    missing = run("rules", "show", "F-SIT-02", "--kb", kb_copy).stdout
    assert "test cases: NONE (tests/cases/F-SIT-02.yaml is missing)" in missing


def test_rules_show_says_cases_are_not_shipped_without_a_source_checkout(kb_copy):
    out = run("rules", "show", "F-SIT-01", "--kb", kb_copy).stdout
    assert "test cases: not shipped" in out


def test_rules_show_unknown_id_is_a_usage_error_with_suggestions():
    result = run("rules", "show", "F-SIT-1")
    assert result.returncode == 2
    assert "no rule 'F-SIT-1'" in result.stderr
    assert "F-SIT-01" in result.stderr


# rules check and --kb / $HIPGUIDE_KB --------------------------------------

def test_rules_check_ok():
    result = run("rules", "check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("OK: ")
    assert f"{len(KB.rules)} rules" in result.stdout
    assert len(result.stdout.splitlines()) == 1


def test_rules_check_reports_file_line_message_and_rule_id(kb_copy):
    path = break_rule(kb_copy)
    result = run("rules", "check", "--kb", kb_copy)
    assert result.returncode == 3
    line = next(ln for ln in result.stdout.splitlines() if "no_such_factor" in ln)
    assert re.fullmatch(re.escape(str(path)) + r":\d+:\d+: .*unknown factor 'no_such_factor'.*"
                        r" \(F-SIT-01\)", line), line
    assert "1 problem(s)" in result.stderr


def test_environment_variable_selects_the_knowledge_base(kb_copy):
    break_rule(kb_copy)
    env = {"HIPGUIDE_KB": str(kb_copy)}
    assert run("rules", "check", env=env).returncode == 3
    assert run("score", EXAMPLES / "office_worker.yaml", env=env).returncode == 3
    assert run("why", "--intake", EXAMPLES / "office_worker.yaml", env=env).returncode == 3
    assert run("rules", "list", env=env).returncode == 3
    # an explicit --kb wins over the environment
    assert run("rules", "check", "--kb", default_root(), env=env).returncode == 0


def test_a_clinic_copy_with_an_edited_rule_is_used(kb_copy):
    path = kb_copy / "rules" / "factors.yaml"
    path.write_text(path.read_text().replace("when: sitting_hours >= 8\n",
                                             "when: sitting_hours >= 11\n", 1))
    intake = EXAMPLES / "office_worker.yaml"  # sits 10 h
    ours = json.loads(run("score", intake, "--format", "json", "-q").stdout)[0]
    theirs = json.loads(run("score", intake, "--format", "json", "-q", "--kb", kb_copy).stdout)[0]
    assert "F-SIT-01" in ours["rules_fired"]
    assert "F-SIT-01" not in theirs["rules_fired"]
    assert "sitting_hours >= 11" in run("rules", "show", "F-SIT-01", "--kb", kb_copy).stdout


@pytest.mark.parametrize("command", [["score"], ["validate"], ["schema"], ["why"],
                                     ["rules", "list"], ["rules", "show"], ["rules", "check"],
                                     ["rules", "doc"]])
def test_every_command_takes_kb(command):
    result = run(*command, "--help")
    assert result.returncode == 0
    assert "--kb" in result.stdout and "HIPGUIDE_KB" in result.stdout


# rules doc ------------------------------------------------------------------

def test_rules_doc_documents_every_rule_factor_exercise_red_flag_and_caution():
    result = run("rules", "doc")
    assert result.returncode == 0, result.stderr
    doc = result.stdout
    for rule in KB.rules:
        assert f"\n#### {rule.id}\n" in doc
    for table in (KB.factors, KB.exercises, KB.red_flags):
        for item_id, item in table.items():
            assert f"{item['name']} (`{item_id}`" in doc
    for cid in KB.cautions:
        assert f"### `{cid}`" in doc
    assert str(KB.root) not in doc  # no machine-specific paths


def test_committed_rules_md_is_up_to_date():
    committed = ROOT / "RULES.md"
    if not committed.exists():
        pytest.skip("not a source checkout")
    assert run("rules", "doc").stdout == committed.read_text(), \
        "RULES.md is stale: run 'hipguide rules doc > RULES.md'"


# why / why not ------------------------------------------------------------

def test_why_shows_the_chain_from_facts_through_rules_to_conclusions():
    result = run("why", "--intake", EXAMPLES / "office_worker.yaml")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Facts from the intake" in out and "sitting_hours=10" in out
    # likelihood in words: the confidence is a rank weight, not a measured percentage
    assert re.search(r"prolonged_sitting: Long periods of sitting \(likely\)\n"
                     r"    <- F-SIT-01 \(Sitting eight hours or more a day\)\n"
                     r"         because sitting_hours = 10\n", out)
    assert re.search(r"clamshells: Clamshells -- addresses .*\n    <- X-CLAM-01", out)
    assert "because factor sedentary_lifestyle (F-SED-01: describes activity as sedentary)" in out
    assert "Not concluded" in out and "compensation_pattern" in out
    assert out.rstrip().splitlines()[-1].startswith("Disclaimer: ")


def test_why_not_names_the_failed_condition_and_follows_missing_factors():
    result = run("why", "single_leg_stance", "--intake", EXAMPLES / "office_worker.yaml")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "exercise or habit single_leg_stance: NOT concluded" in out
    assert "failed: factor compensation_pattern is false" in out
    # ... and why that factor was not concluded, down to the intake
    assert "F-COMP-01 (Past injury with limited rotation or poor balance)" in out
    assert "failed: some injury with injury.months_ago <= 24 is false -- no injuries given" in out
    # a question the intake left out is unknown, not 'no'
    assert "failed: returning_to_sport is unknown (not given)" in out


def test_why_not_for_a_rule_shows_the_actual_value():
    out = run("why", "F-SIT-01", "--intake", EXAMPLES / "fall_red_flag.yaml").stdout
    assert "F-SIT-01 (Sitting eight hours or more a day) -> factor prolonged_sitting: " \
           "did not fire" in out
    assert "failed: sitting_hours >= 8 is false -- sitting_hours = 6" in out


def test_why_not_says_a_red_flag_blocks_exercises():
    out = run("why", "X-SEATIR-01", "--intake", EXAMPLES / "fall_red_flag.yaml").stdout
    assert "did not fire" in out
    assert re.search(r"blocked: red flag\(s\) .*trauma.* stop every exercise", out)


def test_why_for_a_concluded_item_shows_rules_and_facts():
    out = run("why", "clamshells", "--intake", EXAMPLES / "office_worker.yaml").stdout
    assert "exercise or habit clamshells: CONCLUDED" in out
    assert "X-CLAM-01 (Clamshells for weak hip stabilisers) -> exercise clamshells: FIRED" in out
    assert "factor sedentary_lifestyle came from:" in out
    assert "because activity_level = sedentary" in out


def test_why_json():
    result = run("why", "compensation_pattern", "--intake", EXAMPLES / "office_worker.yaml",
                 "--format", "json")
    data = json.loads(result.stdout)
    assert data[0]["id"] == "office-worker"
    explanation = data[0]["explanation"]
    assert explanation["concluded"] is False
    failed = explanation["rules"][0]["failed"][0]
    assert failed["condition"] == "factor previous_injury"
    assert {r["rule"] for r in failed["why_not"]} == {"F-INJ-01", "F-INJ-02"}
    assert data[0]["disclaimer"]


def test_why_explains_each_intake_of_a_multi_document_file():
    out = run("why", "joint_condition", "--intake", EXAMPLES / "clinic_batch.yaml").stdout
    assert "== clinic-0042 " in out and "== clinic-0043 " in out
    assert "factor joint_condition: CONCLUDED" in out
    assert "factor joint_condition: NOT concluded" in out


def test_why_errors():
    bad = run("why", "no_such_thing", "--intake", EXAMPLES / "office_worker.yaml")
    assert bad.returncode == 2 and "is not a rule, factor" in bad.stderr
    invalid = run("why", "--intake", "-", stdin="sitting_hours: 30\n")
    assert invalid.returncode == 1
    assert "sitting_hours" in invalid.stderr and "nothing to explain" in invalid.stderr
    assert run("why").returncode == 2  # --intake is required


def test_why_says_which_precaution_left_an_exercise_out(tmp_path):
    intake = tmp_path / "thr.yaml"
    intake.write_text(
        "age: 68\nsitting_hours: 8\nactivity_level: light\n"
        "surgeries: [{site: hip, kind: replacement, approach: posterior, months_ago: 14}]\n"
        "symptoms: {hip_pain: 2, stiffness: true}\n")
    out = " ".join(run("why", "seated_banded_internal_rotation", "--intake", intake)
                   .stdout.split())
    assert "X-SEATIR-01 (Seated banded internal rotation) -> exercise " \
           "seated_banded_internal_rotation: did not fire" in out
    assert "not given because: hip replacement (posterior approach) 14 months ago, " \
           "precaution P-THRPOST-01" in out
    report = json.loads(run("score", intake, "--format", "json", "--explain").stdout)[0]
    (precaution,) = report["precautions"]
    assert precaution["id"] == "hip_replacement_posterior"
    assert "seated_banded_internal_rotation" in [w["id"] for w in precaution["withheld"]]
    assert precaution["basis"]  # --explain: the facts that made the precaution rule fire
