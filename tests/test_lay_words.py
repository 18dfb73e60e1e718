"""Evidence a person reads names their answers in the questionnaire's lay words,
never a choice id (issue 20: "ids never shown to a person"): every choice of
every list the rules put into evidence, through ``hipguide.assess``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import hipguide
from hipguide.questionnaire import data
from hipguide.report.text import render_text

ROOT = Path(__file__).resolve().parents[1]
WORDS = data.load(ROOT).choice_words()
ID = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")     # lower_back, sway_back, ...


def _read(report) -> list[str]:
    """Every finding's text a person reads: evidence and the 'because' notes."""
    texts = [e for f in report.factors for e in f.evidence]
    texts += [e for f in report.red_flags for e in f.evidence]
    texts += [p.because for p in report.precautions if p.because]
    texts += [e for p in report.precautions for e in p.evidence]
    return texts


BASE = {"age": 45, "sitting_hours": 8, "activity_level": "light",
        "symptoms": {"hip_pain": 2, "stiffness": True, "limited_rotation": True}}


@pytest.mark.parametrize("site", sorted(WORDS["injury.site"]))
@pytest.mark.parametrize("months", [2, 12, 60])
def test_an_injury_is_named_in_lay_words(site, months):
    report = hipguide.assess({**BASE, "injuries": [{"site": site, "side": "left",
                                                    "months_ago": months,
                                                    "surgery": months == 2}]})
    texts = _read(report)
    assert any(WORDS["injury.site"][site] in t for t in texts), texts
    assert not [t for t in texts if ID.search(t)], texts


@pytest.mark.parametrize("site", sorted(WORDS["surgery.site"]))
def test_an_operation_is_named_in_lay_words(site):
    report = hipguide.assess({**BASE, "surgeries": [{"site": site, "kind": "arthroscopy",
                                                     "months_ago": 2}]})
    texts = _read(report)
    assert any(WORDS["surgery.site"][site] in t for t in texts), texts
    assert not [t for t in texts if ID.search(t)], texts


@pytest.mark.parametrize("posture", sorted(WORDS["posture"]))
def test_a_posture_is_named_in_lay_words(posture):
    report = hipguide.assess({**BASE, "posture": [posture]})
    texts = _read(report)
    assert any(WORDS["posture"][posture] in t for t in texts), texts
    text = render_text(report, width=80)
    assert posture not in text


def test_a_choice_that_is_already_a_word_reads_as_the_rule_says_it():
    report = hipguide.assess({**BASE, "surgeries": [{"site": "hip", "kind": "replacement",
                                                     "approach": "anterior",
                                                     "months_ago": 14}]})
    note = next(p for p in report.precautions if p.id == "hip_replacement_anterior")
    assert list(note.evidence) == ["hip replacement (anterior approach) 14 months ago"]
