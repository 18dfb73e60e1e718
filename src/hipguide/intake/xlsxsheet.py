"""Excel workbooks (``.xlsx``) of intakes, read and written with openpyxl.

Reading: every worksheet whose first row names at least one intake column is
a sheet of intakes with the CSV sheet's columns and rules (``sheetcolumns``,
``sheetrows``); a sheet without one (the template's "Help") is skipped.
Workbooks are opened in openpyxl's read-only mode, so rows stream and memory
stays flat whatever the size. Cells keep Excel's types: a number is a
number, TRUE/FALSE a yes/no, and a text cell is text as typed (an id
``00042`` stays ``00042``).
Each problem names the sheet, the row and the column letter.

Writing (``template``): a workbook to fill in Excel or LibreOffice, with the
id column formatted as text, a dropdown for every choice and yes/no column,
number ranges as data validation, and a help sheet.
"""

from __future__ import annotations

import dataclasses
import zipfile
from collections.abc import Iterator
from pathlib import Path

from ..core import contract as schema
from ..core.problems import Problem
from ..core.schema_types import Boolean, Choice, ListOf, Number, Text
from .record import Record
from .sheetcolumns import check_header, column_spec, columns
from .sheetrows import row_record

SHEET_TITLE = "Intakes"
HELP_TITLE = "Help"
TEMPLATE_ROWS = 5000          # rows given validation and the id's text format
MAX_ROWS = 1_000_000          # Excel's own limit is 1,048,576
MAX_TABLE_BYTES = 100_000_000  # shared strings, styles...: read whole by openpyxl


def _stem(name: str) -> str:
    return Path(name).stem


def _text(value) -> str:
    """A cell's value as the CSV reader's text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return repr(value)
    return str(value).strip()


def file_records(name: str, path: Path) -> Iterator:
    """The intake records of a workbook, sheet by sheet, row by row."""
    def whole(message):
        return Record(_stem(name), name, 1, problems=[Problem(name, message)])

    try:
        import openpyxl
    except ImportError:  # pragma: no cover - openpyxl is a dependency
        yield whole("reading .xlsx needs openpyxl (pip install openpyxl)")
        return
    too_big = _unstreamed_parts_too_big(path)
    if too_big:
        yield whole(too_big)
        return
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - zipfile, XML and openpyxl errors alike
        yield whole(f"not a readable Excel workbook (.xlsx): {type(exc).__name__}: "
                    f"{str(exc)[:200]}")
        return
    try:
        found, sheets = 0, []
        for k, sheet in enumerate(book.worksheets):
            # ids of rows without one: file#row, file#sheet!row after the first sheet
            stem = _stem(name) + ("#" if k == 0 else f"#{sheet.title}!")
            for record in _sheet_records(sheet, name, stem, sheets):
                found += 1
                yield record
        if not found and sheets:
            yield whole(f"no intake rows below the header of sheet {sheets[0]!r}")
        elif not found:
            yield whole("no sheet with a header row of intake fields (e.g. sitting_hours); "
                        "`hipguide schema --format xlsx-template` writes one")
    finally:
        book.close()


def _unstreamed_parts_too_big(path: Path) -> str | None:
    """Rows stream, but openpyxl reads a workbook's shared-strings table and
    styles whole: a (hostile or broken) file whose table unpacks to more than
    MAX_TABLE_BYTES is refused before it is opened."""
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if not info.filename.startswith("xl/worksheets/") and \
                        info.file_size > MAX_TABLE_BYTES:
                    return (f"{info.filename} unpacks to {info.file_size:,} bytes, over the "
                            f"{MAX_TABLE_BYTES:,}-byte limit for a workbook's tables; not read")
    except (zipfile.BadZipFile, OSError, ValueError):
        return None   # openpyxl says what is wrong
    return None


def _sheet_records(sheet, name: str, stem: str, sheets: list) -> Iterator:
    """The records of one worksheet (none when it is not a sheet of intakes;
    ``sheets`` collects the titles of those that are)."""
    rows = sheet.iter_rows(values_only=True)
    head = next(rows, None)
    if head is None:
        return
    header = [_text(h) for h in head]
    while header and not header[-1]:
        header.pop()
    if not any(column_spec(h) for h in header if h):
        return   # not a sheet of intakes (the help sheet, notes...)
    sheets.append(sheet.title)
    label = f"sheet {sheet.title!r}"

    def placed(problem: Problem) -> Problem:
        return dataclasses.replace(problem, field=f"{label} > {problem.field}"
                                   if problem.field else label)

    specs, problems = check_header(header, name)
    if problems:
        yield Record(f"{stem}1", name, 1, problems=[placed(p) for p in problems])
        return
    for number, cells in enumerate(rows, 2):
        if number > MAX_ROWS:
            yield Record(stem, name, number, problems=[placed(Problem(
                name, f"more than {MAX_ROWS:,} rows; the rest was not read", "", number))])
            return
        row = [_text(c) for c in cells]
        if not any(row):
            continue
        # no delimiter: a comma in a number typed as text is a decimal mark (7,5)
        record = row_record(row, number, header, specs, name, f"{stem}{number}",
                            delimiter="")
        record.problems = [placed(p) for p in record.problems]
        yield record


# ---------------------------------------------------------------- the template


def _help_rows() -> list:
    rows = []
    for column in columns():
        _path, spec = column_spec(column)
        rows.append((column, spec.description, _allowed(spec),
                     "required" if column in _required() else ""))
    return rows


def _required() -> set:
    return {n for n, s in schema.SCHEMA.fields.items() if s.required}


def _allowed(spec) -> str:
    if isinstance(spec, Boolean):
        return "yes or no (pick from the list); empty: not answered"
    if isinstance(spec, ListOf):
        return ("any of: " + ", ".join(spec.item.choices)
                + "; several separated by ';', e.g. " + ";".join(spec.item.choices[:2]))
    return spec.allowed()


def template(stream) -> None:
    """Write the empty workbook (binary) to stream."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    sheet.title = SHEET_TITLE
    header = columns()
    sheet.append(header)
    sheet.freeze_panes = "A2"
    for i, column in enumerate(header, 1):
        letter = get_column_letter(i)
        cell = sheet.cell(row=1, column=i)
        cell.font = Font(bold=True)
        sheet.column_dimensions[letter].width = max(12, len(column) + 2)
        _path, spec = column_spec(column)
        cells = f"{letter}2:{letter}{TEMPLATE_ROWS + 1}"
        validation = _validation(spec, DataValidation)
        if validation is not None:
            validation.promptTitle = column[:32]
            validation.prompt = (spec.description + ": " + _allowed(spec))[:255]
            validation.showInputMessage = True
            sheet.add_data_validation(validation)
            validation.add(cells)
        if isinstance(spec, Text):   # the id: text, so 00042 is never turned into 42
            sheet.column_dimensions[letter].number_format = "@"
    notes = book.create_sheet(HELP_TITLE)
    notes.append(["hipguide intake sheet: one row per intake on the "
                  f"'{SHEET_TITLE}' sheet. An empty cell is not answered."])
    notes.append(["Score it with: hipguide score FILE.xlsx. Every recommendation ends with "
                  "a consult-a-professional disclaimer."])
    notes.append([])
    notes.append(["column", "what it holds", "allowed", ""])
    for cell in notes[4]:
        cell.font = Font(bold=True)
    for row in _help_rows():
        notes.append(list(row))
    for letter, width in (("A", 34), ("B", 60), ("C", 60)):
        notes.column_dimensions[letter].width = width
    book.save(stream)


def _validation(spec, DataValidation):
    def listed(values, strict=True):
        formula = '"' + ",".join(values) + '"'
        if len(formula) > 257:   # Excel's limit for an inline list
            return None
        return DataValidation(type="list", formula1=formula, allow_blank=True,
                              showErrorMessage=True,
                              errorStyle="stop" if strict else "information",
                              error="Pick a value from the list." if strict else
                              "Several values: separate them with ';'.")
    if isinstance(spec, Boolean):
        return listed(["yes", "no"])
    if isinstance(spec, Choice):
        return listed(spec.choices)
    if isinstance(spec, ListOf):   # several allowed: the list helps, ';' joins
        return listed(spec.item.choices, strict=False)
    if isinstance(spec, Number):
        return DataValidation(type="whole" if spec.integer else "decimal",
                              operator="between", formula1=f"{spec.low:g}",
                              formula2=f"{spec.high:g}", allow_blank=True,
                              showErrorMessage=True, errorStyle="stop",
                              error=spec.allowed()[:255])
    if isinstance(spec, Text):
        return DataValidation(type="textLength", operator="between", formula1="1",
                              formula2=str(spec.max_length), allow_blank=True,
                              showErrorMessage=True, error=spec.allowed()[:255])
    return None
