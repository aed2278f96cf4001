"""The database itself keeps the audit trail append-only (on SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from oncotrial.apps.accounts.models import Site
from oncotrial.apps.audit.models import AuditChainHead, AuditRecord
from oncotrial.apps.audit.services import AuditContext, record_create, record_update

APPEND_ONLY = "audit records are append-only"
HEAD_ONLY_FORWARD = "the audit chain head can only move forward"


@pytest.fixture
def no_permit(db) -> None:
    """No purge permit, as in a production database (undone with the test's transaction)."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_purge_permit")


@pytest.fixture
def records(db, user, no_permit) -> list[AuditRecord]:
    site = Site.objects.create(code="S1", name="First")
    with transaction.atomic():
        record_create(AuditContext(user, site_code="S1"), site, ["code", "name"])
    return list(AuditRecord.objects.order_by("id"))


def _sql(statement: str, params: list[object] | None = None) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, params)


def _stored() -> list[tuple[object, ...]]:
    return list(AuditRecord.objects.order_by("id").values_list("id", "new_value", "hash"))


def test_a_direct_sql_update_of_an_audit_record_fails(records) -> None:
    before = _stored()
    with pytest.raises(IntegrityError, match=APPEND_ONLY):
        _sql("UPDATE audit_auditrecord SET new_value = %s WHERE id = %s", ["X", records[0].pk])
    with pytest.raises(IntegrityError, match=APPEND_ONLY):
        _sql("UPDATE audit_auditrecord SET reason = 'tidied'")
    assert _stored() == before


def test_an_update_through_the_orm_fails_too(records) -> None:
    with pytest.raises(IntegrityError, match=APPEND_ONLY), transaction.atomic():
        AuditRecord.objects.filter(pk=records[1].pk).update(new_value="Forged")
    record = records[1]
    record.reason = "tidied"
    with pytest.raises(IntegrityError, match=APPEND_ONLY), transaction.atomic():
        record.save()
    assert AuditRecord.objects.get(pk=record.pk).reason == ""


def test_a_direct_sql_delete_of_an_audit_record_fails(records) -> None:
    before = _stored()
    with pytest.raises(IntegrityError, match=APPEND_ONLY):
        _sql("DELETE FROM audit_auditrecord WHERE id = %s", [records[0].pk])
    with pytest.raises(IntegrityError, match=APPEND_ONLY):
        _sql("DELETE FROM audit_auditrecord")
    with pytest.raises(IntegrityError, match=APPEND_ONLY), transaction.atomic():
        AuditRecord.objects.all().delete()
    assert _stored() == before


def test_an_update_fails_even_with_a_purge_permit(records) -> None:
    _sql("INSERT INTO audit_purge_permit (granted_by, reason) VALUES ('dba', 'purge')")
    with pytest.raises(IntegrityError, match=APPEND_ONLY):
        _sql("UPDATE audit_auditrecord SET new_value = 'X'")


def test_a_purge_permit_allows_deleting_the_whole_trail(records) -> None:
    """What a database administrator (or the test database's flush) can do."""
    _sql("INSERT INTO audit_purge_permit (granted_by, reason) VALUES ('dba', 'purge')")
    _sql("DELETE FROM audit_auditrecord")
    _sql("DELETE FROM audit_auditchainhead")
    assert AuditRecord.objects.count() == 0
    assert AuditChainHead.objects.count() == 0


def test_the_chain_head_cannot_be_deleted(records) -> None:
    with pytest.raises(IntegrityError, match=HEAD_ONLY_FORWARD):
        _sql("DELETE FROM audit_auditchainhead")
    assert AuditChainHead.objects.get().count == 2


def test_the_chain_head_cannot_be_rewound_or_pointed_elsewhere(records) -> None:
    with pytest.raises(IntegrityError, match=HEAD_ONLY_FORWARD):
        _sql("UPDATE audit_auditchainhead SET count = 0")
    with pytest.raises(IntegrityError, match=HEAD_ONLY_FORWARD):
        _sql("UPDATE audit_auditchainhead SET last_hash = %s", [records[0].hash])
    with pytest.raises(IntegrityError, match=HEAD_ONLY_FORWARD):
        _sql("UPDATE audit_auditchainhead SET id = 2")
    head = AuditChainHead.objects.get()
    assert (head.pk, head.count, head.last_hash) == (1, 2, records[-1].hash)


def test_appending_still_moves_the_head(records, user) -> None:
    site = Site.objects.get(code="S1")
    with transaction.atomic():
        added = record_update(AuditContext(user, reason="typo"), site, {"name": ("First", "1st")})
    head = AuditChainHead.objects.get()
    assert (head.count, head.last_hash) == (3, added[0].hash)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE is PostgreSQL's")
def test_truncate_fails_without_a_permit(records) -> None:
    _sql("SET CONSTRAINTS ALL IMMEDIATE")  # run the pending foreign-key checks first
    with pytest.raises(IntegrityError, match=APPEND_ONLY):
        _sql("TRUNCATE audit_auditrecord CASCADE")
    with pytest.raises(IntegrityError, match=HEAD_ONLY_FORWARD):
        _sql("TRUNCATE audit_auditchainhead")
    assert AuditRecord.objects.count() == 2


@pytest.mark.django_db
def test_the_triggers_are_in_place() -> None:
    """A migration that rebuilds an audit table on SQLite drops its triggers: this fails."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        names = {row[0] for row in cursor.fetchall()}
    expected = {
        "audit_auditrecord_no_update",
        "audit_auditrecord_no_delete",
        "audit_auditchainhead_no_delete",
        "audit_auditchainhead_forward_only",
    }
    if connection.vendor == "postgresql":
        expected |= {"audit_auditrecord_no_truncate", "audit_auditchainhead_no_truncate"}
    assert expected <= names
