"""Every rule's cases, sqlfluff-style: tests/cases/<RULE-ID>.yaml names its rule
(``rule: <RULE-ID>``, checked against the file name and rules/) and holds intakes
that must fire the rule (``fire``) and near misses that must not (``no_fire``).
A case may give the report's ``urgency`` it must have (the headline urgency).
A case may set ``withhold_unscreened: true|false`` to run under that policy
(``hipguide score --unscreened withhold``); otherwise the knowledge base's default.
The suite fails when a rule has no case file or a case file names no rule."""

from pathlib import Path

import pytest
import yaml

import hipguide
from hipguide.api import assessor

CASES = Path(__file__).parent / "cases"
RULE_IDS = sorted(r.id for r in assessor().kb.rules)


def _case_files():
    return [(path, yaml.safe_load(path.read_text(encoding="utf-8")) or {})
            for path in sorted(CASES.glob("*.yaml"))]


def _cases():
    for path, data in _case_files():
        rule_id = data.get("rule", f"<{path.name} names no rule>")
        for expect in ("fire", "no_fire"):
            for i, case in enumerate(data.get(expect) or []):
                yield pytest.param(rule_id, expect, case,
                                   id=f"{rule_id}-{expect}-{i}-{case.get('name', '')}")


@pytest.mark.parametrize(("rule_id", "expect", "case"), list(_cases()))
def test_rule_case(rule_id, expect, case):
    report = hipguide.assess(case["intake"],
                             withhold_unscreened=case.get("withhold_unscreened"))
    assert report.status != "invalid", report.errors
    fired = rule_id in report.rules_fired
    assert fired == (expect == "fire"), (
        f"{rule_id} {'did not fire' if expect == 'fire' else 'fired'} for {case['name']!r}; "
        f"fired: {report.rules_fired}")
    if "urgency" in case:
        assert report.urgency == case["urgency"], (case["name"], report.urgency)


def test_every_rule_has_cases_that_fire_and_that_do_not():
    have = {}
    for _path, data in _case_files():
        have[data.get("rule")] = (bool(data.get("fire")), bool(data.get("no_fire")))
    missing = [r for r in RULE_IDS if have.get(r) != (True, True)]
    assert not missing, f"rules without both fire and no_fire cases: {missing}"
    orphans = sorted(set(have) - set(RULE_IDS))
    assert not orphans, f"case files for rules that do not exist: {orphans}"


def test_every_case_file_names_its_rule_as_data():
    """``rule:`` is the file's name and a rule of rules/: the runner reads the id from
    the data, so a renamed file or a pasted header cannot test the wrong rule."""
    wrong = []
    for path, data in _case_files():
        rule_id = data.get("rule")
        if rule_id != path.stem:
            wrong.append(f"{path.name}: rule: {rule_id!r} is not the file name")
        elif rule_id not in RULE_IDS:
            wrong.append(f"{path.name}: rule: {rule_id!r} is not a rule in rules/")
    assert not wrong, "\n".join(wrong)
