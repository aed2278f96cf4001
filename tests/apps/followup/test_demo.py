"""Treatment and follow-up of the demo's simulated cohorts: what the simulation records
through the services is realistic and coherent."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest

from oncotrial.apps.audit.models import AuditRecord
from oncotrial.apps.followup import selectors
from oncotrial.apps.followup.models import Death, FollowUpContact, Recurrence, Withdrawal
from oncotrial.apps.studies.services import load_protocol_file
from oncotrial.apps.subjects.models import AnchorEvent, Subject
from oncotrial.apps.treatment.models import Administration, EndOfTreatment, Surgery
from oncotrial.cli import demo_data

STUDIES = Path(__file__).resolve().parents[3] / "studies"
TODAY = dt.date(2026, 11, 2)

pytestmark = pytest.mark.django_db


def simulated(name: str, subjects: int):
    study = load_protocol_file(STUDIES / name).study
    demo_data.ensure_sites_and_users("demo-pass-1", [study])
    lines: list[str] = []
    demo_data.simulate_study(study, TODAY, lines.append, subjects=subjects)
    return study, lines


def _coherent(study) -> None:
    for subject in Subject.objects.filter(study=study):
        death = Death.objects.filter(subject=subject).first()
        dated = [a.date for a in Administration.objects.filter(subject=subject)]
        dated += [c.date for c in FollowUpContact.objects.filter(subject=subject)]
        dated += [r.date for r in Recurrence.objects.filter(subject=subject)]
        assert all(subject.enrollment_date <= d <= TODAY for d in dated)
        if death is not None:
            assert all(d <= death.date for d in dated)
            assert selectors.last_known_alive(subject).date <= death.date
            assert subject.status == "dead"
        end = EndOfTreatment.objects.filter(subject=subject).first()
        if end is not None and end.last_dose_date:
            given = Administration.objects.filter(subject=subject).exclude(modification="omitted")
            assert end.last_dose_date == max(a.date for a in given)


def test_drug_study_demo():
    study, lines = simulated("anlotinib-toripalimab-sarcoma.yaml", 12)
    given = Administration.objects.filter(subject__study=study)
    # both drugs, cycles numbered from 1
    assert set(given.values_list("intervention_id", flat=True)) == {"anlotinib", "toripalimab"}
    assert given.filter(cycle=1).count() >= 2 * 12
    assert set(given.values_list("dose_unit", flat=True)) == {"mg"}
    ends = Counter(
        EndOfTreatment.objects.filter(subject__study=study).values_list("primary_reason", flat=True)
    )
    assert ends == {"progression": 7, "consent_withdrawn": 2}
    methods = Counter(
        FollowUpContact.objects.filter(subject__study=study).values_list("method", flat=True)
    )
    assert methods == {"telephone": 4, "visit": 4}
    assert Death.objects.filter(subject__study=study).count() == 3
    kinds = Counter(Withdrawal.objects.filter(subject__study=study).values_list("kind", flat=True))
    assert kinds == {"consent_withdrawn": 2}
    statuses = Counter(Subject.objects.filter(study=study).values_list("status", flat=True))
    assert statuses == {"follow_up": 4, "on_treatment": 3, "dead": 3, "withdrawn": 2}
    _coherent(study)
    for administration in given:
        assert AuditRecord.objects.filter(
            entity="treatment.administration", entity_id=str(administration.pk)
        ).exists()
    assert any("3 deaths" in line for line in lines)


def test_radiotherapy_study_demo():
    study, _ = simulated("intestinal-radiotherapy-pd1.yaml", 12)
    fractions = Administration.objects.filter(subject__study=study, fraction_number__isnull=False)
    assert fractions.exists()
    for subject in Subject.objects.filter(study=study):
        numbers = sorted(
            fractions.filter(subject=subject).values_list("fraction_number", flat=True)
        )
        planned = {"ildr_1gy_pd1": 1, "ildr_2gy_pd1": 2, "ildr_3gy_pd1": 3}[subject.arm_id]
        assert numbers == list(range(1, len(numbers) + 1))
        assert len(numbers) <= planned
    assert {str(d.normalize()) for d in fractions.values_list("fraction_dose_gy", flat=True)} == {
        "1"
    }
    assert Death.objects.filter(subject__study=study).count() == 5
    _coherent(study)


def test_surgery_study_demo():
    study, _ = simulated("surgery-liver-metastatic-pancreatic-cancer.yaml", 10)
    operations = Surgery.objects.filter(subject__study=study)
    per_subject = Counter(operations.values_list("subject", flat=True))
    assert len(per_subject) == 4
    assert set(per_subject.values()) == {2}  # the pancreas and the liver
    assert set(operations.values_list("procedure", flat=True)) <= {
        "whipple",
        "distal_splenectomy",
        "total_pancreatectomy",
        "hepatic_wedge",
        "ablation",
        "hepatic_segmentectomy",
    }
    for surgery in operations:
        event = AnchorEvent.objects.get(subject=surgery.subject, anchor="surgery")
        assert event.date == surgery.date
    recurrences = Recurrence.objects.filter(subject__study=study)
    assert recurrences.count() == 2
    for recurrence in recurrences:
        first = operations.filter(subject=recurrence.subject).order_by("date").first()
        assert first is not None
        assert recurrence.date > first.date
    _coherent(study)
