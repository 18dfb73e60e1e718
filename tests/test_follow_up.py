"""The check-in: `hipguide ask --follow-up BEFORE --save AFTER` asks only what can
change (at most 15 questions, each defaulting to the earlier answer), keeps the
rest, and compares as `hipguide progress` does; the verdict weighs the main
complaint."""

from __future__ import annotations

import re

import yaml
from click.testing import CliRunner

from hipguide.cli import main

SIGNS = ("pain_after_fall", "cannot_bear_weight", "numbness_or_tingling", "new_leg_weakness",
         "saddle_numbness", "bowel_or_bladder_change", "fever_or_unwell", "hot_swollen_joint",
         "night_pain", "unexplained_weight_loss", "history_of_cancer", "back_pain")
BEFORE = {"id": "pat-7", "age": 52, "sitting_hours": 9, "activity_level": "light",
          "injuries": [{"site": "knee", "months_ago": 8}], "conditions": [], "surgeries": [],
          "symptoms": {"hip_pain": 2, "stiffness": True, "limited_rotation": True,
                       **{s: False for s in SIGNS}}}


def check_in(tmp_path, answers, before=BEFORE):
    path = tmp_path / "before.yaml"
    path.write_text(yaml.safe_dump(before))
    after = tmp_path / "after.yaml"
    result = CliRunner().invoke(main, ["ask", "--follow-up", str(path), "--save", str(after)],
                                input="".join(a + "\n" for a in answers))
    return result, after


def prompts(result) -> int:
    asked = result.stderr.split("-- Your answers --")[0]
    return len(re.findall(r"^  \S.*: \S*$", asked, re.MULTILINE))


def test_at_most_15_questions_and_enter_keeps_every_earlier_answer(tmp_path):
    result, after = check_in(tmp_path, [""] * 16 + [""])
    assert result.exit_code == 0, result.output
    assert prompts(result) <= 15
    assert "[2]" in result.stderr and "[y]" in result.stderr
    saved = yaml.safe_load(after.read_text())
    assert saved == BEFORE                                   # nothing changed, nothing lost


def test_pain_better_but_stiffness_the_main_complaint_unchanged_is_not_well_done(tmp_path):
    result, after = check_in(tmp_path, ["1"] + [""] * 15)
    assert result.exit_code == 0, result.output
    out = " ".join(result.stdout.split())
    assert yaml.safe_load(after.read_text())["symptoms"]["hip_pain"] == 1
    assert "KEEP GOING" in out and "well done" not in out
    assert "Stiffness was your main complaint and has not improved yet" in out


def test_the_main_complaint_better_is_well_done(tmp_path):
    result, _ = check_in(tmp_path, ["1", "n"] + [""] * 14)
    out = " ".join(result.stdout.split())
    assert "MOVE ON" in out and "well done" in out


def test_strong_pain_is_the_main_complaint(tmp_path):
    before = {**BEFORE, "symptoms": {**BEFORE["symptoms"], "hip_pain": 6}}
    result, _ = check_in(tmp_path, ["6", "n", "n"] + [""] * 13, before)
    out = " ".join(result.stdout.split())
    assert "Hip pain (0-10) was your main complaint" in out and "well done" not in out


def test_a_new_warning_sign_at_the_check_in_sends_to_a_clinician(tmp_path):
    answers = ["1", "n", "", "", "", "", "y"] + [""] * 9
    result, after = check_in(tmp_path, answers)
    assert yaml.safe_load(after.read_text())["symptoms"]["cannot_bear_weight"] is True
    assert "SEE A CLINICIAN" in result.stdout


def test_not_sure_at_the_check_in_is_not_answered(tmp_path):
    answers = ["", "", "", "", "", "", "not sure"] + [""] * 9
    result, after = check_in(tmp_path, answers)
    assert result.exit_code == 0, result.output
    assert "cannot_bear_weight" not in yaml.safe_load(after.read_text())["symptoms"]


def test_follow_up_needs_a_new_save_file(tmp_path):
    path = tmp_path / "before.yaml"
    path.write_text(yaml.safe_dump(BEFORE))
    result = CliRunner().invoke(main, ["ask", "--follow-up", str(path)])
    assert result.exit_code == 2 and "--save" in result.output
    result = CliRunner().invoke(main, ["ask", "--follow-up", str(path), "--save", str(path)])
    assert result.exit_code == 2 and yaml.safe_load(path.read_text()) == BEFORE
