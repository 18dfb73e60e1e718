"""Issue 23, item 5: a full disk or a closed standard output is one clear line
(exit 2) in every command, never a traceback or an 'internal error'; ``ask
--save`` never names a file it could not write."""

from __future__ import annotations

import os
import subprocess

import pytest
from conftest import hipguide_exe
from hostile_util import env_with, run

GOOD = "sitting_hours: 9\n"
COMMANDS = [["schema"], ["schema", "--format", "csv-template"], ["rules", "doc"],
            ["rules", "list"], ["questionnaire"], ["questionnaire", "--format", "yaml"],
            ["score", "{intake}"], ["score", "{intake}", "--format", "json"],
            ["validate", "{bad}"], ["convert", "{intake}", "--to", "csv"],
            ["progress", "{intake}", "{other}"], ["--help"]]


def _args(command, tmp_path):
    (tmp_path / "a.yaml").write_text(GOOD)
    (tmp_path / "b.yaml").write_text(GOOD)
    (tmp_path / "c.yaml").write_text("sitting_hours: 99\n")
    return [part.format(intake=tmp_path / "a.yaml", other=tmp_path / "b.yaml",
                        bad=tmp_path / "c.yaml")
            for part in command]


def _one_clear_line(proc, words):
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    assert "Exception ignored" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if "cannot write" in line]
    assert len(lines) == 1 and words in lines[0], proc.stderr


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_a_full_disk_is_one_clear_line_in_every_command(tmp_path, command):
    with open("/dev/full", "w") as full:
        proc = subprocess.run([hipguide_exe(), *_args(command, tmp_path)], stdout=full,
                              stderr=subprocess.PIPE, text=True, timeout=120)
    _one_clear_line(proc, "No space left on device")


@pytest.mark.parametrize("command", COMMANDS[:1] + COMMANDS[6:8], ids=" ".join)
def test_a_closed_standard_output_is_one_clear_line(tmp_path, command):
    proc = subprocess.run([hipguide_exe(), *_args(command, tmp_path)],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          timeout=120, preexec_fn=lambda: os.close(1))
    _one_clear_line(proc, "standard output is closed")


def test_an_output_file_on_a_full_disk_names_it(tmp_path):
    for command in (["score", "{intake}"], ["convert", "{intake}", "--to", "yaml"]):
        proc = run(*_args(command, tmp_path), "-o", "/dev/full")
        _one_clear_line(proc, "/dev/full")


FULL_DISK_FOR_FILES = """
    import errno, hipguide.report.output as output
    _open = output.open_output
    def open_output(target):
        path = getattr(target, "path", target)
        if isinstance(path, str) and path.endswith((".yaml", ".partial")):
            raise OSError(errno.ENOSPC, "No space left on device")
        return _open(target)
    output.open_output = open_output
"""


def test_ask_on_a_full_disk_names_no_file_it_could_not_write(tmp_path):
    from test_ask import VALID

    save = tmp_path / "me.yaml"
    proc = run("ask", "--save", save, stdin="".join(a + "\n" for a in VALID),
               env=env_with(tmp_path, FULL_DISK_FOR_FILES))
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    assert f"cannot write {save}: No space left on device" in proc.stderr
    assert "kept in any file" in proc.stderr and "kept in /" not in proc.stderr
    assert proc.stderr.count("cannot keep the answers in") == 1   # said once, not per answer
    assert not save.exists() and not (tmp_path / "me.yaml.partial").exists()
    assert "sitting_hours: 9" in proc.stderr   # the answers, to copy by hand
