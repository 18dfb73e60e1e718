"""``hipguide score``, ``validate`` and ``schema``: batch scoring for a clinic."""

from __future__ import annotations

import sys

import click

from .common import (
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_INVALID,
    EXIT_OK,
    EXIT_USAGE,
    KB_OPTION,
    load_kb_or_exit,
)


@click.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--format", "fmt",
              type=click.Choice(["text", "json", "jsonl", "yaml", "csv", "html"]),
              default="text", show_default=True,
              help="Output format; html is a printable handout, one page per intake.")
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None,
              help="Write the reports to FILE (atomically) instead of standard output.")
@click.option("--explain", is_flag=True,
              help="Show, per finding, the rules that fired and the facts that made them fire.")
@click.option("--quiet", "-q", is_flag=True,
              help="No progress bar and no summary line on standard error.")
@click.option("--summary", is_flag=True, help="At the end, print on standard error how many "
              "intakes had each red flag, factor and recommendation.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Worker processes (default: the number of cores for batches of "
                   "300 or more files, else 1). Output is the same, in the same order, "
                   "whatever the number.")
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
    from ..batch import INTERNAL, score_paths
    from ..intake import fhir as fhir_read
    from ..report.output import open_output
    from ..report.writers import Writer
    from .tally import Tally

    worker = load_kb_or_exit(kb)
    if unscreened is not None:
        worker.policy["withhold_unscreened"] = unscreened == "withhold"
    fhir_read.use_kb(kb)  # FHIR responses answer this knowledge base's questionnaire
    tally = Tally(paths, quiet)  # counts every status as the reports go by
    internal = 0
    try:
        with open_output(output) as stream:
            if fmt == "html":
                from ..report.html import HtmlWriter

                writer = HtmlWriter(stream, worker.kb)
            else:
                writer = Writer(stream, fmt, explain)
            writer.begin()
            for record, report in score_paths(worker, paths, jobs, kb):
                tally.add(record, report)
                if record.problems and (fmt != "text" or output):
                    for problem in record.problems:
                        click.echo(str(problem), err=True)
                if report.errors and report.errors[0]["message"].startswith(INTERNAL):
                    internal += 1
                    click.echo(f"{record.source}: {record.id}: {report.errors[0]['message']}",
                               err=True)
                writer.write(report)
            writer.end()
    except KeyboardInterrupt:
        tally.clear()
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

