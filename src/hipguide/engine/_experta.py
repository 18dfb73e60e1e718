"""The one place hipguide imports experta, and the speed patches it applies to it.

Compatibility.  experta 1.9.4 (its last release) pins frozendict==1.2, which
reads ``collections.Mapping``; that alias was removed in Python 3.10.  We
restore the alias before the import, only if it is missing, so a plain
``pip install .`` works on current Pythons.  ``import experta`` also calls
``logging.basicConfig()``; we stop that from installing a root handler behind
the application's back.

Speed.  experta's RETE is ~80% of an intake's time.  ``PATCHES`` lists small,
named replacements of experta attributes; each is applied at import and
keeps experta's behaviour: same matches, same activations in the same order,
same facts, same watcher log lines when a watcher is enabled (the patches only
skip *building* log strings nobody reads).  Each docstring says why the patch
is correct and what it saved alone against plain experta: engine CPU time per
intake (reset + declare + run), fastest of 25 interleaved runs over 100
generated intakes on a busy shared 2-core machine, plain 6.16 ms, all patches
2.15 ms (0.35).  Differences under ~5% are within that machine's noise; those
patches are kept because they remove calls that run hundreds of times per
intake and only add up together.
tests/test_engine_patches.py checks every patch: Hypothesis-generated intakes
score to the same reports with and without them, and a deliberately broken
variant of each patch is caught.

``HIPGUIDE_EXPERTA=plain`` in the environment applies none of them (experta as
shipped, with every watcher call of its own), for debugging;
``hipguide why --trace`` uses it.  ``revert_all()``, ``apply_all()``,
``apply(name)`` and the ``unpatched()`` / ``patched()`` context managers switch
them at run time.  An engine must be *built* and *run* under the same set: the
RETE network keeps bound methods taken when it was built.
"""

from __future__ import annotations

import collections
import collections.abc
import contextlib
import inspect
import itertools
import logging
import os

for _name in ("Mapping", "MutableMapping", "Sequence", "Iterable", "Hashable", "Callable"):
    if not hasattr(collections, _name):
        setattr(collections, _name, getattr(collections.abc, _name))

_root = logging.getLogger()
_had_handlers = bool(_root.handlers)
_guard = logging.NullHandler()
if not _had_handlers:
    _root.addHandler(_guard)  # makes basicConfig() a no-op
try:
    import experta  # noqa: E402
    from experta import (  # noqa: E402,F401
        AND,
        AS,
        NOT,
        OR,
        Fact,
        KnowledgeEngine,
        P,
        Rule,
        W,
        watchers,
    )
    from experta.activation import Activation  # noqa: E402
    from experta.agenda import Agenda  # noqa: E402
    from experta.conditionalelement import ConditionalElement  # noqa: E402
    from experta.factlist import FactList  # noqa: E402
    from experta.matchers.rete import ReteMatcher  # noqa: E402
    from experta.matchers.rete.abstract import TwoInputNode  # noqa: E402
    from experta.matchers.rete.check import FactCapture, FeatureCheck, TypeCheck  # noqa: E402
    from experta.matchers.rete.mixins import NoMemory  # noqa: E402
    from experta.matchers.rete.nodes import (  # noqa: E402
        BusNode,
        ConflictSetNode,
        FeatureTesterNode,
    )
    from experta.matchers.rete.token import Token, TokenInfo  # noqa: E402
    from experta.strategies import DepthStrategy  # noqa: E402
    from experta.utils import freeze  # noqa: E402
finally:
    if not _had_handlers:
        _root.removeHandler(_guard)

ENV = "HIPGUIDE_EXPERTA"
_ABSENT = object()
_DEBUG, _INFO = logging.DEBUG, logging.INFO
_MATCH, _MATCHER, _RULES, _FACTS = watchers.MATCH, watchers.MATCHER, watchers.RULES, watchers.FACTS


class Patch:
    """One experta attribute replaced: ``target.attribute = replacement``.

    The original (or its absence, for an inherited attribute) is kept, so the
    patch can be reverted exactly.  ``needs`` names patches this one relies on;
    ``apply`` applies them first."""

    def __init__(self, name: str, target: type, attribute: str, replacement, needs=()):
        self.name, self.target, self.attribute = name, target, attribute
        self.replacement, self.needs = replacement, tuple(needs)
        self.original = target.__dict__.get(attribute, _ABSENT)
        self.__doc__ = replacement.__doc__

    @property
    def applied(self) -> bool:
        return self.target.__dict__.get(self.attribute, _ABSENT) is not self.original

    def apply(self, replacement=None) -> None:
        """Install the replacement (or another one: the tests install broken ones)."""
        setattr(self.target, self.attribute, replacement or self.replacement)

    def revert(self) -> None:
        if self.original is _ABSENT:
            if self.attribute in self.target.__dict__:
                delattr(self.target, self.attribute)
        else:
            setattr(self.target, self.attribute, self.original)

    def __repr__(self):
        return f"Patch({self.name!r}, {self.target.__name__}.{self.attribute})"


PATCHES: dict[str, Patch] = {}


def _patch(target: type, attribute: str, needs=()):
    """Register the decorated function as the patch named after it."""
    def register(function):
        name = function.__name__.lstrip("_")
        PATCHES[name] = Patch(name, target, attribute, function, needs)
        return function
    return register


# --- tokens ----------------------------------------------------------------

_new_tuple = tuple.__new__


@_patch(Token, "__new__")
def _token_new(cls, tag, data, context=None):
    """A RETE token without experta's argument ``assert``s, as ``python -O`` would
    build it.  Every token comes from experta's own matcher, never from us, so
    the checks never fail.  -12%."""
    return _new_tuple(cls, (tag, {data} if isinstance(data, Fact) else set(data),
                            {} if context is None else context))


@_patch(Token, "copy")
def _token_copy(self):
    """Copy a token's data set once (experta's copy goes through ``__new__``, which
    copies it again, and re-runs the asserts).  -18%."""
    return _new_tuple(type(self), (self.tag, self.data.copy(), self.context.copy()))


# --- alpha network: testing one fact ---------------------------------------

def _children_for(bus, fact_type) -> tuple:
    """The root's children that a fact of fact_type can pass, in experta's order:
    all but the type tests of other fact types."""
    try:
        size, table = bus._hipguide_by_type
    except AttributeError:
        size, table = None, None
    if size != len(bus.children):
        table = {}
        bus._hipguide_by_type = len(bus.children), table
    try:
        return table[fact_type]
    except KeyError:
        pass
    keep = []
    for child in bus.children:
        node = child.node
        if (isinstance(node, FeatureTesterNode) and isinstance(node.matcher, TypeCheck)
                and getattr(child.callback, "__self__", None) is node
                and node.matcher.fact_type is not fact_type):
            continue  # this node's type test fails for the fact: skip the call
        keep.append(child)
    table[fact_type] = keep = tuple(keep)
    return keep


@_patch(BusNode, "add")
def _bus_add(self, fact):
    """Send a new fact only to the alpha branches of its own type.  The network's
    root has one type-test node per fact type in the rules (~8); experta sends
    every fact to each of them and all but one reject it (~200 calls per
    intake).  Skipped exactly when the node's only test is that type test,
    which fails; with MATCH debugging on, every node is asked (for its log
    lines).  -23%."""
    token = Token.valid(fact)
    if _MATCHER.isEnabledFor(_DEBUG):
        _MATCHER.debug("<BusNode> added %r", token)
    children = self.children if _MATCH.isEnabledFor(_DEBUG) else \
        _children_for(self, type(fact))
    for child in children:
        child.callback(token)

_PATHS: dict = {}


def _path(what) -> tuple:
    """experta's field accessor: ``a__b__0`` reads fact['a']['b'][0]; a dunder
    name reads the whole fact."""
    if not isinstance(what, str):
        return (what,)
    if what.startswith("__") or what.endswith("__"):
        return ()
    return tuple(int(p) if p.isnumeric() else p for p in what.split("__"))


@_patch(FeatureCheck, "__call__")
def _feature_check_call(self, data, is_fact=True):
    """Test one field of a fact.  experta splits the field name on ``__`` on every
    test and calls its MATCH logger on every one (~290 per intake; ~100 with
    compiler.py's shared tests); here the split is cached per field name and
    the log line is built only when MATCH is enabled.  Same lookups, same
    exceptions meaning "no match".  -6%."""
    if is_fact:
        what = self.what
        try:
            path = _PATHS[what]
        except KeyError:
            path = _PATHS[what] = _path(what)
        record = data
        try:
            for part in path:
                record = record[part]
        except (IndexError, KeyError, TypeError):
            return False
    else:
        record = data
    res = self.check(record, self.expected)
    if _MATCH.isEnabledFor(_INFO if res else _DEBUG):
        (_MATCH.info if res else _MATCH.debug)(
            "what=%r, how=%r, fact=%s = %r", self.what, self.how, data, res)
    return res


@_patch(TypeCheck, "__call__")
def _type_check_call(self, fact):
    """A fact's exact type, logged only when MATCH is enabled.  Run for every fact
    against every fact type (~230 times per intake; ~30 with ``bus_add``).  -2%."""
    res = type(fact) == self.fact_type  # noqa: E721 - experta's test, kept as it is
    if _MATCH.isEnabledFor(_INFO if res else _DEBUG):
        (_MATCH.info if res else _MATCH.debug)(
            "type(%s) == %s = %r", fact, self.fact_type.__name__, res)
    return res


@_patch(FactCapture, "__call__")
def _fact_capture_call(self, fact):
    """Bind a fact to its pattern's name, logged only when MATCH is enabled.  Within noise alone."""
    if _MATCH.isEnabledFor(_INFO):
        _MATCH.info("%r <= %s", self.bind, fact)
    return {self.bind: fact}


@_patch(FeatureTesterNode, "activate")
def _feature_tester_activate(self, token):
    """An alpha node: test the token's one fact first; copy the token only when the
    test binds something into its context.

    experta copies every token entering the node (~550 per intake) before
    testing, though most tests fail, and a test that passes without binding
    leaves the token unchanged.  A copy is still made before the context is
    updated, so no token another node holds is ever changed.  Log line and
    errors as experta's.  -20%."""
    if 0 < _MATCHER.level <= _DEBUG:  # watchers.worth('MATCHER', 'DEBUG')
        _MATCHER.debug("Node <%s> activated with token %r", self, token)
    data = token.data
    if len(data) != 1:
        raise ValueError(AssertionError())
    (fact,) = data
    match = self.matcher(fact)
    if not match:
        return None
    if isinstance(match, collections.abc.Mapping):
        context = token.context
        for key, value in match.items():
            if isinstance(key, tuple):  # negated condition
                if key[1] in context and context[key[1]] == value:
                    return False
            else:
                if context.get(key, value) != value:
                    return False
                if (False, key) in context and context[(False, key)] == value:
                    return False
        token = token.copy()
        token.context.update(match)
    for child in self.children:
        child.callback(token)
    return None


# --- beta network and conflict set -----------------------------------------

def _two_input(side: str):
    method = "_activate_" + side

    def activate(self, token):
        if _MATCHER.isEnabledFor(_DEBUG):
            _MATCHER.debug(f"Node <%s> activated {side} with token %r", self, token)
        return getattr(self, method)(token)

    activate.__name__ = f"two_input_{side}"
    activate.__doc__ = (
        f"A join (or NOT) node's {side} input, without experta's defensive token copy.\n\n"
        "Join and NOT nodes never change a token: they store a frozen copy "
        "(``to_info``) and pass on new tokens or the one they got; the only node that "
        "changes a token's context (the alpha test, above) copies it first.  "
        "About 30 per intake.")
    return activate


PATCHES["two_input_left"] = Patch("two_input_left", TwoInputNode, "activate_left",
                                  _two_input("left"))
PATCHES["two_input_right"] = Patch("two_input_right", TwoInputNode, "activate_right",
                                   _two_input("right"))
PATCHES["two_input_left"].__doc__ += " Within noise alone (each side)."
PATCHES["two_input_right"].__doc__ += " Within noise alone (each side)."


@_patch(ConflictSetNode, "activate")
def _conflict_set_activate(self, token):
    """A rule's conflict-set node: no token copy (it only reads the token), and it
    notes that it has changes for ``matcher_changes`` below (when that patch
    has set the node up).  Within noise alone; what it enables is
    ``matcher_changes``."""
    if 0 < _MATCHER.level <= _DEBUG:
        _MATCHER.debug("Node <%s> activated with token %r", self, token)
    self._activate(token)
    dirty = getattr(self, "_hipguide_dirty", None)
    if dirty is not None:
        dirty.add(self._hipguide_index)


_conflict_set_activate.marks_changes = True  # what matcher_changes looks for


@_patch(ReteMatcher, "changes", needs=("conflict_set_activate",))
def _matcher_changes(self, adding=None, deleting=None):
    """Collect activations from the conflict-set nodes that were activated since
    the last call, instead of asking all ~80 of them on each of the ~27 match
    cycles of an intake.  They are visited in experta's order, so the agenda
    receives the same activations in the same order.  The first call marks
    every node (so changes made before the patch are not lost); a network
    built without ``conflict_set_activate`` is polled as experta does.  -23%."""
    try:
        dirty, nodes = self._hipguide_dirty
    except AttributeError:
        dirty, nodes = self._hipguide_dirty = _track_conflict_sets(self)
    root = self.root_node
    if deleting is not None:
        for fact in deleting:
            root.remove(fact)
    if adding is not None:
        for fact in adding:
            root.add(fact)
    added, removed = [], []
    if dirty is None:  # a network built without the marking: ask every node
        dirty = range(len(nodes))
    elif not dirty:
        return added, removed
    for index in sorted(dirty):
        node_added, node_removed = nodes[index].get_activations()
        added.extend(node_added)
        removed.extend(node_removed)
    if type(dirty) is set:
        dirty.clear()
    return added, removed


def _walk(root):
    """Every node of a RETE network, once (shared nodes are reached several times)."""
    seen, stack = set(), [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        yield node
        stack.extend(child.node for child in node.children)


def _track_conflict_sets(matcher):
    """(set of changed node indices, conflict-set nodes in experta's order), the
    nodes set up to mark themselves; (None, nodes) when the network was built
    before ``conflict_set_activate`` was applied (its callbacks do not mark)."""
    nodes = matcher._get_conflict_set_nodes()
    marking = all(getattr(getattr(child.callback, "__func__", None), "marks_changes", False)
                  for node in _walk(matcher.root_node) for child in node.children
                  if isinstance(child.node, ConflictSetNode))
    if not marking:
        return None, nodes
    dirty = set(range(len(nodes)))  # changes made before the first call are not lost
    for index, node in enumerate(nodes):
        node._hipguide_dirty, node._hipguide_index = dirty, index
    return dirty, nodes


@_patch(ReteMatcher, "reset")
def _matcher_reset(self):
    """Clear each node's memory once.  experta walks the network recursively from
    the root, ~425 visits with shared nodes visited several times (and a
    logger call each).  Clearing a node's memory is idempotent, so once is the
    same.  With MATCHER debugging on, experta's walk runs (for its log lines).
    -7%."""
    if _MATCHER.isEnabledFor(_DEBUG):
        return PATCHES["matcher_reset"].original(self)
    try:
        nodes = self._hipguide_memory_nodes
    except AttributeError:
        nodes = self._hipguide_memory_nodes = tuple(
            node for node in _walk(self.root_node) if type(node)._reset is not NoMemory._reset)
    for node in nodes:
        node._reset()
    return None


# --- engine -----------------------------------------------------------------

def _deffacts(engine) -> tuple:
    """(deffacts, parameter names or None for **kwargs), as experta finds them."""
    found = []
    for deffact in engine.get_deffacts():  # inspect.getmembers, sorted by order
        parameters = inspect.signature(deffact).parameters.values()
        names = None if any(p.kind == inspect.Parameter.VAR_KEYWORD for p in parameters) \
            else {p.name for p in parameters}
        found.append((deffact, names))
    return tuple(found)


@_patch(KnowledgeEngine, "reset")
def _engine_reset(self, **kwargs):
    """experta's reset, with the engine's DefFacts and their signatures found once
    per engine instead of with ``inspect.getmembers`` (every rule and attribute
    of the engine) and ``inspect.signature`` on every reset.  Each reset still
    binds them to this engine, as the lookup did (it no longer re-binds the
    class's Rule objects, which experta does not use after building the
    network).  -6%."""
    self.agenda = Agenda()
    self.facts = FactList()
    self.matcher.reset()
    try:
        found = self.__dict__["_hipguide_deffacts"]
    except KeyError:
        found = self.__dict__["_hipguide_deffacts"] = _deffacts(self)
    owner = type(self)
    for deffact, _ in found:
        deffact.ke = self
        deffact.__get__(self, owner)
    generators = [deffact(**kwargs) if names is None else
                  deffact(**{k: v for k, v in kwargs.items() if k in names})
                  for deffact, names in found]
    self._KnowledgeEngine__declare(*itertools.chain.from_iterable(generators))
    self.running = False


@_patch(KnowledgeEngine, "run")
def _engine_run(self, steps=float("inf")):
    """experta's run loop, building the ``FIRE`` log line (a string of every fact
    of the activation) only when the RULES watcher is enabled; experta builds
    it on every firing even when nothing logs.  The AGENDA listing is kept as
    it was.  -6%."""
    self.running = True
    execution = 0
    while steps > 0 and self.running:
        agenda = self.agenda
        added, removed = self.get_activations()
        self.strategy.update_agenda(agenda, added, removed)
        if watchers.worth("AGENDA", "DEBUG"):
            for idx, act in enumerate(agenda.activations):
                watchers.AGENDA.debug("%d: %r %r", idx, act.rule.__name__,
                                      ", ".join(str(f) for f in act.facts))
        activation = agenda.get_next()
        if activation is None:
            break
        steps -= 1
        execution += 1
        if _RULES.isEnabledFor(_INFO):
            _RULES.info("FIRE %s %s: %s", execution, activation.rule.__name__,
                        ", ".join(str(f) for f in activation.facts))
        activation.rule(self, **{k: v for k, v in activation.context.items()
                                 if not k.startswith("__")})
    self.running = False


@_patch(DepthStrategy, "get_key")
def _agenda_key(self, activation):
    """An activation's agenda key, (salience, fact ids newest first), computed
    directly.  experta wraps it in an ``lru_cache``, which hashes the whole
    activation -- its rule's full condition tree, its facts and context --
    for a cache that cannot hit (a new activation never equals a cached one:
    equality includes the key, not yet set).  -6%."""
    return (activation.rule.salience,
            sorted((f["__factid__"] for f in activation.facts), reverse=True))


# value types freeze() returns unchanged, none a conditional element (frozen_value adds to it)
_PLAIN = {str, int, float, bool, type(None), tuple}


def frozen_value(kind: type) -> type:
    """Let facts hold values of ``kind`` as they hold a str: ``kind`` must be
    hashable and immutable (``freeze`` returns it unchanged) and not a
    conditional element.  hipguide's lazy basis texts (compiler.Basis) are one."""
    if not isinstance(kind, type) or not issubclass(kind, collections.abc.Hashable) \
            or issubclass(kind, ConditionalElement):
        raise TypeError(f"{kind!r} is not a frozen value type")
    _PLAIN.add(kind)
    return kind
_dict_setitem = dict.__setitem__


@_patch(Fact, "__setitem__")
def _fact_setitem(self, key, value):
    """Set a fact field, skipping experta's ``freeze()`` dispatch for values it
    returns unchanged (str, int, float, bool, None, tuple: hashable, with no
    freeze handler of their own).  Every value hipguide declares is one of
    them.  -12%."""
    if dict.get(self, "__factid__") is None:
        _dict_setitem(self, key, value if type(value) in _PLAIN else freeze(value))
    else:
        raise RuntimeError("A fact can't be modified after declaration.")


# --- declaring facts (issue 24) ---------------------------------------------------

@_patch(Fact, "__init__")
def _fact_init(self, *args, **kwargs):
    """Build a fact with one dict update when every value is plain (str, int,
    float, bool, None, tuple: what ``freeze`` returns unchanged), instead of
    one ``__setitem__`` call (a fact-id lookup and a ``freeze`` dispatch) per
    field.  Any other value goes through ``__setitem__`` as in experta; the
    fields keep experta's order (positional first).  With ``factlist_declare``
    and ``engine_declare``: -14% engine time per intake in issue 24's study;
    here (CPU time, best of 10 over 150 generated intakes, the shared machine
    at load 11 on 2 cores) -10% against all other patches."""
    data = dict(enumerate(args)) if args else {}
    if kwargs:
        data.update(kwargs)
    if dict.get(self, "__factid__") is None and \
            all(type(v) in _PLAIN for v in data.values()):
        dict.update(self, data)
    else:
        for key, value in data.items():
            self[key] = value
    self._Fact__defaults = {}


def _special(key) -> bool:
    return isinstance(key, str) and key.startswith("__") and key.endswith("__")


def _fact_id(fact) -> frozenset:
    """experta's duplicate-check key (the class and the non-special fields), built
    without a ``Fact.is_special`` call per field."""
    return frozenset([fact.__class__, *((k, v) for k, v in fact.items()
                                        if not (isinstance(k, str) and k[:2] == "__"
                                                and k[-2:] == "__"))])


@_patch(FactList, "declare")
def _factlist_declare(self, fact):
    """experta's ``FactList.declare`` with the duplicate-check key built in one
    pass (``_fact_id``), ``validate`` called only for fact types that declare
    Fields (it loops over none otherwise), and the FACTS log call made only
    when FACTS is enabled.  Same ids, same duplicates dropped.  Part of the
    -14% of ``fact_init``."""
    if not isinstance(fact, Fact):
        raise ValueError("The fact must descend the Fact class.")
    if fact.__fields__:
        fact.validate()
    fact_id = _fact_id(fact)
    counter = self.reference_counter
    if self.duplication or fact_id not in counter:
        idx = self.last_index
        _dict_setitem(fact, "__factid__", idx)
        self[idx] = fact
        self.last_index += 1
        self.added.append(fact)
        counter[fact_id] += 1
        if _FACTS.isEnabledFor(_INFO):
            _FACTS.info(" ==> %s: %r", fact, fact)
        return fact
    return None


_NESTED: dict = {}


def _nested(fact) -> bool:
    """experta's ``has_nested_accessor``, cached per (fact type, field names)."""
    keys = (type(fact), tuple(fact))
    try:
        return _NESTED[keys]
    except KeyError:
        found = _NESTED[keys] = fact.has_nested_accessor()
        return found
    except TypeError:   # an unhashable field name: ask the fact
        return fact.has_nested_accessor()


def _constrained(fact) -> bool:
    """experta's ``has_field_constraints``, skipping the ``isinstance`` for plain
    values (a conditional element is never of a plain type)."""
    return any(type(v) not in _PLAIN and isinstance(v, ConditionalElement)
               for v in fact.values())


@_patch(KnowledgeEngine, "_KnowledgeEngine__declare")
def _engine_declare(self, *facts):
    """experta's internal declare with its two checks (no conditional element as
    a value, no ``__`` in a field name) made cheaply: the second is cached per
    fact type and field names.  Same errors for the same facts.  Part of the
    -14% of ``fact_init``."""
    if any(_constrained(f) for f in facts):
        raise TypeError("Declared facts cannot contain conditional elements")
    if any(_nested(f) for f in facts):
        raise KeyError("Cannot declare facts containing double underscores as keys.")
    last_inserted = None
    declare = self.facts.declare
    for fact in facts:
        last_inserted = declare(fact)
    if not self.running:
        added, removed = self.get_activations()
        self.strategy.update_agenda(self.agenda, added, removed)
    return last_inserted


# --- hashing rules and activations (issue 24) ----------------------------------

_rule_hash_plain = Rule.__hash__


@_patch(Rule, "__hash__")
def _rule_hash(self):
    """A rule's hash, cached.  experta hashes the rule's whole condition tree (and
    its action) every time an activation of it is hashed (in the conflict-set
    sets and the agenda).  The cache is keyed on the parts experta's hash reads
    that can change after construction (the action, its owner, the salience),
    so a rule decorated or re-salienced later gets a fresh hash.  With
    ``activation_hash`` and ``conflict_set_record``: -8% in issue 24's study;
    here (measured as for ``fact_init``) -20%; noisy: the two groups together
    measured -16% engine CPU time per intake in the same run."""
    parts = (self._wrapped, self._wrapped_self, self.salience)
    cached = self.__dict__.get("_hipguide_hash")
    if cached is not None and cached[0] is parts[0] and cached[1] is parts[1] \
            and cached[2] == parts[2]:
        return cached[3]
    value = hash(tuple(self) + parts)
    self.__dict__["_hipguide_hash"] = (*parts, value)
    return value


@_patch(Activation, "__hash__")
def _activation_hash(self):
    """An activation's hash, computed once: its rule, facts and context do not
    change after it is made (the agenda sets only its ``key``, which the hash
    does not read).  Part of the -8% of ``rule_hash``."""
    try:
        return self._hipguide_hash
    except AttributeError:
        value = self._hipguide_hash = hash((self.rule, frozenset(self.facts),
                                            frozenset(self.context.items())))
        return value


_TokenInfo_new = tuple.__new__


@_patch(ConflictSetNode, "_activate")
def _conflict_set_record(self, token):
    """A rule's conflict-set node recording an activation (or its removal): the
    token's frozen info and the Activation built inline (experta copies the
    data three times on the way), and a lookup in the ``added``/``removed``
    sets skipped when that set is empty (usually: each match cycle empties
    them).  Same memory, same sets.  Part of the -8% of ``rule_hash``."""
    data = frozenset(token.data)
    context = frozenset(token.context.items())
    info = _TokenInfo_new(TokenInfo, (data, context))
    activation = _new_activation(Activation)
    activation.rule = self.rule
    activation.facts = set(data)
    activation.key = None
    # from the frozen items, as experta does: the same order of keyword arguments
    activation.context = {k: v for k, v in context if isinstance(k, str)}
    memory = self.memory
    if token.tag is _VALID:
        if info not in memory:
            memory.add(info)
            if self.removed and activation in self.removed:
                self.removed.remove(activation)
            else:
                self.added.add(activation)
    else:
        try:
            memory.remove(info)
        except ValueError:  # experta's (a missing info raises KeyError, as there)
            pass
        else:
            if self.added and activation in self.added:
                self.added.remove(activation)
            else:
                self.removed.add(activation)


_new_activation = object.__new__
_VALID = Token.TagType.VALID


# --- switching them -----------------------------------------------------------

def apply(*names: str) -> None:
    """Apply the named patches (and the ones they need)."""
    for name in names:
        patch = PATCHES[name]
        apply(*patch.needs)
        if not patch.applied:
            patch.apply()


def revert(*names: str) -> None:
    """Revert the named patches (and the ones that need them)."""
    for name in names:
        revert(*(p.name for p in PATCHES.values() if name in p.needs))
        PATCHES[name].revert()


def apply_all() -> None:
    apply(*PATCHES)


def revert_all() -> None:
    revert(*PATCHES)


def applied() -> list:
    """The names of the patches in place."""
    return [name for name, patch in PATCHES.items() if patch.applied]


@contextlib.contextmanager
def patched(names=None):
    """Exactly ``names`` applied (default: all of them) inside the block; the
    previous set is restored on leaving."""
    before = applied()
    revert_all()
    apply(*(PATCHES if names is None else names))
    try:
        yield
    finally:
        revert_all()
        apply(*before)


def unpatched():
    """experta as shipped inside the block."""
    return patched(())


def plain_requested() -> bool:
    return os.environ.get(ENV, "").strip().lower() == "plain"


if not plain_requested():
    apply_all()

__all__ = ["AND", "AS", "NOT", "OR", "Fact", "KnowledgeEngine", "P", "Rule", "experta",
           "PATCHES", "Patch", "apply", "apply_all", "applied", "frozen_value", "patched", "revert",
           "revert_all", "unpatched"]
