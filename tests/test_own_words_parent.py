"""A parent answering for a child reads every text about "your child": the
referral, the emergency signs, the red flags' advice, the pain rule, the safety
net and the plan in brief, in every format; a person answering for themself
reads the knowledge base's texts unchanged.  Through the installed command and
hipguide.assess."""

from __future__ import annotations

import json
import re
from html import unescape

from conftest import run_hipguide as run
from hypothesis import HealthCheck, given, settings
from strategies import intakes

import hipguide
from hipguide.api import assessor

KB = assessor().kb
# "you" as the one it happens to: the words that must not be aimed at the child
TO_THE_CHILD = re.compile(r"\b[Yy]ou (are|have|get|cannot|can|fall|develop|feel|use|sit|"
                          r"start|should|go|lose|suddenly|also)\b|\byour (pain|hip)\b")
ALLOWED = ("if you are not sure",)     # the parent's own doubt

TEEN_FLAG = "id: teen\nage: 14\nanswered_by: parent\nsitting_hours: 6\n" \
            "symptoms: {hip_pain: 3, limp: true}\n"
TEEN_OK = "id: teen-ok\nage: 16\nanswered_by: parent\nsitting_hours: 9\n" \
          "activity_level: sedentary\nsymptoms: {hip_pain: 0, stiffness: true}\n"
EMERGENCY = "id: fall\nage: 12\nanswered_by: parent\nsitting_hours: 4\n" \
            "symptoms: {hip_pain: 7, pain_after_fall: true, cannot_bear_weight: true}\n"


def flat(text: str) -> str:
    return " ".join(text.split())


def aimed_at_the_child(text: str) -> list[str]:
    text = flat(text)
    for allowed in ALLOWED:
        text = text.replace(allowed, "")
    return [m.group(0) for m in TO_THE_CHILD.finditer(text)]


def person_texts(report: dict) -> list[str]:
    """Every text of a JSON report a person reads (not the exercise steps: they
    speak to whoever does the exercise)."""
    texts = [report["referral"], report["call_emergency_now"], report["unscreened_advice"],
             report["pain_rule"], report["reassess"], report["disclaimer"],
             *report["safety_net"], (report.get("plan") or {}).get("pain_rule", "")]
    for flag in report["red_flags"]:
        texts += [flag["advice"], flag["because"], *flag["evidence"]]
    for p in report["precautions"]:
        texts += [p["because"], p["instead"]]
    for f in report["factors"]:
        texts += [f["advice"], *f["evidence"]]
    return [t for t in texts if t]


def test_a_parent_reads_the_referral_about_their_child_in_every_format():
    data = json.loads(run("score", "-", "--format", "json", "-q", stdin=TEEN_FLAG).stdout)[0]
    assert data["status"] == "refer" and data["urgency"] == "same_day"
    assert data["person"]["answered_by"] == "parent"
    assert data["referral"].startswith("Take your child to see a doctor today")
    assert "if your child gets" in data["call_emergency_now"]
    (flag,) = [f for f in data["red_flags"] if not f["merged_into"]]
    assert flag["because"].startswith("Because you said your child is 14 and has")
    for text in person_texts(data):
        assert not aimed_at_the_child(text), text
    # the text report: the plan in brief and the details
    text = run("score", "-", "--format", "text", "-q", stdin=TEEN_FLAG).stdout
    brief = flat(text[text.index("Your plan in brief"):text.index("Details")])
    assert brief.startswith("Your plan in brief Take your child to see a doctor today")
    assert "(same day)" not in brief and "before any hip exercise" not in brief  # said once
    assert "TAKE YOUR CHILD TO SEE A CLINICIAN (SAME DAY)" in text
    assert not aimed_at_the_child(text), aimed_at_the_child(text)
    # the handout
    page = run("score", "-", "--format", "html", "-q", stdin=TEEN_FLAG).stdout
    words = flat(unescape(re.sub(r"<[^>]+>", " ", page)))
    assert "Please take your child to see a clinician today" in words
    assert "Your child's hip guidance: teen" in words
    assert not aimed_at_the_child(words), aimed_at_the_child(words)


def test_an_emergency_for_a_child_tells_the_parent_to_take_them():
    report = hipguide.assess(__import__("yaml").safe_load(EMERGENCY))
    assert report.status == "refer" and report.urgency == "emergency"
    assert report.referral.startswith("Take your child to the nearest emergency department")
    assert "Your child should not do any exercises" in report.referral
    for flag in report.red_flags:
        assert not aimed_at_the_child(flag.advice), flag.advice


def test_a_parent_reads_the_plan_the_pain_rule_and_the_safety_net_about_their_child():
    text = run("score", "-", "--format", "text", "-q", stdin=TEEN_OK).stdout
    data = json.loads(run("score", "-", "--format", "json", "-q", stdin=TEEN_OK).stdout)[0]
    assert data["status"] == "ok"
    assert "your child's pain is not creeping up" in data["pain_rule"]
    assert any("if your child's hip becomes hot" in s for s in data["safety_net"])
    assert any("Stop and call emergency services if your child suddenly cannot" in s
               for s in data["safety_net"])
    for line in person_texts(data):
        assert not aimed_at_the_child(line), line
    brief = flat(text[text.index("Your plan in brief"):text.index("Details")])
    assert "Pain rule: Some pain" in brief and "your child's pain" in brief
    assert "Stop and seek help" in brief and "if your child" in brief
    assert "The exercise steps speak to your child" in text
    page = run("score", "-", "--format", "html", "-q", stdin=TEEN_OK).stdout
    words = flat(unescape(re.sub(r"<[^>]+>", " ", page)))
    assert "Your child's hip plan on one page: teen-ok" in words
    assert "your child's pain is not creeping up" in words


def test_a_person_answering_for_themself_reads_the_knowledge_base_unchanged():
    adult = EMERGENCY.replace("age: 12", "age: 40").replace("answered_by: parent\n", "")
    teen_self = TEEN_FLAG.replace("answered_by: parent", "answered_by: self")
    for intake in (adult, teen_self):
        data = json.loads(run("score", "-", "--format", "json", "-q", stdin=intake).stdout)[0]
        assert "your child" not in json.dumps(data)
        assert data["person"].get("answered_by") is None and data["status"] == "refer"
        assert data["referral"] == KB.meta["refer_advice"][data["urgency"]]
        assert data["call_emergency_now"] == KB.call_emergency_now["text"]
        assert data["disclaimer"] == KB.meta["disclaimer"]
    ok = hipguide.assess({"age": 40, "sitting_hours": 9, "activity_level": "sedentary",
                          "symptoms": {"hip_pain": 0, "stiffness": True}})
    assert ok.pain_rule == KB.programme["pain_rule"]
    assert ok.safety_net == list(KB.programme["safety_net"])


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(intakes)
def test_no_text_a_parent_reads_is_aimed_at_the_child(data):
    data = {**data, "answered_by": "parent"}
    report = hipguide.assess(data).as_dict()
    for text in person_texts(report):
        assert not aimed_at_the_child(text), text
    if report["status"] == "ok":
        assert "your child" in report["pain_rule"]
    if report["status"] == "refer":
        assert "your child" in report["referral"] + report["call_emergency_now"]


def test_a_teenager_answering_for_himself_is_told_what_to_do_himself():
    """Issue 20: a 16-year-old read advice written to a parent ("give no
    exercises") though he was answering."""
    intake = TEEN_FLAG.replace("age: 14", "age: 16").replace("answered_by: parent",
                                                             "answered_by: self")
    text = flat(run("score", "-", "--format", "text", "-q", stdin=intake).stdout)
    assert "your child" not in text and "give no" not in text and "give any" not in text
    assert "Do not do any hip exercises until then" in text
    assert "Because you said you are 16" in text
