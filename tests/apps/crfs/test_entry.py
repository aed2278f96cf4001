"""Saving case report forms through the service: audit records per changed item, reasons
for changes, hard errors, soft findings with automatic queries, show-if, stale versions,
site isolation, roles and locks."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from oncotrial.apps.audit.models import AuditRecord
from oncotrial.apps.crfs.models import FormInstance, ItemValue, Lock, Query
from oncotrial.apps.crfs.services import CrfError, FormConflict, save_form
from oncotrial.apps.subjects import selectors as subject_selectors
from oncotrial.apps.subjects.models import Subject
from tests.apps.crfs.sirolimus_form import BASELINE, FORM

pytestmark = pytest.mark.django_db


def item_records(form_instance=None):
    records = AuditRecord.objects.filter(entity="crfs.itemvalue").order_by("id")
    if form_instance is not None:
        ids = [str(pk) for pk in form_instance.items.order_by("pk").values_list("pk", flat=True)]
        records = records.filter(entity_id__in=ids)
    return list(records)


def stored(form_instance):
    return dict(form_instance.items.order_by("pk").values_list("item_id", "value"))


def first_save(world, values=None, **kwargs):
    return save_form(
        world.coordinator,
        world.subject,
        FORM,
        values or BASELINE,
        visit=world.visit,
        expected_version=0,
        **kwargs,
    )


def test_first_save_writes_one_create_record_per_item(crf_world):
    result = first_save(crf_world)
    form = result.form_instance
    assert result.created
    assert form.version == 1
    assert sorted(result.changed_items) == sorted(BASELINE)
    assert result.raised_queries == []
    records = item_records()
    assert len(records) == len(BASELINE)
    assert {r.field for r in records} == set(BASELINE)
    assert {r.action for r in records} == {"create"}
    by_field = {r.field: r for r in records}
    assert by_field["height"].new_value == "172.5"
    assert by_field["diabetes"].new_value == "true"
    assert by_field["metastatic_sites"].new_value == '["liver", "peritoneum"]'
    assert by_field["height"].old_value is None
    assert by_field["height"].username == crf_world.coordinator.username
    assert by_field["height"].subject_ref == crf_world.subject.subject_number
    assert by_field["height"].site_code == "S01"
    row = form.items.get(item_id="height")
    assert by_field["height"].entity_id == str(row.pk)
    assert row.unit == "cm"
    assert stored(form)["metastatic_sites"] == ["liver", "peritoneum"]


def test_unchanged_resave_writes_nothing(crf_world):
    form = first_save(crf_world).form_instance
    before = AuditRecord.objects.count()
    again = save_form(
        crf_world.coordinator,
        crf_world.subject,
        FORM,
        {**BASELINE, "weight": 68.0, "height": "172.5"},
        visit=crf_world.visit,
        expected_version=1,
    )
    assert again.changed_items == []
    assert AuditRecord.objects.count() == before
    form.refresh_from_db()
    assert form.version == 1


def test_change_needs_a_reason_and_is_audited_with_it(crf_world):
    form = first_save(crf_world).form_instance
    before = AuditRecord.objects.count()
    with pytest.raises(CrfError) as refused:
        save_form(
            crf_world.coordinator,
            crf_world.subject,
            FORM,
            {"weight": 70, "height": 171},
            visit=crf_world.visit,
            expected_version=1,
        )
    errors = refused.value.message_dict
    assert set(errors) == {"weight", "height", "reason"}
    assert "weight" in errors["reason"][0]
    assert AuditRecord.objects.count() == before
    assert stored(form)["weight"] == 68
    form.refresh_from_db()
    assert form.version == 1

    result = save_form(
        crf_world.investigator,
        crf_world.subject,
        FORM,
        {"weight": 70, "height": 172.5},
        visit=crf_world.visit,
        expected_version=1,
        reason="Transcription error, source re-checked",
    )
    assert result.changed_items == ["weight"]
    assert result.form_instance.version == 2
    records = [r for r in item_records() if r.action == "update"]
    assert len(records) == 1
    (record,) = records
    assert (record.field, record.old_value, record.new_value) == ("weight", "68.0", "70.0")
    assert record.reason == "Transcription error, source re-checked"
    assert record.username == crf_world.investigator.username
    assert AuditRecord.objects.count() == before + 1


def test_adding_a_value_to_an_empty_item_needs_no_reason(crf_world):
    first_save(crf_world)
    result = save_form(
        crf_world.coordinator,
        crf_world.subject,
        FORM,
        {"symptoms": "jaundice"},
        visit=crf_world.visit,
        expected_version=1,
    )
    assert result.changed_items == ["symptoms"]
    assert item_records()[-1].action == "create"


@pytest.mark.parametrize(
    ("change", "item"),
    [
        ({"height": 300}, "height"),
        ({"weight": "heavy"}, "weight"),
        ({"pathology": "melanoma"}, "pathology"),
        ({"m_stage": None}, "m_stage"),
        ({"height": 172}, "height"),
    ],
)
def test_hard_errors_block_and_change_nothing(crf_world, change, item):
    units = {"height": "kg"} if change == {"height": 172} else None
    before = AuditRecord.objects.count()
    with pytest.raises(CrfError) as refused:
        first_save(crf_world, {**BASELINE, **change}, units=units)
    assert item in refused.value.message_dict
    assert AuditRecord.objects.count() == before
    assert not FormInstance.objects.exists()


def test_partial_save_keeps_the_form_in_progress(crf_world):
    result = first_save(crf_world, {"height": 170}, partial=True)
    assert result.form_instance.version == 1
    assert "weight" in result.validation.missing_required
    with pytest.raises(CrfError):
        save_form(
            crf_world.coordinator,
            crf_world.subject,
            FORM,
            {"weight": 70},
            visit=crf_world.visit,
            expected_version=1,
        )


def test_soft_finding_saves_and_opens_an_automatic_query(crf_world):
    result = first_save(crf_world, {**BASELINE, "weight": 130})
    assert stored(result.form_instance)["weight"] == 130
    assert [(q.item_id, q.check_id, q.origin, q.status) for q in result.raised_queries] == [
        ("weight", "expected_range", "automatic", "open")
    ]
    query = Query.objects.get()
    assert query.subject == crf_world.subject
    assert query.form_instance == result.form_instance
    assert "expected range" in query.text
    assert query.messages.count() == 1
    # saving other items again does not ask about the same weight twice
    save_form(
        crf_world.coordinator,
        crf_world.subject,
        FORM,
        {"symptoms": "pain"},
        visit=crf_world.visit,
        expected_version=1,
    )
    assert Query.objects.count() == 1


def test_soft_cross_check_opens_a_query(crf_world):
    result = first_save(crf_world, {**BASELINE, "prior_lines": 1})
    assert [(q.item_id, q.check_id) for q in result.raised_queries] == [
        ("prior_lines", "eligibility_route_recorded")
    ]


def test_show_if_hides_and_drops_values_with_a_reason(crf_world):
    form = first_save(crf_world).form_instance
    with pytest.raises(CrfError) as refused:
        save_form(
            crf_world.coordinator,
            crf_world.subject,
            FORM,
            {"m_stage": "M0"},
            visit=crf_world.visit,
            expected_version=1,
        )
    assert set(refused.value.message_dict) == {"m_stage", "metastatic_sites", "reason"}
    result = save_form(
        crf_world.coordinator,
        crf_world.subject,
        FORM,
        {"m_stage": "M0"},
        visit=crf_world.visit,
        expected_version=1,
        reason="Restaged: no distant metastasis",
    )
    assert sorted(result.changed_items) == ["m_stage", "metastatic_sites"]
    assert [n.item_id for n in result.notices] == ["metastatic_sites"]
    assert stored(form)["metastatic_sites"] is None
    dropped = [r for r in item_records() if r.field == "metastatic_sites"][-1]
    assert dropped.old_value == '["liver", "peritoneum"]'
    assert dropped.new_value is None


def test_hidden_value_on_first_entry_is_not_stored(crf_world):
    result = first_save(crf_world, {**BASELINE, "pathology_other": "acinar"})
    assert "pathology_other" not in stored(result.form_instance)
    assert [n.item_id for n in result.notices] == ["pathology_other"]


def test_stale_version_is_a_conflict_naming_the_items(crf_world):
    first_save(crf_world)
    save_form(
        crf_world.investigator,
        crf_world.subject,
        FORM,
        {"weight": 72},
        visit=crf_world.visit,
        expected_version=1,
        reason="Weighed again",
    )
    before = AuditRecord.objects.count()
    with pytest.raises(FormConflict) as conflict:
        save_form(
            crf_world.coordinator,
            crf_world.subject,
            FORM,
            {"weight": 69, "height": 172.5},
            visit=crf_world.visit,
            expected_version=1,
            reason="Typo",
        )
    exc = conflict.value
    assert (exc.expected, exc.current) == (1, 2)
    assert [item.item_id for item in exc.items] == ["weight"]
    (item,) = exc.items
    assert (item.started_from, item.current, item.yours) == ("68.0", 72.0, 69)
    assert item.changed_by == crf_world.investigator.username
    assert "weight" in str(exc)
    assert "version 1" in str(exc)
    assert AuditRecord.objects.count() == before
    assert stored(FormInstance.objects.get())["weight"] == 72


def test_conflict_with_the_values_the_user_started_from(crf_world):
    first_save(crf_world)
    original = {**BASELINE}
    save_form(
        crf_world.investigator,
        crf_world.subject,
        FORM,
        {"diabetes": False, "t_stage": "T4"},
        visit=crf_world.visit,
        expected_version=1,
        reason="Source records",
    )
    with pytest.raises(FormConflict) as conflict:
        save_form(
            crf_world.coordinator,
            crf_world.subject,
            FORM,
            {**BASELINE, "height": 173},
            visit=crf_world.visit,
            expected_version=1,
            reason="Measured again",
            original=original,
        )
    items = {item.item_id: item for item in conflict.value.items}
    assert set(items) == {"diabetes", "t_stage"}
    assert (items["diabetes"].started_from, items["diabetes"].current) == (True, False)


def test_other_sites_subject_is_not_found(crf_world):
    other = crf_world.other_subject
    with pytest.raises(Subject.DoesNotExist):
        subject_selectors.get_subject(crf_world.coordinator, crf_world.study, other.subject_number)
    with pytest.raises(PermissionDenied):
        save_form(
            crf_world.coordinator,
            other,
            FORM,
            BASELINE,
            visit=crf_world.other_visit,
            expected_version=0,
        )
    assert not FormInstance.objects.exists()


@pytest.mark.parametrize("role", ["monitor", "data_manager"])
def test_roles_without_data_entry_are_refused(crf_world, role):
    with pytest.raises(PermissionDenied):
        save_form(
            getattr(crf_world, role),
            crf_world.subject,
            FORM,
            BASELINE,
            visit=crf_world.visit,
            expected_version=0,
        )
    assert not FormInstance.objects.exists()
    assert not item_records()


def test_form_and_visit_must_match_the_protocol(crf_world):
    with pytest.raises(CrfError) as refused:
        save_form(crf_world.coordinator, crf_world.subject, "nope", {}, visit=crf_world.visit)
    assert "form_id" in refused.value.message_dict
    day1 = crf_world.subject.visits.get(visit_id="day1")
    with pytest.raises(CrfError) as refused:
        save_form(crf_world.coordinator, crf_world.subject, FORM, BASELINE, visit=day1)
    assert "visit" in refused.value.message_dict
    with pytest.raises(CrfError) as refused:
        save_form(crf_world.coordinator, crf_world.subject, FORM, BASELINE)
    assert "visit" in refused.value.message_dict


@pytest.mark.parametrize("scope", ["visit", "subject", "study"])
def test_locked_data_cannot_change(crf_world, scope):
    form = first_save(crf_world).form_instance
    Lock.objects.create(
        study=crf_world.study,
        scope=scope,
        subject=crf_world.subject if scope == "subject" else None,
        visit=crf_world.visit if scope == "visit" else None,
        locked_at=timezone.now(),
        locked_by=crf_world.data_manager,
        reason="Interim analysis",
    )
    before = AuditRecord.objects.count()
    with pytest.raises(ValidationError) as refused:
        save_form(
            crf_world.coordinator,
            crf_world.subject,
            FORM,
            {"symptoms": "fatigue"},
            visit=crf_world.visit,
            expected_version=1,
        )
    assert "lock" in refused.value.message_dict
    assert AuditRecord.objects.count() == before
    assert not ItemValue.objects.filter(form_instance=form, item_id="symptoms").exists()
