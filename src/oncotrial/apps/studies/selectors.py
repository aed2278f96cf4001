"""Read queries for studies: the current protocol of each study, for views, API and CLI."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from oncotrial.apps.request_cache import remembered
from oncotrial.apps.rows import fetch_one
from oncotrial.apps.studies.models import ProtocolVersion, Study
from oncotrial.domain.protocol import Protocol


@dataclass(frozen=True)
class StudyView:
    """A study with its current protocol version and the protocol itself."""

    study: Study
    version: ProtocolVersion
    protocol: Protocol

    @property
    def key(self) -> str:
        return self.study.key


def protocol_of(version: ProtocolVersion) -> Protocol:
    """The protocol stored in `version`, validated again from its JSON.

    A stored version never changes (a changed file is a new version with a new hash), so
    the parsed protocol is kept per version and file hash."""
    key = (version.pk, version.sha256)
    cached = _PROTOCOLS.get(key)
    if cached is None:
        # the JSON column is read (a query when deferred) only when not parsed yet
        cached = Protocol.model_validate(version.protocol)
        if len(_PROTOCOLS) >= 256:
            _PROTOCOLS.clear()
        _PROTOCOLS[key] = cached
    return cached


_PROTOCOLS: dict[tuple[int, str], Protocol] = {}


def current_version(study: Study) -> ProtocolVersion | None:
    """The study's latest protocol version (read once per request; its protocol JSON is
    read only when `protocol_of` has not parsed that version yet)."""
    return remembered(  # type: ignore[no-any-return]
        ("current_version", study.pk),
        lambda: study.versions.defer("protocol").order_by("-sequence").first(),
    )


def list_studies(studies: QuerySet[Study] | None = None) -> list[StudyView]:
    """The `studies` (every study when None) that have a protocol version, by key."""
    studies = (Study.objects.all() if studies is None else studies).order_by("key")
    studies = studies.prefetch_related("versions")
    views = []
    for study in studies:
        versions = sorted(study.versions.all(), key=lambda v: v.sequence, reverse=True)
        if versions:
            views.append(StudyView(study, versions[0], protocol_of(versions[0])))
    return views


def get_study(key: str) -> StudyView:
    """The study `key` with its current protocol; raises Study.DoesNotExist."""
    return remembered(("study", key), lambda: _get_study(key))  # type: ignore[no-any-return]


VERSION_COLUMNS = tuple(
    field.attname for field in ProtocolVersion._meta.concrete_fields if field.name != "protocol"
)


def _get_study(key: str) -> StudyView:
    version = fetch_one(
        ProtocolVersion,
        "{study__key} = %s",
        [key],
        columns=VERSION_COLUMNS,
        related={"study": None},
        order_by="{sequence} DESC",
    )
    if version is None:
        raise Study.DoesNotExist(f"no study {key} with a protocol version")
    study = version.study
    remembered(("current_version", study.pk), lambda: version)
    return StudyView(study, version, protocol_of(version))


def version_history(study: Study) -> list[ProtocolVersion]:
    """The study's protocol versions, newest first."""
    return list(study.versions.select_related("loaded_by").order_by("-sequence"))
