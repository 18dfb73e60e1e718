"""Helpers shared by the hostile-input tests: fault injection into the installed
console script, child processes, raw control characters."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

from conftest import hipguide_exe

# what must never reach a terminal raw: C0 (but newline), DEL, C1, bidi controls
RAW = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def env_with(tmp_path: Path, sitecustomize: str = "", **extra) -> dict:
    """The environment of a user, plus a sitecustomize.py that the console script
    imports at start-up (how a test injects a fault into the real command)."""
    env = {k: v for k, v in os.environ.items() if k != "HIPGUIDE_KB"}
    if sitecustomize:
        folder = tmp_path / "inject"
        folder.mkdir(exist_ok=True)
        (folder / "sitecustomize.py").write_text(textwrap.dedent(sitecustomize))
        env["PYTHONPATH"] = str(folder)
    env.update(extra)
    return env


def run(*args, env=None, stdin=None, cwd=None, timeout=120) -> subprocess.CompletedProcess:
    return subprocess.run([hipguide_exe(), *map(str, args)], capture_output=True, text=True,
                          input=stdin, env=env, cwd=cwd, timeout=timeout)


def children(pid: int) -> list[int]:
    """The live (not zombie) child processes of pid."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            out.append(int(entry.name))
    return out


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2:].split()[0] != "Z"


PEAK = """
import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def peak_rss_kb(tmp_path, *args, timeout: int) -> int:
    """The peak resident memory (KB) of one run of the installed command."""
    out = subprocess.run([sys.executable, "-c", PEAK, hipguide_exe(), *map(str, args)],
                         capture_output=True, text=True, env=env_with(tmp_path), timeout=timeout)
    return int(out.stdout)
