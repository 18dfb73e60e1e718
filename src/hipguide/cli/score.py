"""``hipguide score``, ``validate`` and ``schema``: batch scoring for a clinic."""

from __future__ import annotations

import sys

import click

from .common import (
    EXIT_INTERNAL,
    EXIT_INVALID,
    EXIT_OK,
    EXIT_USAGE,
    KB_OPTION,
    interrupted_code,
    interrupted_word,
    load_kb_or_exit,
    quiet_broken_pipe,
)

MAX_JOBS_PER_CORE = 4


@click.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--format", "fmt",
              type=click.Choice(["text", "json", "jsonl", "yaml", "csv", "html"]),
              default="text", show_default=True,
              help="Output format; html is a printable handout, one page per intake.")
@click.option("--output", "-o", default=None, metavar="FILE",
              help="Write the reports to FILE (atomically) instead of standard output. "
                   "Checked before scoring: not an input, not a directory, in a folder "
                   "that exists and can be written.")
@click.option("--explain", is_flag=True,
              help="Show, per finding, the rules that fired and the facts that made them fire.")
@click.option("--quiet", "-q", is_flag=True,
              help="No progress bar and no summary line on standard error.")
@click.option("--summary", is_flag=True, help="At the end, print on standard error how many "
              "intakes had each red flag, factor and recommendation.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Worker processes (default: the number of cores for batches of "
                   "300 or more files or a YAML file of 256 KB or more, else 1; at most "
                   "4 per core). Output is the same, "
                   "in the same order, whatever the number.")
@click.option("--unscreened", type=click.Choice(["advise", "withhold"]), default=None,
              help="When a warning-sign question was left unanswered: advise (list the "
                   "unchecked signs and ask the person to confirm none applies; the default "
                   "unless knowledge/meta.yaml says otherwise) or withhold (give no exercises "
                   "until they are answered).")
@KB_OPTION
def score(paths, fmt, output, explain, quiet, summary, jobs, unscreened, kb):
    """Assess intake files: PATHS are files, directories (every *.yaml, *.yml,
    *.json, *.csv below, sorted) or - for standard input (YAML). *.json files are
    FHIR R4 QuestionnaireResponses (or a Bundle of them), *.csv sheets one intake
    per row; see `hipguide questionnaire` and `hipguide schema --format csv-template`."""
    import contextlib

    from ..batch import INTERNAL, cpu_count, freeze_long_lived, score_paths
    from ..intake import fhir as fhir_read
    from ..report.output import OutputError, check_output, open_output
    from ..report.safe_text import shown
    from ..report.writers import Writer
    from .tally import Tally

    try:  # before any work: a run that cannot write its report does not start
        target = check_output(output, paths)
    except OutputError as exc:
        click.echo(f"hipguide: --output {shown(output)}: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    if jobs is not None and jobs > MAX_JOBS_PER_CORE * cpu_count():
        limit = MAX_JOBS_PER_CORE * cpu_count()
        click.echo(f"hipguide: --jobs {jobs} is more than {MAX_JOBS_PER_CORE} per core; "
                   f"using {limit}.", err=True)
        jobs = limit
    worker = load_kb_or_exit(kb)
    freeze_long_lived()
    if unscreened is not None:
        worker.policy["withhold_unscreened"] = unscreened == "withhold"
    fhir_read.use_kb(kb)  # FHIR responses answer this knowledge base's questionnaire
    tally = Tally(paths, quiet)  # counts every status as the reports go by
    internal = 0

    def notify(text):
        tally.clear()
        click.echo(f"hipguide: {text}", err=True)

    try:
        with open_output(target) as stream, \
                contextlib.closing(score_paths(worker, paths, jobs, kb, notify)) as scored:
            if fmt == "html":
                from ..report.html import HtmlWriter

                writer = HtmlWriter(stream, worker.kb)
            else:
                writer = Writer(stream, fmt, explain)
            writer.begin()
            for record, report in scored:
                tally.add(record, report)
                if record.problems and (fmt != "text" or output):
                    for problem in record.problems:
                        click.echo(str(problem), err=True)
                if report.errors and report.errors[0]["message"].startswith(INTERNAL):
                    internal += 1
                    click.echo(f"{shown(record.source)}: {shown(record.id)}: "
                               f"{shown(report.errors[0]['message'])}", err=True)
                writer.write(report)
            writer.end()
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM/SIGHUP (Terminated)
        tally.clear()
        written = "no report file was written" if target.kind in ("new", "replace") \
            else "the report is incomplete"
        click.echo(f"\nhipguide: {interrupted_word(exc)}; {written}.", err=True)
        sys.exit(interrupted_code(exc))
    except BrokenPipeError:  # e.g. piped into head: stop quietly
        quiet_broken_pipe()
        sys.exit(EXIT_INVALID)
    except OSError as exc:
        click.echo(f"hipguide: cannot write {shown(output or 'standard output')}: "
                   f"{exc.strerror or exc}", err=True)
        sys.exit(EXIT_USAGE)
    total = sum(tally.status.values())
    tally.finish(summary and total > 0)
    if total == 0:
        click.echo("hipguide: no intakes found.", err=True)
        sys.exit(EXIT_INVALID)
    if internal:
        sys.exit(EXIT_INTERNAL)
    sys.exit(EXIT_INVALID if tally.status["invalid"] else EXIT_OK)


@click.command()
@click.argument("paths", nargs=-1, required=True)
@KB_OPTION
def validate(paths, kb):
    """Check intake files against the intake contract without assessing them.
    Problems are printed as file:line:col: field: message. PATHS as for `score`."""
    from ..intake import fhir as fhir_read
    from ..intake.reading import records

    fhir_read.use_kb(kb)
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


@click.command()
@click.option("--format", "fmt", type=click.Choice(["json-schema", "csv-template"]),
              default="json-schema", show_default=True,
              help="json-schema: the intake contract; csv-template: an empty CSV sheet "
                   "(the header row) to fill in a spreadsheet, one intake per row.")
@KB_OPTION
def schema(fmt, kb):
    """Print the intake file's JSON Schema (for editors and form tools), or with
    --format csv-template the header row of a CSV sheet of intakes."""
    if fmt == "csv-template":
        from ..intake.csvsheet import template

        click.echo(template(), nl=False)
        return
    import json

    from ..intake.contract import json_schema

    click.echo(json.dumps(json_schema(), indent=2))

