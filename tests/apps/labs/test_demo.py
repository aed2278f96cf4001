"""The lab results of the demo's simulated cohort of the sirolimus study."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

from oncotrial.apps.audit.models import AuditRecord
from oncotrial.apps.labs import selectors
from oncotrial.apps.labs.models import LabResult
from oncotrial.apps.subjects.models import Subject

STUDIES = Path(__file__).resolve().parents[3] / "studies"
TODAY = dt.date(2026, 11, 2)


def test_demo_labs_on_the_sirolimus_study(db):
    from oncotrial.apps.studies.services import load_protocol_file
    from oncotrial.cli import demo_data

    study = load_protocol_file(STUDIES / "sirolimus-pancreatic-cancer.yaml").study
    demo_data.ensure_sites_and_users("a-long-pass-123", [study])
    messages: list[str] = []
    demo_data.simulate_study(study, TODAY, messages.append, subjects=10)
    assert any("259 lab results" in m for m in messages)
    results = LabResult.objects.filter(subject__study=study)
    assert results.count() == 259
    assert results.filter(analyte="ca19_9").count() == 29
    assert {"ca125", "cea", "creatinine", "albumin"} <= set(
        results.values_list("analyte", flat=True)
    )
    flagged = [r for r in results if r.flag]
    assert 0 < len(flagged) < results.count() / 4
    assert not results.filter(collection_date__gt=TODAY).exists()
    for result in results:
        assert AuditRecord.objects.filter(
            entity="labs.labresult", entity_id=str(result.pk), action="create"
        ).exists()
    # each subject's CA19-9 series: about every three weeks, mostly from a baseline
    series = [selectors.series(s, "ca19_9") for s in Subject.objects.filter(study=study)]
    series = [one for one in series if one.points]
    assert len(series) == 10
    assert sum(one.baseline is not None for one in series) == 8
    longest = max(series, key=lambda one: len(one.points))
    assert len(longest.points) == 8
    assert longest.baseline is not None
    assert longest.best is not None
    gaps = {
        (b.result.collection_date - a.result.collection_date).days
        for one in series
        for a, b in itertools.pairwise(one.points)
    }
    assert gaps
    assert gaps <= set(range(14, 29))  # three weeks, ±7 days
    # a second run adds nothing
    assert demo_data.simulate_study(study, TODAY, messages.append, subjects=10) == 0
    assert results.count() == 259
