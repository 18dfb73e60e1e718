"""The knowledge base is checked strictly at load time: every problem names the
file, the line and the rule id, and nothing is scored."""

import subprocess

import pytest
from conftest import edit_once

from hipguide.kb.knowledge import KnowledgeError, load


@pytest.fixture
def kb(kb_copy):
    return kb_copy


BREAKS = {
    "unknown fact name": ("rules/factors.yaml", "when: sitting_hours >= 8",
                          "when: sitting_time >= 8", "unknown field 'sitting_time'", "F-SIT-01"),
    "unknown exercise": ("rules/recommendations.yaml", "then: {recommend: clamshells}",
                         "then: {recommend: clamshell}", "unknown recommend 'clamshell'",
                         "X-CLAM-01"),
    "unknown factor in a condition": ("rules/factors.yaml", "factor prolonged_sitting, posture",
                                      "factor long_sitting, posture",
                                      "unknown factor 'long_sitting'", "F-FLEX-01"),
    "duplicate rule id": ("rules/factors.yaml", "id: F-SIT-02", "id: F-SIT-01",
                          "duplicate rule id", "F-SIT-01"),
    "malformed condition": ("rules/factors.yaml", "when: activity_level == sedentary",
                            "when: activity_level is sedentary", "cannot read", "F-SED-01"),
    "value outside the allowed list": ("rules/factors.yaml", "activity_level == sedentary",
                                       "activity_level == couch", "'couch' is not allowed",
                                       "F-SED-01"),
    # red flags may test factors ("late" red flags such as RF-UNEXPL-01); precautions
    # and screening rules fire before any factor is concluded, so they may not
    "precaution rule testing a factor": ("rules/precautions.yaml", "when: pregnancy == pregnant",
                                         "when: [pregnancy == pregnant, factor prolonged_sitting]",
                                         "precaution rules must not test factors",
                                         "P-PREG-01"),
    "screening rule testing a factor": ("rules/unanswered_warning_signs.yaml",
                                        "when: symptoms.night_pain unanswered",
                                        "when: [symptoms.night_pain unanswered, "
                                        "factor prolonged_sitting]",
                                        "unscreened rules must not test factors",
                                        "S-NIGHT-01"),
    "recommendation without a factor": ("rules/recommendations.yaml",
                                        "when: factor poor_ergonomics",
                                        "when: ergonomic_workstation == false",
                                        "must follow from a factor", "X-ERGO-01"),
    "bad confidence": ("rules/factors.yaml", "confidence: 0.8, evidence: \"sits",
                       "confidence: 8, evidence: \"sits", "8 is out of range", "F-SIT-01"),
}


@pytest.mark.parametrize("name", sorted(BREAKS))
def test_rule_problems_name_file_line_and_rule(kb, name):
    file, old, new, message, rule_id = BREAKS[name]
    edit_once(kb / file, old, new)
    with pytest.raises(KnowledgeError) as info:
        load(kb)
    lines = [str(p) for p in info.value.problems]
    hits = [line for line in lines if message in line]
    assert hits, lines
    assert hits[0].startswith(str(kb / file) + ":") and f"({rule_id})" in hits[0]
    assert hits[0].split(":")[1].isdigit()  # a line number


def test_factor_without_description(kb):
    edit_once(kb / "knowledge/factors.yaml", "    description:", "    descripton:")
    with pytest.raises(KnowledgeError) as info:
        load(kb)
    text = str(info.value)
    assert "missing required key 'description'" in text
    assert "unknown key 'descripton'; did you mean 'description'?" in text
    assert "knowledge/factors.yaml:" in text
    assert len(info.value.problems) == 2  # no cascade into the rules that use it


def test_catalogue_item_that_no_rule_concludes(kb):
    path = kb / "knowledge/factors.yaml"
    path.write_text(path.read_text() + "\n  - id: orphan\n    name: Orphan\n"
                    "    description: Never concluded.\n"
                    "    source: standard physiotherapy practice\n")
    with pytest.raises(KnowledgeError, match="'orphan' is never concluded by any rule"):
        load(kb)


def test_console_script_refuses_a_broken_kb_before_scoring(kb, exe, clean_env):
    edit_once(kb / "rules/factors.yaml", "id: F-SIT-02", "id: F-SIT-01")
    env = {**clean_env, "HIPGUIDE_KB": str(kb)}
    proc = subprocess.run([exe, "score", "-"], input="sitting_hours: 9\n", capture_output=True,
                          text=True, env=env, timeout=60)
    assert proc.returncode == 3 and proc.stdout == ""
    assert "duplicate rule id" in proc.stderr and "(F-SIT-01)" in proc.stderr
    assert "Traceback" not in proc.stderr
