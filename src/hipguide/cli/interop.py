"""``hipguide questionnaire`` and ``hipguide convert``: the questionnaire and
intakes in the formats clinics' tools use (FHIR R4 JSON, CSV sheets, YAML).

Only click is imported at start-up; json, csv, yaml and the FHIR mapping load
inside the commands.
"""

from __future__ import annotations

import sys

import click

from .common import KB_OPTION, Exit, exit_with_kb_problems

OUTPUT_OPTION = click.option(
    "--output", "-o", type=click.Path(dir_okay=False), default=None,
    help="Write to FILE (atomically) instead of standard output.")


def _load_questionnaire(kb):
    """(knowledge base, checked questionnaire), or exit 3 listing the problems."""
    from pathlib import Path

    from ..kb.knowledge import KnowledgeError
    from ..questionnaire import data as qmod
    from .common import load_kb_or_exit

    worker = load_kb_or_exit(kb)
    try:
        return worker.kb, qmod.load(Path(kb) if kb else worker.kb.root, worker.kb)
    except KnowledgeError as exc:
        exit_with_kb_problems(exc.problems, "the questionnaire", "nothing was written")


def _write(output, text: str):
    """Write text to a path or checked Target (atomically); exit 2 when it cannot."""
    from ..core.text import shown
    from ..report.output import Target, open_output

    try:
        with open_output(output) as stream:
            stream.write(text)
    except OSError as exc:
        name = output.path if isinstance(output, Target) else output
        click.echo(f"hipguide: cannot write {shown(name or 'standard output')}: "
                   f"{exc.strerror or exc}", err=True)
        sys.exit(Exit.USAGE)


@click.command()
@click.option("--format", "fmt", type=click.Choice(["fhir", "yaml"]), default="fhir",
              show_default=True,
              help="fhir: an HL7 FHIR R4 Questionnaire resource (JSON); yaml: the questions "
                   "as checked data (ids, linkIds, types, choices, ranges, conditions).")
@OUTPUT_OPTION
@KB_OPTION
def questionnaire(fmt, output, kb):
    """Print the intake questionnaire (the questions `hipguide ask` asks) for form tools.

    With --format fhir it is a FHIR R4 Questionnaire: one item per question, its
    linkId the intake field it fills (sitting_hours, symptoms.hip_pain, injuries,
    injuries.site...), grouped by section. Answer it in any FHIR form tool and
    score the QuestionnaireResponse JSON with `hipguide score`.
    """
    import json

    from ..questionnaire import fhir, fhir_form

    knowledge, qn = _load_questionnaire(kb)
    form = fhir_form.build_form(qn)
    if fmt == "fhir":
        text = json.dumps(fhir.questionnaire_resource(form, knowledge.meta), indent=2,
                          ensure_ascii=False) + "\n"
    else:
        import yaml

        text = yaml.safe_dump(_as_data(form), sort_keys=False, allow_unicode=True, width=88)
    _write(output, text)


def _as_data(form) -> dict:
    """The questionnaire as plain data, with each question's FHIR linkId."""
    from ..kb import conditions as cl
    from ..questionnaire.data import SKIP

    def question(slot) -> dict:
        q = slot.question
        out = {"linkId": slot.link, "id": q.id, "field": q.field, "type": q.type,
               "text": q.text}
        if slot.gate:
            out["gate_linkId"] = slot.gate   # the yes/no question in front of the group
        if q.help:
            out["help"] = q.help
        out["required"] = q.required
        if q.choices:
            out["choices"] = dict(q.choices)
        if q.low is not None:
            out["range"] = [q.low, q.high]
        if q.below is not None:
            out["below"] = q.below
        if q.default is not SKIP:
            out["default"] = q.default
        if q.ask_if is not None:
            out["ask_if"] = " ".join(cl.render(q.ask_if))
        if q.set:
            out["set"] = dict(q.set)
        if slot.children:
            out["items"] = [question(child) for child in slot.children.values()]
        if q.another:
            out["another"] = q.another
        return out

    return {"red_flag_message": form.questionnaire.red_flag_message,
            "sections": [{"linkId": link, "title": section.title,
                          "red_flags": section.red_flags,
                          "questions": [question(slot) for slot in members]}
                         for link, section, members in form.sections]}


@click.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--to", "target", type=click.Choice(["fhir", "csv", "yaml", "jsonl", "parquet"]),
              required=True,
              help="fhir: a QuestionnaireResponse (a Bundle of them for several intakes); "
                   "csv: one sheet, a row per intake; yaml: intake documents; jsonl: JSON "
                   "Lines, an intake per line; parquet: the CSV sheet's columns, typed "
                   '(needs pip install "hipguide[scale]"). jsonl and parquet are written '
                   "as the intakes are read, so memory stays flat for any number. An "
                   "--output name ending in .gz is written gzip-compressed.")
@OUTPUT_OPTION
@KB_OPTION
def convert(paths, target, output, kb):
    """Convert intakes between YAML, FHIR QuestionnaireResponse JSON and CSV.

    PATHS are read as by `hipguide score` (files, directories, - for YAML,
    JSON Lines or FHIR on standard input). Each valid intake is written, in
    input order; an invalid one is reported on standard error and left out
    (exit 1). `hipguide score`
    gives the converted intakes the same reports as the originals.
    """
    from ..core.text import shown
    from ..intake.reading import records
    from ..report.output import OutputError, check_output

    try:  # before reading: never replace an input with its own conversion
        output = check_output(output, paths)
    except OutputError as exc:
        click.echo(f"hipguide: --output {shown(output)}: {exc}", err=True)
        sys.exit(Exit.USAGE)
    if target in ("jsonl", "parquet"):
        _convert_streamed(paths, target, output, kb)
    good, bad = [], 0
    for record in records(paths, kb):
        for note in record.notes:
            click.echo(str(note), err=True)
        if record.problems:
            bad += 1
            for problem in record.problems:
                click.echo(str(problem), err=True)
        else:
            good.append(record)
    if not good:
        click.echo("hipguide: no valid intakes to convert.", err=True)
        sys.exit(Exit.INVALID)
    text = _converted(good, target, kb)
    _write(output, text)
    click.echo(f"hipguide: {len(good)} intake(s) converted to {target}"
               + (f", {bad} invalid left out." if bad else "."), err=True)
    sys.exit(Exit.INVALID if bad else Exit.OK)


def _convert_streamed(paths, target: str, checked, kb) -> None:
    """convert --to jsonl or parquet: each intake written as it is read;
    ``checked``: the output Target, already checked against the inputs."""
    from ..intake import parquetfile
    from ..intake.reading import records
    from ..report.output import open_output

    if target == "parquet" and parquetfile.parquet_module() is None:
        click.echo(f"hipguide: {parquetfile.NO_PYARROW}", err=True)
        sys.exit(Exit.USAGE)
    counts = {"good": 0, "bad": 0}

    def valid():
        for record in records(paths, kb):
            for note in record.notes:
                click.echo(str(note), err=True)
            if record.problems:
                counts["bad"] += 1
                for problem in record.problems:
                    click.echo(str(problem), err=True)
            else:
                counts["good"] += 1
                yield record

    try:
        with open_output(checked, binary=target == "parquet") as stream:
            if target == "jsonl":
                import json

                for record in valid():
                    stream.write(json.dumps(_plain_intake(record.intake, record.id),
                                            ensure_ascii=False) + "\n")
            else:
                parquetfile.write_intakes_parquet((r.intake | {"id": r.id} for r in valid()),
                                                  stream)
            if not counts["good"]:   # nothing to write: no file either
                raise _NothingValid
    except _NothingValid:
        click.echo("hipguide: no valid intakes to convert.", err=True)
        sys.exit(Exit.INVALID)
    except OSError as exc:
        where = getattr(checked, "path", None) or "output"
        click.echo(f"hipguide: cannot write {where}: {exc.strerror or exc}", err=True)
        sys.exit(Exit.USAGE)
    good, bad = counts["good"], counts["bad"]
    click.echo(f"hipguide: {good} intake(s) converted to {target}"
               + (f", {bad} invalid left out." if bad else "."), err=True)
    sys.exit(Exit.INVALID if bad else Exit.OK)


class _NothingValid(Exception):
    pass


def _converted(records: list, target: str, kb) -> str:
    if target == "fhir":
        import json

        from ..intake import fhir as fhir_read
        from ..questionnaire import fhir_response

        form = fhir_read.form(kb)
        try:
            resources = [fhir_response.response_resource(r.intake, form, r.id)
                         for r in records]
        except fhir_response.ConvertError as exc:
            click.echo(f"hipguide: cannot convert: {exc}", err=True)
            sys.exit(Exit.INVALID)
        data = resources[0] if len(resources) == 1 else fhir_response.bundle(resources)
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if target == "csv":
        import io

        from ..intake import csvsheet

        out = io.StringIO()
        csvsheet.write([r.intake for r in records], out, [r.id for r in records])
        return out.getvalue()
    import yaml

    docs = [_plain_intake(r.intake, r.id) for r in records]
    return yaml.safe_dump_all(docs, sort_keys=False, allow_unicode=True, explicit_start=True)


def _plain_intake(intake: dict, rid: str) -> dict:
    """An intake as a file states it: the id, and no 'not given' (None) values."""
    def clean(value):
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items() if v is not None}
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value

    return clean({**intake, "id": rid})
