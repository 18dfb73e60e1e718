import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "intakes"

# `hipguide ask` keeps its first screen in $XDG_CACHE_HOME/hipguide: the tests get a
# cache of their own (so every ask test after the first runs the cached path)
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="hipguide-test-cache-")
os.environ.pop("HIPGUIDE_NO_CACHE", None)


def hipguide_exe() -> str:
    """The installed console script (next to this interpreter)."""
    exe = Path(sys.executable).with_name("hipguide")
    return str(exe) if exe.exists() else shutil.which("hipguide")


def run_hipguide(*args, stdin=None, env=None) -> subprocess.CompletedProcess:
    """Run the installed console script as a user would: its own knowledge base
    (no $HIPGUIDE_KB from the caller), plus any env given."""
    full = {k: v for k, v in os.environ.items() if k != "HIPGUIDE_KB"}
    full.update(env or {})
    return subprocess.run([hipguide_exe(), *map(str, args)], capture_output=True, text=True,
                          input=stdin, env=full, timeout=120)


@pytest.fixture
def exe():
    return hipguide_exe()


@pytest.fixture
def clean_env():
    env = dict(os.environ)
    env.pop("HIPGUIDE_KB", None)
    return env


@pytest.fixture
def kb_copy(tmp_path):
    """A copy of the bundled rules/ and knowledge/ to edit (``--kb`` names it)."""
    from hipguide.kb.knowledge import default_root

    root = tmp_path / "kb"
    shutil.copytree(default_root() / "rules", root / "rules")
    shutil.copytree(default_root() / "knowledge", root / "knowledge")
    return root


def edit_once(path, old: str, new: str) -> None:
    """Replace the one place ``old`` stands in a file (which must hold it)."""
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
