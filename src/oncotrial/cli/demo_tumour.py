"""Demo tumour assessments: baseline lesions and follow-up imaging every 6 to 8 weeks for
each enrolled subject, entered through the services, with trajectories that give a
spread of responses (complete and partial responses, a partial response never
confirmed, stable disease, progression by growth and by a new lesion; for an iRECIST
study a pseudo-progression, iUPD then response, and a confirmed iCPD) and one
investigator's assessment that differs from the computed response, with its reason."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError

from oncotrial.apps.studies.models import Study
from oncotrial.apps.subjects.models import Subject
from oncotrial.apps.tumour import series, services
from oncotrial.apps.tumour.models import Lesion
from oncotrial.apps.tumour.series import AssessmentEntry, LesionEntry, NewLesionEntry

Progress = Callable[[str], None]

ORGANS = ["liver", "lung", "peritoneum", "adrenal", "kidney", "soft tissue", "pleura"]
NON_TARGET_ORGANS = ["bone", "peritoneum", "pleura", "liver"]

# Per follow-up: a factor on each target's baseline size, the non-target status, and
# whether a new lesion appears. "cr" sends non-nodal targets to 0 and nodes under 10 mm.
PLANS: dict[str, list[tuple[float | str, str, bool]]] = {
    "pr_confirmed": [(0.66, "present", False), (0.6, "present", False), (0.58, "present", False)],
    "pr_unconfirmed": [(0.67, "present", False), (0.74, "present", False)],
    "sd": [(0.93, "present", False), (0.9, "present", False), (0.92, "present", False)],
    # growth at the first scan: no stable disease before it, so the best response is PD
    "pd_growth": [(1.3, "present", False)],
    "pd_new": [(0.9, "present", False), (0.88, "present", True)],
    "cr": [(0.55, "present", False), ("cr", "absent", False), ("cr", "absent", False)],
    # iRECIST: growth to iUPD, then shrinkage resets it and a response follows
    "pseudo": [
        (1.3, "present", False),
        (0.8, "present", False),
        (0.62, "present", False),
        (0.6, "present", False),
    ],
    "icpd": [(1.28, "present", False), (1.45, "present", False)],
}
# the first subjects of each site have been followed longest: the longer plans go first
RECIST_ORDER = [
    "cr",
    "sd",
    "pd_new",
    "pd_growth",
    "pr_confirmed",
    "pr_unconfirmed",
    "sd",
    "pr_unconfirmed",
]
IRECIST_ORDER = [
    "pseudo",
    "sd",
    "icpd",
    "pd_growth",
    "cr",
    "pr_confirmed",
    "pd_new",
    "pr_unconfirmed",
]

OVERRIDE_REASON = (
    "The new liver lesion is a haemangioma on contrast MRI (radiology review); no progression."
)


def populate(study: Study, users: dict[str, Any], today: dt.date, progress: Progress) -> None:
    """Tumour assessments for the study's enrolled subjects (nothing when the study
    already has lesions)."""
    if Lesion.objects.filter(subject__study=study).exists():
        return
    rng = random.Random(f"demo-tumour:{study.key}")
    subjects = list(
        Subject.objects.filter(study=study)
        .select_related("site", "study")
        .order_by("subject_number")
    )
    if not subjects:
        return
    irecist = series.settings_for(subjects[0]).criteria == "iRECIST"
    order = IRECIST_ORDER if irecist else RECIST_ORDER
    entered = assessments = 0
    overridden = False
    for index, subject in enumerate(subjects):
        people = _people(users, subject)
        plan = order[index % len(order)]
        try:
            count = _subject(subject, plan, people["enter"], today, rng)
        except ValidationError as exc:
            progress(f"{study.key}: tumour data of {subject.subject_number} not entered ({exc})")
            continue
        entered += 1
        assessments += count
        if not overridden and plan == "pd_new" and count == len(PLANS[plan]):
            overridden = _override(subject, people["investigator"])
    progress(
        f"{study.key}: tumour assessments for {entered} subjects ({assessments} follow-ups"
        f"{', one investigator override' if overridden else ''})"
    )


def _people(users: dict[str, Any], subject: Subject) -> dict[str, Any]:
    if subject.site.code == "SH01":
        return {
            "enter": users.get("coordinator") or users["investigator"],
            "investigator": users["investigator"],
        }
    investigator = users.get("investigator.bj") or users["investigator"]
    return {"enter": investigator, "investigator": investigator}


def _subject(subject: Subject, plan: str, user: Any, today: dt.date, rng: random.Random) -> int:
    start, _source = series.start_of(subject)
    baseline = start - dt.timedelta(days=rng.randint(3, 12))
    if baseline > today:
        return 0
    organs = rng.sample(ORGANS, 2)
    targets: list[tuple[str, str, bool, int]] = [
        ("T1", organs[0], False, rng.randint(24, 52)),
        ("T2", organs[1], False, rng.randint(15, 34)),
    ]
    if plan != "cr" and rng.random() < 0.6:
        targets.append(("T3", "lymph node", True, rng.randint(16, 28)))
    for code, organ, nodal, mm in targets:
        services.add_lesion(
            user,
            subject,
            {
                "code": code,
                "kind": "target",
                "organ": organ,
                "location": _location(organ, rng),
                "nodal": nodal,
                "method": "ct",
                "slice_thickness_mm": Decimal("5"),
                "baseline_date": baseline,
                "baseline_mm": Decimal(mm),
            },
        )
    services.add_lesion(
        user,
        subject,
        {
            "code": "NT1",
            "kind": "non_target",
            "organ": rng.choice(NON_TARGET_ORGANS),
            "location": "multiple small deposits",
            "method": "ct",
            "baseline_date": baseline,
        },
    )
    count = 0
    day = start
    for factor, status, new in PLANS[plan]:
        day = day + dt.timedelta(days=rng.randint(42, 56))
        if day > today:
            break
        lesions: dict[str, LesionEntry] = {}
        for code, _organ, nodal, mm in targets:
            if factor == "cr":
                size = Decimal(rng.randint(5, 8)) if nodal else Decimal(0)
            else:
                wobble = rng.uniform(-0.02, 0.02)
                size = Decimal(str(round(mm * (float(factor) + wobble), 1)))
            lesions[code] = LesionEntry("measured", size)
        lesions["NT1"] = LesionEntry(status)
        news = (
            [NewLesionEntry(code="NL1", organ="liver", location="segment II", mm=Decimal("11"))]
            if new
            else []
        )
        services.record_assessment(user, subject, AssessmentEntry(day, "ct", None, lesions, news))
        count += 1
    return count


def _location(organ: str, rng: random.Random) -> str:
    places = {
        "liver": ["segment VI", "segment VII", "segment IVa"],
        "lung": ["right lower lobe", "left upper lobe"],
        "lymph node": ["left para-aortic", "right iliac", "mediastinal (4R)"],
    }
    return rng.choice(places.get(organ, ["—"]))


def _override(subject: Subject, investigator: Any) -> bool:
    from oncotrial.apps.tumour.models import TumourAssessment

    last = TumourAssessment.objects.filter(subject=subject).order_by("-assessment_date").first()
    if last is None or last.computed_response not in ("PD", "iUPD"):
        return False
    response = "SD" if last.computed_response == "PD" else "iSD"
    services.set_investigator_response(
        investigator, last, response, OVERRIDE_REASON, expected_version=last.version
    )
    return True
