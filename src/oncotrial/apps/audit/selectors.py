"""Reading the audit trail: verifying its hash chain and the history of a subject, an
entity or one field.

These selectors do not check who may read: callers (pages, API) have already resolved
the subject or entity through the site-scoped selectors of its own app; `subject_history`
takes the caller's site codes when it is given them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from oncotrial.apps.audit.models import AuditChainHead, AuditRecord
from oncotrial.domain.audit_chain import (
    CHAINED_FIELDS,
    GENESIS_HASH,
    BrokenLink,
    first_broken_link,
)

ChainRow = tuple[object, dict[str, object], str, str]

_COLUMNS = ("id", *CHAINED_FIELDS, "previous_hash", "hash")


def chain_rows(chunk_size: int = 2000) -> Iterator[ChainRow]:
    """Every record as (id, chained content, previous hash, hash), in id order, streamed
    from the database in chunks (constant memory however long the trail)."""
    rows = AuditRecord.objects.order_by("id").values_list(*_COLUMNS)
    for row in rows.iterator(chunk_size=chunk_size):
        record_id, *content_values, previous_hash, stored_hash = row
        content = dict(zip(CHAINED_FIELDS, content_values, strict=True))
        content["at"] = content["at"].isoformat()  # type: ignore[union-attr]
        yield record_id, content, previous_hash, stored_hash


@dataclass(frozen=True)
class VerifyReport:
    count: int
    """Records read (up to and including the first broken one, when there is one)."""
    first_broken: BrokenLink | None
    head_matches: bool
    """Whether the chain head's count and last hash are those of the records found."""
    head_count: int
    head_hash: str
    last_hash: str
    """The hash of the last record read (the genesis hash when there are none)."""

    @property
    def intact(self) -> bool:
        return self.first_broken is None and self.head_matches

    def as_dict(self) -> dict[str, Any]:
        broken = self.first_broken
        return {
            "intact": self.intact,
            "count": self.count,
            "first_broken": None
            if broken is None
            else {
                "record_id": broken.record_id,
                "position": broken.position,
                "reason": broken.reason,
            },
            "head_matches": self.head_matches,
            "head": {"count": self.head_count, "last_hash": self.head_hash},
            "last_hash": self.last_hash,
        }


def verify_chain(
    progress: Callable[[int], None] | None = None, every: int = 10_000
) -> VerifyReport:
    """Re-compute the chain from the genesis hash; stop at the first broken record.

    `progress(n)` is called after every `every` records read.
    """
    count = 0
    last_hash = GENESIS_HASH

    def counted() -> Iterator[ChainRow]:
        nonlocal count, last_hash
        for row in chain_rows():
            count += 1
            yield row
            last_hash = row[3]
            if progress is not None and count % every == 0:
                progress(count)

    broken = first_broken_link(counted())
    head = AuditChainHead.objects.filter(pk=1).first()
    head_count = head.count if head is not None else 0
    head_hash = head.last_hash if head is not None else GENESIS_HASH
    return VerifyReport(
        count=count,
        first_broken=broken,
        head_matches=broken is None and (head_count, head_hash) == (count, last_hash),
        head_count=head_count,
        head_hash=head_hash,
        last_hash=last_hash,
    )


def subject_history(
    study_key: str | None,
    subject_ref: str,
    *other_refs: str,
    site_codes: Iterable[str] | None = None,
) -> QuerySet[AuditRecord]:
    """The records of a subject (by subject or screening number; `other_refs` adds e.g.
    the screening number of an enrolled subject), oldest first. `study_key` None: any
    study. `site_codes`: only records of these sites."""
    records = AuditRecord.objects.filter(subject_ref__in=[subject_ref, *other_refs])
    if study_key is not None:
        records = records.filter(study_key=study_key)
    if site_codes is not None:
        records = records.filter(site_code__in=list(site_codes))
    return records.order_by("id")


def entity_history(entity: str, entity_id: object) -> QuerySet[AuditRecord]:
    """Every record of one entity (e.g. "subjects.subject", 12), newest first."""
    return AuditRecord.objects.filter(entity=entity, entity_id=str(entity_id)).order_by("-id")


def field_history(entity: str, entity_id: object, field: str) -> QuerySet[AuditRecord]:
    """Every record of one field of one entity, newest first."""
    return entity_history(entity, entity_id).filter(field=field)
