"""Demo specimens with their chain of custody.

The surgery study (seed 003) collects, at radical surgery, about 100 mg of tumour and
of adjacent normal tissue in theatre and about 500 mg of the discarded surgical
specimen afterwards, for each subject whose surgery is recorded; they go to pathology,
then to the biobank. The radiotherapy study
collects stool (intestinal flora) and peripheral blood (immune status) at screening and
at its later sample visits. Everything goes through the specimen services, as the site
staff."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError

from oncotrial.apps.specimens import services
from oncotrial.apps.specimens.models import Specimen
from oncotrial.apps.studies.models import Study
from oncotrial.apps.studies.selectors import protocol_of
from oncotrial.apps.subjects.models import AnchorEvent, Subject
from oncotrial.apps.visits.models import Visit

Progress = Callable[[str], None]


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=dt.UTC)


def _user(users: dict[str, Any], subject: Subject) -> Any:
    return users["coordinator"] if subject.site.code == "SH01" else users["investigator.bj"]


def _label(subject: Subject, code: str, index: int) -> str:
    return f"{subject.subject_number}-{code}-{index:02d}"


def _collect(user: Any, subject: Subject, values: dict[str, Any]) -> Specimen | None:
    try:
        return services.collect_specimen(user, subject, values)
    except ValidationError:
        return None  # a locked visit or a label already used: leave it out


def _handover(
    user: Any, specimen: Specimen, to: str, when: dt.datetime, by: str, to_whom: str, **more: Any
) -> None:
    try:
        services.transfer_specimen(
            user,
            specimen,
            {
                "to_location": to,
                "transferred_at": when,
                "handed_over_by": by,
                "received_by": to_whom,
                "condition": more.pop("condition", "frozen"),
                **more,
            },
            expected_version=specimen.version,
        )
    except ValidationError:
        return


def _surgery(subject: Subject) -> tuple[dt.date, Visit | None] | None:
    """The date of the subject's radical surgery and its visit (None when not operated)."""
    event = AnchorEvent.objects.filter(subject=subject, anchor="surgery").first()
    if event is None:
        return None
    return event.date, Visit.objects.filter(subject=subject, visit_id="surgery_day").first()


def _surgery_study(study: Study, users: dict[str, Any], today: dt.date, rng: random.Random) -> int:
    count = 0
    for subject in Subject.objects.filter(study=study).select_related("site", "protocol_version"):
        surgery = _surgery(subject)
        if surgery is None or surgery[0] >= today - dt.timedelta(days=1):
            continue
        day, visit = surgery
        user = _user(users, subject)
        theatre = f"{subject.site.code} operating theatre {rng.randint(1, 6)}"
        pathology = f"{subject.site.code} pathology −80 °C freezer {rng.randint(1, 3)}"
        made: list[Specimen] = []
        for code, kind, minutes, amount, assessment in [
            ("T", "tumour_tissue", 0, rng.choice([90, 100, 110]), "intraop_specimen"),
            ("N", "adjacent_normal_tissue", 5, rng.choice([90, 100, 120]), "intraop_specimen"),
            ("P", "tumour_tissue", 150, rng.choice([450, 500, 550]), "postop_specimen"),
        ]:
            specimen = _collect(
                user,
                subject,
                {
                    "label": _label(subject, code, 1),
                    "specimen_type": kind,
                    "amount": amount,
                    "amount_unit": "mg",
                    "collected_at": _at(day, 10, 30) + dt.timedelta(minutes=minutes),
                    "storage_location": theatre
                    if code != "P"
                    else f"{subject.site.code} pathology grossing room",
                    "assessment_id": assessment,
                    "visit": visit,
                    "notes": "Snap-frozen in liquid nitrogen." if code != "P" else "",
                },
            )
            if specimen is not None:
                made.append(specimen)
        for specimen in made:
            collected = specimen.collected_at
            _handover(
                user,
                specimen,
                pathology,
                collected + dt.timedelta(minutes=40),
                "Theatre nurse",
                "Pathology technician",
            )
            if rng.random() < 0.6:
                specimen.refresh_from_db()
                _handover(
                    user,
                    specimen,
                    "Central biobank, Shanghai (rack B)",
                    collected + dt.timedelta(days=rng.randint(3, 10)),
                    "Pathology technician",
                    "Biobank custodian",
                    condition="frozen",
                    notes="Shipped on dry ice.",
                )
        count += len(made)
    return count


def _radiotherapy_study(study: Study, users: dict[str, Any], today: dt.date) -> int:
    count = 0
    sample_visits: dict[str, list[str]] = {}
    for subject in Subject.objects.filter(study=study).select_related("site", "protocol_version"):
        protocol = protocol_of(subject.protocol_version)
        for planned in protocol.schedule.visits:
            sample_visits[planned.id] = [
                a for a in planned.assessments if a in ("stool_sample", "blood_sample")
            ]
        user = _user(users, subject)
        index = 0
        for visit in Visit.objects.filter(subject=subject, actual_date__isnull=False).order_by(
            "actual_date"
        ):
            if visit.actual_date is None or visit.actual_date >= today:
                continue
            for assessment in sample_visits.get(visit.visit_id, []):
                index += 1
                stool = assessment == "stool_sample"
                specimen = _collect(
                    user,
                    subject,
                    {
                        "label": _label(subject, "ST" if stool else "BL", index),
                        "specimen_type": "stool" if stool else "blood",
                        "amount": 2 if stool else 10,
                        "amount_unit": "g" if stool else "mL",
                        "collected_at": _at(visit.actual_date, 8, 15 if stool else 30),
                        "storage_location": f"{subject.site.code} research laboratory "
                        f"{'−80 °C freezer' if stool else 'fridge (4 °C)'}",
                        "assessment_id": assessment,
                        "visit": visit,
                    },
                )
                if specimen is None:
                    continue
                count += 1
                if not stool:
                    _handover(
                        user,
                        specimen,
                        f"{subject.site.code} flow cytometry laboratory",
                        specimen.collected_at + dt.timedelta(hours=2),
                        "Research nurse",
                        "Flow cytometry technician",
                        condition="ambient",
                        status_after="used",
                        notes="PBMC isolated for immune profiling; whole blood used up.",
                    )
    return count


def populate(
    study: Study,
    users: dict[str, Any],
    today: dt.date,
    progress: Progress,
) -> None:
    """Specimens for the study's enrolled subjects (nothing when the study already has
    specimens, or collects none)."""
    if Specimen.objects.filter(study=study).exists():
        return
    rng = random.Random(f"demo-specimens:{study.key}")
    kinds = {
        a.id
        for s in Subject.objects.filter(study=study).select_related("protocol_version")[:1]
        for a in protocol_of(s.protocol_version).schedule.assessments
        if a.kind == "specimen"
    }
    if "intraop_specimen" in kinds:
        count = _surgery_study(study, users, today, rng)
    elif {"stool_sample", "blood_sample"} & kinds:
        count = _radiotherapy_study(study, users, today)
    else:
        return
    progress(f"{study.key}: {count} specimens with their chain of custody")
