"""The tumour pages: subject page, lesion and assessment forms, live preview, the
investigator's response form and the site worklist."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from oncotrial.apps.tumour.models import Lesion, TumourAssessment

from .helpers import enter, entry, lesion

D = dt.date


@pytest.fixture
def world(tumour_world):
    return tumour_world()


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(name: str, subject, *more) -> str:
    return reverse(f"tumour:{name}", args=[subject.study.key, subject.subject_number, *more])


def test_a_refused_lesion_shows_the_rule_next_to_the_field(world):
    response = signed_in(world.coordinator).post(
        page("lesion_new", world.subject),
        {
            "code": "T1",
            "kind": "target",
            "organ": "liver",
            "method": "ct",
            "baseline_date": "2024-01-08",
            "baseline_mm": "8",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "T1: 8 mm is not measurable (minimum 10 mm) (RECIST 1.1 §3.1.1)" in html
    assert 'id="id_baseline_mm-error"' in html
    assert not Lesion.objects.exists()


def test_assessment_form_preview_and_save(world):
    enter(
        world.coordinator,
        world.subject,
        [
            lesion("T1", "target", "liver", 40),
            lesion("T2", "target", "lung", 25),
            lesion("NT1", "non_target", "bone", None),
        ],
        [],
    )
    client = signed_in(world.coordinator)
    form = client.get(page("assessment_new", world.subject))
    assert form.status_code == 200
    assert "hx-post" in form.content.decode()
    values = {
        "assessment_date": "2024-02-26",
        "method": "ct",
        "result_T1": "measured",
        "mm_T1": "27",
        "result_T2": "measured",
        "mm_T2": "17",
        "result_NT1": "present",
    }
    # 44 / 65 = -32.3 %: PR
    shown = client.post(page("preview", world.subject), values, HTTP_HX_REQUEST="true")
    html = shown.content.decode()
    assert shown.status_code == 200
    assert 'data-testid="preview-response">PR<' in html
    assert "44.0 mm" in html
    assert "-32.3 %" in html
    assert not TumourAssessment.objects.exists()
    saved = client.post(page("assessment_new", world.subject), values)
    assert saved.status_code == 302
    assessment = TumourAssessment.objects.get()
    assert assessment.computed_response == "PR"
    subject_page = client.get(page("subject", world.subject)).content.decode()
    assert "-32.3 %" in subject_page
    assert "44.0" in subject_page


def test_override_form_requires_a_reason_and_keeps_both(world):
    (saved,) = enter(
        world.coordinator,
        world.subject,
        [lesion("T1", "target", "liver", 40)],
        [entry(D(2024, 2, 26), {"T1": 26})],
    )
    client = signed_in(world.investigator)
    prefix = f"o{saved.pk}-"
    refused = client.post(
        page("override", world.subject, saved.pk),
        {f"{prefix}investigator_response": "SD", f"{prefix}expected_version": saved.version},
    )
    assert refused.status_code == 400
    assert "Give the reason the response differs" in refused.content.decode()
    kept = client.post(
        page("override", world.subject, saved.pk),
        {
            f"{prefix}investigator_response": "SD",
            f"{prefix}override_reason": "oblique cut of T1",
            f"{prefix}expected_version": saved.version,
        },
    )
    assert kept.status_code == 302
    html = client.get(page("subject", world.subject)).content.decode()
    assert "oblique cut of T1" in html
    assert ">PR<" in html  # the computed response is still shown


def test_worklist_lists_own_sites_with_imaging_due(world):
    enter(
        world.coordinator,
        world.subject,
        [lesion("T1", "target", "liver", 40)],
        [entry(D(2024, 2, 26), {"T1": 26})],
    )
    html = (
        signed_in(world.coordinator)
        .get(reverse("tumour:worklist", args=[world.study.key]))
        .content.decode()
    )
    assert world.subject.subject_number in html
    assert world.other_subject.subject_number not in html
    assert "2024-02-26" in html
    # the first dose was 2024-01-15: imaging visits every 6 weeks are overdue by now
    assert "Overdue" in html
