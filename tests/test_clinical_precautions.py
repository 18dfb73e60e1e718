"""Issue 19 vignettes (tests/clinical/round3_precautions.yaml), scored through the
installed command as a clinic would, with the expect keys of test_clinical plus
the hazard, balance, safety-net and pain-rule keys this round adds."""

import re
from pathlib import Path

import pytest
import yaml
from test_clinical import KNOWN_KEYS, ids, score, write_intakes

from hipguide.api import assessor

FILE = Path(__file__).parent / "clinical" / "round3_precautions.yaml"
DATA = yaml.safe_load(FILE.read_text(encoding="utf-8"))["vignettes"]
BY_NAME = {v["name"]: v for v in DATA}
OWN_KEYS = {"no_hazards", "balance_supported", "safety_net", "pain_rule", "one_pain_rule"}
KB = assessor().kb
FAMILY = {x: name for name, ids_ in KB.programme["families"].items() for x in ids_}
UNSUPPORTED = {"single_leg_standing", "unsupported_standing", "floor_transfer"}
_CEILING = re.compile(r"(\d+) ?(?:/|out of )10")


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    path = write_intakes(tmp_path_factory.mktemp("round3") / "round3.yaml", DATA)
    out = score(path)
    assert sorted(out) == sorted(BY_NAME)
    return out


def test_vignettes_are_well_formed():
    assert len(BY_NAME) == len(DATA) >= 15
    for v in DATA:
        assert v.get("reason") and v.get("intake") and v.get("expect"), v["name"]
        assert not set(v["expect"]) - KNOWN_KEYS - OWN_KEYS, v["name"]


@pytest.mark.parametrize("name", list(BY_NAME))
def test_vignette(reports, name):
    v = BY_NAME[name]
    expect, report = v["expect"], reports[name]
    recs = {r["id"]: r for r in report["recommendations"]}
    exercises = {i: r for i, r in recs.items() if r["kind"] == "exercise"}
    why = (f"{name}: {v['reason']}\n  status={report['status']} urgency={report['urgency']!r} "
           f"red_flags={sorted(ids(report['red_flags']))} "
           f"precautions={sorted(ids(report['precautions']))}\n"
           f"  factors={sorted(ids(report['factors']))} recommendations={sorted(recs)}")
    assert report["status"] != "invalid", (why, report["errors"])
    if "status" in expect:
        assert report["status"] == expect["status"], why
    if "urgency" in expect:
        assert report["urgency"] == (expect["urgency"] or ""), why
    assert set(expect.get("red_flags_include", ())) <= ids(report["red_flags"]), why
    assert not set(expect.get("red_flags_absent", ())) & ids(report["red_flags"]), why
    assert set(expect.get("exercises_present", ())) <= set(recs), why
    assert not set(expect.get("exercises_absent", ())) & set(recs), why
    if expect.get("no_exercises"):
        assert not exercises, why
    assert set(expect.get("precautions_include", ())) <= ids(report["precautions"]), why
    assert not set(expect.get("precautions_absent", ())) & ids(report["precautions"]), why
    assert set(expect.get("factors_include", ())) <= ids(report["factors"]), why
    assert not set(expect.get("factors_absent", ())) & ids(report["factors"]), why
    for rec in exercises.values():
        assert not set(expect.get("no_hazards", ())) & set(rec["hazards"]), (why, rec["id"])
    if expect.get("balance_supported"):
        assert any(FAMILY.get(i) == "balance" and not set(r["hazards"]) & UNSUPPORTED
                   for i, r in exercises.items()), why
    if expect.get("safety_net"):
        assert report["safety_net"] and any("stroke" in s for s in report["safety_net"]), why
    if expect.get("pain_rule"):
        assert report["pain_rule"] == KB.programme["pain_rule"], why
    if expect.get("one_pain_rule"):
        allowed = set(_CEILING.findall(report["pain_rule"]))
        for rec in recs.values():
            for text in [rec["regression"], rec["progression_test"], *rec["cautions"]]:
                assert set(_CEILING.findall(text)) <= allowed, (why, rec["id"], text)
    if report["status"] == "refer":
        assert not recs, why
