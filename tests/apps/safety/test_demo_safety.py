"""The demo's adverse events, built through the services on the demo cohort."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from oncotrial.apps.audit.models import AuditRecord
from oncotrial.apps.safety import selectors
from oncotrial.apps.safety.models import AdverseEvent, SaeReport
from oncotrial.apps.studies.services import load_protocol_file
from oncotrial.cli import demo_data, demo_safety

SARCOMA = Path(__file__).parents[3] / "studies" / "anlotinib-toripalimab-sarcoma.yaml"

pytestmark = pytest.mark.django_db


def test_populate_adds_graded_events_and_three_saes():
    study = load_protocol_file(SARCOMA).study
    demo_data.ensure_sites_and_users("demo-pass-1", [study])
    today = timezone.localdate()
    lines: list[str] = []

    demo_data.populate_study(study, today, lines.append)  # demo_safety.populate among others
    users = {u.username: u for u in get_user_model().objects.all()}
    lines = [line for line in lines if "serious adverse events" in line]

    events = AdverseEvent.objects.filter(subject__study=study)
    assert events.count() >= 16
    grades = Counter(events.values_list("grade", flat=True))
    assert grades[1] > grades[3]
    assert set(grades) <= {1, 2, 3, 4}
    for event in events:
        assert event.relationships.count() == 2  # anlotinib and toripalimab
        assert AuditRecord.objects.filter(
            entity="safety.adverseevent", entity_id=str(event.pk)
        ).exists()
    reports = SaeReport.objects.filter(subject__study=study)
    assert reports.count() == 3
    sent = reports.get(status="sent")
    assert sent.on_time
    investigator = users["investigator"]
    clocks = sorted(r.state for r in selectors.sae_worklist(investigator, study))
    assert clocks == ["due", "overdue"]
    assert lines
    assert "3 serious adverse events" in lines[0]

    demo_safety.populate(study, users, today, lines.append)  # a second run adds nothing
    assert AdverseEvent.objects.filter(subject__study=study).count() == events.count()
