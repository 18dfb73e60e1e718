"""Issue 23, item 4: one bad byte costs one document.  Every YAML file and
standard input is read the same way: a NUL or an undecodable byte costs only its
document, and CR, CRLF, NEL, LS and PS all end lines (document splits and the
line numbers in messages agree)."""

from __future__ import annotations

import json

import pytest
from hostile_util import run

DOCS = [b"sitting_hours: 1\n", b"sitting_hours: 2\nx: \x00\n", b"sitting_hours: 3\n",
        b"id: caf\xe9\nsitting_hours: 4\n", b"sitting_hours: 5\n"]
BREAKS = {"LF": b"\n", "CRLF": b"\r\n", "CR": b"\r", "NEL": b"\xc2\x85",
          "LS": b"\xe2\x80\xa8", "PS": b"\xe2\x80\xa9"}


def _reports(proc) -> list[dict]:
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    return [json.loads(line) for line in proc.stdout.splitlines()]


def _summary(reports):
    return [(r["status"], [(e.get("line"), e["message"].split(":")[0]) for e in r["errors"]])
            for r in reports]


def test_a_nul_or_latin1_byte_costs_only_its_document_in_files_and_on_stdin(tmp_path):
    data = b"---\n".join(DOCS)
    path = tmp_path / "week.yaml"
    path.write_bytes(data)
    from_file = _reports(run("score", path, "--format", "jsonl"))
    from_stdin = _reports(run("score", "-", "--format", "jsonl",
                              stdin=data.decode("latin-1")))   # the same bytes, re-encoded
    assert [r["status"] for r in from_file] == ["ok", "invalid", "ok", "invalid", "ok"]
    assert from_file[1]["errors"][0]["line"] == 4      # the NUL's own line
    assert "NUL" in from_file[1]["errors"][0]["message"]
    assert "0xe9" in from_file[3]["errors"][0]["message"]
    assert from_file[3]["errors"][0]["line"] == 8
    # standard input: the same documents (only the Latin-1 byte became UTF-8)
    assert [r["status"] for r in from_stdin][:3] == ["ok", "invalid", "ok"]


@pytest.mark.parametrize("brk", sorted(BREAKS))
def test_every_yaml_line_break_ends_lines_and_documents(tmp_path, brk):
    sep = BREAKS[brk]
    data = sep.join([b"sitting_hours: 1", b"age: 30", b"---", b"sitting_hours: 2",
                     b"---", b"sitting_hours: 3", b"bogus: 1", b""])
    path = tmp_path / "week.yaml"
    path.write_bytes(data)
    reports = _reports(run("score", path, "--format", "jsonl"))
    assert [r["status"] for r in reports] == ["ok", "ok", "invalid"], reports
    assert reports[2]["errors"][0]["line"] == 7
    assert "bogus" in reports[2]["errors"][0]["message"]
    # standard input reads it the same way
    stdin = _reports(run("score", "-", "--format", "jsonl", stdin=data.decode("utf-8")))
    assert _summary(stdin) == _summary(reports)


def test_a_file_with_no_line_break_is_one_document_refused_with_bounded_memory(tmp_path):
    path = tmp_path / "flat.yaml"
    path.write_bytes(b"sitting_hours: 1\n---\n" + b"x" * 3_000_000 + b"\n---\nsitting_hours: 2\n")
    reports = _reports(run("score", path, "--format", "jsonl"))
    assert [r["status"] for r in reports] == ["ok", "invalid", "ok"]
    assert "limit" in reports[1]["errors"][0]["message"]
