"""The hash chain of the audit trail.

Each record's hash is the SHA-256 of the previous record's hash and the record's own
content in a canonical form, so that changing, inserting or removing a stored record
breaks every link after it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

GENESIS_HASH = "0" * 64

CHAINED_FIELDS = (
    "at",
    "username",
    "study_key",
    "site_code",
    "subject_ref",
    "entity",
    "entity_id",
    "field",
    "action",
    "old_value",
    "new_value",
    "reason",
)


_CANONICAL = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
)


def record_hash(previous_hash: str, content: Mapping[str, object]) -> str:
    """The hash of a record with `content` (the CHAINED_FIELDS) following `previous_hash`."""
    canonical = _CANONICAL.encode({name: content.get(name) for name in CHAINED_FIELDS})
    return hashlib.sha256(f"{previous_hash}\n{canonical}".encode()).hexdigest()


@dataclass(frozen=True)
class BrokenLink:
    position: int
    """0-based position of the first record that does not fit the chain."""
    record_id: object
    reason: str


def first_broken_link(
    records: Iterable[tuple[object, Mapping[str, object], str, str]],
) -> BrokenLink | None:
    """Walk `records` (id, content, previous_hash, hash) in order; the first that breaks."""
    expected_previous = GENESIS_HASH
    for position, (record_id, content, previous_hash, stored_hash) in enumerate(records):
        if previous_hash != expected_previous:
            return BrokenLink(
                position, record_id, "its previous-hash does not match the record before it"
            )
        if record_hash(previous_hash, content) != stored_hash:
            return BrokenLink(position, record_id, "its content does not match its hash")
        expected_previous = stored_hash
    return None
