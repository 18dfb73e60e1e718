"""Sheets as spreadsheet programs and pandas save them: each form scores the
same as its YAML twin; a bad or over-long cell costs only its row."""

import codecs
import json

import pytest
import yaml
from conftest import run_hipguide

# three people: the YAML twin is the truth
PEOPLE = [
    {"id": "00042", "age": 34, "sitting_hours": 7.5, "ergonomic_workstation": False,
     "rest_days_per_week": 2, "activity_level": "moderate",
     "posture": ["anterior_pelvic_tilt", "knee_valgus"],
     "symptoms": {"hip_pain": 3, "stiffness": True},
     "injuries": [{"site": "knee", "months_ago": 8.5, "surgery": False}]},
    {"id": "00043", "age": 67, "sitting_hours": 4,
     "symptoms": {"hip_pain": 0, "balance_problems": True},
     "falls_last_12_months": True, "walking_aid": False},
    {"id": "Zoë-3", "age": 52, "sitting_hours": 6.25,
     "symptoms": {"saddle_numbness": True, "bowel_or_bladder_change": True}},
]
COLUMNS = ["id", "age", "sitting_hours", "ergonomic_workstation", "rest_days_per_week",
           "activity_level", "posture", "symptoms.hip_pain", "symptoms.stiffness",
           "symptoms.balance_problems", "symptoms.saddle_numbness",
           "symptoms.bowel_or_bladder_change", "falls_last_12_months", "walking_aid",
           "injuries.1.site", "injuries.1.months_ago", "injuries.1.surgery"]


def value(person, column):
    parts = column.split(".")
    if parts[0] == "injuries":
        injuries = person.get("injuries", [])
        return injuries[int(parts[1]) - 1].get(parts[2]) if injuries else None
    if parts[0] == "symptoms":
        return person.get("symptoms", {}).get(parts[1])
    return person.get(column)


def sheet(style):
    """The people's sheet as one program writes it: (text, delimiter)."""
    comma_decimal = style in ("excel_de", "libreoffice_de", "utf16_tab")
    delimiter = {"excel_de": ";", "libreoffice_de": ";", "utf16_tab": "\t"}.get(style, ",")

    def cell(v, column):
        if v is None:
            return ""
        if isinstance(v, list):
            text = ";".join(v)
            return f'"{text}"' if delimiter == ";" else text
        if isinstance(v, bool):
            return {"pandas": "True" if v else "False",
                    "pandas_gaps": "1.0" if v else "0.0",
                    "excel_en": "TRUE" if v else "FALSE",
                    "excel_de": "WAHR" if v else "FALSCH",
                    }.get(style, "Yes" if v else "No")
        if isinstance(v, (int, float)) and column != "id":
            text = repr(float(v)) if style == "pandas_gaps" else str(v)
            return text.replace(".", ",") if comma_decimal else text
        return str(v)

    lines = [delimiter.join(COLUMNS)]
    for person in PEOPLE:
        lines.append(delimiter.join(cell(value(person, c), c) for c in COLUMNS))
    return "\r\n".join(lines) + "\r\n"


ENCODED = {
    "utf8": lambda t: t.encode("utf-8"),
    "utf8_bom": lambda t: codecs.BOM_UTF8 + t.encode("utf-8"),
    "cp1252": lambda t: t.encode("cp1252"),
    "utf16_bom": lambda t: codecs.BOM_UTF16_LE + t.encode("utf-16-le"),
    "utf32_bom": lambda t: codecs.BOM_UTF32_BE + t.encode("utf-32-be"),
}
FORMS = [  # (how the cells are written, how the file is encoded, note expected)
    ("plain", "utf8", None),
    ("excel_en", "utf8_bom", None),
    ("excel_en", "cp1252", "Windows-1252"),
    ("excel_de", "cp1252", "Windows-1252"),
    ("libreoffice_de", "utf8", None),
    ("pandas", "utf8", None),
    ("pandas_gaps", "utf8", None),
    ("utf16_tab", "utf16_bom", "UTF-16"),
    ("plain", "utf32_bom", "UTF-32"),
]


@pytest.fixture(scope="module")
def yaml_reports(tmp_path_factory):
    path = tmp_path_factory.mktemp("twin") / "people.yaml"
    path.write_text(yaml.safe_dump_all(PEOPLE, allow_unicode=True), encoding="utf-8")
    result = run_hipguide("score", path, "--format", "jsonl", "-q")
    assert result.returncode == 0, result.stderr
    reports = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["status"] for r in reports] == ["ok", "ok", "refer"]
    return without_source(reports)


def without_source(reports):
    return [{k: v for k, v in r.items() if k != "source"} for r in reports]


@pytest.mark.parametrize("style, encoding, note", FORMS)
def test_each_saved_form_scores_like_its_yaml_twin(tmp_path, yaml_reports, style, encoding,
                                                   note):
    path = tmp_path / f"{style}.csv"
    path.write_bytes(ENCODED[encoding](sheet(style)))
    result = run_hipguide("score", path, "--format", "jsonl", "-q")
    assert result.returncode == 0, result.stderr
    reports = [json.loads(line) for line in result.stdout.splitlines()]
    assert without_source(reports) == yaml_reports
    if note:
        assert f"{style}.csv: note: read as {note}" in result.stderr
    else:
        assert "note" not in result.stderr


@pytest.mark.parametrize("suffix, encode", [
    (".yaml", lambda t: codecs.BOM_UTF16_LE + t.encode("utf-16-le")),
    (".yaml", lambda t: codecs.BOM_UTF32_LE + t.encode("utf-32-le")),
    (".json", lambda t: codecs.BOM_UTF16_BE + t.encode("utf-16-be")),
])
def test_yaml_and_json_read_utf16_and_utf32_with_a_bom(tmp_path, suffix, encode):
    if suffix == ".yaml":
        text = "id: Zoë\nsitting_hours: 8\n"
    else:
        text = json.dumps({"resourceType": "QuestionnaireResponse", "id": "zoe",
                           "status": "completed", "item": [
                               {"linkId": "sitting_hours", "answer": [{"valueDecimal": 8}]}]})
    path = tmp_path / f"unicode{suffix}"
    path.write_bytes(encode(text))
    result = run_hipguide("score", path, "--format", "jsonl")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["status"] == "ok"
    assert "note: read as UTF-" in result.stderr


def test_cp1252_is_for_sheets_only_and_a_bom_less_utf16_file_is_named(tmp_path):
    (tmp_path / "latin.yaml").write_bytes("id: Zo\xeb\nsitting_hours: 8\n".encode("cp1252"))
    (tmp_path / "nobom.csv").write_bytes("id,sitting_hours\nx,8\n".encode("utf-16-le"))
    result = run_hipguide("score", tmp_path, "--format", "jsonl")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "latin.yaml:1: not UTF-8 text: byte 0xeb" in result.stderr
    assert "nobom.csv: binary data (NUL bytes): not a text file (UTF-16 or UTF-32 text " \
           "needs its byte-order mark" in result.stderr


def test_a_bad_or_over_long_cell_costs_only_its_row(tmp_path):
    text = ("id,sitting_hours,symptoms.hip_pain\r\n"
            "a,5,2\r\n"
            '"b"x,5,2\r\n'                       # a stray quote
            "c," + "9" * 200_000 + ",1\r\n"      # a 200 KB cell
            "d,5,\"" + "y" * 5000 + "\"\r\n"
            "00042,6,0\r\n")
    path = tmp_path / "week.csv"
    path.write_text(text)
    result = run_hipguide("score", path, "--format", "jsonl")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    reports = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["id"], r["status"]) for r in reports] == [
        ("a", "ok"), ("week#3", "invalid"), ("c", "invalid"), ("d", "invalid"),
        ("00042", "ok")]
    assert "week.csv:3: this row is not readable CSV" in result.stderr
    assert "week.csv:4: sitting_hours (column B): a cell of 200,000 characters" \
        in result.stderr
    assert "week.csv:5: symptoms.hip_pain (column C): a cell of 5,000 characters" \
        in result.stderr


def test_a_decimal_comma_is_still_refused_in_a_comma_separated_sheet(tmp_path):
    path = tmp_path / "week.csv"
    path.write_text('id,sitting_hours\nx,"7,5"\n')
    result = run_hipguide("score", path, "--format", "jsonl")
    assert result.returncode == 1
    assert "week.csv:2: sitting_hours (column B): '7,5': use a point for decimals: 7.5" \
        in result.stderr
