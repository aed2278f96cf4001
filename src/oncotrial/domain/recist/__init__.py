"""Tumour response engine: RECIST 1.1 and iRECIST, pure Python.

Use :func:`evaluate_raw` on a JSON-like patient record (see ``docs/recist.md``), or
:func:`parse_patient` then :func:`evaluate`. Bad records raise :class:`InvalidPatient`
with every :class:`Problem` found.
"""

from oncotrial.domain.recist.engine import evaluate, evaluate_raw
from oncotrial.domain.recist.models import PatientIn
from oncotrial.domain.recist.results import Result, TimePoint
from oncotrial.domain.recist.validation import InvalidPatient, Problem, parse_patient

__all__ = [
    "InvalidPatient",
    "PatientIn",
    "Problem",
    "Result",
    "TimePoint",
    "evaluate",
    "evaluate_raw",
    "parse_patient",
]
