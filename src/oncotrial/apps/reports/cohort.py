"""Each subject's captured data, gathered from the typed clinical tables into the
`SubjectRecord`s endpoint derivation reads.

A fixed number of queries per study, whatever the number of subjects (a 1,000-subject
report must not issue 1,000 × tables queries). Only subjects at the user's sites are
gathered. What counts:

- treated: an administration given (not omitted) or a recorded first-dose event;
- last known alive: the latest of enrollment, an "alive" contact, a visit that took
  place, an administration given, a surgery, a recurrence, a next-line therapy start or
  progression, a tumour assessment or a lab sample (the subject was there that day);
- last contact: the latest follow-up contact of any outcome, else last known alive;
- time-point responses: the investigator's assessment where one was recorded, else
  the response the RECIST / iRECIST engine computed;
- progression: the engine's progression date kept on the subject's tumour summary;
- next-line therapy: the earliest line after the study treatment;
- markers: single-analyte lab assessments of the protocol (e.g. CA19-9);
- observations: specimens collected for a specimen assessment.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Max, Min
from django.utils import timezone

from oncotrial.apps.followup.models import Death, FollowUpContact, Recurrence, Withdrawal
from oncotrial.apps.labs.models import LabResult
from oncotrial.apps.safety.models import RELATED, AdverseEvent, AeRelationship
from oncotrial.apps.specimens.models import Specimen
from oncotrial.apps.subjects.models import AnchorEvent, Subject
from oncotrial.apps.treatment.models import Administration, NextLineTherapy, Surgery
from oncotrial.apps.tumour.models import TumourAssessment, TumourSummary
from oncotrial.apps.visits.models import Visit
from oncotrial.domain import endpoints
from oncotrial.domain.protocol import Protocol


def _latest(dates: Iterable[dt.date | None]) -> dt.date | None:
    known = [d for d in dates if d is not None]
    return max(known) if known else None


def _per_subject_max(queryset: Any, field: str) -> dict[int, dt.date]:
    return {
        row["subject_id"]: row["latest"]
        for row in queryset.values("subject_id").annotate(latest=Max(field))
        if row["latest"] is not None
    }


def marker_assessments(protocol: Protocol) -> set[str]:
    """Lab assessments with a single result (a marker such as CA19-9)."""
    return {a.id for a in protocol.schedule.assessments if a.kind == "lab" and not a.panel}


def specimen_assessments(protocol: Protocol) -> set[str]:
    return {a.id for a in protocol.schedule.assessments if a.kind == "specimen"}


def gather(
    subjects: list[Subject],
    protocol: Protocol,
    arm_labels: dict[str, str],
    data_cutoff: dt.date | None = None,
) -> list[endpoints.SubjectRecord]:
    """One record per subject of `subjects` (already scoped to the user's sites)."""
    ids = [s.pk for s in subjects]
    anchors: dict[int, dict[str, dt.date]] = defaultdict(dict)
    for subject_id, anchor, date in AnchorEvent.objects.filter(subject_id__in=ids).values_list(
        "subject_id", "anchor", "date"
    ):
        anchors[subject_id][anchor] = date

    given = Administration.objects.filter(subject_id__in=ids).exclude(
        modification=Administration.Modification.OMITTED
    )
    last_dose = _per_subject_max(given, "date")
    deaths = {
        d.subject_id: d
        for d in Death.objects.filter(subject_id__in=ids).only("subject_id", "date", "cause")
    }
    contacts = FollowUpContact.objects.filter(subject_id__in=ids)
    alive_contact = _per_subject_max(
        contacts.filter(vital_status=FollowUpContact.VitalStatus.ALIVE), "date"
    )
    any_contact = _per_subject_max(contacts, "date")
    visit_done = _per_subject_max(
        Visit.objects.filter(subject_id__in=ids, actual_date__isnull=False), "actual_date"
    )
    surgery = _per_subject_max(Surgery.objects.filter(subject_id__in=ids), "date")
    recurrence = {
        row["subject_id"]: row["first"]
        for row in Recurrence.objects.filter(subject_id__in=ids)
        .values("subject_id")
        .annotate(first=Min("date"))
    }
    # follow-up ends at a withdrawal or loss unless survival follow-up continues
    withdrawals: dict[int, Withdrawal] = {}
    for withdrawal in Withdrawal.objects.filter(
        subject_id__in=ids, survival_follow_up=False
    ).order_by("date"):
        withdrawals.setdefault(withdrawal.subject_id, withdrawal)
    next_line: dict[int, NextLineTherapy] = {}
    for line in NextLineTherapy.objects.filter(subject_id__in=ids).order_by(
        "line_number", "start_date"
    ):
        next_line.setdefault(line.subject_id, line)
    summaries = {
        s.subject_id: s
        for s in TumourSummary.objects.filter(subject_id__in=ids).only(
            "subject_id", "progression_date"
        )
    }
    assessments: dict[int, list[endpoints.TumourAssessment]] = defaultdict(list)
    for row in (
        TumourAssessment.objects.filter(subject_id__in=ids)
        .order_by("assessment_date")
        .values(
            "subject_id",
            "assessment_date",
            "computed_response",
            "investigator_response",
            "change_from_baseline_pct",
        )
    ):
        response = row["investigator_response"] or row["computed_response"]
        if response:
            assessments[row["subject_id"]].append(
                endpoints.TumourAssessment(
                    row["assessment_date"], response, row["change_from_baseline_pct"]
                )
            )
    imaging = {k: v[-1].date for k, v in assessments.items() if v}

    related_events = set(
        AeRelationship.objects.filter(
            subject_id__in=ids, relationship__in=[r.value for r in RELATED]
        ).values_list("adverse_event_id", flat=True)
    )
    adverse: dict[int, list[endpoints.AdverseEvent]] = defaultdict(list)
    for row in AdverseEvent.objects.filter(subject_id__in=ids).values(
        "pk", "subject_id", "term", "grade", "onset_date", "soc", "serious"
    ):
        adverse[row["subject_id"]].append(
            endpoints.AdverseEvent(
                term=row["term"],
                grade=row["grade"],
                onset=row["onset_date"],
                soc=row["soc"] or None,
                serious=row["serious"],
                related=row["pk"] in related_events,
            )
        )

    marker_ids = marker_assessments(protocol)
    markers: dict[int, dict[str, list[endpoints.MarkerValue]]] = defaultdict(
        lambda: defaultdict(list)
    )
    lab_dates = _per_subject_max(LabResult.objects.filter(subject_id__in=ids), "collection_date")
    for row in (
        LabResult.objects.filter(subject_id__in=ids, assessment_id__in=marker_ids)
        .order_by("collection_date")
        .values("subject_id", "assessment_id", "collection_date", "value")
    ):
        markers[row["subject_id"]][row["assessment_id"]].append(
            endpoints.MarkerValue(row["collection_date"], row["value"])
        )
    observations: dict[int, dict[str, list[endpoints.Observation]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for row in (
        Specimen.objects.filter(
            subject_id__in=ids, assessment_id__in=specimen_assessments(protocol)
        )
        .order_by("collected_at")
        .values("subject_id", "assessment_id", "collected_at", "specimen_type")
    ):
        observations[row["subject_id"]][row["assessment_id"]].append(
            endpoints.Observation(timezone.localdate(row["collected_at"]), row["specimen_type"])
        )

    records = []
    for subject in subjects:
        pk = subject.pk
        death = deaths.get(pk)
        withdrawal = withdrawals.get(pk)
        line = next_line.get(pk)
        summary = summaries.get(pk)
        alive = _latest(
            [
                subject.enrollment_date,
                alive_contact.get(pk),
                visit_done.get(pk),
                last_dose.get(pk),
                surgery.get(pk),
                recurrence.get(pk),
                line.start_date if line else None,
                line.progression_date if line else None,
                imaging.get(pk),
                lab_dates.get(pk),
            ]
        )
        if death is not None and alive is not None and alive > death.date:
            alive = death.date
        records.append(
            endpoints.SubjectRecord(
                subject_id=subject.subject_number,
                arm=arm_labels.get(subject.arm_id, subject.arm_id),
                site=subject.site.code,
                enrollment_date=subject.enrollment_date,
                anchors=dict(anchors.get(pk, {})),
                treated=pk in last_dose or "first_dose" in anchors.get(pk, {}),
                death_date=death.date if death else None,
                death_cause=death.cause if death else None,
                last_known_alive=alive,
                last_contact=_latest([any_contact.get(pk), alive]),
                data_cutoff=data_cutoff,
                withdrawal_date=withdrawal.date if withdrawal else None,
                progression_date=summary.progression_date if summary else None,
                tumour_assessments=tuple(assessments.get(pk, ())),
                next_line_start=line.start_date if line else None,
                next_line_progression_date=line.progression_date if line else None,
                recurrence_date=recurrence.get(pk),
                adverse_events=tuple(adverse.get(pk, ())),
                markers={k: tuple(v) for k, v in markers.get(pk, {}).items()},
                observations={k: tuple(v) for k, v in observations.get(pk, {}).items()},
            )
        )
    return records
