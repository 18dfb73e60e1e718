"""The installed `hipguide` console script in a real pseudo-terminal, answered the
way a person would: reading each question, typing, sometimes getting it wrong."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

pexpect = pytest.importorskip("pexpect")

SCRIPT = Path(sys.executable).parent / "hipguide"
WARNING_SIGNS = [  # after age and hip pain; (question, answer meaning "no")
    ("turn your leg inwards", "n"), ("after a fall", "n"), ("unable to put weight", "n"),
    ("numbness, tingling", "n"), ("Has a doctor told you", "none"), ("newly weak", "n"),
    ("saddle", "n"), ("bladder", "n"), ("low back pain", "n"), ("fever", "n"),
    ("hot, red or swollen", "n"),
    ("at night or at rest", "n"), ("lost weight", "n"), ("ever had cancer", "n"),
    ("operation on your hip", "n"),
]


def spawn(*args, cwd):
    if not SCRIPT.exists():
        pytest.skip(f"console script not installed at {SCRIPT}")
    env = {k: v for k, v in os.environ.items() if k != "HIPGUIDE_KB"}
    env["PYTHONUNBUFFERED"] = "1"
    return pexpect.spawn(str(SCRIPT), ["ask", *args], cwd=str(cwd), env=env,
                         encoding="utf-8", timeout=30, dimensions=(50, 100))


def words(text: str) -> str:
    """A pattern for text however the terminal output wraps it."""
    return r"\s+".join(re.escape(w) for w in text.split())


def see(child, text: str):
    child.expect(words(text))


def answer(child, question: str, text: str):
    see(child, question)
    child.expect(r": $")
    child.sendline(text)


def test_a_person_answers_in_a_terminal(tmp_path):
    child = spawn("--save", "me.yaml", cwd=tmp_path)
    see(child, "does not replace")
    answer(child, "How old are you", "44")
    see(child, "How bad is your hip pain today")
    child.expect(r": $")
    child.sendline("?")                                   # what does the scale mean?
    see(child, "0 = no pain at all")
    child.expect(r": $")
    child.sendline("lots")                                # words, but no number
    see(child, "could not read 'lots' as a number")
    child.expect(r": $")
    child.sendline("3")
    for sign, no in WARNING_SIGNS:
        answer(child, sign, no)
    answer(child, "hours a day do you spend sitting", "8.5")
    answer(child, "desk or usual seat set up well", "n")
    answer(child, "stand up and move at least once an hour", "")   # Enter: skip
    answer(child, "How active are you", "1")
    answer(child, "pivoting, kicking", "")                          # Enter: default no
    answer(child, "coming back to sport", "")
    answer(child, "repeat the same movement", "")
    answer(child, "Any past injury", "y")
    answer(child, "Where was the injury?", "ankel")                 # a typo
    see(child, "did you mean 'ankle'?")
    child.expect(r": $")
    child.sendline("ankle")
    answer(child, "Which side?", "right")
    answer(child, "How many months ago did it happen?", "30")
    answer(child, "Did it need an operation?", "n")
    answer(child, "Any other injury", "n")
    answer(child, "pain in the groin", "")
    answer(child, "feel stiff", "y")
    answer(child, "Which hip hurts or feels stiffer?", "right")
    answer(child, "keeping your balance", "n")
    answer(child, "posture", "1")
    answer(child, "pregnant", "")
    answer(child, "osteoporosis", "n")
    answer(child, "steroid tablets", "n")
    see(child, "-- Your answers --")
    answer(child, "Enter to save, or the number of an answer to change it", "")
    see(child, "Answers saved in me.yaml")
    see(child, "Status: ok")
    see(child, "Disclaimer: This report offers general information only")
    answer(child, "Write your printable handout", "n")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    data = yaml.safe_load((tmp_path / "me.yaml").read_text())
    assert data["sitting_hours"] == 8.5 and data["activity_level"] == "sedentary"
    assert data["injuries"] == [{"site": "ankle", "side": "right", "months_ago": 30,
                                 "surgery": False}]
    assert "standing_breaks_hourly" not in data
    assert data["symptoms"]["pain_side"] == "right"


def test_ctrl_c_in_a_terminal_keeps_the_answers_and_resume_continues(tmp_path):
    child = spawn("--save", "me.yaml", cwd=tmp_path)
    answer(child, "How old are you", "44")
    answer(child, "How bad is your hip pain today", "2")
    answer(child, *WARNING_SIGNS[0])
    answer(child, *WARNING_SIGNS[1])
    see(child, WARNING_SIGNS[2][0])
    child.expect(r": $")
    child.sendintr()                                      # the person presses Ctrl-C
    see(child, "hipguide ask --resume me.yaml.partial")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    partial = (tmp_path / "me.yaml.partial").read_text()
    assert partial.startswith("# hipguide PARTIAL answers")

    child = spawn("--resume", "me.yaml.partial", cwd=tmp_path)
    see(child, "4 question(s) already answered")
    answer(child, WARNING_SIGNS[2][0], "y")               # cannot bear weight: red flag
    for sign, no in WARNING_SIGNS[3:]:
        answer(child, sign, no)
    see(child, "see a doctor or physiotherapist")
    answer(child, "hours a day do you spend sitting", "4")
    answer(child, "Enter to save, or the number of an answer to change it", "")
    see(child, "SEE A CLINICIAN")
    see(child, "Disclaimer:")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    data = yaml.safe_load((tmp_path / "me.yaml").read_text())
    assert data["symptoms"]["hip_pain"] == 2
    assert data["symptoms"]["cannot_bear_weight"] is True
    assert not (tmp_path / "me.yaml.partial").exists()


def review_number(child, question: str) -> str:
    """Wait for the review and its prompt; the number it gives question's answer."""
    see(child, "-- Your answers --")
    child.expect(words("Enter to save, or the number of an answer to change it") + r": $")
    match = re.search(r"(\d+)\.\s+" + words(question), child.before)
    assert match, child.before
    return match.group(1)


def test_a_person_goes_back_then_changes_an_answer_in_the_review(tmp_path):
    child = spawn("--save", "me.yaml", cwd=tmp_path)
    see(child, "< to go back one question")
    answer(child, "How old are you", "52")
    answer(child, "How bad is your hip pain today", "7")     # meant 4
    answer(child, WARNING_SIGNS[0][0], "<")                  # back: 7 is shown as the default
    see(child, "How bad is your hip pain today")
    child.expect(r"\[7\]: $")
    child.sendline("4")
    answer(child, WARNING_SIGNS[0][0], "n")
    answer(child, WARNING_SIGNS[1][0], "y")                  # a fall: pressed y by mistake
    answer(child, "How many months ago was that fall", "back")   # its follow-up: go back
    see(child, WARNING_SIGNS[1][0])
    child.expect(r"\[y\]: $")
    child.sendline("n")
    for sign, no in WARNING_SIGNS[2:]:
        answer(child, sign, no)
    answer(child, "hours a day do you spend sitting", "10")
    answer(child, "desk or usual seat set up well", "y")
    answer(child, "stand up and move at least once an hour", "n")
    answer(child, "How active are you", "light")
    for question in ("pivoting, kicking", "coming back to sport", "repeat the same movement",
                     "Any past injury", "pain in the groin", "feel stiff", "Which hip hurts",
                     "keeping your balance",
                     "posture", "pregnant", "osteoporosis", "steroid tablets"):
        answer(child, question, "")
    # the review: sitting was 6 hours, not 10; and a hip replacement was forgotten
    child.sendline(review_number(child, "About how many hours"))
    see(child, "hours a day do you spend sitting")
    child.expect(r"\[10\]: $")
    child.sendline("6")
    child.sendline(review_number(child, "Have you ever had an operation"))
    answer(child, "operation on your hip", "y")
    answer(child, "Where was the operation?", "hip")
    answer(child, "What kind of operation", "replacement")
    answer(child, "was the cut at the back", "posterior")
    answer(child, "Which side?", "<")                        # back inside the operation
    see(child, "was the cut at the back")
    child.expect(r"\[at the back \(posterior\)\]: $")
    child.sendline("anterior")
    answer(child, "Which side?", "left")
    answer(child, "How many months ago was the operation?", "18")
    answer(child, "Any other operation", "n")
    number = review_number(child, "Have you ever had an operation")
    assert re.search(r"hip,\s+a\s+joint\s+replacement,\s+at\s+the\s+front\s+\(anterior\),"
                     r"\s+left,\s+18\s+months\s+ago",
                     child.before)
    child.sendline("")                                       # Enter: save
    see(child, "Answers saved in me.yaml")
    see(child, "Disclaimer:")
    answer(child, "Write your printable handout", "n")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0 and number
    data = yaml.safe_load((tmp_path / "me.yaml").read_text())
    assert data["age"] == 52 and data["sitting_hours"] == 6
    assert data["symptoms"]["hip_pain"] == 4 and data["symptoms"]["pain_after_fall"] is False
    assert data["surgeries"] == [{"site": "hip", "kind": "replacement",
                                  "approach": "anterior", "side": "left", "months_ago": 18}]
    assert data["ergonomic_workstation"] is True and data["activity_level"] == "light"
    assert not (tmp_path / "me.yaml.partial").exists()
    score = subprocess.run([str(SCRIPT), "score", "me.yaml", "--format", "json"],
                           cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert score.returncode == 0, score.stderr
    assert json.loads(score.stdout)[0]["status"] == "ok"


def test_end_of_input_at_the_review_in_a_terminal_keeps_the_answers_unsaved(tmp_path):
    child = spawn("--save", "me.yaml", cwd=tmp_path)
    answer(child, "How old are you", "30")
    answer(child, "How bad is your hip pain today", "0")
    for sign, no in WARNING_SIGNS:
        answer(child, sign, no)
    answer(child, "hours a day do you spend sitting", "2")
    for question in ("How active are you", "pivoting, kicking", "coming back to sport",
                     "repeat the same movement", "Any past injury", "pain in the groin",
                     "feel stiff",
                     "keeping your balance", "posture", "pregnant", "steroid tablets"):
        answer(child, question, "")
    review_number(child, "How old are you")
    child.sendeof()                                          # Ctrl-D is not "save"
    see(child, "input ended before the answers were saved")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1 and not (tmp_path / "me.yaml").exists()

    child = spawn("--resume", "me.yaml.partial", cwd=tmp_path)   # straight to the review
    child.sendline(review_number(child, "How old are you"))
    answer(child, "How old are you", "31")
    review_number(child, "How old are you")
    child.sendline("")
    see(child, "Answers saved in me.yaml")
    answer(child, "Write your printable handout", "n")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    data = yaml.safe_load((tmp_path / "me.yaml").read_text())
    assert data["age"] == 31 and data["sitting_hours"] == 2 and data["symptoms"]["hip_pain"] == 0
