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

from .model import FINDINGS, Report
from .safe_text import YamlDumper, csv_cell, display_report, json_text
from .text import WIDTH, render_text

FORMATS = ("text", "json", "jsonl", "yaml", "csv")


def report_dict(report: Report, explain: bool = False) -> dict:
    data = report.as_dict()
    if not explain:
        for key in FINDINGS:
            for item in data[key]:
                item.pop("basis", None)
    return data


CSV_COLUMNS = ("id", "source", "status", "urgency", "red_flags", "factors", "top_factor",
               "exercises", "habits", "errors", "knowledge_version", "disclaimer")


def csv_row(report: Report) -> dict:
    return {
        "id": report.id, "source": report.source, "status": report.status,
        "urgency": report.urgency,
        "red_flags": ";".join(f.id for f in report.red_flags),
        # the words, not the rank weight: no source gives these as probabilities
        "factors": ";".join(f"{f.id}:{f.likelihood}" for f in report.factors),
        "top_factor": report.factors[0].id if report.factors else "",
        "exercises": ";".join(r.id for r in report.recommendations if r.kind == "exercise"),
        "habits": ";".join(r.id for r in report.recommendations if r.kind == "habit"),
        "errors": " | ".join(f"{e['field']}: {e['message']}" if e.get("field") else e["message"]
                             for e in report.errors),
        "knowledge_version": report.knowledge_version,
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
            import yaml

            self.stream.write(yaml.dump(report_dict(report, self.explain), Dumper=YamlDumper,
                                        explicit_start=True, sort_keys=False,
                                        allow_unicode=True, width=WIDTH))
        else:
            self._csv_line(csv_row(report))
        self.count += 1

    def end(self):
        if self.fmt == "json":
            self.stream.write("\n]\n" if self.count else "]\n")
