"""experta imported on current Pythons, and every experta name hipguide uses.

experta 1.9.4 (its last release) pins frozendict==1.2, which reads
``collections.Mapping``; that alias was removed in Python 3.10.  We restore the
alias before the import, only if it is missing, so a plain ``pip install .``
works on current Pythons.  ``import experta`` also calls
``logging.basicConfig()``; we stop that from installing a root handler behind
the application's back.

The ``patches_*`` modules take experta's names from here; the rest of hipguide
takes them from ``_experta``, which also applies the speed patches.
"""

from __future__ import annotations

import collections
import collections.abc
import logging

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
    from experta import (  # noqa: E402
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

__all__ = ["AND", "AS", "NOT", "OR", "Activation", "Agenda", "BusNode", "ConditionalElement",
           "ConflictSetNode", "DepthStrategy", "Fact", "FactCapture", "FactList", "FeatureCheck",
           "FeatureTesterNode", "KnowledgeEngine", "NoMemory", "P", "ReteMatcher", "Rule",
           "Token", "TokenInfo", "TwoInputNode", "TypeCheck", "W", "experta", "freeze",
           "watchers"]
