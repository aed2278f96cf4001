"""The demo's lab results on populated demo studies."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

from django.contrib.auth import get_user_model

from oncotrial.apps.labs import selectors
from oncotrial.apps.labs.models import LabResult
from oncotrial.apps.subjects.models import Subject

STUDIES = Path(__file__).resolve().parents[3] / "studies"


def test_demo_labs_on_the_sirolimus_study(db):
    from oncotrial.apps.studies.services import load_protocol_file
    from oncotrial.cli import demo_data, demo_labs

    study = load_protocol_file(STUDIES / "sirolimus-pancreatic-cancer.yaml").study
    demo_data.ensure_sites_and_users("a-long-pass-123", [study])
    today = dt.date.today()
    demo_data.populate_study(study, today, lambda _m: None)
    users = {u.username: u for u in get_user_model().objects.all()}
    messages: list[str] = []
    demo_labs.populate(study, users, today, messages.append)
    assert messages
    assert messages[0].endswith("laboratory results")
    results = LabResult.objects.filter(subject__study=study)
    assert results.filter(analyte="ca19_9").count() >= 8
    assert results.exclude(analyte="ca19_9").exists()
    flagged = [r for r in results if r.flag]
    assert 0 < len(flagged) < results.count() / 4
    # a subject's CA19-9 series every three weeks, with a baseline and changes
    subject = max(
        Subject.objects.filter(study=study),
        key=lambda s: s.labs_labresult_set.filter(analyte="ca19_9").count(),
    )
    one = selectors.series(subject, "ca19_9")
    assert one.baseline is not None
    dates = [p.result.collection_date for p in one.points]
    # after the baseline (the day before the first dose), every three weeks (±3 days)
    gaps = {(b - a).days for a, b in itertools.pairwise(dates[1:])}
    assert gaps
    assert gaps <= set(range(15, 28))
    assert one.best is not None
    count = results.count()
    demo_labs.populate(study, users, today, messages.append)  # idempotent
    assert results.count() == count
