"""Issue 13, class 10: one file of many documents is read one document at a time,
shared by the workers, and bounded.  Memory is compared as a ratio of peak RSS
(of the hipguide process and its workers, from RUSAGE_CHILDREN in a fresh
wrapper process), never as a time."""

from __future__ import annotations

import json
import subprocess

import pytest
from conftest import hipguide_exe
from hostile_util import env_with, peak_rss_kb

# the smallest document that goes through validation (out of range: no engine run,
# so 50,000 of them take seconds, not minutes); 21 bytes each, 1.05 MB in all
TINY = "sitting_hours: 99\n"

@pytest.mark.parametrize("jobs", ["1", "2"])
def test_memory_is_flat_for_one_file_of_50000_tiny_documents(tmp_path, jobs):
    small, large = tmp_path / "small.yaml", tmp_path / "large.yaml"
    small.write_text("---\n".join([TINY] * 1_000))
    large.write_text("---\n".join([TINY] * 50_000))
    args = ("--format", "jsonl", "-o", tmp_path / "out.jsonl", "-q", "--jobs", jobs)
    base = peak_rss_kb(tmp_path, "score", small, *args, timeout=600)
    peak = peak_rss_kb(tmp_path, "score", large, *args, timeout=600)
    lines = (tmp_path / "out.jsonl").read_text().splitlines()
    assert len(lines) == 50_000
    assert json.loads(lines[-1])["id"] == "large#50000"
    assert peak < 1.5 * base, (peak, base)


def test_a_multi_document_file_gives_the_same_output_whatever_the_jobs(tmp_path):
    path = tmp_path / "many.yaml"
    docs = [f"id: p{i}\nsitting_hours: {i % 24}\nage: {20 + i % 60}\n" if i % 7 else
            "sitting_hours: [broken\n" for i in range(300)]
    path.write_text("---\n".join(docs))
    stdin = path.read_text()
    runs = [subprocess.run([hipguide_exe(), "score", str(path), "-", "--format", "jsonl",
                            "-q", "--jobs", jobs], input=stdin, capture_output=True, text=True,
                           env=env_with(tmp_path), timeout=600) for jobs in ("1", "2", "3")]
    assert runs[0].returncode == 1
    assert len(runs[0].stdout.splitlines()) == 600
    for other in runs[1:]:
        assert (other.returncode, other.stdout, other.stderr) == \
            (runs[0].returncode, runs[0].stdout, runs[0].stderr)


def test_documents_over_the_limit_are_reported_as_not_read():
    from hipguide.core.prescan import split_units
    from hipguide.intake.yamlfile import records_from_units

    units = list(split_units("sitting_hours: 1\n---\n" * 5, max_documents=3))
    records = list(records_from_units(units, "f.yaml", many=True))
    assert [r.id for r in records] == ["f#1", "f#2", "f#3", "f#4"]
    assert not records[2].problems
    assert "were not read" in records[3].problems[0].message
    assert records[3].problems[0].line == 6   # its --- line


def test_one_document_over_a_megabyte_is_refused_but_the_others_are_read(tmp_path):
    path = tmp_path / "f.yaml"
    path.write_text("sitting_hours: 1\n---\nsitting_hours: 2\n#" + "x" * 1_100_000
                    + "\n---\nsitting_hours: 3\n")
    out = subprocess.run([hipguide_exe(), "score", str(path), "--format", "jsonl"],
                         capture_output=True, text=True, env=env_with(tmp_path), timeout=120)
    assert [json.loads(line)["status"] for line in out.stdout.splitlines()] == \
        ["ok", "invalid", "ok"]
    assert "over the 1,000,000-byte limit" in out.stderr


# --- files too large to read whole: read one document at a time ------------------

STREAMS = [
    "sitting_hours: 1\n---\nsitting_hours: 2\n",
    "# a comment\n%YAML 1.1\n---\nsitting_hours: 1\n...\n# between\n---\nsitting_hours: 2",
    "\ufeffsitting_hours: 1\n--- {sitting_hours: 2}\n---\n---\nsitting_hours: 3\n",
    "---\n# only a comment\n...\nsitting_hours: 1\n--- |\n  text\n---\t\nage: 3\n",
    "# comments alone\n# and more\n",
    "sitting_hours: 1\n----\nnot: a marker\n---x\n",
]


@pytest.mark.parametrize("text", STREAMS)
def test_the_streamed_split_is_the_whole_text_split(text):
    from hipguide.core.prescan import split_units, stream_units

    lines = text.encode("utf-8").splitlines(keepends=True)
    whole = text.removeprefix("\ufeff")    # read_text decodes with utf-8-sig
    assert list(stream_units(lines, 1_000_000)) == list(split_units(whole))
    assert list(stream_units(lines, 1_000_000, max_documents=1)) == \
        list(split_units(whole, max_documents=1))


def _big_file(path, count: int) -> list:
    """count documents padded to ~5.3 KB each (so the file is over the 10 MB that
    is read whole), a few of them broken in ways that must cost only themselves."""
    pad = "# " + "x" * 5_300 + "\n"
    docs = []
    for i in range(count):
        doc = f"id: p{i}\nsitting_hours: {i % 12}\nage: {20 + i % 60}\n"
        if i == 700:
            doc = "sitting_hours: [broken\n"
        docs.append((pad + doc).encode())
    docs[1000] = pad.encode() + b"sitting_hours: 8\nnote: caf\xe9\n"        # not UTF-8
    docs[1500] = pad.encode() + b"sitting_hours: 8\x00\n"                    # NUL
    path.write_bytes(b"---\n".join(docs))
    return docs


@pytest.mark.parametrize("jobs", [None, "1"])
def test_a_file_over_the_whole_read_limit_is_scored_document_by_document(tmp_path, jobs):
    from hipguide.core.files import MAX_STREAM_BYTES

    path = tmp_path / "clinic.yaml"
    _big_file(path, 2_000)
    assert path.stat().st_size > MAX_STREAM_BYTES
    args = ["score", str(path), "--format", "jsonl", "-q"] + (["--jobs", jobs] if jobs else [])
    out = subprocess.run([hipguide_exe(), *args], capture_output=True, text=True,
                         env=env_with(tmp_path), timeout=600)
    reports = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(reports) == 2_000
    bad = {i for i, r in enumerate(reports) if r["status"] == "invalid"}
    assert bad == {700, 1000, 1500}
    assert reports[0]["id"] == "p0" and reports[1999]["id"] == "p1999"
    assert reports[1000]["id"] == "clinic#1001"
    assert "not UTF-8 text: byte 0xe9" in out.stderr and "NUL bytes" in out.stderr
    # each problem names its line in the file
    data = path.read_bytes()
    for bad_byte in (b"\xe9", b"\x00"):
        line = data[:data.index(bad_byte)].count(b"\n") + 1
        assert f"clinic.yaml:{line}:" in out.stderr
    standard_input = subprocess.run([hipguide_exe(), "score", "-", "--format", "jsonl", "-q"],
                                    input=path.read_bytes(), capture_output=True,
                                    env=env_with(tmp_path), timeout=600)
    piped = [json.loads(line) for line in standard_input.stdout.splitlines()]
    assert [r["status"] for r in piped] == [r["status"] for r in reports]
    assert piped[1000]["id"] == "stdin#1001"


def test_memory_is_flat_for_a_file_too_large_to_read_whole(tmp_path):
    small, large = tmp_path / "small.yaml", tmp_path / "large.yaml"
    pad = "# " + "x" * 5_000 + "\n"
    small.write_text("---\n".join([pad + TINY] * 200))
    large.write_text("---\n".join([pad + TINY] * 8_000))   # 40 MB
    args = ("--format", "jsonl", "-o", tmp_path / "out.jsonl", "-q", "--jobs", "1")
    base = peak_rss_kb(tmp_path, "score", small, *args, timeout=600)
    peak = peak_rss_kb(tmp_path, "score", large, *args, timeout=600)
    assert len((tmp_path / "out.jsonl").read_text().splitlines()) == 8_000
    assert peak < 1.3 * base, (peak, base)
