"""Speed patches to experta's facts: setting a field, building a fact, and
declaring facts; and ``frozen_value``, which lets facts hold a hipguide value
type as they hold a str.

Each patch's docstring says why it keeps experta's behaviour and what it saved
(measured as ``_experta`` describes, or as it says).
"""

from __future__ import annotations

import collections.abc
import logging

from .experta_compat import ConditionalElement, Fact, FactList, KnowledgeEngine, freeze, watchers
from .patch_registry import register

_INFO = logging.INFO
_FACTS = watchers.FACTS

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


@register(Fact, "__setitem__")
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

@register(Fact, "__init__")
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


@register(FactList, "declare")
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


@register(KnowledgeEngine, "_KnowledgeEngine__declare")
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

