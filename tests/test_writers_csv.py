"""The clinic's CSV table (``score --format csv``): plain-language columns, the
plan by stage, precautions, unanswered warning signs, the person's own answers
under the intake sheet's names, and the disclaimer on every row."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

from conftest import run_hipguide as run

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = [ROOT / "examples" / d for d in ("intakes", "fhir", "csv")]
SHEET = ROOT / "examples" / "csv" / "clinic_week.csv"


def table(*args) -> list[dict]:
    result = run("score", *args, "--format", "csv", "-q")
    return list(csv.DictReader(io.StringIO(result.stdout)))


def reports(*args) -> list[dict]:
    return json.loads(run("score", *args, "--format", "json", "-q").stdout)


def test_columns_shared_with_the_intake_sheet_mean_the_same_thing():
    template = run("schema", "--format", "csv-template").stdout.strip().split(",")
    rows = table(SHEET)
    shared = [c for c in rows[0] if c in template]
    assert shared == ["id", "age", "symptoms.hip_pain", "symptoms.pain_side"]
    # every other column is in plain words, not an intake field's name
    assert not [c for c in rows[0] if c not in shared and (c in template or "_" in c)]
    with SHEET.open(newline="") as handle:
        given = list(csv.DictReader(handle))
    assert len(rows) == len(given)
    for out, row in zip(rows, given, strict=True):
        for column in shared:
            assert out[column] == row.get(column, ""), (column, out["id"])


def test_cells_are_plain_words_never_internal_ids():
    for folder in EXAMPLES:
        for row, report in zip(table(folder), reports(folder), strict=True):
            ids = {f["id"] for f in report["factors"] + report["red_flags"]
                   + report["recommendations"] + report["precautions"]}
            ids |= {w["id"] for w in report["unanswered_warning_signs"]}
            text = " ".join(v for k, v in row.items() if k not in ("id", "source"))
            found = {i for i in ids if re.search(rf"\b{i}\b", text)}
            assert not found, (report["id"], found)
            assert not re.search(r"\b\w+:0\.\d\d\b", text)   # no factor:0.70


def test_rows_give_urgency_reasons_plan_precautions_and_unanswered_signs():
    rows = {r["id"]: r for r in table(EXAMPLES[0])}
    by_id = {r["id"]: r for r in reports(EXAMPLES[0])}
    fall = rows["fall-on-ice"]
    assert fall["status"] == "see a clinician" and fall["urgency"] == "emergency"
    for flag in by_id["fall-on-ice"]["red_flags"]:
        assert flag["name"] in fall["referral reasons"]
        assert all(e in fall["referral reasons"] for e in flag["evidence"])
    assert "emergency" in fall["what to do"]
    assert not fall["start here (weeks 1-2)"] and not fall["contributing factors"]
    assert fall["age"] == "79" and fall["symptoms.hip_pain"] == "7"

    for rid, report in by_id.items():
        names = {s: [r["name"] for r in report["recommendations"] if r["stage"] == s]
                 for s in ("start_here", "add_next", "later")}
        row = rows[rid]
        for stage, column in (("start_here", "start here (weeks 1-2)"),
                              ("add_next", "add next (weeks 3-6)"),
                              ("later", "later (optional)")):
            assert all(n in row[column] for n in names[stage]), (rid, column)
            assert bool(row[column]) == bool(names[stage])
        for sign in report["unanswered_warning_signs"]:
            assert sign["name"] in row["unanswered warning signs"]
        for precaution in report["precautions"]:
            assert precaution["name"] in row["precautions"]
            assert all(e in row["precautions"] for e in precaution["evidence"])
            assert all(x["name"] in row["precautions"] for x in precaution["withheld"])
        if report["status"] == "ok":
            for factor in report["factors"]:
                assert f"{factor['name']} ({factor['likelihood']})" in \
                    row["contributing factors"]
    withheld = rows["retired-arthritis"]["precautions"]
    assert "not given:" in withheld and "instead:" in withheld


def test_every_row_ends_with_the_disclaimer_and_invalid_rows_say_why(tmp_path):
    (tmp_path / "bad.yaml").write_text("id: bad-one\nsitting_hours: 30\n")
    (tmp_path / "ok.yaml").write_text("id: fine\nsitting_hours: 9\nactivity_level: sedentary\n")
    result = run("score", tmp_path, EXAMPLES[0], "--format", "csv", "-q")
    assert result.stdout.splitlines()[0].endswith(",disclaimer")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert all(r["disclaimer"] for r in rows)
    assert all(r["disclaimer"] for r in rows if r["start here (weeks 1-2)"])
    bad = next(r for r in rows if r["id"] == "bad-one")
    assert bad["status"].startswith("invalid") and "sitting_hours" in bad["problems"]
    assert not bad["start here (weeks 1-2)"] and bad["age"] == ""


def test_hostile_cells_in_the_new_columns_never_start_a_formula(tmp_path):
    (tmp_path / "a.yaml").write_text("id: '=HYPERLINK(\"x\")'\nsitting_hours: 3\n")
    (tmp_path / "b.yaml").write_text("id: '=HYPERLINK(\"x\")'\nsitting_hours: 40\n")
    rows = table(tmp_path)
    for row in rows:
        assert not any(v.startswith(("=", "+", "-", "@", "\t", "\r")) for v in row.values())
    assert [r["notes"].startswith("duplicate id:") for r in rows] == [False, True]
