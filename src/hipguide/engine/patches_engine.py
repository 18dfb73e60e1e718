"""Speed patches to experta's engine and agenda: reset, the run loop, and the
agenda's ordering key.

Each patch's docstring says why it keeps experta's behaviour and what it saved
alone against plain experta (measured as ``_experta`` describes).
"""

from __future__ import annotations

import inspect
import itertools
import logging

from .experta_compat import Agenda, DepthStrategy, FactList, KnowledgeEngine, watchers
from .patch_registry import register

_INFO = logging.INFO
_RULES = watchers.RULES


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


@register(KnowledgeEngine, "reset")
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


@register(KnowledgeEngine, "run")
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


@register(DepthStrategy, "get_key")
def _agenda_key(self, activation):
    """An activation's agenda key, (salience, fact ids newest first), computed
    directly.  experta wraps it in an ``lru_cache``, which hashes the whole
    activation -- its rule's full condition tree, its facts and context --
    for a cache that cannot hit (a new activation never equals a cached one:
    equality includes the key, not yet set).  -6%."""
    return (activation.rule.salience,
            sorted((f["__factid__"] for f in activation.facts), reverse=True))
