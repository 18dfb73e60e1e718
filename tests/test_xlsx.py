"""Excel workbooks: the template `hipguide schema --format xlsx-template`
writes, and .xlsx intakes scored like their YAML twins."""

import json
import os
import shutil
import subprocess

import pytest
from conftest import run_hipguide
from test_spreadsheets import COLUMNS, PEOPLE, value, without_source

from hipguide.core import contract as intake
from hipguide.core.schema_types import Boolean, Choice, ListOf, Mapping, Number

openpyxl = pytest.importorskip("openpyxl")


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    path = tmp_path_factory.mktemp("template") / "intakes.xlsx"
    result = run_hipguide("schema", "--format", "xlsx-template", "-o", path)
    assert result.returncode == 0, result.stderr
    return path


def spec_of(column):
    parts = column.split(".")
    spec = intake.SCHEMA.fields[parts[0]]
    if isinstance(spec, Mapping):
        return spec.fields[parts[1]]
    if isinstance(spec, ListOf) and isinstance(spec.item, Mapping):
        return spec.item.fields[parts[2]]
    return spec


def test_template_has_text_ids_dropdowns_ranges_and_help(template):
    book = openpyxl.load_workbook(template)
    sheet = book["Intakes"]
    header = [c.value for c in sheet[1]]
    csv_header = run_hipguide("schema", "--format", "csv-template").stdout.strip().split(",")
    assert header == csv_header
    assert sheet.column_dimensions["A"].number_format == "@" and header[0] == "id"
    by_column = {}
    for validation in sheet.data_validations.dataValidation:
        for cells in validation.sqref.ranges:
            by_column[header[cells.min_col - 1]] = validation
    for column in header:
        spec = spec_of(column)
        rule = by_column[column]
        if isinstance(spec, Choice):
            assert rule.type == "list"
            assert rule.formula1.strip('"').split(",") == list(spec.choices)
        elif isinstance(spec, ListOf):
            assert rule.type == "list"
            assert rule.formula1.strip('"').split(",") == list(spec.item.choices)
        elif isinstance(spec, Boolean):
            assert rule.type == "list" and rule.formula1 == '"yes,no"'
        elif isinstance(spec, Number):
            assert rule.type == ("whole" if spec.integer else "decimal")
            assert (float(rule.formula1), float(rule.formula2)) == (spec.low, spec.high)
    help_columns = [row[0] for row in book["Help"].iter_rows(min_row=5, values_only=True)]
    assert help_columns == header


def fill(template, path, rows_by_sheet):
    book = openpyxl.load_workbook(template)
    first = book["Intakes"]
    header = [c.value for c in first[1]]
    for k, (title, people) in enumerate(rows_by_sheet):
        sheet = first if k == 0 else book.create_sheet(title)
        if k:
            sheet.append(header)
        for person in people:
            # as Excel stores them: numbers as numbers, yes/no as booleans, text as text
            sheet.append([";".join(v) if isinstance(v, list) else v
                          for v in (value(person, c) if c in COLUMNS else None
                                    for c in header)])
    book.save(path)


@pytest.fixture(scope="module")
def yaml_reports(tmp_path_factory):
    import yaml

    path = tmp_path_factory.mktemp("twin") / "people.yaml"
    path.write_text(yaml.safe_dump_all(PEOPLE, allow_unicode=True), encoding="utf-8")
    result = run_hipguide("score", path, "--format", "jsonl", "-q")
    assert result.returncode == 0, result.stderr
    return without_source([json.loads(line) for line in result.stdout.splitlines()])


def test_a_filled_template_scores_like_the_yaml_twin(template, tmp_path, yaml_reports):
    path = tmp_path / "week.xlsx"
    fill(template, path, [("Intakes", PEOPLE[:2]), ("Week 2", PEOPLE[2:])])
    result = run_hipguide("score", path, "--format", "jsonl", "-q")
    assert result.returncode == 0, result.stderr
    reports = [json.loads(line) for line in result.stdout.splitlines()]
    assert without_source(reports) == yaml_reports
    assert reports[0]["id"] == "00042"   # a text cell keeps its leading zeros


def test_bad_cells_are_named_by_sheet_row_and_column_letter(template, tmp_path):
    path = tmp_path / "week.xlsx"
    bad = {"id": "bad", "sitting_hours": 30, "age": "old"}
    fill(template, path, [("Intakes", [PEOPLE[0], bad, PEOPLE[1]])])
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    result = run_hipguide("score", tmp_path, "--format", "jsonl")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    reports = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["id"], r["status"]) for r in reports] == [
        ("broken", "invalid"), ("00042", "ok"), ("bad", "invalid"), ("00043", "ok")]
    assert "broken.xlsx: not a readable Excel workbook (.xlsx)" in result.stderr
    assert "week.xlsx:3: sheet 'Intakes' > age (column B): 'old' is not a number" \
        in result.stderr
    # the template's own column for sitting_hours (its place follows the contract)
    header = [c.value for c in next(openpyxl.load_workbook(template)["Intakes"].iter_rows())]
    letter = openpyxl.utils.get_column_letter(header.index("sitting_hours") + 1)
    assert f"week.xlsx:3: sheet 'Intakes' > sitting_hours (column {letter}): 30 is out of " \
        "range" in result.stderr


def test_an_unknown_column_stops_only_its_sheet(tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["id", "siting_hours"])
    book.active.append(["a", 5])
    good = book.create_sheet("Good")
    good.append(["id", "sitting_hours"])
    good.append(["b", 5])
    book.save(tmp_path / "two.xlsx")
    result = run_hipguide("score", tmp_path / "two.xlsx", "--format", "jsonl")
    assert "two.xlsx:1: sheet 'Sheet' > siting_hours (column B): unknown column " \
           "'siting_hours'; did you mean 'sitting_hours'?" in result.stderr
    reports = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["id"], r["status"]) for r in reports] == [("two#1", "invalid"), ("b", "ok")]


@pytest.mark.skipif(shutil.which("soffice") is None
                    and not os.environ.get("HIPGUIDE_REQUIRE_LIBREOFFICE"),
                    reason="LibreOffice (soffice) is not installed")
def test_libreoffice_opens_the_filled_template_and_its_csv_scores_the_same(
        template, tmp_path, yaml_reports):
    assert shutil.which("soffice"), "HIPGUIDE_REQUIRE_LIBREOFFICE is set but no soffice"
    path = tmp_path / "week.xlsx"
    fill(template, path, [("Intakes", PEOPLE)])
    home = tmp_path / "home"
    converted = subprocess.run(
        ["soffice", "--headless", "--norestore", f"-env:UserInstallation=file://{home}",
         "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir",
         str(tmp_path / "out"), str(path)], capture_output=True, text=True, timeout=300)
    assert converted.returncode == 0, converted.stderr
    result = run_hipguide("score", tmp_path / "out" / "week.csv", "--format", "jsonl", "-q")
    assert result.returncode == 0, result.stderr
    assert without_source([json.loads(x) for x in result.stdout.splitlines()]) == yaml_reports


def test_a_workbook_whose_tables_unpack_huge_is_refused_unopened(tmp_path):
    import zipfile

    with zipfile.ZipFile(tmp_path / "bomb.xlsx", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", "<sst>" + " " * 120_000_000 + "</sst>")
    (tmp_path / "good.yaml").write_text("sitting_hours: 3\n")
    result = run_hipguide("score", tmp_path, "--format", "jsonl")
    assert "bomb.xlsx: xl/sharedStrings.xml unpacks to 120,000,011 bytes" in result.stderr
    assert [json.loads(x)["status"] for x in result.stdout.splitlines()] == ["invalid", "ok"]
