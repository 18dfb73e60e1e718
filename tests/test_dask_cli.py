"""Issue 24: ``hipguide score --dask`` on a real dask.distributed LocalCluster
gives score's reports in score's order, and ``assess_records`` gives score's
report shape."""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from conftest import EXAMPLES, ROOT, hipguide_exe, run_hipguide

import hipguide

CSV_SHEET = ROOT / "examples" / "csv" / "clinic_week.csv"


def _run(*args):
    env = {k: v for k, v in os.environ.items() if k != "HIPGUIDE_KB"}
    return subprocess.run([hipguide_exe(), *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=900)


def test_score_on_a_local_dask_cluster_gives_scores_reports_in_order(tmp_path):
    pytest.importorskip("distributed")
    many = tmp_path / "many.jsonl"
    # three partitions (500 records each); most lines are out of range (quick to
    # score on a shared machine), every 12th is assessed
    many.write_text("".join(
        json.dumps({"id": f"p{i}", "sitting_hours": i % 24, "age": 20 + i % 60,
                    "symptoms": {"hip_pain": i % 11}}) + "\n"
        if i % 12 == 0 else '{"sitting_hours": 25}\n' for i in range(1100)))
    args = (EXAMPLES, CSV_SHEET, many, "--format", "jsonl", "-q", "--unscreened", "withhold")
    plain = _run("score", *args)
    out = tmp_path / "dask.jsonl.gz"
    dask = _run("score", *args, "--dask", "local", "-o", out)
    assert plain.returncode == dask.returncode == 1
    assert "Traceback" not in dask.stderr
    import gzip

    assert gzip.decompress(out.read_bytes()).decode() == plain.stdout
    assert len(plain.stdout.splitlines()) > 1100
    assert dask.stderr == plain.stderr   # the same problems, named the same way


def test_score_with_an_unreachable_scheduler_says_so(tmp_path):
    pytest.importorskip("distributed")
    out = tmp_path / "r.jsonl"
    proc = _run("score", EXAMPLES, "--dask", "tcp://127.0.0.1:9", "-o", out)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in proc.stderr
    assert not out.exists()


def test_assess_records_has_the_shape_of_score_unless_explain_is_asked_for():
    sheet = run_hipguide("convert", EXAMPLES, "--to", "jsonl")
    intakes = [json.loads(line) for line in sheet.stdout.splitlines()]
    scored = run_hipguide("score", EXAMPLES, "--format", "jsonl", "-q")
    explained = run_hipguide("score", EXAMPLES, "--format", "jsonl", "-q", "--explain")

    def no_source(reports):
        return [{k: v for k, v in r.items() if k != "source"} for r in reports]

    plain = no_source(hipguide.assess_records(intakes, as_dict=True))
    full = no_source(hipguide.assess_records(intakes, as_dict=True, explain=True))
    assert plain == no_source(json.loads(line) for line in scored.stdout.splitlines())
    assert full == no_source(json.loads(line) for line in explained.stdout.splitlines())
    assert plain != full
