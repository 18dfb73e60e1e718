"""Every rule's cases, sqlfluff-style: tests/cases/<RULE-ID>.yaml holds intakes
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


def _cases():
    for path in sorted(CASES.glob("*.yaml")):
        data = yaml.safe_load(path.read_text())
        for expect in ("fire", "no_fire"):
            for i, case in enumerate(data.get(expect) or []):
                yield pytest.param(path.stem, expect, case,
                                   id=f"{path.stem}-{expect}-{i}-{case.get('name', '')}")


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
    for path in CASES.glob("*.yaml"):
        data = yaml.safe_load(path.read_text())
        have[path.stem] = (bool(data.get("fire")), bool(data.get("no_fire")))
    missing = [r for r in RULE_IDS if have.get(r) != (True, True)]
    assert not missing, f"rules without both fire and no_fire cases: {missing}"
    orphans = sorted(set(have) - set(RULE_IDS))
    assert not orphans, f"case files for rules that do not exist: {orphans}"
