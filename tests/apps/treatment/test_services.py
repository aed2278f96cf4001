"""Treatment services: administrations (drug doses and radiotherapy fractions), surgery,
end of treatment and next-line therapy. Each test checks the outcome, the field message
of a refused entry, and the audit records written."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from oncotrial.apps.records import RecordConflict
from oncotrial.apps.subjects.models import AnchorEvent, Subject
from oncotrial.apps.treatment import services
from oncotrial.apps.treatment.models import Administration, EndOfTreatment, Surgery
from oncotrial.apps.visits.models import Visit
from tests.apps.crfs.audit_helpers import audit_written

SARCOMA = "anlotinib-toripalimab-sarcoma.yaml"
SURGERY = "surgery-liver-metastatic-pancreatic-cancer.yaml"
RADIOTHERAPY = "intestinal-radiotherapy-pd1.yaml"
COHORT = {"treated_before_study_start": False}
"""Screening value placing a subject of the surgery study in the prospective cohort."""

ANLOTINIB = {
    "intervention_id": "anlotinib",
    "cycle": 1,
    "day": 1,
    "date": dt.date(2024, 1, 15),
    "dose": Decimal("12"),
    "dose_unit": "mg",
}


def messages(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return exc.value.message_dict


def refused(call, *args, **kwargs) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as exc:
        call(*args, **kwargs)
    return messages(exc)


# --------------------------------------------------------------------------- administrations


@pytest.mark.django_db
def test_first_administration_starts_treatment_and_records_the_first_dose(world):
    w = world(SARCOMA, anchor=None)
    assert w.subject.status == Subject.Status.ENROLLED
    with audit_written() as written:
        given = services.record_administration(w.coordinator, w.subject, ANLOTINIB)
    w.subject.refresh_from_db()
    assert w.subject.status == Subject.Status.ON_TREATMENT
    assert AnchorEvent.objects.get(subject=w.subject, anchor="first_dose").date == dt.date(
        2024, 1, 15
    )
    created = [
        r.field
        for r in written.records
        if r.entity == "treatment.administration" and r.action == "create"
    ]
    assert created == list(Administration.audited_fields)
    status = [r for r in written.records if r.entity == "subjects.subject" and r.field == "status"]
    assert [(r.old_value, r.new_value) for r in status] == [("enrolled", "on_treatment")]
    assert given.subject_id == w.subject.pk
    assert given.version == 1
    # the calendar is now timed from the first dose
    assert Visit.objects.filter(subject=w.subject, visit_id="treatment_cycle").exists()


@pytest.mark.django_db
def test_dose_unit_of_another_dimension_is_refused(world):
    w = world(SARCOMA)
    errors = refused(
        services.record_administration,
        w.coordinator,
        w.subject,
        {**ANLOTINIB, "dose_unit": "mg/m2"},
    )
    assert errors["dose_unit"] == [
        "mg/m2 is not a unit of Anlotinib hydrochloride's dose, which the protocol gives in "
        "mg (mass)."
    ]
    assert not Administration.objects.exists()


@pytest.mark.django_db
def test_dose_in_grams_is_a_mass_and_accepted(world):
    w = world(SARCOMA)
    given = services.record_administration(
        w.coordinator, w.subject, {**ANLOTINIB, "dose": Decimal("0.012"), "dose_unit": "g"}
    )
    assert given.dose_unit == "g"


@pytest.mark.django_db
def test_unknown_unit_intervention_and_day_beyond_the_cycle(world):
    w = world(SARCOMA)
    errors = refused(
        services.record_administration,
        w.coordinator,
        w.subject,
        {**ANLOTINIB, "dose_unit": "mgs", "day": 22},
    )
    assert errors["dose_unit"][0].startswith("Unknown unit 'mgs'")
    assert errors["day"] == ["Day 22 is beyond the 21-day cycle of Anlotinib hydrochloride."]
    errors = refused(
        services.record_administration,
        w.coordinator,
        w.subject,
        {**ANLOTINIB, "intervention_id": "sirolimus"},
    )
    assert errors["intervention_id"] == [
        "Unknown intervention 'sirolimus' for this subject's arm; choose one of anlotinib, "
        "toripalimab."
    ]


@pytest.mark.django_db
def test_modification_needs_a_reason_and_an_omitted_dose_has_no_dose(world):
    w = world(SARCOMA)
    errors = refused(
        services.record_administration,
        w.coordinator,
        w.subject,
        {**ANLOTINIB, "dose": Decimal("10"), "modification": "reduced"},
    )
    assert errors == {"modification_reason": ["Give the reason the administration was modified."]}
    errors = refused(
        services.record_administration,
        w.coordinator,
        w.subject,
        {**ANLOTINIB, "modification": "omitted", "modification_reason": "grade 3 hypertension"},
    )
    assert errors == {"dose": ["An omitted administration has no dose."]}
    omitted = services.record_administration(
        w.coordinator,
        w.subject,
        {
            **ANLOTINIB,
            "dose": None,
            "dose_unit": "",
            "modification": "omitted",
            "modification_reason": "grade 3 hypertension",
        },
    )
    assert not omitted.given


@pytest.mark.django_db
def test_dates_in_the_future_or_before_enrollment_are_refused(world):
    w = world(SARCOMA)
    future = dt.date.today() + dt.timedelta(days=1)
    errors = refused(
        services.record_administration, w.coordinator, w.subject, {**ANLOTINIB, "date": future}
    )
    assert errors["date"] == ["The administration date cannot be in the future."]
    errors = refused(
        services.record_administration,
        w.coordinator,
        w.subject,
        {**ANLOTINIB, "date": dt.date(2024, 1, 9)},
    )
    assert errors["date"] == ["The administration date is before enrollment (2024-01-10)."]


@pytest.mark.django_db
def test_visit_of_another_subject_is_refused(world):
    w = world(SARCOMA)
    visit = Visit.objects.filter(subject=w.other_subject).first()
    errors = refused(
        services.record_administration, w.coordinator, w.subject, {**ANLOTINIB, "visit": visit}
    )
    assert errors["visit"] == ["This visit is not one of the subject's."]


@pytest.mark.django_db
def test_another_sites_subject_and_a_read_only_role_are_refused(world):
    from django.core.exceptions import PermissionDenied

    w = world(SARCOMA)
    with pytest.raises(PermissionDenied):
        services.record_administration(w.coordinator, w.other_subject, ANLOTINIB)
    with pytest.raises(PermissionDenied):
        services.record_administration(w.monitor, w.subject, ANLOTINIB)
    assert not Administration.objects.exists()


@pytest.mark.django_db
def test_change_needs_a_reason_and_the_version_read(world):
    w = world(SARCOMA)
    given = services.record_administration(w.coordinator, w.subject, ANLOTINIB)
    errors = refused(
        services.change_administration,
        w.coordinator,
        given,
        {"dose": Decimal("10")},
        expected_version=1,
        reason="",
    )
    assert errors == {"reason": ["Give a reason for changing what was saved."]}
    with audit_written() as written:
        changed = services.change_administration(
            w.coordinator,
            given,
            {"dose": Decimal("10"), "modification": "reduced", "modification_reason": "G2 HFS"},
            expected_version=1,
            reason="transcription error",
        )
    assert changed.version == 2
    assert changed.dose == Decimal("10")
    assert sorted(r.field for r in written.records) == [
        "dose",
        "modification",
        "modification_reason",
    ]
    assert {r.reason for r in written.records} == {"transcription error"}
    assert written.records[0].old_value == "12.0000"
    with pytest.raises(RecordConflict):
        services.change_administration(
            w.coordinator, given, {"dose": Decimal("8")}, expected_version=1, reason="again"
        )


@pytest.mark.django_db
def test_delete_is_audited(world):
    w = world(SARCOMA, anchor=None)
    given = services.record_administration(w.coordinator, w.subject, ANLOTINIB)
    with audit_written() as written:
        services.delete_record(
            w.coordinator, given, expected_version=1, reason="entered for the wrong subject"
        )
    assert not Administration.objects.exists()
    deleted = [r for r in written.records if r.entity == "treatment.administration"]
    assert {r.action for r in deleted} == {"delete"}
    assert len(deleted) == len(Administration.audited_fields)
    # the first-dose event it recorded stays (events are corrected on the subject page),
    # and with it the subject's treatment start
    w.subject.refresh_from_db()
    assert w.subject.status == Subject.Status.ON_TREATMENT
    assert AnchorEvent.objects.filter(subject=w.subject, anchor="first_dose").exists()


# --------------------------------------------------------------------------- radiotherapy


def _fraction(number: int, dose: str = "1", intervention: str = "ildr_2gy") -> dict:
    return {
        "intervention_id": intervention,
        "date": dt.date(2024, 1, 15) + dt.timedelta(days=7 * (number - 1)),
        "fraction_number": number,
        "fraction_dose_gy": Decimal(dose),
    }


@pytest.mark.django_db
def test_radiotherapy_fractions_follow_the_fractionation(world):
    """ILDR 2 Gy: 1 Gy per weekly fraction to a total of 2 Gy, so two fractions."""
    w = world(RADIOTHERAPY, anchor="first_radiotherapy", arm_id="ildr_2gy_pd1")
    assert (
        services.planned_fractions(
            next(
                i
                for i in services.arm_interventions(
                    __import__("oncotrial.apps.studies.selectors", fromlist=["x"]).protocol_of(
                        w.subject.protocol_version
                    ),
                    w.subject.arm_id,
                )
                if i.id == "ildr_2gy"
            )
        )
        == 2
    )
    with audit_written() as written:
        first = services.record_administration(w.coordinator, w.subject, _fraction(1))
    assert first.fraction_dose_gy == Decimal("1")
    assert [r.new_value for r in written.records if r.field == "fraction_number"] == ["1"]
    errors = refused(services.record_administration, w.coordinator, w.subject, _fraction(1))
    assert errors["fraction_number"] == ["Fraction 1 is already recorded."]
    errors = refused(
        services.record_administration, w.coordinator, w.subject, _fraction(2, dose="1.5")
    )
    assert errors["fraction_dose_gy"] == [
        "The total dose would be 2.5 Gy, above the 2 Gy the protocol plans for Intestinal low "
        "dose radiotherapy, 2 Gy."
    ]
    services.record_administration(w.coordinator, w.subject, _fraction(2))
    errors = refused(services.record_administration, w.coordinator, w.subject, _fraction(3))
    assert errors["fraction_number"][0] == (
        "Intestinal low dose radiotherapy, 2 Gy plans 2 fractions; fraction 3 is beyond the plan."
    )
    errors = refused(
        services.record_administration,
        w.coordinator,
        w.subject,
        {**_fraction(1, intervention="ildr_3gy")},
    )
    assert errors["intervention_id"][0].startswith("Unknown intervention 'ildr_3gy'")


@pytest.mark.django_db
def test_radiotherapy_needs_a_fraction_and_drugs_have_none(world):
    w = world(RADIOTHERAPY, anchor="first_radiotherapy", arm_id="ildr_1gy_pd1")
    errors = refused(
        services.record_administration,
        w.coordinator,
        w.subject,
        {"intervention_id": "ildr_1gy", "date": dt.date(2024, 1, 15), "dose": 1, "dose_unit": "Gy"},
    )
    assert errors["fraction_number"] == [
        "Give the fraction number of Intestinal low dose radiotherapy, 1 Gy."
    ]
    assert errors["dose"] == ["Radiotherapy is recorded as the fraction dose in Gy."]
    errors = refused(
        services.record_administration,
        w.coordinator,
        w.subject,
        {
            "intervention_id": "pd1_inhibitor",
            "date": dt.date(2024, 1, 15),
            "fraction_number": 1,
            "dose": 200,
            "dose_unit": "mg",
        },
    )
    assert errors == {"fraction_number": ["Only radiotherapy is given in fractions."]}


# --------------------------------------------------------------------------- surgery

WHIPPLE = {
    "date": dt.date(2024, 5, 20),
    "procedure": "whipple",
    "intent": "radical",
    "resection_margin": "R0",
}


@pytest.mark.django_db
def test_surgery_records_the_surgery_event_and_replans_the_calendar(world):
    w = world(SURGERY, anchor="treatment_start", values=COHORT, regimen="ag")
    assert not Visit.objects.filter(subject=w.subject, anchor="surgery").exists()
    with audit_written() as written:
        surgery = services.record_surgery(w.investigator, w.subject, WHIPPLE)
    assert AnchorEvent.objects.get(subject=w.subject, anchor="surgery").date == dt.date(2024, 5, 20)
    day_of_surgery = Visit.objects.get(subject=w.subject, visit_id="surgery_day")
    assert day_of_surgery.target_date == dt.date(2024, 5, 20)
    post_op = Visit.objects.filter(subject=w.subject, visit_id="postoperative_days")
    assert post_op.exists()
    assert min(v.target_date for v in post_op) > dt.date(2024, 5, 20)
    entities = {r.entity for r in written.records}
    assert {"treatment.surgery", "subjects.anchorevent", "visits.visit"} <= entities
    assert surgery.procedure_label == "Pancreaticoduodenectomy (Whipple)"
    # correcting the date moves the event and the visits timed from it
    services.change_surgery(
        w.investigator,
        surgery,
        {"date": dt.date(2024, 5, 22)},
        expected_version=1,
        reason="operation note re-read",
    )
    day_of_surgery.refresh_from_db()
    assert day_of_surgery.target_date == dt.date(2024, 5, 22)


@pytest.mark.django_db
def test_surgery_other_procedure_needs_a_description(world):
    w = world(SURGERY, anchor="treatment_start", values=COHORT, regimen="ag")
    errors = refused(
        services.record_surgery,
        w.investigator,
        w.subject,
        {**WHIPPLE, "procedure": "other"},
    )
    assert errors == {"procedure_other": ["Describe the procedure."]}
    errors = refused(
        services.record_surgery,
        w.investigator,
        w.subject,
        {**WHIPPLE, "procedure": "ablation"},
    )
    assert errors == {"resection_margin": ["An ablation has no resection margin."]}
    errors = refused(
        services.record_surgery, w.investigator, w.subject, {**WHIPPLE, "intent": "curative"}
    )
    assert "intent" in errors


@pytest.mark.django_db
def test_surgery_in_a_study_without_a_surgery_event_records_no_event(world):
    w = world(SARCOMA)
    services.record_surgery(
        w.coordinator,
        w.subject,
        {**WHIPPLE, "procedure": "other", "procedure_other": "Wide excision of thigh mass"},
    )
    assert not AnchorEvent.objects.filter(subject=w.subject, anchor="surgery").exists()
    assert Surgery.objects.get().procedure_label == "Other: Wide excision of thigh mass"


# --------------------------------------------------------------------------- end of treatment


def _dose(w, date: dt.date, cycle: int = 1) -> Administration:
    return services.record_administration(
        w.coordinator, w.subject, {**ANLOTINIB, "date": date, "cycle": cycle}
    )


@pytest.mark.django_db
def test_end_of_treatment_moves_to_follow_up_and_times_follow_up(world):
    w = world(SARCOMA)
    _dose(w, dt.date(2024, 1, 15))
    _dose(w, dt.date(2024, 2, 5), cycle=2)
    errors = refused(
        services.record_end_of_treatment,
        w.coordinator,
        w.subject,
        {"date": dt.date(2024, 2, 20), "primary_reason": "progression"},
    )
    assert errors == {
        "last_dose_date": ["Give the date of last dose (administrations are recorded)."]
    }
    errors = refused(
        services.record_end_of_treatment,
        w.coordinator,
        w.subject,
        {
            "date": dt.date(2024, 2, 20),
            "primary_reason": "progression",
            "last_dose_date": dt.date(2024, 1, 15),
        },
    )
    assert errors == {
        "last_dose_date": [
            "The latest administration recorded is on 2024-02-05; the date of last dose must "
            "be that date."
        ]
    }
    with audit_written() as written:
        end = services.record_end_of_treatment(
            w.coordinator,
            w.subject,
            {
                "date": dt.date(2024, 2, 20),
                "primary_reason": "progression",
                "last_dose_date": dt.date(2024, 2, 5),
            },
        )
    w.subject.refresh_from_db()
    assert w.subject.status == Subject.Status.FOLLOW_UP
    events = dict(AnchorEvent.objects.filter(subject=w.subject).values_list("anchor", "date"))
    assert events["last_dose"] == dt.date(2024, 2, 5)
    assert events["end_of_treatment"] == dt.date(2024, 2, 20)
    # the end-of-treatment visit is 30 days after the last dose
    eot_visit = Visit.objects.get(subject=w.subject, visit_id="end_of_treatment")
    assert eot_visit.target_date == dt.date(2024, 3, 6)
    assert Visit.objects.filter(subject=w.subject, is_follow_up=True).exists()
    fields = [r.field for r in written.records if r.entity == "treatment.endoftreatment"]
    assert fields == list(EndOfTreatment.audited_fields)
    status = [r for r in written.records if r.entity == "subjects.subject" and r.field == "status"]
    assert [(r.old_value, r.new_value) for r in status] == [("on_treatment", "follow_up")]
    assert end.reason_label == "Disease progression"
    # one per subject; no administration after the last dose
    errors = refused(
        services.record_end_of_treatment,
        w.coordinator,
        w.subject,
        {
            "date": dt.date(2024, 2, 21),
            "primary_reason": "toxicity",
            "last_dose_date": dt.date(2024, 2, 5),
        },
    )
    assert errors["date"] == [
        "The end of treatment is already recorded (2024-02-20); correct it instead."
    ]
    errors = refused(
        services.record_administration,
        w.coordinator,
        w.subject,
        {**ANLOTINIB, "date": dt.date(2024, 2, 10), "cycle": 2},
    )
    assert errors["date"] == [
        "The end of treatment records the last dose on 2024-02-05; this administration is after it."
    ]


@pytest.mark.django_db
def test_end_of_treatment_before_the_last_dose_and_other_without_text(world):
    w = world(SARCOMA)
    _dose(w, dt.date(2024, 1, 15))
    errors = refused(
        services.record_end_of_treatment,
        w.coordinator,
        w.subject,
        {
            "date": dt.date(2024, 1, 14),
            "primary_reason": "other",
            "last_dose_date": dt.date(2024, 1, 15),
        },
    )
    assert errors["date"] == ["The end of treatment is before the last dose (2024-01-15)."]
    assert errors["reason_other"] == ["Describe the reason treatment ended."]


# --------------------------------------------------------------------------- next line


@pytest.mark.django_db
def test_next_line_therapy_for_pfs2(world):
    w = world(SARCOMA)
    _dose(w, dt.date(2024, 1, 15))
    errors = refused(
        services.record_next_line,
        w.coordinator,
        w.subject,
        {
            "line_number": 2,
            "regimen": "Doxorubicin + ifosfamide",
            "start_date": dt.date(2024, 1, 10),
            "progression_date": dt.date(2024, 1, 5),
        },
    )
    assert errors["start_date"] == [
        "A next line starts after study treatment; the last dose is on 2024-01-15."
    ]
    assert errors["progression_date"] == [
        "The progression date is before enrollment (2024-01-10).",
        "The progression is before the start (2024-01-10).",
    ]
    with audit_written() as written:
        line = services.record_next_line(
            w.coordinator,
            w.subject,
            {
                "line_number": 2,
                "regimen": "Doxorubicin + ifosfamide",
                "start_date": dt.date(2024, 3, 1),
                "progression_date": dt.date(2024, 6, 3),
            },
        )
    assert [r.field for r in written.records] == [
        "line_number",
        "regimen",
        "start_date",
        "progression_date",
    ]
    errors = refused(
        services.record_next_line,
        w.coordinator,
        w.subject,
        {"line_number": 2, "regimen": "Gemcitabine", "start_date": dt.date(2024, 7, 1)},
    )
    assert errors == {"line_number": ["Line 2 is already recorded."]}
    assert line.line_number == 2
