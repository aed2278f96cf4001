"""`oncotrial.apps.rows.fetch` gives the model instances the ORM gives: the same value
for every column (dates and aware times, JSON, booleans, null foreign keys), the columns
not read deferred and loaded on access, in the order asked."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework.authtoken.models import Token

from oncotrial.apps.accounts.models import Membership
from oncotrial.apps.crfs.models import FormInstance, ItemValue
from oncotrial.apps.rows import fetch, fetch_one
from oncotrial.apps.subjects.models import Subject
from oncotrial.apps.visits.models import Visit

pytestmark = pytest.mark.django_db


def _columns(instance) -> dict:
    return {
        field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields
    }


@pytest.mark.parametrize("model", [Subject, Visit, FormInstance, ItemValue, Membership])
def test_every_column_reads_as_through_the_orm(dm_world, model):
    rows = fetch(model, "{pk} > %s", [0])
    assert rows
    assert [_columns(row) for row in rows] == [
        _columns(row) for row in model.objects.order_by("pk")
    ]


def test_values_keep_their_types(dm_world):
    subject = fetch_one(Subject, "{id} = %s", [dm_world.subject.pk])
    assert subject.enrollment_date.isoformat() == "2024-01-10"
    assert timezone.is_aware(subject.enrolled_at)
    weight = fetch_one(
        ItemValue, "{form_instance_id} = %s AND {item_id} = %s", [dm_world.form.pk, "weight"]
    )
    assert weight.value == 71
    memberships = fetch(Membership, "{study_id} = %s AND {site_id} IS NULL", [dm_world.study.pk])
    assert {m.role for m in memberships} == {"data_manager", "monitor", "statistician"}
    user = fetch_one(get_user_model(), "{id} = %s", [dm_world.monitor.pk])
    assert user.is_active is True
    assert user.is_superuser is False


def test_columns_not_read_are_deferred_and_load_on_access(dm_world):
    form = fetch_one(FormInstance, "{id} = %s", [dm_world.form.pk], columns=("id", "version"))
    assert form.get_deferred_fields() == {
        "subject_id",
        "visit_id",
        "form_id",
        "repeat_index",
        "created_at",
        "created_by_id",
        "updated_at",
        "updated_by_id",
    }
    assert form.form_id == "baseline_history"
    assert form.created_at == dm_world.form.created_at


def test_order_limit_and_a_primary_key_not_named_id(dm_world):
    visits = fetch(
        Visit,
        "{subject_id} = %s",
        [dm_world.subject.pk],
        order_by="{target_date} DESC, {id}",
        limit=3,
    )
    expected = list(
        Visit.objects.filter(subject=dm_world.subject).order_by("-target_date", "id")[:3]
    )
    assert visits == expected
    token = Token.objects.create(user=dm_world.monitor)
    assert fetch_one(Token, "{pk} = %s", [token.key]).user_id == dm_world.monitor.pk
    assert fetch_one(Token, "{key} = %s", ["no such token"]) is None


def test_related_rows_are_read_in_the_same_statement(dm_world, django_assert_num_queries):
    candidate = dm_world.subject.candidate
    version = dm_world.subject.protocol_version
    with django_assert_num_queries(1):
        [subject] = fetch(
            Subject,
            "{id} = %s AND {site__code} = %s",
            [dm_world.subject.pk, "S01"],
            related={"site": None, "candidate": None, "protocol_version": ("id", "label")},
        )
        assert subject.site.code == "S01"
        assert subject.candidate.screening_number == candidate.screening_number
        assert subject.protocol_version.label == version.label
    assert subject.protocol_version.get_deferred_fields() >= {"protocol", "sha256"}
    # a foreign key that may be null: LEFT JOIN, None where it is null
    memberships = fetch(
        Membership, "{study_id} = %s", [dm_world.study.pk], related={"site": ("id", "code")}
    )
    expected = Membership.objects.filter(study=dm_world.study).select_related("site")
    assert {(m.role, m.user_id, m.site.code if m.site else None) for m in memberships} == {
        (m.role, m.user_id, m.site.code if m.site else None) for m in expected
    }
    assert any(m.site is None for m in memberships)
    assert fetch(Subject, "{site__code} = %s", ["nowhere"], related={"site": None}) == []


def test_rows_further_along_foreign_keys_come_in_the_same_statement(
    dm_world, django_assert_num_queries
):
    subject = dm_world.subject
    visit = Visit.objects.filter(subject=subject).order_by("pk").first()
    label = subject.protocol_version.label
    with django_assert_num_queries(1):
        [read] = fetch(
            Visit,
            "{id} = %s AND {subject__subject_number} = %s AND {subject__site__code} = %s",
            [visit.pk, subject.subject_number, "S01"],
            related={
                "subject": None,
                "subject__site": None,
                "subject__protocol_version": ("id", "label"),
            },
        )
        assert read.subject.subject_number == subject.subject_number
        assert read.subject.site.code == "S01"
        assert read.subject.protocol_version.label == label
    assert _columns(read.subject) == _columns(Subject.objects.get(pk=subject.pk))
    # through a foreign key that may be null: no row there, none further along
    now = timezone.now()
    someone = get_user_model().objects.first()
    FormInstance.objects.create(
        subject=subject,
        visit=None,
        form_id="subject_level",
        created_at=now,
        created_by=someone,
        updated_at=now,
        updated_by=someone,
    )
    instances = fetch(
        FormInstance,
        "{subject_id} = %s",
        [subject.pk],
        related={"visit": None, "visit__subject": ("id", "subject_number")},
    )
    expected = FormInstance.objects.filter(subject=subject).select_related("visit__subject")
    assert {(i.pk, i.visit and i.visit.subject.subject_number) for i in instances} == {
        (i.pk, i.visit and i.visit.subject.subject_number) for i in expected
    }
    assert any(i.visit is None for i in instances)
    with pytest.raises(ValueError, match="read subject first"):
        fetch(Visit, "{pk} > %s", [0], related={"subject__site": None})


def test_statements_run_together_change_what_each_would_and_answer_the_one_asked(
    dm_world, django_assert_num_queries
):
    from django.db import connection, transaction

    from oncotrial.apps.rows import execute_together

    visits = list(Visit.objects.filter(subject=dm_world.subject).order_by("pk")[:3])
    update = 'UPDATE "visits_visit" SET "label" = %s WHERE "id" = %s'
    answering = 'UPDATE "visits_visit" SET "label" = %s WHERE "id" = %s RETURNING "id"'
    together = 1 if connection.vendor == "postgresql" else 3
    with transaction.atomic(), django_assert_num_queries(together):
        answer = execute_together(
            [
                (update, ["first relabelled", visits[0].pk]),
                (answering, ["second relabelled", visits[1].pk]),
                (update, ["third relabelled", visits[2].pk]),
            ],
            answer=1,
        )
    assert answer == [(visits[1].pk,)]
    labels = [v.label for v in Visit.objects.filter(pk__in=[v.pk for v in visits]).order_by("pk")]
    assert labels == ["first relabelled", "second relabelled", "third relabelled"]
    # a single statement runs as it is; a statement without rows answers none
    read = 'SELECT "label" FROM "visits_visit" WHERE "id" = %s'
    with django_assert_num_queries(1):
        assert execute_together([(read, [visits[0].pk])]) == [("first relabelled",)]
    assert execute_together([(update, ["again", visits[0].pk])]) == []
