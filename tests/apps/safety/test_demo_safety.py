"""The demo's adverse events: the simulated cohort's events with their grades and
relationships, and serious adverse events whose report clocks run."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from oncotrial.apps.audit.models import AuditRecord
from oncotrial.apps.safety import selectors
from oncotrial.apps.safety.models import AdverseEvent, SaeReport
from oncotrial.apps.studies.services import load_protocol_file
from oncotrial.cli import demo_data, demo_safety

SARCOMA = Path(__file__).parents[3] / "studies" / "anlotinib-toripalimab-sarcoma.yaml"
TODAY = dt.date(2026, 11, 2)

pytestmark = pytest.mark.django_db


def test_the_demo_adds_graded_events_and_three_sae_clocks():
    study = load_protocol_file(SARCOMA).study
    demo_data.ensure_sites_and_users("demo-pass-1", [study])
    lines: list[str] = []

    demo_data.simulate_study(study, TODAY, lines.append, subjects=12)

    events = AdverseEvent.objects.filter(subject__study=study)
    assert any("27 adverse events (1 serious)" in line for line in lines)
    assert events.count() == 30  # 27 simulated, 3 with report clocks
    assert events.filter(serious=True).count() == 4
    grades = Counter(events.values_list("grade", flat=True))
    assert grades[1] > grades[3] > 0
    assert set(grades) <= {1, 2, 3, 4}
    for event in events:
        assert event.relationships.count() == 2  # anlotinib and toripalimab
        assert AuditRecord.objects.filter(
            entity="safety.adverseevent", entity_id=str(event.pk)
        ).exists()
    serious = Counter(events.filter(serious=True).values_list("term", flat=True))
    # the three with report clocks (demo_safety.SERIOUS) and a simulated colitis
    assert serious == {"Febrile neutropenia": 1, "Pneumonitis": 1, "Colitis": 2}
    assert {term for term, *_ in demo_safety.SERIOUS} == set(serious)
    reports = SaeReport.objects.filter(subject__study=study)
    assert reports.count() == events.filter(serious=True).count()
    sent = reports.get(adverse_event__term="Febrile neutropenia")
    assert sent.status == "sent"
    assert sent.on_time
    investigator = get_user_model().objects.get(username="investigator")
    clocks = sorted(r.state for r in selectors.sae_worklist(investigator, study))
    assert clocks == ["due", "overdue"]
    assert any("3 serious adverse events with report clocks running" in line for line in lines)

    # a second run adds nothing
    assert demo_data.simulate_study(study, TODAY, lines.append, subjects=12) == 0
    assert events.count() == 30
