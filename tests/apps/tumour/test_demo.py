"""The demo's tumour assessments: a simulated cohort entered through the services, and
one investigator's assessment kept beside the computed response."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from oncotrial.apps.audit.models import AuditRecord
from oncotrial.apps.studies.services import load_protocol_file
from oncotrial.apps.tumour.models import Lesion, TumourAssessment, TumourSummary
from oncotrial.cli import demo_data, demo_tumour

from ..conftest import SEED_STUDIES
from .conftest import ILDR, SARCOMA

TODAY = dt.date(2026, 11, 2)

pytestmark = pytest.mark.django_db


def _simulated(name: str, seed: str):
    study = load_protocol_file(SEED_STUDIES / name).study
    demo_data.ensure_sites_and_users("demo-pass-1", [study])
    lines: list[str] = []
    demo_data.simulate_study(study, TODAY, lines.append, subjects=12, seed=seed)
    return study, lines


def test_recist_demo_gives_a_spread_of_responses_and_an_investigators_assessment():
    study, lines = _simulated(SARCOMA, "demo-1")
    summaries = TumourSummary.objects.filter(subject__study=study)
    best = Counter(summaries.values_list("best_overall_response", flat=True))
    assert {"PR", "SD", "NE"} <= set(best), best
    assert summaries.filter(best_overall_response="PR", confirmed=True).exists()
    assessments = TumourAssessment.objects.filter(subject__study=study)
    assert {"PR", "SD", "PD"} <= set(assessments.values_list("computed_response", flat=True))
    assert not assessments.filter(assessment_date__gt=TODAY).exists()
    assert set(assessments.values_list("criteria", flat=True)) == {"RECIST 1.1"}

    overridden = assessments.exclude(investigator_response="").get()
    assert (overridden.computed_response, overridden.investigator_response) == ("PD", "SD")
    assert overridden.override_reason == demo_tumour.GROWTH_REASON  # no new lesion
    assert not overridden.new_lesions.exists()
    assert overridden.subject.site.code == "SH01"
    assert (
        overridden.assessment_date
        == assessments.filter(computed_response="PD").latest("assessment_date").assessment_date
    )
    assert AuditRecord.objects.filter(
        entity="tumour.tumourassessment",
        entity_id=str(overridden.pk),
        action="update",
        reason=demo_tumour.GROWTH_REASON,
    ).exists()
    assert f"the investigator reads PD as SD ({overridden.subject.subject_number}" in "\n".join(
        lines
    )
    for lesion in Lesion.objects.filter(subject__study=study):
        assert AuditRecord.objects.filter(entity="tumour.lesion", entity_id=str(lesion.pk))

    # a second run leaves the study as it is
    count = (Lesion.objects.count(), assessments.count())
    assert demo_data.simulate_study(study, TODAY, lines.append, subjects=12, seed="demo-1") == 0
    assert (Lesion.objects.count(), assessments.count()) == count
    assert assessments.exclude(investigator_response="").count() == 1


def test_a_new_lesion_read_as_benign_gives_the_haemangioma_reason():
    study, _lines = _simulated("sirolimus-pancreatic-cancer.yaml", "demo")
    overridden = TumourAssessment.objects.filter(subject__study=study).exclude(
        investigator_response=""
    )
    assert overridden.count() == 1
    assert overridden.get().new_lesions.exists()
    assert overridden.get().override_reason == demo_tumour.NEW_LESION_REASON


def test_irecist_demo_has_a_pseudo_progression():
    study, _lines = _simulated(ILDR, "demo")
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
    assert pseudo[0].best_overall_response == "iPR"
    assert pseudo[0].confirmed
    overridden = assessments.exclude(investigator_response="").get()
    assert (overridden.computed_response, overridden.investigator_response) == ("iUPD", "iSD")
    assert overridden.subject == pseudo[0].subject
