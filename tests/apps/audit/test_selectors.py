"""Reading the audit trail: chain verification and histories."""

from __future__ import annotations

import pytest
from django.db import transaction

from oncotrial.apps.accounts.models import Site
from oncotrial.apps.audit.models import AuditRecord
from oncotrial.apps.audit.selectors import (
    chain_rows,
    entity_history,
    field_history,
    subject_history,
    verify_chain,
)
from oncotrial.apps.audit.services import AuditContext, record_create, record_update
from oncotrial.domain.audit_chain import GENESIS_HASH


@pytest.fixture
def site(user) -> Site:
    site = Site.objects.create(code="S1", name="First")
    ctx = AuditContext(user, study_key="demo", site_code="S1", subject_ref="01-001")
    with transaction.atomic():
        record_create(ctx, site, ["code", "name"])
    for old, new, reason in [("First", "1st", "typo"), ("1st", "Primary", "renamed")]:
        ctx.reason = reason
        with transaction.atomic():
            record_update(ctx, site, {"name": (old, new)})
    with transaction.atomic():
        record_create(
            AuditContext(user, study_key="demo", site_code="S2", subject_ref="SCR-S2-001"),
            Site.objects.create(code="S2", name="Second"),
            ["code"],
        )
    return site


@pytest.mark.django_db
def test_an_empty_trail_verifies() -> None:
    report = verify_chain()
    assert (report.count, report.first_broken, report.head_matches) == (0, None, True)
    assert report.intact
    assert report.last_hash == GENESIS_HASH


def test_verify_an_intact_chain_with_progress(site) -> None:
    seen: list[int] = []
    report = verify_chain(progress=seen.append, every=2)
    assert report.intact
    assert (report.count, report.head_count) == (5, 5)
    assert report.last_hash == AuditRecord.objects.order_by("id").last().hash  # type: ignore[union-attr]
    assert seen == [2, 4]


def test_chain_rows_stream_in_id_order(site) -> None:
    rows = list(chain_rows(chunk_size=2))
    ids = list(AuditRecord.objects.order_by("id").values_list("id", flat=True))
    assert [row[0] for row in rows] == ids
    record_id, content, previous_hash, stored_hash = rows[0]
    first = AuditRecord.objects.get(pk=record_id)
    assert content["at"] == first.at.isoformat()
    assert (content["field"], content["new_value"]) == ("code", "S1")
    assert (previous_hash, stored_hash) == (GENESIS_HASH, first.hash)


def test_field_history_is_newest_first(site) -> None:
    history = field_history("accounts.site", site.pk, "name")
    assert [(r.old_value, r.new_value, r.reason) for r in history] == [
        ("1st", "Primary", "renamed"),
        ("First", "1st", "typo"),
        (None, "First", ""),
    ]


def test_entity_history_is_newest_first(site) -> None:
    assert [r.field for r in entity_history("accounts.site", str(site.pk))] == [
        "name",
        "name",
        "name",
        "code",
    ]


def test_subject_history_by_study_refs_and_sites(site) -> None:
    assert subject_history("demo", "01-001").count() == 4
    assert subject_history("other", "01-001").count() == 0
    assert subject_history(None, "01-001", "SCR-S2-001").count() == 5
    assert subject_history("demo", "01-001", "SCR-S2-001", site_codes=["S2"]).count() == 1
    assert [r.field for r in subject_history("demo", "01-001")][:2] == ["code", "name"]
