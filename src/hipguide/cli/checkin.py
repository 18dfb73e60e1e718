"""``hipguide checkin`` (also ``hipguide progress``, its first name): the
check-in. Compare a person's intake before and after some weeks of the
programme and say what to do next (see a clinician, move on to the next stage,
keep going); or, for a clinic, every pair in two folders, matched by intake id.
The rules are in ``checkin/comparison.py`` and knowledge/checkin.yaml.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .common import (
    KB_OPTION,
    Exit,
    interrupted_code,
    interrupted_word,
    load_kb_or_exit,
    quiet_broken_pipe,
)


@click.command("checkin")
@click.argument("before", metavar="BEFORE")
@click.argument("after", metavar="AFTER")
@click.option("--weeks", "-w", type=click.IntRange(1, 104), default=None, metavar="N",
              help="Weeks between the two intakes (default: 6, knowledge/checkin.yaml's "
                   "default_weeks). Decides 'too early to tell' and 'no better after N weeks'.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "jsonl", "html"]),
              default="text", show_default=True,
              help="text for people; json (an array) or jsonl (one object per line) for "
                   "machines; html a small printable page per comparison.")
@click.option("--output", "-o", default=None, metavar="FILE",
              help="Write to FILE (atomically) instead of standard output. Checked before "
                   "any work: not an input, not a directory, in a folder that can be written.")
@click.option("--quiet", "-q", is_flag=True,
              help="No summary line on standard error (problems are still printed).")
@KB_OPTION
def checkin(before, after, weeks, fmt, output, quiet, kb):
    """Check in after some weeks: compare BEFORE and AFTER intakes of the same person.

    BEFORE and AFTER are intake files (YAML, FHIR *.json, *.csv) or - for standard
    input (YAML). Field by field, pain, stiffness, limited rotation, balance, sitting,
    standing breaks, activity and warning signs are improved, no change, worse or not
    comparable; then one verdict: see a clinician (a new warning sign always wins;
    something worse; no better after 6 weeks), move on to the next stage (clearly
    better), or keep going.

    For a clinic: when BEFORE and AFTER are directories (or files holding several
    intakes), intakes are paired by id (the id field, else the file stem), one
    comparison per pair; an id found on one side only, or an invalid intake, is
    reported and makes the exit code 1, and the other pairs are still compared.

    Exit codes: 0 every pair compared, 1 some intake invalid or unmatched, 2 usage
    error, 3 knowledge base problem, 4 internal error."""
    from ..checkin.pairing import compare_pair, pairs_of
    from ..core.text import shown
    from ..intake.reading import records
    from ..report.checkin import CheckinWriter
    from ..report.output import OutputError, check_output, open_output

    if before == "-" and after == "-":
        _usage("BEFORE and AFTER cannot both be standard input (-)")
    if _same_file(before, after):
        _usage(f"BEFORE and AFTER are the same file ({shown(before)}); give the intake "
               "from before and the one from after")
    dirs = [p != "-" and Path(p).is_dir() for p in (before, after)]
    if dirs[0] != dirs[1]:
        which = "BEFORE" if dirs[0] else "AFTER"
        _usage(f"{which} is a directory and the other is not; give two intake files "
               "(one person) or two directories (a clinic's batch, paired by intake id)")
    try:  # before any work: a run that cannot write its result does not start
        target = check_output(output, (before, after))
    except OutputError as exc:
        click.echo(f"hipguide: --output {shown(output)}: {exc}", err=True)
        sys.exit(Exit.USAGE)
    worker = load_kb_or_exit(kb)
    if weeks is None:
        weeks = worker.kb.checkin["thresholds"]["default_weeks"]
    before_records, after_records = list(records([before], kb)), list(records([after], kb))
    batch = dirs[0] or len(before_records) != 1 or len(after_records) != 1
    pairs = pairs_of(before_records, after_records, batch)
    counts: dict = {}
    try:
        with open_output(target) as stream:
            writer = CheckinWriter(stream, fmt)
            writer.begin()
            for pair_id, b, a, errors in pairs:
                entry = compare_pair(worker, pair_id, b, a, errors, weeks)
                key = entry.decision if entry.status == "compared" else entry.status
                counts[key] = counts.get(key, 0) + 1
                if entry.status != "compared" and (fmt != "text" or output):
                    for error in entry.errors:
                        click.echo(_error_line(error, shown), err=True)
                for warning in entry.warnings:
                    click.echo(f"hipguide: {shown(entry.id)}: {shown(warning)}", err=True)
                writer.write(entry)
            writer.end()
    except KeyboardInterrupt as exc:
        written = "nothing was written" if target.kind in ("new", "replace") \
            else "the output is incomplete"
        click.echo(f"\nhipguide: {interrupted_word(exc)}; {written}.", err=True)
        sys.exit(interrupted_code(exc))
    except BrokenPipeError:
        quiet_broken_pipe()
        sys.exit(Exit.INVALID)
    except OSError as exc:
        click.echo(f"hipguide: cannot write {shown(output or 'standard output')}: "
                   f"{exc.strerror or exc}", err=True)
        sys.exit(Exit.USAGE)
    if batch and not quiet:
        click.echo("hipguide: " + _summary(counts), err=True)
    if counts.get("internal_error"):
        sys.exit(Exit.INTERNAL)
    if counts.get("invalid") or counts.get("unmatched") or not pairs:
        sys.exit(Exit.INVALID)
    sys.exit(Exit.OK)


def _same_file(one: str, other: str) -> bool:
    """Whether two paths name one file or folder (a link to it included)."""
    import os

    if "-" in (one, other):
        return False
    if os.path.realpath(one) == os.path.realpath(other):
        return True
    try:
        return os.path.samefile(one, other)
    except OSError:
        return False


def _usage(message: str):
    name = f"hipguide {click.get_current_context().info_name}"   # checkin or progress
    click.echo(f"{name}: {message}. See: {name} --help", err=True)
    sys.exit(Exit.USAGE)


def _error_line(error: dict, shown) -> str:
    where = error.get("source", "")
    if error.get("line"):
        where += f":{error['line']}" + (f":{error['column']}" if error.get("column") else "")
    field = f"{error['field']}: " if error.get("field") else ""
    return shown(f"{where}: {field}{error['message']}")


_WORDS = (("see_clinician", "see a clinician"), ("move_on", "move on"),
          ("keep_going", "keep going"), ("invalid", "invalid"), ("unmatched", "unmatched"),
          ("internal_error", "internal error"))


def _summary(counts: dict) -> str:
    total = sum(counts.values())
    parts = [f"{counts[k]} {word}" for k, word in _WORDS if counts.get(k)]
    return f"{total} pair(s): " + (", ".join(parts) if parts else "none found")
