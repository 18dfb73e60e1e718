"""The clinic desk's triage list (``score --format triage``), ``--only``, and
usage errors, through the installed command."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest
from conftest import run_hipguide as run

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "intakes"
ORDER = ["EMERGENCY", "SAME DAY", "URGENT", "SOON", "INVALID", "ok"]
NO_FLAGS = {k: False for k in (
    "numbness_or_tingling", "new_leg_weakness", "night_pain", "pain_after_fall",
    "cannot_bear_weight", "fever_or_unwell", "hot_swollen_joint", "unexplained_weight_loss",
    "history_of_cancer", "bowel_or_bladder_change", "saddle_numbness")}


def intake(pid: str, **symptoms) -> str:
    lines = [f"id: {json.dumps(pid, ensure_ascii=False)}", "sitting_hours: 9",
             "activity_level: sedentary", "symptoms:"]
    lines += [f"  {k}: {json.dumps(v)}" for k, v in {**NO_FLAGS, **symptoms}.items()]
    return "\n".join(lines) + "\n"


@pytest.fixture
def clinic(tmp_path):
    """A day's intakes in an order that is not the triage order."""
    folder = tmp_path / "today"
    folder.mkdir()
    files = {
        "a_ok.yaml": intake("anna", stiffness=True, limited_rotation=True),
        "b_soon.yaml": intake("ben", night_pain=True),
        "c_bad.yaml": "id: carl\nsitting_hours: 30\n",
        "d_emergency.yaml": intake("dora", pain_after_fall=True, cannot_bear_weight=True),
        "e_ok.yaml": intake("emil"),
        "f_sameday.yaml": intake("fay", fever_or_unwell=True, hot_swollen_joint=True),
        "g_urgent.yaml": intake("gus", new_leg_weakness=True),
    }
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder


def width(text: str) -> int:
    """Terminal columns: wide characters 2, combining marks 0."""
    return sum(0 if unicodedata.combining(c) else
               2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def lines_of(result) -> list[str]:
    return result.stdout.splitlines()[1:]  # below the header


def urgency(line: str) -> str:
    return next(label for label in sorted(ORDER, key=len, reverse=True)
                if line.startswith(label))


def test_triage_sorts_by_urgency_and_each_line_fits_100_columns(clinic):
    result = run("score", clinic, "--format", "triage")
    assert result.returncode == 1  # carl is invalid
    lines = lines_of(result)
    assert len(lines) == 7
    assert result.stdout.splitlines()[0].startswith("URGENCY")
    ranks = [ORDER.index(urgency(line)) for line in lines]
    assert ranks == sorted(ranks), lines
    assert all(width(line) <= 100 for line in result.stdout.splitlines())
    # the json report of every intake agrees with the line it got
    reports = json.loads(run("score", clinic, "--format", "json", "-q").stdout)
    for report in reports:
        line = next(line for line in lines if re.search(rf"\s{report['id']}\s", line))
        expected = {"refer": report["urgency"].replace("_", " ").upper(),
                    "invalid": "INVALID", "ok": "ok"}[report["status"]]
        assert urgency(line) == expected, (line, report["urgency"])


def test_referral_lines_give_the_answers_behind_them_and_ok_lines_the_plan(clinic):
    lines = lines_of(run("score", clinic, "--format", "triage"))
    dora = next(line for line in lines if " dora " in line)
    assert "weight on the leg" in dora and dora.startswith("EMERGENCY")
    carl = next(line for line in lines if " carl " in line)
    assert "sitting_hours" in carl and "not assessed" in carl
    reports = {r["id"]: r for r in json.loads(
        run("score", clinic, "--format", "json", "-q").stdout)}
    first = reports["anna"]["recommendations"][0]
    assert first["stage"] == "start_here"
    anna = next(line for line in lines if " anna " in line)
    assert first["name"].lower()[:20] in anna.lower()
    assert f"{reports['anna']['plan']['minutes']} min" in anna


def test_groups_keep_input_order_and_long_ids_are_cut(tmp_path):
    folder = tmp_path / "batch"
    folder.mkdir()
    long_id = "patient-with-a-very-long-identifier-from-the-hospital-system-0001"
    (folder / "1.yaml").write_text(intake(long_id, night_pain=True))
    (folder / "2.yaml").write_text(intake("二号病人二号病人二号病人二号病人二号病人"))
    (folder / "3.yaml").write_text(intake("zed", night_pain=True))
    (folder / "4.yaml").write_text(intake("amy", night_pain=True))
    result = run("score", folder, "--format", "triage")
    lines = lines_of(result)
    assert all(width(line) <= 100 for line in result.stdout.splitlines())
    assert "\u2026" in lines[0] and long_id[:15] in lines[0] and long_id not in lines[0]
    # same group: input order (1, 3, 4), not sorted by id
    assert [line.split()[1][:3] for line in lines[:3]] == ["pat", "zed", "amy"]
    assert "\u2026" in lines[3]


def test_only_filters_every_format(clinic):
    triage = lines_of(run("score", clinic, "--format", "triage", "--only", "refer"))
    assert len(triage) == 4 and not any(urgency(line) in ("ok", "INVALID") for line in triage)
    both = lines_of(run("score", clinic, "--format", "triage", "--only", "ok",
                        "--only", "invalid"))
    assert sorted(urgency(line) for line in both) == ["INVALID", "ok", "ok"]
    for fmt in ("json", "jsonl", "csv", "text", "yaml", "html"):
        result = run("score", clinic, "--format", fmt, "--only", "invalid", "-q")
        assert "carl" in result.stdout and "anna" not in result.stdout, fmt
        assert "dora" not in result.stdout, fmt
    reports = json.loads(run("score", clinic, "--format", "json", "--only", "refer").stdout)
    assert sorted(r["id"] for r in reports) == ["ben", "dora", "fay", "gus"]


def test_problems_of_intakes_filtered_out_still_reach_stderr(clinic):
    result = run("score", clinic, "--only", "ok")
    assert "carl" not in result.stdout and result.returncode == 1
    assert "c_bad.yaml" in result.stderr and "sitting_hours" in result.stderr


def test_only_rejects_an_unknown_status(clinic):
    result = run("score", clinic, "--only", "referred")
    assert result.returncode == 2 and "refer" in result.stderr


def test_a_missing_path_is_a_one_line_usage_error(clinic, tmp_path):
    missing = tmp_path / "no-such-folder"
    result = run("score", clinic, missing, "--format", "json")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip().count("\n") == 0
    assert str(missing) in result.stderr
    assert "disclaimer" not in result.stderr.lower() and "invalid" not in result.stderr
    result = run("validate", clinic, missing)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip() == f"hipguide: no such file or folder: {missing}"


def test_pdf_format_points_to_html_and_printing(clinic):
    result = run("score", clinic, "--format", "pdf")
    assert result.returncode == 2 and result.stdout == ""
    assert "--format html" in result.stderr and "print" in result.stderr


def test_hostile_ids_stay_on_their_line_within_100_columns(tmp_path):
    ids = ["\u202eevil-rtl-override", "tab\there", "esc\x1b[2Jclear", "e\u0301" * 60,
           "\U0001f600" * 70, "\u5c71" * 80, "x" * 190]
    for i, rid in enumerate(ids):
        (tmp_path / f"{i}.yaml").write_text(intake(rid, night_pain=bool(i % 2)))
    result = run("score", tmp_path, "--format", "triage")
    lines = result.stdout.splitlines()
    assert len(lines) == 1 + len(ids)
    for line in lines:
        assert width(line) <= 100, line
        assert not any(c in line for c in "\x1b\t\u202e")
    assert sum("\u2026" in line for line in lines) >= 3   # the long ones are cut
