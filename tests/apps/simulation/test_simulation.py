"""Simulated cohorts recorded through the services: coherent dates, an audit record for
every clinical value, responses as the RECIST engine computes them, same seed → same
data."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest
from django.db import transaction

from oncotrial.apps import simulation
from oncotrial.apps.audit.models import AuditRecord
from oncotrial.apps.audit.selectors import verify_chain
from oncotrial.apps.followup.models import Death, FollowUpContact, Withdrawal
from oncotrial.apps.labs.models import LabResult
from oncotrial.apps.safety.models import AdverseEvent
from oncotrial.apps.screening.models import Candidate
from oncotrial.apps.studies.selectors import get_study
from oncotrial.apps.studies.services import load_protocol_file
from oncotrial.apps.subjects.models import Subject
from oncotrial.apps.treatment.models import Administration, EndOfTreatment
from oncotrial.apps.tumour import series
from oncotrial.apps.tumour.models import TumourAssessment
from oncotrial.apps.visits.models import Visit
from oncotrial.cli import demo_data
from oncotrial.domain.recist.engine import evaluate_raw

STUDIES = Path(__file__).parents[3] / "studies"
SEEDS = sorted(STUDIES.glob("*.yaml"))
AS_OF = dt.date(2026, 11, 2)

pytestmark = [pytest.mark.django_db, pytest.mark.skipif(not SEEDS, reason="no studies/")]


def _study(stem: str):
    study = load_protocol_file(STUDIES / f"{stem}.yaml").study
    demo_data.ensure_sites_and_users("sim-pass-1", [study])
    return study


def _audited(model, rows) -> None:
    entity = f"{model._meta.app_label}.{model._meta.model_name}"
    ids = {str(pk) for pk in rows.values_list("pk", flat=True)}
    audited = set(
        AuditRecord.objects.filter(entity=entity, entity_id__in=ids, action="create")
        .values_list("entity_id", flat=True)
        .distinct()
    )
    assert ids == audited, f"{entity} rows without a creation audit record"


@pytest.mark.parametrize("path", SEEDS, ids=[p.stem for p in SEEDS])
def test_each_seed_study_gets_a_coherent_audited_cohort(path):
    study = _study(path.stem)

    tally = simulation.simulate(study, subjects=8, seed=5, as_of=AS_OF)

    assert tally.enrolled == Subject.objects.filter(study=study).count() == 8
    statuses = Counter(Candidate.objects.filter(study=study).values_list("status", flat=True))
    assert statuses["enrolled"] == 8
    assert statuses["screening"] == tally.in_screening == 2
    assert statuses["screen_failed"] == tally.screen_failed
    subjects = Subject.objects.filter(study=study)
    deaths = dict(Death.objects.filter(subject__study=study).values_list("subject_id", "date"))
    left = dict(Withdrawal.objects.filter(subject__study=study).values_list("subject_id", "date"))
    for subject in subjects:
        visits = Visit.objects.filter(subject=subject, actual_date__isnull=False)
        dates = list(visits.values_list("actual_date", flat=True))
        dates += list(
            LabResult.objects.filter(subject=subject).values_list("collection_date", flat=True)
        )
        dates += list(
            AdverseEvent.objects.filter(subject=subject).values_list("onset_date", flat=True)
        )
        dates += list(
            TumourAssessment.objects.filter(subject=subject).values_list(
                "assessment_date", flat=True
            )
        )
        dates += list(Administration.objects.filter(subject=subject).values_list("date", flat=True))
        dates += list(
            FollowUpContact.objects.filter(subject=subject).values_list("date", flat=True)
        )
        # nothing before enrolment (a visit) or after the data cut
        assert all(
            d >= subject.enrollment_date for d in visits.values_list("actual_date", flat=True)
        )
        assert all(d <= AS_OF for d in dates)
        # no event after death or after leaving the study
        end = deaths.get(subject.pk) or left.get(subject.pk)
        if end is not None:
            assert all(d <= end for d in dates), subject.subject_number
        if subject.pk in deaths:
            assert subject.status == Subject.Status.DEAD
    # every clinical value has its audit record
    for model in (LabResult, AdverseEvent, TumourAssessment, Administration, EndOfTreatment, Death):
        _audited(model, model.objects.filter(subject__study=study))
    for visit in Visit.objects.filter(subject__study=study, actual_date__isnull=False):
        assert AuditRecord.objects.filter(
            entity="visits.visit", entity_id=str(visit.pk), field="actual_date", action="update"
        ).exists()
    assert LabResult.objects.filter(subject__study=study).exists()
    assert AdverseEvent.objects.filter(subject__study=study).exists()
    # the hash chain over everything written verifies, and its head matches
    report = verify_chain()
    assert report.first_broken is None
    assert report.head_matches
    assert report.count == AuditRecord.objects.count()
    protocol = get_study(study.key).protocol
    if any(a.id == "ca19_9" for a in protocol.schedule.assessments):
        assert LabResult.objects.filter(subject__study=study, analyte="ca19_9").count() >= 8


@pytest.mark.parametrize("stem", ["sirolimus-pancreatic-cancer", "intestinal-radiotherapy-pd1"])
def test_responses_are_those_the_recist_engine_computes(stem):
    """Recompute each subject's series with the engine from the stored measurements."""
    study = _study(stem)
    simulation.simulate(study, subjects=14, seed=2, as_of=AS_OF)

    seen = Counter()
    for subject in Subject.objects.filter(study=study):
        assessments = series.saved_assessments(subject)
        if not assessments:
            continue
        raw = series.patient_raw(
            subject, series.saved_lesions(subject), [series.entry_of(a) for a in assessments]
        )
        result = evaluate_raw(raw)
        assert [t.overall for t in result.timepoints] == [a.computed_response for a in assessments]
        seen.update(a.computed_response for a in assessments)
    assert len(seen) >= 3  # a range of responses, not one


def test_the_same_seed_gives_the_same_data():
    study = _study("anlotinib-toripalimab-sarcoma")

    def _sorted(rows) -> list:
        return sorted(rows, key=str)

    def snapshot() -> tuple:
        return (
            _sorted(
                Candidate.objects.filter(study=study).values_list("screening_date", "status", "sex")
            ),
            _sorted(
                Visit.objects.filter(subject__study=study).values_list(
                    "visit_id", "occurrence", "actual_date", "missed"
                )
            ),
            _sorted(
                LabResult.objects.filter(subject__study=study).values_list(
                    "analyte", "value", "collection_date"
                )
            ),
            _sorted(
                AdverseEvent.objects.filter(subject__study=study).values_list(
                    "term", "grade", "onset_date"
                )
            ),
            _sorted(
                TumourAssessment.objects.filter(subject__study=study).values_list(
                    "assessment_date", "computed_response"
                )
            ),
        )

    class Undo(Exception):
        pass

    first: tuple = ()
    try:
        with transaction.atomic():
            simulation.simulate(study, subjects=5, seed=9, as_of=AS_OF)
            first = snapshot()
            raise Undo
    except Undo:
        pass
    assert not Candidate.objects.filter(study=study).exists()
    simulation.simulate(study, subjects=5, seed=9, as_of=AS_OF)
    assert snapshot() == first
    assert first[2]  # lab results were made


def test_a_study_without_staff_is_refused():
    study = load_protocol_file(STUDIES / "sirolimus-pancreatic-cancer.yaml").study
    with pytest.raises(simulation.NoStaff):
        simulation.simulate(study, subjects=2, seed=1, as_of=AS_OF)


def test_the_tumour_series_reads_as_the_orm_prefetch_gives_it(django_assert_num_queries):
    """`series.saved_assessments` reads assessments, lesion results and new lesions in
    plain SQL; the same rows, in the same order, as `prefetch_related` gives them, and
    reading the related rows afterwards runs no query."""
    study = _study("sirolimus-pancreatic-cancer")
    simulation.simulate(study, subjects=14, seed=2, as_of=AS_OF)

    def columns(row):
        return {f.attname: getattr(row, f.attname) for f in row._meta.concrete_fields}

    compared = Counter()
    for subject in Subject.objects.filter(study=study):
        expected = list(
            TumourAssessment.objects.filter(subject=subject)
            .select_related("visit")
            .prefetch_related("lesion_results__lesion", "new_lesions")
            .order_by("assessment_date")
        )
        read = series.saved_assessments(subject)
        with django_assert_num_queries(0):
            shown = [
                (
                    columns(a),
                    columns(a.visit) if a.visit else None,
                    [(columns(r), columns(r.lesion)) for r in a.lesion_results.all()],
                    [columns(n) for n in a.new_lesions.all()],
                )
                for a in read
            ]
        assert shown == [
            (
                columns(a),
                columns(a.visit) if a.visit else None,
                [(columns(r), columns(r.lesion)) for r in a.lesion_results.all()],
                [columns(n) for n in a.new_lesions.all()],
            )
            for a in expected
        ]
        compared["assessments"] += len(read)
        compared["lesion results"] += sum(len(item[2]) for item in shown)
        compared["new lesions"] += sum(len(item[3]) for item in shown)
    assert compared["assessments"] >= 5
    assert compared["lesion results"] >= 10
    assert compared["new lesions"] >= 1
