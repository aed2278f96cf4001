"""Every service that changes data leaves exactly the expected audit records: how many,
which entity and field, old and new value, and the reason."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from oncotrial.apps.accounts import services as accounts
from oncotrial.apps.audit.models import AuditRecord
from oncotrial.apps.screening import services as screening
from oncotrial.apps.subjects import services as subjects
from oncotrial.apps.visits import services as visits
from oncotrial.apps.visits.models import Visit
from oncotrial.domain.permissions import Role

pytestmark = pytest.mark.django_db

Row = tuple[str, str, str, str | None, str | None, str]


@contextmanager
def written() -> Iterator[list[Row]]:
    """The records written inside the block: (entity, field, action, old, new, reason)."""
    last = AuditRecord.objects.order_by("-id").values_list("id", flat=True).first() or 0
    rows: list[Row] = []
    yield rows
    rows.extend(
        AuditRecord.objects.filter(id__gt=last)
        .order_by("id")
        .values_list("entity", "field", "action", "old_value", "new_value", "reason")
    )


@pytest.fixture
def sirolimus(conduct_study):
    return conduct_study("sirolimus-pancreatic-cancer.yaml")


@pytest.fixture
def coordinator(sirolimus, conduct_member):
    return conduct_member(sirolimus, "coordinator", "S01")


# --------------------------------------------------------------------------- accounts


def test_add_site_records_each_field_once(conduct_admin) -> None:
    with written() as rows:
        site = accounts.add_site(conduct_admin, code="LY", name="Lyon", city="Lyon", country="FR")
    assert rows == [
        ("accounts.site", "code", "create", None, "LY", ""),
        ("accounts.site", "name", "create", None, "Lyon", ""),
        ("accounts.site", "city", "create", None, "Lyon", ""),
        ("accounts.site", "country", "create", None, "FR", ""),
    ]
    with written() as again:
        assert accounts.add_site(conduct_admin, code="LY", name="Other") == site
    assert again == []


def test_add_study_site_and_grant_role(sirolimus, conduct_admin, django_user_model) -> None:
    site = accounts.add_site(conduct_admin, code="LY", name="Lyon")
    with written() as rows:
        accounts.add_study_site(conduct_admin, sirolimus, site, "07")
    assert rows == [
        ("accounts.studysite", "study_id", "create", None, str(sirolimus.pk), ""),
        ("accounts.studysite", "site_id", "create", None, str(site.pk), ""),
        ("accounts.studysite", "subject_prefix", "create", None, "07", ""),
    ]
    person = django_user_model.objects.create(username="nurse")
    with written() as rows:
        accounts.grant_role(conduct_admin, person, sirolimus, Role.COORDINATOR, site)
        accounts.grant_role(conduct_admin, person, sirolimus, Role.COORDINATOR, site)
    assert rows == [
        ("accounts.membership", "user_id", "create", None, str(person.pk), ""),
        ("accounts.membership", "study_id", "create", None, str(sirolimus.pk), ""),
        ("accounts.membership", "site_id", "create", None, str(site.pk), ""),
        ("accounts.membership", "role", "create", None, "coordinator", ""),
    ]
    record = AuditRecord.objects.order_by("id").last()
    assert record is not None
    assert (record.username, record.study_key, record.site_code) == (
        "setup-admin",
        sirolimus.key,
        "LY",
    )


# --------------------------------------------------------------------------- visits


@pytest.fixture
def subject(sirolimus, coordinator, conduct_candidate):
    subject = subjects.enroll(coordinator, conduct_candidate(sirolimus), dt.date(2024, 1, 10))
    subjects.record_anchor_event(coordinator, subject, "first_dose", dt.date(2024, 1, 15))
    subject.refresh_from_db()
    return subject


def test_record_visit_then_correct_it_then_mark_it_missed(subject, coordinator) -> None:
    visit = Visit.objects.get(subject=subject, visit_id="baseline", occurrence=1)
    entity_id = str(visit.pk)
    with written() as rows:
        visit = visits.record_visit(coordinator, visit, dt.date(2024, 1, 14), visit.version)
    assert rows == [("visits.visit", "actual_date", "update", None, "2024-01-14", "")]

    with written() as rows:
        visit = visits.record_visit(
            coordinator, visit, dt.date(2024, 1, 13), visit.version, reason="date misread"
        )
    assert rows == [
        ("visits.visit", "actual_date", "update", "2024-01-14", "2024-01-13", "date misread")
    ]

    with written() as rows:
        visits.mark_missed(coordinator, visit, "patient in hospital elsewhere", visit.version)
    why = "patient in hospital elsewhere"
    assert rows == [
        ("visits.visit", "actual_date", "update", "2024-01-13", None, why),
        ("visits.visit", "missed", "update", "false", "true", why),
        ("visits.visit", "missed_reason", "update", "", why, why),
    ]
    assert set(
        AuditRecord.objects.filter(entity="visits.visit", field="actual_date").values_list(
            "entity_id", flat=True
        )
    ) >= {entity_id}
    assert {
        r.subject_ref
        for r in AuditRecord.objects.filter(entity_id=entity_id, entity="visits.visit")
    } == {subject.subject_number}


# --------------------------------------------------------------------------- screening


def test_screening_values_created_changed_and_cleared(sirolimus, coordinator, conduct_candidate):
    candidate = conduct_candidate(sirolimus, consent=False, confirmed=False)
    with written() as rows:
        candidate = screening.record_screening_values(coordinator, candidate, {"ecog": (1, None)})
    value_rows = [r for r in rows if r[0] == "screening.screeningvalue"]
    assert value_rows == [
        ("screening.screeningvalue", "variable", "create", None, "ecog", ""),
        ("screening.screeningvalue", "value", "create", None, "1", ""),
        ("screening.screeningvalue", "unit", "create", None, "", ""),
    ]
    assert [r for r in rows if r[0] != "screening.screeningvalue"] == [
        r for r in rows if r[0] == "screening.candidate"
    ]

    with written() as rows:
        candidate = screening.record_screening_values(
            coordinator, candidate, {"ecog": (2, None)}, reason="re-assessed"
        )
    assert [r for r in rows if r[0] == "screening.screeningvalue"] == [
        ("screening.screeningvalue", "value", "update", "1", "2", "re-assessed"),
    ]

    with written() as rows:
        screening.record_screening_values(
            coordinator, candidate, {"ecog": ("", None)}, reason="entered for the wrong person"
        )
    why = "entered for the wrong person"
    assert [r for r in rows if r[0] == "screening.screeningvalue"] == [
        ("screening.screeningvalue", "variable", "delete", "ecog", None, why),
        ("screening.screeningvalue", "value", "delete", "2", None, why),
        ("screening.screeningvalue", "unit", "delete", "", None, why),
    ]
