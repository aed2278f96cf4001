"""The demo cohorts: built through the services, for every seed study."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest
from django.db.models import F

from oncotrial.apps.audit.models import AuditRecord
from oncotrial.apps.screening import services as screening
from oncotrial.apps.screening.models import Candidate, ScreeningValue
from oncotrial.apps.studies.services import load_protocol_file
from oncotrial.apps.subjects.models import Subject
from oncotrial.apps.visits.models import Visit
from oncotrial.cli import demo_data, report_worker

SEEDS = sorted((Path(__file__).parents[2] / "studies").glob("*.yaml"))
TODAY = dt.date(2026, 11, 2)

pytestmark = [pytest.mark.django_db, pytest.mark.skipif(not SEEDS, reason="no studies/")]


@pytest.mark.parametrize("path", SEEDS, ids=[p.stem for p in SEEDS])
def test_each_seed_study_gets_a_screened_and_enrolled_cohort(path):
    study = load_protocol_file(path).study
    demo_data.ensure_sites_and_users("demo-pass-1", [study])
    lines: list[str] = []

    created = demo_data.simulate_study(study, TODAY, lines.append, subjects=8)

    candidates = Candidate.objects.filter(study=study)
    statuses = Counter(candidates.values_list("status", flat=True))
    assert created == candidates.count()
    assert statuses["enrolled"] == 8
    assert statuses["screen_failed"] >= 1
    assert statuses["screening"] == 2
    assert set(statuses) == {"enrolled", "screen_failed", "screening"}
    for candidate in candidates.filter(status="enrolled"):
        assert screening.evaluate(candidate).outcome == "eligible"
    for candidate in candidates.filter(status="screen_failed"):
        assert screening.evaluate(candidate).outcome != "eligible"
    subjects = Subject.objects.filter(study=study)
    assert set(subjects.values_list("site__code", flat=True)) == {"BJ02", "SH01"}
    visits = Visit.objects.filter(subject__study=study)
    assert visits.filter(actual_date__isnull=False).exists()
    assert not visits.filter(actual_date__gt=TODAY).exists()
    assert not visits.filter(actual_date__lt=F("subject__enrollment_date")).exists()
    # every value recorded is in the audit trail
    audited = {
        entity: set(
            AuditRecord.objects.filter(
                study_key=study.key, entity=entity, action="create"
            ).values_list("entity_id", flat=True)
        )
        for entity in ("subjects.subject", "screening.screeningvalue", "visits.visit")
    }
    assert {str(pk) for pk in subjects.values_list("pk", flat=True)} <= audited["subjects.subject"]
    values = ScreeningValue.objects.filter(candidate__study=study)
    assert values.exists()
    assert {str(pk) for pk in values.values_list("pk", flat=True)} <= audited[
        "screening.screeningvalue"
    ]
    assert {str(pk) for pk in visits.values_list("pk", flat=True)} <= audited["visits.visit"]
    # a second run leaves the study as it is
    counts = (candidates.count(), subjects.count(), visits.count(), AuditRecord.objects.count())
    assert demo_data.simulate_study(study, TODAY, lines.append, subjects=8) == 0
    assert lines[-1] == f"{study.key}: already has data, left as it is"
    assert (
        candidates.count(),
        subjects.count(),
        visits.count(),
        AuditRecord.objects.count(),
    ) == counts


def test_every_role_has_a_demo_user_with_the_given_password(django_user_model):
    study = load_protocol_file(SEEDS[0]).study
    users = demo_data.ensure_sites_and_users("demo-pass-1", [study])

    assert {u.role for u in users} == set(demo_data.Role)
    for demo_user in users:
        user = django_user_model.objects.get(username=demo_user.username)
        assert user.check_password("demo-pass-1")
        assert user.memberships.filter(study=study, role=demo_user.role.value).exists()


def test_demo_data_management_on_a_study_with_forms():
    """The sirolimus study has a baseline form: the demo fills it, corrects a value with a
    reason, answers and closes one query, leaves one open, signs a form, locks a visit."""
    from oncotrial.apps.crfs.models import FormInstance, Lock, Query, Signature

    path = next(p for p in SEEDS if p.stem == "sirolimus-pancreatic-cancer")
    study = load_protocol_file(path).study
    demo_data.ensure_sites_and_users("demo-pass-1", [study])

    demo_data.simulate_study(study, TODAY, lambda line: None, "demo-pass-1", subjects=8)

    assert FormInstance.objects.filter(subject__study=study).exists()
    assert sorted(Query.objects.filter(study=study).values_list("status", flat=True)) == [
        "closed",
        "open",
    ]
    signature = Signature.objects.get(subject__study=study)
    assert signature.invalidated_at is None
    assert signature.printed_name
    assert Lock.objects.filter(study=study, scope="visit", unlocked_at__isnull=True).count() == 1
    correction = AuditRecord.objects.get(
        study_key=study.key,
        entity="crfs.itemvalue",
        action="update",
        reason="Transcription error corrected against the source document",
    )
    assert correction.old_value != correction.new_value


def test_the_demo_simulates_a_study_with_its_data_management_and_clocks(tmp_path):
    """`oncotrial demo` gives each study a simulated cohort through the services, then
    the data-management examples, SAE report clocks that run, and its report on disk."""
    from django.contrib.auth import get_user_model

    from oncotrial.apps.crfs.models import Lock, Query, Signature
    from oncotrial.apps.labs.models import LabResult
    from oncotrial.apps.safety import selectors as safety_selectors
    from oncotrial.apps.specimens.models import Specimen
    from oncotrial.apps.tumour.models import TumourAssessment

    path = next(p for p in SEEDS if p.stem == "intestinal-radiotherapy-pd1")
    study = load_protocol_file(path).study
    demo_data.ensure_sites_and_users("demo-pass-1", [study])
    lines: list[str] = []

    created = demo_data.simulate_study(study, TODAY, lines.append, "demo-pass-1", subjects=12)

    assert Subject.objects.filter(study=study).count() == 12
    assert created == Candidate.objects.filter(study=study).count() > 12
    assert any("12 enrolled" in line for line in lines)
    assert Specimen.objects.filter(study=study).exists()
    assert sorted(Query.objects.filter(study=study).values_list("status", flat=True)) == [
        "closed",
        "open",
    ]
    assert Signature.objects.filter(subject__study=study).exists()
    assert Lock.objects.filter(study=study, scope="visit", unlocked_at__isnull=True).exists()
    assert AuditRecord.objects.filter(
        study_key=study.key,
        action="update",
        reason="Transcription error corrected against the source document",
    ).exists()
    assert (
        TumourAssessment.objects.filter(subject__study=study).exclude(computed_response="").exists()
    )
    assert LabResult.objects.filter(subject__study=study).exists()
    investigator = get_user_model().objects.get(username="investigator")
    clocks = {r.state for r in safety_selectors.sae_worklist(investigator, study)}
    assert clocks & {"due", "overdue"}
    # a second run leaves the study as it is
    assert demo_data.simulate_study(study, TODAY, lines.append, "demo-pass-1", subjects=12) == 0

    # the report worker the demo starts: a report per study it is told, an error line for
    # a study that is not loaded
    replies: list[dict] = []
    report_worker.write_reports([f"{study.key}\n", "no_such_study\n"], tmp_path, replies.append)
    html = tmp_path / study.key / f"{study.key}-report.html"
    assert replies == [
        {"study": study.key, "html": str(html)},
        {"study": "no_such_study", "error": "no study 'no_such_study' is loaded"},
    ]
    assert (
        html.read_text(encoding="utf-8").count("<svg")
        + len(list((tmp_path / study.key / "figures").glob("*.png")))
        > 0
    )
