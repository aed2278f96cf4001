"""RECIST 1.1 time-point responses (Eisenhauer et al., Eur J Cancer 2009;45:228-247).

Pure functions for the target, non-target and overall responses at one assessment
(§4.3.1-§4.3.4, Tables 1 and 2), and :func:`assess`, which walks a patient's
assessments and computes the sums, the nadir and the three lesion categories. The
best overall response lives in :mod:`.best_response`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from oncotrial.domain.recist.models import NewLesionIn, PatientIn

CR, PR, SD, PD, NE = "CR", "PR", "SD", "PD", "NE"
NON_CR_NON_PD = "NON-CR/NON-PD"

#: §4.3.1 / §4.4.1: "too small to measure" counts as 5 mm.
TOO_SMALL_MM = 5.0
#: §4.3.1: PR is a decrease of at least 30 % from the baseline sum.
PR_DECREASE = 0.30
#: §4.3.1: PD is an increase of at least 20 % over the nadir and at least 5 mm absolute.
PD_INCREASE = 0.20
PD_ABSOLUTE_MM = 5.0
#: §4.3.1: a node is back to normal (counts for CR) under 10 mm short axis.
NODE_NORMAL_MM = 10.0
#: Tolerance for comparing sums of decimal millimetres (binary floating point).
EPS = 1e-9


def is_progression(total: float, nadir: float) -> bool:
    """§4.3.1 PD: ``total`` is >= 20 % above ``nadir`` and >= 5 mm above it."""
    increase = total - nadir
    return increase >= PD_ABSOLUTE_MM - EPS and increase >= PD_INCREASE * nadir - EPS


def is_partial_response(total: float, baseline: float) -> bool:
    """§4.3.1 PR: ``total`` is at least 30 % below the baseline sum."""
    return baseline - total >= PR_DECREASE * baseline - EPS


def target_response(
    mm: Mapping[str, float | None],
    nodal: Mapping[str, bool],
    baseline_sum: float,
    nadir: float,
) -> tuple[str, float, bool]:
    """Target-lesion response (§4.3.1) from every baseline target's size at one assessment.

    ``mm`` maps each baseline target id to its size in mm (``too_small`` already turned
    into 5 mm) or ``None`` when not assessed. Returns ``(response, assessed sum,
    complete)``. PD takes precedence; when a target is not assessed the response is NE
    unless the assessed ones already show PD (§4.3.4 "missing assessments").
    """
    assessed = 0.0
    complete = True
    all_gone = True
    for lesion_id, size in mm.items():
        if size is None:
            complete = False
            continue
        assessed += size
        if nodal[lesion_id]:
            if size >= NODE_NORMAL_MM - EPS:
                all_gone = False
        elif size > 0:
            all_gone = False
    if is_progression(assessed, nadir):
        return PD, assessed, complete
    if not complete:
        return NE, assessed, complete
    if all_gone:
        return CR, assessed, complete
    if is_partial_response(assessed, baseline_sum):
        return PR, assessed, complete
    return SD, assessed, complete


def non_target_response(statuses: Iterable[str], markers_normal: bool | None) -> str:
    """Non-target response (§4.3.3) from the statuses of all baseline non-target lesions.

    PD on unequivocal progression; NE when any lesion was not evaluated; CR when all are
    absent (nodes < 10 mm) and tumour markers, if known, are normal; else NON-CR/NON-PD.
    """
    all_absent = True
    not_evaluated = False
    for status in statuses:
        if status == "unequivocal_progression":
            return PD
        if status == "not_evaluated":
            not_evaluated = True
        elif status != "absent":
            all_absent = False
    if not_evaluated:
        return NE
    if all_absent and markers_normal is not False:
        return CR
    return NON_CR_NON_PD


def overall_response(
    target: str | None, non_target: str | None, new_lesions: bool, markers_normal: bool | None
) -> str:
    """Overall time-point response from the three categories.

    With target disease this is RECIST 1.1 Table 1; without it (``target is None``)
    Table 2, which gives NON-CR/NON-PD instead of SD. A patient with targets but no
    non-target lesions, target CR and abnormal tumour markers is PR (§4.3.3: markers
    must normalise for CR).
    """
    if new_lesions or target == PD or non_target == PD:
        return PD
    if target is None:
        return NE if non_target is None else non_target
    if target == NE:
        return NE
    if target == CR:
        if non_target is None:
            return PR if markers_normal is False else CR
        return CR if non_target == CR else PR
    return target


@dataclass(slots=True)
class Components:
    """RECIST 1.1 categories at one follow-up, plus what iRECIST needs to go further."""

    date: dt.date
    target: str | None
    non_target: str | None
    new_present: tuple[NewLesionIn, ...]
    new_equivocal: bool
    overall: str
    sum_mm: float | None
    assessed_sum_mm: float | None
    nadir_mm: float | None
    change_from_baseline_pct: float | None
    change_from_nadir_pct: float | None
    target_mm: Mapping[str, float | None]
    non_target_increased: bool
    notes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Assessed:
    baseline_date: dt.date
    baseline_sum_mm: float | None
    has_targets: bool
    timepoints: tuple[Components, ...]


def _size(value: float | str | None) -> float | None:
    if value == "too_small":
        return TOO_SMALL_MM
    if isinstance(value, float | int):
        return float(value)
    return None


def confirmed_new_lesions(patient: PatientIn) -> dict[str, dt.date]:
    """Ids of new lesions reported unequivocal at some assessment, with the first such date.

    An equivocal new lesion counts from its first observation once a later assessment
    confirms it (§4.3.2: "progression should be declared using the date of the initial
    scan").
    """
    confirmed: dict[str, dt.date] = {}
    for assessment in patient.assessments[1:]:
        for new in assessment.new_lesions:
            if not new.equivocal and new.id not in confirmed:
                confirmed[new.id] = assessment.date
    return confirmed


def assess(patient: PatientIn) -> Assessed:
    """Walk the follow-up assessments and compute the RECIST 1.1 categories of each."""
    baseline = patient.assessments[0]
    nodal = {t.id: bool(t.nodal) for t in baseline.targets}
    nt_ids = [n.id for n in baseline.non_targets]
    has_targets = bool(nodal)
    baseline_sum = sum(_size(t.mm) or 0.0 for t in baseline.targets) if has_targets else None
    nadir = baseline_sum
    confirmed = confirmed_new_lesions(patient)
    rows: list[Components] = []

    for assessment in patient.assessments[1:]:
        notes: list[str] = []
        given = {t.id: _size(t.mm) for t in assessment.targets}
        target_mm = {lesion_id: given.get(lesion_id) for lesion_id in nodal}
        target: str | None = None
        total: float | None = None
        assessed_sum: float | None = None
        reference = nadir
        from_baseline = from_nadir = None
        if baseline_sum is not None and nadir is not None:
            target, assessed_sum, complete = target_response(target_mm, nodal, baseline_sum, nadir)
            if complete:
                total = assessed_sum
                from_baseline = 100.0 * (total - baseline_sum) / baseline_sum
                from_nadir = 100.0 * (total - nadir) / nadir if nadir > 0 else None
                nadir = min(nadir, total)

        non_target: str | None = None
        increased = False
        if nt_ids:
            statuses = {n.id: n.status for n in assessment.non_targets}
            increased = any(n.increased_since_last for n in assessment.non_targets)
            non_target = non_target_response(
                (statuses.get(i, "not_evaluated") for i in nt_ids), assessment.markers_normal
            )

        present: list[NewLesionIn] = []
        equivocal = False
        for new in assessment.new_lesions:
            if new.mm == 0:
                continue
            if not new.equivocal:
                present.append(new)
            elif new.id in confirmed:
                present.append(new)
                notes.append(
                    f"new lesion {new.id} equivocal here, confirmed on "
                    f"{confirmed[new.id].isoformat()}: progression dated here"
                )
            else:
                equivocal = True

        overall = overall_response(target, non_target, bool(present), assessment.markers_normal)
        rows.append(
            Components(
                date=assessment.date,
                target=target,
                non_target=non_target,
                new_present=tuple(present),
                new_equivocal=equivocal,
                overall=overall,
                sum_mm=total,
                assessed_sum_mm=assessed_sum,
                nadir_mm=reference,
                change_from_baseline_pct=from_baseline,
                change_from_nadir_pct=from_nadir,
                target_mm=target_mm,
                non_target_increased=increased,
                notes=tuple(notes),
            )
        )
    return Assessed(baseline.date, baseline_sum, has_targets, tuple(rows))


def new_lesions_label(row: Components) -> str:
    """``yes`` (counted new lesion), ``equivocal`` (only unconfirmed equivocal) or ``no``."""
    if row.new_present:
        return "yes"
    return "equivocal" if row.new_equivocal else "no"
