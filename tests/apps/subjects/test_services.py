"""Enrollment: refusals, numbering, arm assignment (single arm, randomized, by rule),
the calendar made at enrollment, and the audit records every change leaves."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from oncotrial.apps.audit.models import AuditRecord
from oncotrial.apps.screening.models import Candidate
from oncotrial.apps.subjects import selectors, services
from oncotrial.apps.subjects.models import AllocationList, AllocationSlot, Subject
from oncotrial.apps.visits.models import Visit
from oncotrial.domain.randomization import generate_allocation_list

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SIROLIMUS = "sirolimus-pancreatic-cancer.yaml"
SURGERY = "surgery-liver-metastatic-pancreatic-cancer.yaml"
ENROLLED_ON = dt.date(2024, 1, 10)


@pytest.fixture
def sirolimus(conduct_study):
    return conduct_study(SIROLIMUS)


@pytest.fixture
def coordinator(sirolimus, conduct_member):
    return conduct_member(sirolimus, "coordinator", "S01")


def _counts():
    return (
        Subject.objects.count(),
        Visit.objects.count(),
        AuditRecord.objects.count(),
        AllocationSlot.objects.filter(subject__isnull=False).count(),
    )


@pytest.mark.parametrize(
    ("consent", "confirmed", "field"),
    [(False, True, "consent"), (True, False, "eligibility"), (False, False, "consent")],
)
def test_enrollment_is_refused_without_consent_or_confirmation(
    sirolimus, coordinator, conduct_candidate, consent, confirmed, field
):
    candidate = conduct_candidate(sirolimus, consent=consent, confirmed=confirmed)
    before = _counts()
    with pytest.raises(ValidationError) as info:
        services.enroll(coordinator, candidate, ENROLLED_ON)
    assert field in info.value.message_dict
    assert _counts() == before
    candidate.refresh_from_db()
    assert candidate.status != Candidate.Status.ENROLLED


def test_withdrawn_consent_is_not_valid(sirolimus, coordinator, conduct_candidate):
    from django.utils import timezone

    candidate = conduct_candidate(sirolimus)
    candidate.consents.update(withdrawn_at=timezone.now())
    with pytest.raises(ValidationError) as info:
        services.enroll(coordinator, candidate, ENROLLED_ON)
    assert "consent" in info.value.message_dict


def test_bad_enrollment_dates_are_field_errors(sirolimus, coordinator, conduct_candidate):
    candidate = conduct_candidate(sirolimus, screening_date=dt.date(2024, 1, 5))
    before = _counts()
    for bad in (dt.date(2024, 1, 1), dt.date.today() + dt.timedelta(days=2)):
        with pytest.raises(ValidationError) as info:
            services.enroll(coordinator, candidate, bad)
        assert "enrollment_date" in info.value.message_dict
    assert _counts() == before


def test_roles_without_enroll_and_other_sites_are_refused(
    sirolimus, conduct_member, conduct_candidate
):
    candidate = conduct_candidate(sirolimus, "S01")
    monitor = conduct_member(sirolimus, "monitor", "S01")
    elsewhere = conduct_member(sirolimus, "coordinator", "S02")
    before = _counts()
    for user in (monitor, elsewhere):
        with pytest.raises(PermissionDenied):
            services.enroll(user, candidate, ENROLLED_ON)
    assert _counts() == before


def test_single_arm_enrollment_numbers_per_site_and_is_audited(
    sirolimus, conduct_member, conduct_candidate
):
    coordinator_1 = conduct_member(sirolimus, "coordinator", "S01")
    investigator_2 = conduct_member(sirolimus, "investigator", "S02")
    a = services.enroll(coordinator_1, conduct_candidate(sirolimus, "S01"), ENROLLED_ON)
    b = services.enroll(coordinator_1, conduct_candidate(sirolimus, "S01"), ENROLLED_ON)
    c = services.enroll(investigator_2, conduct_candidate(sirolimus, "S02"), ENROLLED_ON)
    assert [a.subject_number, b.subject_number, c.subject_number] == ["01-001", "01-002", "02-001"]
    assert a.arm_id == "sirolimus"
    assert a.assignment_method == "single_arm"
    assert a.protocol_version.sequence == 1
    assert a.status == Subject.Status.ENROLLED
    a.candidate.refresh_from_db()
    assert a.candidate.status == Candidate.Status.ENROLLED

    records = AuditRecord.objects.filter(subject_ref="01-001", entity="subjects.subject")
    fields = {r.field: r.new_value for r in records}
    assert fields["subject_number"] == "01-001"
    assert fields["arm_id"] == "sirolimus"
    assert fields["enrollment_date"] == "2024-01-10"
    assert {r.username for r in records} == {coordinator_1.username}
    assert AuditRecord.objects.filter(
        entity="screening.candidate",
        entity_id=str(a.candidate.pk),
        field="status",
        new_value="enrolled",
    ).exists()
    # every sirolimus visit is timed from the first dose, not recorded yet
    assert not Visit.objects.filter(subject=a).exists()


def test_a_candidate_is_enrolled_once(sirolimus, coordinator, conduct_candidate):
    candidate = conduct_candidate(sirolimus)
    services.enroll(coordinator, candidate, ENROLLED_ON)
    before = _counts()
    with pytest.raises(ValidationError) as info:
        services.enroll(coordinator, candidate, ENROLLED_ON)
    assert "screening_number" in info.value.message_dict
    assert _counts() == before


# --------------------------------------------------------------------------- cohorts


def test_surgery_cohorts_are_assigned_by_rule(conduct_study, conduct_member, conduct_candidate):
    study = conduct_study(SURGERY)
    user = conduct_member(study, "investigator", "S01")
    retro = conduct_candidate(study, values={"treated_before_study_start": True})
    pro = conduct_candidate(study, values={"treated_before_study_start": False})
    assert services.enroll(user, retro, ENROLLED_ON).arm_id == "retrospective"
    subject = services.enroll(user, pro, ENROLLED_ON)
    assert (subject.arm_id, subject.assignment_method) == ("prospective", "rule")


def test_no_matching_cohort_rule_is_refused_with_a_message(
    conduct_study, conduct_member, conduct_candidate
):
    study = conduct_study(SURGERY)
    user = conduct_member(study, "investigator", "S01")
    candidate = conduct_candidate(study, values={})
    before = _counts()
    with pytest.raises(ValidationError) as info:
        services.enroll(user, candidate, ENROLLED_ON)
    assert "no cohort" in info.value.message_dict["arm_id"][0]
    assert _counts() == before


def test_multi_arm_non_randomized_study_needs_a_chosen_arm(
    conduct_study, conduct_member, conduct_candidate
):
    study = conduct_study(FIXTURES / "demo_trial.yaml")
    user = conduct_member(study, "investigator", "S01")
    candidate = conduct_candidate(study)
    with pytest.raises(ValidationError) as info:
        services.enroll(user, candidate, ENROLLED_ON)
    assert "arm_id" in info.value.message_dict
    with pytest.raises(ValidationError):
        services.enroll(user, candidate, ENROLLED_ON, arm_id="group_9")
    assert services.enroll(user, candidate, ENROLLED_ON, arm_id="group_2").arm_id == "group_2"


# --------------------------------------------------------------------------- randomization


@pytest.fixture
def randomized(conduct_study):
    return conduct_study(FIXTURES / "randomized_trial.yaml")


def _enroll_many(study, user, make, levels):
    subjects = []
    for level in levels:
        candidate = make(study, values={"liver_metastases": level})
        subjects.append(services.enroll(user, candidate, ENROLLED_ON))
    return subjects


def test_randomization_is_balanced_within_each_stratum(
    randomized, conduct_member, conduct_candidate
):
    user = conduct_member(randomized, "investigator", "S01")
    levels = [True, False, True, True, False, True] * 7
    subjects = _enroll_many(randomized, user, conduct_candidate, levels)
    assert {s.assignment_method for s in subjects} == {"randomized"}
    assert {s.stratum for s in subjects} == {"liver_mets=yes", "liver_mets=no"}
    for stratum in ("liver_mets=yes", "liver_mets=no"):
        running: Counter[str] = Counter()
        for subject in (s for s in subjects if s.stratum == stratum):
            running[subject.arm_id] += 1
            assert abs(running["low"] - running["high"]) <= 2  # half the largest block


def test_allocation_list_is_reproducible_from_the_recorded_seed(
    randomized, conduct_member, conduct_candidate
):
    user = conduct_member(randomized, "investigator", "S01")
    subjects = _enroll_many(randomized, user, conduct_candidate, [True, False] * 10)
    allocation = AllocationList.objects.get(study=randomized)
    assert len(allocation.seed) == 32
    assert allocation.ratio == {"low": 1, "high": 1}
    assert allocation.block_sizes == [2, 4]
    for stratum in ("liver_mets=yes", "liver_mets=no"):
        slots = list(
            AllocationSlot.objects.filter(allocation_list=allocation, stratum=stratum).order_by(
                "sequence"
            )
        )
        expected = generate_allocation_list(
            {"low": 1, "high": 1}, [2, 4], len(slots), allocation.seed, stratum
        )
        assert [s.arm_id for s in slots] == expected
        used = [s for s in slots if s.subject_id is not None]
        assert [s.sequence for s in used] == list(range(1, len(used) + 1))
        assert all(s.subject.arm_id == s.arm_id for s in used)
    assert sum(1 for s in subjects if s.allocation) == len(subjects)
    # the seed is kept in the concealed list, never written to the audit trail
    assert not AuditRecord.objects.filter(new_value__contains=allocation.seed).exists()
    assert (
        AuditRecord.objects.filter(entity="subjects.allocationslot", field="subject_id").count()
        == 20
    )


def test_missing_stratification_value_is_a_field_error(
    randomized, conduct_member, conduct_candidate
):
    user = conduct_member(randomized, "investigator", "S01")
    candidate = conduct_candidate(randomized, values={})
    before = _counts()
    with pytest.raises(ValidationError) as info:
        services.enroll(user, candidate, ENROLLED_ON)
    assert "liver_metastases" in info.value.message_dict["stratum"][0]
    assert _counts() == before


def test_allocation_slots_are_concealed_from_site_roles(randomized, conduct_member):
    for role in ("coordinator", "investigator", "data_manager", "monitor"):
        with pytest.raises(PermissionDenied):
            selectors.allocation_slots(conduct_member(randomized, role, "S01"), randomized)
    admin = conduct_member(randomized, "study_admin", None)
    assert selectors.allocation_slots(admin, randomized).count() == 0


# --------------------------------------------------------------------------- selectors


def test_subject_selectors_are_site_scoped(sirolimus, conduct_member, conduct_candidate):
    one = conduct_member(sirolimus, "coordinator", "S01")
    two = conduct_member(sirolimus, "coordinator", "S02")
    admin = conduct_member(sirolimus, "study_admin", None)
    services.enroll(one, conduct_candidate(sirolimus, "S01"), ENROLLED_ON)
    services.enroll(two, conduct_candidate(sirolimus, "S02"), ENROLLED_ON)
    conduct_candidate(sirolimus, "S02", confirmed=False, consent=False)
    assert [s.subject_number for s in selectors.subjects_for(one, sirolimus)] == ["01-001"]
    assert [s.subject_number for s in selectors.subjects_for(admin, sirolimus)] == [
        "01-001",
        "02-001",
    ]
    with pytest.raises(Subject.DoesNotExist):
        selectors.get_subject(one, sirolimus, "02-001")
    counts = {c.site.code: c for c in selectors.dashboard_counts(admin, sirolimus)}
    assert (counts["S02"].screened, counts["S02"].enrolled) == (2, 1)
    assert [c.site.code for c in selectors.dashboard_counts(one, sirolimus)] == ["S01"]
