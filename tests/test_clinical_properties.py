"""Clinical safety properties over generated intakes (Hypothesis).

Intakes come from the intake SCHEMA (as in strategies.py), then the fields the
clinical rules turn on are redrawn with a bias, so that the interesting people
occur often: children and the very old, warning signs answered yes, no or left
out, hip operations of every kind and approach, pregnancy, falls, low and high
pain. The properties:

(a) no exercise a concluded precaution blocks is ever recommended;
(b) a person under 18 with hip pain, a limp or limited rotation is referred and
    gets no exercise;
(c) a warning-sign field left unanswered (one a screening rule S-* tests) is
    listed as not checked, and with every warning sign answered none is;
(d) under the withhold policy an unanswered warning sign means no exercise;
(e) a red flag means no recommendation at all (no exercise, no habit).
"""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import for_spec

import hipguide
from hipguide.api import assessor
from hipguide.core import contract as schema
from hipguide.core.schema_types import Boolean
from hipguide.kb import conditions as cl
from hipguide.kb.evaluate import holds

SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

KB = assessor().kb
BLOCKS = KB.blocks()
OMIT = object()

# The screening rules: which intake field each one tests for "unanswered", and
# any other condition it has (S-LIMP-01: only under 18).
SCREENING = []
for rule in KB.rules:
    if rule.kind != "unscreened":
        continue
    leaves = list(cl.leaves(rule.condition))
    asked = [leaf for leaf in leaves if leaf.op == "unanswered"]
    assert len(asked) == 1, rule.id
    leaf = asked[0]
    SCREENING.append((rule, leaf.kind, leaf.field, len(leaves) > 1))
WARNING_FIELDS = {(kind, name) for _, kind, name, _ in SCREENING}
assert ("intake", "age") in WARNING_FIELDS and ("symptoms", "hip_pain") in WARNING_FIELDS


def answered(data: dict, kind: str, name: str) -> bool:
    where = data.get("symptoms") or {} if kind == "symptoms" else data
    assert kind in ("symptoms", "intake"), kind
    return name in where


def exercises(report) -> list:
    return [r.id for r in report.recommendations if r.kind == "exercise"]


def _maybe(value_strategy, omit_weight=1):
    """A value, or OMIT (the question left unanswered)."""
    return st.one_of(value_strategy, *[st.just(OMIT)] * omit_weight)


YES_NO = st.sampled_from([False, False, False, True, OMIT])   # mostly "no", some yes/unknown
AGES = st.one_of(st.sampled_from([25, 30, 45, 55, 64, 65, 70, 79, 80, 95]),
                 st.sampled_from([18, 40, 60, 85]), st.integers(1, 17), st.just(OMIT))
PAIN = st.sampled_from([0, 0, 1, 2, 3, 3, 4, 5, 7, 8, OMIT])
LOW_PAIN = st.sampled_from([0, 1, 2, 3, 3, 4, 5])
HIP_SURGERY = st.fixed_dictionaries(
    {"site": st.just("hip"), "months_ago": st.sampled_from([1, 4, 5.9, 6, 12, 13, 60, 60])},
    optional={"kind": st.sampled_from(["replacement", "replacement", *schema.SURGERY_KINDS]),
              "approach": st.sampled_from(["posterior", "anterior", *schema.APPROACHES])})
SURGERIES = st.one_of(st.just([]), st.just([]), st.lists(HIP_SURGERY, min_size=1, max_size=2),
                      for_spec(schema.SCHEMA.fields["surgeries"]))
# how the warning signs are answered: all "no" (so exercises and precautions meet),
# all "no" but one "yes", all "no" but some left out, or anything
MODES = st.sampled_from(["clean", "clean", "one_yes", "some_unanswered", "anything"])


@st.composite
def intakes(draw):
    data = draw(for_spec(schema.SCHEMA))
    data.pop("id", None)
    mode = draw(MODES)
    symptoms = {}
    booleans = [n for n, s in schema.SYMPTOMS.fields.items() if isinstance(s, Boolean)]
    for name in booleans:
        value = draw(YES_NO) if mode == "anything" else False
        if value is not OMIT:
            symptoms[name] = value
    for name in ("stiffness", "limited_rotation", "balance_problems"):  # not red flags
        symptoms[name] = draw(st.booleans())
    pain = draw(PAIN if mode == "anything" else LOW_PAIN)
    if pain is not OMIT:
        symptoms["hip_pain"] = pain
    if mode == "one_yes":
        symptoms[draw(st.sampled_from(booleans))] = True
    elif mode == "some_unanswered":
        for name in draw(st.lists(st.sampled_from(["hip_pain", *booleans]), min_size=1,
                                  max_size=4)):
            symptoms.pop(name, None)
    data["symptoms"] = symptoms
    for name, strategy in (
            ("age", AGES),
            ("pregnancy", _maybe(st.sampled_from(schema.PREGNANCY))),
            ("falls_last_12_months", YES_NO), ("walking_aid", YES_NO),
            ("fear_of_falling", YES_NO),
            ("activity_level", _maybe(st.sampled_from(schema.ACTIVITY_LEVELS))),
            ("returning_to_sport", YES_NO), ("repetitive_strain", YES_NO),
            ("rotational_sport", YES_NO),
            ("rest_days_per_week", _maybe(st.sampled_from([0, 1, 2, 3, 7]))),
            ("surgeries", SURGERIES)):
        value = draw(strategy)
        data.pop(name, None)
        if value is not OMIT:
            data[name] = value
    if mode != "anything" and "age" not in data:
        data["age"] = 50
    return data


@SETTINGS
@given(intakes())
def test_a_no_blocked_exercise_is_ever_recommended(data):
    report = hipguide.assess(data)
    assert report.status in ("ok", "refer"), report.errors
    given_ids = {r.id for r in report.recommendations}
    for precaution in report.precautions:
        blocked = set(BLOCKS[precaution.id]) & given_ids
        assert not blocked, f"{precaution.id} blocks {sorted(blocked)}, yet they were given"


@SETTINGS
@given(intakes(), st.sampled_from([1, 5, 10, 12, 15, 16, 17]),
       st.sampled_from(["pain", "limp", "limited_rotation"]))
def test_b_child_with_hip_symptoms_is_referred_without_exercises(data, age, sign):
    data["age"] = age
    symptoms = data["symptoms"]
    if sign == "pain":
        symptoms["hip_pain"] = max(1, symptoms.get("hip_pain") or 0)
    else:
        symptoms[sign] = True
    report = hipguide.assess(data)
    assert report.status == "refer"
    assert report.urgency in ("emergency", "same_day")
    assert "child_hip_symptoms" in {r.id for r in report.red_flags}
    assert exercises(report) == []


@SETTINGS
@given(intakes())
def test_b_any_child_with_hip_symptoms_in_generated_intakes(data):
    """The same, for the children the strategy happens to draw."""
    symptoms = data["symptoms"]
    child = data.get("age") is not None and data["age"] < 18
    if child and ((symptoms.get("hip_pain") or 0) >= 1 or symptoms.get("limp")
                  or symptoms.get("limited_rotation")):
        report = hipguide.assess(data)
        assert report.status == "refer" and exercises(report) == []


@SETTINGS
@given(intakes())
def test_c_unanswered_warning_signs_are_listed_and_answered_ones_are_not(data):
    report = hipguide.assess(data)
    listed = {w.id for w in report.unanswered_warning_signs}
    normalised, _ = schema.validate(data)
    could_list = set()
    for rule, kind, name, conditional in SCREENING:
        if answered(data, kind, name):
            continue
        sign = rule.then["unscreened"]
        could_list.add(sign)
        if not conditional or holds(rule.condition, normalised):
            assert sign in listed, f"{kind}.{name} unanswered, but {sign} is not listed"
    assert listed <= could_list, f"listed {sorted(listed - could_list)}, all answered"
    if all(answered(data, kind, name) for kind, name in WARNING_FIELDS):
        assert listed == set() and report.unscreened_advice == ""


@SETTINGS
@given(intakes(), st.sampled_from(sorted(WARNING_FIELDS)))
def test_c_each_warning_sign_left_out_of_a_screened_intake_is_listed(data, field):
    """Every warning sign answered no (age 40, no pain), then one left out."""
    data["age"] = 40
    data["symptoms"].update({name: False for kind, name in WARNING_FIELDS
                             if kind == "symptoms" and name != "hip_pain"})
    data["symptoms"]["hip_pain"] = 0
    complete = hipguide.assess(data)
    assert complete.unanswered_warning_signs == []
    kind, name = field
    (data["symptoms"] if kind == "symptoms" else data).pop(name)
    report = hipguide.assess(data)
    signs = {rule.then["unscreened"] for rule, k, n, conditional in SCREENING
             if (k, n) == field and not conditional}
    assert signs <= {w.id for w in report.unanswered_warning_signs}, field


@SETTINGS
@given(intakes())
def test_d_withhold_policy_gives_no_exercise_while_a_warning_sign_is_unanswered(data):
    report = hipguide.assess(data, withhold_unscreened=True)
    missing = [f for f in WARNING_FIELDS if not answered(data, *f)
               and f != ("symptoms", "limp")]
    if report.unanswered_warning_signs or missing:
        assert exercises(report) == [], [w.id for w in report.unanswered_warning_signs]
        if not report.red_flags:
            assert "unscreened_withheld" in {p.id for p in report.precautions}
    else:
        assert hipguide.assess(data, withhold_unscreened=False).as_dict() == report.as_dict()


@SETTINGS
@given(intakes())
def test_e_a_red_flag_means_no_recommendation_at_all(data):
    for withhold in (False, True):
        report = hipguide.assess(data, withhold_unscreened=withhold)
        if report.red_flags:
            assert report.status == "refer" and report.urgency
            assert report.recommendations == []
        else:
            assert report.status == "ok" and report.urgency == ""
