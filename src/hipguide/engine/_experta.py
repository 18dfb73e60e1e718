"""The one place hipguide's code gets experta from, with the speed patches applied.

Compatibility.  experta 1.9.4 does not import on Python 3.10+ as shipped;
``experta_compat`` fixes that (and keeps its import from configuring logging),
and this module re-exports the experta names the rest of hipguide uses.

Speed.  experta's RETE is ~80% of an intake's time.  ``PATCHES`` (the registry,
``patch_registry``) lists small, named replacements of experta attributes,
defined by what they patch: ``patches_alpha`` (tokens, testing one fact),
``patches_beta`` (joins, conflict sets, the matcher), ``patches_engine``
(reset, the run loop, the agenda's key), ``patches_facts`` (building and
declaring facts) and ``patches_activations`` (hashing rules and activations,
recording them).  Each is applied at import (of this module) and
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

import os

# each patches_* module registers its patches in PATCHES when imported
from . import (  # noqa: F401
    patches_activations,
    patches_alpha,
    patches_beta,
    patches_engine,
    patches_facts,
)
from .experta_compat import AND, AS, NOT, OR, Fact, KnowledgeEngine, P, Rule, W, experta, watchers
from .patch_registry import (
    PATCHES,
    Patch,
    applied,
    apply,
    apply_all,
    patched,
    revert,
    revert_all,
    unpatched,
)
from .patches_facts import frozen_value

ENV = "HIPGUIDE_EXPERTA"


def plain_requested() -> bool:
    return os.environ.get(ENV, "").strip().lower() == "plain"


if not plain_requested():
    apply_all()

__all__ = ["AND", "AS", "NOT", "OR", "Fact", "KnowledgeEngine", "P", "Rule", "W", "experta",
           "watchers", "ENV", "PATCHES", "Patch", "apply", "apply_all", "applied", "frozen_value",
           "patched", "plain_requested", "revert", "revert_all", "unpatched"]
