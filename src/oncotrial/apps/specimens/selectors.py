"""Read queries for specimens, always scoped by the user's sites."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, QuerySet

from oncotrial.apps.accounts.models import Site
from oncotrial.apps.specimens.models import Specimen, SpecimenTransfer
from oncotrial.apps.studies.models import Study
from oncotrial.apps.subjects import selectors as subject_selectors
from oncotrial.apps.subjects.models import Subject


def specimens_for(user: Any, study: Study) -> QuerySet[Specimen]:
    """The study's specimens of subjects at the user's sites."""
    return Specimen.objects.filter(
        study=study, subject__site__in=subject_selectors.visible_sites(user, study)
    ).select_related("subject", "subject__site", "visit")


def get_specimen(user: Any, study: Study, pk: int) -> Specimen:
    """A specimen of a subject at one of the user's sites; else DoesNotExist."""
    return specimens_for(user, study).get(pk=pk)


def with_custody(specimens: QuerySet[Specimen]) -> QuerySet[Specimen]:
    return specimens.prefetch_related(
        Prefetch(
            "transfers",
            queryset=SpecimenTransfer.objects.order_by("transferred_at", "pk"),
        )
    )


def subject_specimens(subject: Subject) -> QuerySet[Specimen]:
    """A subject's specimens in collection order, each with its custody history."""
    return with_custody(Specimen.objects.filter(subject=subject).select_related("visit"))


@dataclass
class LocationGroup:
    location: str
    status: str
    specimens: list[Specimen]


def worklist(
    user: Any, study: Study, site: Site | None = None, status: str = ""
) -> list[LocationGroup]:
    """Specimens of the user's sites (at `site`, with `status`, if given) grouped by
    where they are and their status."""
    rows = specimens_for(user, study)
    if site is not None:
        rows = rows.filter(subject__site=site)
    if status:
        rows = rows.filter(status=status)
    groups: dict[tuple[str, str], LocationGroup] = {}
    for specimen in rows.order_by("storage_location", "status", "collected_at", "label"):
        key = (specimen.storage_location, specimen.status)
        groups.setdefault(key, LocationGroup(key[0], key[1], [])).specimens.append(specimen)
    return list(groups.values())
