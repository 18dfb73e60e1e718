"""The library API: hipguide.assess(mapping) -> Report."""

import hipguide

OFFICE = {
    "sitting_hours": 9.5, "activity_level": "sedentary", "age": 58,
    "ergonomic_workstation": False, "standing_breaks_hourly": False,
    "posture": ["anterior_pelvic_tilt"],
    "injuries": [{"site": "knee", "side": "left", "months_ago": 8, "surgery": False}],
    "symptoms": {"hip_pain": 3, "stiffness": True, "limited_rotation": True},
}

RED_FLAG_SYMPTOMS = {
    "severe_pain": {"hip_pain": 8},
    "trauma": {"pain_after_fall": True},
    "cannot_bear_weight": {"cannot_bear_weight": True},
    "neurological_symptoms": {"numbness_or_tingling": True},
    "systemic_symptoms": {"fever_or_unwell": True},
    "night_pain": {"night_pain": True},
    "cancer_history": {"history_of_cancer": True},
    "unexplained_weight_loss": {"unexplained_weight_loss": True},
    "hot_swollen_joint": {"hot_swollen_joint": True},
    "cauda_equina_signs": {"saddle_numbness": True},
}


def test_office_worker_gets_ranked_factors_with_evidence_and_chaining():
    report = hipguide.assess(OFFICE)
    assert report.status == "ok"
    ids = [f.id for f in report.factors]
    assert {"prolonged_sitting", "sedentary_lifestyle", "tight_hip_flexors",
            "previous_injury", "compensation_pattern", "poor_ergonomics"} <= set(ids)
    confidences = [f.confidence for f in report.factors]
    assert confidences == sorted(confidences, reverse=True)
    sitting = next(f for f in report.factors if f.id == "prolonged_sitting")
    assert sitting.evidence == ["sits 9.5 h a day"] and sitting.rules == ["F-SIT-01"]
    # tight_hip_flexors is derived from the prolonged_sitting factor (chaining)
    tight = next(f for f in report.factors if f.id == "tight_hip_flexors")
    assert any(b.startswith("factor prolonged_sitting") for b in tight.basis)


def test_every_recommendation_addresses_a_concluded_factor_and_carries_the_disclaimer():
    report = hipguide.assess(OFFICE)
    factor_ids = {f.id for f in report.factors}
    assert report.recommendations
    for rec in report.recommendations:
        assert rec.addresses and set(rec.addresses) <= factor_ids
        assert rec.dose and rec.steps and rec.progression and rec.regression
        assert "health professional" in rec.disclaimer
    assert "clinician" in report.disclaimer
    assert report.knowledge_version and report.reassess
    # no licensed clinician has reviewed the knowledge base: no review date is printed
    assert report.knowledge_reviewed == ""
    assert "not yet reviewed by a licensed clinician" in report.review_status.lower()


def test_each_red_flag_refers_and_suppresses_every_exercise():
    for flag, symptoms in RED_FLAG_SYMPTOMS.items():
        report = hipguide.assess({**OFFICE, "symptoms": {**OFFICE["symptoms"], **symptoms}})
        assert report.status == "refer", flag
        assert flag in [r.id for r in report.red_flags], flag
        assert report.recommendations == [], flag
        assert report.referral and report.disclaimer


def test_recent_surgery_is_a_red_flag_but_older_surgery_is_not():
    """Three months for most operations, six for the hip (whose operated hip
    then keeps its precautions)."""
    def operated(site, months):
        return {**OFFICE, "injuries": [{"site": site, "months_ago": months, "surgery": True}]}

    assert [r.id for r in hipguide.assess(operated("knee", 2)).red_flags] == ["recent_surgery"]
    assert hipguide.assess(operated("knee", 3)).status == "ok"
    assert [r.id for r in hipguide.assess(operated("hip", 5)).red_flags] == ["recent_surgery"]
    older_hip = hipguide.assess(operated("hip", 6))
    assert older_hip.status == "ok"
    assert [p.id for p in older_hip.precautions] == ["hip_surgery_unknown"]


def test_report_leads_with_the_most_urgent_red_flag():
    report = hipguide.assess({"sitting_hours": 4, "age": 40, "symptoms": {
        "night_pain": True, "pain_after_fall": True, "cannot_bear_weight": True}})
    assert report.urgency == "emergency"
    assert report.red_flags[0].id == "cannot_bear_weight"
    assert [r.urgency for r in report.red_flags] == ["emergency", "urgent", "soon"]
    older = hipguide.assess({"sitting_hours": 4, "age": 70, "symptoms": {
        "night_pain": True, "pain_after_fall": True}})  # a fall at 70: same day
    assert [r.urgency for r in older.red_flags] == ["same_day", "soon"]


def test_cautions_follow_the_person():
    older = {**OFFICE, "age": 72}
    stance = next(r for r in hipguide.assess(
        {**older, "symptoms": {"limited_rotation": True}}).recommendations
        if r.id == "single_leg_stance")
    assert any("wall" in c or "support" in c for c in stance.cautions)
    assert "C-BAL-02" in hipguide.assess(older).rules_fired
    assert "C-BAL-02" not in hipguide.assess(OFFICE).rules_fired


def test_invalid_mapping_gives_invalid_report_not_exception():
    report = hipguide.assess({"siting_hours": 9, "age": True})
    assert report.status == "invalid"
    fields = {e["field"] for e in report.errors}
    assert {"siting_hours", "age"} <= fields
    assert any("sitting_hours" in e["message"] for e in report.errors)
    assert report.factors == [] and report.recommendations == []
    assert report.disclaimer


def test_no_findings_still_ends_with_disclaimer():
    report = hipguide.assess({"sitting_hours": 1, "activity_level": "active"})
    assert report.status == "ok" and report.factors == [] and report.recommendations == []
    assert report.disclaimer


def test_same_intake_same_report_whatever_came_before():
    first = hipguide.assess(OFFICE).as_dict()
    hipguide.assess({"sitting_hours": 3, "symptoms": {"hip_pain": 9}})
    assert hipguide.assess(OFFICE).as_dict() == first
