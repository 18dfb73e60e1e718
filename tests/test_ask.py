"""`hipguide ask` driven end to end through click's CliRunner: answers are piped
in one per line, exactly as a script (or a person at a terminal) would type them."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from hipguide.cli import main
from hipguide.kb.knowledge import default_root

DISCLAIMER_START = "Disclaimer: This report offers general information only"

# The answers of a desk worker with no warning signs, section by section.
# age, hip pain, limited rotation; fall, weight, numbness; conditions; weakness, saddle,
# bladder, low back pain, fever, hot joint, night pain, weight loss, cancer; any operation
RED_NO = ["38", "3", "y"] + ["n"] * 3 + ["none"] + ["n"] * 9 + ["n"]
DAY = ["9", "n", "n", "2"]             # sitting h, desk set up, hourly breaks, light
SPORT = ["", "", ""]                   # pivoting sport, returning, repetitive: Enter = no
INJURY = ["y", "knee", "left", "8", "n", "n"]   # one old knee injury, then "another?" no
FEEL = ["", "y", "", "n", "1"]   # groin (Enter: skip), stiff, which side (skip), balance, posture
HEALTH = ["", "n"]                     # pregnancy: Enter skips; no long-term steroids
VALID = RED_NO + DAY + SPORT + INJURY + FEEL + HEALTH
EXPECTED = {
    "age": 38, "sitting_hours": 9, "activity_level": "light",
    "ergonomic_workstation": False, "standing_breaks_hourly": False,
    "rotational_sport": False, "returning_to_sport": False, "repetitive_strain": False,
    "long_term_steroids": False, "posture": ["anterior_pelvic_tilt"],
    "injuries": [{"site": "knee", "side": "left", "months_ago": 8, "surgery": False}],
    "symptoms": {"hip_pain": 3, "stiffness": True, "limited_rotation": True,
                 "balance_problems": False, "numbness_or_tingling": False,
                 "new_leg_weakness": False,
                 "night_pain": False, "pain_after_fall": False, "cannot_bear_weight": False,
                 "fever_or_unwell": False, "hot_swollen_joint": False,
                 "unexplained_weight_loss": False, "history_of_cancer": False,
                 "bowel_or_bladder_change": False, "saddle_numbness": False,
                 "back_pain": False},
    "conditions": [], "surgeries": [],
}


def run(answers, *args, stdin=None):
    text = "".join(a + "\n" for a in answers)
    return CliRunner().invoke(main, ["ask", *args], input=stdin or text)


def flat(text: str) -> str:
    """Text with its line wrapping undone."""
    return " ".join(text.split())


def asked(result) -> str:
    """What was asked: standard error up to the review of the answers (which lists
    every answer, resumed ones too), with its line wrapping undone."""
    return flat(result.stderr.split("-- Your answers --")[0])


def saved(path) -> dict:
    return yaml.safe_load(Path(path).read_text())


def test_valid_session_shows_intro_then_report_with_disclaimer(tmp_path):
    out = tmp_path / "me.yaml"
    result = run(VALID, "--save", str(out))
    assert result.exit_code == 0, result.output
    # one short paragraph before the first question says what it is and what it is not
    intro = flat(result.stderr.split("-- Warning signs --")[0])
    assert "does not replace an examination by a doctor or physiotherapist" in intro
    assert "How bad is your hip pain" not in intro
    # the report is on stdout and ends with the disclaimer
    assert result.stdout.startswith(f"== me ({out}) ==")
    assert "Status: ok" in result.stdout
    assert DISCLAIMER_START in result.stdout.splitlines()[-4]
    assert "prolonged" in result.stdout.lower() or "sitting" in result.stdout.lower()
    assert saved(out) == EXPECTED
    assert not Path(str(out) + ".partial").exists()


def test_saved_answers_score_unchanged_to_the_same_report(tmp_path):
    out = tmp_path / "answers.yaml"
    asked = run(VALID, "--save", str(out))
    scored = CliRunner().invoke(main, ["score", str(out)])
    assert scored.exit_code == 0, scored.output
    assert scored.stdout == asked.stdout
    for fmt in ("json", "yaml"):
        asked = run(VALID, "--save", str(out), "--format", fmt)
        scored = CliRunner().invoke(main, ["score", str(out), "--format", fmt])
        assert asked.exit_code == scored.exit_code == 0
        assert asked.stdout == scored.stdout
    report = json.loads(run(VALID, "--format", "json").stdout)[0]
    assert report["status"] == "ok" and report["disclaimer"].startswith("This report")


@pytest.mark.parametrize(("bad", "message"), [
    ("lots", "could not read 'lots' as a number"),
    ("3 weeks", "this question needs the answer as a plain number, not in weeks"),
    ("11", "11 is out of range; expected a whole number from 0 to 10"),
    ("3.5", "expected a whole number from 0 to 10, got 3.5"),
    (".nan", "expected a whole number from 0 to 10, got nan"),
    ("-1", "-1 is out of range"),
    ("", "An answer is needed here"),
])
def test_bad_number_is_explained_and_asked_again(bad, message):
    result = run([VALID[0], bad, *VALID[1:]])
    assert result.exit_code == 0, result.output
    assert message in flat(result.stderr)
    assert asked(result).count("How bad is your hip pain") == 1
    assert result.stderr.count("whole number 0 to 10:") == 2   # the prompt, again
    assert "Traceback" not in result.output


def test_every_kind_of_bad_answer_is_re_asked_never_a_zero(tmp_path):
    out = tmp_path / "a.yaml"
    answers = (
        ["1.5", "38"]                                # whole years only
        + ["?", "3"]                                 # help line, then the answer
        + ["sometimes", "n"] + ["n"] * 3 + ["2"]     # yes/no/not sure only; a diagnosis
        + ["n"] * 10                                 # the other warning signs, operations
        + ["25", ".inf", "9,5"]                      # out of range, inf, decimal comma
        + ["", "yes"]                                # Enter skips an optional question
        + ["7", "sedentry", "Moderate"]              # not on the list; did-you-mean; name
        + ["", "", ""]
        + ["", "3"]                                  # impact days (Enter), rest days (moderate)
        + ["y", "elbow", "lower back", "x", "", "-2", "8", "n", "n"]
        + ["", "", "", "", "1,,4", "1, knee_valgus, 1"]
        + HEALTH
    )
    result = run(answers, "--save", str(out))
    assert result.exit_code == 0, result.output
    err = flat(result.stderr)
    for message in [
        "A whole number. 0 = no pain at all",                         # '?' help
        "please answer y (yes), n (no) or 'not sure', not 'sometimes'",
        "Understood: 9.5 hours.",
        "25 is out of range; expected a number from 0 to 24",
        "expected a number from 0 to 24, got inf",
        "7 is not on the list; choose 1 to 6",
        "'sedentry' is not on the list (did you mean 'mostly sitting, little or no exercise'?)",
        "expected a whole number from 1 to 110, got 1.5",
        "'elbow' is not on the list",
        "-2 is out of range",
        "separate the numbers with single commas",
    ]:
        assert message in err, message
    assert "Traceback" not in result.output
    data = saved(out)
    assert data["sitting_hours"] == 9.5
    assert "ergonomic_workstation" not in data           # skipped: unknown, not "no"
    assert data["standing_breaks_hourly"] is True
    assert data["activity_level"] == "moderate" and data["age"] == 38
    assert data["rest_days_per_week"] == 3
    assert data["injuries"] == [{"site": "lower_back", "months_ago": 8, "surgery": False}]
    assert data["posture"] == ["anterior_pelvic_tilt", "knee_valgus"]
    assert data["conditions"] == ["nerve_compression"]


def test_conditional_questions_are_skipped_when_their_condition_is_false():
    answers = RED_NO + ["1", "1"] + SPORT + ["n"] + FEEL + HEALTH   # sits 1 h, sedentary
    result = run(answers)
    assert result.exit_code == 0, result.output
    assert "desk or usual seat" not in flat(result.stderr)          # ask_if: sitting_hours >= 3
    assert "rest days" not in flat(result.stderr)                  # ask_if: moderate or active
    assert "Did it need an operation?" not in flat(result.stderr)   # no injury was named


def test_red_flag_says_see_a_clinician_skips_exercise_questions_and_still_reports(tmp_path):
    out = tmp_path / "flag.yaml"
    # a fall ("y"; a month ago) and cannot bear weight
    answers = ["40", "2", "n", "y", "1", "y", "n", "none"] + ["n"] * 9 + ["n", "7"]
    result = run(answers, "--save", str(out))
    assert result.exit_code == 0, result.output
    assert "see a doctor or physiotherapist before you start any hip exercises" in \
        " ".join(result.stderr.split())
    assert "Do your hips often feel stiff?" not in flat(result.stderr)
    assert "How active are you" not in flat(result.stderr)
    assert "SEE A CLINICIAN (EMERGENCY)" in result.stdout
    assert DISCLAIMER_START in result.stdout
    assert saved(out)["sitting_hours"] == 7
    assert CliRunner().invoke(main, ["score", str(out)]).stdout == result.stdout


def test_severe_pain_and_recent_operation_are_red_flags():
    result = run(["40", "8", "n"] + ["n"] * 3 + ["none"] + ["n"] * 10 + ["5"], "--format",
                 "json")
    assert json.loads(result.stdout)[0]["status"] == "refer"
    answers = (["40", "1", "n"] + ["n"] * 3 + ["none"] + ["n"] * 9
               + ["y", "hip", "", "", "right", "0.5", "n", "6"])
    result = run(answers, "--format", "json")
    report = json.loads(result.stdout)[0]
    assert report["status"] == "refer"
    assert [f["id"] for f in report["red_flags"]] == ["recent_surgery"]


# the yes/no warning signs after age and hip pain, in order, and whether a yes alone
# (with no pain, at 40) is a red flag: limited rotation is not for an adult, and past
# cancer without hip pain is not either
SIGNS = [("limited rotation", False), ("fall", True), ("weight", True), ("numbness", True),
         # fever with no hip pain, limp or stiffness is not a hip referral (issue 19)
         ("weakness", True), ("saddle", True), ("bladder", True), ("back pain", False),
         ("fever", False),
         ("hot joint", True), ("night pain", True), ("weight loss", True), ("cancer", False)]


@pytest.mark.parametrize("which", range(len(SIGNS)))
def test_each_warning_sign_question_leads_to_refer_when_it_is_one(which):
    signs = ["n"] * len(SIGNS)
    signs[which] = "y"
    answers = ["40", "0"] + signs[:4] + ["none"] + signs[4:]
    if SIGNS[which][0] == "fall":
        answers.insert(answers.index("y") + 1, "1")         # then: how long ago? a month
    result = run(answers + ["n", "5"] + [""] * 20, "--format", "json")
    assert result.exit_code == 0, result.output
    refer = json.loads(result.stdout)[0]["status"] == "refer"
    assert refer == SIGNS[which][1], SIGNS[which]
    assert ("before you start any hip exercises" in flat(result.stderr)) == SIGNS[which][1]


def test_end_of_input_keeps_a_marked_partial_file_and_resume_finishes(tmp_path):
    out = tmp_path / "answers.yaml"
    partial = Path(str(out) + ".partial")
    cut = len(RED_NO) + len(DAY) + 2            # stop inside "Sport and training"
    first = run(VALID[:cut], "--save", str(out))
    assert first.exit_code == 1
    assert f"hipguide ask --resume {partial}" in flat(first.stderr)
    assert not out.exists()
    text = partial.read_text()
    assert text.splitlines()[0] == \
        f"# hipguide PARTIAL answers - resume with: hipguide ask --resume {partial}"
    assert yaml.safe_load(text)["sitting_hours"] == 9
    assert yaml.safe_load(text)["rotational_sport"] is False

    second = run(VALID[cut:], "--resume", str(partial))
    assert second.exit_code == 0, second.output
    assert "How bad is your hip pain" not in asked(second)           # not asked again
    assert saved(out) == EXPECTED                                  # nothing typed was lost
    assert not partial.exists()
    assert second.stdout == CliRunner().invoke(main, ["score", str(out)]).stdout


def test_interrupt_inside_an_injury_keeps_the_finished_injuries(tmp_path):
    out = tmp_path / "a.yaml"
    partial = Path(str(out) + ".partial")
    head = RED_NO + DAY + SPORT + ["y", "knee", "left", "8", "n", "y", "hip"]
    assert run(head, "--save", str(out)).exit_code == 1
    assert yaml.safe_load(partial.read_text())["injuries"] == EXPECTED["injuries"]
    result = run(["n"] + FEEL + HEALTH, "--resume", str(partial))
    assert result.exit_code == 0, result.output
    assert "You have told me about 1 injury(ies) so far." in flat(result.stderr)
    assert saved(out) == EXPECTED


class _CtrlCAfter(io.RawIOBase):
    """Standard input that gives its lines, then the person presses Ctrl-C."""

    def __init__(self, data: bytes):
        self.data = data

    def readable(self):
        return True

    def readinto(self, buffer):
        if not self.data:
            raise KeyboardInterrupt
        n = min(len(buffer), len(self.data))
        buffer[:n], self.data = self.data[:n], self.data[n:]
        return n


def test_ctrl_c_exits_130_and_keeps_answers_so_far(tmp_path):
    out = tmp_path / "a.yaml"
    stdin = io.BufferedReader(_CtrlCAfter(b"38\n4\n"))
    result = run([], "--save", str(out), stdin=stdin)
    assert result.exit_code == 130
    assert "stopped" in flat(result.stderr) and "--resume" in flat(result.stderr)
    data = yaml.safe_load(Path(str(out) + ".partial").read_text())
    assert data == {"age": 38, "symptoms": {"hip_pain": 4}}
    result = run(VALID[2:], "--resume", str(out) + ".partial")
    assert result.exit_code == 0
    assert saved(out) == {**EXPECTED, "symptoms": {**EXPECTED["symptoms"], "hip_pain": 4}}


def test_resume_with_another_save_file_removes_the_old_partial(tmp_path):
    partial = tmp_path / "a.yaml.partial"
    assert run(VALID[:5], "--save", str(tmp_path / "a.yaml")).exit_code == 1
    result = run(VALID[5:], "--resume", str(partial), "--save", str(tmp_path / "b.yaml"))
    assert result.exit_code == 0, result.output
    assert saved(tmp_path / "b.yaml") == EXPECTED
    assert not partial.exists() and not (tmp_path / "b.yaml.partial").exists()


def test_interrupt_without_save_says_nothing_was_saved():
    result = run(["3", "n"])
    assert result.exit_code == 1
    assert "nothing was saved" in flat(result.stderr)


def test_resume_from_any_intake_file_asks_only_what_is_missing(tmp_path):
    intake = tmp_path / "given.yaml"
    intake.write_text("sitting_hours: 10\nsymptoms: {hip_pain: 2}\n")
    answers = ["38", "n"] + ["n"] * 3 + ["none"] + ["n"] * 10 + ["", "", ""] + SPORT + ["n"]
    result = run(answers + FEEL + HEALTH, "--resume", str(intake), "--format", "json")
    assert result.exit_code == 0, result.output
    assert "How bad is your hip pain" not in asked(result)
    assert "hours a day do you spend sitting" not in asked(result)
    assert json.loads(result.stdout)[0]["status"] == "ok"


def test_resume_from_an_invalid_file_is_a_usage_error(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("siting_hours: 10\n")
    result = run([], "--resume", str(bad))
    assert result.exit_code == 2
    assert "did you mean 'sitting_hours'?" in flat(result.stderr)


def test_save_into_a_missing_folder_is_a_usage_error_before_any_question(tmp_path):
    result = run(VALID, "--save", str(tmp_path / "nope" / "a.yaml"))
    assert result.exit_code == 2
    assert "How bad" not in result.output


def test_help_describes_every_option():
    result = CliRunner().invoke(main, ["ask", "--help"])
    assert result.exit_code == 0
    for option in ("--format", "--save", "--resume", "--kb"):
        line = next(x for x in result.output.splitlines() if x.strip().startswith(option))
        assert len(line.split()) > 2, line


def _kb_copy(tmp_path) -> Path:
    root = tmp_path / "kb"
    for part in ("rules", "knowledge"):
        shutil.copytree(default_root() / part, root / part)
    return root


@pytest.mark.parametrize(("old", "new", "message"), [
    ("field: sitting_hours", "field: siting_hours", "'siting_hours' is not an intake field"),
    ("range: [0, 24]", "range: [0, 30]", "outside the contract's range for sitting_hours"),
    ("ask_if: sitting_hours >= 3", "ask_if: rest_days_per_week >= 3",
     "uses rest_days_per_week, which no earlier question asks"),
    ("      - field: symptoms.night_pain\n", "      - field: symptoms.night_pain\n"
     "        default: maybe\n", "default: expected true or false"),
    ("  knee_valgus: knees", "  knock_knees: knees", "'knock_knees' must be one of"),
    ("field: age\n        type: number", "field: age\n        type: yes_no",
     "so its question type is 'number', not 'yes_no'"),
    ("field: symptoms.stiffness", "field: symptoms", "cannot be asked as one question"),
    ("            text: Did it need an operation?\n",
     "            text: Did it need an operation?\n            ask_if: injury.months_ago < 6\n",
     "unknown key 'ask_if'"),
])
def test_a_broken_questionnaire_is_a_knowledge_base_problem(tmp_path, old, new, message):
    root = _kb_copy(tmp_path)
    path = root / "knowledge" / "questionnaire.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    result = run(VALID, "--kb", str(root))
    assert result.exit_code == 3
    assert message in flat(result.stderr)
    assert "questionnaire.yaml:" in flat(result.stderr)
    assert "How bad" not in result.output


def test_every_red_flag_rule_field_must_be_asked_first(tmp_path):
    root = _kb_copy(tmp_path)
    path = root / "knowledge" / "questionnaire.yaml"
    text = path.read_text()
    start = text.index("      - field: symptoms.history_of_cancer")
    end = text.index("      - id: operations")
    path.write_text(text[:start] + text[end:])
    result = run(VALID, "--kb", str(root))
    assert result.exit_code == 3
    assert "red-flag rule RF-CANCER-01 tests symptoms.history_of_cancer" in flat(result.stderr)


def test_an_unfinished_session_is_never_overwritten_by_a_new_one(tmp_path):
    out = tmp_path / "a.yaml"
    assert run(VALID[:4], "--save", str(out)).exit_code == 1
    before = Path(str(out) + ".partial").read_text()
    result = run(VALID, "--save", str(out))
    assert result.exit_code == 2
    assert f"hipguide ask --resume {out}.partial" in flat(result.stderr)
    assert "How bad" not in result.stderr
    assert Path(str(out) + ".partial").read_text() == before


def test_a_negative_choice_number_is_explained_as_typed():
    answers = RED_NO + ["9", "n", "n", "-1", "2"] + SPORT + ["n"] + FEEL + HEALTH
    result = run(answers)
    assert result.exit_code == 0, result.output
    assert "'-1' is not on the list" in flat(result.stderr)


def test_handout_option_writes_the_printable_handout_for_the_answers(tmp_path):
    # the office worker's intake, finished in the dialogue: conditions (Enter: none),
    # no operation, then Enter for what is left (skip)
    begun, out, page = tmp_path / "begun.yaml", tmp_path / "me.yaml", tmp_path / "me.html"
    shutil.copy(Path(__file__).parents[1] / "examples" / "intakes" / "office_worker.yaml",
                begun)
    result = run(["none", "n", "n"] + [""] * 12, "--resume", str(begun), "--save", str(out),
                 "--handout", str(page))
    assert result.exit_code == 0, result.output
    html = page.read_text()
    assert html.startswith("<!DOCTYPE html>") and 'data-status="ok"' in html
    assert "Your hip exercise plan: " in html and "<script" not in html
    assert 'src="data:image/svg+xml;base64,' in html and "schedule-table" in html
    assert f"Handout written to {page}" in flat(result.stderr)
    assert not list(tmp_path.glob(".me.html.*"))   # written atomically: no temporary left
    # the same handout `score --format html` gives for the saved answers
    scored = CliRunner().invoke(main, ["score", str(out), "--format", "html", "-q"])
    assert scored.stdout == html


@pytest.mark.parametrize("where", ["nope/me.html", "-", "."])
def test_handout_that_cannot_be_written_is_a_usage_error_before_any_question(tmp_path, where):
    result = run(VALID, "--handout", where if where == "-" else str(tmp_path / where))
    assert result.exit_code == 2, result.output
    assert "--handout" in result.output and "How bad" not in result.output
