"""The ``hipguide`` command line: the command group and the console-script entry
point; each command group lives in its own module (score, ask, rules).

Exit codes: 0 every intake valid; 1 some intake invalid; 2 usage error;
3 the knowledge base (rules/ or knowledge/) has problems; 4 internal error
(reported per intake; the batch still finished); 130 interrupted (Ctrl-C);
143 terminated (SIGTERM; 129 for SIGHUP).

Each command imports what it needs inside its own function, the one place in
the package where imports are not at the top of the module (tests/test_layers.py
checks it): importing every command's modules up front (experta, the rule
compiler, the readers and writers) made starting the command about 2.6 times
as slow (10 starts of ``import hipguide.cli`` each way, 2026-12-03), which
``hipguide --help`` and ``ask``'s first question would pay every time.
"""

from __future__ import annotations

import contextlib
import sys

import click

from .common import Exit


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="hipguide")
def main():
    """hipguide: guidance for weak or stiff hip internal rotators.

    Reads intake facts (sitting, activity, posture, injuries, symptoms), finds the
    likely contributing factors with a rule engine, and suggests exercises and
    habits. Red-flag symptoms stop the exercises and send the person to a
    clinician. It is not a diagnosis and does not replace one.

    Exit codes: 0 all intakes valid, 1 some intake invalid, 2 usage error,
    3 knowledge base problem, 4 internal error, 130 interrupted, 143 terminated.
    """


def run():
    """Console-script entry point: like ``main()``, but Ctrl-C anywhere exits 130,
    a standard output that cannot be written (a full disk, a closed descriptor)
    is one line on stderr (exit 2), and an unexpected error is one line on stderr
    (exit 4), never a traceback."""
    from .common import handle_termination, interrupted_code, interrupted_word, quiet_broken_pipe

    handle_termination()
    _guard_streams()
    _refuse_empty_arguments(sys.argv[1:])
    try:
        code = _main_flushed()
    except KeyboardInterrupt as exc:
        click.echo(f"\nhipguide: {interrupted_word(exc)}.", err=True)
        sys.exit(interrupted_code(exc))
    except click.exceptions.Abort:
        click.echo("\nhipguide: interrupted.", err=True)
        sys.exit(Exit.INTERRUPTED)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except BrokenPipeError:
        quiet_broken_pipe()
        sys.exit(Exit.INVALID)
    except OSError as exc:   # standard output could not be written
        from ..core.text import shown

        what = f"cannot write {shown(exc.filename)}" if exc.filename else \
            "cannot write standard output"
        with contextlib.suppress(OSError, ValueError):
            click.echo(f"hipguide: {what}: {exc.strerror or exc}", err=True)
        quiet_broken_pipe()   # what is still buffered goes nowhere, quietly
        sys.exit(Exit.USAGE)
    except Exception as exc:  # noqa: BLE001 - the last line of defence
        click.echo(f"hipguide: internal error ({type(exc).__name__}: {exc}); please report it.",
                   err=True)
        sys.exit(Exit.INTERNAL)
    sys.exit(code)


def _main_flushed() -> int:
    """Run the command and flush standard output inside the guard (a full disk is
    often only seen at the last flush, after the command returned)."""
    try:
        code = main.main(standalone_mode=False)
    except SystemExit as exc:
        code = exc.code
    sys.stdout.flush()
    if code is None:
        return Exit.OK
    if not isinstance(code, int):
        click.echo(str(code), err=True)
        return Exit.INVALID
    return code


def _refuse_empty_arguments(args: list) -> None:
    """An empty argument or option value (``--handout ''``, ``score ''``) is never
    meant: '' would silently be ignored or read as the current folder.  Exit 2."""
    for i, arg in enumerate(args):
        option = None
        if arg.startswith("--") and "=" in arg and not arg.partition("=")[2].strip():
            option = arg.partition("=")[0]
        elif not arg.strip():
            before = args[i - 1] if i else ""
            option = before if before.startswith("-") and before != "-" else "an argument"
        if option == "an argument":
            click.echo("hipguide: an empty argument ('') is not allowed; give a file name "
                       "or a value.", err=True)
            sys.exit(Exit.USAGE)
        if option:
            click.echo(f"hipguide: {option}: expected a value, got an empty one.", err=True)
            sys.exit(Exit.USAGE)


class _ClosedStream:
    """Standard output when its descriptor was closed (``hipguide schema >&-``):
    every write fails with one clear error instead of vanishing."""

    def write(self, text):
        import errno

        raise OSError(errno.EBADF, "standard output is closed")

    def flush(self):
        pass

    def isatty(self):
        return False


def _guard_streams() -> None:
    """A lone surrogate from outside never raises on output; a closed standard
    output says so on the first write."""
    if sys.stdout is None:
        sys.stdout = _ClosedStream()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, ValueError):
            stream.reconfigure(errors="backslashreplace")


from .ask import ask  # noqa: E402
from .checkin import checkin  # noqa: E402
from .interop import convert, questionnaire  # noqa: E402
from .rules import rules, why  # noqa: E402
from .score import schema, score, validate  # noqa: E402

for _command in (score, validate, schema, rules, why, ask, questionnaire, convert,
                 checkin):
    main.add_command(_command)
main.add_command(checkin, "progress")   # its first name, kept for scripts and habits
