"""``python -m hipguide.cli``: the same as the ``hipguide`` command."""

from . import run

run()
