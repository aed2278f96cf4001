"""The treatment and follow-up demo modules on populated seed studies: what they add is
realistic and passes every rule the services enforce."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from oncotrial.apps.audit.models import AuditRecord
from oncotrial.apps.followup import selectors
from oncotrial.apps.followup.models import Death, FollowUpContact, Recurrence, Withdrawal
from oncotrial.apps.studies.services import load_protocol_file
from oncotrial.apps.subjects.models import AnchorEvent, Subject
from oncotrial.apps.treatment.models import (
    Administration,
    EndOfTreatment,
    NextLineTherapy,
    Surgery,
)
from oncotrial.cli import demo_data, demo_followup, demo_treatment

STUDIES = Path(__file__).resolve().parents[3] / "studies"

pytestmark = pytest.mark.django_db


def populated(name: str):
    """The study with the demo cohort; the demo adds treatment and follow-up (through the
    modules under test) as part of populating a study. A second run adds nothing."""
    study = load_protocol_file(STUDIES / name).study
    demo_data.ensure_sites_and_users("demo-pass-1", [study])
    today = dt.date.today()
    lines: list[str] = []
    demo_data.populate_study(study, today, lines.append)
    users = {u.username: u for u in get_user_model().objects.all()}
    counts = _counts(study)
    demo_treatment.populate(study, users, today, lines.append)
    demo_followup.populate(study, users, today, lines.append)
    assert _counts(study) == counts
    return study, lines


def _counts(study) -> list[int]:
    models = (Administration, Surgery, EndOfTreatment, NextLineTherapy)
    models += (FollowUpContact, Recurrence, Death, Withdrawal)  # type: ignore[assignment]
    return [m.objects.filter(subject__study=study).count() for m in models]


def _coherent(study) -> None:
    today = dt.date.today()
    for subject in Subject.objects.filter(study=study):
        death = Death.objects.filter(subject=subject).first()
        dated = [a.date for a in Administration.objects.filter(subject=subject)]
        dated += [c.date for c in FollowUpContact.objects.filter(subject=subject)]
        dated += [r.date for r in Recurrence.objects.filter(subject=subject)]
        assert all(subject.enrollment_date <= d <= today for d in dated)
        if death is not None:
            assert all(d <= death.date for d in dated)
            assert selectors.last_known_alive(subject).date <= death.date
        end = EndOfTreatment.objects.filter(subject=subject).first()
        if end is not None and end.last_dose_date:
            given = Administration.objects.filter(subject=subject).exclude(modification="omitted")
            assert end.last_dose_date == max(a.date for a in given)


def test_drug_study_demo():
    study, lines = populated("anlotinib-toripalimab-sarcoma.yaml")
    given = Administration.objects.filter(subject__study=study)
    # both drugs on day 1 of each cycle, cycles numbered from 1
    assert set(given.values_list("intervention_id", flat=True)) == {"anlotinib", "toripalimab"}
    assert given.filter(cycle=1).count() >= 2
    assert set(given.values_list("dose_unit", flat=True)) == {"mg"}
    ends = Counter(
        EndOfTreatment.objects.filter(subject__study=study).values_list("primary_reason", flat=True)
    )
    assert ends["progression"] == 1
    assert ends["toxicity"] == 1
    assert NextLineTherapy.objects.filter(subject__study=study, line_number=2).count() == 1
    methods = set(
        FollowUpContact.objects.filter(subject__study=study).values_list("method", flat=True)
    )
    assert methods <= {"telephone", "visit"}
    assert methods
    assert Death.objects.filter(subject__study=study).count() == 1
    kinds = Counter(Withdrawal.objects.filter(subject__study=study).values_list("kind", flat=True))
    assert kinds == {"consent_withdrawn": 1, "lost_to_follow_up": 1}
    statuses = Counter(Subject.objects.filter(study=study).values_list("status", flat=True))
    assert statuses["dead"] == 1
    assert statuses["withdrawn"] == 1
    assert statuses["lost"] == 1
    _coherent(study)
    assert AuditRecord.objects.filter(entity="treatment.administration", study_key=study.key)
    assert any(line.startswith(f"{study.key}: treatment recorded for") for line in lines)
    assert any("survival contacts" in line for line in lines)


def test_radiotherapy_study_demo():
    study, _ = populated("intestinal-radiotherapy-pd1.yaml")
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
    _coherent(study)


def test_surgery_study_demo():
    study, _ = populated("surgery-liver-metastatic-pancreatic-cancer.yaml")
    operations = Surgery.objects.filter(subject__study=study)
    assert operations.exists()
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
    recurrence = Recurrence.objects.get(subject__study=study)
    first = operations.filter(subject=recurrence.subject).order_by("date").first()
    assert recurrence.date > first.date
    _coherent(study)
