"""The subject re-read by key for the services (`reread`, `reread_locked`) and its event
dates (`event_dates`) give what the ORM reads."""

from __future__ import annotations

import pytest
from django.db import transaction

from oncotrial.apps.subjects import selectors
from oncotrial.apps.subjects.models import Subject

pytestmark = pytest.mark.django_db


def _columns(instance) -> dict:
    return {
        field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields
    }


@pytest.mark.parametrize("read", [selectors.reread, selectors.reread_locked])
def test_reread_gives_the_subject_with_its_study_site_candidate_and_version(dm_world, read):
    with transaction.atomic():
        subject = read(dm_world.subject.pk)
    expected = Subject.objects.select_related("study", "site", "candidate", "protocol_version").get(
        pk=dm_world.subject.pk
    )
    assert _columns(subject) == _columns(expected)
    for relation in ("study", "site", "candidate"):
        assert Subject._meta.get_field(relation).is_cached(subject)
        assert _columns(getattr(subject, relation)) == _columns(getattr(expected, relation))
    assert subject.protocol_version.get_deferred_fields() == {"protocol"}
    assert subject.protocol_version.sha256 == expected.protocol_version.sha256


@pytest.mark.parametrize("read", [selectors.reread, selectors.reread_locked])
def test_reread_of_a_missing_subject_raises_does_not_exist(dm_world, read):
    with transaction.atomic(), pytest.raises(Subject.DoesNotExist):
        read(dm_world.subject.pk + 1000)


def test_event_dates_by_anchor(dm_world):
    subject = dm_world.subject
    expected = {event.anchor: event.date for event in subject.anchor_events.all()}
    assert expected
    assert selectors.event_dates(subject.pk) == expected
    assert selectors.event_dates(subject.pk + 1000) == {}
