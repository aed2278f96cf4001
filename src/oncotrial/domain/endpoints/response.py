"""Response endpoints: objective response rate, disease control rate, best overall response.

Every subject gets a row (intention to treat): a subject without a post-baseline
assessment in the window has best response NE and is a non-responder.
"""

from __future__ import annotations

import datetime as dt

from oncotrial.domain.endpoints import tumour
from oncotrial.domain.endpoints.inputs import SubjectRecord
from oncotrial.domain.endpoints.rows import DAYS_PER_MONTH, Response
from oncotrial.domain.protocol.endpoints import ResponseRate
from oncotrial.domain.protocol.model import Protocol
from oncotrial.domain.recist.best_response import (
    CPD,
    CR,
    NON_CR_NON_PD,
    PD,
    PR,
    SD,
    Point,
    confirmation_of,
)

#: Used when neither the endpoint nor the protocol says (RECIST 1.1 leaves it to the protocol).
DEFAULT_MIN_SD_DAYS = 42

OBJECTIVE = frozenset({CR, PR})
DISEASE_CONTROL = frozenset({CR, PR, SD, NON_CR_NON_PD})


def min_sd_days(endpoint: ResponseRate, protocol: Protocol | None) -> int:
    if endpoint.min_sd_days is not None:
        return endpoint.min_sd_days
    if protocol is not None and protocol.tumour_response is not None:
        return protocol.tumour_response.min_sd_days
    return DEFAULT_MIN_SD_DAYS


def window_end(start: dt.date, at_months: float | None) -> dt.date | None:
    """Last day whose assessments count for a response "at N months" (N x 30.4375 days)."""
    if at_months is None:
        return None
    return start + dt.timedelta(days=round(at_months * DAYS_PER_MONTH))


def counted_points(
    record: SubjectRecord, start: dt.date, criteria: str, until: dt.date | None
) -> list[Point]:
    """The assessments that count, as engine points.

    Those after the start, on or before ``until`` and the data cut-off, and before any
    new anticancer therapy.
    """
    return [
        (date, code)
        for date, code in tumour.points(record.tumour_assessments, criteria)
        if date > start
        and (until is None or date <= until)
        and (record.data_cutoff is None or date <= record.data_cutoff)
        and (record.next_line_start is None or date < record.next_line_start)
    ]


def first_response(
    record: SubjectRecord, start: dt.date, *, criteria: str, confirmation: bool
) -> dt.date | None:
    """Date of the first objective response (the first confirmed one if required)."""
    seq = counted_points(record, start, criteria, None)
    for index, (date, code) in enumerate(seq):
        if code in (PD, CPD):
            return None
        if code in OBJECTIVE and (not confirmation or confirmation_of(seq, index) is not None):
            return date
    return None


def derive(
    endpoint: ResponseRate,
    record: SubjectRecord,
    start: dt.date | None,
    protocol: Protocol | None = None,
) -> Response:
    """Best overall response and responder flag of one subject for ``endpoint``."""
    if start is None:
        return Response("NE", None, None, False, False, None)
    until = window_end(start, endpoint.at_months)
    seq = counted_points(record, start, endpoint.criteria, until)
    best, spelt = tumour.best_response(
        seq,
        criteria=endpoint.criteria,
        confirmation=endpoint.confirmation,
        min_sd_days=min_sd_days(endpoint, protocol),
        start=start,
    )
    counted = DISEASE_CONTROL if endpoint.kind == "disease_control_rate" else OBJECTIVE
    evaluable = record.evaluable_for_response
    if evaluable is None:
        evaluable = bool(seq)
    return Response(
        best_response=spelt,
        best_response_date=best.date,
        confirmed=best.confirmed,
        responder=best.code in counted,
        evaluable=evaluable,
        window_end=until,
    )
