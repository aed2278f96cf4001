"""CTCAE terms and catalogues: which grades a term allows, and the refusal of a grade it
does not allow.

A `Catalogue` is one CTCAE version's terms, from the built-in list (`builtin.py`: term,
MedDRA SOC, MedDRA code and allowed grades, no NCI text) or from an imported NCI
workbook (`workbook.py`: with the grade descriptions and definitions).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

GRADES = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class Term:
    term: str
    soc: str
    meddra_code: str
    grades: tuple[int, ...]
    """The grades the term allows, ascending."""
    descriptions: Mapping[int, str] = field(default_factory=dict)
    """Grade → description (only from an imported workbook)."""
    definition: str = ""
    navigational_note: str = ""


class UnknownTerm(LookupError):
    def __init__(self, term: str, version: str) -> None:
        self.term = term
        self.version = version
        super().__init__(f"“{term}” is not a term of CTCAE {version}; choose one from the list.")


class GradeNotAllowed(ValueError):
    def __init__(self, term: Term, grade: int, version: str) -> None:
        self.term = term
        self.grade = grade
        self.version = version
        super().__init__(
            f"{term.term} allows grades {format_grades(term.grades)} in CTCAE {version}; "
            f"{grade} is not one of them."
        )


def format_grades(grades: Iterable[int]) -> str:
    """Grades as runs: (1, 2) → "1–2", (3, 4, 5) → "3–5", (1, 3) → "1 and 3"."""
    ordered = sorted(set(grades))
    runs: list[tuple[int, int]] = []
    for grade in ordered:
        if runs and runs[-1][1] == grade - 1:
            runs[-1] = (runs[-1][0], grade)
        else:
            runs.append((grade, grade))
    parts = [str(a) if a == b else f"{a}–{b}" for a, b in runs]
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def normalise(term: str) -> str:
    """The key a term is looked up by: case, non-breaking and repeated spaces ignored."""
    return " ".join(term.replace("\xa0", " ").split()).casefold()


class Catalogue:
    """The terms of one CTCAE version, looked up by name regardless of case."""

    def __init__(self, version: str, terms: Iterable[Term], source: str = "built-in") -> None:
        self.version = version
        self.source = source
        self._terms = {normalise(t.term): t for t in terms}

    def __len__(self) -> int:
        return len(self._terms)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._terms.values())

    def terms(self) -> list[Term]:
        return sorted(self._terms.values(), key=lambda t: t.term.casefold())

    def find(self, term: str) -> Term | None:
        return self._terms.get(normalise(term))

    def get(self, term: str) -> Term:
        found = self.find(term)
        if found is None:
            raise UnknownTerm(term.strip(), self.version)
        return found

    def allowed_grades(self, term: str) -> tuple[int, ...]:
        return self.get(term).grades

    def check_grade(self, term: str, grade: int) -> Term:
        """The term, when it allows `grade`; else UnknownTerm or GradeNotAllowed."""
        found = self.get(term)
        if grade not in found.grades:
            raise GradeNotAllowed(found, grade, self.version)
        return found

    def search(self, text: str, limit: int = 20) -> list[Term]:
        """Terms starting with `text` first, then terms containing it."""
        key = normalise(text)
        ordered = self.terms()
        if not key:
            return ordered[:limit]
        starts = [t for t in ordered if normalise(t.term).startswith(key)]
        contains = [t for t in ordered if key in normalise(t.term) and t not in starts]
        return (starts + contains)[:limit]

    def soc_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for t in self._terms.values():
            counts[t.soc] = counts.get(t.soc, 0) + 1
        return dict(sorted(counts.items()))
