"""Clinical vignettes (tests/clinical/vignettes.yaml): real people, each with the
reason a careful physiotherapist would give and what hipguide must say. They are
scored together through the installed console script, as a clinic would
(``hipguide score FILE --format jsonl``: one JSON document per vignette), and
each vignette's ``expect`` keys are checked against its report."""

import json
from pathlib import Path

import pytest
import yaml
from conftest import run_hipguide

CLINICAL = Path(__file__).parent / "clinical"
VIGNETTES = CLINICAL / "vignettes.yaml"
# every vignette file in tests/clinical/ (vignettes.yaml and the later sets)
# round3_precautions.yaml has its own runner (test_clinical_precautions.py, with its
# own expect keys: pain_rule, safety_net)
DATA = [v for path in sorted(CLINICAL.glob("*.yaml")) if path.name != "round3_precautions.yaml"
        for v in yaml.safe_load(path.read_text(encoding="utf-8"))["vignettes"]]
BY_NAME = {v["name"]: v for v in DATA}

KNOWN_KEYS = {
    "status", "urgency", "red_flags_include", "red_flags_absent", "exercises_absent",
    "exercises_present", "no_exercises", "precautions_include", "precautions_absent",
    "unanswered_include",
    "unanswered_empty", "factors_absent", "factors_include", "recommendations_absent",
    "errors_present", "text_absent",
}


class _NoAliases(yaml.SafeDumper):
    def ignore_aliases(self, data):
        return True


def write_intakes(path: Path, vignettes) -> Path:
    """One YAML document per vignette, its name as the intake id."""
    docs = [{"id": v["name"], **v["intake"]} for v in vignettes]
    path.write_text(yaml.dump_all(docs, Dumper=_NoAliases, sort_keys=False), encoding="utf-8")
    return path


def score(path: Path, *options, broken: bool = False) -> dict:
    """Reports by id; ``broken``: some intakes have errors (exit 1, yet assessed)."""
    result = run_hipguide("score", path, "--format", "jsonl", "--quiet", *options)
    assert result.returncode == (1 if broken else 0), result.stderr
    reports = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    return {r["id"]: r for r in reports}


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    path = write_intakes(tmp_path_factory.mktemp("vignettes") / "vignettes.yaml", DATA)
    out = score(path, broken=any(v["expect"].get("errors_present") for v in DATA))
    assert sorted(out) == sorted(BY_NAME), "one report per vignette, by id"
    return out


def _words(report: dict) -> str:
    """Everything the report says to the person (not its ids or rule names)."""
    keep = ("referral", "call_emergency_now", "unscreened_advice", "reassess")
    parts = [report.get(k) or "" for k in keep]
    for flag in report["red_flags"]:
        parts += [flag["name"], flag["advice"], flag.get("because", "")]
    for rec in report["recommendations"]:
        parts += [rec["name"], rec["purpose"], *rec["steps"], *rec["cautions"]]
    return " ".join(parts)


def ids(items) -> set:
    return {item["id"] for item in items}


def test_vignettes_are_well_formed():
    assert len(DATA) >= 45
    assert len(BY_NAME) == len(DATA), "vignette names are unique"
    for v in DATA:
        assert v.get("reason") and v.get("intake") and v.get("expect"), v["name"]
        unknown = set(v["expect"]) - KNOWN_KEYS
        assert not unknown, f"{v['name']}: unknown expect keys {unknown}"


@pytest.mark.parametrize("name", list(BY_NAME))
def test_vignette(reports, name):
    vignette = BY_NAME[name]
    expect, report = vignette["expect"], reports[name]
    why = f"{name}: {vignette['reason']}"
    assert report["status"] != "invalid", (why, report["errors"])
    if expect.get("errors_present"):   # fail safe: referred although the intake is broken
        assert report["errors"], why
    else:
        assert not report["errors"], (why, report["errors"])
    for phrase in expect.get("text_absent", ()):
        assert phrase not in _words(report), f"{why}\n  says {phrase!r}"
    red = ids(report["red_flags"])
    recs = {r["id"]: r for r in report["recommendations"]}
    exercises = {i for i, r in recs.items() if r["kind"] == "exercise"}
    unanswered = ids(report["unanswered_warning_signs"])
    summary = (f"{why}\n  status={report['status']} urgency={report['urgency']!r} "
               f"red_flags={sorted(red)} precautions={sorted(ids(report['precautions']))}\n"
               f"  factors={sorted(ids(report['factors']))} recommendations={sorted(recs)}\n"
               f"  unanswered={sorted(unanswered)}")

    if "status" in expect:
        assert report["status"] == expect["status"], summary
    if "urgency" in expect:
        assert report["urgency"] == (expect["urgency"] or ""), summary
    assert set(expect.get("red_flags_include", ())) <= red, summary
    assert not set(expect.get("red_flags_absent", ())) & red, summary
    assert set(expect.get("exercises_present", ())) <= set(recs), summary
    assert not set(expect.get("exercises_absent", ())) & set(recs), summary
    assert not set(expect.get("recommendations_absent", ())) & set(recs), summary
    if expect.get("no_exercises"):
        assert not exercises, summary
    assert set(expect.get("precautions_include", ())) <= ids(report["precautions"]), summary
    assert not set(expect.get("precautions_absent", ())) & ids(report["precautions"]), summary
    assert set(expect.get("factors_include", ())) <= ids(report["factors"]), summary
    assert not set(expect.get("factors_absent", ())) & ids(report["factors"]), summary
    assert set(expect.get("unanswered_include", ())) <= unanswered, summary
    if expect.get("unanswered_empty"):
        assert not unanswered, summary
    if report["status"] == "refer":
        assert not recs, f"{summary}\n  a red flag gives no exercise and no habit"
    assert report["disclaimer"], summary


def test_withhold_policy_gives_no_exercises_while_a_warning_sign_is_unanswered(tmp_path):
    """``--unscreened withhold``: vignettes with an unanswered warning sign get no
    exercises (precaution unscreened_withheld) but keep it listed; fully screened
    ones are untouched by the policy."""
    unscreened = [v for v in DATA if v["expect"].get("unanswered_include")]
    screened = [v for v in DATA if v["expect"].get("unanswered_empty")
                and v["expect"].get("status") == "ok"]
    assert unscreened and screened
    path = write_intakes(tmp_path / "withhold.yaml", unscreened + screened)
    advised, withheld = score(path), score(path, "--unscreened", "withhold")
    for v in unscreened:
        report = withheld[v["name"]]
        assert not [r for r in report["recommendations"] if r["kind"] == "exercise"], v["name"]
        assert "unscreened_withheld" in ids(report["precautions"]), v["name"]
        assert set(v["expect"]["unanswered_include"]) <= ids(report["unanswered_warning_signs"])
        # habits stay: only exercises are held back
        habits = {r["id"] for r in advised[v["name"]]["recommendations"] if r["kind"] == "habit"}
        assert habits <= ids(report["recommendations"]), v["name"]
    assert any(r["kind"] == "exercise" for v in unscreened
               for r in advised[v["name"]]["recommendations"]), \
        "the advise policy gives these vignettes exercises, so withholding is tested"
    for v in screened:
        assert withheld[v["name"]] == advised[v["name"]], v["name"]
