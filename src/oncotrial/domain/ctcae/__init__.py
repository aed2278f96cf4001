"""CTCAE (Common Terminology Criteria for Adverse Events): terms, allowed grades, a
built-in catalogue of common oncology terms, the NCI workbook reader and the
consistency rules of an adverse event record."""

from oncotrial.domain.ctcae.builtin import BUILTIN_VERSION, builtin_catalogue
from oncotrial.domain.ctcae.terms import (
    Catalogue,
    GradeNotAllowed,
    Term,
    UnknownTerm,
    format_grades,
)

__all__ = [
    "BUILTIN_VERSION",
    "Catalogue",
    "GradeNotAllowed",
    "Term",
    "UnknownTerm",
    "builtin_catalogue",
    "format_grades",
]
