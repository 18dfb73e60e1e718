"""Every kind of bad input gets a clean 'invalid' record naming the file, the
document, the field and (where YAML gives them) line and column -- through the
library and through the installed console script -- and the good intakes
beside it are still scored."""

import json
import os
import subprocess

import pytest

import hipguide

BOMB = "\n".join(
    [f'{k}: &{k} [{",".join([f"*{p}"] * 9)}]' for p, k in zip("abcdef", "bcdefg", strict=True)])
BOMB = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n' + BOMB + "\nsitting_hours: 3\n"

# name -> (file content, expected message fragment, expected "file:line[:col]" suffix or None)
KINDS = {
    "syntax": (b"sitting_hours: [1,\n", "YAML syntax error", ":2:1"),
    "empty_file": (b"", "empty file: no intake documents", ":1"),
    "empty_document": (b"---\n---\nsitting_hours: 3\n", "empty document", ":2:1"),
    "list_not_mapping": (b"- sitting_hours: 3\n", "expected a mapping", ":1:1"),
    "scalar_not_mapping": (b"just text\n", "expected a mapping", ":1:1"),
    "unknown_key": (b"siting_hours: 3\n", "did you mean 'sitting_hours'?", ":1:1"),
    "yaml_boolean_for_number": (b"sitting_hours: yes\n", "got true (a yes/no value)", ":1:16"),
    "nan_for_number": (b"sitting_hours: .nan\n", "got nan", ":1:16"),
    "inf_for_number": (b"sitting_hours: .inf\n", "got inf", ":1:16"),
    "text_for_number": (b"sitting_hours: lots\n", "got 'lots' (text)", ":1:16"),
    "out_of_range": (b"sitting_hours: 25\n", "25 is out of range", ":1:16"),
    "float_for_integer": (b"sitting_hours: 3\nage: 40.5\n", "expected a whole number", ":2:6"),
    "value_outside_list": (b"sitting_hours: 3\nactivity_level: lazy\n", "expected one of",
                           ":2:17"),
    "nested_field": (b"sitting_hours: 3\ninjuries:\n  - {site: elbow, months_ago: 2}\n",
                     "injuries[0].site: 'elbow' is not allowed", ":3:12"),
    "missing_required": (b"age: 40\n", "missing required key 'sitting_hours'", ":1:1"),
    "duplicate_key": (b"sitting_hours: 3\nsitting_hours: 4\n", "duplicate key", ":2:1"),
    "non_utf8": (b"sitting_hours: 3\nid: caf\xe9\n", "not UTF-8 text", ":2"),
    "binary": (b"\x00\x01\x02binary\xff", "binary data", None),
    "too_big": (b"sitting_hours: 3\n#" + b"x" * 1_100_000 + b"\n", "over the 1,000,000-byte",
                None),
    "deeply_nested": (b"sitting_hours: 3\nposture: " + b"[" * 400 + b"]" * 400 + b"\n",
                      "nested more than 32 levels deep", None),
    "alias_bomb": (BOMB.encode(), "alias expansion too big", None),
    "python_tag": (b'sitting_hours: !!python/object/apply:os.system ["touch PWNED"]\n',
                   "tag '!!python/object/apply:os.system' is not allowed", ":1:16"),
    "unknown_tag": (b"sitting_hours: !custom 3\n", "tag '!custom' is not allowed", ":1:16"),
    "merge_key": (b"base: &b {sitting_hours: 3}\n<<: *b\n", "merge keys", None),
}


def _write(folder, name, content):
    path = folder / f"{name}.yaml"
    path.write_bytes(content)
    return path


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_library_reports_each_bad_input_kind_cleanly(tmp_path, kind):
    content, fragment, where = KINDS[kind]
    path = _write(tmp_path, kind, content)
    reports = list(hipguide.assess_files([str(path)]))
    bad = [r for r in reports if r.status == "invalid"]
    assert len(bad) == 1, [r.status for r in reports]
    messages = " | ".join(f"{e['field']}: {e['message']}" for e in bad[0].errors)
    assert fragment in messages
    if where:
        err = next(e for e in bad[0].errors if fragment in f"{e['field']}: {e['message']}")
        position = f":{err.get('line')}" + (f":{err['column']}" if "column" in err else "")
        assert position == where
    assert bad[0].disclaimer
    assert not (tmp_path / "PWNED").exists()


def test_console_script_reports_every_kind_and_keeps_the_good_ones(tmp_path, exe, clean_env):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "000_good.yaml").write_text("sitting_hours: 9\n")
    for kind, (content, _, _) in KINDS.items():
        _write(folder, kind, content)
    os.symlink(folder / "missing-target", folder / "broken_link.yaml")
    (folder / "zzz_good.yml").write_text("sitting_hours: 2\nsymptoms: {hip_pain: 9}\n")
    proc = subprocess.run([exe, "score", str(folder), "--format", "jsonl"], cwd=tmp_path,
                          capture_output=True, text=True, env=clean_env, timeout=120)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    reports = [json.loads(line) for line in proc.stdout.splitlines()]
    by_id = {r["id"]: r for r in reports}
    assert by_id["000_good"]["status"] == "ok" and by_id["zzz_good"]["status"] == "refer"
    for kind, (_, fragment, where) in KINDS.items():
        report_ids = [i for i in by_id if i.split("#")[0] == kind]
        assert any(by_id[i]["status"] == "invalid" for i in report_ids), kind
        lines = [line for line in proc.stderr.splitlines() if f"{kind}.yaml" in line]
        assert any(fragment in line for line in lines), (kind, lines)
        if where:
            assert any(f"{kind}.yaml{where}:" in line for line in lines), (kind, lines)
    assert "broken symbolic link" in by_id["broken_link"]["errors"][0]["message"]
    assert not (tmp_path / "PWNED").exists()


def test_unreadable_file_is_reported(tmp_path, monkeypatch):
    from pathlib import Path

    path = _write(tmp_path, "locked", b"sitting_hours: 3\n")

    def deny(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "open", deny)
    report = next(iter(hipguide.assess_files([str(path)])))
    assert report.status == "invalid" and "permission denied" in report.errors[0]["message"]


def test_directory_without_intake_files_and_missing_path(tmp_path, exe, clean_env):
    (tmp_path / "empty").mkdir()
    proc = subprocess.run([exe, "score", str(tmp_path / "empty"), "--format", "jsonl"],
                          capture_output=True, text=True, env=clean_env, timeout=60)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    errors = [json.loads(line)["errors"][0]["message"] for line in proc.stdout.splitlines()]
    assert errors == ["no intake files (*.yaml, *.yml, *.json, *.csv, *.tsv, *.xlsx, *.jsonl, "
                      "*.parquet, or one of them .gz) in this directory"]
    # a path that names nothing is the caller's typo: a usage error, nothing scored
    proc = subprocess.run([exe, "score", str(tmp_path / "empty"), str(tmp_path / "nope.yaml"),
                           "--format", "jsonl"],
                          capture_output=True, text=True, env=clean_env, timeout=60)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr == f"hipguide: no such file or folder: {tmp_path / 'nope.yaml'}\n"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_named_pipe_is_never_opened_and_a_path_through_a_file_is_missing(tmp_path, exe,
                                                                            clean_env):
    os.mkfifo(tmp_path / "pipe.yaml")  # opening it would wait for a writer forever
    (tmp_path / "plain.yaml").write_text("sitting_hours: 3\n")
    proc = subprocess.run([exe, "score", str(tmp_path / "pipe.yaml"), "--format", "jsonl"],
                          capture_output=True, text=True, env=clean_env, timeout=60)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    errors = [json.loads(line)["errors"][0]["message"] for line in proc.stdout.splitlines()]
    assert errors == ["not a regular file"]
    proc = subprocess.run([exe, "score", str(tmp_path / "pipe.yaml"),
                           str(tmp_path / "plain.yaml" / "x.yaml"), "--format", "jsonl"],
                          capture_output=True, text=True, env=clean_env, timeout=60)
    assert proc.returncode == 2 and "x.yaml" in proc.stderr and proc.stdout == ""


def test_output_file_is_atomic_and_never_clobbered_by_a_failed_run(tmp_path, exe, clean_env):
    good = tmp_path / "report.json"
    good.write_text("[previous good report]")
    proc = subprocess.run([exe, "score", str(tmp_path / "in.yaml"), "--output", str(good)],
                          capture_output=True, text=True, env=clean_env, timeout=60,
                          input="")
    # no such input: a usage error before any work; the report is left alone
    assert proc.returncode == 2 and good.read_text() == "[previous good report]"
    good.write_text("[previous good report]")
    kb = tmp_path / "kb"
    kb.mkdir()
    proc = subprocess.run([exe, "score", "-", "--output", str(good), "--kb", str(kb)],
                          capture_output=True, text=True, env=clean_env, timeout=60,
                          input="sitting_hours: 3\n")
    assert proc.returncode == 3  # bad knowledge base: nothing written
    assert good.read_text() == "[previous good report]"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kb", "report.json"]
