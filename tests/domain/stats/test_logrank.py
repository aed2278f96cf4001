"""Log-rank test against R's ``survdiff`` output."""

from __future__ import annotations

import pytest

from oncotrial.domain.stats import SurvivalDataError, analyse_survival, logrank_test

from .conftest import Cohort


def test_lung_by_sex(lung: Cohort) -> None:
    # survdiff(Surv(time, status) ~ sex, data = lung):
    #   sex=1 138 112 91.5817 | sex=2 90 53 73.4183; Chisq= 10.3267 on 1 df, p= 0.00131116
    res = logrank_test(lung.time, lung.event, lung.group)
    assert res.chisq == pytest.approx(10.3267, abs=5e-5)
    assert res.df == 1
    assert res.p == pytest.approx(0.00131116, abs=5e-9)
    (m, f) = res.groups
    assert (m.name, m.n, m.observed) == ("1", 138, 112)
    assert m.expected == pytest.approx(91.5817, abs=5e-5)
    assert (f.name, f.n, f.observed) == ("2", 90, 53)
    assert f.expected == pytest.approx(73.4183, abs=5e-5)


def test_leukemia_6mp_against_placebo(leukemia: Cohort) -> None:
    # survdiff(Surv(time, cens) ~ group): 6 MP 21 9 19.3 | Placebo 21 21 10.7;
    # Chisq= 16.8 on 1 degrees of freedom, p= 4.17e-05
    res = logrank_test(leukemia.time, leukemia.event, leukemia.group)
    assert res.chisq == pytest.approx(16.8, abs=0.05)
    assert res.p == pytest.approx(4.17e-05, abs=5e-8)
    mp, placebo = res.groups
    assert (mp.observed, round(mp.expected, 1)) == (9, 19.3)
    assert (placebo.observed, round(placebo.expected, 1)) == (21, 10.7)
    # Observed and expected add up to the same total.
    assert mp.expected + placebo.expected == pytest.approx(30)


def test_aml(aml: Cohort) -> None:
    # survdiff(Surv(time, status) ~ x, data = aml):
    #   Maintained 11 7 10.69 | Nonmaintained 12 11 7.31; Chisq= 3.4 on 1 df, p= 0.0653
    res = logrank_test(aml.time, aml.event, aml.group)
    assert res.chisq == pytest.approx(3.4, abs=0.05)
    assert res.p == pytest.approx(0.0653, abs=5e-5)
    m, nm = res.groups
    assert (m.n, m.observed, round(m.expected, 2)) == (11, 7, 10.69)
    assert (nm.n, nm.observed, round(nm.expected, 2)) == (12, 11, 7.31)


def test_three_groups_match_lifelines(lung: Cohort) -> None:
    # No printed R output at hand for a k > 2 case: compared with lifelines'
    # multivariate_logrank_test, which computes the same k-sample statistic.
    from lifelines.statistics import multivariate_logrank_test

    group = [
        "young" if i % 3 == 0 else ("middle" if i % 3 == 1 else "old")
        for i in range(len(lung.time))
    ]
    res = logrank_test(lung.time, lung.event, group)
    ref = multivariate_logrank_test(lung.time, group, lung.event)
    assert res.df == 2
    assert res.chisq == pytest.approx(float(ref.test_statistic), rel=1e-10)
    assert res.p == pytest.approx(float(ref.p_value), rel=1e-8)
    assert [g.name for g in res.groups] == ["middle", "old", "young"]


def test_single_group_is_rejected() -> None:
    with pytest.raises(SurvivalDataError, match="at least 2 groups"):
        logrank_test([1, 2, 3], [1, 1, 0], ["a", "a", "a"])


def test_analysis_without_groups_has_no_test(aml: Cohort) -> None:
    res = analyse_survival(aml.time, aml.event)
    assert res.logrank is None
    (overall,) = res.groups
    assert (overall.name, overall.n, overall.events) == ("all", 23, 18)
    grouped = analyse_survival(aml.time, aml.event, aml.group, conf_type="log")
    assert grouped.logrank is not None
    assert grouped.logrank.chisq == pytest.approx(3.4, abs=0.05)
    assert [g.median for g in grouped.groups] == [31, 23]


def test_numeric_group_labels_sort_as_numbers() -> None:
    res = logrank_test([1, 2, 3, 4, 5, 6], [1, 1, 1, 1, 1, 1], ["10", "9", "10", "9", "2", "2"])
    assert [g.name for g in res.groups] == ["2", "9", "10"]
