"""A safety note says why in the person's own words, from their answers (not the
rule's criteria), through the public interface."""

from __future__ import annotations

import hipguide
from hipguide.report.text import render_text


def test_the_falls_note_names_what_she_answered():
    report = hipguide.assess({"age": 70, "sitting_hours": 5, "walking_aid": True,
                              "falls_last_12_months": True, "symptoms": {"hip_pain": 2}})
    note = next(p for p in report.precautions if p.id == "falls_risk")
    assert note.because == ("because you fell in the last year and you use a walking stick, "
                            "crutch or frame")
    text = " ".join(render_text(report, width=80).split())
    assert "because you fell in the last year" in text
    assert "age 80+" not in text and "fragile bones" not in text   # not the rule's criteria


def test_only_what_was_answered_is_named():
    report = hipguide.assess({"age": 72, "sitting_hours": 5,
                              "symptoms": {"hip_pain": 1, "balance_problems": True}})
    note = next(p for p in report.precautions if p.id == "falls_risk")
    # balance problems count as falls risk from 65 (issue 19): her age is part of why
    assert note.because == "because you are 72 and you have trouble keeping your balance"


def test_an_operation_is_said_as_the_person_had_it():
    report = hipguide.assess({"age": 50, "sitting_hours": 5, "symptoms": {"hip_pain": 2},
                              "surgeries": [{"site": "hip", "kind": "replacement",
                                             "approach": "posterior", "months_ago": 4}]})
    note = next(p for p in report.precautions if p.id == "hip_replacement_posterior")
    assert note.because == "because you had a hip replacement (posterior approach) 4 months ago"


def test_a_parent_reads_your_child():
    report = hipguide.assess({"age": 16, "answered_by": "parent", "sitting_hours": 5,
                              "walking_aid": True, "symptoms": {"hip_pain": 0}})
    becauses = {p.id: p.because for p in report.precautions}
    assert becauses["young_person_loading"] == "because your child is 16"
    assert "your child uses a walking stick" in becauses["falls_risk"]
    assert "you " not in " ".join(becauses.values()).replace("your", "")
