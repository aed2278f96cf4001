"""Adverse event endpoints: per-subject worst grades and incidence among treated subjects."""

from __future__ import annotations

import pytest

from oncotrial.domain.endpoints import AdverseEvent, ae_incidence, derive_all
from oncotrial.domain.endpoints.inputs import SubjectRecord
from tests.domain.endpoints.cohort import SARCOMA, SIROLIMUS, day, endpoint, protocol, subject


def ae(term: str, grade: int, onset: int = 10, **fields: bool) -> AdverseEvent:
    soc = {"Nausea": "Gastrointestinal disorders", "Fatigue": "General disorders"}.get(
        term, "Infections and infestations"
    )
    return AdverseEvent(term=term, grade=grade, onset=day(onset), soc=soc, **fields)


def cohort() -> list[SubjectRecord]:
    """Four treated subjects and one who never received treatment.

    S01: nausea grade 1 and grade 3 (both related), fatigue grade 2 (not related).
    S02: nausea grade 2, pneumonia grade 3 (serious); neither related.
    S03: fatigue grade 1, related.
    S04: fatigue grade 1 three days before the first dose only (not treatment-emergent).
    S05: never treated; nausea grade 2 (outside the safety population).
    """
    return [
        subject(
            "S01",
            adverse_events=(
                ae("Nausea", 1, related=True),
                ae("Nausea", 3, 20, related=True),
                ae("Fatigue", 2),
            ),
        ),
        subject("S02", adverse_events=(ae("Nausea", 2), ae("Pneumonia", 3, serious=True))),
        subject("S03", adverse_events=(ae("Fatigue", 1, related=True),)),
        subject("S04", adverse_events=(ae("Fatigue", 1, -3),)),
        subject("S05", anchors={}, treated=False, adverse_events=(ae("Nausea", 2),)),
    ]


def test_per_subject_worst_grade_per_term() -> None:
    sarcoma = protocol(SARCOMA)
    rows = {r.subject_id: r for r in derive_all(sarcoma, cohort()) if r.kind == "adverse_events"}
    s1, s2, s4 = rows["S01"].safety, rows["S02"].safety, rows["S04"].safety
    assert s1 is not None
    assert s2 is not None
    assert s4 is not None
    assert [(t.term, t.worst_grade) for t in s1.by_term] == [("Fatigue", 2), ("Nausea", 3)]
    assert (s1.events, s1.worst_grade, s1.grade3_plus, s1.serious, s1.related) == (
        3,
        3,
        True,
        False,
        True,
    )
    assert (s2.worst_grade, s2.serious, s2.related) == (3, True, False)
    assert (s4.events, s4.worst_grade, s4.grade3_plus) == (0, None, False)
    assert rows["S05"].evaluable is False
    assert rows["S05"].reason == "not treated: outside the safety population"


def test_incidence_tables_over_treated_subjects() -> None:
    sarcoma = protocol(SARCOMA)
    tables = ae_incidence(sarcoma, endpoint(sarcoma, "adverse_events"), cohort())
    every = tables.all_events
    # Denominator: the 4 treated subjects. Any AE: S01, S02, S03 -> 3/4 = 75.0%.
    assert (every.treated, every.any_subjects, every.any_percent) == (4, 3, 75.0)
    # Fatigue: S01 (worst 2), S03 (1) -> 2/4 = 50%, grade 1: 1, grade 2: 1.
    # Nausea: S01 (worst 3, counted once), S02 (2) -> 2/4 = 50%; grade >= 3: 1 (25%).
    # Pneumonia: S02 (3) -> 1/4 = 25%.
    assert [(r.term, r.subjects, r.percent, r.by_grade, r.grade3_plus) for r in every.rows] == [
        ("Fatigue", 2, 50.0, (1, 1, 0, 0, 0), 0),
        ("Nausea", 2, 50.0, (0, 1, 1, 0, 0), 1),
        ("Pneumonia", 1, 25.0, (0, 0, 1, 0, 0), 1),
    ]
    # Related: nausea S01 (worst 3), fatigue S03 (1): each 1/4 = 25%; any 2/4 = 50%.
    related = tables.related
    assert [(r.term, r.subjects, r.percent, r.by_grade) for r in related.rows] == [
        ("Fatigue", 1, 25.0, (1, 0, 0, 0, 0)),
        ("Nausea", 1, 25.0, (0, 0, 1, 0, 0)),
    ]
    assert (related.any_subjects, related.any_percent) == (2, 50.0)
    serious = tables.serious
    assert [(r.term, r.subjects, r.percent) for r in serious.rows] == [("Pneumonia", 1, 25.0)]


def test_related_only_endpoint_filters_every_count() -> None:
    sirolimus = protocol(SIROLIMUS)  # treatment_related_aes: related_only
    spec = endpoint(sirolimus, "treatment_related_aes")
    rows = {
        r.subject_id: r.safety for r in derive_all(sirolimus, cohort()) if r.endpoint_id == spec.id
    }
    s1, s2, s3 = rows["S01"], rows["S02"], rows["S03"]
    assert s1 is not None
    assert s2 is not None
    assert s3 is not None
    # S01's unrelated fatigue is left out; S02 has no related event.
    assert [(t.term, t.worst_grade) for t in s1.by_term] == [("Nausea", 3)]
    assert (s2.events, s2.worst_grade) == (0, None)
    assert [(t.term, t.worst_grade) for t in s3.by_term] == [("Fatigue", 1)]
    tables = ae_incidence(sirolimus, spec, cohort())
    assert [(r.term, r.subjects) for r in tables.all_events.rows] == [("Fatigue", 1), ("Nausea", 1)]
    assert tables.all_events.any_percent == 50.0


def test_min_grade_and_grade_range() -> None:
    sarcoma = protocol(SARCOMA)
    spec = endpoint(sarcoma, "adverse_events").model_copy(update={"min_grade": 3})
    tables = ae_incidence(sarcoma, spec, cohort())
    # Grade >= 3: nausea (S01) and pneumonia (S02): 2/4 = 50%.
    assert [(r.term, r.subjects) for r in tables.all_events.rows] == [
        ("Nausea", 1),
        ("Pneumonia", 1),
    ]
    assert tables.all_events.any_percent == 50.0
    with pytest.raises(ValueError, match="grade 6 not in 1-5"):
        AdverseEvent(term="Nausea", grade=6)
