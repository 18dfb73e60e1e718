"""The one place hipguide imports experta.

experta 1.9.4 (its last release) pins frozendict==1.2, which reads
``collections.Mapping``; that alias was removed in Python 3.10.  We restore the
alias before the import, only if it is missing, so a plain ``pip install .``
works on current Pythons.  ``import experta`` also calls
``logging.basicConfig()``; we stop that from installing a root handler behind
the application's back.
"""

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
    from experta import (  # noqa: E402,F401
        AND,
        AS,
        NOT,
        OR,
        Fact,
        KnowledgeEngine,
        P,
        Rule,
    )
finally:
    if not _had_handlers:
        _root.removeHandler(_guard)

__all__ = ["AND", "AS", "NOT", "OR", "Fact", "KnowledgeEngine", "P", "Rule", "experta"]
