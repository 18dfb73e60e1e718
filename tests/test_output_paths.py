"""Issue 23, item 2: no output is ever an input.  Every command that writes
refuses (exit 2, before any work) an output that is, links to, or will be one of
its inputs, for every intake type, and two outputs that name one file."""

from __future__ import annotations

import os

import pytest
from hostile_util import run

GOOD = "sitting_hours: 9\nactivity_level: sedentary\n"
CSV = "id,sitting_hours\nweek,9\n"
FHIR = ('{"resourceType": "QuestionnaireResponse", "status": "completed", "item": '
        '[{"linkId": "sitting_hours", "answer": [{"valueDecimal": 9}]}]}')
INPUTS = {"yaml": GOOD, "yml": GOOD, "json": FHIR, "jsonl": FHIR + "\n", "csv": CSV,
          "xlsx": "PK not really a workbook"}


def _snapshot(folder):
    return {p.name: p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _refused(proc, *words):
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    for word in words:
        assert word in proc.stderr, proc.stderr


def test_an_input_of_any_type_is_never_overwritten_through_any_name(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    commands = [("score", "--format", "csv"), ("convert", "--to", "yaml")]
    for n, suffix in enumerate(sorted(INPUTS)):
        given = folder / f"week.{suffix}"
        given.write_text(INPUTS[suffix])
        os.link(given, tmp_path / f"hard{n}.out")
        os.symlink(given, tmp_path / f"soft{n}.out")
    before = _snapshot(tmp_path)
    for n, suffix in enumerate(sorted(INPUTS)):   # each type, each name, each command
        given = folder / f"week.{suffix}"
        names = [given, tmp_path / f"hard{n}.out", tmp_path / f"soft{n}.out"]
        command = commands[n % 2]
        _refused(run(command[0], given, *command[1:], "-o", names[n % 3]), "input")
        _refused(run(command[0], folder, *command[1:], "-o", names[(n + 1) % 3]), "input")
    _refused(run("progress", tmp_path / "hard0.out", folder / "week.yaml", "-o",
                 tmp_path / "soft0.out"), "input")
    assert _snapshot(tmp_path) == before


@pytest.mark.parametrize("name", ["report.csv", "sub/report.jsonl", "report.XLSX"])
def test_a_report_is_never_written_where_the_next_run_would_read_it_as_an_intake(
        tmp_path, name):
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.yaml").write_text(GOOD)
    (folder / "b.yaml").write_text(GOOD)
    _refused(run("score", folder, "--format", "csv", "-o", folder / name),
             "inside the input folder", "read as an intake")
    _refused(run("convert", folder, "--to", "csv", "-o", folder / name), "input folder")
    (tmp_path / "later").mkdir()
    _refused(run("progress", tmp_path / "later", folder, "-o", folder / name), "input folder")
    assert not (folder / name).exists()
    # a name no scan reads is fine, and the next run reads only the intakes
    proc = run("score", folder, "--format", "text", "-o", folder / "report.txt")
    assert proc.returncode == 0, proc.stderr
    again = run("score", folder, "--format", "jsonl")
    assert again.returncode == 0 and len(again.stdout.splitlines()) == 2


def test_a_hard_link_into_an_input_folder_is_refused(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "week.csv").write_text(CSV)
    os.link(folder / "week.csv", tmp_path / "report.txt")
    _refused(run("score", folder, "-o", tmp_path / "report.txt"), "hard link")
    assert (folder / "week.csv").read_text() == CSV


def test_ask_refuses_one_file_for_two_outputs_even_before_either_exists(tmp_path):
    save, handout = tmp_path / "me.yaml", tmp_path / "me.html"
    for args in (["--save", save, "--handout", save],
                 ["--save", save, "--handout", tmp_path / "." / "me.yaml"],
                 ["--save", save, "--handout", f"{save}.partial"]):
        proc = run("ask", *args, stdin="")
        _refused(proc, "name the same file")
        assert not save.exists()
    proc = run("ask", "--save", save, "--handout", "", stdin="")
    _refused(proc, "--handout", "empty")
    proc = run("ask", "--save", "", "--handout", handout, stdin="")
    _refused(proc, "--save", "empty")
    assert not handout.exists()


def test_progress_refuses_to_compare_a_file_with_itself(tmp_path):
    intake = tmp_path / "a.yaml"
    intake.write_text(GOOD)
    os.symlink(intake, tmp_path / "link.yaml")
    for other in (intake, tmp_path / "link.yaml", tmp_path / "." / "a.yaml"):
        _refused(run("progress", intake, other), "same file")
    _refused(run("progress", tmp_path, tmp_path / "."), "same file")


def test_empty_arguments_and_option_values_are_refused(tmp_path):
    intake = tmp_path / "a.yaml"
    intake.write_text(GOOD)
    for args in (["score", ""], ["validate", " "], ["progress", "", intake],
                 ["score", intake, "--output="], ["convert", intake, "--to", "csv", "-o", ""],
                 ["ask", "--handout="]):
        proc = run(*args, stdin="")
        _refused(proc, "empty")
        assert proc.stdout == ""


REPORT_FORMATS = {"yaml": "yaml", "json": "json", "jsonl": "jsonl", "csv": "csv",
                  "text": "yaml", "parquet": "parquet"}


def test_a_report_read_as_an_intake_is_named_for_what_it_is(tmp_path):
    # a report left where intakes are read (an earlier run's output) costs one
    # line saying what it is, not a flood of unknown keys, and is never scored
    (tmp_path / "p.yaml").write_text("id: p\n" + GOOD)
    folder = tmp_path / "reports"
    folder.mkdir()
    formats = dict(REPORT_FORMATS)
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        formats.pop("parquet")
    for fmt, suffix in formats.items():
        out = folder / f"from_{fmt}.{suffix}"
        made = run("score", tmp_path / "p.yaml", "--format", fmt, "-o", out, "-q")
        assert made.returncode == 0, made.stderr
    proc = run("score", folder, "--format", "jsonl", "--jobs", "1")
    assert proc.returncode == 1
    reports = [__import__("json").loads(line) for line in proc.stdout.splitlines()]
    assert len(reports) == len(formats)
    for report in reports:
        assert report["status"] == "invalid"
        (error,) = report["errors"]
        assert "a report written by hipguide, not an intake" in error["message"], report
    lines = [line for line in proc.stderr.splitlines() if "not an intake" in line]
    assert len(lines) == len(formats), proc.stderr


def test_an_intake_with_a_status_key_is_still_just_an_unknown_key(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(GOOD + "status: done\n")
    proc = run("score", path, "--format", "jsonl")
    assert "unknown key 'status'" in proc.stderr and "not an intake" not in proc.stderr


def test_every_suffix_the_intake_reader_takes_is_an_intake_suffix_for_outputs():
    """An output is never named like an input: the output check's list holds
    every suffix a folder scan reads (each may also be gzipped)."""
    from hipguide.intake.record import SUFFIXES
    from hipguide.report.output import INTAKE_SUFFIXES

    assert {suffix.lower() for suffix in SUFFIXES} | {".gz"} <= INTAKE_SUFFIXES
