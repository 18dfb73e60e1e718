"""The experta compatibility step and the shipped data, as installed."""

import subprocess
import sys

from hipguide.knowledge import default_root


def test_experta_imports_on_this_python_without_touching_logging():
    code = ("import logging, hipguide._experta as e; import frozendict; "
            "print(e.experta.__version__, len(logging.getLogger().handlers))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["1.9.4", "0"]


def test_engine_firing_log_reads_in_rule_ids():
    code = """
import logging, hipguide, hipguide._experta
from experta import watchers
records = []
class H(logging.Handler):
    def emit(self, r): records.append(r.getMessage())
watchers.RULES.addHandler(H()); watchers.RULES.setLevel(logging.INFO)
watchers.RULES.propagate = False
hipguide.assess({"sitting_hours": 9})
print(records[0])
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.startswith("FIRE 1 F-")


def test_rules_and_knowledge_are_found_as_installed():
    root = default_root()
    assert sorted(p.name for p in (root / "rules").glob("*.yaml")) == [
        "cautions.yaml", "factors.yaml", "recommendations.yaml", "red_flags.yaml"]
    assert (root / "knowledge" / "exercises.yaml").is_file()
