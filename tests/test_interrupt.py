"""Ctrl-C in a batch: a clean message, exit 130, and no half-written report."""

import signal
import subprocess
import time


def test_ctrl_c_in_a_batch_stops_cleanly_and_writes_nothing(tmp_path, exe, clean_env):
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(4000):
        (folder / f"{i:05d}.yaml").write_text(f"sitting_hours: {i % 24}\nage: {20 + i % 60}\n")
    target = tmp_path / "report.jsonl"
    target.write_text("previous good report\n")
    proc = subprocess.Popen([exe, "score", str(folder), "--format", "jsonl", "--output",
                             str(target)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=clean_env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # wait until the batch is under way
        if any(p.name.endswith(".part") for p in tmp_path.iterdir()):
            break
        time.sleep(0.05)
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    assert target.read_text() == "previous good report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "report.jsonl"]
