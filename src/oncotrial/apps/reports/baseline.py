"""Baseline characteristics of the enrolled subjects, per arm and overall (the first
table of a trial report): age, sex and performance status from the screening record."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from oncotrial.apps.subjects.models import Subject

TOTAL = "Total"


@dataclass(frozen=True)
class Row:
    label: str
    cells: dict[str, str]
    """Column (arm label or "Total") → formatted value."""
    indent: bool = False


def _median_range(values: list[float]) -> str:
    if not values:
        return "–"
    median = statistics.median(values)
    return f"{median:g} ({min(values):g}–{max(values):g})"


def _n_pct(n: int, of: int) -> str:
    return f"{n} ({100.0 * n / of:.0f} %)" if of else "0"


def _screening_value(subject: Subject, variable: str) -> object:
    for value in subject.candidate.values.all():
        if value.variable == variable:
            return value.value
    return None


def age_at_screening(subject: Subject) -> int | None:
    """Completed years at screening, from the date of birth (which itself stays out of
    the report)."""
    born, on = subject.candidate.date_of_birth, subject.candidate.screening_date
    if born is None:
        return None
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def baseline_table(subjects: Iterable[Subject], arm_labels: dict[str, str]) -> list[Row]:
    """Rows of the baseline table. `subjects` should prefetch `candidate__values`."""
    groups: dict[str, list[Subject]] = {label: [] for label in arm_labels.values()}
    everyone = list(subjects)
    for subject in everyone:
        groups.setdefault(arm_labels.get(subject.arm_id, subject.arm_id), []).append(subject)
    columns = {name: members for name, members in groups.items() if members}
    if len(columns) != 1:
        columns[TOTAL] = everyone
    rows = [Row("Subjects, n", {name: str(len(m)) for name, m in columns.items()})]

    def numbers(members: list[Subject], variable: str) -> list[float]:
        out = []
        for subject in members:
            value = _screening_value(subject, variable)
            if value is None and variable == "age":
                value = age_at_screening(subject)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                out.append(float(value))
        return out

    rows.append(
        Row(
            "Age, years: median (range)",
            {name: _median_range(numbers(m, "age")) for name, m in columns.items()},
        )
    )
    rows.append(Row("Sex", dict.fromkeys(columns, "")))
    for sex in ("female", "male"):
        rows.append(
            Row(
                sex.capitalize(),
                {
                    name: _n_pct(sum(1 for s in m if s.candidate.sex == sex), len(m))
                    for name, m in columns.items()
                },
                indent=True,
            )
        )
    ecog = {name: Counter(int(v) for v in numbers(m, "ecog")) for name, m in columns.items()}
    if any(ecog.values()):
        rows.append(Row("ECOG performance status", dict.fromkeys(columns, "")))
        for level, label in ((0, "0"), (1, "1"), (2, "≥ 2")):
            rows.append(
                Row(
                    label,
                    {
                        name: _n_pct(
                            sum(
                                c
                                for k, c in ecog[name].items()
                                if (k >= 2 if level == 2 else k == level)
                            ),
                            len(m),
                        )
                        for name, m in columns.items()
                    },
                    indent=True,
                )
            )
    return rows
