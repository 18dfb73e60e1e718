"""The files of ``hipguide ask``: checking --save and --handout before the first
question, writing the answers (a ``.partial`` file while they are being given),
resuming an unfinished session, and writing the handout."""

from __future__ import annotations

import re

import click

from .common import shown

PARTIAL_SUFFIX = ".partial"
PARTIAL_MARK = "# hipguide PARTIAL answers - resume with: hipguide ask --resume {path}"
ASKED = re.compile(r"^# asked: *(.*)$", re.MULTILINE)

HOW_TO_PRINT = ("To print it, open it in a web browser (double-click the file) and choose "
                "Print (Ctrl+P, or Cmd+P on a Mac). Page 1 is the sheet for your fridge.")


def check_options(save, resume, handout):
    """Before the first question: the --save file, its .partial and the --handout
    file can be written (exit 2 otherwise); the handout's checked target."""
    from pathlib import Path

    from ..report.output import distinct_outputs

    for option, value in (("--save", save), ("--handout", handout)):
        if value is not None and not value.strip():
            raise click.BadParameter("expected a file name, got an empty one",
                                     param_hint=option)
    partial = save + PARTIAL_SUFFIX if save else None
    clash = distinct_outputs({"--save": save, "--save's unfinished-answers file": partial,
                              "--handout": handout})
    if clash:
        raise click.UsageError(clash)
    if save is not None:
        check_save(save)
    if partial and Path(partial).exists() and partial != resume:
        raise click.UsageError(
            f"{shown(partial)} holds the answers of an unfinished session. Continue it with "
            f"`hipguide ask --resume {shown(partial)}`, or delete it to start again.")
    if partial:
        check_save(partial)
    return check_handout(handout, [save, partial, resume]) if handout else None


def check_save(path: str):
    """Before the first question: path must be a regular file (new or not) that can
    be written in a folder where files can be created (its .partial lives beside
    it); exit 2 otherwise."""
    from ..report.output import OutputError, check_output

    try:
        target = check_output(path)
    except OutputError as exc:
        raise click.BadParameter(f"{shown(path)!r}: {exc}", param_hint="--save") from None
    if target.kind not in ("new", "replace"):
        raise click.BadParameter(f"{shown(path)!r}: expected a regular file (the answers are "
                                 "kept beside it in a .partial file while you answer)",
                                 param_hint="--save")


def check_handout(path: str, others):
    """Before the first question, as for --save: the handout's checked target."""
    from ..report.output import OutputError, check_output

    try:
        if path == "-":
            raise OutputError("the report goes to standard output; give a file name")
        return check_output(path, [p for p in others if p])
    except OutputError as exc:
        raise click.BadParameter(f"{shown(path)!r}: {exc}", param_hint="--handout") from None


def write_handout(target, path: str, report, kb, con) -> str | None:
    """Write the handout (atomically); a message when it could not be written."""
    from ..report.html import render
    from ..report.output import open_output

    try:
        with open_output(target) as handle:
            handle.write(render([report], kb))
    except OSError as exc:
        return f"hipguide: cannot write the handout {shown(path)}: {exc.strerror or exc}"
    con.say(f"Handout written to {shown(path)} (open it in a browser to print it).")
    return None


def default_handout(save: str | None) -> str:
    """hip-plan.html (or the saved file's name with .html), never an existing file."""
    from pathlib import Path

    stem = Path(save).with_suffix("") if save else Path("hip-plan")
    path, n = Path(f"{stem}.html"), 2
    while path.exists():
        path, n = Path(f"{stem}-{n}.html"), n + 1
    return str(path)


def answers_text(session) -> str:
    """The answers as the YAML a saved file would hold (to copy when no file could)."""
    import yaml

    from ..questionnaire.answers import ordered

    return yaml.safe_dump(ordered(session.answers), sort_keys=False, allow_unicode=True)


def is_partial(path: str) -> bool:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.readline().startswith(PARTIAL_MARK.split(" - ")[0])
    except (OSError, UnicodeDecodeError):
        return False


def write_answers(path: str, session, qn, marker: bool):
    """Write the answers atomically; a partial file carries the marker comment
    and the ids of the questions already asked."""
    import yaml

    from ..questionnaire.answers import ordered
    from ..report.output import open_output

    with open_output(path) as handle:
        if marker:
            handle.write(PARTIAL_MARK.format(path=path) + "\n")
            handle.write("# asked: " + ", ".join(session.asked) + "\n")
        else:
            handle.write("# Answers from `hipguide ask`; assess again with: hipguide score "
                         f"{path}\n")
        answers = ordered(session.answers)
        if answers:
            yaml.safe_dump(answers, handle, sort_keys=False, allow_unicode=True)


def resumed_session(path: str, qn):
    """The session stored in path; exit 2 if the file breaks the intake contract
    (anything but a missing required field, which a partial file may lack)."""
    from pathlib import Path

    from ..core.contract import SCHEMA
    from ..core.files import read_text
    from ..core.problems import Problem, format_path
    from ..core.yamlload import parse_documents
    from ..questionnaire.answers import get
    from ..questionnaire.data import SKIP
    from ..questionnaire.dialogue import Session

    text, problem = read_text(path, Path(path))
    problems = [problem] if problem else []
    data = {}
    if text is not None:
        docs = list(parse_documents(text, path))
        if len(docs) > 1:
            problems.append(Problem(path, "expected one intake document, found "
                                    f"{len(docs)}"))
        elif docs:
            doc = docs[0]
            problems += doc.problems
            if not doc.problems and doc.data is not None:
                data = doc.data
                for exc in SCHEMA.check_all(data):
                    if exc.message.startswith("missing required key"):
                        continue
                    line, col = doc.mark(exc.path, key=exc.key)
                    problems.append(Problem(path, exc.message, format_path(exc.path), line,
                                            col))
    if problems:
        for p in problems:
            click.echo(str(p), err=True)
        raise click.BadParameter("cannot continue from this file (see above)",
                                 param_hint="--resume")
    match = ASKED.search(text or "")
    ids = {q.id for q in qn.questions()}
    if match:
        # a question the record calls asked whose required answer is missing is
        # asked again: otherwise the saved intake would break the contract
        missing = {q.id for q in qn.questions()
                   if contract_requires(q.field) and get(data, q.field) is SKIP}
        asked = [i for i in (s.strip() for s in match.group(1).split(","))
                 if i in ids and i not in missing]
    else:
        asked = [q.id for q in qn.questions() if get(data, q.field) is not SKIP]
    return Session(answers=data, asked=asked)


def contract_requires(path: str) -> bool:
    """Whether an intake must give the field at path (e.g. sitting_hours)."""
    from ..core.contract import SCHEMA
    from ..core.schema_types import Mapping

    spec = SCHEMA
    for part in path.split("."):
        if not isinstance(spec, Mapping) or part not in spec.fields:
            return False
        spec = spec.fields[part]
        if not spec.required:
            return False
    return True
