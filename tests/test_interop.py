"""FHIR R4 and CSV intakes, the converter, and the distributed path, through the
installed command and the public API."""

import json
import re
import sys

import pytest
import yaml
from conftest import EXAMPLES, ROOT, run_hipguide

import hipguide
from hipguide.core import contract as intake
from hipguide.core.schema_types import ListOf, Mapping

FHIR_ITEM_TYPES = {"group", "display", "boolean", "decimal", "integer", "date", "dateTime",
                   "time", "string", "text", "url", "choice", "open-choice", "attachment",
                   "reference", "quantity"}
FHIR_OPERATORS = {"exists", "=", "!=", ">", "<", ">=", "<="}


def field_paths(spec=intake.SCHEMA, prefix=""):
    """Every answerable intake field path, from the contract (not a fixed list)."""
    for name, sub in spec.fields.items():
        path = prefix + name
        if path == "id":
            continue
        if isinstance(sub, Mapping):
            yield from field_paths(sub, path + ".")
        elif isinstance(sub, ListOf) and isinstance(sub.item, Mapping):
            yield path
            yield from field_paths(sub.item, path + ".")
        else:
            yield path


def items(tree):
    for item in tree.get("item", []):
        yield item
        yield from items(item)


def jsonl(result):
    return [json.loads(line) for line in result.stdout.splitlines()]


def without_source(reports):
    return [{k: v for k, v in r.items() if k != "source"} for r in reports]


# ---------------------------------------------------------------- the Questionnaire


@pytest.fixture(scope="module")
def questionnaire():
    result = run_hipguide("questionnaire", "--format", "fhir")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_questionnaire_is_a_valid_fhir_r4_questionnaire(questionnaire):
    from fhir.resources.R4B.questionnaire import Questionnaire

    Questionnaire.model_validate(questionnaire)  # raises on any structural error
    links = [i["linkId"] for i in items(questionnaire)]
    assert len(links) == len(set(links))
    for item in items(questionnaire):
        assert item["type"] in FHIR_ITEM_TYPES
        assert not (item["type"] == "display" and "item" in item)            # que-1
        assert not (item["type"] in ("group", "display") and "initial" in item)
        for cond in item.get("enableWhen", []):
            assert cond["operator"] in FHIR_OPERATORS and cond["question"] in links
        if len(item.get("enableWhen", [])) > 1:
            assert item["enableBehavior"] in ("all", "any")                  # que-12
        if item["type"] == "choice":
            assert item["answerOption"]


def test_questionnaire_linkids_are_the_intake_field_paths(questionnaire):
    by_link = {i["linkId"]: i for i in items(questionnaire)}
    for path in field_paths():
        assert path in by_link, path
    assert by_link["injuries"]["type"] == "group" and by_link["injuries"]["repeats"]
    assert by_link["symptoms.hip_pain"]["type"] == "integer"
    assert by_link["sitting_hours"]["type"] == "decimal"
    assert by_link["sitting_hours"]["required"] is True
    assert by_link["posture"]["repeats"] is True
    codes = [o["valueCoding"]["code"] for o in by_link["activity_level"]["answerOption"]]
    assert codes == list(intake.ACTIVITY_LEVELS)
    help_item = by_link["sitting_hours-help"]
    assert help_item["type"] == "display"
    assert help_item["extension"][0]["valueCodeableConcept"]["coding"][0]["code"] == "help"


def test_questionnaire_carries_conditions_and_required_warning_signs(questionnaire):
    data = yaml.safe_load(run_hipguide("questionnaire", "--format", "yaml").stdout)
    by_link = {i["linkId"]: i for i in items(questionnaire)}
    warning = data["sections"][0]
    assert warning["red_flags"] is True
    for q in warning["questions"]:
        if q["type"] != "injuries":
            assert by_link[q["linkId"]]["required"] is True, q["linkId"]
    for section in data["sections"]:
        for q in section["questions"]:
            if "ask_if" in q:
                item = by_link[q["linkId"]]
                assert "enableWhen" in item or any(
                    e["url"].endswith("ask-if") for e in item.get("extension", []))
    rest = by_link["rest_days_per_week"]
    assert rest["enableBehavior"] == "any"
    assert {c["answerCoding"]["code"] for c in rest["enableWhen"]} == {"moderate", "active"}
    assert by_link["ergonomic_workstation"]["enableWhen"] == [
        {"question": "sitting_hours", "operator": ">=", "answerDecimal": 3}]


def test_help_does_not_import_the_interop_modules():
    code = ("import sys; from hipguide.cli import run; sys.argv = ['hipguide', '--help']\n"
            "try: run()\nexcept SystemExit: pass\n"
            "print(' '.join(sorted(sys.modules)), file=sys.stderr)")
    import subprocess

    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True,
                            text=True).stderr.split()
    for name in ("hipguide.questionnaire.fhir", "hipguide.questionnaire.fhir_form",
                 "hipguide.questionnaire.fhir_response", "hipguide.intake.fhir",
                 "hipguide.intake.fhir_items", "hipguide.intake.fhir_answers",
                 "hipguide.intake.fhir_problems", "hipguide.intake.csvsheet",
                 "hipguide.intake.sheetcolumns", "hipguide.intake.sheetrows",
                 "hipguide.intake.parquetfile", "hipguide.records",
                 "hipguide.intake.xlsxsheet", "openpyxl", "hipguide.intake.jsonload", "csv",
                 "fhir", "pydantic", "dask", "yaml"):
        assert name not in loaded, name


# ---------------------------------------------------------------- round trips


@pytest.fixture(scope="module")
def yaml_reports():
    result = run_hipguide("score", EXAMPLES, "--format", "jsonl", "-q")
    assert result.returncode == 0, result.stderr
    return jsonl(result)


@pytest.mark.parametrize("target", ["fhir", "csv", "yaml"])
def test_round_trip_through_convert_scores_the_same(tmp_path, yaml_reports, target):
    out = tmp_path / f"intakes.{'json' if target == 'fhir' else target}"
    converted = run_hipguide("convert", EXAMPLES, "--to", target, "-o", out)
    assert converted.returncode == 0, converted.stderr
    if target == "fhir":
        from fhir.resources.R4B.bundle import Bundle

        bundle = json.loads(out.read_text())
        Bundle.model_validate(bundle)
        assert {e["resource"]["resourceType"] for e in bundle["entry"]} == {
            "QuestionnaireResponse"}
    result = run_hipguide("score", out, "--format", "jsonl", "-q")
    assert result.returncode == 0, result.stderr
    reports = jsonl(result)
    assert without_source(reports) == without_source(yaml_reports)
    assert all(list(r)[-1] == "disclaimer" and r["disclaimer"] for r in reports)


def test_examples_for_fhir_and_csv_score_and_are_valid_fhir():
    from fhir.resources.R4B.bundle import Bundle
    from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

    bundle = json.loads((ROOT / "examples" / "fhir" / "clinic_responses.json").read_text())
    Bundle.model_validate(bundle)
    for entry in bundle["entry"]:
        QuestionnaireResponse.model_validate(entry["resource"])
    result = run_hipguide("score", ROOT / "examples" / "fhir", ROOT / "examples" / "csv",
                          "--format", "jsonl", "-q")
    assert result.returncode == 0, result.stderr
    reports = jsonl(result)
    assert len(reports) >= 5 and {r["status"] for r in reports} == {"ok", "refer"}


# ---------------------------------------------------------------- bad FHIR input

GOOD_RESPONSE = {"resourceType": "QuestionnaireResponse", "id": "good-one",
                 "status": "completed",
                 "item": [{"linkId": "sitting_hours", "answer": [{"valueDecimal": 9.5}]}]}


def response(*answers, **extra):
    return {"resourceType": "QuestionnaireResponse", "status": "completed",
            "item": list(answers), **extra}


def answer(link, **value):
    return {"linkId": link, "answer": [value]}


def test_bad_fhir_responses_are_named_precisely_and_good_ones_scored(tmp_path):
    sit = answer("sitting_hours", valueDecimal=8)
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": GOOD_RESPONSE},
        {"resource": response(answer("siting_hours", valueDecimal=8))},
        {"resource": response(sit, answer("symptoms.hip_pain", valueString="7"))},
        {"resource": response(sit, sit)},
        {"resource": {"resourceType": "Patient"}},
        {"resource": response(sit, {"linkId": "injuries", "item": [
            answer("injuries.side", valueCoding={"code": "left"})]})},
        {"resource": response(sit, answer("activity_level", valueCoding={"code": "actve"}))},
        {"resource": response(sit, answer("symptoms.hip_pain", valueInteger=11))},
        {"resource": {**response(sit), "status": "in-progress"}},
    ]}
    path = tmp_path / "week.json"
    path.write_text(json.dumps(bundle))
    result = run_hipguide("score", path, "--format", "jsonl")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    reports = jsonl(result)
    assert [r["status"] for r in reports] == ["ok"] + ["invalid"] * 8
    assert reports[0]["id"] == "good-one" and reports[1]["id"] == "week#2"
    errors = result.stderr
    assert ("week.json: entry[1] > item[siting_hours]: unknown linkId 'siting_hours'; "
            "did you mean 'sitting_hours'?") in errors
    assert ("week.json: entry[2] > item[symptoms.hip_pain] > answer[0]: expected valueInteger "
            "(a whole number from 0 to 10); got valueString \"7\"") in errors
    assert "entry[3] > item[sitting_hours]: item[sitting_hours] is answered twice" in errors
    assert "entry[4]: resourceType 'Patient' is not read by hipguide" in errors
    assert "entry[5] > item[injuries][0]: item[injuries.site] is not answered" in errors
    assert "entry[6] > item[activity_level] > answer[0]: code 'actve' is not an answer " \
           "here (did you mean 'active'?)" in errors
    assert "entry[7] > item[symptoms.hip_pain] > answer[0]: 11 is out of range" in errors
    assert "entry[8] > status: status is 'in-progress'" in errors


@pytest.mark.parametrize("text, message", [
    ('{"resourceType": "QuestionnaireResponse", "status": "completed", "status": "amended"}',
     "duplicate key 'status'"),
    ('{"resourceType": "QuestionnaireResponse", "x": NaN}', "NaN is not a number"),
    ('{"a": ' + "9" * 5000 + "}", "a number of 5,000 digits; at most 4,300"),
    ("[" * 200 + "]" * 200, ":1:33: nested more than 32 levels deep"),
    ("sitting_hours: 8", ":1:1: not valid JSON"),
    ("[1, 2]", "expected a FHIR QuestionnaireResponse or Bundle object; got a list"),
    ('{"resourceType": "Patient"}', "resourceType 'Patient' is not read by hipguide"),
    ("", "empty file"),
])
def test_bad_json_files_get_one_clear_error_and_the_good_file_is_scored(tmp_path, text,
                                                                         message):
    (tmp_path / "a_bad.json").write_text(text)
    (tmp_path / "b_good.json").write_text(json.dumps(GOOD_RESPONSE))
    result = run_hipguide("score", tmp_path, "--format", "jsonl")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert message in result.stderr and "a_bad.json" in result.stderr
    assert [r["status"] for r in jsonl(result)] == ["invalid", "ok"]


def test_a_response_id_or_identifier_names_the_report(tmp_path):
    (tmp_path / "one.json").write_text(json.dumps(
        response(answer("sitting_hours", valueDecimal=2), identifier={"value": "clinic 7/a"})))
    (tmp_path / "two.json").write_text(json.dumps(response(answer("sitting_hours",
                                                                  valueDecimal=2))))
    reports = jsonl(run_hipguide("score", tmp_path, "--format", "jsonl", "-q"))
    assert [r["id"] for r in reports] == ["clinic 7/a", "two"]


# ---------------------------------------------------------------- CSV


def test_csv_template_is_the_header_derived_from_the_contract():
    result = run_hipguide("schema", "--format", "csv-template")
    assert result.returncode == 0
    header = result.stdout.rstrip("\r\n").split(",")
    assert result.stdout.count("\n") == 1
    repeated = {name for name, spec in intake.SCHEMA.fields.items()
                 if isinstance(spec, ListOf) and isinstance(spec.item, Mapping)}
    for path in field_paths():
        if path in repeated:
            continue
        column = re.sub(r"^(injuries|surgeries)\.", r"\1.1.", path)
        assert column in header, column
    default = json.loads(run_hipguide("schema").stdout)
    assert default["title"] == "hipguide intake" and "$schema" in default


def test_a_filled_template_scores(tmp_path):
    header = run_hipguide("schema", "--format", "csv-template").stdout.strip().split(",")
    row = {"id": "anna", "sitting_hours": "9.5", "posture": "anterior_pelvic_tilt;knee_valgus",
           "symptoms.stiffness": "Yes", "injuries.1.site": "knee", "injuries.1.months_ago": "8",
           "injuries.2.site": "hip", "injuries.2.months_ago": "30", "conditions": ""}
    sheet = tmp_path / "sheet.csv"
    sheet.write_text(",".join(header) + "\n" + ",".join(row.get(h, "") for h in header) + "\n")
    yaml_file = tmp_path / "anna.yaml"
    yaml_file.write_text("id: anna\nsitting_hours: 9.5\nposture: [anterior_pelvic_tilt, "
                         "knee_valgus]\nsymptoms: {stiffness: true}\ninjuries:\n"
                         "  - {site: knee, months_ago: 8}\n  - {site: hip, months_ago: 30}\n")
    from_csv = jsonl(run_hipguide("score", sheet, "--format", "jsonl", "-q"))
    from_yaml = jsonl(run_hipguide("score", yaml_file, "--format", "jsonl", "-q"))
    assert without_source(from_csv) == without_source(from_yaml)
    assert from_csv[0]["status"] == "ok"


def test_bad_csv_rows_name_row_and_column_and_good_rows_are_scored(tmp_path):
    # Excel in a comma-decimal locale: ';' between cells, a BOM, CRLF line ends
    text = ("id;sitting_hours;symptoms.hip_pain;posture;injuries.1.site;injuries.1.months_ago\r\n"
            "good;8;3;\"knee_valgus;sway_back\";knee;12\r\n"
            "comma;7,5;3;;;\r\n"
            "octal;017;eleven;knee_valgs;;5\r\n"
            ";;;;;\r\n"
            "late;9;2;;;\r\n")
    sheet = tmp_path / "week.csv"
    sheet.write_bytes(b"\xef\xbb\xbf" + text.encode())
    result = run_hipguide("score", sheet, "--format", "jsonl")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    reports = jsonl(result)
    # with ';' between cells a comma can only be a decimal mark
    assert [(r["id"], r["status"]) for r in reports] == [
        ("good", "ok"), ("comma", "ok"), ("octal", "invalid"), ("late", "ok")]
    errors = result.stderr
    assert "week.csv:4: sitting_hours (column B): '017': a number does not start with 0" in errors
    assert "week.csv:4: symptoms.hip_pain (column C): 'eleven' is not a number" in errors
    assert "week.csv:4: posture (column D): 'knee_valgs' is not allowed (did you mean " \
           "'knee_valgus'?)" in errors
    assert "week.csv:4: injuries.1.site (column E): empty, but each of the injuries given " \
           "needs it" in errors


@pytest.mark.parametrize("text, message", [
    ("id,siting_hours\na,5\n", "week.csv:1: siting_hours (column B): unknown column "
                                "'siting_hours'; did you mean 'sitting_hours'?"),
    ("sitting_hours,injuries.1.sites\n5,hip\n", "unknown column 'injuries.1.sites'; did you "
                                                 "mean 'injuries.1.site'?"),
    ("sitting_hours,age,age\n5,30,31\n", "age (column C): column 'age' is also column B"),
    ("sitting_hours,symptoms.stiffness\n5,maybe\n", "week.csv:2: symptoms.stiffness (column B): "
                                                     "'maybe': expected yes or no"),
    ("sitting_hours,age\n1e1,30\n", "'1e1' is not a number"),
    ("sitting_hours;age,x\n5;30\n", "the header mixes ',' and ';'"),
    ('sitting_hours,age\n"5,30\n', "week.csv:2: this row is not readable CSV"),
    ("age\n30\n", "no 'sitting_hours' column"),
])
def test_bad_csv_sheets_get_clear_errors(tmp_path, text, message):
    (tmp_path / "week.csv").write_text(text)
    (tmp_path / "z_good.yaml").write_text("sitting_hours: 4\n")
    result = run_hipguide("validate", tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert message in result.stdout
    assert "1 valid" in result.stderr


def test_directories_pick_up_yaml_json_and_csv_sorted(tmp_path):
    (tmp_path / "a.yaml").write_text("sitting_hours: 1\n")
    (tmp_path / "b.json").write_text(json.dumps(GOOD_RESPONSE))
    (tmp_path / "c.csv").write_text("id,sitting_hours\nrow-1,2\nrow-2,3\n")
    (tmp_path / "d.yml").write_text("sitting_hours: 4\n")
    (tmp_path / "notes.txt").write_text("not an intake")
    reports = jsonl(run_hipguide("score", tmp_path, "--format", "jsonl", "-q"))
    assert [r["id"] for r in reports] == ["a", "good-one", "row-1", "row-2", "d"]


def test_convert_leaves_out_invalid_intakes_and_says_so(tmp_path):
    (tmp_path / "a.yaml").write_text("sitting_hours: 1\n---\nsitting_hours: 99\n")
    out = tmp_path / "out.csv"
    result = run_hipguide("convert", tmp_path / "a.yaml", "--to", "csv", "-o", out)
    assert result.returncode == 1
    assert "a.yaml:3:16: document 2 > sitting_hours: 99 is out of range" in result.stderr
    assert out.read_text().count("\n") == 2   # header and the one good intake


# ---------------------------------------------------------------- distributed


def _intakes():
    docs = list(yaml.safe_load_all((EXAMPLES / "clinic_batch.yaml").read_text()))
    for path in sorted(EXAMPLES.glob("*.yaml")):
        if path.name != "clinic_batch.yaml":
            docs.append({**yaml.safe_load(path.read_text())})
    return docs


def _score_partition(partition):
    return list(hipguide.assess_records(partition, as_dict=True, explain=True))


def test_assess_records_on_dask_processes_matches_assess():
    dask = pytest.importorskip("dask")
    import dask.bag as db

    records = _intakes() + [{"id": "broken", "sitting_hours": "lots"}]
    with dask.config.set(scheduler="processes", num_workers=2):
        bag = db.from_sequence(records, npartitions=3)
        reports = bag.map_partitions(_score_partition).compute()
    expected = [hipguide.assess(r, report_id=r["id"], source="<records>").as_dict()
                for r in records]
    assert [r["id"] for r in reports] == [r["id"] for r in records]
    assert reports == expected
    assert reports[-1]["status"] == "invalid"
    assert reports[-1]["errors"][0]["field"] == "sitting_hours"
    assert all(list(r)[-1] == "disclaimer" and r["disclaimer"] for r in reports)


def test_assess_records_reuses_one_engine_and_names_records_without_id():
    records = [{"sitting_hours": 10}, {"sitting_hours": -1}, {"id": "x", "sitting_hours": 2}]
    reports = list(hipguide.assess_records(iter(records)))
    assert [(r.id, r.status) for r in reports] == [
        ("record-1", "ok"), ("record-2", "invalid"), ("x", "ok")]
    from hipguide.api import assessor

    assert assessor() is assessor()  # the per-process engine hipguide.assess_records uses
