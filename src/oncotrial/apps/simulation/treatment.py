"""Treatment of a simulated subject: cycles of the drug studies (now and then delayed or
reduced), weekly fractions of radiotherapy, surgery after four cycles in the surgery
study, through the treatment services."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from oncotrial.apps.subjects.models import Subject
from oncotrial.apps.treatment import services
from oncotrial.domain import units
from oncotrial.domain.protocol import Protocol
from oncotrial.domain.protocol.design import Intervention

DOSES_AS_WORDED: dict[str, tuple[str, str]] = {
    "ag": ("1000", "mg/m2"),
    "folfirinox": ("85", "mg/m2"),
    "nalirifox": ("60", "mg/m2"),
    "pd1_inhibitor": ("200", "mg"),
}
"""A dose per administration for interventions the protocol doses in words."""

SURGERIES = (
    ("whipple", "hepatic_wedge", "R0"),
    ("distal_splenectomy", "ablation", "R1"),
    ("total_pancreatectomy", "hepatic_segmentectomy", "R0"),
)
CYCLES_BEFORE_SURGERY = 4


def _dose(intervention: Intervention) -> tuple[Decimal | None, str]:
    if intervention.dose is not None:
        return Decimal(str(intervention.dose.value)), intervention.dose.unit
    worded = DOSES_AS_WORDED.get(intervention.id)
    if worded is None:
        return None, ""
    return Decimal(worded[0]), worded[1]


def drugs(subject: Subject, protocol: Protocol) -> list[Intervention]:
    found = [
        i
        for i in services.administered_interventions(protocol, subject.arm_id)
        if i.type != "radiation" and i.cycle_length_days
    ]
    if subject.regimen:
        found = [i for i in found if i.id == subject.regimen] or found[:1]
    return found


def give_cycles(
    user: Any,
    subject: Subject,
    protocol: Protocol,
    start: dt.date,
    until: dt.date,
    rng: random.Random,
    max_cycles: int | None = None,
) -> tuple[int, dt.date | None]:
    """Cycles from `start` while day 1 falls before `until`: (cycles given, last dose)."""
    given = drugs(subject, protocol)
    if not given:
        return 0, None
    length = given[0].cycle_length_days or 21
    cycle, day_one, last = 1, start, None
    while day_one < until and (max_cycles is None or cycle <= max_cycles):
        delayed = cycle > 1 and rng.random() < 0.1
        on = day_one + dt.timedelta(days=3 if delayed else 0)
        if on >= until:
            break
        for drug in given:
            dose, unit = _dose(drug)
            values: dict[str, Any] = {
                "intervention_id": drug.id,
                "cycle": cycle,
                "day": 1,
                "date": on,
                "dose": dose,
                "dose_unit": unit,
            }
            if delayed:
                values.update(modification="delayed", modification_reason="Neutropenia grade 2")
            elif dose is not None and cycle > 2 and rng.random() < 0.08:
                values.update(
                    dose=(dose * Decimal("0.8")).quantize(Decimal("0.1")),
                    modification="reduced",
                    modification_reason="Dose level -1 after grade 2 toxicity",
                )
            services.record_administration(user, subject, values)
        last = on
        cycle += 1
        day_one = on + dt.timedelta(days=length)
    return cycle - 1, last


def give_fractions(
    user: Any, subject: Subject, protocol: Protocol, start: dt.date, until: dt.date
) -> dt.date | None:
    last = None
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
            if date >= until:
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
            last = date
    return last


def operate(user: Any, subject: Subject, date: dt.date, rng: random.Random) -> None:
    pancreas, liver, margin = rng.choice(SURGERIES)
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
