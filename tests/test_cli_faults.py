"""Issue 13: hostile input and faults, through the installed console script.

Each class of the attack gets its own tests: a crash that killed the batch,
damage outside the output, numbers that aborted the batch, silent skips,
signals and pipes, what the terminal and spreadsheets receive, knowledge-base
inputs, ask, odd options.  (Scale: tests/test_yamlfile.py; a corpus of everything
at once: tests/test_cli_fault_corpus.py.)  Permission cases need an unprivileged
user: they skip when the tests run as root and `runuser -u nobody` cannot run
this interpreter; a fault injected with sitecustomize.py stands in for them.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import threading
import time
from pathlib import Path

import pytest
import yaml
from conftest import hipguide_exe
from hostile_util import RAW, alive, children, env_with, run

GOOD = "sitting_hours: 9\nactivity_level: sedentary\n"
ROOT_USER = hasattr(os, "geteuid") and os.geteuid() == 0


def _jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def _clean(proc):
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr, proc.stderr
    assert proc.returncode >= 0, f"killed by signal {-proc.returncode}"


# --- 1. a crash that killed the batch ----------------------------------------

DEEP = {
    "flow_list": "sitting_hours: 3\nx: " + "[" * 30000 + "]" * 30000 + "\n",
    "flow_map": "sitting_hours: 3\nx: " + "{a: " * 30000 + "1" + "}" * 30000 + "\n",
    "block_list": "- " * 30000 + "x\n",
    "mixed": "- " * 10000 + "[" * 10000 + "{a: " * 10000 + "}" * 10000 + "]" * 10000 + "\n",
    "indented": "".join(" " * i + "k:\n" for i in range(1400)),
}


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_deep_nesting_is_refused_before_the_parser_and_the_good_files_are_scored(
        tmp_path, jobs):
    (tmp_path / "a_good.yaml").write_text(GOOD)
    for name, text in DEEP.items():
        (tmp_path / f"deep_{name}.yaml").write_text(text)
    (tmp_path / "z_good.yaml").write_text(GOOD)
    proc = run("score", tmp_path, "--format", "jsonl", "--jobs", jobs, env=env_with(tmp_path))
    _clean(proc)
    assert proc.returncode == 1
    by_id = {r["id"]: r for r in _jsonl(proc.stdout)}
    assert by_id["a_good"]["status"] == by_id["z_good"]["status"] == "ok"
    for name in DEEP:
        report = by_id[f"deep_{name}"]
        assert report["status"] == "invalid"
        assert "nested more than 32 levels deep" in report["errors"][0]["message"]
        assert report["errors"][0]["line"] >= 1
    # brackets inside quotes and comments are not nesting
    (tmp_path / "quoted.yaml").write_text(
        "id: '" + "[" * 200 + "'\nsitting_hours: 3  # " + "{" * 200 + "\n")
    proc = run("score", tmp_path / "quoted.yaml", "--format", "jsonl")
    assert proc.returncode == 0, proc.stderr


SEGFAULT_ON_CRASH_ME = """
    import os, pathlib, signal
    _open = pathlib.Path.open
    def open(self, *args, **kwargs):
        if self.name == "crash-me.yaml":
            os.kill(os.getpid(), signal.SIGSEGV)
        return _open(self, *args, **kwargs)
    pathlib.Path.open = open
"""


def test_a_file_that_kills_its_worker_costs_only_itself(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(40):
        (folder / f"{i:03d}.yaml").write_text(GOOD)
    (folder / "crash-me.yaml").write_text(GOOD)
    proc = run("score", folder, "--format", "jsonl", "--jobs", "2",
               env=env_with(tmp_path, SEGFAULT_ON_CRASH_ME))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    reports = _jsonl(proc.stdout)
    assert len(reports) == 41
    lost = [r for r in reports if r["status"] == "invalid"]
    assert [r["id"] for r in lost] == ["crash-me"]
    assert "worker process scoring it died" in lost[0]["errors"][0]["message"]
    assert "crash-me.yaml" in proc.stderr and "a worker process died" in proc.stderr


def test_killing_a_worker_mid_batch_loses_no_report(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(1500):
        (folder / f"{i:05d}.yaml").write_text(f"sitting_hours: {i % 24}\n")
    proc = subprocess.Popen([hipguide_exe(), "score", str(folder), "--format", "jsonl",
                             "--jobs", "2", "-o", str(tmp_path / "out.jsonl")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env_with(tmp_path))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(children(proc.pid)) < 2:
        time.sleep(0.05)
    time.sleep(0.5)
    os.kill(children(proc.pid)[0], signal.SIGKILL)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    ids = [r["id"] for r in _jsonl((tmp_path / "out.jsonl").read_text())]
    assert ids == [f"{i:05d}" for i in range(1500)]


# --- 2. damage outside the output ---------------------------------------------

def test_output_to_a_device_or_a_fifo_is_written_in_place(tmp_path):
    intake = tmp_path / "a.yaml"
    intake.write_text(GOOD)
    proc = run("score", intake, "-o", os.devnull)
    assert proc.returncode == 0, proc.stderr
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text()))
    reader.start()
    proc = run("score", intake, "-o", fifo, "--format", "jsonl")
    reader.join(30)
    assert proc.returncode == 0, proc.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert json.loads(got[0])["id"] == "a"


def test_a_symlinked_output_writes_its_target_and_keeps_the_link(tmp_path):
    intake = tmp_path / "a.yaml"
    intake.write_text(GOOD)
    target = tmp_path / "real.jsonl"
    target.write_text("old\n")
    link = tmp_path / "latest.jsonl"
    link.symlink_to(target.name)
    proc = run("score", intake, "-o", link, "--format", "jsonl")
    assert proc.returncode == 0, proc.stderr
    assert link.is_symlink() and os.readlink(link) == "real.jsonl"
    assert json.loads(target.read_text())["id"] == "a"


@pytest.mark.skipif(not ROOT_USER, reason="needs root to plant another user's link")
def test_someone_elses_symlink_in_a_sticky_folder_is_refused(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    link = shared / "report.txt"
    link.symlink_to(victim)
    os.lchown(link, 65534, 65534)
    intake = tmp_path / "a.yaml"
    intake.write_text(GOOD)
    proc = run("score", intake, "-o", link)
    assert proc.returncode == 2 and "not followed" in proc.stderr
    assert victim.read_text() == "precious\n" and link.is_symlink()


def test_an_output_that_is_also_an_input_is_refused_before_scoring(tmp_path):
    intake = tmp_path / "a.yaml"
    intake.write_text(GOOD)
    (tmp_path / "b.yaml").write_text(GOOD)
    hard = tmp_path / "hard.txt"
    os.link(intake, hard)
    for args in ([intake, "-o", intake], [tmp_path, "-o", tmp_path / "b.yaml"],
                 [intake, "-o", hard], [tmp_path, "-o", tmp_path / "new.yaml"]):
        proc = run("score", *args)
        assert proc.returncode == 2, (args, proc.stderr)
        assert proc.stdout == "" and "intakes in" not in proc.stderr
        assert "input" in proc.stderr
    assert intake.read_text() == GOOD and (tmp_path / "b.yaml").read_text() == GOOD
    assert not (tmp_path / "new.yaml").exists()


def test_a_replaced_report_keeps_its_mode_and_owner(tmp_path):
    intake = tmp_path / "a.yaml"
    intake.write_text(GOOD)
    report = tmp_path / "report.txt"
    report.write_text("old\n")
    report.chmod(0o640)
    if ROOT_USER:
        os.chown(report, 65534, 65534)
    before = report.stat()
    proc = run("score", intake, "-o", report)
    assert proc.returncode == 0, proc.stderr
    after = report.stat()
    assert stat.S_IMODE(after.st_mode) == 0o640
    assert (after.st_uid, after.st_gid) == (before.st_uid, before.st_gid)
    assert after.st_ino != before.st_ino  # replaced atomically, not rewritten
    new = tmp_path / "new.txt"
    proc = run("score", intake, "-o", new)
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(new.stat().st_mode) == 0o666 & ~mask


@pytest.mark.parametrize("output, message", [
    ("", "empty"), ("{tmp}", "is a directory"), ("{tmp}/missing/r.txt", "does not exist"),
    ("{tmp}/a.yaml/r.txt", "Not a directory")])
def test_a_bad_output_target_exits_2_before_any_scoring(tmp_path, output, message):
    for i in range(30):
        (tmp_path / f"{i}.yml").write_text(GOOD)
    (tmp_path / "a.yaml").write_text(GOOD)
    started = time.monotonic()
    proc = run("score", tmp_path, "-o", output.format(tmp=tmp_path))
    assert proc.returncode == 2 and message in proc.stderr, proc.stderr
    assert proc.stdout == "" and "intakes in" not in proc.stderr
    assert time.monotonic() - started < 30
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith((".yml", ".yaml")))\
        == []


@pytest.mark.skipif(ROOT_USER, reason="root may write in a read-only folder")
def test_an_unwritable_output_folder_exits_2(tmp_path):  # pragma: no cover - not root
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    (tmp_path / "a.yaml").write_text(GOOD)
    proc = run("score", tmp_path / "a.yaml", "-o", locked / "r.txt")
    assert proc.returncode == 2 and "cannot create a file" in proc.stderr


@pytest.mark.parametrize("save", [os.devnull, "{tmp}", "{tmp}/missing/x.yaml", ""])
def test_ask_save_is_checked_before_the_first_question(tmp_path, save):
    proc = run("ask", "--save", save.format(tmp=tmp_path), stdin="7\n")
    assert proc.returncode == 2, proc.stderr
    assert "Warning signs" not in proc.stderr and "Traceback" not in proc.stderr
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)


# --- 3. numbers ----------------------------------------------------------------

NUMBERS = {  # value written -> fragment of the message
    "017": "'017' is not a plain decimal number (YAML 1.1 reads a leading 0 as octal); "
           "write 17",
    "0x10": "'0x10' is not a plain decimal number (hexadecimal)",
    "0b101": "'0b101' is not a plain decimal number (binary)",
    "1:30": "'1:30' is not a plain decimal number (YAML 1.1 reads it as a base-60 number)",
    "1_000": "'1_000' is not a plain decimal number (no '_' separators); write 1000",
    "1_0.5": "'1_0.5' is not a plain decimal number (no '_' separators)",
    "1.0e+400": "'1.0e+400' is too large a number",
    "9" * 5000: "is too long a number (5,000 characters)",
    "0x" + "f" * 5000: "is too long a number",
    "1" + ":0" * 3000: "is too long a number",
    "0o17": "got '0o17' (text)",
}


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_yaml_1_1_numbers_and_huge_numbers_are_invalid_with_position(tmp_path, jobs):
    (tmp_path / "000_good.yaml").write_text(GOOD)
    for i, value in enumerate(NUMBERS):
        (tmp_path / f"n{i:02d}.yaml").write_text(f"age: 40\nsitting_hours: {value}\n")
    (tmp_path / "zzz_good.yaml").write_text(GOOD)
    proc = run("score", tmp_path, "--format", "jsonl", "--jobs", jobs)
    _clean(proc)
    assert proc.returncode == 1
    by_id = {r["id"]: r for r in _jsonl(proc.stdout)}
    assert by_id["000_good"]["status"] == by_id["zzz_good"]["status"] == "ok"
    for i, fragment in enumerate(NUMBERS.values()):
        error = by_id[f"n{i:02d}"]["errors"][0]
        assert fragment in error["message"], error
        assert (error["field"], error["line"], error["column"]) == ("sitting_hours", 2, 16)
        assert len(error["message"]) < 200
        assert f"n{i:02d}.yaml:2:16: sitting_hours: " in proc.stderr


def test_plain_decimals_with_a_sign_or_a_bare_point_are_numbers(tmp_path):
    path = tmp_path / "a.yaml"
    path.write_text("sitting_hours: .5\nage: +40\nrest_days_per_week: 2\n")
    proc = run("score", path, "--format", "jsonl")
    assert proc.returncode == 0, proc.stderr


# --- 4. silent skips ---------------------------------------------------------------

def test_a_syntax_error_in_one_document_keeps_the_documents_after_it(tmp_path):
    path = tmp_path / "multi.yaml"
    path.write_text("sitting_hours: 1\n---\nsitting_hours: [2\n---\nsitting_hours: 3\n"
                    "---\n{{{\n---\nid: last\nsitting_hours: 4\n")
    for jobs in ("1", "2"):
        proc = run("score", path, "--format", "jsonl", "--jobs", jobs)
        assert proc.returncode == 1
        reports = _jsonl(proc.stdout)
        assert [(r["id"], r["status"]) for r in reports] == [
            ("multi#1", "ok"), ("multi#2", "invalid"), ("multi#3", "ok"),
            ("multi#4", "invalid"), ("last", "ok")]
        assert reports[1]["errors"][0]["document"] == 2
        assert "multi.yaml:4:1: document 2 > YAML syntax error" in proc.stderr


LOCK_FOLDERS_NAMED_LOCKED = """
    import os
    _scandir = os.scandir
    def scandir(path="."):
        if os.path.basename(os.fspath(path)) == "locked":
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return _scandir(path)
    os.scandir = scandir
"""


def test_a_folder_that_cannot_be_listed_is_reported_not_skipped(tmp_path):
    folder = tmp_path / "in"
    (folder / "locked").mkdir(parents=True)
    (folder / "locked" / "x.yaml").write_text(GOOD)
    (folder / "a.yaml").write_text(GOOD)
    proc = run("score", folder, "--format", "jsonl",
               env=env_with(tmp_path, LOCK_FOLDERS_NAMED_LOCKED))
    assert proc.returncode == 1, proc.stderr
    reports = _jsonl(proc.stdout)
    assert [r["status"] for r in reports] == ["ok", "invalid"]
    assert "cannot be listed" in reports[1]["errors"][0]["message"]
    assert "1 invalid" in proc.stderr


def _nobody_can_run_hipguide() -> bool:
    if not ROOT_USER or not shutil.which("runuser"):
        return False
    probe = subprocess.run(["runuser", "-u", "nobody", "--", hipguide_exe(), "--version"],
                           capture_output=True, timeout=60)
    return probe.returncode == 0


@pytest.mark.skipif(not _nobody_can_run_hipguide(),
                    reason="needs root and an interpreter the user nobody can run")
def test_an_unreadable_folder_as_an_unprivileged_user(tmp_path):  # pragma: no cover
    import tempfile

    base = Path(tempfile.mkdtemp())
    base.chmod(0o755)
    (base / "sub").mkdir()
    (base / "sub" / "x.yaml").write_text(GOOD)
    (base / "a.yaml").write_text(GOOD)
    (base / "sub").chmod(0o000)
    proc = subprocess.run(["runuser", "-u", "nobody", "--", hipguide_exe(), "score",
                           str(base), "--format", "jsonl"], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 1 and "permission denied" in proc.stdout
    (base / "sub").chmod(0o755)
    shutil.rmtree(base)


# --- 5. signals and pipes ----------------------------------------------------------

def _batch(tmp_path, n=3000) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(n):
        (folder / f"{i:05d}.yaml").write_text(f"sitting_hours: {i % 24}\n")
    return folder


def test_sigterm_cleans_up_like_ctrl_c_and_exits_143(tmp_path):
    folder = _batch(tmp_path)
    target = tmp_path / "report.jsonl"
    target.write_text("previous good report\n")
    proc = subprocess.Popen([hipguide_exe(), "score", str(folder), "--format", "jsonl",
                             "--jobs", "2", "--output", str(target)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env_with(tmp_path))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any(
            p.name.endswith(".part") for p in tmp_path.iterdir()):
        time.sleep(0.05)
    time.sleep(0.5)
    workers = children(proc.pid)
    assert workers
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err
    assert "terminated" in err and "Traceback" not in err
    assert target.read_text() == "previous good report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "report.jsonl"]
    time.sleep(0.2)
    assert not [w for w in workers if alive(w)]


def test_workers_die_with_a_killed_parent(tmp_path):
    folder = _batch(tmp_path)
    proc = subprocess.Popen([hipguide_exe(), "score", str(folder), "--jobs", "2", "-o",
                             str(tmp_path / "r.txt")], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=env_with(tmp_path))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(children(proc.pid)) < 2:
        time.sleep(0.05)
    workers = children(proc.pid)
    proc.kill()
    proc.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(alive(w) for w in workers):
        time.sleep(0.05)
    assert not [w for w in workers if alive(w)]


def test_a_closed_pipe_ends_the_batch_quietly_and_quickly(tmp_path):
    folder = _batch(tmp_path)
    proc = subprocess.Popen([hipguide_exe(), "score", str(folder), "--format", "jsonl",
                             "--jobs", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=env_with(tmp_path))
    first = proc.stdout.readline()
    assert first.startswith(b'{"id": "00000"')
    workers = children(proc.pid)
    proc.stdout.close()   # what `| head -1` does
    err = proc.stderr.read()
    assert proc.wait(timeout=30) == 1
    assert b"Traceback" not in err and b"Broken pipe" not in err
    time.sleep(0.2)
    assert not [w for w in workers if alive(w)]


# --- 6. what the terminal and spreadsheets receive ---------------------------------------

HOSTILE_IDS = ["\x1b[31mred\x1b[0m", "abc\u202etxt.exe", "one\n== fake (x.yaml) ==",
               "x" * 100_000, "tab\there", "bell\x07\x9b2J"]


def test_a_rejected_id_is_never_the_report_id_and_nothing_raw_is_printed(tmp_path):
    for i, rid in enumerate(HOSTILE_IDS):
        (tmp_path / f"id{i}.yaml").write_text(yaml.safe_dump({"id": rid, "sitting_hours": 3}))
    (tmp_path / "big.yaml").write_text("sitting_hours: 3\nactivity_level: " + "z" * 900_000
                                       + "\n")
    name = tmp_path / "evil\x1b[2J\u202eenil\nnext.yaml"
    name.write_text("sitting_hours: 3\nage: 5\n")
    for fmt in ("text", "csv"):
        proc = run("score", tmp_path, "--format", fmt, "--summary")
        assert proc.returncode == 1
        assert not RAW.search(proc.stderr), proc.stderr[:2000]
        if fmt == "text":
            assert not RAW.search(proc.stdout)
            assert "== fake" not in proc.stdout.replace("\\x0a== fake", "")
            assert max(len(line) for line in proc.stdout.splitlines()) < 400
        assert max(len(line) for line in proc.stderr.splitlines()) < 400
    proc = run("score", tmp_path, "--format", "jsonl")
    ids = [r["id"] for r in _jsonl(proc.stdout)]
    assert ids == ["big", "evil\x1b[2J\u202eenil\nnext"] + [f"id{i}" for i in
                                                         range(len(HOSTILE_IDS))]
    # (the file name is data: JSON keeps it faithfully, ...
    assert not RAW.search(proc.stdout)                       # ... written as escapes
    proc = run("score", tmp_path, "--format", "yaml")
    assert not RAW.search(proc.stdout)
    sources = [d["source"] for d in yaml.safe_load_all(proc.stdout)]
    assert str(name) in sources
    proc = run("score", name, "--format", "html")
    assert "\u202e" not in proc.stdout and "\x1b" not in proc.stdout


def test_csv_cells_never_start_a_formula(tmp_path):
    import csv
    import io

    for i, rid in enumerate(["=1+2", "+SUM(A1)", "-3", "@cmd", "ok"]):
        (tmp_path / f"f{i}.yaml").write_text(yaml.safe_dump({"id": rid, "sitting_hours": 3}))
    (tmp_path / "=HYPERLINK(x).yaml").write_text("sitting_hours: 3\n")
    proc = run("score", tmp_path, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(proc.stdout)))
    assert [r["id"] for r in rows] == ["'=HYPERLINK(x)", "'=1+2", "'+SUM(A1)", "'-3", "'@cmd",
                                       "ok"]
    for row in rows:
        assert not any(v.startswith(("=", "+", "-", "@", "\t", "\r")) for v in row.values())


# --- 7. knowledge-base inputs ------------------------------------------------------------

def _kb_copy(tmp_path) -> Path:
    from hipguide.kb.knowledge import default_root

    root = default_root()
    kb = tmp_path / "kb"
    shutil.copytree(root / "rules", kb / "rules")
    shutil.copytree(root / "knowledge", kb / "knowledge")
    return kb


def test_a_fifo_or_device_in_the_knowledge_base_is_refused_not_read(tmp_path):
    kb = _kb_copy(tmp_path)
    os.mkfifo(kb / "rules" / "zz_pipe.yaml")
    (kb / "rules" / "zz_zero.yaml").symlink_to("/dev/zero")
    proc = run("rules", "check", "--kb", kb, timeout=60)
    assert proc.returncode == 3
    assert proc.stdout.count("not a regular file") == 2, proc.stdout
    proc = run("score", "--kb", kb, "-", stdin=GOOD, timeout=60)
    assert proc.returncode == 3 and "not a regular file" in proc.stderr


@pytest.mark.parametrize("template, message", [
    ("Check again after {months} months.", "unknown placeholder {months}"),
    ("Check again after {weeks:>300000000} weeks.", "may not have a format spec"),
    ("Check again after {weeks!r} weeks.", "conversion"),
    ("Check again after {weeks.__class__} weeks.", "unknown placeholder"),
    ("Check again after {weeks weeks.", "malformed template"),
])
def test_meta_templates_are_checked_when_the_knowledge_base_loads(tmp_path, template, message):
    kb = _kb_copy(tmp_path)
    meta = kb / "knowledge" / "meta.yaml"
    data = yaml.safe_load(meta.read_text())
    data["reassess_advice"] = template
    meta.write_text(yaml.safe_dump(data))
    proc = run("rules", "check", "--kb", kb, timeout=60)
    assert proc.returncode == 3 and message in proc.stdout, proc.stdout
    assert "meta.yaml" in proc.stdout and "reassess_advice" in proc.stdout
    proc = run("score", "--kb", kb, "-", stdin=GOOD, timeout=60)
    assert proc.returncode == 3 and "Traceback" not in proc.stderr


# --- 8. ask ----------------------------------------------------------------------------

def test_ask_refuses_bytes_that_are_not_utf8_and_asks_again(tmp_path):
    proc = subprocess.run([hipguide_exe(), "ask"], input=b"\xff\xfe\x1b[2J\n", timeout=60,
                          capture_output=True, env=env_with(tmp_path))
    err = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == 1 and "internal error" not in err
    assert "not UTF-8 text" in err and "\x1b[2J" not in err


def test_ask_with_standard_input_closed_ends_like_end_of_input(tmp_path):
    proc = subprocess.run([hipguide_exe(), "ask"], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60, env=env_with(tmp_path),
                          preexec_fn=lambda: os.close(0))
    assert proc.returncode == 1, proc.stderr
    assert "input ended" in proc.stderr and "internal error" not in proc.stderr
    proc = subprocess.run([hipguide_exe(), "score", "-", "--format", "jsonl"],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=60, env=env_with(tmp_path), preexec_fn=lambda: os.close(0))
    assert proc.returncode == 1 and "standard input is closed" in proc.stdout


def test_a_partial_file_that_claims_everything_was_asked_asks_what_is_missing(tmp_path):
    from hipguide.api import assessor
    from hipguide.questionnaire import data as qdata

    worker = assessor()
    qn = qdata.load(worker.kb.root, worker.kb)
    partial = tmp_path / "me.yaml.partial"
    partial.write_text("# hipguide PARTIAL answers - resume with: hipguide ask --resume x\n"
                       "# asked: " + ", ".join(q.id for q in qn.questions()) + "\n"
                       "activity_level: light\n")
    proc = run("ask", "--resume", partial, stdin="0\nn\n" * 40)
    assert proc.returncode == 0, proc.stderr
    saved = tmp_path / "me.yaml"
    assert yaml.safe_load(saved.read_text())["sitting_hours"] == 0
    assert run("score", saved).returncode == 0


# --- 9. odd options --------------------------------------------------------------------

COUNT_POOL_WORKERS = """
    import os, sys
    _fork = os.fork
    def fork():
        pid = _fork()
        if pid:
            print("WORKER FORKED", file=sys.stderr)
        return pid
    os.fork = fork
"""


def test_jobs_is_capped_at_the_work_and_the_cores(tmp_path):
    intake = tmp_path / "a.yaml"
    intake.write_text(GOOD)
    proc = run("score", intake, "--jobs", "1000", env=env_with(tmp_path, COUNT_POOL_WORKERS))
    assert proc.returncode == 0, proc.stderr
    assert "--jobs 1000 is more than 4 per core" in proc.stderr
    assert proc.stderr.count("WORKER FORKED") == 1   # one chunk of work: one worker, not 1,000
    assert proc.stdout.count("== a (") == 1
