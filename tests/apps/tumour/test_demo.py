"""The demo's tumour assessments, entered through the services on a demo cohort."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.contrib.auth import get_user_model

from oncotrial.apps.audit.models import AuditRecord
from oncotrial.apps.studies.services import load_protocol_file
from oncotrial.apps.tumour.models import Lesion, TumourAssessment, TumourSummary
from oncotrial.cli import demo_data, demo_tumour

from ..conftest import SEED_STUDIES
from .conftest import ILDR, SARCOMA

TODAY = dt.date(2026, 11, 2)

pytestmark = pytest.mark.django_db


def _populated(name: str):
    study = load_protocol_file(SEED_STUDIES / name).study
    demo_data.ensure_sites_and_users("demo-pass-1", [study])
    lines: list[str] = []
    demo_data.populate_study(study, TODAY, lines.append)  # demo_tumour.populate among others
    users = {u.username: u for u in get_user_model().objects.all()}
    return study, users, [line for line in lines if "tumour assessments" in line]


def test_recist_demo_gives_a_spread_of_responses():
    study, users, lines = _populated(SARCOMA)
    summaries = TumourSummary.objects.filter(subject__study=study)
    best = Counter(summaries.values_list("best_overall_response", flat=True))
    assert {"CR", "PR", "SD", "PD"} <= set(best), best
    assert summaries.filter(best_overall_response="PR", confirmed=True).exists()
    # a PR never confirmed: the subject's best response is SD with a PR time point
    unconfirmed = [
        s
        for s in summaries.filter(best_overall_response="SD")
        if TumourAssessment.objects.filter(subject=s.subject, computed_response="PR").exists()
    ]
    assert unconfirmed
    overridden = TumourAssessment.objects.filter(subject__study=study).exclude(
        investigator_response=""
    )
    assert overridden.count() == 1
    assert overridden.get().override_reason == demo_tumour.OVERRIDE_REASON
    assert not TumourAssessment.objects.filter(assessment_date__gt=TODAY).exists()
    assert AuditRecord.objects.filter(study_key=study.key, entity="tumour.lesion").exists()
    assert lines
    assert "tumour assessments for 8 subjects" in lines[-1]
    # a second run leaves the study as it is
    count = Lesion.objects.count()
    demo_tumour.populate(study, users, TODAY, lines.append)
    assert Lesion.objects.count() == count


def test_irecist_demo_has_a_pseudo_progression():
    study, _users, _lines = _populated(ILDR)
    assessments = TumourAssessment.objects.filter(subject__study=study)
    assert set(assessments.values_list("criteria", flat=True)) == {"iRECIST"}
    pseudo = []
    for summary in TumourSummary.objects.filter(subject__study=study):
        responses = list(
            assessments.filter(subject=summary.subject)
            .order_by("assessment_date")
            .values_list("computed_response", flat=True)
        )
        if responses[:1] == ["iUPD"] and {"iSD", "iPR"} & set(responses[1:]):
            pseudo.append(summary)
    assert pseudo
    assert pseudo[0].progression_date is None  # never confirmed
    assert TumourSummary.objects.filter(subject__study=study, icpd_date__isnull=False).exists()
