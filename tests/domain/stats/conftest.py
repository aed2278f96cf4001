"""Reference data sets of R's survival package, as shipped with lifelines or written out."""

from __future__ import annotations

from dataclasses import dataclass

import pytest


@dataclass(frozen=True)
class Cohort:
    time: list[float]
    event: list[int]
    group: list[str]


@pytest.fixture(scope="session")
def lung() -> Cohort:
    """NCCTG lung cancer data (R: survival::lung), 228 patients.

    lifelines ships ``status`` already recoded to 1 = dead, 0 = censored (R codes
    2 = dead, 1 = censored); 165 deaths as in R. ``group`` is sex (1 male, 2 female).
    """
    from lifelines.datasets import load_lung

    df = load_lung()
    assert sorted(set(df["status"])) == [0, 1]
    assert int(df["status"].sum()) == 165
    return Cohort(
        [float(t) for t in df["time"]],
        [int(s) for s in df["status"]],
        [str(int(s)) for s in df["sex"]],
    )


@pytest.fixture(scope="session")
def leukemia() -> Cohort:
    """Freireich 6-MP remission data (R: MASS::gehan), lifelines' ``load_leukemia``.

    ``Rx`` 0 is 6-MP (9 relapses, remission times with censoring up to 35 weeks), ``Rx`` 1
    is placebo (21 relapses, no censoring) — the listing of ``Surv(time, cens)`` in R
    matches: 6-MP 6 6 6 7 10 13 16 22 23 6+ 9+ 10+ 11+ 17+ 19+ 20+ 25+ 32+ 32+ 34+ 35+.
    """
    from lifelines.datasets import load_leukemia

    df = load_leukemia()
    return Cohort(
        [float(t) for t in df["t"]],
        [int(s) for s in df["status"]],
        ["6-MP" if rx == 0 else "placebo" for rx in df["Rx"]],
    )


# R: survival::aml (acute myelogenous leukaemia, maintenance chemotherapy), 23 patients;
# a trailing + is a censored time.
AML = {
    "Maintained": "9 13 13+ 18 23 28+ 31 34 45+ 48 161+",
    "Nonmaintained": "5 5 8 8 12 16+ 23 27 30 33 43 45",
}


@pytest.fixture(scope="session")
def aml() -> Cohort:
    time: list[float] = []
    event: list[int] = []
    group: list[str] = []
    for arm, listing in AML.items():
        for item in listing.split():
            time.append(float(item.rstrip("+")))
            event.append(0 if item.endswith("+") else 1)
            group.append(arm)
    return Cohort(time, event, group)
