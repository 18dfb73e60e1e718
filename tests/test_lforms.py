"""A real FHIR SDC form tool: LHC-Forms (npm `lforms`, pinned in
tests/lforms/package-lock.json) renders `hipguide questionnaire --format fhir`
in headless Chromium; tests/lforms/harness.mjs fills it as people do (typing,
clicking Yes/No, picking from the lists) and exports each QuestionnaireResponse
with LHC-Forms' own LForms.Util.getFormFHIRData. Each response must pass
LHC-Forms' own validity check and score exactly as the same person in YAML.

Needs node, `npm ci` in tests/lforms and Chromium; skipped without them unless
HIPGUIDE_REQUIRE_LFORMS is set (.ci/run sets it and installs them)."""

import json
import os
import shutil
import subprocess

import pytest
import yaml
from conftest import ROOT, run_hipguide

HARNESS = ROOT / "tests" / "lforms"
CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")
                 if shutil.which(n)), None)
MISSING = [what for what, ok in (
    ("node", shutil.which("node")),
    ("tests/lforms/node_modules (run `npm ci` there)",
     (HARNESS / "node_modules" / "lforms" / "dist").is_dir()
     and (HARNESS / "node_modules" / "puppeteer-core").is_dir()),
    ("Chromium", CHROMIUM)) if not ok]
REQUIRED = bool(os.environ.get("HIPGUIDE_REQUIRE_LFORMS"))

pytestmark = pytest.mark.skipif(bool(MISSING) and not REQUIRED,
                                reason="LHC-Forms harness needs: " + ", ".join(MISSING))

SCREENED = {name: False for name in (
    "limited_rotation", "pain_after_fall", "cannot_bear_weight", "numbness_or_tingling",
    "new_leg_weakness", "saddle_numbness", "bowel_or_bladder_change", "fever_or_unwell",
    "hot_swollen_joint", "night_pain", "unexplained_weight_loss", "history_of_cancer",
    "back_pain", "groin_pain")}   # low-back and groin pain are asked of everyone
# the questions a form shows with a preset answer, as the people leave them
PRESET = {"rotational_sport": False, "returning_to_sport": False, "repetitive_strain": False,
          "injuries": []}


def person(symptoms=None, **fields):
    out = {**PRESET, **fields}
    out["symptoms"] = {**SCREENED, "stiffness": False, "balance_problems": False,
                       **(symptoms or {})}
    out.setdefault("conditions", [])
    out.setdefault("surgeries", [])
    return out


PEOPLE = {
    "desk_worker": person(
        {"hip_pain": 2, "limited_rotation": True, "stiffness": True, "pain_side": "left"},
        age=41, sitting_hours=9.5, ergonomic_workstation=False, standing_breaks_hourly=False,
        activity_level="sedentary", posture=["anterior_pelvic_tilt"],
        long_term_steroids=False, osteoporosis_or_fragility_fracture=False,
        pregnancy="not_pregnant"),
    "runner_with_injury": person(
        {"hip_pain": 3, "stiffness": True, "pain_side": "right"},
        age=29, sitting_hours=5, ergonomic_workstation=True, standing_breaks_hourly=True,
        activity_level="active", rest_days_per_week=1, repetitive_strain=True,
        impact_days_per_week=5,   # bone-stress flags need running or impact load
        returning_to_sport=True, posture=["knee_valgus"],
        injuries=[{"site": "knee", "side": "right", "months_ago": 8, "surgery": False},
                  {"site": "ankle", "months_ago": 30, "surgery": True}],
        pregnancy="not_pregnant", long_term_steroids=False),
    "older_adult_after_fall": person(
        # pain 2/10: with fragile bones, 4/10 or more is a referral (issue 19)
        {"hip_pain": 2, "balance_problems": True, "pain_side": "both"},
        age=74, sitting_hours=6, ergonomic_workstation=True, standing_breaks_hourly=False,
        activity_level="light", conditions=["arthritis"], falls_last_12_months=True,
        walking_aid=True, osteoporosis_or_fragility_fracture=True, long_term_steroids=False),
    "hip_replacement": person(
        {"hip_pain": 1, "stiffness": True, "pain_side": "right"},
        age=66, sitting_hours=7, ergonomic_workstation=True, standing_breaks_hourly=True,
        activity_level="moderate", rest_days_per_week=2, conditions=["arthritis"],
        surgeries=[{"site": "hip", "kind": "replacement", "approach": "posterior",
                    "side": "right", "months_ago": 14}],
        osteoporosis_or_fragility_fracture=False, long_term_steroids=False),
    "cauda_equina": person(
        {"hip_pain": 5, "saddle_numbness": True, "bowel_or_bladder_change": True,
         "back_pain": True, "new_leg_weakness": True, "pain_side": "both"},
        age=45, sitting_hours=8, activity_level="light", pregnancy="not_pregnant",
        osteoporosis_or_fragility_fracture=False, long_term_steroids=False),
}


def walk(items):
    for item in items:
        yield item
        yield from walk(item.get("item", []))


def answers(questionnaire: dict, intake: dict) -> list:
    """What the person enters, in the form's order: [linkId, value] per shown
    question; a group is [linkId, [[[sub, value], ...] per entry]]."""
    def get(path):
        value = intake
        for part in path.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        return value

    out, groups = [], {i["linkId"] for i in walk(questionnaire["item"])
                       if i["type"] == "group" and i.get("repeats")}
    for item in walk(questionnaire["item"]):
        link = item["linkId"]
        if item["type"] in ("display",) or link.startswith("section-"):
            continue
        if link.endswith("-any") and link[:-4] in groups:
            out.append([link, bool(intake.get(link[:-4]))])
        elif link in groups:
            if intake.get(link):
                out.append([link, [[[f"{link}.{k}", v] for k, v in entry.items()]
                                   for entry in intake[link]]])
        elif "." in link and link.split(".")[0] in groups:
            continue
        elif get(link) is not None:
            value = get(link)
            if value == [] and item.get("repeats"):
                value = ["none"]
            out.append([link, value])
    return out


def scored(path):
    result = run_hipguide("score", path, "--format", "json")
    assert "Traceback" not in result.stderr
    return result, json.loads(result.stdout)


def test_lhc_forms_responses_score_like_the_same_people_in_yaml(tmp_path):
    assert not MISSING, "HIPGUIDE_REQUIRE_LFORMS is set but missing: " + ", ".join(MISSING)
    qpath = tmp_path / "questionnaire.json"
    assert run_hipguide("questionnaire", "--format", "fhir", "-o", qpath).returncode == 0
    questionnaire = json.loads(qpath.read_text())
    job = {"questionnaire": str(qpath), "out": str(tmp_path / "out"), "chromium": CHROMIUM,
           "people": [{"name": name, "answers": answers(questionnaire, intake)}
                      for name, intake in PEOPLE.items()]}
    (tmp_path / "job.json").write_text(json.dumps(job))
    run = subprocess.run(["node", str(HARNESS / "harness.mjs"), str(tmp_path / "job.json")],
                         capture_output=True, text=True, timeout=900, cwd=HARNESS)
    assert run.returncode == 0, run.stdout + run.stderr
    for name, intake in PEOPLE.items():
        form = json.loads((tmp_path / "out" / f"{name}.form.json").read_text())
        assert form["invalid"] is None, (name, form["invalid"])   # LHC-Forms' own check
        response = tmp_path / "out" / f"{name}.json"
        assert json.loads(response.read_text())["resourceType"] == "QuestionnaireResponse"
        twin = tmp_path / f"{name}.yaml"
        twin.write_text(yaml.safe_dump(intake))
        fhir_result, fhir_report = scored(response)
        yaml_result, yaml_report = scored(twin)
        assert fhir_result.returncode == 0, fhir_result.stderr
        strip = ("id", "source")
        assert [{k: v for k, v in r.items() if k not in strip} for r in fhir_report] == \
            [{k: v for k, v in r.items() if k not in strip} for r in yaml_report], name
    reports = {n: scored(tmp_path / "out" / f"{n}.json")[1][0] for n in PEOPLE}
    assert reports["cauda_equina"]["status"] == "refer"
    assert reports["cauda_equina"]["urgency"] == "emergency"
    for name in ("desk_worker", "older_adult_after_fall", "hip_replacement"):
        assert reports[name]["status"] == "ok", name
    # a runner back in training with hip pain: the stress-fracture warning sign
    assert [f["id"] for f in reports["runner_with_injury"]["red_flags"]] == [
        "possible_stress_fracture"]


def test_converted_responses_reopened_and_saved_unchanged_in_lhc_forms_score_the_same(
        tmp_path):
    """`hipguide convert --to fhir` output opened in LHC-Forms and saved as is."""
    from conftest import EXAMPLES

    assert not MISSING, "HIPGUIDE_REQUIRE_LFORMS is set but missing: " + ", ".join(MISSING)
    qpath = tmp_path / "questionnaire.json"
    assert run_hipguide("questionnaire", "--format", "fhir", "-o", qpath).returncode == 0
    converted = tmp_path / "all.json"
    assert run_hipguide("convert", EXAMPLES, "--to", "fhir", "-o", converted).returncode == 0
    people = []
    saved = tmp_path / "saved"
    saved.mkdir()
    for k, entry in enumerate(json.loads(converted.read_text())["entry"]):
        path = saved / f"p{k:02d}.json"
        path.write_text(json.dumps(entry["resource"]))
        people.append({"name": f"p{k:02d}", "response": str(path)})
    assert len(people) >= 4
    job = {"questionnaire": str(qpath), "out": str(tmp_path / "out"), "chromium": CHROMIUM,
           "people": people}
    (tmp_path / "job.json").write_text(json.dumps(job))
    run = subprocess.run(["node", str(HARNESS / "harness.mjs"), str(tmp_path / "job.json")],
                         capture_output=True, text=True, timeout=900, cwd=HARNESS)
    assert run.returncode == 0, run.stdout + run.stderr
    for person in people:
        before = scored(person["response"])[1]
        after_result, after = scored(tmp_path / "out" / f"{person['name']}.json")
        assert after_result.returncode == 0, after_result.stderr
        strip = ("id", "source")
        assert [{k: v for k, v in r.items() if k not in strip} for r in after] == \
            [{k: v for k, v in r.items() if k not in strip} for r in before], person["name"]
