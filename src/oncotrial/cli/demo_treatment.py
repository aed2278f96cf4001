"""Demo treatment: administrations cycle by cycle for the drug studies (now and then a
dose reduced or delayed), weekly fractions for the radiotherapy study, surgery with the
protocol's procedures for the surgery study, two ends of treatment with their reasons and
a next-line therapy. Everything goes through the treatment services, as the demo users."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from oncotrial.apps.followup import coherence
from oncotrial.apps.studies.models import Study
from oncotrial.apps.studies.selectors import protocol_of
from oncotrial.apps.subjects.models import AnchorEvent, Subject
from oncotrial.apps.treatment import services
from oncotrial.apps.treatment.models import Administration
from oncotrial.domain import units
from oncotrial.domain.protocol import Protocol
from oncotrial.domain.protocol.design import Intervention

DOSES_AS_WORDED: dict[str, tuple[str, str]] = {
    "ag": ("1000", "mg/m2"),
    "folfirinox": ("85", "mg/m2"),
    "nalirifox": ("60", "mg/m2"),
    "pd1_inhibitor": ("200", "mg"),
}
"""A dose per administration for interventions the protocol doses in words: gemcitabine
1000 mg/m2 (AG), oxaliplatin 85 mg/m2 (FOLFIRINOX) and 60 mg/m2 (NALIRIFOX), and a
standard 200 mg flat dose of a PD-1 inhibitor."""

SURGERIES = [
    # (pancreatic procedure, liver procedure, margin)
    ("whipple", "hepatic_wedge", "R0"),
    ("distal_splenectomy", "ablation", "R1"),
    ("total_pancreatectomy", "hepatic_segmentectomy", "R0"),
]
"""The seed protocol: pancreaticoduodenectomy or distal pancreatectomy with splenectomy by
the lesion's site (total pancreatectomy if needed), and the liver metastases resected
(or ablated) by their number, size and site."""

CYCLES_BEFORE_SURGERY = 4
ENDED = {
    0: ("progression", 4),
    1: ("toxicity", 3),
}
"""Subjects (by position among those treated) whose treatment ends: reason, cycles."""


def _user(users: dict[str, Any], subject: Subject) -> Any:
    return users["investigator" if subject.site.code == "SH01" else "investigator.bj"]


def _start(subject: Subject, protocol: Protocol) -> dt.date | None:
    timed = [a.id for a in protocol.schedule.anchors if not a.event_triggered]
    event = AnchorEvent.objects.filter(subject=subject, anchor__in=timed).order_by("date").first()
    return event.date if event is not None else None


def _dose(intervention: Intervention) -> tuple[Decimal | None, str]:
    if intervention.dose is not None:
        return Decimal(str(intervention.dose.value)), intervention.dose.unit
    worded = DOSES_AS_WORDED.get(intervention.id)
    if worded is None:
        return None, ""
    return Decimal(worded[0]), worded[1]


def _drugs(subject: Subject, protocol: Protocol) -> list[Intervention]:
    """The subject's cycled drugs: the chosen regimen where the protocol leaves a choice,
    else every drug of the arm with a cycle length."""
    drugs = [
        i
        for i in services.administered_interventions(protocol, subject.arm_id)
        if i.type != "radiation" and i.cycle_length_days
    ]
    if subject.regimen:
        drugs = [i for i in drugs if i.id == subject.regimen] or drugs[:1]
    return drugs


def _give_cycles(
    user: Any,
    subject: Subject,
    protocol: Protocol,
    start: dt.date,
    until: dt.date,
    rng: random.Random,
    max_cycles: int | None = None,
) -> int:
    drugs = _drugs(subject, protocol)
    if not drugs:
        return 0
    length = drugs[0].cycle_length_days or 21
    cycle, day_one = 1, start
    while day_one <= until and (max_cycles is None or cycle <= max_cycles):
        delayed = cycle > 1 and rng.random() < 0.12
        given_on = day_one + dt.timedelta(days=3 if delayed else 0)
        if given_on > until:
            break
        for drug in drugs:
            dose, unit = _dose(drug)
            values: dict[str, Any] = {
                "intervention_id": drug.id,
                "cycle": cycle,
                "day": 1,
                "date": given_on,
                "dose": dose,
                "dose_unit": unit,
            }
            if delayed:
                values.update(modification="delayed", modification_reason="Neutropenia grade 2")
            elif dose is not None and cycle > 2 and rng.random() < 0.1:
                values.update(
                    dose=(dose * Decimal("0.8")).quantize(Decimal("0.1")),
                    modification="reduced",
                    modification_reason="Dose level -1 after grade 2 toxicity",
                )
            services.record_administration(user, subject, values)
        cycle += 1
        day_one = given_on + dt.timedelta(days=length)
    return cycle - 1


def _give_fractions(
    user: Any, subject: Subject, protocol: Protocol, start: dt.date, until: dt.date
) -> int:
    given = 0
    for therapy in services.administered_interventions(protocol, subject.arm_id):
        plan = therapy.fractionation
        if therapy.type != "radiation" or plan is None:
            continue
        per = Decimal(
            str(units.convert(plan.dose_per_fraction.value, plan.dose_per_fraction.unit, "Gy"))
        )
        every = round(7 / plan.fractions_per_week)
        for number in range(1, (services.planned_fractions(therapy) or 1) + 1):
            date = start + dt.timedelta(days=every * (number - 1))
            if date > until:
                break
            services.record_administration(
                user,
                subject,
                {
                    "intervention_id": therapy.id,
                    "date": date,
                    "fraction_number": number,
                    "fraction_dose_gy": per,
                },
            )
            given += 1
    return given


def _operate(
    user: Any, subject: Subject, date: dt.date, plan: tuple[str, str, str], rng: random.Random
) -> None:
    pancreas, liver, margin = plan
    services.record_surgery(
        user,
        subject,
        {
            "date": date,
            "procedure": pancreas,
            "intent": "radical",
            "resection_margin": margin,
            "notes": f"Operative time {rng.randint(240, 420)} min; blood loss "
            f"{rng.randint(2, 8) * 100} mL.",
        },
    )
    services.record_surgery(
        user,
        subject,
        {
            "date": date,
            "procedure": liver,
            "intent": "radical",
            "resection_margin": "" if liver == "ablation" else "R0",
            "notes": f"{rng.randint(1, 3)} liver metastases treated.",
        },
    )


def populate(
    study: Study,
    users: dict[str, Any],
    today: dt.date,
    progress: Callable[[str], None],
) -> None:
    subjects = list(
        Subject.objects.filter(study=study)
        .select_related("site", "study", "protocol_version", "candidate")
        .order_by("pk")
    )
    if not subjects or Administration.objects.filter(subject__study=study).exists():
        return
    rng = random.Random(f"demo-treatment:{study.key}")
    protocol = protocol_of(subjects[0].protocol_version)
    has_surgery = "surgery" in {a.id for a in protocol.schedule.anchors}
    treated = operated = ended = 0
    for subject in subjects:
        start = _start(subject, protocol)
        if start is None or start > today:
            continue
        user = _user(users, subject)
        position = treated
        treated += 1
        _give_fractions(user, subject, protocol, start, today)
        if has_surgery and operated < len(SURGERIES):
            cycles = _give_cycles(
                user, subject, protocol, start, today, rng, max_cycles=CYCLES_BEFORE_SURGERY
            )
            last = coherence.last_given_dose(subject)
            surgery_on = last + dt.timedelta(days=28) if last else None
            if cycles == CYCLES_BEFORE_SURGERY and surgery_on and surgery_on <= today:
                _operate(user, subject, surgery_on, SURGERIES[operated], rng)
                operated += 1
            continue
        stop = ENDED.get(position)
        cycles = _give_cycles(
            user, subject, protocol, start, today, rng, max_cycles=stop[1] if stop else None
        )
        last = coherence.last_given_dose(subject) or start
        if stop is None or cycles < stop[1] or last + dt.timedelta(days=21) > today:
            continue
        reason = stop[0]
        end_date = last + dt.timedelta(days=21)
        services.record_end_of_treatment(
            user,
            subject,
            {"date": end_date, "primary_reason": reason, "last_dose_date": last},
        )
        ended += 1
        line_start = end_date + dt.timedelta(days=14)
        if reason == "progression" and line_start <= today:
            services.record_next_line(
                user,
                subject,
                {
                    "line_number": 2,
                    "regimen": "Investigator's choice chemotherapy",
                    "start_date": line_start,
                },
            )
    progress(
        f"{study.key}: treatment recorded for {treated} subjects"
        + (f", {operated} operated" if has_surgery else "")
        + f", {ended} ended"
    )
