"""The write path for studies: loading protocol files."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from django.db import transaction
from django.utils import timezone

from oncotrial.apps.request_cache import forget
from oncotrial.apps.studies.models import ProtocolVersion, Study
from oncotrial.domain.protocol import Problem, Protocol, ProtocolError, validate_text

Outcome = Literal["created", "new_version", "unchanged"]


@dataclass(frozen=True)
class LoadResult:
    study: Study
    version: ProtocolVersion
    outcome: Outcome
    warnings: tuple[str, ...] = ()

    @property
    def description(self) -> str:
        v = self.version
        if self.outcome == "created":
            return f"created study {self.study.key} with protocol version {v.label} (#{v.sequence})"
        if self.outcome == "new_version":
            return f"new version {v.label} (#{v.sequence}) of study {self.study.key}"
        return f"unchanged: study {self.study.key} is at version {v.label} (#{v.sequence})"


def load_protocol_file(path: str | Path, user: object | None = None) -> LoadResult:
    """Validate the protocol in `path` and store it.

    Creates the study on first load; adds a new protocol version when the file's content
    differs from the current version; does nothing (outcome "unchanged") when it is the
    same. Raises `ProtocolError` listing every problem, changing nothing, when the file is
    not a valid protocol.
    """
    file_path = Path(path)
    try:
        text = file_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProtocolError(str(path), [Problem((), f"cannot read the file: {exc}")]) from exc
    validation = validate_text(text, str(path))
    if validation.protocol is None:
        raise ProtocolError(validation.filename, validation.errors)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    result = _store(validation.protocol, digest, file_path.name, user)
    return LoadResult(
        result.study,
        result.version,
        result.outcome,
        tuple(validation.format_problems()),
    )


@transaction.atomic
def _store(protocol: Protocol, digest: str, source_name: str, user: object | None) -> LoadResult:
    ident = protocol.identification
    study, created = Study.objects.select_for_update().get_or_create(
        key=protocol.id,
        defaults={"nct_id": ident.nct_id or "", "title": ident.brief_title},
    )
    current = study.versions.order_by("-sequence").first()
    if current is not None and current.sha256 == digest:
        return LoadResult(study, current, "unchanged")
    version = ProtocolVersion.objects.create(
        study=study,
        label=protocol.version,
        sequence=(current.sequence + 1) if current else 1,
        loaded_at=timezone.now(),
        source_name=source_name,
        sha256=digest,
        protocol=protocol.model_dump(mode="json", by_alias=True),
        loaded_by=user if getattr(user, "is_authenticated", False) else None,
    )
    if not created and (study.nct_id, study.title) != (ident.nct_id or "", ident.brief_title):
        study.nct_id = ident.nct_id or ""
        study.title = ident.brief_title
        study.save(update_fields=["nct_id", "title"])
    forget()
    return LoadResult(study, version, "created" if created else "new_version")
