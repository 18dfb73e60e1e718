"""Issue 23, item 3: a worker killed at any moment, by any signal, never hangs a
batch: its files are scored again (or reported as not scored), and SIGTERM or
SIGINT end the run with 143 or 130, no stray process and no ``.part`` file."""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import subprocess
import time

import pytest
from conftest import hipguide_exe
from hostile_util import alive, children, env_with

# a worker writes half of its first result, then is killed (as by the OOM killer)
KILLED_MID_RESULT = """
    import os, signal
    PARENT = os.getpid()
    MARK = os.environ["KILL_MARK"]
    _write = os.write
    def write(fd, data):
        if os.getpid() != PARENT and len(data) > 64:
            try:
                os.close(os.open(MARK, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
            except FileExistsError:
                return _write(fd, data)
            _write(fd, bytes(data[:len(data) // 2]))
            os.kill(os.getpid(), signal.SIGKILL)
        return _write(fd, data)
    os.write = write
"""


def _folder(tmp_path, count):
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(count):
        (folder / f"{i:04d}.yaml").write_text(f"sitting_hours: {i % 24}\nage: {20 + i % 60}\n")
    return folder


def _ids(stdout: str) -> list[str]:
    return [json.loads(line)["id"] for line in stdout.splitlines()]


def test_a_worker_killed_half_way_through_a_result_costs_only_a_rescore(tmp_path):
    folder = _folder(tmp_path, 40)
    env = env_with(tmp_path, KILLED_MID_RESULT, KILL_MARK=str(tmp_path / "killed"))
    proc = subprocess.run([hipguide_exe(), "score", str(folder), "--format", "jsonl",
                           "--jobs", "2"], capture_output=True, text=True, env=env, timeout=90)
    assert (tmp_path / "killed").exists()   # the fault did happen
    assert proc.returncode == 0, proc.stderr
    assert "a worker process died" in proc.stderr and "Traceback" not in proc.stderr
    assert _ids(proc.stdout) == [f"{i:04d}" for i in range(40)]
    assert all(json.loads(line)["status"] == "ok" for line in proc.stdout.splitlines())


SIGNALS = [signal.SIGKILL, signal.SIGTERM, signal.SIGSEGV, signal.SIGABRT, signal.SIGHUP,
           signal.SIGUSR1, signal.SIGBUS, signal.SIGINT]


def test_workers_killed_at_random_moments_never_hang_the_batch(tmp_path, clean_env):
    folder = _folder(tmp_path, 100)
    expected = [f"{i:04d}" for i in range(100)]
    rng = random.Random(23)
    for run in range(2):
        target = tmp_path / f"out{run}.jsonl"
        proc = subprocess.Popen([hipguide_exe(), "score", str(folder), "--format", "jsonl",
                                 "--jobs", "2", "-o", str(target)], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=clean_env)
        kills = 0
        deadline = time.monotonic() + 30
        while proc.poll() is None and kills < 15 and time.monotonic() < deadline:
            workers = children(proc.pid)
            if workers:
                try:
                    os.kill(rng.choice(workers), rng.choice(SIGNALS))
                    kills += 1
                except ProcessLookupError:
                    pass
            time.sleep(rng.uniform(0, 0.08))
        try:
            out, err = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:  # pragma: no cover - the failure this test is about
            proc.kill()
            pytest.fail(f"run {run}: the batch hung after {kills} worker kills")
        assert proc.returncode in (0, 1), err
        assert "Traceback" not in err and "internal error" not in err, err
        reports = [json.loads(line) for line in target.read_text().splitlines()]
        assert [r["id"] for r in reports] == expected   # every file, once, in order
        for report in reports:
            assert report["status"] == "ok" or "not scored" in report["errors"][0]["message"]
        assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


@pytest.mark.parametrize("sig", [signal.SIGSTOP, signal.SIGTSTP])
def test_a_stopped_worker_is_replaced_and_its_files_scored_again(tmp_path, clean_env, sig):
    # a stopped worker neither dies nor answers: the batch must not wait for it
    folder = _folder(tmp_path, 60)
    proc = subprocess.Popen([hipguide_exe(), "score", str(folder), "--format", "jsonl",
                             "--jobs", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=clean_env)
    stopped = []
    deadline = time.monotonic() + 30
    while proc.poll() is None and not stopped and time.monotonic() < deadline:
        for pid in children(proc.pid):
            try:
                os.kill(pid, sig)
                stopped.append(pid)
                break
            except ProcessLookupError:
                pass
        time.sleep(0.01)
    try:
        out, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:  # pragma: no cover - the failure this test is about
        proc.kill()
        pytest.fail("the batch waited for a stopped worker")
    finally:
        for pid in stopped:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    assert stopped, "no worker was seen to stop"
    assert proc.returncode == 0, err
    assert _ids(out) == [f"{i:04d}" for i in range(60)]
    assert all(json.loads(line)["status"] == "ok" for line in out.splitlines())
    assert not [pid for pid in stopped if alive(pid)]   # nothing left behind


@pytest.mark.parametrize("sig, code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_ends_a_parallel_run_with_no_stray_process_or_part_file(
        tmp_path, clean_env, sig, code):
    folder = _folder(tmp_path, 1500)
    target = tmp_path / "report.jsonl"
    proc = subprocess.Popen([hipguide_exe(), "score", str(folder), "--format", "jsonl",
                             "--jobs", "2", "-o", str(target)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=clean_env)
    deadline = time.monotonic() + 60
    workers: list[int] = []
    while time.monotonic() < deadline and len(workers) < 2:
        workers = children(proc.pid)
        time.sleep(0.05)
    assert workers, "no worker started"
    time.sleep(0.3)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == code, err
    assert "Traceback" not in err
    assert not [pid for pid in workers if alive(pid)]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]


KILL_ON_CRASH_ID = """
    import os, signal
    import hipguide.engine.assessor as engine
    PARENT = os.getpid()
    _assess = engine.Assessor.assess
    def assess(self, intake, rid=None, *args, **kwargs):
        if rid == "crash" and os.getpid() != PARENT:
            os.kill(os.getpid(), signal.SIGKILL)
        return _assess(self, intake, rid, *args, **kwargs)
    engine.Assessor.assess = assess
"""


def test_a_sheet_row_that_kills_its_worker_costs_only_itself(tmp_path):
    sheet = tmp_path / "week.csv"
    rows = [f"p{i},{i % 24}" for i in range(600)]
    rows[300] = "crash,5"
    sheet.write_text("id,sitting_hours\n" + "\n".join(rows) + "\n")   # large: sent in pieces
    proc = subprocess.run([hipguide_exe(), "score", str(sheet), "--format", "jsonl",
                           "--jobs", "2"], capture_output=True, text=True,
                          env=env_with(tmp_path, KILL_ON_CRASH_ID), timeout=120)
    assert proc.returncode == 1, proc.stderr
    reports = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r["id"] for r in reports] == [row.split(",")[0] for row in rows]
    bad = [r for r in reports if r["status"] != "ok"]
    assert [r["id"] for r in bad] == ["crash"]
    assert "not scored" in bad[0]["errors"][0]["message"]
