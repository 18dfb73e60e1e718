"""Safety properties of referrals (Hypothesis), through ``hipguide.assess`` and the
installed command:

(a) fail safe: a warning sign answered yes always gives a referral, whatever
    else is wrong with the intake (bad values, unknown keys, half-filled injury
    or operation entries, a missing required field), and the report lists the
    errors too;
(b) one timeframe: no sentence in a referral report names a timeframe slower
    than its headline urgency.
"""

import json
import re

import yaml
from conftest import run_hipguide
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import for_spec

import hipguide
from hipguide.core import contract as schema
from hipguide.core.schema_types import Boolean
from hipguide.engine.model import URGENCY_ORDER
from hipguide.report.text import render_text

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
COMMAND = settings(max_examples=2, deadline=None,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# answers that on their own are warning signs: each must refer, whatever else
SIGNS = [("saddle_numbness", True), ("bowel_or_bladder_change", True),
         ("hot_swollen_joint", True), ("cannot_bear_weight", True),
         ("new_leg_weakness", True), ("numbness_or_tingling", True), ("night_pain", True),
         ("unexplained_weight_loss", True), ("hip_pain", 8), ("hip_pain", 10)]
# a yes written in words in a form is still a yes
YES_WORDS = st.sampled_from([True, True, "yes", "Yes", "y", "TRUE"])

# ways an intake can be broken besides the warning sign: (key path, bad value)
BAD = st.sampled_from([
    (("sitting_hours",), "lots"), (("sitting_hours",), -3), (("sitting_hours",), None),
    (("age",), 200), (("age",), "forty"), (("activity_level",), "very"),
    (("posture",), "slouch"), (("conditions",), ["gout"]), (("pregnancy",), True),
    (("injuries",), [{"site": "hip"}]), (("injuries",), [{"months_ago": 2}]),
    (("surgeries",), [{"site": "hip", "kind": "replaced"}]),
    (("surgeries",), "yes"), (("nonsense_key",), 1), (("impact_days_per_week",), 9),
    (("last_fall_months_ago",), "recently"), (("rest_days_per_week",), 2.5),
    (("symptoms", "stiffness"), "sometimes"), (("symptoms", "limp"), 3),
    (("symptoms", "unknown_symptom"), True), (("symptoms", "pain_side"), "middle"),
])
DROP_REQUIRED = object()


def _put(data: dict, path: tuple, value):
    target = data
    for part in path[:-1]:
        target = target.setdefault(part, {})
    if value is DROP_REQUIRED:
        target.pop(path[-1], None)
    else:
        target[path[-1]] = value


@st.composite
def broken_with_a_sign(draw):
    """(intake, sign field): a generated intake with one warning sign answered yes
    and one to three other things wrong with it."""
    data = draw(for_spec(schema.SCHEMA))
    data.pop("id", None)
    data["symptoms"] = dict(data.get("symptoms") or {})
    sign, value = draw(st.sampled_from(SIGNS))
    if value is True:
        value = draw(YES_WORDS)
    breaks = draw(st.lists(st.one_of(BAD, st.just((("sitting_hours",), DROP_REQUIRED))),
                           min_size=1, max_size=3))
    for path, bad in breaks:
        if path == ("symptoms", sign):
            continue
        _put(data, path, bad)
    data["symptoms"][sign] = value
    return data, sign


@SETTINGS
@given(broken_with_a_sign())
def test_a_an_answered_warning_sign_refers_whatever_else_is_wrong(case):
    data, sign = case
    report = hipguide.assess(data)
    assert report.status == "refer", (sign, data, report.errors)
    assert report.urgency in URGENCY_ORDER and report.referral
    assert not report.recommendations and not report.factors
    valid, problems = schema.validate(data)
    assert len(report.errors) == len(problems) > 0
    text = render_text(report)
    assert "SEE A CLINICIAN" in text and "could not be read" in text


@SETTINGS
@given(st.sampled_from(SIGNS), st.sampled_from(["sitting_hours", "age", "symptoms.limp"]))
def test_a_the_same_referral_as_the_valid_intake(sign, broken):
    """Breaking an unrelated answer does not change the urgency of the referral."""
    field, value = sign
    valid = {"sitting_hours": 5, "age": 40, "symptoms": {field: value}}
    bad = json.loads(json.dumps(valid))
    _put(bad, tuple(broken.split(".")), "not readable")
    good_report, bad_report = hipguide.assess(valid), hipguide.assess(bad)
    assert good_report.status == bad_report.status == "refer"
    if broken != "age":   # an unreadable age counts as unknown: possibly 65+ or a child
        assert bad_report.urgency == good_report.urgency


@COMMAND
@given(st.lists(broken_with_a_sign(), min_size=3, max_size=6))
def test_a_through_the_command_in_yaml_and_csv(tmp_path_factory, cases):
    folder = tmp_path_factory.mktemp("failsafe")
    docs = [{"id": f"case-{i}", **data} for i, (data, _) in enumerate(cases)]
    (folder / "broken.yaml").write_text(yaml.safe_dump_all(docs, sort_keys=False))
    result = run_hipguide("score", folder / "broken.yaml", "--format", "jsonl", "--quiet")
    assert result.returncode == 1, result.stderr   # the errors are reported
    reports = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(reports) == len(cases)
    for report in reports:
        assert report["status"] == "refer" and report["errors"], report
    text = run_hipguide("score", folder / "broken.yaml", "--format", "text")
    assert text.stdout.count("SEE A CLINICIAN") == len(cases)
    checked = run_hipguide("validate", folder / "broken.yaml")
    assert checked.returncode == 1
    assert checked.stdout.count("WARNING SIGN answered") == len(cases)


def test_a_csv_row_with_a_bad_cell_and_a_fhir_response_with_a_half_filled_group(tmp_path):
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("id,sitting_hours,age,symptoms.saddle_numbness,injuries.1.site\n"
                     "a,lots,40,yes,hip\n"      # bad hours, injury without months_ago
                     "b,5,forty,no,\n")          # bad age, no warning sign
    response = {"resourceType": "QuestionnaireResponse", "status": "completed", "item": [
        {"linkId": "sitting_hours", "answer": [{"valueDecimal": 8}]},
        {"linkId": "symptoms.bowel_or_bladder_change", "answer": [{"valueBoolean": True}]},
        {"linkId": "symptoms.back_pain", "answer": [{"valueBoolean": True}]},
        {"linkId": "injuries", "item": [
            {"linkId": "injuries.side", "answer": [{"valueCoding": {"code": "left"}}]}]}]}
    unfinished = {**response, "status": "in-progress"}
    # a form tool answering yes/no with the LOINC "Yes" code instead of valueBoolean
    coded = {**response, "item": response["item"][:1] + [
        {"linkId": "symptoms.saddle_numbness", "answer": [{"valueCoding": {
            "system": "http://loinc.org", "code": "LA33-6", "display": "Yes"}}]}]}
    (tmp_path / "form.json").write_text(json.dumps(response))
    (tmp_path / "unfinished.json").write_text(json.dumps(unfinished))
    (tmp_path / "coded.json").write_text(json.dumps(coded))
    result = run_hipguide("score", tmp_path, "--format", "jsonl", "--quiet")
    reports = {r["id"]: r for r in map(json.loads, result.stdout.splitlines())}
    assert result.returncode == 1
    assert reports["a"]["status"] == "refer" and reports["a"]["errors"]
    assert reports["b"]["status"] == "invalid"
    for name in ("form", "unfinished", "coded"):
        assert reports[name]["status"] == "refer", reports[name]
        assert reports[name]["urgency"] == "emergency" and reports[name]["errors"]


# ---------------------------------------------------------------- (b) one timeframe

# phrases that name a timeframe, by the urgency they belong to
TIMEFRAMES = {
    "emergency": [r"\bnow\b", r"\bimmediately\b", r"straight away", r"without delay",
                  r"emergency department", r"within (an|one|a few) hours?"],
    "same_day": [r"\btoday\b", r"same[- ]day", r"this evening", r"within 24 hours"],
    "urgent": [r"day or two", r"within (a few |two |2 )?days", r"48 hours", r"tomorrow",
               r"this week"],
    "soon": [r"couple of weeks", r"(two|2|few|next) weeks", r"within (a|one) month",
             r"book an appointment", r"routine"],
}


def slower_than(headline: str, sentence: str) -> list:
    rank = URGENCY_ORDER[headline]
    return [pattern for level, patterns in TIMEFRAMES.items() if URGENCY_ORDER[level] > rank
            for pattern in patterns if re.search(pattern, sentence, re.IGNORECASE)]


def sentences(text: str) -> list:
    return [s for s in re.split(r"(?<=[.!?])\s+|\n", text) if s.strip()]


YES_NO = st.sampled_from([False, False, True, None])


@st.composite
def referred_people(draw):
    """Valid intakes rich in warning signs of every kind and combination."""
    data = draw(for_spec(schema.SCHEMA))
    data.pop("id", None)
    symptoms = {}
    for name, spec in schema.SYMPTOMS.fields.items():
        if isinstance(spec, Boolean):
            value = draw(YES_NO)
            if value is not None:
                symptoms[name] = value
    pain = draw(st.sampled_from([None, 0, 2, 4, 5, 7, 8, 10]))
    if pain is not None:
        symptoms["hip_pain"] = pain
    data["symptoms"] = symptoms
    for name, strategy in (("age", st.sampled_from([None, 8, 15, 30, 52, 64, 70, 88])),
                           ("last_fall_months_ago", st.sampled_from([None, 0, 2, 24])),
                           ("impact_days_per_week", st.sampled_from([None, 0, 2, 5, 7]))):
        value = draw(strategy)
        data.pop(name, None)
        if value is not None:
            data[name] = value
    return data


def _texts(report) -> list:
    out = [report.referral, report.call_emergency_now, report.unscreened_advice,
           report.disclaimer]
    for flag in report.red_flags:
        out += [flag.name, flag.advice, flag.because, *flag.evidence]
    return out


@SETTINGS
@given(referred_people())
def test_b_no_sentence_in_a_referral_is_slower_than_its_headline(data):
    report = hipguide.assess(data)
    if report.status != "refer":
        return
    for text in _texts(report) + [render_text(report)]:
        for sentence in sentences(text):
            slower = slower_than(report.urgency, sentence)
            assert not slower, (report.urgency, sentence, slower)


@COMMAND
@given(st.lists(referred_people(), min_size=8, max_size=16))
def test_b_through_the_command_text_and_html(tmp_path_factory, people):
    folder = tmp_path_factory.mktemp("timeframes")
    docs = [{"id": f"p{i}", **data} for i, data in enumerate(people)]
    path = folder / "people.yaml"
    path.write_text(yaml.safe_dump_all(docs, sort_keys=False))
    scored = run_hipguide("score", path, "--format", "jsonl", "--quiet")
    urgency = {r["id"]: r["urgency"] for r in map(json.loads, scored.stdout.splitlines())
               if r["status"] == "refer"}
    text = run_hipguide("score", path, "--format", "text", "--quiet").stdout
    for block in re.split(r"^== ", text, flags=re.MULTILINE)[1:]:
        rid = block.split(" (", 1)[0]
        if rid not in urgency:
            continue
        flat = re.sub(r"\s+", " ", block)
        for sentence in sentences(flat):
            assert not slower_than(urgency[rid], sentence), (rid, urgency[rid], sentence)
    html = run_hipguide("score", path, "--format", "html", "--quiet").stdout
    if urgency:
        # a parent answering for a child is asked to take the child
        assert html.count("Please see a clinician") + html.count(
            "Please take your child to see a clinician") == len(urgency)


def test_b_a_child_who_fell_reads_one_timeframe_and_no_adult_sentence():
    """The child who fell: one headline, no 'if you are 65 or over', no slower line."""
    report = hipguide.assess({"sitting_hours": 6, "age": 12, "last_fall_months_ago": 0,
                              "symptoms": {"hip_pain": 6, "pain_after_fall": True,
                                           "limp": True, "cannot_bear_weight": True,
                                           "fever_or_unwell": False}})
    text = render_text(report)
    assert report.status == "refer" and report.urgency == "emergency"
    assert "65" not in text
    for sentence in sentences(re.sub(r"\s+", " ", text)):
        assert not slower_than("emergency", sentence), sentence
    assert text.count("SEE A CLINICIAN") == 1


def test_red_flags_name_the_answers_and_referrals_carry_the_emergency_triggers():
    report = hipguide.assess({"sitting_hours": 4, "age": 40,
                              "symptoms": {"hot_swollen_joint": True, "hip_pain": 3}})
    flag = next(f for f in report.red_flags if f.id == "hot_swollen_joint")
    assert flag.because.startswith("Because you said")
    assert "hot, red or swollen" in flag.because
    text = render_text(report)
    assert "Because you said the hip or groin is hot, red or swollen" in \
        re.sub(r"\s+", " ", text)
    for words in ("stroke", "cauda equina", "sepsis", "Call emergency services now"):
        assert words in report.call_emergency_now and words in re.sub(r"\s+", " ", text)
    ok = hipguide.assess({"sitting_hours": 4, "age": 40, "symptoms": {"hip_pain": 0}})
    assert ok.status == "ok" and ok.call_emergency_now == ""


def test_sentences_that_do_not_apply_to_the_persons_age_are_not_shown():
    adult = hipguide.assess({"sitting_hours": 4, "age": 50, "symptoms": {
        "fever_or_unwell": True, "cannot_bear_weight": True, "hip_pain": 5}})
    child = hipguide.assess({"sitting_hours": 4, "age": 9, "symptoms": {
        "fever_or_unwell": True, "limp": True, "hip_pain": 3}})
    adult_text, child_text = (re.sub(r"\s+", " ", render_text(r)) for r in (adult, child))
    assert adult.urgency == child.urgency == "emergency"
    assert "child" not in adult_text and "65" not in child_text
    assert "child or teenager" in child_text


def test_every_red_flag_rule_tests_a_symptom_an_operation_or_an_injury():
    """engine.may_raise_flag skips the engine for a broken intake with none of
    these answered: that is only safe while every red-flag rule needs one."""
    from hipguide.kb.knowledge import load

    rules = [r for r in load().rules if r.kind == "red_flag"]
    assert rules
    for rule in rules:
        text = repr(rule.when)
        assert any(field in text for field in ("symptoms.", "surgery.", "injury.")), rule.id
