"""Allowed grades of the built-in catalogue, checked against the published CTCAE v5.0
(a "-" in the NCI table means the grade does not exist for the term)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from oncotrial.domain.ctcae import GradeNotAllowed, UnknownTerm, builtin_catalogue, format_grades

REFERENCE = Path(__file__).parents[3].parent / "shared" / "reference" / "ctcae"

PUBLISHED = {
    # CTCAE v5.0: term → grades that exist
    "Alopecia": (1, 2),
    "Nausea": (1, 2, 3),
    "Anemia": (1, 2, 3, 4, 5),
    "Neutrophil count decreased": (1, 2, 3, 4),
    "Hypertension": (1, 2, 3, 4, 5),
    "Diarrhea": (1, 2, 3, 4, 5),
    "Fatigue": (1, 2, 3),
    "Rash maculo-papular": (1, 2, 3),
    "Proteinuria": (1, 2, 3),
    "Palmar-plantar erythrodysesthesia syndrome": (1, 2, 3),
    "Hypothyroidism": (1, 2, 3, 4, 5),
    "Pneumonitis": (1, 2, 3, 4, 5),
    "Febrile neutropenia": (3, 4, 5),
    "Sepsis": (3, 4, 5),
    "Death NOS": (5,),
}


@pytest.mark.parametrize(("term", "grades"), sorted(PUBLISHED.items()))
def test_allowed_grades_are_the_published_ones(term, grades):
    assert builtin_catalogue().allowed_grades(term) == grades


def test_about_fifty_terms_over_the_common_organ_classes():
    catalogue = builtin_catalogue()
    assert 45 <= len(catalogue) <= 60
    assert len(catalogue.soc_counts()) >= 12
    assert all(t.descriptions == {} for t in catalogue), "no NCI text in the built-in list"


def test_a_grade_the_term_does_not_allow_is_refused_naming_the_allowed_grades():
    with pytest.raises(GradeNotAllowed) as refused:
        builtin_catalogue().check_grade("Alopecia", 3)
    assert str(refused.value) == ("Alopecia allows grades 1–2 in CTCAE 5.0; 3 is not one of them.")


def test_lookup_ignores_case_and_spaces():
    term = builtin_catalogue().check_grade("  neutrophil  COUNT decreased ", 4)
    assert term.term == "Neutrophil count decreased"
    assert term.soc == "Investigations"
    assert term.meddra_code == "10029366"


def test_an_unknown_term_is_refused():
    with pytest.raises(UnknownTerm, match=r"“Tiredness” is not a term of CTCAE 4\.0"):
        builtin_catalogue("4.0").check_grade("Tiredness", 1)


@pytest.mark.parametrize(
    ("grades", "text"),
    [
        ((1, 2), "1–2"),
        ((3, 4, 5), "3–5"),
        ((5,), "5"),
        ((1, 3), "1 and 3"),
        ((1, 2, 4), "1–2 and 4"),
    ],
)
def test_format_grades(grades, text):
    assert format_grades(grades) == text


def test_search_puts_terms_starting_with_the_text_first():
    names = [t.term for t in builtin_catalogue().search("hyp")]
    assert names[:3] == ["Hyperglycemia", "Hypertension", "Hyperthyroidism"]
    assert "Adrenal insufficiency" not in names


def test_every_builtin_term_matches_the_v5_reference_table():
    path = REFERENCE / "CTCAE_v5.0.csv"
    if not path.exists():
        pytest.skip("the CTCAE v5.0 reference table is not available")
    with path.open(encoding="utf-8", errors="replace") as handle:
        rows = {row[2].strip(): row for row in csv.reader(handle)}
    for term in builtin_catalogue():
        row = rows[term.term]
        grades = tuple(g for g in range(1, 6) if row[2 + g].strip() not in ("", "-"))
        assert (row[0], row[1], grades) == (term.meddra_code, term.soc, term.grades), term.term
