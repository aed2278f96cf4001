"""The casebook (page and API) and the form entry page: statuses, a number of database
queries that does not grow with the number of visits, field errors, reasons, conflicts
and item history on the page."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from oncotrial.apps.crfs import selectors
from oncotrial.apps.crfs.models import Lock, Signature
from oncotrial.apps.crfs.services import save_form
from tests.apps.crfs.sirolimus_form import BASELINE, FORM

pytestmark = pytest.mark.django_db


def fill_every_form(world, subject):
    """Save the baseline form at every baseline visit (some with a soft finding)."""
    for index, visit in enumerate(subject.visits.filter(visit_id="baseline").order_by("pk")):
        values = {**BASELINE, "weight": 130 if index % 3 == 0 else 68}
        save_form(world.coordinator, subject, FORM, values, visit=visit, expected_version=0)


def page_client(user):
    client = Client()
    client.force_login(user)
    return client


def api_client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def count_queries(call):
    with CaptureQueriesContext(connection) as captured:
        response = call()
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_casebook_queries_do_not_grow_with_visits(crf_world):
    small = crf_world.subject_with_visits(3)
    large = crf_world.subject_with_visits(30)
    fill_every_form(crf_world, small)
    fill_every_form(crf_world, large)
    key = crf_world.study.key
    client = page_client(crf_world.coordinator)
    api = api_client(crf_world.coordinator)

    def page(subject):
        return lambda: client.get(reverse("crfs:casebook", args=[key, subject.subject_number]))

    def endpoint(subject):
        return lambda: api.get(f"/api/studies/{key}/subjects/{subject.subject_number}/forms/")

    page(small)()  # warm the per-process protocol cache
    page_small, page_large = count_queries(page(small)), count_queries(page(large))
    api_small, api_large = count_queries(endpoint(small)), count_queries(endpoint(large))
    print(
        f"casebook queries: page {page_small} (3 visits) / {page_large} (30 visits), "
        f"api {api_small} / {api_large}"
    )
    assert page_small == page_large, (page_small, page_large)
    assert api_small == api_large, (api_small, api_large)
    assert page_large <= 20
    with CaptureQueriesContext(connection) as captured:
        book = selectors.casebook_for(large)
    assert len(captured.captured_queries) <= 6
    assert len(book.visits) == 30
    assert sum(len(v.forms) for v in book.visits) == 15


def test_casebook_statuses(crf_world):
    subject, visit = crf_world.subject, crf_world.visit
    book = selectors.casebook(crf_world.coordinator, crf_world.study, subject.subject_number)
    (entry,) = [e for v in book.visits if v.visit == visit for e in v.forms]
    assert entry.status == "not_started"

    save_form(
        crf_world.coordinator,
        subject,
        FORM,
        {"height": 172.5},
        visit=visit,
        expected_version=0,
        partial=True,
    )
    assert selectors.casebook_for(subject).forms[0].status == "in_progress"

    save_form(crf_world.coordinator, subject, FORM, BASELINE, visit=visit, expected_version=1)
    entry = selectors.casebook_for(subject).forms[0]
    assert entry.status == "complete"
    assert entry.version == 2

    save_form(
        crf_world.coordinator,
        subject,
        FORM,
        {"weight": 130},
        visit=visit,
        expected_version=2,
        reason="Re-weighed",
    )
    entry = selectors.casebook_for(subject).forms[0]
    assert (entry.status, entry.open_queries) == ("open_queries", 1)

    entry.instance.queries.update(status="closed")
    Signature.objects.create(
        subject=subject,
        scope="form",
        form_instance=entry.instance,
        signer=crf_world.investigator,
        printed_name="Dr I",
        meaning="I approve",
        signed_at=timezone.now(),
        content_hash="x",
    )
    assert selectors.casebook_for(subject).forms[0].status == "signed"

    Lock.objects.create(
        study=crf_world.study,
        scope="visit",
        visit=visit,
        locked_at=timezone.now(),
        locked_by=crf_world.data_manager,
    )
    book = selectors.casebook_for(subject)
    assert book.forms[0].status == "locked"
    assert [v.locked for v in book.visits if v.visit == visit] == [True]


def test_casebook_page_lists_forms_and_links(crf_world):
    save_form(
        crf_world.coordinator,
        crf_world.subject,
        FORM,
        BASELINE,
        visit=crf_world.visit,
        expected_version=0,
    )
    key, number = crf_world.study.key, crf_world.subject.subject_number
    response = page_client(crf_world.monitor).get(reverse("crfs:casebook", args=[key, number]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Baseline medical history and TNM staging" in html
    assert "Complete" in html
    assert f"?visit={crf_world.visit.pk}" in html
    other = crf_world.other_subject.subject_number
    assert (
        page_client(crf_world.coordinator)
        .get(reverse("crfs:casebook", args=[key, other]))
        .status_code
        == 404
    )


def test_subject_page_links_the_casebook(crf_world):
    key, number = crf_world.study.key, crf_world.subject.subject_number
    html = (
        page_client(crf_world.coordinator)
        .get(reverse("subjects:detail", args=[key, number]))
        .content.decode()
    )
    assert reverse("crfs:casebook", args=[key, number]) in html


def form_page(world, user=None):
    url = reverse("crfs:form", args=[world.study.key, world.subject.subject_number, FORM])
    return page_client(user or world.coordinator), f"{url}?visit={world.visit.pk}"


def post_values(values, **extra):
    data = {
        f"item_{k}": ("true" if v is True else "false" if v is False else v)
        for k, v in values.items()
    }
    data.update(extra)
    return data


def test_form_page_renders_inputs_from_the_definition(crf_world):
    client, url = form_page(crf_world)
    html = client.get(url).content.decode()
    assert 'name="item_height"' in html
    assert "(cm)" in html
    assert 'type="date"' in html
    assert 'type="checkbox" name="item_metastatic_sites" value="liver"' in html
    assert "data-show-if=" in html
    assert "crfs/show_if.js" in html
    assert 'name="reason"' not in html  # nothing saved yet
    assert 'class="required"' in html


def test_form_page_save_errors_reason_and_history(crf_world):
    client, url = form_page(crf_world)
    bad = client.post(url, post_values({**BASELINE, "height": 300}, expected_version="0"))
    assert bad.status_code == 400
    assert "above the maximum of 230 cm" in bad.content.decode()

    saved = client.post(url, post_values(BASELINE, expected_version="0"), follow=True)
    assert saved.status_code == 200
    html = saved.content.decode()
    assert "Saved" in html
    assert 'name="reason"' in html

    page = client.get(url).content.decode()
    original = json.loads(
        page.split('name="original" value="')[1].split('"')[0].replace("&quot;", '"')
    )
    no_reason = client.post(
        url,
        post_values(
            {**BASELINE, "weight": 70}, expected_version="1", original=json.dumps(original)
        ),
    )
    assert no_reason.status_code == 400
    assert "give a reason" in no_reason.content.decode()

    changed = client.post(
        url,
        post_values({**BASELINE, "weight": 130}, expected_version="1", reason="Re-weighed"),
        follow=True,
    )
    html = changed.content.decode()
    assert "Query opened" in html
    assert "expected range" in html
    assert 'id="history-weight"' in html
    assert "68.0 → <strong>130.0</strong>" in html
    assert "Re-weighed" in html


def test_form_page_conflict_shows_what_changed(crf_world):
    client, url = form_page(crf_world)
    client.post(url, post_values(BASELINE, expected_version="0"))
    original = json.dumps(BASELINE)
    save_form(
        crf_world.investigator,
        crf_world.subject,
        FORM,
        {"t_stage": "T4"},
        visit=crf_world.visit,
        expected_version=1,
        reason="Imaging review",
    )
    response = client.post(
        url,
        post_values(
            {**BASELINE, "weight": 70}, expected_version="1", reason="x", original=original
        ),
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "T stage" in html
    assert "T4" in html
    assert crf_world.investigator.username in html
    assert "Nothing you entered was saved" in html


def test_form_page_for_roles_without_entry_is_read_only(crf_world):
    client, url = form_page(crf_world, crf_world.monitor)
    html = client.get(url).content.decode()
    assert "disabled" in html
    assert 'name="save"' not in html
    assert client.post(url, post_values(BASELINE, expected_version="0")).status_code == 403
