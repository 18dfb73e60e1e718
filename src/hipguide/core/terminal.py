"""The width a report or a question is written to."""

from __future__ import annotations

import shutil

WIDTH = 88          # the widest a report line gets, even on a wide terminal
NARROWEST = 40


def terminal_width() -> int:
    """The real terminal's width (COLUMNS first, then the terminal on standard
    output), at most WIDTH; WIDTH when output is not a terminal."""
    columns = shutil.get_terminal_size((WIDTH, 24)).columns
    return max(NARROWEST, min(columns, WIDTH))
