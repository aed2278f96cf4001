from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from oncotrial.apps.audit.models import AuditRecord
from oncotrial.apps.screening import selectors, services
from oncotrial.apps.screening.models import (
    Attestation,
    Candidate,
    Consent,
    EligibilityConfirmation,
    ScreeningValue,
)
from oncotrial.apps.studies.selectors import current_version
from oncotrial.apps.studies.services import load_protocol_file
from tests.apps.sarcoma_values import COMPLETE

from .conftest import SCREENING_DATE, attest_all

pytestmark = pytest.mark.django_db


def audit(candidate, entity=None):
    records = AuditRecord.objects.filter(subject_ref=candidate.screening_number)
    if entity:
        records = records.filter(entity=entity)
    return list(records.order_by("id"))


# --------------------------------------------------------------------------- register


def test_register_generates_a_number_per_site_and_audits_every_field(
    sarcoma_study, study_sites, coordinator, other_site_staff
):
    first = services.register_candidate(
        coordinator, sarcoma_study, study_sites["SH01"], screening_date=SCREENING_DATE
    )
    second = services.register_candidate(
        coordinator, sarcoma_study, study_sites["SH01"], screening_date=SCREENING_DATE
    )
    elsewhere = services.register_candidate(
        other_site_staff["coordinator"],
        sarcoma_study,
        study_sites["BJ02"],
        screening_date=SCREENING_DATE,
    )

    assert [first.screening_number, second.screening_number] == ["S-SH01-001", "S-SH01-002"]
    assert elsewhere.screening_number == "S-BJ02-001"
    assert first.version == 1
    assert first.protocol_version == current_version(sarcoma_study)
    records = audit(first, "screening.candidate")
    assert {r.field for r in records} == {
        "screening_number",
        "site_id",
        "protocol_version_id",
        "initials",
        "full_name",
        "date_of_birth",
        "sex",
        "screening_date",
        "status",
    }
    assert all(r.action == "create" and r.username == "sts_coordinator" for r in records)
    assert {r.site_code for r in records} == {"SH01"}


def test_register_with_a_given_number_refuses_a_duplicate(sarcoma_study, study_sites, coordinator):
    services.register_candidate(
        coordinator,
        sarcoma_study,
        study_sites["SH01"],
        screening_number="SCR-7",
        screening_date=SCREENING_DATE,
    )
    with pytest.raises(services.ScreeningError) as err:
        services.register_candidate(
            coordinator,
            sarcoma_study,
            study_sites["SH01"],
            screening_number="SCR-7",
            screening_date=SCREENING_DATE,
        )
    assert "already used" in err.value.message_dict["screening_number"][0]
    assert Candidate.objects.count() == 1


def test_register_reports_every_bad_field_and_creates_nothing(
    sarcoma_study, study_sites, coordinator
):
    before = AuditRecord.objects.count()
    with pytest.raises(services.ScreeningError) as err:
        services.register_candidate(
            coordinator,
            sarcoma_study,
            study_sites["SH01"],
            initials="12345678901",
            sex="other",
            date_of_birth=dt.date(2030, 1, 1),
            screening_date=timezone.localdate() + dt.timedelta(days=3),
        )
    assert set(err.value.message_dict) == {"initials", "sex", "date_of_birth", "screening_date"}
    assert Candidate.objects.count() == 0
    assert AuditRecord.objects.count() == before


@pytest.mark.parametrize("role", ["data_manager", "statistician", "monitor", "study_admin"])
def test_roles_without_screen_cannot_register(sarcoma_study, study_sites, staff, role):
    with pytest.raises(PermissionDenied):
        services.register_candidate(
            staff[role], sarcoma_study, study_sites["SH01"], screening_date=SCREENING_DATE
        )
    assert Candidate.objects.count() == 0


def test_a_coordinator_cannot_register_at_another_site(sarcoma_study, study_sites, coordinator):
    with pytest.raises(PermissionDenied):
        services.register_candidate(
            coordinator, sarcoma_study, study_sites["BJ02"], screening_date=SCREENING_DATE
        )


# --------------------------------------------------------------------------- values


def test_values_are_stored_audited_and_bump_the_version(candidate, coordinator):
    services.record_screening_values(
        coordinator, candidate, {"ecog": (1, None), "anc": (1500, "/mm3")}
    )

    assert candidate.version == 2
    stored = {v.variable: (v.value, v.unit) for v in candidate.values.all()}
    assert stored == {"ecog": (1, ""), "anc": (1500, "/mm3")}
    records = audit(candidate, "screening.screeningvalue")
    assert len(records) == 6
    assert {(r.field, r.new_value) for r in records} >= {("value", "1500"), ("unit", "/mm3")}


def test_a_72_year_old_fails_the_age_criterion_with_the_reason(candidate, coordinator):
    services.record_screening_values(coordinator, candidate, {"age": (72, "years")})

    result = services.evaluate(candidate)

    assert result.outcome == "not_eligible"
    age = result.criterion("age_range")
    assert age.status == "not_met"
    assert "age 72 years is above the maximum of 70" in age.reason
    assert result.criterion("I2").status == "not_met"
    candidate.refresh_from_db()
    assert candidate.status == Candidate.Status.SCREEN_FAILED
    assert "age 72 years is above the maximum of 70" in candidate.outcome_reason


def test_ecog_3_fails(candidate, coordinator):
    services.record_screening_values(coordinator, candidate, {"ecog": (3, None)})

    result = services.evaluate(candidate)

    assert result.outcome == "not_eligible"
    i2 = result.criterion("I2")
    assert i2.status == "not_met"
    assert "ecog 3 > 2" in i2.reason
    [row] = selectors.screening_log(candidate.registered_by, candidate.study).rows
    assert row.status == "screen_failed"
    assert any("ecog 3 > 2" in reason for reason in row.reasons)


def test_age_comes_from_the_date_of_birth_when_not_entered(candidate):
    result = services.evaluate(candidate)

    age = result.criterion("age_range")
    assert age.status == "met"
    assert "age 54 years" in age.reason


def test_a_complete_candidate_becomes_eligible_after_attestation_and_confirmation(
    candidate, coordinator, investigator
):
    services.record_screening_values(coordinator, candidate, COMPLETE)
    assert services.evaluate(candidate).outcome == "incomplete"
    assert set(services.evaluate(candidate).awaiting_attestation) == set(
        services.checklist_ids(selectors.candidate_protocol(candidate))
    )
    with pytest.raises(services.ScreeningError):
        services.confirm_eligibility(investigator, candidate)

    attest_all(investigator, candidate)
    assert services.evaluate(candidate).outcome == "eligible"
    confirmation = services.confirm_eligibility(investigator, candidate)

    candidate.refresh_from_db()
    assert candidate.status == Candidate.Status.ELIGIBLE
    assert confirmation.evaluation["outcome"] == "eligible"
    assert {c["id"] for c in confirmation.evaluation["criteria"]} >= {"I2", "E3"}
    records = audit(candidate, "screening.eligibilityconfirmation")
    assert [r.field for r in records] == ["confirmed_at", "confirmed_by_id", "evaluation"]
    status = [r for r in audit(candidate, "screening.candidate") if r.field == "status"]
    assert status[-1].new_value == "eligible"


def test_a_coordinator_cannot_attest_or_confirm(candidate, coordinator, investigator):
    services.record_screening_values(coordinator, candidate, COMPLETE)
    attest_all(investigator, candidate)
    version = candidate.version
    before = AuditRecord.objects.count()

    with pytest.raises(PermissionDenied):
        services.confirm_eligibility(coordinator, candidate)
    with pytest.raises(PermissionDenied):
        services.attest(coordinator, candidate, "I1", True)

    candidate.refresh_from_db()
    assert candidate.version == version
    assert candidate.status == Candidate.Status.SCREENING
    assert EligibilityConfirmation.objects.count() == 0
    assert AuditRecord.objects.count() == before


def test_a_value_in_the_wrong_unit_names_the_field_and_changes_nothing(candidate, coordinator):
    before = AuditRecord.objects.count()
    with pytest.raises(services.ScreeningError) as err:
        services.record_screening_values(
            coordinator,
            candidate,
            {"anc": (1.5, "g/L"), "ecog": (7, None), "sex": ("x", None), "ecog_typo": (1, None)},
        )
    errors = err.value.message_dict
    assert set(errors) == {"anc", "ecog", "sex", "ecog_typo"}
    assert "g/L is not a unit of absolute neutrophil count" in errors["anc"][0]
    assert "at most 5" in errors["ecog"][0]
    assert ScreeningValue.objects.count() == 0
    assert AuditRecord.objects.count() == before
    candidate.refresh_from_db()
    assert candidate.version == 1


@pytest.mark.parametrize(
    ("variable", "value", "unit", "message"),
    [
        ("ecog", "1.5", None, "whole number"),
        ("ecog", "abc", None, "Enter a number"),
        ("measurable_disease", "maybe", None, "yes or no"),
        ("platelets", -1, "10^9/L", "at least 0"),
        ("ecog", 1, "mg", "has no unit"),
        ("anc", 2, "furlongs", "unknown unit"),
    ],
)
def test_bad_values(candidate, coordinator, variable, value, unit, message):
    with pytest.raises(services.ScreeningError) as err:
        services.record_screening_values(coordinator, candidate, {variable: (value, unit)})
    assert message in err.value.message_dict[variable][0]


def test_a_changed_value_needs_a_reason_and_is_audited_with_it(candidate, coordinator):
    services.record_screening_values(coordinator, candidate, {"ecog": (1, None)})
    with pytest.raises(services.ScreeningError) as err:
        services.record_screening_values(coordinator, candidate, {"ecog": (2, None)})
    assert "reason" in err.value.message_dict["ecog"][0]

    services.record_screening_values(
        coordinator, candidate, {"ecog": (2, None)}, reason="transcription error"
    )

    [update] = [r for r in audit(candidate, "screening.screeningvalue") if r.action == "update"]
    assert (update.field, update.old_value, update.new_value) == ("value", "1", "2")
    assert update.reason == "transcription error"
    # the same value again is not a change
    services.record_screening_values(coordinator, candidate, {"ecog": (2, None)})
    assert candidate.version == 3


def test_clearing_a_value_is_audited_as_a_deletion(candidate, coordinator):
    services.record_screening_values(coordinator, candidate, {"ecog": (1, None)})
    services.record_screening_values(coordinator, candidate, {"ecog": ("", None)}, reason="wrong")

    assert not candidate.values.exists()
    deleted = [r for r in audit(candidate, "screening.screeningvalue") if r.action == "delete"]
    assert {r.field for r in deleted} == {"variable", "value", "unit"}


def test_a_stale_version_is_refused(candidate, coordinator):
    first_copy = Candidate.objects.get(pk=candidate.pk)
    second_copy = Candidate.objects.get(pk=candidate.pk)
    services.record_screening_values(coordinator, first_copy, {"ecog": (1, None)})

    with pytest.raises(services.StaleVersion) as err:
        services.record_screening_values(coordinator, second_copy, {"anc": (2, None)})

    assert "changed by someone else" in err.value.message_dict["version"][0]
    assert set(candidate.values.values_list("variable", flat=True)) == {"ecog"}
    with pytest.raises(services.StaleVersion):
        services.record_screening_values(
            coordinator, first_copy, {"anc": (2, None)}, expected_version=1
        )


def test_changing_values_after_confirmation_revokes_it(candidate, coordinator, investigator):
    services.record_screening_values(coordinator, candidate, COMPLETE)
    attest_all(investigator, candidate)
    confirmation = services.confirm_eligibility(investigator, candidate)

    services.record_screening_values(
        coordinator, candidate, {"ecog": (2, None)}, reason="re-assessed"
    )

    confirmation.refresh_from_db()
    assert confirmation.revoked_at is not None
    assert candidate.status == Candidate.Status.SCREENING


def test_a_value_correction_lifts_an_automatic_screen_failure(candidate, coordinator):
    services.record_screening_values(coordinator, candidate, {"ecog": (3, None)})
    assert candidate.status == Candidate.Status.SCREEN_FAILED

    services.record_screening_values(coordinator, candidate, {"ecog": (1, None)}, reason="typo")

    assert candidate.status == Candidate.Status.SCREENING
    assert candidate.outcome_reason == ""


# --------------------------------------------------------------------------- attestations


def test_attestation_of_an_exclusion_item(candidate, investigator):
    services.attest(investigator, candidate, "E3", False)

    assert services.evaluate(candidate).criterion("E3").eligible_for_criterion is False
    assert candidate.status == Candidate.Status.SCREEN_FAILED
    [row] = Attestation.objects.all()
    assert row.satisfied is False
    assert {r.field for r in audit(candidate, "screening.attestation")} == {
        "criterion_id",
        "satisfied",
    }


def test_attesting_a_computable_criterion_is_refused(candidate, investigator):
    with pytest.raises(services.ScreeningError) as err:
        services.attest(investigator, candidate, "I2", True)
    assert "not a checklist criterion" in err.value.message_dict["I2"][0]


def test_a_recorded_screen_failure(candidate, coordinator):
    with pytest.raises(services.ScreeningError) as err:
        services.record_screen_failure(coordinator, candidate, "  ")
    assert "reason" in err.value.message_dict

    services.record_screen_failure(coordinator, candidate, "Withdrew before consent")

    assert candidate.status == Candidate.Status.SCREEN_FAILED
    [row] = selectors.screening_log(coordinator, candidate.study).rows
    assert row.reasons == ["Withdrew before consent"]
    records = [r for r in audit(candidate, "screening.candidate") if r.action == "update"]
    assert {r.field for r in records} == {"status", "outcome_reason"}
    assert {r.reason for r in records} == {"Withdrew before consent"}


# --------------------------------------------------------------------------- consent


def test_consent_defaults_to_the_protocol_version_label(candidate, coordinator, investigator):
    consent = services.record_consent(
        coordinator,
        candidate,
        consented_at=timezone.now() - dt.timedelta(hours=1),
        obtained_by=investigator,
    )

    assert consent.form_version == "1.0"
    assert consent.protocol_version == candidate.protocol_version
    assert services.consent_is_valid(candidate)
    records = audit(candidate, "screening.consent")
    assert {r.field for r in records} == {
        "protocol_version_id",
        "form_version",
        "consented_at",
        "obtained_by_id",
    }
    assert candidate.version == 2


def test_consent_input_is_checked(candidate, coordinator, staff, other_site_staff):
    with pytest.raises(services.ScreeningError) as err:
        services.record_consent(
            coordinator,
            candidate,
            consented_at=timezone.now() + dt.timedelta(days=1),
            obtained_by=other_site_staff["investigator"],
        )
    assert set(err.value.message_dict) == {"consented_at", "obtained_by"}
    with pytest.raises(PermissionDenied):
        services.record_consent(
            staff["data_manager"], candidate, consented_at=timezone.now(), obtained_by=coordinator
        )
    assert Consent.objects.count() == 0


def _amend(tmp_path, reconsent: bool, version: str):
    from .conftest import SEED

    text = SEED.read_text(encoding="utf-8").replace('version: "1.0"', f'version: "{version}"', 1)
    consent = "true" if reconsent else "false"
    text += f"\nconsent:\n  form_version: ICF-{version}\n  reconsent_required: {consent}\n"
    path = tmp_path / f"sarcoma-{version}.yaml"
    path.write_text(text, encoding="utf-8")
    return load_protocol_file(path).version


def test_reconsent_is_required_after_a_version_that_asks_for_it(
    tmp_path, candidate, coordinator, investigator
):
    services.record_consent(
        coordinator, candidate, consented_at=timezone.now(), obtained_by=investigator
    )
    minor = _amend(tmp_path, reconsent=False, version="1.1")
    assert services.consent_is_valid(candidate, minor)

    major = _amend(tmp_path, reconsent=True, version="2.0")
    assert not services.consent_is_valid(candidate, major)
    assert not services.consent_is_valid(candidate)
    state = selectors.consent_state(candidate)
    assert "re-consent required" in state.message

    again = services.record_consent(
        coordinator, candidate, consented_at=timezone.now(), obtained_by=investigator
    )
    assert again.form_version == "ICF-2.0"
    assert again.protocol_version == major
    assert services.consent_is_valid(candidate)


def test_ready_to_enroll_needs_confirmation_and_consent(candidate, coordinator, investigator):
    services.record_screening_values(coordinator, candidate, COMPLETE)
    attest_all(investigator, candidate)
    services.confirm_eligibility(investigator, candidate)
    ready, missing = selectors.ready_to_enroll(candidate)
    assert not ready
    assert missing == ["no consent recorded"]

    services.record_consent(
        coordinator, candidate, consented_at=timezone.now(), obtained_by=investigator
    )

    assert selectors.ready_to_enroll(candidate) == (True, [])


# --------------------------------------------------------------------------- selectors


def test_selectors_are_site_scoped(candidate, other_candidate, coordinator, staff):
    study = candidate.study

    assert list(selectors.candidates_for(coordinator, study)) == [candidate]
    with pytest.raises(Candidate.DoesNotExist):
        selectors.get_candidate(coordinator, study, other_candidate.screening_number)
    assert set(selectors.candidates_for(staff["data_manager"], study)) == {
        candidate,
        other_candidate,
    }
    log = selectors.screening_log(staff["data_manager"], study)
    assert [s.site.code for s in log.sites] == ["BJ02", "SH01"]
    assert [s.total for s in log.sites] == [1, 1]
    only = selectors.screening_log(staff["data_manager"], study, site=candidate.site)
    assert [r.screening_number for r in only.rows] == ["S-SH01-001"]


def test_preview_evaluates_unsaved_values_and_writes_nothing(candidate):
    before = AuditRecord.objects.count()

    result, errors = services.preview(
        candidate, {"ecog": ("3", ""), "anc": ("1.5", "g/L"), "age": ("", "years")}
    )

    assert result.criterion("I2").status == "not_met"
    assert "anc" in errors
    assert not candidate.values.exists()
    assert AuditRecord.objects.count() == before
