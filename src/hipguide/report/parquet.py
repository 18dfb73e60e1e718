"""``score --format parquet``: reports as a Parquet table (the ``scale`` extra).

One row per report: the flat columns of ``--format csv`` (ids joined with
``;``), the other plain fields, and each nested part (findings, plan, errors,
rules fired) as a JSON text column named ``<part>_json``, so a data frame gets
both the summary and everything the JSON report holds.  Rows are written in
batches as the reports come, so memory stays flat.
"""

from __future__ import annotations

import json

from ..engine.model import Report
from .writers import CSV_COLUMNS, csv_row, report_dict

PLAIN = ("referral", "unscreened_advice", "reassess", "knowledge_reviewed", "review_status",
         "pain_rule", "schema_version")
NESTED = ("red_flags", "unanswered_warning_signs", "precautions", "factors",
          "recommendations", "plan", "rules_fired", "errors", "safety_net", "person",
          "warnings")
COLUMNS = list(CSV_COLUMNS[:-1]) + ["top_factor"] + list(PLAIN) + \
    [f"{n}_json" for n in NESTED] + ["disclaimer"]
BATCH_ROWS = 1024


def report_row(report: Report, explain: bool = False) -> dict:
    data = report_dict(report, explain)
    row = csv_row(report)
    # a table for programs: the status and urgency as the JSON report has them
    # (the CSV's columns hold them in words), and the top factor's id
    row["status"], row["urgency"] = report.status, report.urgency
    row["top_factor"] = report.factors[0].id if report.factors else ""
    for name in PLAIN:
        row[name] = data[name]
    for name in NESTED:
        row[f"{name}_json"] = json.dumps(data[name], ensure_ascii=False)
    return {column: _text(row[column]) for column in COLUMNS}


def _text(value) -> str:
    return "" if value is None else str(value)


class ParquetWriter:
    """The Writer interface (begin, write, end) over a binary stream."""

    def __init__(self, stream, explain: bool = False):
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.pa, self.explain, self.rows, self.count = pa, explain, [], 0
        self.schema = pa.schema([(c, pa.string()) for c in COLUMNS])
        self.writer = pq.ParquetWriter(stream, self.schema)

    def begin(self):
        pass

    def write(self, report: Report):
        self.rows.append(report_row(report, self.explain))
        self.count += 1
        if len(self.rows) >= BATCH_ROWS:
            self._flush()

    def _flush(self):
        if self.rows:
            self.writer.write_batch(self.pa.RecordBatch.from_pylist(self.rows,
                                                                    schema=self.schema))
            self.rows = []

    def end(self):
        self._flush()
        self.writer.close()
