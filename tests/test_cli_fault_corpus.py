"""A corpus of hostile intake files beyond the attack report, scored all at once
by the installed command: no crash, no hang, no lost report, no raw control
character, the same bytes whatever --jobs, and every file accounted for."""

from __future__ import annotations

import json

import pytest
from hostile_util import RAW, env_with, run

CORPUS = {
    "bom": "\ufeffsitting_hours: 3\n".encode(),
    "utf16": "sitting_hours: 3\n".encode("utf-16"),
    "crlf": b"sitting_hours: 3\r\n---\r\nsitting_hours: 4\r\n",
    "lone_cr": b"sitting_hours: 3\r---\rsitting_hours: 4\r",
    "nel_breaks": "sitting_hours: 3\u2028age: 40\n".encode(),
    "only_comments": b"# nothing here\n# at all\n",
    "only_markers": b"---\n---\n...\n",
    "directive_only": b"%YAML 1.1\n",
    "directives": b"%YAML 1.1\n%TAG !e! tag:example.com,2000:\n---\nsitting_hours: 3\n",
    "dots_then_doc": b"sitting_hours: 1\n...\nsitting_hours: 2\n",
    "marker_in_string": b"id: '---'\nsitting_hours: 3\n",
    "marker_in_block": b"id: |\n  ---\n  x\nsitting_hours: 3\n",
    "unterminated_quote": b"id: 'abc\nsitting_hours: 3\n---\nsitting_hours: 5\n",
    "tab_indent": b"symptoms:\n\thip_pain: 3\nsitting_hours: 3\n",
    "anchors_across": b"a: &x 1\n---\nsitting_hours: *x\n",
    "self_alias": b"a: &a [*a]\n",
    "long_key": b"k" * 200_000 + b": 1\nsitting_hours: 3\n",
    "long_line_value": b"sitting_hours: 3\nposture: [" + b"knee_valgus, " * 20_000 + b"]\n",
    "many_keys": b"".join(b"k%d: 1\n" % i for i in range(30_000)),
    "big_float": b"sitting_hours: 1.7976931348623157e+309\n",
    "tiny_float": b"sitting_hours: 1.0e-400\n",
    "neg_zero": b"sitting_hours: -0\n",
    "huge_exponent": b"sitting_hours: 1.0e+99999999999999999999\n",
    "binary_tag": b"sitting_hours: !!binary aGVsbG8=\n",
    "set_tag": b"sitting_hours: !!set {a, b}\n",
    "omap": b"sitting_hours: !!omap [a: 1]\n",
    "timestamp": b"sitting_hours: 2001-12-14t21:59:43.10-05:00\n",
    "null_key": b"~: 1\nsitting_hours: 3\n",
    "complex_key": b"? [a, b]\n: 1\nsitting_hours: 3\n",
    "int_key": b"1: 1\nsitting_hours: 3\n",
    "huge_int_key": b"1" + b"0" * 5000 + b": 1\nsitting_hours: 3\n",
    "escape_in_key": b'"\\e[2J\\u202e": 1\nsitting_hours: 3\n',
    "nul_escape": b'id: "\\0abc"\nsitting_hours: 3\n',
    "surrogate_escape": b'id: "\\ud800"\nsitting_hours: 3\n',
    "deep_but_ok": b"sitting_hours: 3\nx: " + b"[" * 30 + b"]" * 30 + b"\n",
    "deep_40": b"sitting_hours: 3\nx: " + b"[" * 40 + b"]" * 40 + b"\n",
    "deep_block_map": b"".join(b" " * i + b"k:\n" for i in range(200)),
    "deep_qmark": b"? " * 5000 + b"x\n",
    "many_docs_broken": b"---\n[\n" * 200,
    "invalid_utf8_late": b"sitting_hours: 3\n# " + b"\xc3\x28" + b"\n",
    "control_in_plain": b"sitting_hours: 3\nid: a\x7fb\n",
    "c1_in_value": "sitting_hours: 3\nid: a\u009bb\n".encode(),
    "bidi_id": "sitting_hours: 3\nid: a\u202eb\n".encode(),
    "zero_width_id": "sitting_hours: 3\nid: a\u200bb\n".encode(),
    "formula_id": b"sitting_hours: 3\nid: '=cmd|\" /C calc\"!A0'\n",
    "yaml_bool_words": b"sitting_hours: 3\nrotational_sport: yes\n",
    "null_everywhere": b"sitting_hours: ~\nsymptoms: ~\ninjuries: ~\n",
    "list_of_nulls": b"sitting_hours: 3\nposture: [~, ~]\n",
    "empty_mapping_doc": b"{}\n",
    "scalar_doc": b"42\n",
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("corpus")
    (folder / "000_good.yaml").write_text("sitting_hours: 9\n")
    for name, content in CORPUS.items():
        (folder / f"{name}.yaml").write_bytes(content)
    (folder / "zzz_good.yaml").write_text("sitting_hours: 2\n")
    return folder


@pytest.mark.parametrize("fmt", ["jsonl", "text", "csv", "yaml", "html"])
def test_the_corpus_is_scored_cleanly_in_every_format(corpus, fmt):
    runs = [run("score", corpus, "--format", fmt, "-q", "--jobs", jobs, env=env_with(corpus),
                timeout=300) for jobs in ("1", "2")]
    for proc in runs:
        assert proc.returncode == 1, proc.stderr[-2000:]
        assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
        assert not RAW.search(proc.stderr)
        if fmt in ("text", "jsonl", "yaml"):
            assert not RAW.search(proc.stdout)
    assert (runs[0].stdout, runs[0].stderr) == (runs[1].stdout, runs[1].stderr)


def test_every_corpus_file_is_accounted_for(corpus):
    proc = run("score", corpus, "--format", "jsonl", env=env_with(corpus), timeout=300)
    reports = [json.loads(line) for line in proc.stdout.splitlines()]
    sources = {r["source"].rsplit("/", 1)[-1] for r in reports}
    expected = {f"{name}.yaml" for name in CORPUS} | {"000_good.yaml", "zzz_good.yaml"}
    assert sources == expected
    by_source = {}
    for r in reports:
        by_source.setdefault(r["source"].rsplit("/", 1)[-1], []).append(r)
    assert [r["status"] for r in by_source["crlf.yaml"]] == ["ok", "ok"]
    assert [r["status"] for r in by_source["lone_cr.yaml"]] == ["ok", "ok"]
    assert [r["status"] for r in by_source["unterminated_quote.yaml"]][-1] == "ok"
    assert [r["status"] for r in by_source["dots_then_doc.yaml"]] == ["ok", "ok"]
    assert len(by_source["many_docs_broken.yaml"]) == 200
    assert by_source["deep_but_ok.yaml"][0]["errors"][0]["field"] == "x"   # unknown key
    assert "nested more than 32" in by_source["deep_40.yaml"][0]["errors"][0]["message"]
    for name in ("bidi_id", "c1_in_value", "zero_width_id"):   # rejected: default id
        assert by_source[f"{name}.yaml"][0]["id"] == name
    assert by_source["formula_id.yaml"][0]["id"].startswith("=cmd")   # valid data, kept
