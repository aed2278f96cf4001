"""Collecting specimens and their chain of custody: what a specimen must say, handovers
that move it in the same transaction, the order of handovers, and the audit records of
every write."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from oncotrial.apps.audit.models import AuditRecord
from oncotrial.apps.crfs import locks
from oncotrial.apps.crfs.locks import Locked
from oncotrial.apps.records import RecordConflict
from oncotrial.apps.specimens import selectors, services
from oncotrial.apps.specimens.models import Specimen, SpecimenTransfer
from oncotrial.apps.visits.models import Visit

from .conftest import PROSPECTIVE, SURGERY_DAY, at, tumour


def _audit(obj, action):
    entity = f"specimens.{type(obj).__name__.lower()}"
    return AuditRecord.objects.filter(entity=entity, entity_id=str(obj.pk), action=action)


def _handover(**more):
    return {
        "to_location": "Pathology −80 °C freezer 2",
        "transferred_at": at(SURGERY_DAY, 11, 15),
        "handed_over_by": "Dr Zhou (surgeon)",
        "received_by": "Tech Chen (pathology)",
        "condition": "frozen",
        **more,
    }


def test_collecting_an_intraoperative_specimen_is_audited(subject, coordinator):
    surgery_day = Visit.objects.get(subject=subject, visit_id="surgery_day")
    specimen = services.collect_specimen(coordinator, subject, tumour(visit=surgery_day))
    assert (specimen.status, specimen.storage_location) == ("collected", "Operating theatre 3")
    assert specimen.study == subject.study
    assert specimen.visit == surgery_day
    created = _audit(specimen, AuditRecord.Action.CREATE)
    assert created.get(field="label").new_value == "S01-T-0001"
    assert created.get(field="amount").new_value == "100.0"
    assert created.get(field="collected_at").new_value == "2024-05-20T10:30:00+00:00"
    assert created.first().username == coordinator.username


def test_a_collection_with_problems_names_each_field_and_saves_nothing(subject, coordinator):
    services.collect_specimen(coordinator, subject, tumour())
    before = (Specimen.objects.count(), AuditRecord.objects.count())
    future = dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
    with pytest.raises(ValidationError) as err:
        services.collect_specimen(
            coordinator,
            subject,
            tumour(
                amount=0,
                amount_unit="mL",
                collected_at=future,
                assessment_id="stool_sample",
                storage_location=" ",
            ),
        )
    errors = err.value.message_dict
    assert errors["label"] == ["Label S01-T-0001 is already used in this study."]
    assert errors["amount"] == ["The amount must be more than zero."]
    assert errors["collected_at"] == ["This is in the future."]
    assert "not a specimen assessment of this protocol" in errors["assessment_id"][0]
    assert errors["storage_location"] == ["Say where the specimen is kept."]
    with pytest.raises(ValidationError) as err:
        services.collect_specimen(coordinator, subject, tumour("S01-T-9", amount_unit="mL"))
    assert err.value.message_dict["amount_unit"] == [
        "Tumour tissue is measured in cores, g, mg, slides, not mL."
    ]
    assert (Specimen.objects.count(), AuditRecord.objects.count()) == before


def test_roles_without_data_entry_and_other_sites_are_refused(
    subject, monitor, other_site_investigator
):
    for user in (monitor, other_site_investigator):
        with pytest.raises(PermissionDenied):
            services.collect_specimen(user, subject, tumour())
    assert Specimen.objects.count() == 0


def test_a_handover_moves_the_specimen_in_the_same_transaction(subject, coordinator):
    specimen = services.collect_specimen(coordinator, subject, tumour())
    transfer = services.transfer_specimen(coordinator, specimen, _handover(), expected_version=1)
    specimen.refresh_from_db()
    assert (specimen.storage_location, specimen.status, specimen.version) == (
        "Pathology −80 °C freezer 2",
        "stored",
        2,
    )
    assert transfer.from_location == "Operating theatre 3"
    assert _audit(transfer, AuditRecord.Action.CREATE).get(field="to_location").new_value == (
        "Pathology −80 °C freezer 2"
    )
    moved = _audit(specimen, AuditRecord.Action.UPDATE)
    location = moved.get(field="storage_location")
    assert (location.old_value, location.new_value) == (
        "Operating theatre 3",
        "Pathology −80 °C freezer 2",
    )
    assert location.reason.startswith(f"Transfer {transfer.pk}")
    assert moved.get(field="status").new_value == "stored"
    # then shipped to the central laboratory
    services.transfer_specimen(
        coordinator,
        specimen,
        _handover(
            to_location="Central laboratory, Shanghai",
            transferred_at=at(SURGERY_DAY + dt.timedelta(days=3), 9),
            handed_over_by="Tech Chen (pathology)",
            received_by="Courier Sun",
            status_after="shipped",
        ),
        expected_version=2,
    )
    (row,) = selectors.subject_specimens(subject)
    assert [t.to_location for t in row.transfers.all()] == [
        "Pathology −80 °C freezer 2",
        "Central laboratory, Shanghai",
    ]
    assert (row.status, row.version) == ("shipped", 3)


def test_custody_order_is_enforced(subject, coordinator):
    specimen = services.collect_specimen(coordinator, subject, tumour())
    before = (SpecimenTransfer.objects.count(), AuditRecord.objects.count())
    with pytest.raises(ValidationError) as err:
        services.transfer_specimen(
            coordinator,
            specimen,
            _handover(transferred_at=at(SURGERY_DAY, 9)),
            expected_version=1,
        )
    assert (
        "before the collection (2024-05-20 10:30 UTC)"
        in (err.value.message_dict["transferred_at"][0])
    )
    services.transfer_specimen(coordinator, specimen, _handover(), expected_version=1)
    with pytest.raises(ValidationError) as err:
        services.transfer_specimen(
            coordinator,
            specimen,
            _handover(to_location="Biobank", transferred_at=at(SURGERY_DAY, 11, 0)),
            expected_version=2,
        )
    assert (
        "before the previous one (2024-05-20 11:15 UTC"
        in (err.value.message_dict["transferred_at"][0])
    )
    with pytest.raises(ValidationError) as err:
        services.transfer_specimen(
            coordinator,
            specimen,
            _handover(
                from_location="Operating theatre 3",
                to_location="Biobank",
                transferred_at=at(SURGERY_DAY, 12),
            ),
            expected_version=2,
        )
    assert err.value.message_dict["from_location"] == [
        "The specimen is at Pathology −80 °C freezer 2, not Operating theatre 3."
    ]
    assert (SpecimenTransfer.objects.count(), AuditRecord.objects.count()) == (
        before[0] + 1,
        before[1] + 9 + 2,  # the transfer's nine fields, the specimen's location and status
    )
    with pytest.raises(RecordConflict):
        services.transfer_specimen(
            coordinator,
            specimen,
            _handover(to_location="Biobank", transferred_at=at(SURGERY_DAY, 12)),
            expected_version=1,
        )


def test_a_destroyed_specimen_does_not_move_and_one_with_custody_is_not_deleted(
    subject, coordinator
):
    specimen = services.collect_specimen(coordinator, subject, tumour())
    services.transfer_specimen(
        coordinator,
        specimen,
        _handover(to_location="Clinical waste", status_after="destroyed", condition="ambient"),
        expected_version=1,
    )
    specimen.refresh_from_db()
    with pytest.raises(ValidationError) as err:
        services.transfer_specimen(
            coordinator,
            specimen,
            _handover(to_location="Biobank", transferred_at=at(SURGERY_DAY, 12)),
            expected_version=2,
        )
    assert err.value.message_dict["specimen"] == ["This specimen was destroyed; it cannot move."]
    with pytest.raises(ValidationError) as err:
        services.delete_specimen(coordinator, specimen, expected_version=2, reason="error")
    assert "custody history" in err.value.message_dict["specimen"][0]


def test_corrections_need_a_reason_and_never_move_the_specimen(subject, coordinator):
    specimen = services.collect_specimen(coordinator, subject, tumour())
    with pytest.raises(ValidationError) as err:
        services.change_specimen(
            coordinator, specimen, {"amount": 95}, expected_version=1, reason=""
        )
    assert "reason" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        services.change_specimen(
            coordinator,
            specimen,
            {"storage_location": "Biobank"},
            expected_version=1,
            reason="moved",
        )
    assert err.value.message_dict["storage_location"] == [
        "This field cannot be changed here: record a transfer."
    ]
    changed = services.change_specimen(
        coordinator, specimen, {"amount": 95}, expected_version=1, reason="weighed again"
    )
    assert (changed.amount, changed.version) == (95, 2)
    update = _audit(changed, AuditRecord.Action.UPDATE).get(field="amount")
    assert (update.old_value, update.new_value, update.reason) == ("100.0", "95.0", "weighed again")
    services.delete_specimen(coordinator, changed, expected_version=2, reason="wrong subject")
    assert not Specimen.objects.filter(pk=specimen.pk).exists()
    deleted = _audit(changed, AuditRecord.Action.DELETE)
    assert deleted.get(field="label").old_value == "S01-T-0001"
    assert set(deleted.values_list("reason", flat=True)) == {"wrong subject"}


def test_a_locked_visit_locks_its_specimens(subject, coordinator, data_manager, surgery):
    surgery_day = Visit.objects.get(subject=subject, visit_id="surgery_day")
    locks.lock(data_manager, surgery, "visit", visit=surgery_day, reason="reviewed")
    with pytest.raises(Locked):
        services.collect_specimen(coordinator, subject, tumour(visit=surgery_day))
    assert Specimen.objects.count() == 0


def test_worklist_groups_the_users_sites_by_location_and_status(
    surgery, subject, coordinator, other_site_investigator, monitor, conduct_candidate
):
    from oncotrial.apps.subjects import services as subject_services

    a = services.collect_specimen(coordinator, subject, tumour())
    services.collect_specimen(
        coordinator,
        subject,
        tumour("S01-N-0001", specimen_type="adjacent_normal_tissue"),
    )
    services.transfer_specimen(coordinator, a, _handover(), expected_version=1)
    s02 = subject_services.enroll(
        other_site_investigator,
        conduct_candidate(surgery, "S02", values=PROSPECTIVE),
        dt.date(2024, 1, 10),
    )
    services.collect_specimen(
        other_site_investigator, s02, tumour("S02-T-0001", storage_location="S02 theatre")
    )
    mine = selectors.worklist(coordinator, surgery)
    assert [(g.location, g.status, [s.label for s in g.specimens]) for g in mine] == [
        ("Operating theatre 3", "collected", ["S01-N-0001"]),
        ("Pathology −80 °C freezer 2", "stored", ["S01-T-0001"]),
    ]
    stored = selectors.worklist(coordinator, surgery, status="stored")
    assert [g.location for g in stored] == ["Pathology −80 °C freezer 2"]
    theirs = selectors.worklist(other_site_investigator, surgery)
    assert [g.location for g in theirs] == ["S02 theatre"]
    assert sum(len(g.specimens) for g in selectors.worklist(monitor, surgery)) == 3
