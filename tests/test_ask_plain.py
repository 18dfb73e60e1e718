"""A person answers in their own words in a real terminal (the installed command
in a pseudo-terminal): "not sure" to a warning sign and to a list, "about 3",
"7,5", "Light", "a year ago". Unsure answers are saved as not answered (never
"no"); the others as what was understood, each confirmed in one line."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml
from test_ask_pty import SCRIPT, spawn, words

pexpect = pytest.importorskip("pexpect")


def converse(child, replies: list[tuple[str, str]], until: str):
    """Answer each question as it comes: the first reply whose key is in the
    question's text (each reply is used once, in order of appearance); Enter for
    any other question. Stops at the prompt whose text matches ``until``."""
    pending = list(replies)
    seen = []
    while True:
        child.expect(r": $")
        question = " ".join(child.before.split()[-60:])
        tail = " ".join(child.before.split())
        if re.search(words(until), tail[-200:]):
            return seen
        reply = ""
        for i, (key, text) in enumerate(pending):
            if re.search(words(key), question):
                reply = text
                del pending[i]
                break
        seen.append((question[-90:], reply))
        child.sendline(reply)


REPLIES = [
    ("How old are you", "52"),
    ("How bad is your hip pain", "about 3"),
    ("turn your leg inwards", "not sure"),                 # a warning sign: unsure
    ("Has a doctor told you", "not sure"),                 # a list: unsure
    ("after a fall", "n"), ("unable to put weight", "n"), ("numbness, tingling", "n"),
    ("newly weak", "no"), ("saddle", "n"), ("bladder", "n"), ("low back pain", "n"),
    ("fever", "n"), ("hot, red or swollen", "n"), ("at night or at rest", "n"),
    ("lost weight", "n"), ("ever had cancer", "n"), ("operation on your hip", "n"),
    ("hours a day do you spend sitting", "7,5"),
    ("How active are you", "Light"),
    ("Any past injury", "y"), ("Where was the injury", "knee"), ("Which side", "dont know"),
    ("How many months ago did it happen", "a year ago"), ("Did it need an operation", "n"),
    ("Any other injury", "n"),
    ("feel stiff", "y"),
]


def test_plain_words_and_not_sure_are_understood_and_saved_as_such(tmp_path):
    child = spawn("--save", "me.yaml", cwd=tmp_path)
    seen = converse(child, REPLIES, until="Enter to save, or the number of an answer")
    log = child.before
    child.sendline("")
    child.expect(words("Write your printable handout") + r".*: $", timeout=60)
    child.sendline("n")
    child.expect(pexpect.EOF, timeout=60)
    child.close()
    assert child.exitstatus == 0
    transcript = " ".join(t for _, t in seen)
    assert "about 3" in transcript and "7,5" in transcript
    data = yaml.safe_load((tmp_path / "me.yaml").read_text())
    symptoms = data["symptoms"]
    # unsure: not answered (left out), never "no"
    assert "limited_rotation" not in symptoms
    assert "conditions" not in data
    assert data["injuries"] == [{"site": "knee", "months_ago": 12, "surgery": False}]
    # plain words: understood
    assert symptoms["hip_pain"] == 3 and data["sitting_hours"] == 7.5
    assert data["activity_level"] == "light"
    # Enter on a list is not "none of these"
    assert "posture" not in data
    # the review shows lay words, and "not sure" for the unsure answers
    flat = " ".join(log.split())
    assert "not sure / not answered" in flat
    assert "some walking or light activity most days" in flat
    assert "light_" not in flat and "anterior_pelvic" not in flat


def test_each_reading_is_confirmed_in_one_line(tmp_path):
    child = spawn(cwd=tmp_path)
    replies = REPLIES[:3]
    child.expect(words("How old are you") + r".*: $")
    child.sendline("52")
    child.expect(words("How bad is your hip pain") + r".*: $")
    child.sendline("about 3")
    child.expect(words("Understood: 3."))
    child.expect(words("turn your leg inwards") + r".*: $")
    child.sendline("don't know")
    child.expect(words("Noted as not sure: left unanswered, which is not the same as 'no'"))
    child.expect(words("after a fall") + r".*: $")
    child.sendline("?")
    child.expect(words("If you do not know, type: not sure"))
    child.sendintr()
    child.expect(pexpect.EOF)
    child.close()
    assert replies


def test_months_and_hours_in_other_units(tmp_path):
    child = spawn("--save", "me.yaml", cwd=tmp_path)
    replies = [(k, v) for k, v in REPLIES if k not in ("How many months ago did it happen",
                                                        "hours a day do you spend sitting")]
    replies += [("hours a day do you spend sitting", "90 minutes"),
                ("How many months ago did it happen", "6 weeks")]
    converse(child, replies, until="Enter to save, or the number of an answer")
    flat = " ".join(child.before.split())
    child.sendline("")
    child.expect(words("Write your printable handout") + r".*: $", timeout=60)
    child.sendline("n")
    child.expect(pexpect.EOF, timeout=60)
    child.close()
    data = yaml.safe_load((tmp_path / "me.yaml").read_text())
    assert data["sitting_hours"] == 1.5
    assert data["injuries"][0]["months_ago"] == 1.4
    assert "1.4 months ago" in flat


def spawn_at(cols: int, rows: int, *args, cwd):
    env = {k: v for k, v in os.environ.items() if k not in ("HIPGUIDE_KB", "COLUMNS")}
    env["PYTHONUNBUFFERED"] = "1"
    return pexpect.spawn(str(SCRIPT), ["ask", *args], cwd=str(cwd), env=env,
                         encoding="utf-8", timeout=30, dimensions=(rows, cols))


def test_an_80_column_terminal_no_line_too_long_and_the_session_ends_with_the_brief(
        tmp_path):
    child = spawn_at(80, 24, "--save", "me.yaml", cwd=tmp_path)
    converse(child, REPLIES, until="Enter to save, or the number of an answer")
    child.sendline("")
    child.expect(words("Write your printable handout") + r".*: $", timeout=60)
    out = child.before
    child.sendline("")                                   # Enter: the default file name
    child.expect(words("Handout written to me.html"))
    child.expect(words("choose Print"))
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert (tmp_path / "me.html").read_text().startswith("<!DOCTYPE html>")
    lines = out.replace("\r", "").split("\n")
    assert max(len(line) for line in lines) <= 80
    # the last screen (24 rows) holds the whole plan in brief and the offer
    last = lines[lines.index("-- Your plan in brief --"):]
    assert len(last) <= 23, last
    text = " ".join(last)
    assert "Start with these exercises" in text and "Pain rule:" in text
    assert "Stop and seek help" in text


def test_the_report_wraps_to_columns_without_splitting_a_word(tmp_path):
    repo = Path(__file__).parents[1]
    env = {k: v for k, v in os.environ.items() if k != "HIPGUIDE_KB"}
    reports = {}
    for cols in ("80", "60", "200"):
        done = subprocess.run([str(SCRIPT), "score", "examples/intakes", "-q"], cwd=repo,
                              capture_output=True, text=True, env={**env, "COLUMNS": cols},
                              timeout=120)
        assert done.returncode in (0, 1), done.stderr
        reports[cols] = done.stdout
        lines = done.stdout.splitlines()
        assert max(map(len, lines)) <= min(int(cols), 88), cols
        for page in done.stdout.split("\n== ")[1:]:
            body = page.split(" ==\n", 1)[1].lstrip("\n")
            assert body.startswith("Your plan in brief") or body.startswith("INVALID"), page[:300]
    # the same words in the same order at every width: no word was split
    assert reports["80"].split() == reports["200"].split() == reports["60"].split()


def test_a_parent_answering_for_a_child_is_asked_about_your_child():
    from click.testing import CliRunner

    from hipguide.cli import main

    result = CliRunner().invoke(main, ["ask"], input="12\n2\n1\nn\n")
    text = " ".join(result.stderr.split())
    assert "Who is answering these questions?" in text
    assert "How bad is your child's hip pain today" in text
    assert "Does your child walk with a limp?" in text
    result = CliRunner().invoke(main, ["ask"], input="12\n1\n1\nn\n")
    text = " ".join(result.stderr.split())
    assert "How bad is your hip pain today" in text and "your child" not in text


def test_low_back_and_groin_pain_are_asked_of_everyone():
    from click.testing import CliRunner

    from hipguide.cli import main

    answers = ["40", "0"] + ["n"] * 4 + ["none"] + ["n"] * 4
    result = CliRunner().invoke(main, ["ask"], input="".join(a + "\n" for a in answers))
    assert "Do you have low back pain at the moment?" in " ".join(result.stderr.split())
    answers = ["40", "0", "n", "n", "n", "n", "none"] + ["n"] * 9 + ["n", "4"] + [""] * 8
    result = CliRunner().invoke(main, ["ask"], input="".join(a + "\n" for a in answers))
    assert "pain in the groin" in " ".join(result.stderr.split())
