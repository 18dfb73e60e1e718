"""The experta compatibility step and the shipped data, as installed.

The speed patches are checked in test_engine_patches.py."""

import subprocess
import sys

from hipguide.kb.knowledge import default_root


def test_experta_imports_on_this_python_without_touching_logging():
    code = ("import logging, hipguide.engine._experta as e; import frozendict; "
            "print(e.experta.__version__, len(logging.getLogger().handlers))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["1.9.4", "0"]


def test_rules_and_knowledge_are_found_as_installed():
    root = default_root()
    assert sorted(p.name for p in (root / "rules").glob("*.yaml")) == [
        "cautions.yaml", "explanation.yaml", "factors.yaml", "precautions.yaml",
        "recommendations.yaml", "red_flags.yaml", "unanswered_warning_signs.yaml"]
    assert (root / "knowledge" / "exercises.yaml").is_file()
