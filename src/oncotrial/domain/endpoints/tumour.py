"""Tumour assessments for endpoints: codes, progression, adequate assessments, best response.

The best overall response itself is the RECIST engine's
(:func:`oncotrial.domain.recist.best_response.best_overall_response`); this module only
selects which assessments count and translates codes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from oncotrial.domain.endpoints.errors import InvalidRecord
from oncotrial.domain.endpoints.inputs import SubjectRecord, TumourAssessment
from oncotrial.domain.recist.best_response import (
    CPD,
    CR,
    NE,
    NON_CR_NON_PD,
    PD,
    PR,
    SD,
    UPD,
    Best,
    Point,
    best_overall_response,
)
from oncotrial.domain.recist.irecist import prefixed

RECIST11, IRECIST = "RECIST 1.1", "iRECIST"

_RECIST11_CODES = {code: code for code in (CR, PR, SD, NON_CR_NON_PD, PD, NE)}
_IRECIST_CODES = {
    "iCR": CR,
    "iPR": PR,
    "iSD": SD,
    "iNON-CR/NON-PD": NON_CR_NON_PD,
    "iUPD": UPD,
    "iCPD": CPD,
    NE: NE,
    "iNE": NE,
}
_RESETS = frozenset({CR, PR, SD, NON_CR_NON_PD})


def points(assessments: Sequence[TumourAssessment], criteria: str) -> list[Point]:
    """``(date, code)`` in date order, codes unprefixed as the best-response engine wants.

    Raises :class:`InvalidRecord` for a code that is not one of the criteria's.
    """
    table = _IRECIST_CODES if criteria == IRECIST else _RECIST11_CODES
    result: list[Point] = []
    for item in sorted(assessments, key=lambda a: a.date):
        code = table.get(item.response)
        if code is None:
            raise InvalidRecord(
                f"tumour response {item.response!r} on {item.date.isoformat()} is not "
                f"one of the {criteria} overall responses ({', '.join(sorted(table))})"
            )
        result.append((item.date, code))
    return result


def criteria_of(assessments: Sequence[TumourAssessment]) -> str:
    """iRECIST when any code carries the ``i`` prefix, else RECIST 1.1."""
    iprefixed = any(a.response.startswith("i") for a in assessments)
    return IRECIST if iprefixed else RECIST11


def progression_from(seq: Sequence[Point]) -> dt.date | None:
    """Date of progression as the response engine dates it.

    RECIST 1.1: the first PD. iRECIST: the iUPD that opened the episode later confirmed
    as iCPD (Seymour 2017); an iUPD reset by iSD/iPR/iCR, or never confirmed, is not
    progression.
    """
    episode: dt.date | None = None
    for date, code in seq:
        if code == PD:
            return date
        if code == UPD and episode is None:
            episode = date
        elif code == CPD:
            return episode or date
        elif code in _RESETS:
            episode = None
    return None


def progression_date(record: SubjectRecord) -> dt.date | None:
    """The record's progression date, else the one its time points show."""
    if record.progression_date is not None:
        return record.progression_date
    seq = points(record.tumour_assessments, criteria_of(record.tumour_assessments))
    return progression_from(seq)


def last_adequate(record: SubjectRecord, start: dt.date, until: dt.date | None) -> dt.date | None:
    """Last evaluable (not NE) assessment after ``start`` and on or before ``until``."""
    dates = [
        a.date
        for a in record.tumour_assessments
        if a.response not in (NE, "iNE") and a.date > start and (until is None or a.date <= until)
    ]
    return max(dates, default=None)


def best_response(
    seq: Sequence[Point],
    *,
    criteria: str,
    confirmation: bool,
    min_sd_days: int,
    start: dt.date,
) -> tuple[Best, str]:
    """The engine's best overall response, and its code spelt for ``criteria``."""
    best = best_overall_response(
        seq,
        confirmation=confirmation,
        min_sd_days=min_sd_days,
        start_date=start,
        has_targets=not any(code == NON_CR_NON_PD for _, code in seq),
        immune=criteria == IRECIST,
    )
    spelt = (prefixed(best.code) or NE) if criteria == IRECIST else best.code
    return best, spelt
