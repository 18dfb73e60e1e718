"""One story per report: one pain rule, a safety net in every ok report, and an
honest statement about clinical review (issue 19, items 8 and 9).

Through ``hipguide.assess`` and the installed command (text, JSON, handout)."""

import json
import re

from conftest import run_hipguide
from hypothesis import HealthCheck, given, settings
from strategies import intakes

import hipguide
from hipguide.api import assessor
from hipguide.core.wording import to_parent

KB = assessor().kb
PAIN_RULE = KB.programme["pain_rule"]
NO = {k: False for k in (
    "numbness_or_tingling", "new_leg_weakness", "night_pain", "pain_after_fall",
    "cannot_bear_weight", "fever_or_unwell", "hot_swollen_joint", "unexplained_weight_loss",
    "history_of_cancer", "bowel_or_bladder_change", "saddle_numbness")}
DESK = {"id": "desk", "age": 40, "sitting_hours": 9, "activity_level": "light",
        "symptoms": {"hip_pain": 2, "stiffness": True, "limited_rotation": False,
                     "balance_problems": False, **NO}}
# a pain ceiling written as "N/10" or "N out of 10" anywhere a person reads it
_CEILING = re.compile(r"(\d+) ?(?:/|out of )10")


def test_the_pain_rule_is_one_evidence_based_rule_named_in_the_knowledge():
    assert "5 out of 10" in PAIN_RULE and "next morning" in PAIN_RULE
    assert "Silbernagel" in KB.programme["pain_rule_source"]
    assert "Thomee" in KB.programme["pain_rule_source"]


def test_an_ok_report_carries_the_pain_rule_and_the_safety_net():
    report = hipguide.assess(DESK)
    assert report.status == "ok"
    assert report.pain_rule == PAIN_RULE
    assert report.safety_net == list(KB.programme["safety_net"])
    assert any("stroke" in s for s in report.safety_net)
    data = report.as_dict()
    assert isinstance(data["pain_rule"], str) and isinstance(data["safety_net"], list)


def test_no_other_pain_ceiling_is_told_in_an_ok_report():
    """Exercises, cautions and the programme refer to the one pain rule; no other
    'keep pain at N/10' wording competes with it."""
    report = hipguide.assess({**DESK, "symptoms": {**DESK["symptoms"], "hip_pain": 5}})
    rule_numbers = set(_CEILING.findall(PAIN_RULE))
    texts = [report.pain_rule, report.plan.get("pain_rule", "")]
    for rec in report.recommendations:
        texts += [rec.regression, rec.progression_test, rec.progression, rec.dose, rec.disclaimer,
                  *rec.cautions]
    for text in texts:
        for number in _CEILING.findall(text):
            assert number in rule_numbers, text


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(intakes)
def test_every_ok_report_has_the_safety_net_and_the_pain_rule(data):
    report = hipguide.assess(data)
    if report.status == "ok":
        # the one rule, worded for its reader (a parent: "your child's pain")
        rule = to_parent(PAIN_RULE) if data.get("answered_by") == "parent" else PAIN_RULE
        assert report.safety_net and report.pain_rule == rule
    assert report.knowledge_reviewed == ""        # never a date that is not a review


def test_the_command_prints_the_safety_net_and_no_fake_review_date(tmp_path):
    path = tmp_path / "desk.yaml"
    path.write_text(json.dumps(DESK))
    text = run_hipguide("score", path, "--format", "text", "--quiet").stdout
    flat = " ".join(text.split())
    assert "Stop and seek help" in text and "stroke" in flat
    assert "Not yet reviewed by a licensed clinician" in flat
    assert "last reviewed" not in flat
    data = json.loads(run_hipguide("score", path, "--format", "json", "--quiet").stdout)[0]
    assert data["pain_rule"] == PAIN_RULE and data["safety_net"]
    page = run_hipguide("score", path, "--format", "html", "--quiet").stdout
    assert "Not yet reviewed by a licensed clinician" in page and "last reviewed" not in page
    assert "Stop and seek help" in page


def test_rules_review_lists_everything_as_unreviewed():
    result = run_hipguide("rules", "review", "--format", "json")
    assert result.returncode == 1
    data = json.loads(result.stdout)
    due = {(d["what"], d["id"]) for d in data["due"]}
    assert ("rule", "RF-PAIN-01") in due and ("exercises", "clamshells") in due
    assert {d["status"] for d in data["due"]} == {"unreviewed"}
    assert "not yet reviewed" in data["status"].lower()
    shown = run_hipguide("rules", "show", "RF-AVN-01").stdout
    assert "clinical review: none recorded (unreviewed)" in shown


def test_a_recorded_review_is_printed_and_ages(tmp_path):
    """With a whole-base review recorded, the report names it; an old one is due."""
    import shutil

    root = tmp_path / "kb"
    shutil.copytree(KB.root / "rules", root / "rules")
    shutil.copytree(KB.root / "knowledge", root / "knowledge")
    meta = root / "knowledge" / "meta.yaml"
    meta.write_text(meta.read_text().replace(
        "  records: []",
        "  records:\n    - {reviewed_by: A. Example, role: HCPC-registered physiotherapist,"
        " date: '2020-01-15', scope: all, evidence: every source checked}"))
    report = hipguide.assess(DESK, kb=str(root))
    assert report.knowledge_reviewed == "2020-01-15"
    assert "A. Example" in report.review_status
    result = run_hipguide("rules", "review", "--kb", root, "--max-age-months", "12",
                          "--format", "json")
    assert {d["status"] for d in json.loads(result.stdout)["due"]} == {"expired"}
    result = run_hipguide("rules", "review", "--kb", root, "--max-age-months", "600")
    assert result.returncode == 0, result.stdout


def test_a_review_record_with_a_future_or_false_date_is_refused(tmp_path):
    import shutil

    root = tmp_path / "kb"
    shutil.copytree(KB.root / "rules", root / "rules")
    shutil.copytree(KB.root / "knowledge", root / "knowledge")
    meta = root / "knowledge" / "meta.yaml"
    original = meta.read_text()
    for date, message in (("2999-01-01", "in the future"), ("2026-02-30", "YYYY-MM-DD")):
        meta.write_text(original.replace(
            "  records: []",
            f"  records:\n    - {{reviewed_by: A, role: physiotherapist, date: '{date}',"
            " scope: all, evidence: checked}"))
        result = run_hipguide("rules", "check", "--kb", root)
        assert result.returncode == 3 and message in result.stdout, result.stdout
