"""Speed patches to experta's tokens and alpha network (testing one fact).

Each patch's docstring says why it keeps experta's behaviour and what it saved
alone against plain experta (measured as ``_experta`` describes).
"""

from __future__ import annotations

import collections.abc
import logging

from .experta_compat import (
    BusNode,
    Fact,
    FactCapture,
    FeatureCheck,
    FeatureTesterNode,
    Token,
    TypeCheck,
    watchers,
)
from .patch_registry import register

_DEBUG, _INFO = logging.DEBUG, logging.INFO
_MATCH, _MATCHER = watchers.MATCH, watchers.MATCHER


# --- tokens ----------------------------------------------------------------

_new_tuple = tuple.__new__


@register(Token, "__new__")
def _token_new(cls, tag, data, context=None):
    """A RETE token without experta's argument ``assert``s, as ``python -O`` would
    build it.  Every token comes from experta's own matcher, never from us, so
    the checks never fail.  -12%."""
    return _new_tuple(cls, (tag, {data} if isinstance(data, Fact) else set(data),
                            {} if context is None else context))


@register(Token, "copy")
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


@register(BusNode, "add")
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


@register(FeatureCheck, "__call__")
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


@register(TypeCheck, "__call__")
def _type_check_call(self, fact):
    """A fact's exact type, logged only when MATCH is enabled.  Run for every fact
    against every fact type (~230 times per intake; ~30 with ``bus_add``).  -2%."""
    res = type(fact) == self.fact_type  # noqa: E721 - experta's test, kept as it is
    if _MATCH.isEnabledFor(_INFO if res else _DEBUG):
        (_MATCH.info if res else _MATCH.debug)(
            "type(%s) == %s = %r", fact, self.fact_type.__name__, res)
    return res


@register(FactCapture, "__call__")
def _fact_capture_call(self, fact):
    """Bind a fact to its pattern's name, logged only when MATCH is enabled.  Within noise alone."""
    if _MATCH.isEnabledFor(_INFO):
        _MATCH.info("%r <= %s", self.bind, fact)
    return {self.bind: fact}


@register(FeatureTesterNode, "activate")
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
