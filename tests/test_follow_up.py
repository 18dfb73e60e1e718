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


# --- who reads it: a parent answering for a child, or the person ------------------
# Through the installed command in a pseudo-terminal, as a person answers.

TEEN = {"id": "teen-4", "age": 16, "answered_by": "parent", "sitting_hours": 9,
        "activity_level": "sedentary", "standing_breaks_hourly": False,
        "symptoms": {"hip_pain": 0, "stiffness": True, "limited_rotation": False,
                     "balance_problems": False, "limp": False, "knee_pain": False,
                     **{s: False for s in SIGNS}}}
CHILD = {**TEEN, "id": "kid-3", "age": 12, "symptoms": {**TEEN["symptoms"], "hip_pain": 2}}


def follow_up_in_a_terminal(tmp_path, before: dict, answers: dict) -> str:
    """``ask --follow-up`` in a pseudo-terminal: each question answered from
    ``answers`` (the first words of the question -> the answer; any other: Enter,
    the earlier answer), Enter at the review; all the terminal showed, one line."""
    import os
    import sys
    from pathlib import Path

    import pytest
    pexpect = pytest.importorskip("pexpect")
    script = Path(sys.executable).parent / "hipguide"
    if not script.exists():
        pytest.skip(f"console script not installed at {script}")
    (tmp_path / "before.yaml").write_text(yaml.safe_dump(before))
    env = {k: v for k, v in os.environ.items() if k != "HIPGUIDE_KB"}
    child = pexpect.spawn(str(script), ["ask", "--follow-up", "before.yaml", "--save",
                                        "after.yaml"], cwd=str(tmp_path), env=env,
                          encoding="utf-8", timeout=30, dimensions=(50, 100))
    seen = []
    while True:
        at = child.expect([r"\]: $", r"change it: $", pexpect.EOF])
        seen.append(child.before + (child.after if isinstance(child.after, str) else ""))
        if at == 2:
            break
        question = " ".join(child.before.split("\n\n")[-1].split())
        typed = next((a for q, a in answers.items() if q in question), "") if at == 0 else ""
        child.sendline(typed)
    child.close()
    assert child.exitstatus == 0, "".join(seen)[-2000:]
    return " ".join("".join(seen).split())


def test_a_parents_check_in_speaks_of_your_child(tmp_path):
    out = follow_up_in_a_terminal(tmp_path, TEEN, {"stiff": "n"})
    # the questions, the review of the answers and the comparison
    assert "what may have changed for your child since before.yaml" in out
    assert "How bad is your child's hip pain today" in out
    assert "Do your child's hips often feel stiff?" in out
    review = out[out.index("-- Your answers --"):out.index("Check-in saved")]
    assert "1. How bad is your child's hip pain" in review
    assert "About how many hours a day does your child spend" in review
    verdict = out[out.index("Check-in saved"):]
    assert "MOVE ON TO THE NEXT STAGE" in verdict
    assert "Keep doing your child's current exercises" in verdict
    assert "the next stage of your child's plan" in verdict
    assert not re.search(r"\byour (hip|pain|plan|current)\b", out.replace("your child's", ""))


def test_a_child_with_a_warning_sign_is_taken_to_a_clinician(tmp_path):
    out = follow_up_in_a_terminal(tmp_path, CHILD, {"hip pain": "1"}).replace(" ** ", " ")
    assert "Please take your child to see a doctor or physiotherapist before your child " \
           "starts any hip exercises" in out
    assert "you will still see your report" in out               # the parent reads it
    verdict = out[out.index("Check-in saved"):]
    assert "TAKE YOUR CHILD TO SEE A CLINICIAN (SAME DAY)" in verdict
    assert "Stop the hip exercises until your child has been checked" in verdict
    assert "until you have been checked" not in out


def test_an_adults_check_in_speaks_to_them(tmp_path):
    out = follow_up_in_a_terminal(tmp_path, BEFORE, {"hip pain": "1", "stiff": "n"})
    assert "your child" not in out
    assert "what may have changed since before.yaml" in out
    assert "How bad is your hip pain today" in out and "Do your hips often feel stiff?" in out
    review = out[out.index("-- Your answers --"):out.index("Check-in saved")]
    assert "1. How bad is your hip pain today" in review
    verdict = out[out.index("Check-in saved"):]
    assert "MOVE ON TO THE NEXT STAGE" in verdict
    assert "Keep doing your current exercises" in verdict
