"""Duplicate ids in one run, and --summary naming the intakes behind each count,
through the installed command."""

from __future__ import annotations

import json
import re

from conftest import run_hipguide as run
from test_triage import intake


def test_duplicate_ids_are_reported_and_nothing_is_merged_or_dropped(tmp_path):
    folder = tmp_path / "batch"
    folder.mkdir()
    (folder / "a.yaml").write_text(intake("p-1"))
    (folder / "b.yaml").write_text(intake("p-2"))
    (folder / "c.yaml").write_text(intake("p-1", night_pain=True) + "---\n" + intake("p-1"))
    (folder / "d.csv").write_text("id,sitting_hours\np-2,3\np-3,4\n")
    result = run("score", folder, "--format", "jsonl")
    assert result.returncode == 0
    reports = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in reports] == ["p-1", "p-2", "p-1", "p-1", "p-2", "p-3"]
    assert reports[2]["status"] == "refer" and reports[3]["status"] == "ok"  # not merged
    flagged = [r for r in reports if r["warnings"]]
    assert len(flagged) == 3
    for report in flagged:
        (warning,) = report["warnings"]
        assert warning["code"] == "duplicate_id" and report["id"] in warning["message"]
    assert "a.yaml" in reports[2]["warnings"][0]["message"]
    assert "b.yaml" in reports[4]["warnings"][0]["message"]
    assert not reports[0]["warnings"] and not reports[5]["warnings"]
    lines = [line for line in result.stderr.splitlines() if "duplicate id" in line]
    assert len(lines) == 3
    assert any("'p-2'" in line and "d.csv (row 2)" in line and "b.yaml" in line
               for line in lines)
    # every format keeps every report; the text report and the triage list say it too
    text = run("score", folder, "-q").stdout
    assert text.count("== p-1 ") == 3 and text.count("Note: duplicate id: 'p-1'") == 2
    html = run("score", folder, "--format", "html", "-q").stdout
    assert html.count("For the clinic: duplicate id: &#39;p-1&#39;") == 2
    triage = run("score", folder, "--format", "triage", "-q").stdout.splitlines()[1:]
    assert len(triage) == 6
    marked = [line.split()[1] for line in triage if "DUPLICATE ID" in line]
    assert sorted(marked) == ["p-1", "p-1", "p-1", "p-2", "p-2"]


def test_unique_ids_get_no_warning(tmp_path):
    (tmp_path / "a.yaml").write_text(intake("one"))
    (tmp_path / "b.yaml").write_text(intake("two"))
    result = run("score", tmp_path, "--format", "json")
    assert all(r["warnings"] == [] for r in json.loads(result.stdout))
    assert "duplicate" not in result.stderr


def test_default_ids_meet_given_ids_and_same_named_files(tmp_path):
    # ids the files give by default (stem#n, or the bare stem) are remembered as
    # bits, not strings: they must still meet a given id and a same-named file
    bare = intake("dropped").split("\n", 1)[1]   # no id: the file gives one
    (tmp_path / "x").mkdir()
    (tmp_path / "y").mkdir()
    (tmp_path / "x" / "clinic.yaml").write_text(
        bare + "---\n" + bare)
    (tmp_path / "y" / "clinic.yaml").write_text(
        intake("clinic#1") + "---\n" + intake("keep") + "---\n" + bare)
    (tmp_path / "y" / "solo.yaml").write_text(bare)
    (tmp_path / "z.yaml").write_text(intake("solo") + "---\n" + intake("clinic#3"))
    result = run("score", tmp_path / "x", tmp_path / "y", tmp_path / "z.yaml",
                 "--format", "jsonl")
    reports = [json.loads(line) for line in result.stdout.splitlines()]
    ids = [r["id"] for r in reports]
    assert ids == ["clinic#1", "clinic#2", "clinic#1", "keep", "clinic#3", "solo",
                   "solo", "clinic#3"]
    warned = [bool(r["warnings"]) for r in reports]
    assert warned == [False, False, True, False, False, False, True, True]
    assert "x/clinic.yaml;" in reports[2]["warnings"][0]["message"]
    assert "solo.yaml" in reports[6]["warnings"][0]["message"]
    assert "clinic.yaml (intake 3)" in reports[7]["warnings"][0]["message"]


def test_summary_names_the_intakes_behind_each_red_flag_factor_and_recommendation(tmp_path):
    for i in range(8):
        (tmp_path / f"p{i}.yaml").write_text(intake(f"night-{i}", night_pain=True))
    (tmp_path / "q.yaml").write_text(intake("desk-worker", stiffness=True))
    result = run("score", tmp_path, "--format", "jsonl", "--summary")
    reports = [json.loads(line) for line in result.stdout.splitlines()]
    lines = result.stderr.splitlines()
    block = lines[lines.index(next(x for x in lines if x.startswith("Red flags"))):]
    night = next(i for i, x in enumerate(block) if x.split()[:1] == ["night_pain"])
    assert re.search(r"\b8\b", block[night])
    assert block[night + 1].split() == ["ids:", "night-0,", "night-1,", "night-2,", "night-3,",
                                        "night-4", "and", "3", "more"]
    # each factor and recommendation lists exactly the intakes that have it
    for kind in ("factors", "recommendations"):
        owners: dict = {}
        for report in reports:
            for item in report[kind]:
                owners.setdefault(item["id"], []).append(report["id"])
        for item_id, ids in owners.items():
            at = next(i for i, x in enumerate(lines) if x.split()[:1] == [item_id])
            assert lines[at].split()[1] == str(len(ids))
            shown = lines[at + 1].split("ids: ")[1]
            assert shown.split(" and ")[0].split(", ") == ids[:5]
