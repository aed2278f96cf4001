"""Adverse events of a simulated subject: a few CTCAE terms common with targeted
therapy, immunotherapy and chemotherapy, a realistic grade mix (mostly grade 1–2, about
one in six grade 3, a few grade 4), onsets during treatment, and a share of the grade 3–4
events serious (hospitalisation)."""

from __future__ import annotations

import random
from dataclasses import dataclass

TERMS = (
    "Fatigue",
    "Nausea",
    "Diarrhea",
    "Anorexia",
    "Hypertension",
    "Proteinuria",
    "Palmar-plantar erythrodysesthesia syndrome",
    "Rash maculo-papular",
    "Alanine aminotransferase increased",
    "Neutrophil count decreased",
    "Platelet count decreased",
    "Anemia",
    "Hypothyroidism",
    "Mucositis oral",
    "Pruritus",
    "Weight loss",
    "Hypertriglyceridemia",
    "Cough",
)
GRADE_WEIGHTS = {1: 50, 2: 32, 3: 14, 4: 4}
SERIOUS_SHARE = 0.3
"""Share of grade 3–4 events that are serious."""
SERIOUS_TERMS = ("Febrile neutropenia", "Pneumonitis", "Colitis", "Diarrhea", "Anemia")
RELATIONSHIP_WEIGHTS = {
    "not_related": 15,
    "unlikely": 20,
    "possible": 35,
    "probable": 22,
    "definite": 8,
}


@dataclass(frozen=True)
class AdverseEventPlan:
    term: str
    grade: int
    onset_day: int
    """Days from the start of treatment."""
    lasts_days: int
    serious: bool
    relationship: str


def adverse_events(rng: random.Random, treated_days: float) -> tuple[AdverseEventPlan, ...]:
    """The events of one subject treated for `treated_days`: about one every five weeks
    of treatment, at least one, at most six."""
    expected = min(max(treated_days / 35, 1.0), 6.0)
    count = min(max(round(rng.gauss(expected, 1.0)), 1), 6)
    terms = rng.sample(TERMS, count)
    events = []
    for term in terms:
        grade = rng.choices(list(GRADE_WEIGHTS), weights=list(GRADE_WEIGHTS.values()))[0]
        serious = grade >= 3 and rng.random() < SERIOUS_SHARE
        if serious:
            term = rng.choice(SERIOUS_TERMS)
        events.append(
            AdverseEventPlan(
                term=term,
                grade=grade,
                onset_day=rng.randint(2, max(int(treated_days), 3)),
                lasts_days=rng.randint(3, 40),
                serious=serious,
                relationship=rng.choices(
                    list(RELATIONSHIP_WEIGHTS), weights=list(RELATIONSHIP_WEIGHTS.values())
                )[0],
            )
        )
    return tuple(sorted(events, key=lambda e: e.onset_day))
