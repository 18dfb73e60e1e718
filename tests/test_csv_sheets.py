"""Issue 23, items 4 and 8 for CSV sheets: read as a stream of rows, every problem
at its real line, blank lines before the header tolerated, a row the CSV reader
cannot read costs only itself, ids keep their spaces, and ids a spreadsheet
would run as formulas are escaped by ``convert --to csv`` and read back."""

from __future__ import annotations

import json

from hostile_util import run


def _reports(proc) -> list[dict]:
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    return [json.loads(line) for line in proc.stdout.splitlines()]


def test_blank_lines_before_the_header_and_errors_at_their_real_line(tmp_path):
    sheet = tmp_path / "week.csv"
    sheet.write_text('\n\n id,sitting_hours\nanna,3\n"bad"x,6\nbob,"7\n"\ncarl,99\ndora,8\n')
    proc = run("score", sheet, "--format", "jsonl")
    reports = _reports(proc)
    assert [(r["id"], r["status"]) for r in reports] == [
        ("anna", "ok"), ("week#5", "invalid"), ("bob", "ok"), ("carl", "invalid"),
        ("dora", "ok")]
    assert reports[1]["errors"][0]["line"] == 5 and "CSV" in reports[1]["errors"][0]["message"]
    assert reports[3]["errors"][0]["line"] == 8   # bob's quoted cell spans lines 6-7
    assert f"{sheet}:5" in proc.stderr and f"{sheet}:8" in proc.stderr


def test_a_header_problem_names_the_header_line(tmp_path):
    sheet = tmp_path / "week.csv"
    sheet.write_text("\n\nid,sittin_hours\nanna,3\n")
    proc = run("validate", sheet)
    assert proc.returncode == 1
    assert f"{sheet}:3:" in proc.stdout and "sitting_hours" in proc.stdout


def test_ids_keep_their_spaces_and_formula_ids_are_escaped_through_csv(tmp_path):
    source = tmp_path / "people.yaml"
    ids = [" lead", "trail ", "=HYPERLINK(1)", "+1", "-2", "@SUM(A1)", "'=quoted"]
    source.write_text("".join(f"---\nid: {json.dumps(i)}\nsitting_hours: 3\n" for i in ids))
    out = tmp_path / "people.csv"
    proc = run("convert", source, "--to", "csv", "-o", out)
    assert proc.returncode == 0, proc.stderr
    cells = [line.split(",")[0] for line in out.read_text().splitlines()[1:]]
    assert all(not cell.startswith(("=", "+", "-", "@")) for cell in cells)
    assert "'=HYPERLINK(1)" in cells
    back = _reports(run("score", out, "--format", "jsonl"))
    assert [r["id"] for r in back] == ids
