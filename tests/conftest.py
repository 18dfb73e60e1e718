import os
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "intakes"


def hipguide_exe() -> str:
    """The installed console script (next to this interpreter)."""
    exe = Path(sys.executable).with_name("hipguide")
    return str(exe) if exe.exists() else shutil.which("hipguide")


@pytest.fixture
def exe():
    return hipguide_exe()


@pytest.fixture
def clean_env():
    env = dict(os.environ)
    env.pop("HIPGUIDE_KB", None)
    return env
