"""The shared write path of the clinical tables: several rows of one visit at once."""

from __future__ import annotations

import datetime as dt

import pytest

from oncotrial.apps import records
from oncotrial.apps.audit.models import AuditRecord
from oncotrial.apps.labs.models import LabResult
from oncotrial.apps.visits.models import Visit
from tests.apps.treatment.world import world  # noqa: F401


def _row(visit: Visit, analyte: str, value: float) -> dict:
    return {
        "visit": visit,
        "assessment_id": "blood_routine",
        "analyte": analyte,
        "value": value,
        "unit": "10^9/L",
        "collection_date": dt.date(2024, 1, 15),
    }


def test_rows_of_one_visit_are_saved_and_audited_together(world):  # noqa: F811
    w = world("sirolimus-pancreatic-cancer.yaml")
    first, second = Visit.objects.filter(subject=w.subject).order_by("target_date")[:2]
    same_visit_again = Visit.objects.get(pk=first.pk)  # another instance of the same visit

    saved = records.create_many(
        w.coordinator,
        LabResult,
        w.subject,
        [_row(first, "wbc", 5.2), _row(same_visit_again, "anc", 3.1)],
    )

    assert [r.analyte for r in saved] == ["wbc", "anc"]
    for result in saved:
        audited = AuditRecord.objects.filter(entity="labs.labresult", entity_id=str(result.pk))
        assert set(audited.values_list("field", flat=True)) == set(LabResult.audited_fields)
    with pytest.raises(ValueError, match="one visit"):
        records.create_many(
            w.coordinator,
            LabResult,
            w.subject,
            [_row(first, "wbc", 5.2), _row(second, "anc", 3.1)],
        )
