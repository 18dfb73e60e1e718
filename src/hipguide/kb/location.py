"""Where the knowledge base is: standard library only, so that ``ask`` can find
it (to key its first-screen cache) before anything heavy is imported."""

from __future__ import annotations

import os

ENV_VAR = "HIPGUIDE_KB"


def root_path(kb=None) -> str:
    """The folder holding rules/ and knowledge/: ``kb`` when given, else
    $HIPGUIDE_KB, the installed package, or the source checkout."""
    if kb:
        return str(kb)
    env = os.environ.get(ENV_VAR)
    if env:
        return env
    package = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))   # hipguide/
    if all(os.path.isdir(os.path.join(package, d)) for d in ("rules", "knowledge")):
        return package
    return os.path.dirname(os.path.dirname(package))                        # the checkout
