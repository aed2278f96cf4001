"""Best overall response (RECIST 1.1 §4.4, Table 3; iRECIST iBOR).

Works on the sequence of overall time-point responses, written without the iRECIST
``i`` prefix: ``CR``, ``PR``, ``SD``, ``NON-CR/NON-PD``, ``PD``, ``NE`` and, for
iRECIST, ``UPD`` (iUPD) and ``CPD`` (iCPD).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

CR, PR, SD, PD, NE = "CR", "PR", "SD", "PD", "NE"
NON_CR_NON_PD = "NON-CR/NON-PD"
UPD, CPD = "UPD", "CPD"

#: §4.4.1: a CR/PR is confirmed by a repeat assessment no less than 4 weeks later.
CONFIRMATION_MIN_DAYS = 28

_STABLE = frozenset({CR, PR, SD, NON_CR_NON_PD})
# What may lie between a response and the assessment confirming it, and what confirms it.
_BETWEEN = {CR: frozenset({CR, NE}), PR: frozenset({PR, CR, NE})}
_CONFIRMS = {CR: frozenset({CR}), PR: frozenset({PR, CR})}

Point = tuple[dt.date, str]


@dataclass(frozen=True, slots=True)
class Best:
    """Best overall response (unprefixed code), its date and its confirmation."""

    code: str
    date: dt.date | None
    confirmed: bool | None
    confirmation_date: dt.date | None
    notes: tuple[str, ...] = ()


def confirmation_of(points: Sequence[Point], index: int) -> dt.date | None:
    """Date of the assessment confirming the CR/PR at ``index``, or ``None``.

    A CR is confirmed by a later CR at least 28 days on; a PR by a later PR or CR at
    least 28 days on (Table 3 rows "CR CR" and "PR CR", "PR PR"). Assessments in
    between may repeat the response (or CR for a PR) or be NE; anything else (SD, PD,
    iUPD, or PR after CR) breaks the confirmation (rows "PR SD", "CR SD", "CR PR").
    """
    first_date, code = points[index]
    between, confirms = _BETWEEN[code], _CONFIRMS[code]
    for later_date, later in points[index + 1 :]:
        if later in confirms and (later_date - first_date).days >= CONFIRMATION_MIN_DAYS:
            return later_date
        if later not in between:
            return None
    return None


def best_overall_response(
    points: Sequence[Point],
    *,
    confirmation: bool,
    min_sd_days: int,
    start_date: dt.date,
    has_targets: bool,
    immune: bool = False,
) -> Best:
    """Best response from treatment start until progression.

    RECIST 1.1 stops at the first PD; iRECIST stops at iCPD, so responses after an
    unconfirmed iUPD still count. With ``confirmation`` a CR/PR counts only when
    confirmed (see :func:`confirmation_of`); an unconfirmed one is stable disease.
    Stable disease (or NON-CR/NON-PD without target disease) counts only when seen at
    least ``min_sd_days`` after ``start_date``; otherwise the best response is PD if
    progression followed, else NE (Table 3 "otherwise PD" / "otherwise NE").
    """
    stop = CPD if immune else PD
    seq: list[Point] = []
    for point in points:
        seq.append(point)
        if point[1] == stop:
            break
    notes: list[str] = []
    if confirmation and not immune:
        seq = _cr_then_less(seq, notes)

    for code in (CR, PR):
        found = _best_of(seq, code, confirmation)
        if found is not None:
            date, confirmation_date = found
            return Best(code, date, confirmation_date is not None, confirmation_date, tuple(notes))

    for date, code in seq:
        if code in _STABLE and (date - start_date).days >= min_sd_days:
            return Best(SD if has_targets else NON_CR_NON_PD, date, None, None, tuple(notes))

    if seq and seq[-1][1] in (PD, CPD):
        return Best(seq[-1][1], seq[-1][0], None, None, tuple(notes))
    first_upd = next((date for date, code in seq if code == UPD), None)
    if first_upd is not None:
        return Best(UPD, first_upd, None, None, tuple(notes))
    return Best(NE, None, None, None, tuple(notes))


def _best_of(
    seq: Sequence[Point], code: str, confirmation: bool
) -> tuple[dt.date, dt.date | None] | None:
    """First occurrence of ``code`` (the first confirmed one when confirmation is required)."""
    first: tuple[dt.date, dt.date | None] | None = None
    for index, (date, value) in enumerate(seq):
        if value != code:
            continue
        confirmed_on = confirmation_of(seq, index)
        if confirmed_on is not None:
            return (first[0] if first and not confirmation else date), confirmed_on
        if first is None:
            first = (date, None)
    return None if confirmation else first


def _cr_then_less(seq: list[Point], notes: list[str]) -> list[Point]:
    """Table 3 footnote: after a CR, disease seen again (PR/SD) is progression at that point.

    The next evaluable assessment after an unconfirmed CR that shows PR, SD or
    NON-CR/NON-PD ends the sequence as PD for the best-response calculation.
    """
    for index, (_, code) in enumerate(seq):
        if code != CR:
            continue
        for later_index in range(index + 1, len(seq)):
            later_date, later = seq[later_index]
            if later == NE:
                continue
            if later in (PR, SD, NON_CR_NON_PD):
                notes.append(
                    f"{later} on {later_date.isoformat()} follows a CR: counted as PD for the "
                    "best overall response (RECIST 1.1 Table 3, CR followed by PR/SD)"
                )
                return [*seq[:later_index], (later_date, PD)]
            break
    return seq
