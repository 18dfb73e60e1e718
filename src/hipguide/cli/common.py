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
    from ..api import assessor
    from ..kb.knowledge import KnowledgeError

    try:
        return assessor(kb)
    except KnowledgeError as exc:
        exit_with_kb_problems(exc.problems, "the knowledge base", "nothing was scored")


def exit_with_kb_problems(problems: list, what: str, consequence: str):
    """Print every knowledge-base problem, a one-line count, and exit 3."""
    for problem in problems:
        click.echo(str(problem), err=True)
    click.echo(f"hipguide: {what} has {len(problems)} problem(s); {consequence}.", err=True)
    sys.exit(EXIT_KB)
