"""What a FHIR SDC form tool sends back: the exported Questionnaire has no
defaults inside its repeating groups, a yes/no gate in front of each, and a
'none of these' on every required list; responses with untouched or
default-only group entries are read (with a note), never refused."""

import json

import pytest
import yaml
from conftest import run_hipguide


def items(tree):
    for item in tree.get("item", []):
        yield item
        yield from items(item)


@pytest.fixture(scope="module")
def questionnaire():
    result = run_hipguide("questionnaire", "--format", "fhir")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_repeating_groups_have_no_defaults_and_a_yes_no_gate(questionnaire):
    groups = 0
    for parent in items({"item": questionnaire["item"]}):
        siblings = parent.get("item", [])
        for k, item in enumerate(siblings):
            if not (item["type"] == "group" and item.get("repeats")):
                continue
            groups += 1
            assert not any("initial" in i for i in items(item)), item["linkId"]
            gate = siblings[k - 1]
            assert gate["type"] == "boolean" and gate["linkId"] == item["linkId"] + "-any"
            assert item["enableWhen"] == [
                {"question": gate["linkId"], "operator": "=", "answerBoolean": True}]
    assert groups == 2   # injuries and operations (surgeries)


def test_every_required_list_offers_none_and_not_sure(questionnaire):
    lists = [i for i in items(questionnaire) if i["type"] == "choice" and i.get("repeats")]
    assert lists
    for item in lists:
        options = {o["valueCoding"]["code"]: o for o in item["answerOption"]}
        assert "none" in options, item["linkId"]
        if item.get("required"):
            assert "not_sure" in options, item["linkId"]
        for code in ("none", "not_sure"):
            if code in options:
                assert options[code]["extension"][0]["url"].endswith("optionExclusive")
                assert options[code]["extension"][0]["valueBoolean"] is True


def response(*answers, rid="p"):
    return {"resourceType": "QuestionnaireResponse", "id": rid, "status": "completed",
            "item": list(answers)}


def answer(link, **value):
    return {"linkId": link, "answer": [value]}


def coding(code):
    return {"valueCoding": {"code": code}}


def untouched_groups():
    """One entry per group, as a form tool shows them, with only 'not sure' and
    'no' picked (the old defaults)."""
    return [
        {"linkId": "surgeries", "item": [answer("surgeries.kind", **coding("unknown")),
                                         answer("surgeries.approach", **coding("unknown"))]},
        {"linkId": "injuries", "item": [answer("injuries.surgery", valueBoolean=False)]},
        {"linkId": "injuries", "item": []},
    ]


def score(tmp_path, name, data, *args):
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    result = run_hipguide("score", path, "--format", "json", *args)
    assert "Traceback" not in result.stderr
    return result, json.loads(result.stdout) if result.stdout.strip() else None


def strip(report):
    return {k: v for k, v in report.items() if k not in ("source", "id")}


def test_default_only_group_entries_are_ignored_with_a_note(tmp_path):
    fhir = response(answer("sitting_hours", valueDecimal=9),
                    answer("conditions", **coding("none")),
                    answer("surgeries-any", valueBoolean=False),
                    answer("injuries-any", valueBoolean=False), *untouched_groups())
    result, reports = score(tmp_path, "desk.json", fhir)
    assert result.returncode == 0, result.stderr
    assert reports[0]["status"] == "ok"
    assert "item[surgeries][0]: note: an entry with nothing answered" in result.stderr
    assert "item[injuries][1]: note: an entry with nothing answered" in result.stderr
    twin, yaml_reports = score(tmp_path, "desk.yaml", "sitting_hours: 9\nconditions: []\n"
                               "surgeries: []\ninjuries: []\n")
    assert strip(reports[0]) == strip(yaml_reports[0])


def test_cauda_equina_with_untouched_groups_is_referred_not_invalid(tmp_path):
    fhir = response(answer("sitting_hours", valueDecimal=6),
                    answer("symptoms.saddle_numbness", valueBoolean=True),
                    answer("symptoms.bowel_or_bladder_change", valueBoolean=True),
                    answer("symptoms.back_pain", valueBoolean=True), *untouched_groups())
    result, reports = score(tmp_path, "urgent.json", fhir)
    assert reports[0]["status"] == "refer", result.stderr
    assert reports[0]["red_flags"]
    twin, yaml_reports = score(tmp_path, "urgent.yaml", "sitting_hours: 6\nsymptoms: "
                               "{saddle_numbness: true, bowel_or_bladder_change: true, "
                               "back_pain: true}\n")
    assert strip(reports[0]) == strip(yaml_reports[0])


def test_gates_say_yes_with_real_entries_and_the_report_matches_yaml(tmp_path):
    fhir = response(
        answer("sitting_hours", valueDecimal=4), answer("age", valueInteger=71),
        answer("conditions", **coding("arthritis")),
        answer("surgeries-any", valueBoolean=True),
        {"linkId": "surgeries", "item": [
            answer("surgeries.site", **coding("hip")),
            answer("surgeries.kind", **coding("replacement")),
            answer("surgeries.approach", **coding("posterior")),
            answer("surgeries.months_ago", valueDecimal=14)]},
        {"linkId": "surgeries", "item": []},    # the empty one a tool adds
        answer("injuries-any", valueBoolean=True),
        {"linkId": "injuries", "item": [answer("injuries.site", **coding("knee")),
                                        answer("injuries.months_ago", valueDecimal=30),
                                        answer("injuries.surgery", valueBoolean=False)]})
    result, reports = score(tmp_path, "hip.json", fhir)
    assert result.returncode == 0, result.stderr
    twin, yaml_reports = score(tmp_path, "hip.yaml", yaml.safe_dump({
        "sitting_hours": 4, "age": 71, "conditions": ["arthritis"],
        "surgeries": [{"site": "hip", "kind": "replacement", "approach": "posterior",
                       "months_ago": 14}],
        "injuries": [{"site": "knee", "months_ago": 30, "surgery": False}]}))
    assert strip(reports[0]) == strip(yaml_reports[0])


def test_contradicting_gates_keep_what_was_told_and_say_so(tmp_path):
    fhir = response(answer("sitting_hours", valueDecimal=4),
                    answer("surgeries-any", valueBoolean=False),
                    {"linkId": "surgeries", "item": [
                        answer("surgeries.site", **coding("hip")),
                        answer("surgeries.months_ago", valueDecimal=1)]},
                    answer("injuries-any", valueBoolean=True))
    result, reports = score(tmp_path, "odd.json", fhir)
    assert "item[surgeries-any]: note: answered no, but 1 entry" in result.stderr
    assert "item[injuries-any]: note: answered yes, but no entry" in result.stderr
    assert reports[0]["status"] != "invalid"


def test_none_of_these_with_another_answer_is_an_error_naming_the_item(tmp_path):
    fhir = response(answer("sitting_hours", valueDecimal=4),
                    {"linkId": "conditions", "answer": [coding("none"), coding("arthritis")]})
    result, reports = score(tmp_path, "both.json", fhir)
    assert result.returncode == 1
    assert "item[conditions]: 'none of these' is given together with other answers" \
        in result.stderr


def test_converted_responses_answer_every_gate_and_required_list(tmp_path):
    from conftest import EXAMPLES

    out = tmp_path / "all.json"
    result = run_hipguide("convert", EXAMPLES, "--to", "fhir", "-o", out)
    assert result.returncode == 0, result.stderr
    for entry in json.loads(out.read_text())["entry"]:
        links = {i["linkId"] for i in items(entry["resource"])}
        assert {"surgeries-any", "injuries-any", "conditions"} <= links


# ---------------------------------------------------------------- property

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

SIGNS = ("saddle_numbness", "bowel_or_bladder_change", "cannot_bear_weight",
         "pain_after_fall", "fever_or_unwell", "hot_swollen_joint", "night_pain",
         "unexplained_weight_loss", "history_of_cancer", "new_leg_weakness")
JUNK = [  # what form tools send for a group nobody filled
    {"linkId": "surgeries", "item": []},
    {"linkId": "surgeries", "item": [answer("surgeries.kind", **coding("unknown"))]},
    {"linkId": "surgeries", "item": [answer("surgeries.approach", **coding("unknown")),
                                     answer("surgeries.kind", **coding("unknown"))]},
    {"linkId": "injuries", "item": [answer("injuries.surgery", valueBoolean=False)]},
    {"linkId": "injuries", "item": []},
]
person_strategy = st.fixed_dictionaries({
    "signs": st.dictionaries(st.sampled_from(SIGNS), st.booleans()),
    "age": st.integers(18, 95),
    "sitting": st.integers(0, 24),
    "gates": st.sampled_from([None, False]),
    "junk": st.lists(st.sampled_from(JUNK), min_size=1, max_size=4),
})


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(people=st.lists(person_strategy, min_size=5, max_size=12))
def test_untouched_group_entries_never_change_a_report(tmp_path, people):
    entries = []
    for k, p in enumerate(people):
        base = [answer("age", valueInteger=p["age"]),
                answer("sitting_hours", valueDecimal=p["sitting"])]
        base += [answer(f"symptoms.{s}", valueBoolean=v) for s, v in p["signs"].items()]
        gates = [] if p["gates"] is None else [
            answer("surgeries-any", valueBoolean=False),
            answer("injuries-any", valueBoolean=False)]
        entries.append({"resource": response(*base, rid=f"clean-{k}")})
        entries.append({"resource": response(*base, *gates, *p["junk"], rid=f"junk-{k}")})
    path = tmp_path / "people.json"
    path.write_text(json.dumps({"resourceType": "Bundle", "type": "collection",
                                "entry": entries}))
    result = run_hipguide("score", path, "--format", "jsonl", "-q")
    assert result.returncode == 0, result.stderr
    reports = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(reports) == len(entries)
    for clean, junk in zip(reports[::2], reports[1::2], strict=True):
        assert strip(clean) == strip(junk)
