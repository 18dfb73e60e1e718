"""Batch scoring on worker processes: same output whatever --jobs, and streamed.

No timing assertions here (machines are noisy): benchmarks/bench.py measures.
"""

from __future__ import annotations

import os
import select
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from gen import generate  # noqa: E402

N = 320  # above batch.AUTO_PARALLEL_MIN, so the default --jobs uses every core
STDIN_INTAKE = "id: from-stdin\nsitting_hours: 9\nactivity_level: sedentary\n"


@pytest.fixture(scope="module")
def intakes(tmp_path_factory) -> Path:
    directory = generate(tmp_path_factory.mktemp("intakes"), N, seed=7)
    # a file holding several documents, and one that is broken YAML
    (directory / "999").mkdir()
    (directory / "999" / "multi.yaml").write_text(
        "sitting_hours: 9\n---\nsitting_hours: 2\nactivity_level: active\n---\nage: 5\n")
    (directory / "999" / "broken.yaml").write_text("sitting_hours: [1, 2\n")
    return directory


def _score(args: list, stdin: str = "") -> subprocess.CompletedProcess:
    # --quiet: the end-of-batch summary line carries a wall-clock time
    return subprocess.run([sys.executable, "-m", "hipguide.cli", "score", "--quiet", *args],
                          input=stdin,
                          capture_output=True, text=True, env=_env(), timeout=600)


def _env() -> dict:
    return {**os.environ, "PYTHONHASHSEED": "random"}


@pytest.mark.parametrize("fmt", ["jsonl", "text"])
def test_same_output_whatever_the_number_of_jobs(intakes, fmt):
    runs = {jobs: _score([str(intakes), "-", str(ROOT / "examples" / "intakes"), "--format", fmt,
                          *(["--jobs", jobs] if jobs else [])], stdin=STDIN_INTAKE)
            for jobs in ("1", "2", None)}
    one = runs["1"]
    assert one.returncode == 1  # the generated batch holds a few invalid intakes
    assert one.stdout.count("from-stdin") == 1
    assert len(one.stdout) > 100 * N
    for jobs, run in runs.items():
        assert (run.returncode, run.stdout, run.stderr) == (one.returncode, one.stdout,
                                                            one.stderr), jobs


def test_jobs_must_be_positive(intakes):
    assert _score([str(intakes), "--jobs", "0"]).returncode == 2


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_reports_are_streamed_before_the_batch_ends(intakes, jobs):
    """The batch ends with standard input, which stays open: the first reports must
    already be out while hipguide waits for it (nothing is collected in a list)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "hipguide.cli", "score", str(intakes), "-", "--format", "jsonl",
         "--jobs", jobs], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, text=True, env=_env())
    try:
        # a guard against hanging, not a timing test: a collecting batch writes nothing
        # until standard input is closed, which this test does only after the first line
        ready, _, _ = select.select([proc.stdout], [], [], 300)
        assert ready, "no report was written while the batch was still running"
        first = proc.stdout.readline()
        assert first.startswith('{"id": "bench-000000"')
        assert proc.poll() is None, "the batch cannot have ended: standard input is open"
        proc.stdin.write(STDIN_INTAKE)
        proc.stdin.close()
        rest = proc.stdout.read().splitlines()
        assert rest[-1].startswith('{"id": "from-stdin"')
        assert len(rest) + 1 == N + 5  # every generated file, multi.yaml x3, broken, stdin
        assert proc.wait(timeout=600) == 1
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_parallel_batches_are_ordered_per_document(intakes):
    """Chunks of files go to different workers; the documents of one file, and the
    files, still come out in input order."""
    import json

    run = _score([str(intakes / "999"), str(intakes / "000"), "--format", "jsonl",
                  "--jobs", "2"])
    ids = [json.loads(line)["id"] for line in run.stdout.splitlines()]
    assert ids[:4] == ["broken", "multi#1", "multi#2", "multi#3"]
    assert ids[4:] == [f"bench-{i:06d}" for i in range(N)]


def test_a_chunk_of_the_largest_reports_fits_one_pipe_read(intakes):
    """Workers send each chunk's reports back as one pickled message.  Messages larger
    than a pipe's 64 KiB arrive in several reads, and that pattern made the parent's
    heap fragment and grow with batch size (measured: +7 MB over 100,000 intakes with
    chunks of 32).  Keep CHUNK_FILES small enough that even the largest reports fit."""
    import pickle

    from hipguide import batch
    from hipguide.api import assessor
    from hipguide.intake.reading import records

    worker = assessor()
    scored = [batch.for_parent(record, batch.report_for(worker, record))
              for record in records([str(intakes)])]
    largest = sorted(scored, key=lambda pair: len(pickle.dumps(pair)))[-batch.CHUNK_FILES:]
    assert len(pickle.dumps(largest)) < 64 * 1024
