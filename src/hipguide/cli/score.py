"""``hipguide score``, ``validate`` and ``schema``: batch scoring for a clinic."""

from __future__ import annotations

import sys

import click

from .common import (
    KB_OPTION,
    Exit,
    interrupted_code,
    interrupted_word,
    load_kb_or_exit,
    quiet_broken_pipe,
)

MAX_JOBS_PER_CORE = 4
FORMATS = ("text", "json", "jsonl", "yaml", "csv", "html", "triage", "triage-html",
           "parquet")
ONLY = ("refer", "ok", "invalid")


class FormatChoice(click.Choice):
    """The output formats; asking for one we do not make says what to do instead."""

    HINTS = {"pdf": "there is no pdf format: use --format html (or triage-html) and print "
                    "the page to PDF from a browser"}

    def convert(self, value, param, ctx):
        hint = self.HINTS.get(str(value).lower())
        if hint:
            self.fail(hint, param, ctx)
        return super().convert(value, param, ctx)


def missing_paths(paths) -> list:
    """The PATHS that name nothing at all (a usage error, not an invalid intake)."""
    import os

    return [p for p in paths if p != "-" and not os.path.lexists(p)]


@click.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--format", "fmt",
              type=FormatChoice(FORMATS),
              default="text", show_default=True,
              help="Output format; html is a printable handout, one page per intake; "
                   "triage is one line per intake, the most urgent first; triage-html "
                   "the same list as one printable page with counts and a chart; parquet "
                   "a table, a row per report (needs the scale extra). An --output name "
                   "ending in .gz is written gzip-compressed.")
@click.option("--only", "only", type=click.Choice(ONLY), multiple=True,
              help="Output only the reports with this status (refer, ok or invalid); "
                   "repeat it for more than one. Every format; the summary counts all.")
@click.option("--output", "-o", default=None, metavar="FILE",
              help="Write the reports to FILE (atomically) instead of standard output. "
                   "Checked before scoring: not an input, not a directory, in a folder "
                   "that exists and can be written.")
@click.option("--explain", is_flag=True,
              help="Show, per finding, the rules that fired and the facts that made them fire.")
@click.option("--quiet", "-q", is_flag=True,
              help="No progress bar and no summary line on standard error.")
@click.option("--summary", is_flag=True, help="At the end, print on standard error how many "
              "intakes had each red flag, factor and recommendation, and which (the "
              "first few ids and a count).")
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
@click.option("--dask", "dask", default=None, metavar="ADDRESS",
              help="Score on a Dask cluster (needs the scale extra): 'local' starts one "
                   "worker process per core; tcp://HOST:PORT uses a running scheduler, "
                   "whose workers have hipguide installed. Same reports, same order.")
@KB_OPTION
def score(paths, fmt, only, output, explain, quiet, summary, jobs, unscreened, dask, kb):
    """Assess intake files: PATHS are files, directories (every *.yaml, *.yml,
    *.json, *.csv below, sorted) or - for standard input (YAML, JSON Lines or a
    FHIR response). *.json files are FHIR R4 QuestionnaireResponses (or a Bundle
    of them), *.csv sheets one intake per row; see `hipguide questionnaire` and
    `hipguide schema --format csv-template`."""
    import contextlib

    from ..batch import cpu_count, freeze_long_lived, score_paths
    from ..core.problems import is_internal
    from ..core.text import shown
    from ..distributed import DaskUnavailable
    from ..report.formats import writer_for
    from ..report.output import OutputError, check_output, open_output
    from .duplicates import DuplicateIds
    from .tally import Tally

    missing = missing_paths(paths)
    if missing:   # a typo in a path is the caller's mistake, not an invalid intake
        click.echo(f"hipguide: no such file or folder: {', '.join(map(shown, missing))}",
                   err=True)
        sys.exit(Exit.USAGE)
    if fmt == "parquet":
        from ..intake.parquetfile import NO_PYARROW, parquet_module

        if parquet_module() is None:
            click.echo(f"hipguide: --format parquet: {NO_PYARROW}", err=True)
            sys.exit(Exit.USAGE)
        if output is None and sys.stdout.isatty():
            click.echo("hipguide: --format parquet is binary: give --output FILE.parquet "
                       "(or redirect standard output to a file).", err=True)
            sys.exit(Exit.USAGE)
    try:  # before any work: a run that cannot write its report does not start
        target = check_output(output, paths)
    except OutputError as exc:
        click.echo(f"hipguide: --output {shown(output)}: {exc}", err=True)
        sys.exit(Exit.USAGE)
    if jobs is not None and jobs > MAX_JOBS_PER_CORE * cpu_count():
        limit = MAX_JOBS_PER_CORE * cpu_count()
        click.echo(f"hipguide: --jobs {jobs} is more than {MAX_JOBS_PER_CORE} per core; "
                   f"using {limit}.", err=True)
        jobs = limit
    if dask is not None and jobs is not None:
        click.echo("hipguide: --jobs and --dask do not go together (the cluster's workers "
                   "do the work); give one.", err=True)
        sys.exit(Exit.USAGE)
    # a view of the process's Assessor (same engine): the settings below stay in this run
    policy = {} if unscreened is None else {"withhold_unscreened": unscreened == "withhold"}
    worker = load_kb_or_exit(kb).with_policy(**policy)
    worker.explain = explain   # basis texts built only when shown (workers inherit it)
    freeze_long_lived()
    tally = Tally(paths, quiet)  # counts every status as the reports go by
    internal = 0
    duplicates = DuplicateIds()
    flawed = 0   # intakes with problems (invalid, or referred on a warning sign anyway)

    def notify(text):
        tally.clear()
        click.echo(f"hipguide: {text}", err=True)

    try:
        if dask is not None:
            from ..distributed import score_dask

            batch = score_dask(worker, paths, dask, kb)
        else:
            batch = score_paths(worker, paths, jobs, kb, notify)
        with open_output(target, binary=fmt == "parquet") as stream, \
                contextlib.closing(batch) as scored:
            writer = writer_for(fmt, stream, worker.kb, explain, duplicates.ids)
            writer.begin()
            for record, report in scored:
                tally.add(record, report)
                flawed += bool(record.problems)
                repeated = duplicates.check(record, report)
                if repeated:
                    notify(repeated)
                for note in record.notes:
                    click.echo(str(note), err=True)
                shown_here = not only or report.status in only
                # problems go to stderr unless the text report on the terminal shows them
                if record.problems and (fmt != "text" or output or not shown_here):
                    for problem in record.problems:
                        click.echo(str(problem), err=True)
                if is_internal(report):
                    internal += 1
                    click.echo(f"{shown(record.source)}: {shown(record.id)}: "
                               f"{shown(report.errors[0]['message'])}", err=True)
                if shown_here:
                    writer.write(report)
            writer.end()
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM/SIGHUP (Terminated)
        tally.clear()
        written = "no report file was written" if target.kind in ("new", "replace") \
            else "the report is incomplete"
        click.echo(f"\nhipguide: {interrupted_word(exc)}; {written}.", err=True)
        sys.exit(interrupted_code(exc))
    except DaskUnavailable as exc:
        click.echo(f"hipguide: --dask {shown(dask)}: {exc}", err=True)
        sys.exit(Exit.USAGE)
    except BrokenPipeError:  # e.g. piped into head: stop quietly
        quiet_broken_pipe()
        sys.exit(Exit.INVALID)
    except OSError as exc:
        click.echo(f"hipguide: cannot write {shown(output or 'standard output')}: "
                   f"{exc.strerror or exc}", err=True)
        sys.exit(Exit.USAGE)
    total = sum(tally.status.values())
    tally.finish(summary and total > 0)
    if total == 0:
        click.echo("hipguide: no intakes found.", err=True)
        sys.exit(Exit.INVALID)
    if internal:
        sys.exit(Exit.INTERNAL)
    sys.exit(Exit.INVALID if tally.status["invalid"] or flawed else Exit.OK)


@click.command()
@click.argument("paths", nargs=-1, required=True)
@KB_OPTION
def validate(paths, kb):
    """Check intake files against the intake contract without assessing them.
    Problems are printed as file:line:col: field: message. PATHS as for `score`."""
    from ..core.text import shown
    from ..intake.reading import records

    missing = missing_paths(paths)
    if missing:
        click.echo(f"hipguide: no such file or folder: {', '.join(map(shown, missing))}",
                   err=True)
        sys.exit(Exit.USAGE)
    good = bad = 0
    worker = None
    for record in records(paths, kb):
        for note in record.notes:
            click.echo(str(note), err=True)
        if record.problems:
            bad += 1
            for problem in record.problems:
                click.echo(str(problem))
            if record.partial:   # fail safe: an answered warning sign is never lost
                worker = worker or load_kb_or_exit(kb)
                warn = worker.assess_invalid(record.partial, record.id, record.source,
                                             [p.as_dict() for p in record.problems])
                if warn.status == "refer":
                    click.echo(_warning_line(record, warn))
        else:
            good += 1
    click.echo(f"{good + bad} intake(s) checked: {good} valid, {bad} invalid.", err=True)
    sys.exit(Exit.INVALID if bad or not good + bad else Exit.OK)


def _warning_line(record, report) -> str:
    from ..core.text import shown
    from ..engine.model import URGENCY_WORDS

    names = "; ".join(f.name for f in report.red_flags if not f.merged_into)
    return shown(f"{record.source}: {record.id}: WARNING SIGN answered despite the problems "
                 f"above: {names}. Refer ({URGENCY_WORDS[report.urgency]}): "
                 f"{report.referral}")


@click.command()
@click.option("--format", "fmt",
              type=click.Choice(["json-schema", "csv-template", "xlsx-template"]),
              default="json-schema", show_default=True,
              help="json-schema: the intake contract; csv-template: an empty CSV sheet "
                   "(the header row) to fill in a spreadsheet, one intake per row; "
                   "xlsx-template: an Excel workbook with dropdowns, ranges and a help "
                   "sheet (binary: use -o or redirect).")
@click.option("--report", "report", is_flag=True,
              help="Print the JSON Schema (2020-12) of the json/jsonl/yaml report instead "
                   "(its schema_version: same major version, compatible).")
@click.option("--output", "-o", default=None, metavar="FILE",
              help="Write to FILE instead of standard output.")
@KB_OPTION
def schema(fmt, report, output, kb):
    """Print the intake file's JSON Schema (for editors and form tools), with
    --format csv-template the header row of a CSV sheet of intakes, with
    --format xlsx-template an Excel workbook to fill in, or with --report the
    JSON Schema of the report `hipguide score` writes."""
    if fmt == "xlsx-template":
        _xlsx_template(output)
        return
    if output is not None:
        click.echo("hipguide: --output is for --format xlsx-template; redirect the "
                   "text instead.", err=True)
        sys.exit(Exit.USAGE)
    if report:
        import json

        from ..report.schema import report_schema

        click.echo(json.dumps(report_schema(), indent=2))
        return
    if fmt == "csv-template":
        from ..intake.csvsheet import template

        click.echo(template(), nl=False)
        return
    import json

    from ..core.contract import json_schema

    click.echo(json.dumps(json_schema(), indent=2))



def _xlsx_template(output):
    """The workbook to a new file (written whole, then renamed into place) or to
    standard output when it is not a terminal."""
    import contextlib
    import io
    import os

    from ..core.text import shown
    from ..intake.xlsxsheet import template

    if output is None and sys.stdout.isatty():
        click.echo("hipguide: an .xlsx workbook is binary: give -o FILE.xlsx or redirect "
                   "standard output to a file.", err=True)
        sys.exit(Exit.USAGE)
    data = io.BytesIO()
    template(data)
    if output is None:
        sys.stdout.buffer.write(data.getvalue())
        sys.stdout.buffer.flush()
        return
    temporary = f"{output}.partial-{os.getpid()}"
    try:
        with open(temporary, "wb") as handle:
            handle.write(data.getvalue())
        os.replace(temporary, output)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        click.echo(f"hipguide: cannot write {shown(output)}: {exc.strerror or exc}", err=True)
        sys.exit(Exit.USAGE)
