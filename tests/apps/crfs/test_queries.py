"""Queries: raising (manual and automatic), answering, re-opening and closing, with the
transitions each role may make, audit records, version conflicts and the per-site list
of open queries with their age."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from oncotrial.apps.accounts.models import Site
from oncotrial.apps.crfs import queries, query_selectors
from oncotrial.apps.crfs.models import Query, QueryMessage

from .audit_helpers import audit_written

QUERY_CREATE = [("crfs.query", f, "create") for f in queries.QUERY_FIELDS]
MESSAGE_CREATE = [("crfs.querymessage", f, "create") for f in queries.MESSAGE_FIELDS]


@pytest.fixture
def world(dm_world):
    return dm_world


@pytest.fixture
def query(world):
    return queries.raise_query(
        world.data_manager,
        world.subject,
        "CA19-9 of 120.5 U/mL: please confirm against the lab report.",
        form_instance=world.form,
        item_id="ca19_9",
    )


def test_raise_query_writes_query_message_and_audit(world):
    with audit_written() as written:
        query = queries.raise_query(
            world.monitor,
            world.subject,
            "  Weight missing unit?  ",
            form_instance=world.form,
            item_id="weight",
        )
    assert query.status == Query.Status.OPEN
    assert query.origin == Query.Origin.MANUAL
    assert (query.site, query.study, query.raised_by) == (
        world.subject.site,
        world.study,
        world.monitor,
    )
    assert query.text == "Weight missing unit?"
    assert [(m.action, m.text, m.by) for m in query.messages.all()] == [
        ("open", "Weight missing unit?", world.monitor)
    ]
    assert written.fields() == QUERY_CREATE + MESSAGE_CREATE
    assert {r.username for r in written.records} == {world.monitor.username}
    assert {r.subject_ref for r in written.records} == {world.subject.subject_number}
    assert {r.site_code for r in written.records} == {"S01"}


def test_raise_query_on_subject_only(world):
    query = queries.raise_query(world.data_manager, world.subject, "Date of consent?")
    assert query.form_instance is None
    assert query.item_id == ""


@pytest.mark.parametrize("role", ["investigator", "coordinator", "statistician"])
def test_roles_that_may_not_raise_are_refused(world, role):
    with pytest.raises(PermissionDenied):
        queries.raise_query(getattr(world, role), world.subject, "Why?")
    assert not Query.objects.exists()


def test_raise_query_field_errors(world):
    with pytest.raises(ValidationError) as exc:
        queries.raise_query(world.data_manager, world.subject, "  ", form_instance=world.other_form)
    assert set(exc.value.message_dict) == {"text", "form_instance"}
    with pytest.raises(ValidationError) as exc:
        queries.raise_query(world.data_manager, world.subject, "Why?", item_id="weight")
    assert set(exc.value.message_dict) == {"item_id"}
    assert not Query.objects.exists()


def test_answer_then_close(world, query):
    with audit_written() as written:
        answered = queries.answer(world.coordinator, query, "Confirmed on the lab report.", 1)
    assert answered.status == Query.Status.ANSWERED
    assert answered.version == 2
    assert written.fields() == [
        ("crfs.query", "status", "update"),
        ("crfs.query", "version", "update"),
        *MESSAGE_CREATE,
    ]
    assert (written.records[0].old_value, written.records[0].new_value) == ("open", "answered")

    with audit_written() as written:
        closed = queries.close(world.data_manager, answered, "Resolved.", 2)
    assert closed.status == Query.Status.CLOSED
    assert closed.closed_at is not None
    assert written.fields() == [
        ("crfs.query", "status", "update"),
        ("crfs.query", "closed_at", "update"),
        ("crfs.query", "version", "update"),
        *MESSAGE_CREATE,
    ]
    assert [m.action for m in closed.messages.all()] == ["open", "answer", "close"]


def test_reopen_answered_and_closed(world, query):
    queries.answer(world.investigator, query, "Value is right.", 1)
    reopened = queries.reopen(world.monitor, query, "The report says 12.5.", 2)
    assert reopened.status == Query.Status.OPEN
    closed = queries.close(world.data_manager, reopened, "Corrected.", 3)
    with audit_written() as written:
        again = queries.reopen(world.data_manager, closed, "Still wrong in the form.", 4)
    assert again.status == Query.Status.OPEN
    assert again.closed_at is None
    assert [f for _, f, _ in written.fields()[:3]] == ["status", "closed_at", "version"]
    assert [m.action for m in again.messages.all()] == [
        "open",
        "answer",
        "reopen",
        "close",
        "reopen",
    ]


def test_data_manager_may_close_an_open_query(world, query):
    closed = queries.close(world.data_manager, query, "Raised in error.", 1)
    assert closed.status == Query.Status.CLOSED


@pytest.mark.parametrize(
    ("step", "status_before", "message"),
    [
        ("answer", "answered", "cannot be answered"),
        ("answer", "closed", "cannot be answered"),
        ("reopen", "open", "cannot be re-opened"),
        ("close", "closed", "cannot be closed"),
    ],
)
def test_transitions_refused(world, query, step, status_before, message):
    version = 1
    if status_before == "answered":
        queries.answer(world.coordinator, query, "Yes.", 1)
        version = 2
    elif status_before == "closed":
        queries.close(world.data_manager, query, "Done.", 1)
        version = 2
    user = world.coordinator if step == "answer" else world.data_manager
    count = QueryMessage.objects.count()
    with audit_written() as written, pytest.raises(ValidationError) as exc:
        getattr(queries, step)(user, query, "Text.", version)
    assert message in exc.value.message_dict["status"][0]
    assert written.records == []
    assert QueryMessage.objects.count() == count
    query.refresh_from_db()
    assert query.status == status_before
    assert query.version == version


@pytest.mark.parametrize(
    ("step", "role"),
    [
        ("answer", "data_manager"),
        ("answer", "monitor"),
        ("answer", "statistician"),
        ("close", "coordinator"),
        ("close", "investigator"),
        ("reopen", "coordinator"),
        ("answer", "other_investigator"),
    ],
)
def test_roles_refused_and_nothing_changes(world, query, step, role):
    if step == "reopen":
        queries.answer(world.coordinator, query, "Yes.", 1)
    query.refresh_from_db()
    before = (query.status, query.version, query.messages.count())
    with audit_written() as written, pytest.raises(PermissionDenied):
        getattr(queries, step)(getattr(world, role), query, "Text.", query.version)
    query.refresh_from_db()
    assert (query.status, query.version, query.messages.count()) == before
    assert written.records == []


def test_stale_version_is_a_conflict(world, query):
    queries.answer(world.coordinator, query, "Yes.", 1)
    with pytest.raises(queries.QueryConflict) as exc:
        queries.close(world.data_manager, query, "Done.", 1)
    assert exc.value.current == 2
    query.refresh_from_db()
    assert query.status == Query.Status.ANSWERED


def test_answer_needs_text(world, query):
    with pytest.raises(ValidationError) as exc:
        queries.answer(world.coordinator, query, " ", 1)
    assert "text" in exc.value.message_dict


def test_automatic_query_is_not_duplicated(world):
    with audit_written() as written:
        first = queries.raise_automatic(world.form, "ca19_9", "ca19_9_range", "Above 100 U/mL.")
    assert first.origin == Query.Origin.AUTOMATIC
    assert first.raised_by is None
    assert written.fields() == QUERY_CREATE + MESSAGE_CREATE
    assert {r.username for r in written.records} == {"system"}
    with audit_written() as written:
        again = queries.raise_automatic(world.form, "ca19_9", "ca19_9_range", "Above 100 U/mL.")
    assert again.pk == first.pk
    assert written.records == []
    # another check, another item: new queries
    other = queries.raise_automatic(world.form, "weight", "weight_range", "Over 200 kg.")
    assert other.pk != first.pk
    # once closed, the check may raise it again
    queries.close(world.data_manager, first, "Confirmed.", 1)
    new = queries.raise_automatic(world.form, "ca19_9", "ca19_9_range", "Above 100 U/mL.")
    assert new.pk not in {first.pk, other.pk}


def test_open_queries_per_site_with_age_oldest_first(world, query):
    other = queries.raise_query(world.data_manager, world.other_subject, "Other site question.")
    newer = queries.raise_query(world.data_manager, world.subject, "Newer question.")
    Query.objects.filter(pk=query.pk).update(raised_at=timezone.now() - dt.timedelta(days=9))
    Query.objects.filter(pk=other.pk).update(raised_at=timezone.now() - dt.timedelta(days=3))
    today = timezone.localdate()

    rows = query_selectors.open_queries(world.data_manager, world.study, today=today)
    assert [(r.query.pk, r.age_days) for r in rows] == [(query.pk, 9), (other.pk, 3), (newer.pk, 0)]

    s01 = Site.objects.get(code="S01")
    rows = query_selectors.open_queries(world.data_manager, world.study, s01, today=today)
    assert [r.query.pk for r in rows] == [query.pk, newer.pk]

    # site staff see their own site only
    rows = query_selectors.open_queries(world.coordinator, world.study, today=today)
    assert [r.query.pk for r in rows] == [query.pk, newer.pk]
    rows = query_selectors.open_queries(world.other_investigator, world.study, today=today)
    assert [r.query.pk for r in rows] == [other.pk]

    queries.close(world.data_manager, newer, "Done.", 1)
    assert [
        r.query.pk
        for r in query_selectors.open_queries(world.data_manager, world.study, today=today)
    ] == [query.pk, other.pk]
    closed = query_selectors.open_queries(
        world.data_manager, world.study, today=today, status="closed"
    )
    assert [r.query.pk for r in closed] == [newer.pk]


def test_queries_for_form_and_subject(world, query):
    on_subject = queries.raise_query(world.data_manager, world.subject, "General question.")
    assert list(query_selectors.queries_for(world.form)) == [query]
    assert list(query_selectors.queries_for(world.subject)) == [query, on_subject]


def test_get_query_is_site_scoped(world, query):
    assert query_selectors.get_query(world.coordinator, world.study, query.pk) == query
    with pytest.raises(Query.DoesNotExist):
        query_selectors.get_query(world.other_investigator, world.study, query.pk)
