"""The CONSORT flow of a study from its screening log, enrollment, treatment and
disposition records."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from oncotrial.apps.followup.models import Withdrawal
from oncotrial.apps.screening.models import Candidate
from oncotrial.apps.subjects.models import Subject
from oncotrial.apps.treatment.models import EndOfTreatment
from oncotrial.domain.endpoints import DerivedRow, SubjectRecord
from oncotrial.plots.inputs import ConsortArm, ConsortFlow, Reason, Tally

MAX_REASONS = 4


def _reasons(counter: Counter[str]) -> list[Reason]:
    common = counter.most_common()
    if len(common) <= MAX_REASONS:
        return [Reason(label, n) for label, n in common]
    kept = common[: MAX_REASONS - 1]
    rest = sum(n for _label, n in common[MAX_REASONS - 1 :])
    return [Reason(label, n) for label, n in kept] + [Reason("Other reasons", rest)]


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def consort_flow(
    candidates: Sequence[Candidate],
    subjects: Sequence[Subject],
    records: Sequence[SubjectRecord],
    primary_rows: Sequence[DerivedRow],
    arm_labels: dict[str, str],
    randomized: bool,
) -> ConsortFlow:
    excluded: Counter[str] = Counter()
    for candidate in candidates:
        if candidate.status == Candidate.Status.SCREEN_FAILED:
            excluded[_short(candidate.outcome_reason or "Screen failure")] += 1
        elif candidate.status == Candidate.Status.DECLINED:
            excluded["Declined to participate"] += 1
        elif candidate.status in (Candidate.Status.SCREENING, Candidate.Status.ELIGIBLE):
            excluded["Still in screening"] += 1
    ids = [s.pk for s in subjects]
    stopped: dict[int, str] = {}
    for end in EndOfTreatment.objects.filter(subject_id__in=ids).exclude(
        primary_reason=EndOfTreatment.Reason.COMPLETED
    ):
        stopped[end.subject_id] = end.get_primary_reason_display()
    for withdrawal in Withdrawal.objects.filter(subject_id__in=ids):
        stopped.setdefault(withdrawal.subject_id, withdrawal.get_kind_display())
    treated = {r.subject_id for r in records if r.treated}
    analysed = {r.subject_id for r in primary_rows if r.evaluable}
    not_analysed: dict[str, str] = {
        r.subject_id: r.reason or "Not evaluable" for r in primary_rows if not r.evaluable
    }
    arms = []
    for arm_id, label in arm_labels.items():
        members = [s for s in subjects if s.arm_id == arm_id]
        if not members and len(arm_labels) > 1:
            arms.append(ConsortArm(name=label, allocated=0, received=0, analysed=0))
            continue
        if not members:
            continue
        numbers = [s.subject_number for s in members]
        untreated = sum(1 for n in numbers if n not in treated)
        discontinued = Counter(stopped[s.pk] for s in members if s.pk in stopped)
        exclusions = Counter(not_analysed[n] for n in numbers if n in not_analysed)
        arms.append(
            ConsortArm(
                name=label,
                allocated=len(members),
                received=len(members) - untreated,
                analysed=sum(1 for n in numbers if n in analysed),
                not_received=[Reason("Not yet treated", untreated)] if untreated else [],
                discontinued=Tally(sum(discontinued.values()), _reasons(discontinued)),
                excluded_from_analysis=Tally(sum(exclusions.values()), _reasons(exclusions)),
            )
        )
    return ConsortFlow(
        assessed=len(candidates),
        excluded=Tally(sum(excluded.values()), _reasons(excluded)),
        arms=arms[:3],
        allocation_label="Randomised" if randomized else "Enrolled",
    )
