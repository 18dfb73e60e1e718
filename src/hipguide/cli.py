"""The ``hipguide`` command line.

Exit codes: 0 every intake valid; 1 some intake invalid; 2 usage error;
3 the knowledge base (rules/ or knowledge/) has problems; 4 internal error
(reported per intake; the batch still finished); 130 interrupted.
"""

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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="hipguide")
def main():
    """hipguide: guidance for weak or stiff hip internal rotators.

    Reads intake facts (sitting, activity, posture, injuries, symptoms), finds the
    likely contributing factors with a rule engine, and suggests exercises and
    habits. Red-flag symptoms stop the exercises and send the person to a
    clinician. It is not a diagnosis and does not replace one.

    Exit codes: 0 all intakes valid, 1 some intake invalid, 2 usage error,
    3 knowledge base problem, 4 internal error, 130 interrupted.
    """


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json", "jsonl", "yaml", "csv"]),
              default="text", show_default=True, help="Output format.")
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None,
              help="Write the reports to FILE (atomically) instead of standard output.")
@click.option("--explain", is_flag=True,
              help="Show, per finding, the rules that fired and the facts that made them fire.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Worker processes (default: the number of cores for batches of "
                   "300 or more files, else 1). Output is the same, in the same order, "
                   "whatever the number.")
@KB_OPTION
def score(paths, fmt, output, explain, kb, jobs):
    """Assess intake files: PATHS are files, directories (every *.yaml/*.yml
    below, sorted) or - for standard input."""
    from .batch import INTERNAL, score_paths
    from .output import open_output
    from .render import Writer

    worker = load_kb_or_exit(kb)
    counts = {"ok": 0, "refer": 0, "invalid": 0, "internal": 0}
    try:
        with open_output(output) as stream:
            writer = Writer(stream, fmt, explain)
            writer.begin()
            for record, report in score_paths(worker, paths, jobs, kb):
                if record.problems and (fmt != "text" or output):
                    for problem in record.problems:
                        click.echo(str(problem), err=True)
                if report.errors and report.errors[0]["message"].startswith(INTERNAL):
                    counts["internal"] += 1
                    click.echo(f"{record.source}: {record.id}: {report.errors[0]['message']}",
                               err=True)
                counts[report.status] += 1
                writer.write(report)
            writer.end()
    except KeyboardInterrupt:
        click.echo("\nhipguide: interrupted; no report file was written.", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except BrokenPipeError:  # e.g. piped into head: stop quietly
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(EXIT_INVALID)
    except OSError as exc:
        click.echo(f"hipguide: cannot write {output or 'output'}: {exc.strerror or exc}",
                   err=True)
        sys.exit(EXIT_USAGE)
    total = counts["ok"] + counts["refer"] + counts["invalid"]
    if total == 0:
        click.echo("hipguide: no intakes found.", err=True)
        sys.exit(EXIT_INVALID)
    if counts["internal"]:
        sys.exit(EXIT_INTERNAL)
    sys.exit(EXIT_INVALID if counts["invalid"] else EXIT_OK)


@main.command()
@click.argument("paths", nargs=-1, required=True)
def validate(paths):
    """Check intake files against the intake contract without assessing them.
    Problems are printed as file:line:col: field: message."""
    from .sources import records

    good = bad = 0
    for record in records(paths):
        if record.problems:
            bad += 1
            for problem in record.problems:
                click.echo(str(problem))
        else:
            good += 1
    click.echo(f"{good + bad} intake(s) checked: {good} valid, {bad} invalid.", err=True)
    sys.exit(EXIT_INVALID if bad or not good + bad else EXIT_OK)


@main.command()
def schema():
    """Print the intake file's JSON Schema (for editors and form tools)."""
    import json

    from .intake import json_schema

    click.echo(json.dumps(json_schema(), indent=2))


if __name__ == "__main__":  # pragma: no cover
    main()
