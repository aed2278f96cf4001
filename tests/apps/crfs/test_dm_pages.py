"""Data-management pages: open queries with age and filters, the query thread with its
forms, raising a query from a subject or an item, signing with the password, and
locking and unlocking with the lock badge."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from oncotrial.apps.crfs import queries, signatures
from oncotrial.apps.crfs.models import Lock, Query, Signature


@pytest.fixture
def world(dm_world):
    return dm_world


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_query_pages(world):
    key = world.study.key
    dm = client_for(world.data_manager)
    url = reverse("crfs_dm:raise_query", args=[key]) + f"?form={world.form.pk}&item=weight"
    page = dm.get(url)
    assert page.status_code == 200
    assert b"weight" in page.content
    response = dm.post(url, {"subject": "", "form": world.form.pk, "item": "weight", "text": " "})
    assert response.status_code == 400
    response = dm.post(
        url, {"subject": "", "form": world.form.pk, "item": "weight", "text": "Unit?"}
    )
    assert response.status_code == 302
    query = Query.objects.get()
    assert (query.form_instance, query.item_id) == (world.form, "weight")

    listing = client_for(world.coordinator).get(reverse("crfs_dm:queries", args=[key]))
    assert listing.status_code == 200
    assert f"#{query.pk}".encode() in listing.content
    closed = client_for(world.coordinator).get(
        reverse("crfs_dm:queries", args=[key]) + "?status=closed"
    )
    assert f"#{query.pk}".encode() not in closed.content

    coordinator = client_for(world.coordinator)
    thread = coordinator.get(reverse("crfs_dm:query", args=[key, query.pk]))
    assert b'action="' + reverse("crfs_dm:query_step", args=[key, query.pk, "answer"]).encode() in (
        thread.content
    )
    assert b"/close/" not in thread.content
    step = reverse("crfs_dm:query_step", args=[key, query.pk, "answer"])
    response = coordinator.post(step, {"answer-text": "kg", "answer-expected_version": 1})
    assert response.status_code == 302
    query.refresh_from_db()
    assert query.status == "answered"
    # stale form: conflict shown, nothing changed
    response = client_for(world.data_manager).post(
        reverse("crfs_dm:query_step", args=[key, query.pk, "close"]),
        {"close-text": "ok", "close-expected_version": 1},
    )
    assert response.status_code == 400
    assert b"changed by someone else" in response.content
    # roles that may not: 403
    response = coordinator.post(
        reverse("crfs_dm:query_step", args=[key, query.pk, "close"]),
        {"close-text": "ok", "close-expected_version": 2},
    )
    assert response.status_code == 403
    assert client_for(world.coordinator).get(url).status_code == 403
    # other site: 404
    other = client_for(world.other_investigator)
    assert other.get(reverse("crfs_dm:query", args=[key, query.pk])).status_code == 404


def test_signing_page(world):
    key = world.study.key
    url = reverse("crfs_dm:signatures", args=[key, world.subject.subject_number])
    investigator = client_for(world.investigator)
    page = investigator.get(url)
    assert page.status_code == 200
    assert b"Sign this form" in page.content
    assert b"Sign the casebook" in page.content
    prefix = f"form-{world.form.pk}"
    body = {
        "prefix": prefix,
        f"{prefix}-scope": "form",
        f"{prefix}-form_instance": world.form.pk,
        f"{prefix}-meaning": signatures.DEFAULT_MEANINGS["form"],
        f"{prefix}-password": "wrong",
    }
    response = investigator.post(url, body)
    assert response.status_code == 400
    assert b"Nothing was signed" in response.content
    assert not Signature.objects.exists()
    response = investigator.post(url, {**body, f"{prefix}-password": world.password})
    assert response.status_code == 302
    assert Signature.objects.count() == 1

    signatures.invalidate_for(world.form, "Weight corrected", user=world.coordinator)
    page = client_for(world.coordinator).get(url)
    assert b"Invalidated" in page.content
    assert b"Weight corrected" in page.content
    assert b"Sign this form" not in page.content  # coordinators do not sign
    other = reverse("crfs_dm:signatures", args=[key, world.other_subject.subject_number])
    assert investigator.get(other).status_code == 404


def test_lock_pages(world):
    key = world.study.key
    url = reverse("crfs_dm:locks", args=[key])
    dm = client_for(world.data_manager)
    assert b"Lock data" in dm.get(url).content
    response = dm.post(url, {"scope": "visit", "visit": world.visit.pk, "reason": "Frozen"})
    assert response.status_code == 302
    lock = Lock.objects.get()
    review = client_for(world.coordinator).get(
        reverse("crfs_dm:signatures", args=[key, world.subject.subject_number])
    )
    assert b"Locked (visit)" in review.content
    coordinator = client_for(world.coordinator)
    assert b"Lock data" not in coordinator.get(url).content
    assert coordinator.post(url, {"scope": "study", "reason": "x"}).status_code == 403
    unlock = reverse("crfs_dm:unlock", args=[key, lock.pk])
    assert coordinator.post(unlock, {"reason": "x"}).status_code == 403
    response = dm.post(unlock, {"reason": ""})
    assert response.status_code == 400
    lock.refresh_from_db()
    assert lock.unlocked_at is None
    assert dm.post(unlock, {"reason": "Correction"}).status_code == 302
    lock.refresh_from_db()
    assert lock.unlock_reason == "Correction"


def test_nav_links_and_subject_link(world):
    key = world.study.key
    page = client_for(world.coordinator).get(
        reverse("subjects:detail", args=[key, world.subject.subject_number])
    )
    assert reverse("crfs_dm:queries", args=[key]).encode() in page.content
    assert (
        reverse("crfs_dm:signatures", args=[key, world.subject.subject_number]).encode()
        in page.content
    )
    queries.raise_query(world.monitor, world.subject, "Consent date?")
    review = client_for(world.monitor).get(
        reverse("crfs_dm:signatures", args=[key, world.subject.subject_number])
    )
    assert b"Consent date?" in review.content
    assert b"Raise a query on this subject" in review.content
