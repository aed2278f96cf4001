"""iRECIST (Seymour et al., Lancet Oncol 2017;18:e143-e152).

RECIST 1.1 progression becomes *unconfirmed* progression (iUPD). It is confirmed
(iCPD) at a later assessment, at least 4 weeks after iUPD, that shows more disease:

* the lesion category that caused iUPD grows further: target sum +5 mm or more, any
  increase of non-target disease (``increased_since_last``), new-lesion target sum
  +5 mm or more, any increase of a new non-target lesion;
* a category that had not progressed now meets RECIST 1.1 PD;
* another new lesion appears.

Increases are measured from the iUPD assessment, so sequential increases add up.
If instead an assessment is iSD, iPR or iCR (no new lesion left), iUPD is reset and
a later progression starts a new iUPD. Assessments in between stay iUPD (Table 2).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from oncotrial.domain.recist.best_response import (
    CONFIRMATION_MIN_DAYS,
    CPD,
    UPD,
    best_overall_response,
)
from oncotrial.domain.recist.models import PatientIn
from oncotrial.domain.recist.recist11 import (
    CR,
    EPS,
    NE,
    NON_CR_NON_PD,
    PD,
    PD_ABSOLUTE_MM,
    PR,
    SD,
    Components,
    assess,
    new_lesions_label,
)
from oncotrial.domain.recist.results import Result, TimePoint
from oncotrial.domain.recist.validation import (
    MAX_TARGETS,
    MAX_TARGETS_PER_ORGAN,
    MIN_MEASURABLE_MM,
    MIN_TARGET_NODE_MM,
    organ_key,
)

ICR, IPR, ISD, INN, IUPD, ICPD = "iCR", "iPR", "iSD", "iNON-CR/NON-PD", "iUPD", "iCPD"
_PREFIXED = {CR: ICR, PR: IPR, SD: ISD, NON_CR_NON_PD: INN, PD: IUPD, NE: NE, UPD: IUPD, CPD: ICPD}
_RESET = frozenset({CR, PR, SD, NON_CR_NON_PD})


def prefixed(code: str | None) -> str | None:
    """The iRECIST spelling of a RECIST 1.1 category (PD becomes iUPD)."""
    return None if code is None else _PREFIXED[code]


@dataclass(frozen=True, slots=True)
class Episode:
    """An unconfirmed progression (iUPD) and the disease seen when it was documented."""

    date: dt.date
    reasons: frozenset[str]
    target_mm: Mapping[str, float | None]
    known_new: frozenset[str]
    new_target_mm: Mapping[str, float | None]
    new_non_target_mm: Mapping[str, float | None]


def categorise_new_lesions(rows: Sequence[Components]) -> dict[str, bool]:
    """New-lesion target (True) or non-target (False) for every counted new lesion.

    In order of first appearance, a measurable new lesion (>= 10 mm, node >= 15 mm
    short axis) becomes a new-lesion target while there are fewer than five of them
    and fewer than two in its organ (Seymour 2017, "new lesions"); the rest are new
    non-target lesions. The category does not change afterwards.
    """
    category: dict[str, bool] = {}
    per_organ: Counter[str] = Counter()
    total = 0
    for row in rows:
        for new in row.new_present:
            if new.id in category:
                continue
            limit = MIN_TARGET_NODE_MM if new.nodal else MIN_MEASURABLE_MM
            key = organ_key(new.organ, new.nodal)
            measurable = new.mm is not None and new.mm >= limit - EPS
            is_target = (
                measurable and total < MAX_TARGETS and per_organ[key] < MAX_TARGETS_PER_ORGAN
            )
            if is_target:
                total += 1
                per_organ[key] += 1
            category[new.id] = is_target
    return category


def _new_sizes(
    row: Components, ids: Mapping[str, bool], want_target: bool
) -> dict[str, float | None]:
    return {n.id: n.mm for n in row.new_present if ids[n.id] == want_target}


def _increase(before: Mapping[str, float | None], now: Mapping[str, float | None]) -> float | None:
    """Sum of size changes over lesions measured before; ``None`` if one is not measured now."""
    change = 0.0
    for lesion_id, then in before.items():
        if then is None:
            continue
        current = now.get(lesion_id, 0.0)
        if current is None:
            return None
        change += current - then
    return change


def confirmation_evidence(
    episode: Episode, row: Components, category: Mapping[str, bool]
) -> list[str]:
    """What, at this assessment, shows more disease than at the iUPD assessment."""
    found: list[str] = []
    if "target" in episode.reasons:
        change = _increase(episode.target_mm, row.target_mm)
        if change is not None and change >= PD_ABSOLUTE_MM - EPS:
            found.append(f"target sum +{change:g} mm since iUPD")
    elif row.target == PD:
        found.append("target lesions now meet RECIST 1.1 progression")
    if "non_target" in episode.reasons:
        if row.non_target_increased:
            found.append("non-target disease increased further")
    elif row.non_target == PD:
        found.append("non-target lesions now show unequivocal progression")
    added = sorted(n.id for n in row.new_present if n.id not in episode.known_new)
    if added:
        found.append("additional new lesion(s) " + ", ".join(added))
    change = _increase(episode.new_target_mm, _new_sizes(row, category, True))
    if episode.new_target_mm and change is not None and change >= PD_ABSOLUTE_MM - EPS:
        found.append(f"new-lesion target sum +{change:g} mm since iUPD")
    for new in row.new_present:
        if new.id not in episode.new_non_target_mm:
            continue
        then = episode.new_non_target_mm[new.id]
        grew = then is not None and new.mm is not None and new.mm > then + EPS
        if grew or new.increased_since_last:
            found.append(f"new non-target lesion {new.id} increased")
    return found


def evaluate(patient: PatientIn) -> Result:
    """iRECIST time-point responses, iBOR and the date of iCPD."""
    assessed = assess(patient)
    rows = assessed.timepoints
    category = categorise_new_lesions(rows)
    episode: Episode | None = None
    seen_new: set[str] = set()
    points: list[tuple[dt.date, str]] = []
    timepoints: list[TimePoint] = []
    iupd_dates: list[dt.date] = []
    icpd_date: dt.date | None = None
    progression: dt.date | None = None

    for row in rows:
        notes = list(row.notes)
        seen_before = frozenset(seen_new)
        seen_new.update(n.id for n in row.new_present)
        if icpd_date is not None:
            code = CPD
        elif episode is None:
            code = UPD if row.overall == PD else row.overall
            if code == UPD:
                episode = _start(row, category, seen_before | {n.id for n in row.new_present})
                iupd_dates.append(row.date)
        else:
            evidence = confirmation_evidence(episode, row, category)
            days = (row.date - episode.date).days
            if evidence and days >= CONFIRMATION_MIN_DAYS:
                code = CPD
                icpd_date, progression = row.date, episode.date
                notes.append(
                    f"iUPD of {episode.date.isoformat()} confirmed: " + "; ".join(evidence)
                )
            elif row.overall in _RESET:
                code = row.overall
                notes.append(f"iUPD of {episode.date.isoformat()} reset")
                episode = None
            else:
                code = UPD if row.overall == PD else NE
                if evidence:
                    notes.append(
                        f"{'; '.join(evidence)} only {days} days after iUPD: confirmation "
                        f"needs at least {CONFIRMATION_MIN_DAYS} days"
                    )
        points.append((row.date, code))
        timepoints.append(_timepoint(row, code, category, notes))

    start = patient.start_date or assessed.baseline_date
    best = best_overall_response(
        points,
        confirmation=patient.confirmation,
        min_sd_days=patient.min_sd_days,
        start_date=start,
        has_targets=assessed.has_targets,
        immune=True,
    )
    notes = list(best.notes)
    if episode is not None and icpd_date is None:
        notes.append(f"iUPD of {episode.date.isoformat()} not confirmed")
    return Result(
        criteria=patient.criteria,
        patient_id=patient.patient_id,
        baseline_date=assessed.baseline_date,
        baseline_sum_mm=assessed.baseline_sum_mm,
        timepoints=tuple(timepoints),
        best_overall_response=_PREFIXED[best.code],
        best_overall_response_date=best.date,
        confirmed=best.confirmed,
        confirmation_date=best.confirmation_date,
        progression_date=progression,
        iupd_dates=tuple(iupd_dates),
        icpd_date=icpd_date,
        notes=tuple(notes),
    )


def _start(row: Components, category: Mapping[str, bool], known: frozenset[str]) -> Episode:
    reasons = set()
    if row.target == PD:
        reasons.add("target")
    if row.non_target == PD:
        reasons.add("non_target")
    if row.new_present:
        reasons.add("new")
    return Episode(
        date=row.date,
        reasons=frozenset(reasons),
        target_mm=row.target_mm,
        known_new=known,
        new_target_mm=_new_sizes(row, category, True),
        new_non_target_mm=_new_sizes(row, category, False),
    )


def _timepoint(
    row: Components, code: str, category: Mapping[str, bool], notes: list[str]
) -> TimePoint:
    new_targets = [n.mm for n in row.new_present if category[n.id] and n.mm is not None]
    any_targets = any(category.values())
    return TimePoint(
        date=row.date,
        sum_mm=row.sum_mm,
        assessed_sum_mm=row.assessed_sum_mm,
        nadir_mm=row.nadir_mm,
        change_from_baseline_pct=row.change_from_baseline_pct,
        change_from_nadir_pct=row.change_from_nadir_pct,
        target=prefixed(row.target),
        non_target=prefixed(row.non_target),
        new_lesions=new_lesions_label(row),
        overall=_PREFIXED[code],
        new_lesion_target_sum_mm=sum(new_targets) if any_targets else None,
        notes=tuple(notes),
    )
