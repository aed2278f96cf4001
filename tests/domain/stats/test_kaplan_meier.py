"""Kaplan–Meier against published R ``survival`` output (survfit, summary, quantile).

R output quoted in the tests is what ``print(survfit(...))``, ``summary(fit, times=)``
and ``quantile(fit)`` print with R's default ``conf.type = "log"``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from oncotrial.domain.stats import SurvivalDataError, kaplan_meier, kaplan_meier_groups

from .conftest import Cohort

Z95 = 1.959963984540054


# --- lung -------------------------------------------------------------------------------


def test_lung_overall_median_log_ci(lung: Cohort) -> None:
    # survfit(Surv(time, status) ~ 1, data = lung):  n 228  events 165  median 310
    # 0.95LCL 285  0.95UCL 363
    km = kaplan_meier(lung.time, lung.event, conf_type="log")
    assert (km.n, km.events) == (228, 165)
    assert (km.median, km.ci_lower, km.ci_upper) == (310, 285, 363)


def test_lung_overall_median_log_log_ci(lung: Cohort) -> None:
    # Not confirmed from a printed R output: compared with lifelines instead, whose
    # KaplanMeierFitter uses the same log(-log) interval, and whose
    # median_survival_times(confidence_interval_) gives 284 to 361.
    from lifelines import KaplanMeierFitter

    km = kaplan_meier(lung.time, lung.event)  # log-log is the default
    assert km.conf_type == "log-log"
    assert (km.median, km.ci_lower, km.ci_upper) == (310, 284, 361)
    ref = KaplanMeierFitter().fit(lung.time, lung.event).confidence_interval_
    # lifelines' first row is time 0; the rest are the same distinct times.
    assert np.allclose(ref.iloc[1:, 0].to_numpy(), km.lower, rtol=0, atol=1e-12)
    assert np.allclose(ref.iloc[1:, 1].to_numpy(), km.upper, rtol=0, atol=1e-12)


def test_lung_by_sex_medians(lung: Cohort) -> None:
    # survfit(Surv(time, status) ~ sex, data = lung):
    #   sex=1 138 112 270 212 310
    #   sex=2  90  53 426 348 550
    males, females = kaplan_meier_groups(lung.time, lung.event, lung.group, conf_type="log")
    assert (males.name, males.n, males.events) == ("1", 138, 112)
    assert (males.median, males.ci_lower, males.ci_upper) == (270, 212, 310)
    assert (females.name, females.n, females.events) == ("2", 90, 53)
    assert (females.median, females.ci_lower, females.ci_upper) == (426, 348, 550)


# summary(survfit(Surv(time, status) ~ 1, data = lung), times = seq(0, 1100, 100)):
# time n.risk survival std.err lower 95% CI upper 95% CI (1100 is past the last time, 1022)
LUNG_SUMMARY = [
    (0, 228, 1.0000, 0.0000, 1.0000, 1.000),
    (100, 196, 0.8640, 0.0227, 0.8206, 0.910),
    (200, 144, 0.6803, 0.0311, 0.6219, 0.744),
    (300, 92, 0.5306, 0.0346, 0.4669, 0.603),
    (400, 57, 0.3768, 0.0358, 0.3128, 0.454),
    (500, 41, 0.2933, 0.0351, 0.2320, 0.371),
    (600, 24, 0.2136, 0.0335, 0.1571, 0.290),
    (700, 16, 0.1424, 0.0303, 0.0938, 0.216),
    (800, 8, 0.0783, 0.0246, 0.0423, 0.145),
    (900, 3, 0.0503, 0.0228, 0.0207, 0.123),
    (1000, 2, 0.0503, 0.0228, 0.0207, 0.123),
]


def test_lung_landmark_survival_and_numbers_at_risk(lung: Cohort) -> None:
    km = kaplan_meier(lung.time, lung.event, conf_type="log")
    times = [row[0] for row in LUNG_SUMMARY]
    got = km.survival_at(times)
    for (t, risk, surv, se, lo, hi), g in zip(LUNG_SUMMARY, got, strict=True):
        assert g.time == t
        assert g.at_risk == risk
        assert g.survival == pytest.approx(surv, abs=5e-5)
        assert g.std_err == pytest.approx(se, abs=5e-5)
        assert g.lower == pytest.approx(lo, abs=5e-5)
        assert g.upper == pytest.approx(hi, abs=5e-4)
    assert km.at_risk_at(times) == [row[1] for row in LUNG_SUMMARY]
    # summary(fit, times = 365.25): n.risk 65, survival 0.409, std.err 0.0358,
    # 95% CI 0.345 to 0.486 (one-year survival).
    (year,) = km.survival_at([365.25])
    assert year.at_risk == 65
    assert year.survival == pytest.approx(0.409, abs=5e-4)
    assert year.std_err == pytest.approx(0.0358, abs=5e-5)
    assert (year.lower, year.upper) == (
        pytest.approx(0.345, abs=5e-4),
        pytest.approx(0.486, abs=5e-4),
    )


def test_lung_landmark_beyond_follow_up_is_not_estimable(lung: Cohort) -> None:
    km = kaplan_meier(lung.time, lung.event)
    (late,) = km.survival_at([1100])  # last follow-up time is 1022, curve at 0.05
    assert late.survival is None
    assert late.lower is None
    assert late.at_risk == 0


def test_lung_by_sex_landmarks(lung: Cohort) -> None:
    # summary(survfit(Surv(time, status) ~ sex, data = lung), times = c(300, 500)):
    #   sex=1: 300  49  0.4411 0.0439 0.3629 0.536 | 500 20 0.2232 0.0402 0.1569 0.318
    #   sex=2: 300  43  0.6742 0.0523 0.5791 0.785 | 500 21 0.4110 0.0626 0.3050 0.554
    males, females = kaplan_meier_groups(lung.time, lung.event, lung.group, conf_type="log")
    expected = {
        "1": [(49, 0.4411, 0.0439, 0.3629, 0.536), (20, 0.2232, 0.0402, 0.1569, 0.318)],
        "2": [(43, 0.6742, 0.0523, 0.5791, 0.785), (21, 0.4110, 0.0626, 0.3050, 0.554)],
    }
    for curve in (males, females):
        for got, (risk, surv, se, lo, hi) in zip(
            curve.survival_at([300, 500]), expected[curve.name], strict=True
        ):
            assert got.at_risk == risk
            assert got.survival == pytest.approx(surv, abs=5e-5)
            assert got.std_err == pytest.approx(se, abs=5e-5)
            assert got.lower == pytest.approx(lo, abs=5e-5)
            assert got.upper == pytest.approx(hi, abs=5e-4)


# --- Freireich 6-MP (gehan) ------------------------------------------------------------


def test_leukemia_medians_and_quartiles(leukemia: Cohort) -> None:
    # quantile(survfit(Surv(time, cens) ~ group)):
    #   $quantile  6 MP 13 23 NA   | Placebo 4 8 12
    #   $lower     6 MP  6 16 23   | Placebo 2 4  8
    #   $upper     6 MP NA NA NA   | Placebo 8 12 NA
    mp, placebo = kaplan_meier_groups(
        leukemia.time, leukemia.event, leukemia.group, conf_type="log"
    )
    assert (mp.name, mp.n, mp.events) == ("6-MP", 21, 9)
    assert (placebo.name, placebo.n, placebo.events) == ("placebo", 21, 21)
    assert (mp.median, mp.ci_lower, mp.ci_upper) == (23, 16, None)
    assert (placebo.median, placebo.ci_lower, placebo.ci_upper) == (8, 4, 12)
    q = mp.quantile(0.25)
    assert (q.time, q.ci_lower, q.ci_upper) == (13, 6, None)
    q = mp.quantile(0.75)
    assert (q.time, q.ci_lower, q.ci_upper) == (None, 23, None)
    q = placebo.quantile(0.25)
    assert (q.time, q.ci_lower, q.ci_upper) == (4, 2, 8)
    q = placebo.quantile(0.75)
    assert (q.time, q.ci_lower, q.ci_upper) == (12, 8, None)


def test_curve_reaching_zero_has_undefined_limits(leukemia: Cohort) -> None:
    # Every placebo patient relapsed: S = 0 at 23 weeks; R gives NA limits there.
    _, placebo = kaplan_meier_groups(leukemia.time, leukemia.event, leukemia.group)
    assert placebo.survival[-1] == 0.0
    assert math.isnan(placebo.lower[-1])
    assert math.isnan(placebo.upper[-1])
    (after,) = placebo.survival_at([30])
    assert after.survival == 0.0
    assert after.lower is None


# --- aml ---------------------------------------------------------------------------------


def test_aml_medians(aml: Cohort) -> None:
    # survfit(Surv(time, status) ~ x, data = aml):
    #   x=Maintained    11  7 31 18 NA
    #   x=Nonmaintained 12 11 23  8 NA
    m, nm = kaplan_meier_groups(aml.time, aml.event, aml.group, conf_type="log")
    assert (m.n, m.events, m.median, m.ci_lower, m.ci_upper) == (11, 7, 31, 18, None)
    assert (nm.n, nm.events, nm.median, nm.ci_lower, nm.ci_upper) == (12, 11, 23, 8, None)


def test_aml_maintained_curve(aml: Cohort) -> None:
    # summary(survfit(...)) for x=Maintained (log intervals):
    # time n.risk n.event survival std.err lower upper
    rows = [
        (9, 11, 1, 0.909, 0.0867, 0.7541, 1.000),
        (13, 10, 1, 0.818, 0.1163, 0.6192, 1.000),
        (18, 8, 1, 0.716, 0.1397, 0.4884, 1.000),
        (23, 7, 1, 0.614, 0.1526, 0.3769, 0.999),
        (31, 5, 1, 0.491, 0.1642, 0.2549, 0.946),
    ]
    m, _ = kaplan_meier_groups(aml.time, aml.event, aml.group, conf_type="log")
    event_rows = np.flatnonzero(m.n_event > 0)[: len(rows)]
    for i, (t, risk, d, surv, se, lo, hi) in zip(event_rows, rows, strict=True):
        assert (m.times[i], m.at_risk[i], m.n_event[i]) == (t, risk, d)
        assert m.survival[i] == pytest.approx(surv, abs=5e-4)
        assert m.std_err[i] == pytest.approx(se, abs=5e-5)
        assert m.lower[i] == pytest.approx(lo, abs=5e-5)
        assert m.upper[i] == pytest.approx(hi, abs=5e-4)
    # Censoring times are kept as curve points (R's survfit does) and listed for ticks.
    assert m.censor_times.tolist() == [13, 28, 45, 161]
    assert m.times.tolist() == [9, 13, 18, 23, 28, 31, 34, 45, 48, 161]
    assert m.n_censor.tolist() == [0, 1, 0, 0, 1, 0, 0, 1, 0, 1]


# --- hand-worked cases --------------------------------------------------------------------


def test_plain_interval_by_hand() -> None:
    # Four subjects, times 1, 2, 3+, 4. At t = 1: S = 3/4, var(log S) = 1/(4*3);
    # se(S) = 0.75 * sqrt(1/12) = 0.216506; plain: 0.75 -/+ 1.959964 * 0.216506.
    # At t = 2: S = 3/4 * 2/3 = 1/2, var(log S) = 1/12 + 1/(3*2) = 1/4, se(S) = 0.25,
    # plain: 0.5 -/+ 0.489991 = 0.010009 to 0.989991.
    # At t = 4: S = 0 (one left, one event): limits undefined.
    km = kaplan_meier([1, 2, 3, 4], [1, 1, 0, 1], conf_type="plain")
    assert km.survival.tolist() == [0.75, 0.5, 0.5, 0.0]
    assert km.std_err[0] == pytest.approx(0.2165063509, abs=1e-10)
    assert km.lower[0] == pytest.approx(0.75 - 1.959964 * 0.2165063509, abs=1e-6)
    assert km.upper[0] == 1.0  # 0.75 + 0.424 is clipped to 1
    assert km.lower[1] == pytest.approx(0.0100090, abs=1e-6)
    assert km.upper[1] == pytest.approx(0.9899910, abs=1e-6)
    assert math.isnan(km.lower[3])


def test_plain_lower_limit_clipped_at_zero() -> None:
    # Times 1..3 all events: at t = 2, S = 1/3, var(log S) = 1/6 + 1/2 = 2/3,
    # se(S) = (1/3) sqrt(2/3) = 0.272166; 1/3 - 1.96 * 0.272166 < 0 -> 0.
    km = kaplan_meier([1, 2, 3], [1, 1, 1], conf_type="plain")
    assert km.survival[1] == pytest.approx(1 / 3)
    assert km.lower[1] == 0.0
    assert km.upper[1] == pytest.approx(1 / 3 + Z95 * (1 / 3) * math.sqrt(2 / 3))


def test_log_log_interval_by_hand() -> None:
    # S = 1/2 with var(log S) = 1/4 (times 1, 2, 3+, 4 as above):
    # log(-log 0.5) = -0.366513; half-width z se / log S = 1.959964 * 0.5 / -0.693147
    # = -1.413815; lower = exp(-exp(-0.366513 + 1.413815)) = exp(-2.849958) = 0.057847,
    # upper = exp(-exp(-0.366513 - 1.413815)) = exp(-0.168582) = 0.844861.
    km = kaplan_meier([1, 2, 3, 4], [1, 1, 0, 1], conf_type="log-log")
    assert km.lower[1] == pytest.approx(0.057847, abs=2e-6)
    assert km.upper[1] == pytest.approx(0.844861, abs=2e-6)


def test_median_midpoint_when_curve_is_exactly_one_half() -> None:
    # Times 1, 2, 3, 4, all events: S = 0.75, 0.5, 0.25, 0. S is exactly 0.5 on [2, 3):
    # R's convention takes the midpoint, 2.5 (not 2).
    km = kaplan_meier([1, 2, 3, 4], [1, 1, 1, 1])
    assert km.median == 2.5
    # A censoring inside the flat part does not move the next drop: times 1, 2, 2.5+, 3, 4
    km = kaplan_meier([1, 2, 2.5, 3, 4], [1, 1, 0, 1, 1])
    assert km.survival[1] == pytest.approx(0.6)  # 4/5 * 3/4
    # (no exact half here: S drops 0.6 -> 0.3 at t = 3, so the median is 3)
    assert km.median == 3
    # Ten subjects, five events at times 1..5 and five censored at 10: S = 0.5 from t = 5
    # to the end of follow-up; R takes the midpoint of 5 and the last time, 10 -> 7.5.
    km = kaplan_meier([1, 2, 3, 4, 5] + [10] * 5, [1] * 5 + [0] * 5)
    assert km.survival[-1] == pytest.approx(0.5)
    assert km.median == 7.5


def test_median_not_reached() -> None:
    # One event in five at t = 1: S = 0.8 stays above 0.5, so do the upper limits.
    # The log-log lower limit at t = 1 is exp(-exp(log(-log 0.8) + 1.96 sqrt(1/20) /
    # -log 0.8)) = 0.204, below 0.5: the interval's lower end is t = 1.
    km = kaplan_meier([1, 2, 3, 4, 5], [1, 0, 0, 0, 0])
    assert km.median is None
    assert km.ci_upper is None
    assert km.lower[0] == pytest.approx(0.2038, abs=1e-4)
    assert km.ci_lower == 1
    km = kaplan_meier([1, 2, 3, 4, 5], [0, 0, 0, 0, 0])
    assert km.median is None
    assert km.ci_lower is None
    assert km.ci_upper is None


def test_ties_of_events_and_censoring_at_one_time() -> None:
    # At t = 2 one event and one censoring: both are at risk at 2 (censoring after event).
    km = kaplan_meier([1, 2, 2, 3], [1, 1, 0, 1])
    assert km.at_risk.tolist() == [4, 3, 1]
    assert km.n_event.tolist() == [1, 1, 1]
    assert km.n_censor.tolist() == [0, 1, 0]
    assert km.survival.tolist() == pytest.approx([0.75, 0.5, 0.0])


@pytest.mark.parametrize(
    ("time", "event", "field"),
    [
        ([1, -2], [1, 1], "time"),
        ([1, float("nan")], [1, 1], "time"),
        ([1, 2], [1, 2], "event"),
        ([1, 2], [1], "event"),
        ([], [], "time"),
    ],
)
def test_bad_input_names_the_field(time: list[float], event: list[int], field: str) -> None:
    with pytest.raises(SurvivalDataError) as err:
        kaplan_meier(time, event)
    assert err.value.field == field


def test_bad_conf_type() -> None:
    with pytest.raises(SurvivalDataError, match="conf_type"):
        kaplan_meier([1, 2], [1, 1], conf_type="logit")
