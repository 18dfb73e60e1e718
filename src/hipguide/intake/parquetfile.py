"""Parquet intake files (``*.parquet``, with the ``scale`` extra), read a row
group batch at a time, so memory stays flat however many intakes a file holds;
and written, for ``convert --to parquet``.

The columns are the CSV template's (``hipguide schema --format csv-template``:
``sitting_hours``, ``symptoms.hip_pain``, ``injuries.1.site``), typed (numbers,
booleans, lists of strings) or as text; each row is read as the CSV row with
the same cells, so both formats give the same intakes and the same messages.
A problem names the row (the first data row is row 1).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

from ..core import contract as schema
from ..core.problems import Problem
from ..core.schema_types import Boolean, ListOf, Number
from .record import Record
from .sheetcolumns import column_spec, column_value, columns, is_repeated, unknown_column
from .sheetrows import cell_text, row_record

PARQUET_BATCH_ROWS = 1024


def _stem(name: str) -> str:
    """A record's id without its row number: the file's stem (``bulk`` gives
    no compressed Parquet file to read)."""
    return Path(name).stem


def _whole(name: str, message: str):
    return Record(_stem(name), name, 1, problems=[Problem(name, message)])


def parquet_module():
    """pyarrow.parquet, or None when the ``scale`` extra is not installed."""
    try:
        import pyarrow.parquet as pq
    except ImportError:
        return None
    return pq


NO_PYARROW = ('Parquet needs pyarrow: pip install "hipguide[scale]"')


def parquet_records(name: str, opened) -> Iterator:
    """One record per row of a Parquet file, read a batch of rows at a time;
    ``opened()`` gives (a binary handle on it, None) or (None, the problem that
    stops it being read)."""
    pq = parquet_module()
    if pq is None:
        yield _whole(name, NO_PYARROW)
        return
    handle, problem = opened()
    if problem is not None:
        yield Record(_stem(name), name, 1, problems=[problem])
        return
    with handle:
        try:
            sheet = pq.ParquetFile(handle)
            header = [str(c).strip() for c in sheet.schema_arrow.names]
        except Exception as exc:  # noqa: BLE001 - pyarrow raises many kinds
            yield _whole(name, f"not a readable Parquet file: {exc}")
            return
        specs, problems = _header(header, name)
        if problems:
            yield Record(_stem(name), name, 1, problems=problems)
            return
        rows = sheet.metadata.num_rows
        if not rows:
            yield _whole(name, "no intake rows in this Parquet file")
            return
        many = rows > 1
        number = 0
        try:
            for batch in sheet.iter_batches(batch_size=PARQUET_BATCH_ROWS):
                values = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
                for k in range(batch.num_rows):
                    number += 1
                    cells = [cell_text(_plain(col[k])) for col in values]
                    default = f"{_stem(name)}#{number}" if many else _stem(name)
                    yield row_record(cells, number, header, specs, name, default)
        except Exception as exc:  # noqa: BLE001 - a damaged row group
            yield Record(f"{_stem(name)}#{number + 1}", name, number + 1, problems=[Problem(
                name, f"row {number + 1}: cannot read the Parquet data ({exc}); the rest "
                      "of the file was not read", line=number + 1)])


def _plain(value):
    """A Parquet cell as the CSV writer's value: lists of text stay lists."""
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value if v is not None]
    if isinstance(value, float) and value.is_integer():
        return int(value)   # a typed float column: 8.0 reads as the 8 a CSV cell gives
    return value


def _header(header: list, name: str) -> tuple[list, list]:
    """(column specs, problems) of a Parquet file's column names, checked as a
    CSV sheet's header is."""
    if schema.REPORT_KEYS <= set(header):
        return [None] * len(header), [Problem(name, schema.NOT_AN_INTAKE)]
    specs, problems, seen = [], [], set()
    for head in header:
        found = column_spec(head) if head else None
        if found is None:
            problems.append(Problem(name, unknown_column(head) if head else
                                    "a column with no name", head or "(empty)"))
        elif head in seen:
            problems.append(Problem(name, f"column {head!r} appears twice; keep one", head))
        seen.add(head)
        specs.append(found)
    for field_name, spec in schema.SCHEMA.fields.items():
        if spec.required and field_name not in seen:
            problems.append(Problem(name, f"no {field_name!r} column; every intake needs "
                                          f"{field_name} ({spec.allowed()})"))
    return specs, problems


def write_parquet(rows: Iterator[dict], columns: list, handle, types: dict | None = None,
                  batch_rows: int = PARQUET_BATCH_ROWS) -> int:
    """Write dict rows to a Parquet file a batch at a time (string columns unless
    ``types`` names another pyarrow type); returns how many rows."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = types or {}
    arrow = pa.schema([(c, types.get(c, pa.string())) for c in columns])
    count = 0
    with pq.ParquetWriter(handle, arrow) as writer:
        rows = iter(rows)
        while True:
            batch = list(itertools.islice(rows, batch_rows))
            if not batch:
                break
            count += len(batch)
            writer.write_batch(pa.RecordBatch.from_pylist(batch, schema=arrow))
    return count


def _arrow_type(spec):
    import pyarrow as pa

    if isinstance(spec, Number):
        return pa.int64() if spec.integer else pa.float64()
    if isinstance(spec, Boolean):
        return pa.bool_()
    if isinstance(spec, ListOf):
        return pa.list_(pa.string())
    return pa.string()


def intake_columns() -> list[str]:
    """A Parquet intake file's columns: the CSV template's, with a numbered set
    for every item a list of mappings may hold (a stream's width is not known
    before its end)."""
    slots = max(spec.max_items for spec in schema.SCHEMA.fields.values()
                if is_repeated(spec))
    return columns(slots)


def write_intakes_parquet(intakes, handle) -> int:
    """Write (validated) intakes, each with its ``id``, as a Parquet file that
    ``parquet_records`` reads back as the same intakes."""
    header = intake_columns()
    paths = {head: column_spec(head) for head in header}
    types = {head: _arrow_type(spec) for head, (_path, spec) in paths.items()}

    def row(intake: dict) -> dict:
        return {head: column_value(intake, path) for head, (path, _spec) in paths.items()}

    return write_parquet((row(i) for i in intakes), header, handle, types)
