"""experta's speed patches (hipguide/engine/_experta.py and its patches_*.py) change
nothing a report says.

An engine keeps bound methods taken when it is built, so every comparison
builds its engine and runs it under the same set of patches.
"""

from __future__ import annotations

import itertools
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import EXAMPLES, run_hipguide
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import intakes

from hipguide.core import contract as schema
from hipguide.engine import _experta as X
from hipguide.engine import patches_alpha, patches_beta, patches_facts
from hipguide.engine.assessor import Assessor
from hipguide.engine.compiler import Basis
from hipguide.engine.experta_compat import NoMemory, Token
from hipguide.intake.reading import records
from hipguide.kb.knowledge import load
from hipguide.report.writers import report_dict

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from gen import intake_text  # noqa: E402

RED_FLAG_SYMPTOMS = ("night_pain", "pain_after_fall", "cannot_bear_weight", "fever_or_unwell",
                     "saddle_numbness", "hot_swollen_joint")
KB = load()
ALL = tuple(X.PATCHES)


def _with_red_flag(pair):
    data, flag = pair
    if flag is not None:
        data = {**data, "symptoms": {**data.get("symptoms", {}), flag: True}}
    return data


# about half the generated intakes carry a red flag
biased_intakes = st.tuples(intakes, st.one_of(st.none(), st.sampled_from(RED_FLAG_SYMPTOMS))
                           ).map(_with_red_flag)


def _sample() -> list:
    """The examples, generated intakes as a clinic exports them, and a red flag
    in some of them: validated intake dicts, scored in this order on one engine
    (so a reset that forgets something shows)."""
    import random

    import yaml

    found = [r.intake for r in records([str(EXAMPLES)]) if not r.problems]
    rng = random.Random(5)
    for i in range(60):
        data, invalid = schema.validate(yaml.safe_load(intake_text(i, rng)))
        if not invalid:
            found.append(_with_red_flag((data, RED_FLAG_SYMPTOMS[i % 6] if i % 4 == 0 else None)))
    return found


SAMPLE = _sample()


def outcome(assessor: Assessor, data: dict):
    """Everything the engine decided for one intake: the report with its basis
    texts, and every fact in working memory (by content: fact ids follow the
    firing order, which among equal-salience rules varies between engines
    even without patches)."""
    conclusions = assessor.run(data)
    facts = sorted(f"{type(f).__name__}{sorted((k, v) for k, v in f.items() if k != '__factid__')}"
                   for f in assessor.engine.facts.values())
    return report_dict(assessor.build(conclusions, "intake", "<test>"), explain=True), facts


def outcomes(names, intakes_, replace: dict | None = None):
    """Score intakes_ on one engine built and run with exactly the patches
    ``names`` (and replace: {name: function} installed instead of those);
    with replace, an exception is an outcome too."""
    with X.patched(names):
        for name, function in (replace or {}).items():
            X.PATCHES[name].apply(function)
        assessor = Assessor(KB)
        try:
            return [outcome(assessor, data) for data in intakes_]
        except Exception as exc:  # noqa: BLE001 - a broken patch may also crash
            if not replace:
                raise
            return f"raised {exc!r}"


_ENGINES: dict = {}


def _outcome_cached(names: tuple, data: dict):
    """outcome() on an engine kept per set of patches (built under it)."""
    with X.patched(names):
        if names not in _ENGINES:
            _ENGINES[names] = Assessor(KB)
        return outcome(_ENGINES[names], data)


PLAIN_SAMPLE = outcomes((), SAMPLE)


def test_the_sample_exercises_red_flags_and_recommendations():
    statuses = {report["status"] for report, _ in PLAIN_SAMPLE}
    assert statuses == {"ok", "refer"}
    assert any(report["recommendations"] for report, _ in PLAIN_SAMPLE)


def test_patches_are_applied_at_import():
    assert X.applied() == list(X.PATCHES)
    assert all(patch.original is not patch.replacement for patch in X.PATCHES.values())


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(biased_intakes)
def test_patched_engine_decides_like_plain_experta(raw):
    data, invalid = schema.validate(raw)
    assert not invalid
    assert _outcome_cached(ALL, data) == _outcome_cached((), data)


@pytest.mark.parametrize("name", list(X.PATCHES))
def test_each_patch_alone_decides_like_plain_experta(name):
    assert outcomes((name,), SAMPLE) == PLAIN_SAMPLE


def test_all_patches_decide_like_plain_experta_on_the_sample():
    assert outcomes(ALL, SAMPLE) == PLAIN_SAMPLE


def test_unpatched_restores_experta_exactly_and_patched_comes_back():
    from experta.matchers.rete.nodes import FeatureTesterNode
    from experta.matchers.rete.token import Token

    with X.unpatched():
        assert X.applied() == []
        assert "activate" not in FeatureTesterNode.__dict__  # inherited again
        assert Token.__dict__["__new__"] is X.PATCHES["token_new"].original
    assert X.applied() == list(X.PATCHES)
    X.revert("conflict_set_activate")  # and what needs it
    try:
        assert "matcher_changes" not in X.applied()
    finally:
        X.apply_all()


# --- a broken variant of every patch must be caught ----------------------------

def _broken_variants() -> dict:
    """name -> a plausible bug in that patch, which the equivalence check must catch."""
    P = X.PATCHES

    def token_new(cls, tag, data, context=None):  # drops the context it is given
        return tuple.__new__(cls, (tag, {data} if isinstance(data, X.Fact) else set(data), {}))

    def token_copy(self):  # shares the context: a child's binding leaks into its siblings
        return tuple.__new__(type(self), (self.tag, self.data.copy(), self.context))

    def bus_add(self, fact):  # sends every fact down the first fact's type branches
        token = Token.valid(fact)
        if not hasattr(self, "_broken_children"):
            self._broken_children = patches_alpha._children_for(self, type(fact))
        for child in self._broken_children:
            child.callback(token)

    def feature_check_call(self, data, is_fact=True):  # a missing field matches
        path = patches_alpha._path(self.what) if is_fact else ()
        if is_fact and path and path[0] not in data:
            return True
        return P["feature_check_call"].replacement(self, data, is_fact)

    def type_check_call(self, fact):  # the test inverted
        return type(fact) is not self.fact_type

    def fact_capture_call(self, fact):  # binds nothing
        return True

    def feature_tester_activate(self, token):  # forgets to add the binding
        match = self.matcher(next(iter(token.data)))
        if match:
            for child in self.children:
                child.callback(token.copy())

    def two_input_left(self, token):  # enters by the wrong side
        return self._activate_right(token)

    def two_input_right(self, token):
        return self._activate_left(token)

    def conflict_set_activate(self, token):  # says it marks its node as changed, does not
        self._activate(token)

    conflict_set_activate.marks_changes = True

    def matcher_changes(self, adding=None, deleting=None):  # reads only the first changed node
        try:
            dirty, nodes = self._hipguide_dirty
        except AttributeError:
            dirty, nodes = self._hipguide_dirty = patches_beta._track_conflict_sets(self)
        for fact in deleting or ():
            self.root_node.remove(fact)
        for fact in adding or ():
            self.root_node.add(fact)
        if not dirty:
            return [], []
        first = min(dirty)
        dirty.clear()
        added, removed = nodes[first].get_activations()
        return list(added), list(removed)

    def matcher_reset(self):  # forgets the NOT nodes' memories
        from experta.matchers.rete.nodes import NotNode

        for node in patches_beta._walk(self.root_node):
            if type(node)._reset is not NoMemory._reset and not isinstance(node, NotNode):
                node._reset()

    def engine_reset(self, **kwargs):  # keeps the previous intake's facts
        facts = self.facts
        P["engine_reset"].replacement(self, **kwargs)
        self.facts = facts

    def engine_run(self, steps=float("inf")):  # fires rules without their bound facts
        self.running = True
        while self.running:
            added, removed = self.get_activations()
            self.strategy.update_agenda(self.agenda, added, removed)
            activation = self.agenda.get_next()
            if activation is None:
                break
            activation.rule(self)
        self.running = False

    def agenda_key(self, activation):  # forgets salience: red flags no longer fire first
        return (0, sorted((f["__factid__"] for f in activation.facts), reverse=True))

    def fact_setitem(self, key, value):  # "skip empty values" drops False and 0
        if value or value is None or type(value) not in patches_facts._PLAIN:
            P["fact_setitem"].replacement(self, key, value)

    def fact_init(self, *args, **kwargs):  # "sparse facts": a False field is left out
        P["fact_init"].replacement(self, *args, **{k: v for k, v in kwargs.items()
                                                    if v is not False})

    def factlist_declare(self, fact):  # the duplicate check compares field names only
        # (not their values; a declared fact also holds __factid__, so the names are
        # compared without the special ones: with them, no fact ever matched and this
        # "bug" changed nothing)
        special = patches_facts._special
        names = frozenset(k for k in fact if not special(k))
        if any(type(f) is type(fact) and frozenset(k for k in f if not special(k)) == names
               for f in self.values()):
            return None
        return P["factlist_declare"].replacement(self, fact)

    def engine_declare(self, *facts):  # off by one: the first fact is never declared
        return P["engine_declare"].replacement(self, *facts[1:])

    hashes = itertools.count()

    def rule_hash(self):  # the cache is never stored: a new hash each time
        return next(hashes)

    def activation_hash(self):  # by identity: an equal activation is not found again
        return id(self)

    def conflict_set_record(self, token):  # forgets to remember the token's info
        memory = self.memory
        self.memory = set()
        try:
            P["conflict_set_record"].replacement(self, token)
        finally:
            self.memory = memory

    variants = dict(locals())
    variants.pop("P")
    variants.pop("hashes")
    return variants


BROKEN = _broken_variants()


@pytest.mark.parametrize("name", list(X.PATCHES))
def test_a_broken_variant_of_each_patch_is_caught(name):
    assert name in BROKEN, f"patch {name!r} has no broken variant in {__file__}"
    # fact_init fills plain values without __setitem__: fact_setitem's bug shows without it
    names = tuple(n for n in ALL if n != "fact_init") if name == "fact_setitem" else ALL
    try:
        broken = outcomes(names, SAMPLE, {name: BROKEN[name]})
    except Exception:   # noqa: BLE001 - a broken patch that breaks the engine outright is caught
        return
    assert broken != PLAIN_SAMPLE



# --- declaring: the patched FactList.declare against experta's, fact by fact ----

def _declared(data: dict) -> list:
    """Every fact the patched engine handed to working memory while scoring data,
    duplicates too, in order, as undeclared copies."""
    seen = []
    real = X.PATCHES["factlist_declare"].replacement

    def recording(self, fact):
        seen.append(fact.copy())   # before it gets its id
        return real(self, fact)

    with X.patched(ALL):
        if ALL not in _ENGINES:
            _ENGINES[ALL] = Assessor(KB)
        X.PATCHES["factlist_declare"].apply(recording)
        _ENGINES[ALL].run(data)
    return seen


def _replay(declare, facts: list):
    """Declare copies of facts into a new working memory with ``declare``, then
    all of them again (each a duplicate now): everything declare decided."""
    from experta.factlist import FactList

    memory = FactList()
    returned = [declare(memory, fact.copy()) for fact in facts + facts[::-1]]
    return ([None if r is None else r["__factid__"] for r in returned], list(memory.items()),
            dict(memory.reference_counter), list(memory.added), memory.last_index)


def _declare_agrees(data: dict, patched_declare) -> bool:
    facts = _declared(data)
    plain = X.PATCHES["factlist_declare"].original
    return _replay(patched_declare, facts) == _replay(plain, facts)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(biased_intakes)
def test_patched_declare_keeps_and_drops_the_facts_experta_does(raw):
    data, invalid = schema.validate(raw)
    assert not invalid
    assert _declare_agrees(data, X.PATCHES["factlist_declare"].replacement)


def _key_without_class(fact):   # Factor and Caution with equal fields count as one
    return frozenset((k, v) for k, v in fact.items() if not patches_facts._special(k))


@pytest.mark.parametrize("bug", ["field names only", "key without the class"])
def test_the_declare_comparison_catches_a_broken_duplicate_check(bug, monkeypatch):
    if bug == "key without the class":
        monkeypatch.setattr(patches_facts, "_fact_id", _key_without_class)
        broken = X.PATCHES["factlist_declare"].replacement
    else:
        broken = BROKEN["factlist_declare"]
    assert not all(_declare_agrees(data, broken) for data in SAMPLE[:20])


# --- plain mode, watchers, --trace ---------------------------------------------

FIRING_LOG = """
import logging, hipguide, hipguide.engine._experta as e
from experta import watchers
records = []
class H(logging.Handler):
    def emit(self, r): records.append(r.getMessage())
watchers.RULES.addHandler(H()); watchers.RULES.setLevel(logging.INFO)
watchers.RULES.propagate = False
hipguide.assess({"sitting_hours": 9})
print(len(e.applied()), records[0])
"""


@pytest.mark.parametrize("mode", ["", "plain"])
def test_engine_firing_log_reads_in_rule_ids(mode):
    out = subprocess.run([sys.executable, "-c", FIRING_LOG], capture_output=True, text=True,
                         check=True, env={**os.environ, X.ENV: mode}).stdout
    applied, log = out.split(" ", 1)
    assert int(applied) == (0 if mode else len(X.PATCHES))
    assert re.match(r"FIRE 1 [A-Z]+-[A-Z]+-\d\d: ", log), log


def test_why_trace_shows_the_engine_log_on_stderr_with_plain_experta():
    intake = EXAMPLES / "office_worker.yaml"
    plain = run_hipguide("why", "--intake", intake)
    traced = run_hipguide("why", "--intake", intake, "--trace")
    assert traced.returncode == plain.returncode == 0
    assert traced.stdout == plain.stdout  # the explanation itself is unchanged
    assert plain.stderr == ""
    lines = traced.stderr.splitlines()
    assert lines[0].startswith("hipguide: tracing experta as shipped (0 speed patches applied)")
    assert any(line.startswith("experta.watchers.RULES: FIRE 1 F-") for line in lines)
    assert any(line.startswith("experta.watchers.FACTS:  ==> <f-") for line in lines)
    assert any(line.startswith("experta.watchers.ACTIVATIONS:  ==> 'F-") for line in lines)
    assert any(line.startswith("experta.watchers.AGENDA: 0: 'F-") for line in lines)


# --- lazy basis texts (compiler.Basis) -------------------------------------------

def _eager_words(bound, tables, extra=()):
    """The basis as it was built before it was lazy: its words, at once, a tuple."""
    return Basis(bound, tables, extra).words()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(biased_intakes)
def test_lazy_basis_keeps_the_facts_and_reports_of_the_eager_words(raw):
    """Working memory (duplicates dropped by experta compare the basis) and the
    explained report are those of the words built at once, as a tuple."""
    data, invalid = schema.validate(raw)
    assert not invalid
    lazy = _outcome_cached(ALL, data)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("hipguide.engine.compiler.Basis", _eager_words)
        eager = _outcome_cached(ALL, data)
    assert lazy == eager


def test_score_without_explain_is_the_explained_report_without_its_basis(tmp_path):
    """Without --explain the basis texts are not built; everything else is the same."""
    import json
    import random

    import yaml

    rng = random.Random(8)
    raw = [_with_red_flag((yaml.safe_load(intake_text(i, rng)),
                           RED_FLAG_SYMPTOMS[i % 6] if i % 4 == 0 else None)) for i in range(60)]
    lines = tmp_path / "lines.jsonl"
    lines.write_text("".join(json.dumps({**data, "id": f"s{i}"}) + "\n"
                             for i, data in enumerate(raw)))
    for source in (EXAMPLES, lines):
        plain = run_hipguide("score", source, "--format", "jsonl")
        explained = run_hipguide("score", source, "--format", "jsonl", "--explain")
        assert plain.returncode == explained.returncode
        stripped, bases = [], 0
        for line in explained.stdout.splitlines():
            report = json.loads(line)
            for key in ("red_flags", "factors", "recommendations", "precautions"):
                for item in report.get(key) or ():
                    bases += bool(item.pop("basis", None))
            stripped.append(report)
        assert bases > len(stripped) // 2   # most findings have one
        assert [json.loads(line) for line in plain.stdout.splitlines()] == stripped
