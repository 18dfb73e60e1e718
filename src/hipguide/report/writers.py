"""Stream reports in one format: text for people; json, jsonl, yaml and csv for
machines.

Each writer streams: ``begin``, one ``write`` per report, ``end``. Every
report, in every format, ends with the disclaimer.
"""

from __future__ import annotations

import csv
import io
import json
import textwrap

import yaml

from ..core.terminal import WIDTH
from ..core.text import csv_cell, display_report, has_risky, json_text
from ..engine.model import FINDINGS, URGENCY_WORDS, Report
from .text import render_text

FORMATS = ("text", "json", "jsonl", "yaml", "csv")


class YamlDumper(yaml.SafeDumper):
    """A SafeDumper that writes any string holding a risky character double-quoted
    with escapes (the same string when read back), and others as usual."""

    def analyze_scalar(self, scalar):
        analysis = super().analyze_scalar(scalar)
        if has_risky(scalar):
            analysis.allow_flow_plain = analysis.allow_block_plain = False
            analysis.allow_single_quoted = analysis.allow_block = False
        return analysis

    def write_double_quoted(self, text, split=True):
        if not has_risky(text):
            return super().write_double_quoted(text, split)
        unicode, self.allow_unicode = self.allow_unicode, False   # escape all non-ASCII
        try:
            return super().write_double_quoted(text, split)
        finally:
            self.allow_unicode = unicode


def report_dict(report: Report, explain: bool = False) -> dict:
    data = report.as_dict()
    if not explain:
        for key in FINDINGS:
            for item in data[key]:
                item.pop("basis", None)
    return data


# Plain-language headers, one row per intake. An intake field keeps the name the
# intake sheet gives it (``hipguide schema --format csv-template``): id, age,
# symptoms.hip_pain, symptoms.pain_side mean the same thing in both.
CSV_COLUMNS = ("id", "status", "urgency", "referral reasons", "what to do",
               "unanswered warning signs", "age", "symptoms.hip_pain", "symptoms.pain_side",
               "contributing factors", "start here (weeks 1-2)", "add next (weeks 3-6)",
               "later (optional)", "precautions", "problems", "notes", "source",
               "knowledge version", "disclaimer")
_LIST, _ITEMS = "; ", " | "   # between the parts of one item, between items
STATUS_WORDS = {"ok": "ok", "refer": "see a clinician", "invalid": "invalid: not assessed"}


def _stage(report: Report, stage: str) -> str:
    return _LIST.join(r.name for r in report.recommendations if r.stage == stage)


def _person(report: Report, key: str) -> str:
    value = report.person.get(key)
    return "" if value is None else str(value)


def _precaution(p) -> str:
    """What was withheld, why (the answers behind it), and what to do instead."""
    text = p.name + (f" (because: {_LIST.join(p.evidence)})" if p.evidence else "")
    if p.withheld:
        text += ": not given: " + ", ".join(x["name"] for x in p.withheld)
    return text + f"; instead: {p.instead}"


def csv_row(report: Report) -> dict:
    plan = report.plan
    start = _stage(report, "start_here")
    if start and plan.get("minutes"):
        start += f" ({plan['minutes']} min a session)"
    return {
        "id": report.id,
        "status": STATUS_WORDS.get(report.status, report.status),
        "urgency": URGENCY_WORDS.get(report.urgency, report.urgency),
        "referral reasons": _ITEMS.join(f"{f.name}: {_LIST.join(f.evidence)}"
                                        for f in report.red_flags),
        "what to do": report.referral or report.unscreened_advice,
        "unanswered warning signs": _LIST.join(w.name for w in
                                               report.unanswered_warning_signs),
        "age": _person(report, "age"),
        "symptoms.hip_pain": _person(report, "hip_pain"),
        "symptoms.pain_side": _person(report, "pain_side"),
        # as in the text report and handout, a referral lists no factors: see a clinician first
        "contributing factors": "" if report.status == "refer" else
        _LIST.join(f"{f.name} ({f.likelihood})" for f in report.factors),
        "start here (weeks 1-2)": start,
        "add next (weeks 3-6)": _stage(report, "add_next"),
        "later (optional)": _stage(report, "later"),
        "precautions": _ITEMS.join(_precaution(p) for p in report.precautions),
        "problems": _ITEMS.join(f"{e['field']}: {e['message']}" if e.get("field")
                                else e["message"] for e in report.errors),
        "notes": _ITEMS.join(w["message"] for w in report.warnings),
        "source": report.source,
        "knowledge version": report.knowledge_version,
        "disclaimer": report.disclaimer,
    }


class Writer:
    """Streams reports to a text stream in one format."""

    def __init__(self, stream, fmt: str, explain: bool = False):
        self.stream, self.fmt, self.explain = stream, fmt, explain
        self.count = 0

    def begin(self):
        if self.fmt == "json":
            self.stream.write("[")
        elif self.fmt == "csv":
            self._csv_line({c: c for c in CSV_COLUMNS})

    def _csv_line(self, row: dict):
        buffer = io.StringIO()
        # no cell may start a formula in a spreadsheet (=, +, -, @, tab, CR)
        row = {key: csv_cell(value) for key, value in row.items()}
        csv.DictWriter(buffer, CSV_COLUMNS, lineterminator="\n").writerow(row)
        self.stream.write(buffer.getvalue())

    def write(self, report: Report):
        fmt = self.fmt
        if fmt == "text":
            self.stream.write(("\n" if self.count else "")
                              + render_text(display_report(report), self.explain))
        elif fmt == "json":
            body = json_text(json.dumps(report_dict(report, self.explain), indent=2,
                                        ensure_ascii=False))
            self.stream.write(("," if self.count else "") + "\n" + textwrap.indent(body, "  "))
        elif fmt == "jsonl":
            self.stream.write(json_text(json.dumps(report_dict(report, self.explain),
                                                   ensure_ascii=False)) + "\n")
        elif fmt == "yaml":
            self.stream.write(yaml.dump(report_dict(report, self.explain), Dumper=YamlDumper,
                                        explicit_start=True, sort_keys=False,
                                        allow_unicode=True, width=WIDTH))
        else:
            self._csv_line(csv_row(report))
        self.count += 1

    def end(self):
        if self.fmt == "json":
            self.stream.write("\n]\n" if self.count else "]\n")
