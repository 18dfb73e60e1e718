"""`hipguide ask` forgives a wrong answer: `<` (or `back`) goes back one question,
and a numbered review before saving lets any answer be changed. Driven through
click's CliRunner with the answers piped in, one per line."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import yaml
from click.testing import CliRunner
from test_ask import (
    DAY,
    EXPECTED,
    FEEL,
    HEALTH,
    INJURY,
    RED_NO,
    SPORT,
    VALID,
    _CtrlCAfter,
    asked,
    flat,
    run,
    saved,
)

from hipguide.cli import main

FLAG = "see a doctor or physiotherapist before you start any hip exercises"
NO_MORE_FLAG = "Your answers no longer include a warning sign"


def review(result) -> str:
    """The last review of the answers in the transcript."""
    assert "-- Your answers --" in result.stderr, result.stderr[-2000:]
    return result.stderr.split("-- Your answers --")[-1]


def row(result, question: str) -> str:
    """The number the last review gives the answer to question (its first words)."""
    match = re.search(r"(\d+)\. " + re.escape(question), review(result))
    assert match, (question, review(result))
    return match.group(1)


def partial_of(path) -> tuple[dict, list]:
    """The answers in a .partial file and the ids it says were asked."""
    text = Path(str(path) + ".partial").read_text()
    ids = re.search(r"^# asked: *(.*)$", text, re.MULTILINE).group(1)
    return yaml.safe_load(text) or {}, [i.strip() for i in ids.split(",") if i.strip()]


# ---------------------------------------------------------------- going back


def test_back_at_the_first_question_says_there_is_nothing_before_it(tmp_path):
    out = tmp_path / "a.yaml"
    result = run(["<", "back", *VALID], "--save", str(out))
    assert result.exit_code == 0, result.output
    assert flat(result.stderr).count("there is nothing before it") == 2
    assert saved(out) == EXPECTED
    assert "Traceback" not in result.output


def test_back_asks_the_previous_question_again_with_its_answer_as_the_default(tmp_path):
    out = tmp_path / "a.yaml"
    # hip pain 5 by mistake; at the next question go back, see [5], answer 3
    result = run(["38", "5", "<", "3", *VALID[2:]], "--save", str(out))
    assert result.exit_code == 0, result.output
    assert "whole number 0 to 10 [5]:" in result.stderr
    assert asked(result).count("How bad is your hip pain") == 2
    assert saved(out) == EXPECTED
    # Enter at the question asked again keeps the answer shown in [brackets]
    result = run(["38", "3", "<", "", *VALID[2:]], "--save", str(out.with_name("b.yaml")))
    assert result.exit_code == 0, result.output
    assert saved(out.with_name("b.yaml")) == EXPECTED


def test_several_backs_in_a_row_cross_sections_and_enter_keeps_each_answer(tmp_path):
    out = tmp_path / "a.yaml"
    # at "desk set up?" (Your day): back to sitting hours [9], to the operations
    # question [n] and to cancer [n] in "Warning signs"; then Enter, Enter, Enter
    answers = RED_NO + ["9", "<", "<", "back", "", "", "", *DAY[1:]] + SPORT + INJURY \
        + FEEL + HEALTH
    result = run(answers, "--save", str(out))
    assert result.exit_code == 0, result.output
    text = asked(result)
    assert text.count("-- Warning signs --") == 2 and text.count("-- Your day --") == 2
    assert text.count("Have you ever had cancer?") == 2
    assert "number 0 to 24 [9]:" in result.stderr
    assert saved(out) == EXPECTED


def test_the_partial_file_forgets_an_answer_taken_back_and_resume_asks_it(tmp_path):
    out = tmp_path / "a.yaml"
    result = run(RED_NO + ["9", "<"], "--save", str(out))       # input ends after going back
    assert result.exit_code == 1
    answers, ids = partial_of(out)
    assert "sitting_hours" not in answers and "sitting_hours" not in ids
    assert answers["symptoms"]["hip_pain"] == 3 and "operations" in ids
    result = run(VALID[len(RED_NO):], "--resume", str(out) + ".partial")
    assert result.exit_code == 0, result.output
    assert "How bad is your hip pain" not in asked(result)
    assert saved(out) == EXPECTED


def test_back_inside_an_injury_goes_one_item_back_then_to_the_gate_question(tmp_path):
    out = tmp_path / "a.yaml"
    answers = (
        RED_NO + DAY + SPORT
        + ["<", ""]                        # at "any past injury?": back to the sport question
        + ["y", "knee", "left", "<", "<", "<"]   # side, site, then "any past injury?" [y]
        + ["", "hip", "", "8", "n"]         # yes; hip (not knee); side [left]; 8; no operation
        + ["<", "<", "12", ""]              # at "another?": back into it: operation [n], months
        + ["n"]                             # no other injury
        + ["<", ""]                         # at "stiff?": back to "another injury?" [n]
        + FEEL + HEALTH
    )
    result = run(answers, "--save", str(out))
    assert result.exit_code == 0, result.output
    err = result.stderr
    assert "choose 1-5 [left]:" in err          # side remembered
    assert "choose 1-6 [knee]:" in err          # site remembered
    assert "number 0 to 1200 [8]:" in err                 # months of the reopened injury
    assert "You have told me about 1 injury(ies) so far." in err
    # asked, asked again after the sport question, asked again from the site question
    assert asked(result).count("Any past injury") == 3
    assert saved(out) == {**EXPECTED, "injuries": [
        {"site": "hip", "side": "left", "months_ago": 12, "surgery": False}]}


def test_a_reopened_injury_is_not_in_the_partial_file(tmp_path):
    out = tmp_path / "a.yaml"
    head = RED_NO + DAY + SPORT + ["y", "knee", "left", "8", "n", "<"]   # at "another?"
    assert run(head, "--save", str(out)).exit_code == 1
    answers, ids = partial_of(out)
    assert "injuries" not in answers and "past_injuries" not in ids
    result = run(INJURY + FEEL + HEALTH, "--resume", str(out) + ".partial")
    assert result.exit_code == 0, result.output
    assert saved(out) == EXPECTED


def test_back_through_operations_in_the_warning_signs(tmp_path):
    out = tmp_path / "a.yaml"
    ops = ["y", "knee", "", "", "right", "<", "left", "30", "n"]  # side right -> back -> left
    answers = RED_NO[:-1] + ops + ["<", "<", "36", "n"] + VALID[len(RED_NO):]
    result = run(answers, "--save", str(out))
    assert result.exit_code == 0, result.output
    assert saved(out)["surgeries"] == [{"site": "knee", "kind": "unknown",
                                        "approach": "unknown", "side": "left",
                                        "months_ago": 36}]


def test_going_back_to_undo_a_warning_sign_removes_the_red_flag(tmp_path):
    out = tmp_path / "a.yaml"
    # "y" to "pain after a fall" by mistake: the red-flag message comes after the
    # warning signs; at the sitting question go back 14 questions to the fall
    # question (past its "how long ago?"), answer n, and Enter through the answers
    # already given
    mistaken = RED_NO[:3] + ["y", "1"] + RED_NO[4:]
    answers = mistaken + ["<"] * 15 + ["n"] + [""] * 13 + VALID[len(RED_NO):]
    result = run(answers, "--save", str(out), "--format", "json")
    assert result.exit_code == 0, result.output
    err = flat(result.stderr)
    assert err.index(FLAG) < err.index(NO_MORE_FLAG)          # said, then taken back
    assert "Do your hips often feel stiff?" in err            # exercise questions asked
    assert saved(out) == EXPECTED
    assert json.loads(result.stdout)[0]["status"] == "ok"


def test_going_back_to_answer_yes_to_a_warning_sign_flags_it(tmp_path):
    out = tmp_path / "a.yaml"
    answers = RED_NO + ["<", "<", "y"] + ["n", "7"]   # cancer: no -> yes (and hip pain 3)
    result = run(answers, "--save", str(out), "--format", "json")
    assert result.exit_code == 0, result.output
    assert FLAG in flat(result.stderr)
    assert "Do your hips often feel stiff?" not in flat(result.stderr)
    assert json.loads(result.stdout)[0]["status"] == "refer"
    assert saved(out)["symptoms"]["history_of_cancer"] is True


def test_help_mentions_going_back(tmp_path):
    result = run(["?", *VALID])
    assert result.exit_code == 0, result.output
    assert "Type < to go back to the previous question." in flat(result.stderr)
    assert "< to go back one question" in flat(result.stderr.split("Warning signs")[0])
    help_text = CliRunner().invoke(main, ["ask", "--help"]).output
    assert "< to go back one question" in flat(help_text)


# ---------------------------------------------------------------- the review


def test_the_review_lists_every_answer_and_enter_saves(tmp_path):
    out = tmp_path / "a.yaml"
    result = run(VALID + [""], "--save", str(out))
    assert result.exit_code == 0, result.output
    listing = flat(review(result))
    for line in ["1. How old are you (in whole years)? 38", "Any past injury",
                 "knee, left, 8 months ago, surgery: no", "pelvis tips forward (arched lower back)",
                 "Are you pregnant, or have you given birth in the last... not sure / not answered",
                 "Enter to save, or the number of an answer to change it"]:
        assert line in listing, line
    assert saved(out) == EXPECTED


def test_the_review_changes_one_answer_then_shows_the_list_again(tmp_path):
    out = tmp_path / "a.yaml"
    number = row(run(VALID), "How bad is your hip pain")
    result = run(VALID + [number, "6", ""], "--save", str(out))
    assert result.exit_code == 0, result.output
    assert result.stderr.count("-- Your answers --") == 2
    assert "whole number 0 to 10 [3]:" in result.stderr
    assert saved(out) == {**EXPECTED, "symptoms": {**EXPECTED["symptoms"], "hip_pain": 6}}
    assert CliRunner().invoke(main, ["score", str(out)]).stdout == result.stdout


def test_a_change_that_makes_an_ask_if_true_asks_the_new_questions(tmp_path):
    out = tmp_path / "a.yaml"
    answers = RED_NO + ["1", "1"] + SPORT + ["n"] + FEEL + HEALTH     # sits 1 h, sedentary
    first = run(answers)
    assert "desk or usual seat" not in flat(first.stderr)
    # sitting 1 -> 9 asks the desk and breaks questions (listed from then on)
    answers += [row(first, "About how many hours"), "9", "y", "n"]
    assert flat(review(run(answers))).count("desk or usual seat") == 1
    # sedentary -> moderate asks the impact days (Enter skips) and the rest days
    answers += [row(run(answers), "How active are you"), "moderate", "", "2", ""]
    result = run(answers, "--save", str(out))
    assert result.exit_code == 0, result.output
    data = saved(out)
    assert data["sitting_hours"] == 9 and data["ergonomic_workstation"] is True
    assert data["standing_breaks_hourly"] is False
    assert data["activity_level"] == "moderate" and data["rest_days_per_week"] == 2
    assert result.stderr.count("-- Your answers --") == 3


def test_a_change_that_makes_an_ask_if_false_drops_its_answers(tmp_path):
    out = tmp_path / "a.yaml"
    number = row(run(VALID), "About how many hours")
    result = run(VALID + [number, "2", ""], "--save", str(out))       # 9 h -> 2 h
    assert result.exit_code == 0, result.output
    assert "No longer asked, so its answer is removed" in flat(result.stderr)
    assert "desk or usual seat" not in flat(review(result))
    expected = {k: v for k, v in EXPECTED.items()
                if k not in ("ergonomic_workstation", "standing_breaks_hourly")}
    assert saved(out) == {**expected, "sitting_hours": 2}


def test_changing_a_warning_sign_in_the_review_flags_or_unflags_it(tmp_path):
    out = tmp_path / "a.yaml"
    number = row(run(VALID), "Are you unable to put weight")
    result = run(VALID + [number, "y", ""], "--save", str(out), "--format", "json")
    assert result.exit_code == 0, result.output
    assert FLAG in flat(result.stderr)
    assert json.loads(result.stdout)[0]["status"] == "refer"
    # and back again: the message is taken back and the report is ok
    result = run(VALID + [number, "y", number, "n", ""], "--format", "json")
    assert result.exit_code == 0, result.output
    assert NO_MORE_FLAG in flat(result.stderr)
    assert json.loads(result.stdout)[0]["status"] == "ok"


def test_a_red_flag_undone_in_the_review_asks_the_skipped_exercise_questions(tmp_path):
    out = tmp_path / "a.yaml"
    answers = ["40", "2", "n", "y", "1", "n", "n", "none"] + ["n"] * 9 + ["n", "7"]   # a fall
    first = run(answers)
    assert FLAG in flat(first.stderr) and "feel stiff" not in flat(first.stderr)
    fall = row(first, "Did the pain start after a fall")
    rest = ["", "n", "2"] + SPORT + ["n"] + ["", "n", "", "n", "1"] + ["", "n", "n"]
    result = run(answers + [fall, "n"] + rest + [""], "--save", str(out), "--format", "json")
    assert result.exit_code == 0, result.output
    assert NO_MORE_FLAG in flat(result.stderr)
    assert "Do your hips often feel stiff?" in flat(result.stderr)
    assert json.loads(result.stdout)[0]["status"] == "ok"
    data = saved(out)
    assert data["symptoms"]["pain_after_fall"] is False and data["activity_level"] == "light"


def test_an_injury_group_is_changed_from_the_review(tmp_path):
    out = tmp_path / "a.yaml"
    number = row(run(VALID), "Any past injury")
    # Enter keeps "yes" and each answer of the knee injury but the months; then "another?"
    result = run(VALID + [number, "", "", "", "20", "", "n", ""], "--save", str(out))
    assert result.exit_code == 0, result.output
    assert saved(out)["injuries"] == [{"site": "knee", "side": "left", "months_ago": 20,
                                       "surgery": False}]
    result = run(VALID + [number, "n", ""], "--save", str(tmp_path / "b.yaml"))   # none
    assert result.exit_code == 0, result.output
    assert saved(tmp_path / "b.yaml")["injuries"] == []   # a plain "no"


def test_back_at_the_question_chosen_in_the_review_leaves_it_unchanged(tmp_path):
    out = tmp_path / "a.yaml"
    number = row(run(VALID), "How bad is your hip pain")
    result = run(VALID + [number, "<", ""], "--save", str(out))
    assert result.exit_code == 0, result.output
    assert "Not changed." in result.stderr
    assert saved(out) == EXPECTED


def test_bad_review_answers_are_explained_and_asked_again(tmp_path):
    out = tmp_path / "a.yaml"
    result = run(VALID + ["99", "two", "0", "<", "?", "-1", "²", ""], "--save", str(out))
    assert result.exit_code == 0, result.output
    err = flat(result.stderr)
    assert "'99' is not on the list: type a number from 1 to 32" in err
    assert "'two' is not on the list" in err and "'²' is not on the list" in err
    assert "To change an answer, type its number; Enter saves." in err
    assert "Press Enter to save these answers" in err
    assert "Traceback" not in result.output
    assert saved(out) == EXPECTED


def test_input_that_ends_during_a_change_keeps_a_partial_that_resumes_there(tmp_path):
    out = tmp_path / "a.yaml"
    number = row(run(VALID), "How bad is your hip pain")
    first = run(VALID + [number], "--save", str(out))     # ends at the question changed
    assert first.exit_code == 1 and not out.exists()
    answers, ids = partial_of(out)
    assert "hip_pain" not in answers["symptoms"] and "symptoms.hip_pain" not in ids
    second = run(["6"], "--resume", str(out) + ".partial")
    assert second.exit_code == 0, second.output
    assert asked(second).count("whole number") == 1          # only the hip pain question
    assert saved(out) == {**EXPECTED, "symptoms": {**EXPECTED["symptoms"], "hip_pain": 6}}


def test_ctrl_c_at_the_review_keeps_every_answer_and_resume_shows_the_review(tmp_path):
    out = tmp_path / "a.yaml"
    stdin = io.BufferedReader(_CtrlCAfter("".join(a + "\n" for a in VALID).encode()))
    result = run([], "--save", str(out), stdin=stdin)
    assert result.exit_code == 130
    answers, ids = partial_of(out)
    assert answers == EXPECTED and len(ids) == 32
    result = run([], "--resume", str(out) + ".partial")       # straight to the review
    assert result.exit_code == 0, result.output
    assert "32 question(s) already answered" in flat(result.stderr)
    assert "y/n" not in asked(result) and "-- Your answers --" in result.stderr
    assert saved(out) == EXPECTED
