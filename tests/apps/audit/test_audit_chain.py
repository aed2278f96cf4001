"""The audit trail's hash chain, written through the audit services."""

from __future__ import annotations

import pytest
from django.db import transaction

from oncotrial.apps.accounts.models import Site
from oncotrial.apps.audit.models import AuditRecord
from oncotrial.apps.audit.services import AuditContext, record_create, record_update
from oncotrial.domain.audit_chain import CHAINED_FIELDS, GENESIS_HASH, first_broken_link


def _chain() -> list[tuple[object, dict[str, object], str, str]]:
    rows = []
    for r in AuditRecord.objects.order_by("id"):
        content = {name: getattr(r, name) for name in CHAINED_FIELDS}
        content["at"] = r.at.isoformat()
        rows.append((r.pk, content, r.previous_hash, r.hash))
    return rows


@pytest.mark.django_db
def test_records_chain_from_genesis_and_verify(user) -> None:
    site = Site.objects.create(code="S1", name="First")
    with transaction.atomic():
        created = record_create(AuditContext(user, site_code="S1"), site, ["code", "name"])
    with transaction.atomic():
        changed = record_update(
            AuditContext(user, site_code="S1", reason="typo"), site, {"name": ("First", "1st")}
        )
    assert [(r.field, r.action, r.old_value, r.new_value) for r in [*created, *changed]] == [
        ("code", "create", None, "S1"),
        ("name", "create", None, "First"),
        ("name", "update", "First", "1st"),
    ]
    records = list(AuditRecord.objects.order_by("id"))
    assert records[0].previous_hash == GENESIS_HASH
    assert [r.previous_hash for r in records[1:]] == [r.hash for r in records[:-1]]
    assert records[2].reason == "typo"
    assert records[2].username == user.username
    assert first_broken_link(_chain()) is None


@pytest.mark.django_db
def test_a_changed_value_breaks_the_chain_at_that_record(user) -> None:
    site = Site.objects.create(code="S1", name="First")
    with transaction.atomic():
        record_create(AuditContext(user), site, ["code", "name", "city"])
    rows = _chain()
    rows[1][1]["new_value"] = "Forged"
    broken = first_broken_link(rows)
    assert broken is not None
    assert (broken.position, broken.reason) == (1, "its content does not match its hash")


@pytest.mark.django_db
def test_unchanged_values_write_no_update_record(user) -> None:
    site = Site.objects.create(code="S1", name="First")
    with transaction.atomic():
        assert record_update(AuditContext(user), site, {"name": ("First", "First")}) == []
    assert AuditRecord.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_records_are_only_written_inside_a_transaction(user) -> None:
    site = Site.objects.create(code="S1", name="First")
    with pytest.raises(RuntimeError, match="inside the change's transaction"):
        record_create(AuditContext(user), site, ["code"])
