"""Endpoint derivation: from each subject's captured data to one row per endpoint.

Build a :class:`SubjectRecord` per subject, then :func:`derive_all` with the protocol;
:func:`to_csv_rows` flattens the rows for a CSV export and :func:`ae_incidence` gives
the study-level adverse event tables. See ``docs/endpoints.md``.
"""

from oncotrial.domain.endpoints.derive import (
    ae_incidence,
    derive_all,
    derive_endpoint,
    treatment_start_anchor,
)
from oncotrial.domain.endpoints.errors import InvalidRecord, UnsupportedEndpoint
from oncotrial.domain.endpoints.export import COLUMNS, to_csv_rows
from oncotrial.domain.endpoints.inputs import (
    AdverseEvent,
    MarkerValue,
    Observation,
    SubjectRecord,
    TumourAssessment,
)
from oncotrial.domain.endpoints.rows import (
    DAYS_PER_MONTH,
    DerivedRow,
    MarkerResult,
    Response,
    SafetyResult,
    Survival,
)
from oncotrial.domain.endpoints.safety import IncidenceRow, IncidenceTable, IncidenceTables
from oncotrial.domain.endpoints.summary import Rate, response_rates

__all__ = [
    "COLUMNS",
    "DAYS_PER_MONTH",
    "AdverseEvent",
    "DerivedRow",
    "IncidenceRow",
    "IncidenceTable",
    "IncidenceTables",
    "InvalidRecord",
    "MarkerResult",
    "MarkerValue",
    "Observation",
    "Rate",
    "Response",
    "SafetyResult",
    "SubjectRecord",
    "Survival",
    "TumourAssessment",
    "UnsupportedEndpoint",
    "ae_incidence",
    "derive_all",
    "derive_endpoint",
    "response_rates",
    "to_csv_rows",
    "treatment_start_anchor",
]
