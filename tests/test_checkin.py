"""``hipguide progress``: the six-week check-in, through the installed console script."""

from __future__ import annotations

import json
import re
import shutil
from html import unescape

import pytest
import yaml
from conftest import ROOT, run_hipguide

from hipguide.kb.knowledge import default_root

EXAMPLES = ROOT / "examples" / "checkin"
DISCLAIMER = "it does not replace an assessment by a clinician"
CLEAR = {k: False for k in (
    "pain_after_fall", "cannot_bear_weight", "numbness_or_tingling", "new_leg_weakness",
    "saddle_numbness", "bowel_or_bladder_change", "fever_or_unwell", "hot_swollen_joint",
    "night_pain", "unexplained_weight_loss", "history_of_cancer")}


def intake(pid="person-1", pain=5, **changes) -> dict:
    """An office worker's intake with every warning sign answered no; ``changes``
    override top-level keys, ``symptoms`` entries are merged."""
    data = {"id": pid, "age": 40, "sitting_hours": 9, "activity_level": "sedentary",
            "standing_breaks_hourly": False, "posture": ["anterior_pelvic_tilt"],
            "symptoms": {"hip_pain": pain, "stiffness": True, "limited_rotation": True,
                         "balance_problems": False, **CLEAR}}
    symptoms = changes.pop("symptoms", {})
    data.update(changes)
    data["symptoms"].update(symptoms)
    return data


def write(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def check(tmp_path, before: dict, after: dict, *args):
    """Run progress on a pair; return (exit code, the one comparison as data)."""
    b, a = write(tmp_path / "before.yaml", before), write(tmp_path / "after.yaml", after)
    result = run_hipguide("checkin", b, a, "--format", "json", *args)
    data = json.loads(result.stdout) if result.stdout else None
    return result, (data[0] if data else None)


def field(comparison: dict, name: str) -> dict:
    return next(f for f in comparison["fields"] if f["field"] == name)


# --- the verdicts -----------------------------------------------------------

def test_improved_pair_moves_on_to_the_after_plans_next_stage():
    result = run_hipguide("checkin", EXAMPLES / "before.yaml", EXAMPLES / "after.yaml")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "MOVE ON TO THE NEXT STAGE" in out
    assert "Hip pain (0-10) is better: 5/10 before, 2/10 now." in out
    assert out.rstrip().endswith("keeps getting worse, stop and seek professional advice.")
    # the next stage is the AFTER report's "add next", less what is already done
    report = json.loads(run_hipguide("score", EXAMPLES / "after.yaml", "--format",
                                     "json").stdout)[0]
    names = {r["id"]: r["name"] for r in report["recommendations"]}
    data = json.loads(run_hipguide("checkin", EXAMPLES / "before.yaml",
                                   EXAMPLES / "after.yaml", "--format", "json").stdout)[0]
    doing = {x["id"] for x in data["current_stage"]["exercises"]}
    expected = [i for i in report["plan"]["add_next"] if i not in doing]
    assert expected
    assert [x["id"] for x in data["next_stage"]["exercises"]] == expected
    assert data["next_stage"]["stage"] == "add_next"
    for xid in expected:
        assert names[xid] in data["advice"] and names[xid] in out


def test_same_early_on_keeps_going(tmp_path):
    result, c = check(tmp_path, intake(), intake(), "--weeks", "3")
    assert result.returncode == 0, result.stderr
    assert c["decision"] == "keep_going"
    assert c["title"] == "Keep going with your current stage"
    assert {f["result"] for f in c["fields"]} == {"no change"}
    assert any("too early to tell" in r for r in c["reasons"])
    assert "in about 3 weeks" in c["advice"]


def test_same_after_six_weeks_sees_a_clinician(tmp_path):
    result, c = check(tmp_path, intake(), intake())      # --weeks defaults to 6
    assert result.returncode == 0
    assert c["weeks"] == 6
    assert (c["decision"], c["urgency"]) == ("see_clinician", "soon")
    assert c["reasons"] == ["No symptom is better after 6 weeks."]


def test_a_one_point_change_is_no_change(tmp_path):
    _, c = check(tmp_path, intake(pain=5), intake(pain=4), "--weeks", "4")
    assert field(c, "symptoms.hip_pain") | {"result": "no change", "change": -1} == \
        field(c, "symptoms.hip_pain")
    assert c["decision"] == "keep_going"


def test_some_improvement_keeps_going_at_six_weeks(tmp_path):
    # stiffness gone but pain the same: better, not clearly better
    _, c = check(tmp_path, intake(), intake(symptoms={"stiffness": False}))
    assert c["decision"] == "keep_going"
    # hip pain (5/10) is the main complaint: unchanged, so better elsewhere is no "well done"
    assert c["main_complaint"] == "symptoms.hip_pain"
    assert c["reasons"] == [
        "Hip pain (0-10) was your main complaint and has not improved yet: 5/10 before, 5/10 "
        "now. Other changes are good, but the plan is judged by this one.",
        "Stiffness is better: yes before, no now."]
    # ... but at 12 weeks, still not clearly better: see a clinician
    _, c = check(tmp_path, intake(), intake(symptoms={"stiffness": False}), "-w", "12")
    assert c["decision"] == "see_clinician"
    assert c["reasons"][0] == "Still not clearly better after 12 weeks."


@pytest.mark.parametrize(("after", "reason"), [
    # 5/10 -> 7/10 with only desk-day factors: 7/10 is more than sitting can explain, so
    # the AFTER intake itself is referred (issue 19: proportionate explanation)
    (intake(pain=7), "New warning sign since the first intake: Hip pain without a clear "
                     "cause (soon)."),
    (intake(pain=3, symptoms={"balance_problems": True}),
     "Balance problems is worse: no before, yes now."),
])
def test_worse_sees_a_clinician(tmp_path, after, reason):
    result, c = check(tmp_path, intake(pain=5), after, "--weeks", "3")
    assert result.returncode == 0
    assert (c["decision"], c["urgency"]) == ("see_clinician", "soon")
    assert reason in c["reasons"]
    assert "physiotherapist" in c["advice"] and "doctor" in c["advice"]


def test_new_red_flag_wins_even_when_pain_improved(tmp_path):
    after = intake(pain=2, symptoms={"stiffness": False, "limited_rotation": False,
                                     "fever_or_unwell": True, "hot_swollen_joint": True})
    b, a = write(tmp_path / "b.yaml", intake(pain=6)), write(tmp_path / "a.yaml", after)
    result = run_hipguide("checkin", b, a, "--format", "json")
    c = json.loads(result.stdout)[0]
    assert result.returncode == 0
    assert field(c, "symptoms.hip_pain")["result"] == "improved"
    report = json.loads(run_hipguide("score", a, "--format", "json").stdout)[0]
    assert report["status"] == "refer"
    assert c["decision"] == "see_clinician"
    assert c["urgency"] == report["urgency"] == "emergency"   # possible joint infection
    assert c["advice"].startswith(report["referral"])
    assert {f["id"] for f in c["new_red_flags"]} == {f["id"] for f in report["red_flags"]}
    assert all(f["new"] and f["advice"] for f in c["new_red_flags"])
    assert c["reasons"][0].startswith("New warning sign since the first intake:")
    assert field(c, "warning_signs")["result"] == "worse"
    assert c["next_stage"] == {}
    text = run_hipguide("checkin", b, a).stdout
    assert "SEE A CLINICIAN (EMERGENCY)" in text
    assert "Keep doing" not in text and "Next stage" not in text


def test_a_warning_sign_still_there_still_refers_and_a_gone_one_is_improved(tmp_path):
    night = intake(symptoms={"night_pain": True})
    _, c = check(tmp_path, night, night)
    assert c["decision"] == "see_clinician"
    assert c["new_red_flags"] == [] and c["ongoing_red_flags"][0]["id"] == "night_pain"
    assert c["reasons"][0].startswith("Warning sign still present:")
    _, c = check(tmp_path, night, intake(pain=2), "--weeks", "6")
    assert c["resolved_red_flags"] == [{"id": "night_pain",
                                        "name": c["resolved_red_flags"][0]["name"]}]
    assert field(c, "warning_signs")["result"] == "improved"
    assert c["decision"] == "move_on"


def test_a_habit_that_slipped_keeps_going(tmp_path):
    _, c = check(tmp_path, intake(pain=6), intake(pain=1, sitting_hours=11))
    assert field(c, "sitting_hours") | {"result": "worse", "change": 2} == \
        field(c, "sitting_hours")
    assert c["decision"] == "keep_going"
    assert any(r.startswith("Sitting (hours a day) slipped: 9 h before, 11 h now.")
               for r in c["reasons"])


def test_too_soon_to_move_on_even_when_better(tmp_path):
    _, c = check(tmp_path, intake(pain=6), intake(pain=1), "--weeks", "1")
    assert c["decision"] == "keep_going"
    assert "stay with the first stage" in c["reasons"][-1]


def test_missing_field_is_not_comparable(tmp_path):
    before = intake()
    del before["activity_level"]
    _, c = check(tmp_path, before, intake(pain=2), "--weeks", "6")
    assert field(c, "activity_level") == {
        "field": "activity_level", "label": "Activity level", "group": "habit",
        "before": None, "after": "sedentary", "result": "not comparable", "change": None}
    assert c["decision"] == "move_on"


def test_different_ids_are_compared_with_a_warning(tmp_path):
    result, c = check(tmp_path, intake("ann"), intake("bob"), "--weeks", "3")
    assert result.returncode == 0
    assert "check that they are the same person" in c["warnings"][0]
    assert "same person" in result.stderr



# --- who reads it ----------------------------------------------------------------

def teen(**changes) -> dict:
    """A 16-year-old whose parent answers (stiff hips, no pain: a plan, no referral)."""
    symptoms = {"limited_rotation": False, "limp": False, "knee_pain": False,
                **changes.pop("symptoms", {})}
    return intake("teen-4", pain=0, age=16, answered_by="parent", symptoms=symptoms,
                  **changes)


@pytest.mark.parametrize(("after", "args", "decision", "words"), [
    (teen(), ("--weeks", "3"), "keep_going",
     ["Keep going with your child's current stage", "Keep doing your child's current "
      "exercises", "If your child's hip gets worse in the meantime, take your child to "
      "see a physiotherapist or doctor", "Stiffness was your child's main complaint"]),
    (teen(), (), "see_clinician",
     ["Take your child to see a clinician", "your child's hip should be getting better"]),
    (teen(symptoms={"stiffness": False}), (), "move_on",
     ["Keep doing your child's current exercises", "the next stage of your child's plan"]),
])
def test_a_parents_check_in_speaks_of_your_child(tmp_path, after, args, decision, words):
    result, c = check(tmp_path, teen(), after, *args)
    assert result.returncode == 0, result.stderr
    assert (c["decision"], c["answered_by"]) == (decision, "parent")
    said = " ".join([c["title"], c["advice"], *c["reasons"]])
    assert all(w in said for w in words), said
    assert not re.search(r"\b(you|your)\b(?! child)", said.replace("your child's", "")), said
    for fmt in ("text", "html"):
        shown = run_hipguide("progress", tmp_path / "before.yaml", tmp_path / "after.yaml",
                             "--format", fmt, *args).stdout
        shown = " ".join(unescape(shown).split())
        assert all(w in shown or w.upper() in shown for w in words), (fmt, shown)
    assert "<h1>Your child's hip check-in: teen-4</h1>" in unescape(shown)


def test_an_adults_check_in_speaks_to_them(tmp_path):
    result, c = check(tmp_path, intake(), intake(), "--weeks", "3")
    assert (c["decision"], c["answered_by"]) == ("keep_going", "")
    assert c["title"] == "Keep going with your current stage"
    assert "If your hip gets worse" in c["advice"]
    for fmt in ("text", "html"):
        shown = run_hipguide("progress", tmp_path / "before.yaml", tmp_path / "after.yaml",
                             "--format", fmt, "--weeks", "3").stdout
        assert "your child" not in shown and "KEEP GOING WITH YOUR CURRENT STAGE" in \
            shown.upper()
    assert "<h1>Your hip check-in: person-1</h1>" in shown


def test_the_second_intake_says_who_answers(tmp_path):
    # the child now answers for themself: the check-in speaks to them; when the
    # second intake does not say, the first one's reader is kept
    grown = {k: v for k, v in teen().items() if k != "answered_by"}
    _, c = check(tmp_path, teen(), {**grown, "answered_by": "self"}, "--weeks", "3")
    assert c["answered_by"] == "" and c["title"] == "Keep going with your current stage"
    _, c = check(tmp_path, teen(), grown, "--weeks", "3")
    assert c["answered_by"] == "parent"


# --- formats ------------------------------------------------------------------

def test_json_structure(tmp_path):
    result, c = check(tmp_path, intake(pain=6), intake(pain=2))
    data = json.loads(result.stdout)
    assert isinstance(data, list) and len(data) == 1
    assert list(c)[-1] == "disclaimer" and DISCLAIMER in c["disclaimer"]
    assert {"id", "status", "before", "after", "weeks", "decision", "title", "urgency",
            "advice", "reasons", "fields", "new_red_flags", "ongoing_red_flags",
            "resolved_red_flags", "unchecked_warning_signs", "current_stage", "next_stage",
            "warnings", "errors", "knowledge_version"} <= set(c)
    assert c["status"] == "compared" and c["errors"] == []
    assert c["before"]["source"].endswith("before.yaml")
    assert c["after"]["status"] == "ok"
    assert [f["field"] for f in c["fields"]] == [
        "symptoms.hip_pain", "symptoms.stiffness", "symptoms.limited_rotation",
        "symptoms.balance_problems", "sitting_hours", "standing_breaks_hourly",
        "activity_level", "warning_signs"]
    assert field(c, "symptoms.hip_pain") == {
        "field": "symptoms.hip_pain", "label": "Hip pain (0-10)", "group": "symptom",
        "before": 6, "after": 2, "result": "improved", "change": -4}
    for stage in (c["current_stage"], c["next_stage"]):
        assert set(stage) == {"stage", "label", "weeks", "exercises"}
        assert all(set(x) == {"id", "name"} for x in stage["exercises"])
    lines = run_hipguide("checkin", tmp_path / "before.yaml", tmp_path / "after.yaml",
                         "--format", "jsonl").stdout.splitlines()
    assert len(lines) == 1 and json.loads(lines[0]) == c


def test_html_is_escaped_self_contained_and_ends_with_the_disclaimer(tmp_path):
    page = tmp_path / "checkin.html"
    b = write(tmp_path / "b.yaml", intake("<b>x</b>", pain=6))
    a = write(tmp_path / "a.yaml", intake("<b>x</b>", pain=2))
    result = run_hipguide("checkin", b, a, "--format", "html", "-o", page)
    assert result.returncode == 0, result.stderr
    html = page.read_text()
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html
    assert "<script" not in html.lower() and "http" not in html.replace(
        'name="viewport"', "")
    assert html.count('<section class="page"') == 1
    assert DISCLAIMER in html
    body = html[: html.rindex("</section>")]
    assert body.rstrip().endswith("</footer>")
    assert DISCLAIMER in body[body.rindex("<footer"):]
    assert "Move on to the next stage" in html


# --- a clinic's batch -----------------------------------------------------------

def test_batch_pairs_by_id_and_reports_unmatched_and_invalid(tmp_path):
    before, after = tmp_path / "week0", tmp_path / "week6"
    write(before / "ann.yaml", intake("ann", pain=6))
    write(after / "ann-followup.yaml", intake("ann", pain=2))        # paired by id
    write(before / "bob.yaml", {k: v for k, v in intake(pain=4).items() if k != "id"})
    write(after / "bob.yaml", {k: v for k, v in intake(pain=7).items() if k != "id"})
    write(before / "cat.yaml", intake("cat"))                         # no AFTER
    write(before / "dan.yaml", intake("dan"))
    (after / "dan.yaml").write_text("id: dan\nsitting_hours: lots\n")   # invalid
    result = run_hipguide("checkin", before, after, "--format", "jsonl")
    assert result.returncode == 1
    out = [json.loads(line) for line in result.stdout.splitlines()]
    by_id = {c["id"]: c for c in out}
    assert set(by_id) == {"ann", "bob", "cat", "dan"}
    assert by_id["ann"]["decision"] == "move_on"
    assert by_id["bob"]["decision"] == "see_clinician"      # paired by file stem
    assert by_id["cat"]["status"] == "unmatched"
    assert "no AFTER intake has the id 'cat'" in by_id["cat"]["errors"][0]["message"]
    assert by_id["dan"]["status"] == "invalid"
    error = by_id["dan"]["errors"][0]
    assert (error["source"], error["field"], error["line"]) == (str(after / "dan.yaml"),
                                                                 "sitting_hours", 2)
    assert all(c["disclaimer"] for c in out)
    assert f"{after / 'dan.yaml'}:2:" in result.stderr and "sitting_hours" in result.stderr
    assert "no AFTER intake has the id 'cat'" in result.stderr
    assert "4 pair(s): 1 see a clinician, 1 move on, 1 invalid, 1 unmatched" in result.stderr
    assert "Traceback" not in result.stderr
    text = run_hipguide("checkin", before, after, "-q")
    assert text.returncode == 1 and text.stderr == ""
    assert text.stdout.count("Disclaimer:") == 4
    assert "NOT COMPARED: no intake with this id on the other side" in text.stdout


def test_batch_all_matched_exits_0_and_an_id_twice_is_reported(tmp_path):
    before, after = tmp_path / "b", tmp_path / "a"
    write(before / "ann.yaml", intake("ann", pain=6))
    write(after / "ann.yaml", intake("ann", pain=2))
    result = run_hipguide("checkin", before, after, "--format", "json")
    assert result.returncode == 0 and len(json.loads(result.stdout)) == 1
    write(after / "ann-again.yaml", intake("ann", pain=3))
    result = run_hipguide("checkin", before, after, "--format", "json")
    assert result.returncode == 1
    (c,) = json.loads(result.stdout)
    assert c["status"] == "invalid" and "is given 2 times in AFTER" in c["errors"][0]["message"]


def test_fhir_and_csv_intakes_compare_like_yaml(tmp_path):
    for kind, suffix in (("fhir", "json"), ("csv", "csv")):
        for side in ("before", "after"):
            converted = run_hipguide("convert", EXAMPLES / f"{side}.yaml", "--to", kind,
                                     "-o", tmp_path / f"{side}.{suffix}")
            assert converted.returncode == 0, converted.stderr
        result = run_hipguide("checkin", tmp_path / f"before.{suffix}",
                              tmp_path / f"after.{suffix}", "--format", "json")
        assert result.returncode == 0, result.stderr
        c = json.loads(result.stdout)[0]
        assert (c["id"], c["decision"]) == ("office-worker", "move_on")


# --- usage, output, knowledge base ------------------------------------------------

def test_usage_errors_exit_2(tmp_path):
    b = write(tmp_path / "b.yaml", intake())
    for args in (["checkin", b], ["checkin", b, tmp_path], ["checkin", "-", "-"],
                 ["checkin", b, b, "--weeks", "0"], ["checkin", b, b, "--format", "csv"],
                 ["checkin", b, b, "-o", b], ["checkin", b, b, "-o", tmp_path / "no" / "x"]):
        result = run_hipguide(*args)
        assert result.returncode == 2, (args, result.stderr)
        assert "Traceback" not in result.stderr
    assert not (tmp_path / "no").exists()


def test_missing_file_is_invalid_not_a_traceback(tmp_path):
    b = write(tmp_path / "b.yaml", intake())
    result = run_hipguide("checkin", b, tmp_path / "missing.yaml", "--format", "json")
    assert result.returncode == 1
    (c,) = json.loads(result.stdout)
    assert c["status"] == "invalid"
    assert c["errors"] == [{"source": str(tmp_path / "missing.yaml"), "field": "",
                            "message": "no such file or directory"}]
    assert "missing.yaml: no such file or directory" in result.stderr
    assert "Traceback" not in result.stderr
    text = " ".join(run_hipguide("checkin", b, tmp_path / "missing.yaml").stdout.split())
    assert "NOT COMPARED" in text and "missing.yaml: no such file or directory" in text
    # the page too (an error without a line number once stopped it: internal error)
    result = run_hipguide("progress", b, tmp_path / "missing.yaml", "--format", "html")
    assert result.returncode == 1 and "internal error" not in result.stderr
    assert "These intakes could not be compared" in result.stdout
    assert "missing.yaml: no such file or directory" in result.stdout


def test_output_is_written_atomically(tmp_path):
    out = tmp_path / "checkin.json"
    out.write_text("old")
    result = run_hipguide("checkin", EXAMPLES / "before.yaml", EXAMPLES / "after.yaml",
                          "--format", "json", "-o", out)
    assert result.returncode == 0 and result.stdout == ""
    assert json.loads(out.read_text())[0]["decision"] == "move_on"
    assert [p.name for p in tmp_path.iterdir()] == ["checkin.json"]


def test_broken_progress_knowledge_exits_3(tmp_path):
    kb = tmp_path / "kb"
    for part in ("rules", "knowledge"):
        shutil.copytree(default_root() / part, kb / part)
    path = kb / "knowledge" / "checkin.yaml"
    path.write_text(path.read_text().replace("review_weeks: 6", "review_weeks: 60")
                    .replace("{weeks_left}", "{weeks_to_go}"))
    result = run_hipguide("checkin", EXAMPLES / "before.yaml", EXAMPLES / "after.yaml",
                          "--kb", kb)
    assert result.returncode == 3
    assert "checkin.yaml" in result.stderr
    assert "review_weeks (60) must not be more than still_not_better_weeks" in result.stderr
    assert "unknown placeholder {weeks_to_go}" in result.stderr


def test_help_explains_every_option():
    result = run_hipguide("checkin", "--help")
    assert result.returncode == 0
    options = result.stdout.split("Options:")[1]
    blocks = {}   # option -> its help text (click may wrap it onto the next lines)
    for line in options.splitlines():
        if line.startswith("  -"):
            words = line.split()
            name = next(w.rstrip(",") for w in words if w.startswith("--"))
            blocks[name] = " ".join(words[words.index(name + "," if name + "," in words
                                                      else name) + 1:])
        elif line.strip():
            blocks[name] += " " + line.strip()
    for option in ("--weeks", "--format", "--output", "--quiet", "--kb", "--help"):
        assert len(blocks[option].split()) > 3, (option, blocks[option])



def test_checkin_is_the_command_and_progress_its_first_name():
    pair = sorted(EXAMPLES.glob("*.yaml"))[:2]
    checkin = run_hipguide("checkin", *pair, "--format", "json")
    progress = run_hipguide("checkin", *pair, "--format", "json")
    assert checkin.returncode == progress.returncode
    assert checkin.stdout == progress.stdout and json.loads(checkin.stdout)
    usage = run_hipguide("checkin", pair[0], pair[0])
    assert usage.returncode == 2 and "hipguide checkin:" in usage.stderr


def test_progress_is_the_same_command_as_checkin():
    """``progress`` was the check-in's first name: kept as an alias, it gives
    the same comparison."""
    args = (EXAMPLES / "before.yaml", EXAMPLES / "after.yaml", "--format", "json")
    checkin, progress = run_hipguide("checkin", *args), run_hipguide("progress", *args)
    assert checkin.returncode == progress.returncode == 0
    assert json.loads(checkin.stdout)[0]["decision"] and checkin.stdout == progress.stdout
