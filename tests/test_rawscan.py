"""Fail safe when a document cannot be parsed at all (issue 19, item 1): a YAML
syntax error, broken JSON, a FHIR response cut short, a duplicate key.  The
warning signs its text still plainly answers are acted on exactly as for an
intake that parses but breaks the contract (a referral with its urgency, the
errors listed, no exercises); nothing is read from an ambiguous line (answered
no, commented out, inside a string or a block of text, a key after a key)."""

import json

import pytest
import yaml
from conftest import run_hipguide
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import for_spec

import hipguide
from hipguide.core import contract as schema

BREAK = " broken: [\n"      # a syntax error of its own, on a line of its own


def score(path, *extra):
    result = run_hipguide("score", path, "--format", "jsonl", "--quiet", *extra)
    assert result.returncode in (0, 1), result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def check_referred(report, urgency=None):
    assert report["status"] == "refer", report
    assert report["errors"], report                # it still says what is wrong
    assert not report["recommendations"], report   # never exercises
    if urgency:
        assert report["urgency"] == urgency, report


def check_invalid(report):
    assert report["status"] == "invalid", report
    assert not report["red_flags"] and not report["recommendations"], report


def urgency_of(intake):
    return hipguide.assess(intake).urgency


# (name, broken YAML document, the intake it plainly answers: its urgency is expected)
YAML_FIRES = [
    ("yes", "sitting_hours: 4\nsymptoms:\n  saddle_numbness: yes\n" + BREAK,
     {"symptoms": {"saddle_numbness": True}}),
    ("true, then the error, then more", "symptoms:\n  hot_swollen_joint: true\n" + BREAK
     + "sitting_hours: 4\n", {"symptoms": {"hot_swollen_joint": True}}),
    ("quoted 'Yes' and a comment", "symptoms:\n  night_pain: 'Yes'   # at night\n" + BREAK,
     {"symptoms": {"night_pain": True}}),
    ("flow style", "symptoms: {new_leg_weakness: yes, hip_pain: 3\nsitting_hours: 4\n",
     {"symptoms": {"new_leg_weakness": True, "hip_pain": 3}}),
    ("a tab for indentation", "sitting_hours: 4\nsymptoms:\n\tbowel_or_bladder_change: y\n"
     "\tback_pain: yes\n", {"symptoms": {"bowel_or_bladder_change": True, "back_pain": True}}),
    ("an unclosed quote before it", "note: 'it started\nsymptoms:\n  cannot_bear_weight: yes\n",
     {"symptoms": {"cannot_bear_weight": True}}),
    ("severe pain only", "symptoms:\n  hip_pain: 9\n" + BREAK, {"symptoms": {"hip_pain": 9}}),
    ("a child with a limp", "age: 9\nanswered_by: parent\nsymptoms:\n  limp: yes\n"
     "  hip_pain: 2\n" + BREAK, {"age": 9, "symptoms": {"limp": True, "hip_pain": 2}}),
    ("an apostrophe in a plain value", "note: it's sore\nsymptoms:\n  fever_or_unwell: yes\n"
     "  hip_pain: 4\nother: don't know\n" + BREAK,
     {"symptoms": {"fever_or_unwell": True, "hip_pain": 4}}),
    ("a list, not a mapping", "- symptoms:\n    saddle_numbness: yes\n",
     {"symptoms": {"saddle_numbness": True}}),
]

YAML_NEAR_MISSES = [
    ("answered no", "sitting_hours: 4\nsymptoms:\n  saddle_numbness: no\n  hip_pain: 2\n" + BREAK),
    ("commented out", "sitting_hours: 4\nsymptoms:\n# saddle_numbness: yes\n  hip_pain: 2"
     "  # saddle_numbness: yes\n" + BREAK),
    ("inside a quoted string", 'sitting_hours: 4\nnote: "saddle_numbness: yes"\n' + BREAK),
    ("inside a string over two lines", 'sitting_hours: 4\nnote: "asked about\n'
     '  saddle_numbness: yes\n  by the doctor"\n' + BREAK),
    ("inside a block of text", "sitting_hours: 4\nnote: |\n  saddle_numbness: yes\n"
     "  hot_swollen_joint: true\n" + BREAK),
    ("a key after a key", "sitting_hours: 4\nnote: saddle_numbness: yes\n"),
    ("not a plain yes", "sitting_hours: 4\nsymptoms:\n  saddle_numbness: not sure\n"
     "  night_pain: yes and no\n  hot_swollen_joint: maybe\n" + BREAK),
    ("a yes to something that is not a warning sign", "sitting_hours: 4\n"
     "symptoms:\n  stiffness: yes\n  hip_pain: 0\nergonomic_workstation: yes\n" + BREAK),
    ("a key that only looks like one", "sitting_hours: 4\nsaddle_numbness_note: yes\n"
     "symptoms:\n  saddle_numbness2: yes\n" + BREAK),
]


def test_yaml_documents_with_syntax_errors(tmp_path):
    """One stream: every broken document is read on its own; the plainly answered
    warning signs refer with the urgency the answers have, the near misses stay
    invalid, and a valid document after them is scored as usual."""
    docs = [text for _, text, _ in YAML_FIRES] + [text for _, text in YAML_NEAR_MISSES] + [
        "id: fine\nsitting_hours: 5\nage: 40\nsymptoms: {hip_pain: 1, stiffness: true}\n"]
    path = tmp_path / "broken.yaml"
    path.write_text("".join(f"---\n{d}" for d in docs))
    reports = score(path)
    assert len(reports) == len(docs)
    for (name, _, intake), report in zip(YAML_FIRES, reports, strict=False):
        check_referred(report, urgency_of({"sitting_hours": 4, **intake}))
        assert report["errors"][0]["line"], name
    for _, report in zip(YAML_NEAR_MISSES, reports[len(YAML_FIRES):], strict=False):
        check_invalid(report)
    assert reports[-1]["id"] == "fine" and reports[-1]["status"] == "ok"


def test_a_single_broken_yaml_file_through_score_and_validate(tmp_path):
    path = tmp_path / "intake.yaml"
    path.write_text("sitting_hours: 6\nage: 52\nsymptoms:\n  hip_pain: 3\n"
                    "  saddle_numbness: yes\n  back_pain: [\n")
    [report] = score(path)
    check_referred(report, "emergency")
    assert report["errors"][0]["line"]
    text = run_hipguide("score", path).stdout
    assert "SEE A CLINICIAN" in text and "could not be read" in text
    checked = run_hipguide("validate", path)
    assert checked.returncode == 1 and "WARNING SIGN answered" in checked.stdout
    path.write_text("sitting_hours: 6\nage: 52\nsymptoms:\n  hip_pain: 3\n"
                    "  saddle_numbness: no\n  back_pain: [\n")
    [report] = score(path)
    check_invalid(report)
    assert "WARNING SIGN" not in run_hipguide("validate", path).stdout


def fhir_response(items: list) -> dict:
    return {"resourceType": "QuestionnaireResponse", "status": "completed", "item": [
        {"linkId": "section-1", "item": items}]}


def boolean_item(link, value):
    return {"linkId": link, "answer": [{"valueBoolean": value}]}


def test_fhir_json_that_is_not_valid_json(tmp_path):
    hours = {"linkId": "sitting_hours", "answer": [{"valueDecimal": 5}]}
    cases = {
        # name: (text, referred?)
        "cut-short": (json.dumps(fhir_response([
            boolean_item("symptoms.saddle_numbness", True), hours]), indent=2)[:-20], True),
        "no-comma": (json.dumps(fhir_response([
            boolean_item("symptoms.hot_swollen_joint", True), hours])).replace(
                '}]}, {"linkId": "sitting_hours"', '}]} {"linkId": "sitting_hours"'), True),
        "answer-first-loinc-yes": ('{"resourceType": "QuestionnaireResponse", "item": [{"item": '
                                   '[{"answer": [{"valueCoding": {"system": "http://loinc.org",'
                                   ' "code": "LA33-6", "display": "Yes"}}], "linkId": '
                                   '"symptoms.bowel_or_bladder_change"},, ]}]}', True),
        "duplicate-key": ('{"resourceType": "QuestionnaireResponse", "status": "completed", '
                          '"item": [{"linkId": "symptoms.night_pain", "answer": '
                          '[{"valueBoolean": true, "valueBoolean": false}]}]}', True),
        "answered-false": (json.dumps(fhir_response([
            boolean_item("symptoms.saddle_numbness", False), hours]))[:-3], False),
        "only-in-text": ('{"resourceType": "QuestionnaireResponse", "item": [{"linkId": '
                         '"note", "text": "symptoms.saddle_numbness valueBoolean: true", '
                         '"answer": [{"valueString": "linkId symptoms.saddle_numbness"}]}', False),
        # the true belongs to the item around it (not a warning sign), whatever the key order
        "true-for-another-item": ('{"item": [{"answer": [{"valueBoolean": true}], "linkId": '
                                  '"symptoms.stiffness"}, {"linkId": "symptoms.saddle_numbness",'
                                  ' "answer": [{"valueBoolean": false}]}', False),
    }
    for name, (text, _) in cases.items():
        (tmp_path / f"{name}.json").write_text(text)
    reports = {r["source"].rsplit("/", 1)[-1][:-5]: r for r in score(tmp_path)}
    assert set(reports) == set(cases)
    for name, (_, referred) in cases.items():
        if referred:
            check_referred(reports[name])
            assert "JSON" in reports[name]["errors"][0]["message"], reports[name]["errors"]
        else:
            check_invalid(reports[name])
    assert reports["cut-short"]["urgency"] == "emergency"


def test_a_plain_intake_in_a_json_file_and_a_broken_json_lines_row(tmp_path):
    plain = tmp_path / "plain.json"
    plain.write_text(json.dumps({"sitting_hours": 4, "symptoms": {"cannot_bear_weight": True}}))
    [report] = score(plain)
    check_referred(report, urgency_of({"sitting_hours": 4,
                                       "symptoms": {"cannot_bear_weight": True}}))
    rows = tmp_path / "rows.jsonl"
    rows.write_text('{"id": "a", "sitting_hours": 4, "symptoms": {"saddle_numbness": true}\n'
                    '{"id": "b", "sitting_hours": 4, "symptoms": {"saddle_numbness": false}\n'
                    '{"id": "c", "sitting_hours": 4, "symptoms": {"hip_pain": 1}}\n')
    a, b, c = score(rows)
    check_referred(a, "emergency")
    check_invalid(b)
    assert c["id"] == "c" and c["status"] == "ok"


DUPLICATES = [
    # (name, document, the key given twice, its lines, referred?)
    ("yes then no", "sitting_hours: 4\nsymptoms:\n  saddle_numbness: yes\n  hip_pain: 2\n"
     "  saddle_numbness: no\n", "saddle_numbness", (3, 5), True),
    ("no then yes", "sitting_hours: 4\nsymptoms:\n  hot_swollen_joint: false\n"
     "  hot_swollen_joint: true\n", "hot_swollen_joint", (3, 4), True),
    ("two symptoms sections", "sitting_hours: 4\nsymptoms:\n  night_pain: yes\n"
     "symptoms:\n  hip_pain: 2\n", "symptoms", (2, 4), True),
    ("pain 3 and 9", "sitting_hours: 4\nsymptoms:\n  hip_pain: 3\n  hip_pain: 9\n",
     "hip_pain", (3, 4), True),
    ("no and no", "sitting_hours: 4\nsymptoms:\n  saddle_numbness: no\n"
     "  saddle_numbness: no\n", "saddle_numbness", (3, 4), False),
    ("not a warning sign", "sitting_hours: 4\nsitting_hours: 5\nsymptoms: {hip_pain: 1}\n",
     "sitting_hours", (1, 2), False),
]


@pytest.mark.parametrize(("name", "text", "key", "lines", "referred"), DUPLICATES,
                         ids=[d[0] for d in DUPLICATES])
def test_a_duplicate_key_is_an_error_naming_both_lines_and_a_yes_in_either_refers(
        tmp_path, name, text, key, lines, referred):
    path = tmp_path / "dup.yaml"
    path.write_text(text)
    [report] = score(path)
    message = " ".join(e["message"] for e in report["errors"])
    assert f"duplicate key '{key}' on lines {lines[0]} and {lines[1]}" in message, message
    if referred:
        check_referred(report)
    else:
        check_invalid(report)


def test_a_fhir_item_answered_twice_no_then_yes_refers(tmp_path):
    path = tmp_path / "twice.json"
    path.write_text(json.dumps(fhir_response([
        boolean_item("symptoms.saddle_numbness", False),
        {"linkId": "sitting_hours", "answer": [{"valueDecimal": 5}]},
        boolean_item("symptoms.saddle_numbness", True)])))
    [report] = score(path)
    check_referred(report, "emergency")
    assert "answered twice" in report["errors"][0]["message"]


# -------------------------------------------------------------- properties

SIGNS = [("saddle_numbness", True), ("bowel_or_bladder_change", True),
         ("hot_swollen_joint", True), ("cannot_bear_weight", True),
         ("new_leg_weakness", True), ("night_pain", True), ("unexplained_weight_loss", True),
         ("hip_pain", 9)]
# each a syntax error on a line of its own (a stray '}' is not one of them: it would
# end a flow mapping early, and the line after it is then truly ambiguous)
BREAKERS = [" broken: [", "a: b: c", "\tindented: with a tab", "- a list item in a mapping",
            "key: 'quote never closed", "note: @reserved", "? complex: [key"]
COMMAND = settings(max_examples=3, deadline=None,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@st.composite
def broken_documents(draw):
    """(YAML text with a syntax error, the sign answered): a generated intake with
    one warning sign answered yes, dumped as YAML, a syntax error put on a line
    of its own anywhere."""
    data = draw(for_spec(schema.SCHEMA))
    data.pop("id", None)
    sign, value = draw(st.sampled_from(SIGNS))
    data["symptoms"] = {**(data.get("symptoms") or {}), sign: value}
    lines = yaml.safe_dump(data, sort_keys=draw(st.booleans()),
                           default_flow_style=draw(st.sampled_from([False, None]))).splitlines()
    at = draw(st.integers(0, len(lines)))
    lines.insert(at, draw(st.sampled_from(BREAKERS)))
    return "\n".join(lines) + "\n"


@COMMAND
@given(st.lists(broken_documents(), min_size=4, max_size=8))
def test_property_a_plainly_answered_warning_sign_in_an_unparsable_document_refers(
        tmp_path_factory, texts):
    path = tmp_path_factory.mktemp("unparsed") / "broken.yaml"
    path.write_text("".join(f"---\n{t}" for t in texts))
    reports = score(path)
    assert len(reports) == len(texts)
    for text, report in zip(texts, reports, strict=True):
        if report["status"] == "invalid":   # a breaker that happens to be valid YAML is fine
            pytest.fail(f"a warning sign was lost:\n{text}\n{report['errors']}")
        assert report["status"] == "refer", (text, report)
        assert not report["recommendations"]


@COMMAND
@given(st.sampled_from(SIGNS[:-1]), st.data())
def test_property_a_fhir_response_cut_anywhere_after_the_sign_refers(tmp_path_factory, sign,
                                                                      data):
    folder = tmp_path_factory.mktemp("cut")
    intake = {"sitting_hours": 3, "age": 47, "symptoms": {"hip_pain": 1, sign[0]: True}}
    (folder / "one.yaml").write_text(yaml.safe_dump(intake))
    text = run_hipguide("convert", folder / "one.yaml", "--to", "fhir").stdout
    answer = text.index('"linkId": "symptoms.' + sign[0])
    after = text.index("true", answer) + len("true")
    cuts = data.draw(st.lists(st.integers(after, len(text) - 2), min_size=3, max_size=5,
                              unique=True))
    for cut in cuts:
        (folder / f"cut{cut}.json").write_text(text[:cut])
    reports = score(folder)
    assert len(reports) == len(cuts) + 1
    for report in reports:
        if report["source"].endswith(".json"):
            check_referred(report, urgency_of(intake))


def test_a_csv_column_named_twice_is_an_error_and_a_yes_in_either_refers(tmp_path):
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("id,sitting_hours,symptoms.hot_swollen_joint,symptoms.hot_swollen_joint\n"
                     "a,4,no,yes\nb,4,y,no\nc,4,no,no\nd,4,,\n")
    reports = {r["id"]: r for r in score(sheet)}
    assert set(reports) == {"a", "b", "c", "d"}
    assert "is also column C" in reports["a"]["errors"][0]["message"]
    check_referred(reports["a"], urgency_of({"sitting_hours": 4,
                                             "symptoms": {"hot_swollen_joint": True}}))
    check_referred(reports["b"])
    check_invalid(reports["c"])
    check_invalid(reports["d"])
