"""Issue 23, item 6: ``rules check`` refuses what would crash or flood a report
later: placeholders that are not plain known fields, literals out of range and
conditions of an insane size, each with exit 3 naming file, rule and field; and
reading a huge condition is linear-time (no regex backtracking)."""

from __future__ import annotations

import pytest
from conftest import edit_once
from hostile_util import run


@pytest.fixture
def kb(kb_copy):
    return kb_copy


def _refused(kb, *words):
    """`rules check` lists the problem and, like every command that loads the
    knowledge base, exits 3."""
    check = run("rules", "check", "--kb", kb, timeout=60)   # minutes of backtracking fail here
    score = run("score", "-", "--kb", kb, stdin="sitting_hours: 9\n", timeout=60)
    assert check.returncode == 3 and score.returncode == 3, (check.stdout, score.stderr)
    for text in (check.stdout, score.stderr):
        assert "Traceback" not in text and "internal error" not in text
        for word in words:
            assert word in text, text
        assert len(text) < 5000   # nothing huge is echoed back
    assert score.stdout == ""


@pytest.mark.parametrize("placeholder", ["{side.__class__}", "{side.__class__.__mro__}",
                                         "{side[0]}", "{side:>2000}", "{side!r}", "{bogus}",
                                         "{}", "{0}"])
def test_a_handout_template_takes_only_plain_known_placeholders(kb, placeholder):
    edit_once(kb / "knowledge/programme.yaml", "Your {side} side", f"Your {placeholder} side")
    _refused(kb, "programme.yaml", "side_note", "placeholder")


@pytest.mark.parametrize("condition, words", [
    ("sitting_hours >= " + "9" * 5000, "characters"),
    ("sitting_hours >= " + "9" * 400, "out of range"),
    ("sitting_hours >= 1.0e+400", "out of range"),
    ("symptoms.hip_pain in [1, " + "7" * 300 + "]", "out of range"),
    ("sitting_hours >= " + " " * 400_000 + "8", "characters"),
    ("sitting_hours " + "=" * 400_000, "characters"),
    ("a" * 400_000, "characters"),
])
def test_literals_out_of_range_and_huge_conditions_are_refused(kb, condition, words):
    edit_once(kb / "rules/factors.yaml", "when: sitting_hours >= 8", f"when: '{condition}'")
    _refused(kb, "factors.yaml", "(F-SIT-01)", "when", words)


def test_a_rule_with_thousands_of_conditions_is_refused(kb):
    many = "[" + ", ".join(["sitting_hours >= 8"] * 2000) + "]"
    edit_once(kb / "rules/factors.yaml", "when: sitting_hours >= 8", f"when: {many}")
    _refused(kb, "factors.yaml", "(F-SIT-01)", "more than")
