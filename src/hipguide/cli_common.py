"""What every hipguide command shares: exit codes, --kb, loading the knowledge base."""

from __future__ import annotations

import sys

import click

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_KB, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 4, 130

KB_OPTION = click.option(
    "--kb", "kb", type=click.Path(file_okay=False), envvar="HIPGUIDE_KB", default=None,
    help="Folder holding rules/ and knowledge/ to use instead of the bundled ones "
         "(also $HIPGUIDE_KB).")


def load_kb_or_exit(kb):
    """The checked knowledge base, or exit 3 listing every problem in it."""
    from .api import assessor
    from .knowledge import KnowledgeError

    try:
        return assessor(kb)
    except KnowledgeError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        click.echo(f"hipguide: the knowledge base has {len(exc.problems)} problem(s); "
                   "nothing was scored.", err=True)
        sys.exit(EXIT_KB)
