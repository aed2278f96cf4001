"""Reporting and changing adverse events, serious events and their reports: what is
refused (with the field named), what is stored and the audit records written."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from oncotrial.apps.audit.models import AuditRecord
from oncotrial.apps.records import RecordConflict
from oncotrial.apps.safety import services
from oncotrial.apps.safety.models import AdverseEvent, AeRelationship, SaeReport

from .conftest import NOW, RELATED, ae_values

pytestmark = pytest.mark.django_db


def audit(entity: str, pk: int) -> dict[str, tuple[str, str | None, str | None, str]]:
    return {
        r.field: (r.action, r.old_value, r.new_value, r.reason)
        for r in AuditRecord.objects.filter(entity=entity, entity_id=str(pk))
    }


def refused(call) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.message_dict


def test_report_an_event_stores_the_matched_term_and_relationships(safety_world):
    w = safety_world
    event = services.report_event(
        w.staff["coordinator"], w.subject, ae_values(term=" hypertension "), RELATED, now=NOW
    )
    assert (event.term_entered, event.term, event.soc, event.meddra_code) == (
        "hypertension",
        "Hypertension",
        "Vascular disorders",
        "10020772",
    )
    assert event.ctcae_version == "5.0"
    assert {r.intervention_id: r.relationship for r in event.relationships.all()} == RELATED
    assert not event.sae_reports.exists()
    trail = audit("safety.adverseevent", event.pk)
    assert trail["term"] == ("create", None, "Hypertension", "")
    assert trail["grade"] == ("create", None, "2", "")
    assert trail["onset_date"][2] == "2025-04-02"
    for rel in event.relationships.all():
        assert audit("safety.aerelationship", rel.pk)["relationship"][2] == rel.relationship
    assert AuditRecord.objects.filter(subject_ref=w.subject.subject_number).filter(
        entity__startswith="safety."
    ).count() == len(AdverseEvent.audited_fields) + 2 * len(AeRelationship.audited_fields)


def test_a_grade_the_term_does_not_allow_is_refused_naming_the_allowed_grades(safety_world):
    w = safety_world
    errors = refused(
        lambda: services.report_event(
            w.staff["coordinator"],
            w.subject,
            ae_values(term="Alopecia", grade=3),
            RELATED,
            now=NOW,
        )
    )
    assert errors == {"grade": ["Alopecia allows grades 1–2 in CTCAE 5.0; 3 is not one of them."]}
    assert not AdverseEvent.objects.exists()
    assert not AuditRecord.objects.filter(entity__startswith="safety.").exists()


def test_an_unknown_term_and_a_missing_relationship_are_refused(safety_world):
    w = safety_world
    errors = refused(
        lambda: services.report_event(
            w.staff["coordinator"],
            w.subject,
            ae_values(term="Tiredness"),
            {"anlotinib": "possible"},
            now=NOW,
        )
    )
    assert errors["term"] == ["“Tiredness” is not a term of CTCAE 5.0; choose one from the list."]
    assert errors["relationships"] == ["Give the relationship to Toripalimab."]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"grade": 5, "ongoing": False, "resolution_date": dt.date(2025, 4, 9)},
            "outcome",
            "A grade 5 event is fatal: set the outcome to fatal.",
        ),
        (
            {"ongoing": False, "resolution_date": dt.date(2025, 4, 1), "outcome": "recovered"},
            "resolution_date",
            "The resolution date 2025-04-01 is before the onset date 2025-04-02.",
        ),
        (
            {"onset_date": dt.date(2025, 5, 11)},
            "onset_date",
            "The onset date 2025-05-11 is in the future.",
        ),
        (
            {"onset_date": dt.date(2025, 3, 1)},
            "onset_date",
            "The onset date 2025-03-01 is before the subject's informed consent (2025-03-04); "
            "record it as medical history instead.",
        ),
        (
            {"serious": True, "aware_at": NOW},
            "criteria",
            "A serious event meets at least one seriousness criterion.",
        ),
        (
            {"serious": True, "criteria": ["hospitalisation"]},
            "aware_at",
            "Give when the site became aware of the serious event.",
        ),
    ],
)
def test_consistency_checks_name_the_field(safety_world, changes, field, message):
    w = safety_world
    errors = refused(
        lambda: services.report_event(
            w.staff["coordinator"], w.subject, ae_values(**changes), RELATED, now=NOW
        )
    )
    assert message in errors[field]
    assert not AdverseEvent.objects.exists()


def test_a_role_without_enter_data_is_refused_before_any_field_message(safety_world):
    w = safety_world
    with pytest.raises(PermissionDenied):
        services.report_event(w.staff["monitor"], w.subject, {"term": "x"}, {}, now=NOW)
    with pytest.raises(PermissionDenied):
        services.report_event(w.bj02_staff["coordinator"], w.subject, ae_values(), RELATED, now=NOW)


def test_change_needs_a_reason_and_the_version_read(safety_world):
    w = safety_world
    user = w.staff["investigator"]
    event = services.report_event(user, w.subject, ae_values(), RELATED, now=NOW)
    assert refused(
        lambda: services.change_event(user, event, {"grade": 3}, expected_version=1, reason="")
    ) == {"reason": ["Give a reason for changing what was saved."]}
    changed = services.change_event(
        user,
        event,
        {"grade": 3},
        {"toripalimab": "possible"},
        expected_version=1,
        reason="blood pressure re-measured",
        now=NOW,
    )
    assert (changed.grade, changed.version) == (3, 2)
    assert audit("safety.adverseevent", event.pk)["grade"] == (
        "update",
        "2",
        "3",
        "blood pressure re-measured",
    )
    rel = changed.relationships.get(intervention_id="toripalimab")
    assert rel.relationship == "possible"
    assert audit("safety.aerelationship", rel.pk)["relationship"] == (
        "update",
        "unlikely",
        "possible",
        "blood pressure re-measured",
    )
    with pytest.raises(RecordConflict):
        services.change_event(user, event, {"grade": 1}, expected_version=1, reason="again")


def test_mark_serious_creates_the_initial_report_due_24_hours_after_awareness(safety_world):
    w = safety_world
    user = w.staff["investigator"]
    event = services.report_event(user, w.subject, ae_values(grade=3), RELATED, now=NOW)
    aware = dt.datetime(2025, 5, 10, 8, 0, tzinfo=dt.UTC)
    services.mark_serious(
        user,
        event,
        ["hospitalisation"],
        aware,
        expected_version=1,
        reason="admitted for hypertensive crisis",
        now=NOW,
    )
    event.refresh_from_db()
    assert event.serious
    assert event.criteria == ["hospitalisation"]
    [report] = event.sae_reports.all()
    assert (report.kind, report.sequence, report.status) == ("initial", 0, "draft")
    assert report.due_at == dt.datetime(2025, 5, 11, 8, 0, tzinfo=dt.UTC)
    trail = audit("safety.adverseevent", event.pk)
    assert trail["serious"] == ("update", "false", "true", "admitted for hypertensive crisis")
    assert trail["hospitalisation"][:3] == ("update", "false", "true")
    assert audit("safety.saereport", report.pk)["due_at"][0] == "create"


def _serious(w, aware=dt.datetime(2025, 5, 9, 20, 0, tzinfo=dt.UTC)):
    return services.report_event(
        w.staff["investigator"],
        w.subject,
        ae_values(
            term="Febrile neutropenia",
            grade=3,
            serious=True,
            criteria=["hospitalisation"],
            aware_at=aware,
            onset_date=dt.date(2025, 5, 9),
        ),
        RELATED,
        now=NOW,
    )


def test_report_sent_on_time(safety_world):
    w = safety_world
    event = _serious(w)
    report = event.sae_reports.get()
    assert report.due_at == dt.datetime(2025, 5, 10, 20, 0, tzinfo=dt.UTC)
    sent_at = dt.datetime(2025, 5, 10, 11, 0, tzinfo=dt.UTC)
    sent = services.record_sent(
        w.staff["coordinator"], report, sent_to_sponsor_at=sent_at, expected_version=1, now=NOW
    )
    assert (sent.status, sent.sent_to_sponsor_at, sent.on_time) == ("sent", sent_at, True)
    trail = audit("safety.saereport", report.pk)
    assert trail["status"] == ("update", "draft", "sent", "Initial report sent to the sponsor")
    assert trail["sent_to_sponsor_at"][0] == "update"
    # the sarcoma protocol sets no follow-up interval: nothing scheduled
    assert event.sae_reports.count() == 1


def test_report_sent_late(safety_world):
    w = safety_world
    report = _serious(w).sae_reports.get()
    late = NOW + dt.timedelta(days=1)
    sent = services.record_sent(
        w.staff["coordinator"],
        report,
        sent_to_sponsor_at=dt.datetime(2025, 5, 11, 1, 0, tzinfo=dt.UTC),
        expected_version=1,
        now=late,
    )
    assert sent.on_time is False


def test_a_send_time_in_the_future_or_before_awareness_is_refused(safety_world):
    w = safety_world
    report = _serious(w).sae_reports.get()
    errors = refused(
        lambda: services.record_sent(
            w.staff["coordinator"],
            report,
            sent_to_sponsor_at=NOW + dt.timedelta(hours=1),
            sent_to_ethics_at=dt.datetime(2025, 5, 9, 19, 0, tzinfo=dt.UTC),
            expected_version=1,
            now=NOW,
        )
    )
    assert errors["sent_to_sponsor_at"] == ["This time is in the future."]
    assert errors["sent_to_ethics_at"] == [
        "This is before the site became aware of the event (2025-05-09 20:00)."
    ]


def test_follow_up_scheduled_every_n_days_when_the_protocol_sets_it(safety_world, monkeypatch):
    w = safety_world
    protocol = services.protocol_for(w.subject)
    safety = protocol.safety.model_copy(update={"sae_follow_up_days": 7})
    patched = protocol.model_copy(update={"safety": safety})
    monkeypatch.setattr(services, "protocol_for", lambda subject: patched)
    report = _serious(w).sae_reports.get()
    sent_at = dt.datetime(2025, 5, 10, 9, 0, tzinfo=dt.UTC)
    services.record_sent(
        w.staff["coordinator"], report, sent_to_sponsor_at=sent_at, expected_version=1, now=NOW
    )
    follow_up = SaeReport.objects.get(sequence=1)
    assert (follow_up.kind, follow_up.status) == ("follow_up", "draft")
    assert follow_up.due_at == dt.datetime(2025, 5, 17, 9, 0, tzinfo=dt.UTC)
    assert audit("safety.saereport", follow_up.pk)["sequence"] == ("create", None, "1", "")


def test_add_follow_up_after_the_reports_are_sent(safety_world):
    w = safety_world
    event = _serious(w)
    user = w.staff["investigator"]
    assert refused(lambda: services.add_follow_up(user, event, now=NOW)) == {
        "sae_reports": ["A report of this event is not sent yet: send it first."]
    }
    services.record_sent(
        user, event.sae_reports.get(), sent_to_sponsor_at=NOW, expected_version=1, now=NOW
    )
    later = NOW + dt.timedelta(days=3)
    follow_up = services.add_follow_up(user, event, narrative="discharged day 4", now=later)
    assert (follow_up.sequence, follow_up.kind) == (1, "follow_up")
    assert follow_up.due_at == later + dt.timedelta(hours=24)
    assert audit("safety.saereport", follow_up.pk)["narrative"] == (
        "create",
        None,
        "discharged day 4",
        "",
    )
