"""Outcome measures recognised as endpoints by title and description."""

from __future__ import annotations

import pytest

from oncotrial.registry.outcomes import classify_outcome


@pytest.mark.parametrize(
    ("title", "measure"),
    [
        ("Overall Survival (OS)", "os"),
        ("Progression-free survival (PFS)", "pfs"),
        ("PFS-2", "pfs2"),
        ("Relapse Free Survival in 2 years", "rfs"),
        ("Invasive Disease Free Survival (iDFS)", "dfs"),
        ("Event-free survival at 2 years", "efs"),
        ("Time to Progression", "ttp"),
        ("Duration of Response (DoR)", "dor"),
    ],
)
def test_time_to_event(title: str, measure: str) -> None:
    found = classify_outcome(title, None)
    assert found["kind"] == "time_to_event"
    assert found["measure"] == measure


def test_events_and_anchors() -> None:
    assert classify_outcome("PFS", None)["events"] == ["progression", "death"]
    assert classify_outcome("Overall survival", None)["censor_at"] == "last_known_alive"
    assert classify_outcome("Duration of response", None)["start"] == "first_response"


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("Objective Response Rate (ORR)", "objective_response_rate"),
        ("Disease control rate (DCR)", "disease_control_rate"),
        ("Incidence of Treatment-Emergent Adverse Events", "adverse_events"),
        ("Pathological complete response rate", "descriptive"),
        ("Intracranial progression-free survival (iPFS)", "descriptive"),
        ("Time to response (TTR)", "descriptive"),
        ("Dose-limiting toxicities", "descriptive"),
        ("Quality of life (EORTC QLQ-C30)", "descriptive"),
    ],
)
def test_kinds(title: str, kind: str) -> None:
    assert classify_outcome(title, None)["kind"] == kind


def test_description_is_read_when_the_title_says_nothing() -> None:
    found = classify_outcome("Efficacy", "Progression-free survival per RECIST 1.1.")
    assert found["measure"] == "pfs"


def test_adverse_event_details() -> None:
    found = classify_outcome(
        "Number of participants with grade 3 or higher treatment-related serious adverse events",
        "Graded by CTCAE v4.03",
    )
    assert found == {
        "kind": "adverse_events",
        "ctcae_version": "4.03",
        "related_only": True,
        "serious_only": True,
        "min_grade": 3,
    }


def test_response_criteria() -> None:
    found = classify_outcome("ORR", "Confirmed response per iRECIST")
    assert (found["criteria"], found["confirmation"]) == ("iRECIST", True)
