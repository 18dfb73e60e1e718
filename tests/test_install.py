"""The experta compatibility step and the shipped data, as installed."""

import re
import subprocess
import sys

from hypothesis import HealthCheck, given, settings
from strategies import intakes

import hipguide
from hipguide.kb._experta import ORIGINAL_TOKEN  # before any experta import
from hipguide.kb.knowledge import default_root


def test_experta_imports_on_this_python_without_touching_logging():
    code = ("import logging, hipguide.kb._experta as e; import frozendict; "
            "print(e.experta.__version__, len(logging.getLogger().handlers))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["1.9.4", "0"]


def test_engine_firing_log_reads_in_rule_ids():
    code = """
import logging, hipguide, hipguide.kb._experta
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
    # experta names each firing by its action, which is named after the rule id
    assert re.match(r"FIRE 1 [A-Z]+-[A-Z]+-\d\d: ", out), out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(intakes)
def test_fast_tokens_change_no_report(data):
    """_experta builds RETE tokens without experta's argument asserts (as python -O
    would). Every report must be the same as with the tokens experta ships."""
    from experta.matchers.rete.token import Token

    fast = hipguide.assess(data).as_dict()
    patched = (Token.__new__, Token.copy)
    Token.__new__, Token.copy = ORIGINAL_TOKEN
    try:
        shipped = hipguide.assess(data).as_dict()
    finally:
        Token.__new__, Token.copy = patched
    assert fast == shipped
    assert patched != ORIGINAL_TOKEN  # the fast step is really installed


def test_rules_and_knowledge_are_found_as_installed():
    root = default_root()
    assert sorted(p.name for p in (root / "rules").glob("*.yaml")) == [
        "cautions.yaml", "factors.yaml", "precautions.yaml", "recommendations.yaml",
        "red_flags.yaml", "screening.yaml"]
    assert (root / "knowledge" / "exercises.yaml").is_file()
