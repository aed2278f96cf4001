"""Recording lab panels, corrections and deletions (with their audit records), series
with change from baseline, the abnormal-results worklist and screening lab results
feeding eligibility."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from oncotrial.apps.audit.models import AuditRecord
from oncotrial.apps.crfs import locks
from oncotrial.apps.crfs.locks import Locked
from oncotrial.apps.labs import selectors, services
from oncotrial.apps.labs.models import LabResult
from oncotrial.apps.records import RecordConflict
from oncotrial.apps.screening import services as screening
from oncotrial.apps.visits.models import Visit
from tests.apps.sarcoma_values import COMPLETE

from .conftest import FIRST_DOSE, SARCOMA

BLOOD = {
    "WBC": {"value": 5.2, "unit": "10^9/L"},
    "ANC": {"value": "1.2"},
    "haemoglobin": {"value": 12.1, "unit": "g/dL"},
    "platelets": {"value": 210},
}


def _audit(result, action=None):
    rows = AuditRecord.objects.filter(entity="labs.labresult", entity_id=str(result.pk))
    return rows.filter(action=action) if action else rows


def test_a_panel_saves_every_analyte_with_ranges_flags_and_audit(subject, coordinator):
    baseline = Visit.objects.get(subject=subject, visit_id="baseline")
    saved = services.record_panel(
        coordinator, subject, "blood_routine", "2024-01-14", BLOOD, visit=baseline
    )
    by = {r.analyte: r for r in saved}
    assert sorted(by) == ["anc", "hemoglobin", "platelets", "wbc"]
    anc = by["anc"]
    assert (anc.value, anc.unit, anc.lower_limit, anc.upper_limit) == (1.2, "10^9/L", 1.8, 6.3)
    assert anc.flag == "L"
    hb = by["hemoglobin"]
    # the catalogue range 115–175 g/L in the unit entered: 11.5–17.5 g/dL
    assert (hb.unit, hb.lower_limit, hb.upper_limit) == ("g/dL", 11.5, 17.5)
    assert hb.flag == ""
    assert by["platelets"].flag == ""
    assert by["wbc"].flag == ""
    assert all(r.visit == baseline and r.collection_date == dt.date(2024, 1, 14) for r in saved)
    for r in saved:
        created = _audit(r, AuditRecord.Action.CREATE)
        assert set(created.values_list("field", flat=True)) >= {"analyte", "value", "unit"}
        assert created.get(field="value").new_value == str(r.value)
        assert created.first().username == coordinator.username
        assert created.first().subject_ref == subject.subject_number


def test_the_laboratory_range_overrides_the_catalogue_and_gives_xuln(subject, coordinator):
    (bili,) = services.record_panel(
        coordinator,
        subject,
        "liver_function",
        "2024-01-14",
        {"total bilirubin": {"value": 30, "unit": "µmol/L", "lower_limit": 2, "upper_limit": 20}},
    )
    assert (bili.unit, bili.lower_limit, bili.upper_limit) == ("umol/L", 2, 20)
    assert bili.times_uln == 1.5
    assert bili.flag == "H"


def test_a_panel_with_problems_saves_nothing_and_names_each_analyte(subject, coordinator):
    before = (LabResult.objects.count(), AuditRecord.objects.count())
    with pytest.raises(ValidationError) as err:
        services.record_panel(
            coordinator,
            subject,
            "blood_routine",
            "2024-01-14",
            {
                "WBC": {"value": 5.2, "unit": "g/dL"},
                "ANC": {"value": -1},
                "haemoglobin": {"value": 125, "unit": "g/dL"},
                "platelets": {"value": 210},
                "ALT": {"value": 30},
                "unobtainium": {"value": 1},
            },
        )
    errors = err.value.message_dict
    assert "g/dL is not a unit of White blood cells" in errors["wbc"][0]
    assert errors["anc"] == ["Absolute neutrophil count cannot be negative."]
    assert "physiological limit" in errors["hemoglobin"][0]
    assert "ALT is not in Blood routine examination" in errors["alt"][0]
    assert "unknown laboratory analyte 'unobtainium'" in errors["unobtainium"][0]
    assert "platelets" not in errors
    assert (LabResult.objects.count(), AuditRecord.objects.count()) == before


def test_panel_checks_the_date_the_assessment_and_the_range(subject, coordinator):
    with pytest.raises(ValidationError) as err:
        services.record_panel(coordinator, subject, "ct_abdomen", "2024-01-14", {"WBC": 5})
    assert "not a lab assessment" in err.value.message_dict["assessment_id"][0]
    future = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    with pytest.raises(ValidationError) as err:
        services.record_panel(
            coordinator,
            subject,
            "blood_routine",
            future,
            {"WBC": {"value": 5, "lower_limit": 10, "upper_limit": 4}},
        )
    assert err.value.message_dict["collection_date"] == ["The collection date is in the future."]
    assert "must be below the upper" in err.value.message_dict["wbc"][0]
    with pytest.raises(ValidationError) as err:
        services.record_panel(coordinator, subject, "blood_routine", "2024-01-14", {"WBC": ""})
    assert "Enter at least one result" in err.value.message_dict["results"][0]
    day1 = Visit.objects.get(subject=subject, visit_id="day1")
    with pytest.raises(ValidationError) as err:
        services.record_panel(
            coordinator, subject, "blood_routine", "2024-01-15", {"WBC": 5}, visit=day1
        )
    assert "not collected at" in err.value.message_dict["visit"][0]
    assert LabResult.objects.count() == 0


def test_roles_without_data_entry_and_other_sites_are_refused(
    subject, monitor, other_site_investigator
):
    for user in (monitor, other_site_investigator):
        with pytest.raises(PermissionDenied):
            services.record_panel(user, subject, "blood_routine", "2024-01-14", {"WBC": 5})
    assert LabResult.objects.count() == 0


def test_a_correction_needs_a_reason_and_converts_the_limits(subject, coordinator):
    (bili,) = services.record_panel(
        coordinator, subject, "liver_function", "2024-01-14", {"total bilirubin": 34.2}
    )
    with pytest.raises(ValidationError) as err:
        services.change_result(coordinator, bili, {"value": 30}, expected_version=1, reason="")
    assert "reason" in err.value.message_dict
    # the same result re-entered in mg/dL: 2.0 mg/dL, limits 3.4–20.5 µmol/L ÷ 17.1
    changed = services.change_result(
        coordinator,
        bili,
        {"value": 2.0, "unit": "mg/dL"},
        expected_version=1,
        reason="report in mg/dL",
    )
    assert (changed.value, changed.unit, changed.version) == (2.0, "mg/dL", 2)
    assert changed.upper_limit == pytest.approx(20.5 / 17.1, abs=1e-6)
    assert changed.value_in_default_unit == pytest.approx(34.2)
    updates = _audit(changed, AuditRecord.Action.UPDATE)
    assert set(updates.values_list("field", flat=True)) == {
        "value",
        "unit",
        "lower_limit",
        "upper_limit",
    }
    value = updates.get(field="value")
    assert (value.old_value, value.new_value, value.reason) == ("34.2", "2.0", "report in mg/dL")
    with pytest.raises(RecordConflict):
        services.change_result(coordinator, bili, {"value": 1.9}, expected_version=1, reason="x")
    with pytest.raises(ValidationError) as err:
        services.change_result(
            coordinator, changed, {"value": -3}, expected_version=2, reason="typo"
        )
    assert "cannot be negative" in err.value.message_dict["value"][0]


def test_a_deletion_needs_a_reason_and_is_audited(subject, coordinator):
    (wbc,) = services.record_panel(coordinator, subject, "blood_routine", "2024-01-14", {"WBC": 5})
    with pytest.raises(ValidationError):
        services.delete_result(coordinator, wbc, expected_version=1, reason=" ")
    services.delete_result(coordinator, wbc, expected_version=1, reason="wrong patient")
    assert not LabResult.objects.filter(pk=wbc.pk).exists()
    deleted = _audit(wbc, AuditRecord.Action.DELETE)
    assert deleted.get(field="value").old_value == "5.0"
    assert set(deleted.values_list("reason", flat=True)) == {"wrong patient"}


def test_locked_visit_refuses_entry(subject, coordinator, data_manager, sirolimus):
    baseline = Visit.objects.get(subject=subject, visit_id="baseline")
    locks.lock(data_manager, sirolimus, "visit", visit=baseline, reason="reviewed")
    with pytest.raises(Locked):
        services.record_panel(
            coordinator, subject, "blood_routine", "2024-01-14", {"WBC": 5}, visit=baseline
        )
    assert LabResult.objects.count() == 0


def test_ca19_9_series_changes_from_the_baseline_before_the_first_dose(subject, coordinator):
    # 2024-01-10 and 2024-01-14 are on or before the first dose (2024-01-15): baseline is
    # the later, 400 U/mL. Then 300 (−25 %), 120 (−70 %), 200 (−50 %).
    for date, value in [
        ("2024-01-10", 380),
        ("2024-01-14", 400),
        ("2024-02-05", 300),
        ("2024-02-26", 120),
        ("2024-03-18", 200),
    ]:
        services.record_panel(coordinator, subject, "ca19_9", date, {"CA19-9": value})
    one = selectors.series(subject, "ca19_9")
    assert one.baseline_date == FIRST_DOSE
    assert one.baseline is not None
    assert one.baseline.value == 400
    assert [p.change.percent if p.change else None for p in one.points] == [
        None,
        None,
        pytest.approx(-25.0),
        pytest.approx(-70.0),
        pytest.approx(-50.0),
    ]
    assert one.best is not None
    assert one.best.percent == pytest.approx(-70.0)
    assert one.best.absolute == -280
    (table,) = [t for t in selectors.subject_tables(subject) if t.assessment_id == "ca19_9"]
    assert table.single is not None
    assert len(table.rows) == 5
    qualitative = [t for t in selectors.subject_tables(subject) if t.problem]
    assert qualitative == []


def test_series_compare_results_in_different_units(subject, coordinator):
    services.record_panel(
        coordinator, subject, "liver_function", "2024-01-14", {"total bilirubin": 17.1}
    )
    services.record_panel(
        coordinator,
        subject,
        "liver_function",
        "2024-02-14",
        {"total bilirubin": {"value": 2.0, "unit": "mg/dL"}},
    )
    one = selectors.series(subject, "bilirubin")
    assert one.points[-1].value == pytest.approx(34.2)
    assert one.points[-1].change.percent == pytest.approx(100.0)


def test_without_a_first_dose_the_baseline_is_at_enrollment(
    sirolimus, coordinator, conduct_candidate
):
    from oncotrial.apps.subjects import services as subject_services

    subject = subject_services.enroll(
        coordinator, conduct_candidate(sirolimus), dt.date(2024, 2, 1)
    )
    services.record_panel(coordinator, subject, "ca19_9", "2024-01-30", {"CA19-9": 100})
    services.record_panel(coordinator, subject, "ca19_9", "2024-02-20", {"CA19-9": 150})
    one = selectors.series(subject, "ca19_9")
    assert one.baseline_date == dt.date(2024, 2, 1)
    assert one.points[-1].change.percent == pytest.approx(50.0)


def test_worklist_lists_abnormal_results_of_the_users_sites_only(
    sirolimus, subject, coordinator, other_site_investigator, monitor, conduct_candidate
):
    from oncotrial.apps.subjects import services as subject_services

    services.record_panel(coordinator, subject, "blood_routine", "2024-01-14", BLOOD)
    s02 = subject_services.enroll(
        other_site_investigator, conduct_candidate(sirolimus, "S02"), dt.date(2024, 1, 10)
    )
    services.record_panel(
        other_site_investigator, s02, "blood_routine", "2024-01-14", {"platelets": 60}
    )
    mine = list(selectors.out_of_range(coordinator, sirolimus))
    assert [(r.subject.subject_number, r.analyte) for r in mine] == [
        (subject.subject_number, "anc")
    ]
    theirs = list(selectors.out_of_range(other_site_investigator, sirolimus))
    assert [r.analyte for r in theirs] == ["platelets"]
    assert len(selectors.out_of_range(monitor, sirolimus)) == 2


# --------------------------------------------------------------------------- screening


@pytest.fixture
def sarcoma_candidate(conduct_study, conduct_member):
    study = conduct_study(SARCOMA)
    coordinator = conduct_member(study, "coordinator", "S01", username="sarcoma-coord")
    from oncotrial.apps.accounts.models import Site

    candidate = screening.register_candidate(
        coordinator,
        study,
        Site.objects.get(code="S01"),
        initials="LB",
        full_name="Lab Bili",
        date_of_birth=dt.date(1970, 5, 17),
        sex="male",
        screening_date=dt.date(2025, 3, 3),
    )
    values = {k: v for k, v in COMPLETE.items() if k != "bilirubin"}
    screening.record_screening_values(coordinator, candidate, values)
    return candidate, coordinator


def _criterion(candidate, criterion_id):
    candidate.refresh_from_db()
    result = screening.evaluate(candidate)
    return next(c for c in result.criteria if c.id == criterion_id)


def test_screening_bilirubin_at_1_5_uln_meets_the_sarcoma_organ_function_criterion(
    sarcoma_candidate,
):
    # I5 of the sarcoma trial: total bilirubin <= 1.5 xULN. 30 µmol/L with ULN 20 is
    # exactly 1.5 xULN: met.
    candidate, coordinator = sarcoma_candidate
    assert _criterion(candidate, "I5").eligible_for_criterion is None  # bilirubin missing
    services.record_screening_labs(
        coordinator,
        candidate,
        {"total bilirubin": {"value": 30, "unit": "µmol/L", "upper_limit": 20}},
    )
    stored = candidate.values.get(variable="bilirubin")
    assert (stored.value, stored.unit) == (1.5, "xULN")
    assert _criterion(candidate, "I5").eligible_for_criterion is True
    audit = AuditRecord.objects.filter(entity="screening.screeningvalue", entity_id=str(stored.pk))
    assert audit.get(field="value").new_value == "1.5"


def test_screening_bilirubin_above_1_5_uln_fails_it_and_haemoglobin_is_converted(
    sarcoma_candidate,
):
    # 34 µmol/L with ULN 20 = 1.7 xULN > 1.5: I5 not met. Haemoglobin 85 g/L is 8.5
    # g/dL, below the criterion's 90 g/L.
    candidate, coordinator = sarcoma_candidate
    services.record_screening_labs(
        coordinator,
        candidate,
        {
            "total bilirubin": {"value": 34, "unit": "umol/L", "upper_limit": 20},
            "haemoglobin": {"value": 85, "unit": "g/L"},
        },
        reason="screening laboratory report",
    )
    assert candidate.values.get(variable="bilirubin").value == 1.7
    hb = candidate.values.get(variable="hemoglobin")
    assert (hb.value, hb.unit) == (8.5, "g/dL")
    i5 = _criterion(candidate, "I5")
    assert i5.eligible_for_criterion is False


def test_screening_labs_name_the_analyte_that_cannot_be_used(sarcoma_candidate):
    candidate, coordinator = sarcoma_candidate
    before = AuditRecord.objects.count()
    with pytest.raises(ValidationError) as err:
        services.record_screening_labs(
            coordinator, candidate, {"urea": 5.0, "total bilirubin": {"value": -2}}
        )
    assert err.value.message_dict["urea"] == ["Urea does not give a screening variable."]
    assert "cannot be negative" in err.value.message_dict["total bilirubin"][0]
    assert AuditRecord.objects.count() == before
