"""FHIR R4 QuestionnaireResponse JSON files (one response, or a Bundle of them)
read into intake records, one per response.

Each response is mapped to an intake through the ``fhir_form.Form`` of the
questionnaire and then validated by ``intake.validate``, so JSON answers obey
exactly the contract YAML files do. Every problem names the place in the
file: ``entry[2] > item[injuries][0] > item[injuries.site] > answer[0]``. A
broken response never hides the good ones beside it.

Here: the file, its Bundle, and each response's own elements (status, id);
the response's items are walked in ``fhir_items``, each answer read in
``fhir_answers``.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..core import contract as schema
from ..core.problems import Problem
from ..kb.knowledge import KnowledgeError, default_root
from ..questionnaire import data as questionnaire
from ..questionnaire import fhir_form
from .fhir_items import Reader
from .fhir_problems import Bad, join, kind, unknown_keys
from .jsonload import JsonError, loads
from .rawscan import warning_signs
from .record import Record, default_stem

_FORMS: dict = {}

RESPONSE_KEYS = ("resourceType", "id", "meta", "implicitRules", "language", "text",
                 "contained", "extension", "modifierExtension", "identifier", "basedOn",
                 "partOf", "questionnaire", "status", "subject", "encounter", "authored",
                 "author", "source", "item")
BUNDLE_KEYS = ("resourceType", "id", "meta", "implicitRules", "language", "identifier",
               "type", "timestamp", "total", "link", "entry", "signature")
ENTRY_KEYS = ("id", "extension", "modifierExtension", "link", "fullUrl", "resource",
              "search", "request", "response")
SCORED_STATUSES = ("completed", "amended")


def form(kb_root=None) -> fhir_form.Form:
    """The process's Form for a knowledge-base folder (None: the default one),
    built once."""
    root = Path(kb_root or default_root())
    key = str(root)
    if key not in _FORMS:
        _FORMS[key] = fhir_form.build_form(questionnaire.load(root))
    return _FORMS[key]


def records_from_text(text: str, name: str, kb=None) -> list:
    """The intake records of one JSON file's text: responses to the
    questionnaire of the knowledge-base folder ``kb`` (None: the default)."""

    def whole(message, line=None, column=None, partial=None):
        return [Record(default_stem(name), name, 1, problems=[Problem(name, message, "", line,
                                                               column)], partial=partial)]

    if not text.strip():
        return whole("empty file: expected a FHIR QuestionnaireResponse or Bundle (JSON)")
    try:
        data = loads(text)
    except JsonError as exc:
        # fail safe: the warning signs the broken text still plainly answers
        return whole(exc.message, exc.line, exc.column, warning_signs(text))
    try:
        the_form = form(kb)
    except KnowledgeError as exc:
        return whole("cannot read FHIR responses: the questionnaire has problems (see "
                     f"`hipguide questionnaire`): {exc.problems[0]}")
    if _is_report(data):
        return whole(schema.NOT_AN_INTAKE)
    if not isinstance(data, dict):
        return whole(f"expected a FHIR QuestionnaireResponse or Bundle object; got "
                     f"{kind(data)}")
    rtype = data.get("resourceType")
    if rtype == "Bundle":
        return _bundle(data, name, the_form, whole)
    if rtype == "QuestionnaireResponse":
        return [_record(data, name, the_form, "", 1, default_stem(name))]
    # an intake written as plain JSON is not scored here, but its warning signs
    # answered yes are still acted on (fail safe)
    return whole(_not_a_response(rtype), partial=schema.salvage(data) if rtype is None
                 else None)


def _is_report(data) -> bool:
    """A report of ``score --format json`` (a list of them) or one of its items."""
    items = data if isinstance(data, list) and data else [data]
    return all(isinstance(item, dict) and schema.REPORT_KEYS <= item.keys() for item in items)


def _not_a_response(rtype) -> str:
    if rtype is None:
        return "no resourceType: expected 'QuestionnaireResponse' or 'Bundle'"
    return (f"resourceType {rtype!r} is not read by hipguide; expected 'QuestionnaireResponse' "
            "or a 'Bundle' of them")


def _bundle(data: dict, name: str, the_form, whole) -> list:
    unknown = unknown_keys(data, BUNDLE_KEYS)
    if unknown:
        return whole(unknown)
    entries = data.get("entry")
    if not isinstance(entries, list) or not entries:
        return whole("a Bundle with no entries: expected one QuestionnaireResponse per entry")
    out = []
    for i, entry in enumerate(entries):
        where, rid = f"entry[{i}]", f"{default_stem(name)}#{i + 1}"
        resource = entry.get("resource") if isinstance(entry, dict) else None
        message = None
        if not isinstance(entry, dict):
            message = f"expected an entry object; got {kind(entry)}"
        elif unknown_keys(entry, ENTRY_KEYS):
            message = unknown_keys(entry, ENTRY_KEYS)
        elif not isinstance(resource, dict):
            message = "expected a 'resource' holding a QuestionnaireResponse"
        elif resource.get("resourceType") != "QuestionnaireResponse":
            message = _not_a_response(resource.get("resourceType"))
        if message:
            out.append(Record(rid, name, i + 1, problems=[Problem(name, message, where)]))
        else:
            out.append(_record(resource, name, the_form, where, i + 1, rid))
    return out


def _record(res: dict, name: str, the_form, where: str, number: int, default_id: str):
    """One response -> one Record (valid intake, or its problems)."""
    reader = Reader(the_form)
    rid = default_id
    try:
        rid = _response_id(res, where) or default_id
        try:
            _check_response(res, where)
        except Bad as bad:
            if not _readable_anyway(res):
                raise
            # fail safe: an unfinished response is not scored, but its answers are
            # read so that a warning sign answered yes is still acted on
            reader.problems.append(bad)
            reader.stopped = True
        items = res.get("item", [])
        if not isinstance(items, list):
            raise Bad(join(where, "item"), f"expected a list of items; got {kind(items)}")
        reader.top(items, where)
        reader.finish()
    except Bad as bad:
        reader.problems.append(bad)
        reader.stopped = True
    if not reader.stopped:
        intake, invalid = schema.validate(reader.data)
        for exc in invalid:
            missing = re.match(r"missing required key '([^']+)'", exc.message)
            if tuple(exc.path) + ((missing.group(1),) if missing else ()) in reader.failed:
                continue  # the answer's own problem is reported already
            reader.problems.append(Bad(reader.locate(exc.path, where),
                                       _fhir_words(exc, reader.groups.get(exc.path))))
    problems = [Problem(name, bad.message, bad.where) for bad in reader.problems]
    notes = [Problem(name, "note: " + message, place) for place, message in reader.notes]
    if problems:
        return Record(rid, name, number, problems=problems, notes=notes,
                      partial=schema.salvage(reader.data))
    return Record(rid, name, number, intake, notes=notes)


def _fhir_words(exc, group: str | None) -> str:
    """The contract's message in a response's words (items, not keys)."""
    m = re.match(r"missing required key '([^']+)' \((.*)\)$", exc.message)
    if m and group:
        return (f"item[{group}.{m.group(1)}] is not answered; each entry of this group "
                f"needs it ({m.group(2)})")
    if m:
        return f"the required question item[{m.group(1)}] is not answered ({m.group(2)})"
    if exc.key:
        return exc.message.replace("unknown key", "unknown linkId")
    return exc.message


def _response_id(res: dict, where: str) -> str | None:
    rid = res.get("id")
    place = "id"
    if rid is None:
        ident = res.get("identifier")
        if isinstance(ident, list):  # R5 allows several; the first names the report
            ident = ident[0] if ident else None
        rid = ident.get("value") if isinstance(ident, dict) else None
        place = "identifier.value"
    if rid is None:
        return None
    try:
        return schema.SCHEMA.fields["id"].check(rid)
    except schema.Invalid as exc:
        raise Bad(join(where, place), exc.message) from None


def _readable_anyway(res: dict) -> bool:
    """A response not scored for its status alone (in progress, stopped): its
    answers are still read for warning signs.  Not one entered in error, nor one
    whose modifierExtension may change what its answers mean."""
    return not unknown_keys(res, RESPONSE_KEYS) and \
        res.get("status") != "entered-in-error" and \
        not ("questionnaire" in res and not isinstance(res["questionnaire"], str))


def _check_response(res: dict, where: str):
    unknown = unknown_keys(res, RESPONSE_KEYS)
    if unknown:
        raise Bad(where, unknown)
    status = res.get("status")
    if status not in SCORED_STATUSES:
        shown = "missing" if status is None else repr(status)
        raise Bad(join(where, "status"), f"status is {shown}; only "
                  f"{' or '.join(SCORED_STATUSES)} responses are scored")
    if "questionnaire" in res and not isinstance(res["questionnaire"], str):
        raise Bad(join(where, "questionnaire"), "expected the Questionnaire's canonical "
                  f"URL as text, e.g. {fhir_form.QUESTIONNAIRE_URL}")
