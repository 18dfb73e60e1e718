"""What every hipguide command shares: exit codes, --kb, loading the knowledge base."""

from __future__ import annotations

import sys
from enum import IntEnum

import click


class Exit(IntEnum):
    """Every exit code of every hipguide command (README: exit codes)."""

    OK = 0            # done, whatever the reports say
    INVALID = 1       # some input was invalid or not read (the rest was done)
    PROBLEMS = 1      # `rules review` / `rules lint`: something is due or wrong
    USAGE = 2         # a usage error: nothing was done
    KB = 3            # the knowledge base has problems: nothing was done
    INTERNAL = 4      # an internal error hit some intake (the batch finished)
    INTERRUPTED = 130  # Ctrl-C (SIGTERM and SIGHUP: 128 + the signal number)


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP: handled exactly like Ctrl-C (every ``except
    KeyboardInterrupt`` cleans up: the temporary report file is removed, worker
    processes are stopped), but the exit code is 128 + the signal number."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _terminate(signum, frame):
    import signal

    for sig in (signal.SIGTERM, signal.SIGHUP):   # once is enough: let cleanup finish
        signal.signal(sig, signal.SIG_IGN)
    raise Terminated(signum)


def handle_termination():
    """Turn SIGTERM and SIGHUP into ``Terminated`` (in the main process only)."""
    import signal

    for sig in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(sig) is not signal.SIG_IGN:   # nohup's choice is kept
            signal.signal(sig, _terminate)


def interrupted_code(exc: BaseException) -> int:
    """Exit code for a KeyboardInterrupt: 130 for Ctrl-C, 143 for SIGTERM, 129 SIGHUP."""
    return 128 + exc.signum if isinstance(exc, Terminated) else Exit.INTERRUPTED


def interrupted_word(exc: BaseException) -> str:
    return "terminated" if isinstance(exc, Terminated) else "interrupted"


def quiet_broken_pipe():
    """Standard output (or error) was closed by the reader (``| head``): send what
    is still buffered, and any later message, nowhere."""
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    for stream in (sys.stdout, sys.stderr):
        try:
            os.dup2(devnull, stream.fileno())
        except (OSError, ValueError, AttributeError):
            pass

def shown(text) -> str:
    """core.text.shown, imported when first used: it imports PyYAML,
    which ``hipguide --help`` must not wait for."""
    from ..core.text import shown as _shown

    return _shown(text)


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


def load_knowledge_or_exit(kb):
    """The checked knowledge base without building the rule engine (for commands
    that need the engine later, if at all), or exit 3 listing every problem."""
    from ..kb.knowledge import KnowledgeError, load

    try:
        return load(kb)
    except KnowledgeError as exc:
        exit_with_kb_problems(exc.problems, "the knowledge base", "nothing was done")


def exit_with_kb_problems(problems: list, what: str, consequence: str):
    """Print every knowledge-base problem, a one-line count, and exit 3."""
    for problem in problems:
        click.echo(str(problem), err=True)
    click.echo(f"hipguide: {what} has {len(problems)} problem(s); {consequence}.", err=True)
    sys.exit(Exit.KB)
