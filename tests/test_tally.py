"""Batch conveniences of ``score``: the summary line, --quiet, --summary, the
progress counter (only on a terminal), and shell completion."""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from pathlib import Path

import pytest
from conftest import hipguide_exe
from conftest import run_hipguide as run

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "intakes"
HIPGUIDE = hipguide_exe()
INTAKE = "sitting_hours: {hours}\nactivity_level: sedentary\nposture: [knee_valgus]\n"


@pytest.fixture
def batch(tmp_path):
    """25 intake files: 23 fine, one red flag, one invalid."""
    folder = tmp_path / "week"
    folder.mkdir()
    for i in range(23):
        (folder / f"p{i:02d}.yaml").write_text(INTAKE.format(hours=4 + i % 8))
    (folder / "p23.yaml").write_text("sitting_hours: 5\nsymptoms: {pain_after_fall: true}\n")
    (folder / "p24.yaml").write_text("sitting_hours: 25\n")
    return folder


SUMMARY = re.compile(r"hipguide: (\d+) intakes? in \d+\.\d\d s: (\d+) scored ok, "
                     r"(\d+) referred, (\d+) invalid")


def test_summary_line_on_stderr(batch):
    result = run("score", batch, "--format", "jsonl")
    assert result.returncode == 1  # one invalid intake
    assert len(result.stdout.splitlines()) == 25  # the reports stream is untouched
    last = result.stderr.splitlines()[-1]
    match = SUMMARY.fullmatch(last)
    assert match, last
    assert match.groups() == ("25", "23", "1", "1")


def test_summary_line_for_examples():
    result = run("score", EXAMPLES, "--format", "csv")
    assert result.returncode == 0
    assert SUMMARY.fullmatch(result.stderr.strip()).groups() == ("7", "5", "2", "0")


def test_quiet_silences_progress_and_summary_but_not_problems(batch):
    result = run("score", batch, "--format", "jsonl", "--quiet")
    assert result.returncode == 1
    assert "intakes in" not in result.stderr
    assert "p24.yaml" in result.stderr and "sitting_hours" in result.stderr
    assert "\r" not in result.stderr


def test_no_progress_in_pipes(batch):
    result = run("score", batch, "--format", "jsonl")
    assert "\r" not in result.stderr and "files" not in result.stderr


def test_batch_summary_counts_factors_and_red_flags(batch):
    result = run("score", batch, "--format", "jsonl", "--summary")
    reports = [json.loads(line) for line in result.stdout.splitlines()]
    factors = Counter(f["id"] for r in reports for f in r["factors"])
    flags = Counter(f["id"] for r in reports for f in r["red_flags"])
    text = result.stderr
    assert "Batch summary: 25 intakes: 23 scored ok, 1 referred to a clinician, 1 invalid" in text
    assert "Factors (intakes, of 24 assessed):" in text
    assert "Red flags (intakes, of 24 assessed):" in text
    for factor, n in factors.items():
        assert re.search(rf"^  {factor} +{n} +\d+%  ", text, re.M), factor
    for flag, n in flags.items():
        assert re.search(rf"^  {flag} +{n} +\d+%  ", text, re.M), flag
    assert flags == {"trauma": 1}
    # the summary is printed even with --quiet (it was asked for), the tally line is not
    quiet = run("score", batch, "--format", "jsonl", "--summary", "-q").stderr
    assert "Batch summary" in quiet and not SUMMARY.search(quiet)


def _pty_run(args):
    pexpect = pytest.importorskip("pexpect")
    child = pexpect.spawn(HIPGUIDE, [str(a) for a in args], encoding="utf-8", timeout=60,
                          env={**os.environ, "TERM": "dumb"})
    child.expect(pexpect.EOF)
    child.close()
    return child.before, child.exitstatus


def test_progress_on_a_terminal_for_big_batches(batch, tmp_path):
    out, status = _pty_run(["score", batch, "--format", "jsonl", "-o", tmp_path / "r.jsonl"])
    assert status == 1
    assert "\rhipguide: [" in out and "25/25 files" in out
    assert "\r\x1b[K" in out  # the progress line is cleared before the summary
    assert SUMMARY.search(out)
    assert len((tmp_path / "r.jsonl").read_text().splitlines()) == 25


def test_no_progress_on_a_terminal_for_small_batches_or_quiet(batch, tmp_path):
    out, _ = _pty_run(["score", EXAMPLES, "--format", "jsonl", "-o", tmp_path / "r.jsonl"])
    assert "files" not in out and SUMMARY.search(out)
    out, _ = _pty_run(["score", batch, "--format", "jsonl", "-q", "-o", tmp_path / "r.jsonl"])
    assert "files" not in out and not SUMMARY.search(out)


@pytest.mark.parametrize(("shell", "marker"), [("bash", "_hipguide_completion"),
                                               ("zsh", "#compdef hipguide"),
                                               ("fish", "complete")])
def test_shell_completion_script(shell, marker):
    result = run(env={"_HIPGUIDE_COMPLETE": f"{shell}_source"})
    assert result.returncode == 0
    assert marker in result.stdout


def test_completion_knows_the_subcommands():
    result = run(env={"_HIPGUIDE_COMPLETE": "bash_complete", "COMP_WORDS": "hipguide ru",
                      "COMP_CWORD": "1"})
    assert "plain,rules" in result.stdout.split()
