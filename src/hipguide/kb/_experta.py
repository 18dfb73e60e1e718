"""The one place hipguide imports experta.

experta 1.9.4 (its last release) pins frozendict==1.2, which reads
``collections.Mapping``; that alias was removed in Python 3.10.  We restore the
alias before the import, only if it is missing, so a plain ``pip install .``
works on current Pythons.  ``import experta`` also calls
``logging.basicConfig()``; we stop that from installing a root handler behind
the application's back.

One speed step, measured (tests/test_install.py checks it changes no report):
experta's ``Token.__new__`` re-checks its arguments with ``assert``s on each of
the ~600 tokens an intake makes, about 20% of the time an intake spends in the
engine.  The tokens come from experta's own matcher, never from
us, so we build them as ``python -O`` would, without the asserts.
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
        W,
    )
finally:
    if not _had_handlers:
        _root.removeHandler(_guard)


def _install_fast_token():
    from experta.matchers.rete.token import Token

    new = tuple.__new__

    def __new__(cls, tag, data, context=None):
        return new(cls, (tag, {data} if isinstance(data, Fact) else set(data),
                         {} if context is None else context))

    def copy(self):  # the original copied the data set twice (here and in __new__)
        return new(type(self), (self.tag, self.data.copy(), self.context.copy()))

    original = (Token.__new__, Token.copy)
    Token.__new__, Token.copy = __new__, copy
    return original


ORIGINAL_TOKEN = _install_fast_token()  # (__new__, copy) as experta ships them

__all__ = ["AND", "AS", "NOT", "OR", "Fact", "KnowledgeEngine", "P", "Rule", "W", "experta"]
