"""Parse a patient record and check it against the RECIST 1.1 baseline rules.

Every problem is collected (not just the first) and reported with the assessment
date and lesion id it concerns, so that a data manager can fix a record in one pass.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from pydantic import ValidationError

from oncotrial.domain.recist.models import AssessmentIn, PatientIn

#: RECIST 1.1 §3.1.1: a non-nodal lesion is measurable from 10 mm (CT, slices <= 5 mm).
MIN_MEASURABLE_MM = 10.0
#: RECIST 1.1 §3.1.1: a node is a measurable (target) lesion from 15 mm short axis.
MIN_TARGET_NODE_MM = 15.0
#: RECIST 1.1 §3.1.1: a node under 10 mm short axis is normal (not a lesion).
MIN_PATHOLOGICAL_NODE_MM = 10.0
#: RECIST 1.1 §3.2.1: at most five target lesions, at most two per organ.
MAX_TARGETS = 5
MAX_TARGETS_PER_ORGAN = 2
#: All lymph nodes together count as one organ (RECIST 1.1 §3.2.1 / §4.1).
NODAL_ORGAN = "lymph node"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the input, located by assessment date and lesion id."""

    message: str
    date: str | None = None
    lesion_id: str | None = None

    def __str__(self) -> str:
        where = " ".join(part for part in (self.date, self.lesion_id) if part)
        return f"{where}: {self.message}" if where else self.message

    def to_dict(self) -> dict[str, str | None]:
        return {"date": self.date, "lesion_id": self.lesion_id, "message": self.message}


class InvalidPatient(ValueError):
    """Raised with the full list of problems when a patient record cannot be evaluated."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


def min_measurable_mm(slice_thickness_mm: float | None) -> float:
    """Smallest measurable non-nodal diameter: 10 mm, or twice the slice thickness if > 5 mm."""
    if slice_thickness_mm is not None and slice_thickness_mm > 5:
        return max(MIN_MEASURABLE_MM, 2 * slice_thickness_mm)
    return MIN_MEASURABLE_MM


def organ_key(organ: str | None, nodal: bool) -> str:
    """Organ used for the per-organ limit: nodes share one 'organ'; names ignore case."""
    if nodal:
        return NODAL_ORGAN
    return (organ or "").strip().lower()


def parse_patient(raw: Any) -> PatientIn:
    """Build and check a :class:`PatientIn`; raise :class:`InvalidPatient` listing all problems."""
    try:
        patient = PatientIn.model_validate(raw)
    except ValidationError as exc:
        raise InvalidPatient(_shape_problems(raw, exc)) from None
    problems = check_patient(patient)
    if problems:
        raise InvalidPatient(problems)
    return patient


def _shape_problems(raw: Any, exc: ValidationError) -> list[Problem]:
    problems = []
    for err in exc.errors(include_url=False):
        loc = err["loc"]
        date: str | None = None
        lesion: str | None = None
        field = ".".join(str(part) for part in loc)
        if len(loc) >= 2 and loc[0] == "assessments" and isinstance(loc[1], int):
            assessment = _get(raw, "assessments", loc[1])
            date_value = _get(assessment, "date")
            date = str(date_value) if date_value is not None else f"assessment #{loc[1] + 1}"
            if len(loc) >= 4 and isinstance(loc[3], int):
                lesion_value = _get(assessment, str(loc[2]), loc[3], "id")
                lesion = str(lesion_value) if lesion_value is not None else None
                field = ".".join(str(part) for part in loc[2:])
            else:
                field = ".".join(str(part) for part in loc[2:])
        problems.append(Problem(f"{field}: {err['msg']}", date, lesion))
    return problems


def _get(obj: Any, *path: str | int) -> Any:
    for key in path:
        if isinstance(key, int) and isinstance(obj, list) and 0 <= key < len(obj):
            obj = obj[key]
        elif isinstance(key, str) and isinstance(obj, Mapping):
            obj = obj.get(key)
        else:
            return None
    return obj


def check_patient(patient: PatientIn) -> list[Problem]:
    """Every clinical-consistency problem of a shape-valid patient record."""
    problems: list[Problem] = []
    assessments = patient.assessments
    baseline = assessments[0]
    problems += _check_baseline(baseline)
    problems += _check_dates(assessments)

    target_nodal = {t.id: t.nodal for t in baseline.targets}
    target_organ = {t.id: t.organ for t in baseline.targets}
    nt_nodal = {n.id: n.nodal for n in baseline.non_targets}
    nt_organ = {n.id: n.organ for n in baseline.non_targets}
    baseline_ids = set(target_nodal) | set(nt_nodal)
    new_seen: dict[str, tuple[str | None, bool]] = {}

    for assessment in assessments[1:]:
        day = assessment.date.isoformat()
        problems += _duplicates(assessment, day)
        for t in assessment.targets:
            if t.id not in target_nodal:
                kind = "a non-target" if t.id in nt_nodal else "not a"
                problems.append(Problem(f"{kind} baseline target lesion", day, t.id))
                continue
            problems += _same_identity(
                t.id, day, t.nodal, target_nodal[t.id], t.organ, target_organ[t.id]
            )
            if isinstance(t.mm, float) and t.mm < 0:
                problems.append(Problem(f"negative size {t.mm:g} mm", day, t.id))
        for n in assessment.non_targets:
            if n.id not in nt_nodal:
                kind = "a target" if n.id in target_nodal else "not a"
                problems.append(Problem(f"{kind} baseline non-target lesion", day, n.id))
                continue
            problems += _same_identity(n.id, day, n.nodal, nt_nodal[n.id], n.organ, nt_organ[n.id])
            if n.mm is not None and n.mm < 0:
                problems.append(Problem(f"negative size {n.mm:g} mm", day, n.id))
        for new in assessment.new_lesions:
            if new.id in baseline_ids:
                problems.append(
                    Problem("new lesion id is already used by a baseline lesion", day, new.id)
                )
                continue
            if new.mm is not None and new.mm < 0:
                problems.append(Problem(f"negative size {new.mm:g} mm", day, new.id))
            if new.id in new_seen:
                organ, nodal = new_seen[new.id]
                if new.nodal != nodal:
                    problems.append(Problem("nodal flag changed since first seen", day, new.id))
                if new.organ is not None and organ is not None and new.organ != organ:
                    problems.append(
                        Problem(f"organ changed from {organ!r} to {new.organ!r}", day, new.id)
                    )
            else:
                new_seen[new.id] = (new.organ, new.nodal)
    return problems


def _check_baseline(baseline: AssessmentIn) -> list[Problem]:
    day = baseline.date.isoformat()
    problems = _duplicates(baseline, day)
    if not baseline.targets and not baseline.non_targets:
        problems.append(Problem("baseline has no target and no non-target lesion", day))
    for new in baseline.new_lesions:
        problems.append(Problem("a baseline cannot have new lesions", day, new.id))

    per_organ: Counter[str] = Counter()
    for count, t in enumerate(baseline.targets, start=1):
        if t.nodal is None:
            problems.append(Problem("baseline target needs 'nodal' (true/false)", day, t.id))
        if not t.organ:
            problems.append(Problem("baseline target needs an 'organ'", day, t.id))
        problems += _check_baseline_target(t.id, t.nodal, t.mm, t.slice_thickness_mm, day)
        if count > MAX_TARGETS:
            problems.append(
                Problem(f"more than {MAX_TARGETS} target lesions (RECIST 1.1 §3.2.1)", day, t.id)
            )
        key = organ_key(t.organ, bool(t.nodal))
        per_organ[key] += 1
        if key and per_organ[key] > MAX_TARGETS_PER_ORGAN:
            problems.append(
                Problem(
                    f"more than {MAX_TARGETS_PER_ORGAN} target lesions in {key} "
                    "(RECIST 1.1 §3.2.1)",
                    day,
                    t.id,
                )
            )
    for n in baseline.non_targets:
        if n.status != "present":
            problems.append(
                Problem(
                    f"baseline non-target status must be 'present', not {n.status!r}", day, n.id
                )
            )
        if n.mm is not None and n.mm < 0:
            problems.append(Problem(f"negative size {n.mm:g} mm", day, n.id))
        elif n.nodal and n.mm is not None and n.mm < MIN_PATHOLOGICAL_NODE_MM:
            problems.append(
                Problem(
                    f"node of {n.mm:g} mm short axis is normal (< 10 mm), not a lesion "
                    "(RECIST 1.1 §3.1.1)",
                    day,
                    n.id,
                )
            )
    return problems


def _check_baseline_target(
    lesion_id: str, nodal: bool | None, mm: object, slice_mm: float | None, day: str
) -> list[Problem]:
    if not isinstance(mm, float):
        what = "not assessed" if mm is None else "too small to measure"
        return [Problem(f"baseline target is {what}: a target must be measurable", day, lesion_id)]
    if mm < 0:
        return [Problem(f"negative size {mm:g} mm", day, lesion_id)]
    if nodal:
        if mm < MIN_TARGET_NODE_MM:
            kind = "pathological non-target" if mm >= MIN_PATHOLOGICAL_NODE_MM else "normal"
            return [
                Problem(
                    f"node of {mm:g} mm short axis is not measurable (target nodes need "
                    f">= 15 mm; this one is {kind}) (RECIST 1.1 §3.1.1)",
                    day,
                    lesion_id,
                )
            ]
        return []
    limit = min_measurable_mm(slice_mm)
    if mm < limit:
        return [
            Problem(
                f"{mm:g} mm is not measurable (minimum {limit:g} mm) (RECIST 1.1 §3.1.1)",
                day,
                lesion_id,
            )
        ]
    return []


def _check_dates(assessments: list[AssessmentIn]) -> list[Problem]:
    problems = []
    for previous, current in pairwise(assessments):
        if current.date <= previous.date:
            problems.append(
                Problem(
                    f"assessment date is not after the previous one ({previous.date.isoformat()})",
                    current.date.isoformat(),
                )
            )
    return problems


def _duplicates(assessment: AssessmentIn, day: str) -> list[Problem]:
    seen: set[str] = set()
    repeated: list[str] = []
    for lesions in (assessment.targets, assessment.non_targets, assessment.new_lesions):
        for lesion in lesions:
            if lesion.id in seen and lesion.id not in repeated:
                repeated.append(lesion.id)
            seen.add(lesion.id)
    return [
        Problem("lesion id listed more than once in this assessment", day, lesion_id)
        for lesion_id in repeated
    ]


def _same_identity(
    lesion_id: str,
    day: str,
    nodal: bool | None,
    baseline_nodal: bool | None,
    organ: str | None,
    baseline_organ: str | None,
) -> list[Problem]:
    problems = []
    if nodal is not None and baseline_nodal is not None and nodal != baseline_nodal:
        problems.append(
            Problem(
                f"nodal flag changed from {baseline_nodal} at baseline to {nodal}", day, lesion_id
            )
        )
    if organ is not None and baseline_organ is not None and organ != baseline_organ:
        problems.append(
            Problem(
                f"organ changed from {baseline_organ!r} at baseline to {organ!r}", day, lesion_id
            )
        )
    return problems
