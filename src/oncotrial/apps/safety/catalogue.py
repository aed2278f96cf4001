"""The CTCAE catalogue an adverse event is graded against, and the workbook import.

A protocol names its CTCAE version (`safety.ctcae_version`). An imported NCI workbook
of that version is used when there is one ("4.0" and "4.03" both use an imported 4.03
workbook); otherwise the built-in list of common oncology terms (no grade
descriptions).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from oncotrial.apps.safety.models import CtcaeCatalogue, CtcaeTerm
from oncotrial.domain.ctcae import Catalogue, Term, builtin_catalogue
from oncotrial.domain.ctcae.terms import normalise
from oncotrial.domain.ctcae.workbook import WorkbookCatalogue, read_workbook


def imported_version(version: str) -> str:
    """The workbook version that serves a protocol's CTCAE version."""
    return "4.03" if version.startswith("4") else version


def imported(version: str) -> CtcaeCatalogue | None:
    return CtcaeCatalogue.objects.filter(version=imported_version(version)).first()


def _term(row: CtcaeTerm) -> Term:
    descriptions = {int(g): str(text) for g, text in row.descriptions.items()}
    return Term(
        term=row.term,
        soc=row.soc,
        meddra_code=row.meddra_code,
        grades=tuple(sorted(descriptions)),
        descriptions=descriptions,
        definition=row.definition,
        navigational_note=row.navigational_note,
    )


def find_term(version: str, text: str) -> Term | None:
    """The catalogue term named `text` (any case), or None."""
    catalogue = imported(version)
    if catalogue is None:
        return builtin_catalogue(version).find(text)
    row = catalogue.terms.filter(term_key=normalise(text)).first()
    return None if row is None else _term(row)


def source(version: str) -> str:
    found = imported(version)
    return f"imported NCI workbook {found.version}" if found else "built-in list"


def catalogue(version: str) -> Catalogue:
    """Every term of the catalogue serving `version`."""
    found = imported(version)
    if found is None:
        return builtin_catalogue(version)
    return Catalogue(version, (_term(row) for row in found.terms.all()), source="imported")


def search(version: str, text: str, limit: int = 20) -> list[Term]:
    found = imported(version)
    if found is None:
        return builtin_catalogue(version).search(text, limit)
    key = normalise(text)
    rows = found.terms.all()
    starts = list(rows.filter(term_key__startswith=key)[:limit])
    more = rows.filter(term_key__contains=key).exclude(pk__in=[r.pk for r in starts])
    return [_term(r) for r in [*starts, *more[: limit - len(starts)]]]


@dataclass(frozen=True)
class ImportResult:
    version: str
    sheet: str
    terms: int
    replaced: int
    """How many terms the previous import of the version held (0: first import)."""
    soc_counts: dict[str, int]


def import_workbook(
    path: str | Path,
    version: str | None = None,
    *,
    imported_by: str = "",
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Read the NCI workbook at `path` and replace that version's terms at once (a file
    that cannot be read changes nothing: `WorkbookError`)."""
    read: WorkbookCatalogue = read_workbook(path, version, progress)
    with transaction.atomic():
        old = CtcaeCatalogue.objects.filter(version=read.version).first()
        replaced = 0
        if old is not None:
            replaced = old.terms.count()
            old.delete()
        new = CtcaeCatalogue.objects.create(
            version=read.version,
            source=Path(path).name,
            sheet=read.sheet,
            imported_at=timezone.now(),
            imported_by=imported_by,
        )
        CtcaeTerm.objects.bulk_create(
            [
                CtcaeTerm(
                    catalogue=new,
                    term=t.term,
                    term_key=normalise(t.term),
                    soc=t.soc,
                    meddra_code=t.meddra_code,
                    descriptions={str(g): text for g, text in t.descriptions.items()},
                    definition=t.definition,
                    navigational_note=t.navigational_note,
                )
                for t in read.terms
            ],
            batch_size=500,
        )
    return ImportResult(read.version, read.sheet, len(read.terms), replaced, read.soc_counts())


def term_data(term: Term) -> dict[str, Any]:
    return {
        "term": term.term,
        "soc": term.soc,
        "meddra_code": term.meddra_code,
        "grades": list(term.grades),
        "descriptions": {str(g): d for g, d in term.descriptions.items()},
        "definition": term.definition,
    }
