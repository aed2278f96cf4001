"""Cox hazard ratios (lifelines, Efron ties) against R's ``coxph`` output."""

from __future__ import annotations

import math

import pytest

from oncotrial.domain.stats import SurvivalDataError, cox_hazard_ratios

from .conftest import Cohort

Z95 = 1.959963984540054


def test_aml_nonmaintained_against_maintained(aml: Cohort) -> None:
    # coxph(Surv(time, status) ~ x, data = aml):
    #   xNonmaintained coef 0.9155 exp(coef) 2.4981 se(coef) 0.5119 z 1.788 p 0.0737
    # R prints no interval here; the 95 % interval is exp(0.9155 -/+ 1.96 * 0.5119)
    # = 0.916 to 6.81.
    res = cox_hazard_ratios(aml.time, aml.event, aml.group)
    assert res.reference == "Maintained"
    assert (res.n, res.events, res.ties) == (23, 18, "efron")
    (hr,) = res.hazard_ratios
    assert hr.level == "Nonmaintained"
    assert hr.coef == pytest.approx(0.9155, abs=5e-5)
    assert hr.hazard_ratio == pytest.approx(2.4981, abs=5e-4)
    assert hr.se == pytest.approx(0.5119, abs=5e-5)
    assert hr.p == pytest.approx(0.0737, abs=5e-5)
    assert hr.ci_lower == pytest.approx(math.exp(0.9155 - Z95 * 0.5119), abs=5e-4)
    assert hr.ci_upper == pytest.approx(math.exp(0.9155 + Z95 * 0.5119), abs=5e-3)


def test_leukemia_6mp_against_placebo(leukemia: Cohort) -> None:
    # coxph(Surv(T, delta) ~ MP) on the same data (ties: Efron):
    #   MP -1.5721 exp(coef) 0.2076 se 0.4124 p 0.000138; lower .95 0.09251 upper .95 0.4659
    res = cox_hazard_ratios(leukemia.time, leukemia.event, leukemia.group, reference="placebo")
    (hr,) = res.hazard_ratios
    assert (hr.level, hr.reference) == ("6-MP", "placebo")
    assert hr.coef == pytest.approx(-1.5721, abs=5e-5)
    assert hr.hazard_ratio == pytest.approx(0.2076, abs=5e-5)
    assert hr.se == pytest.approx(0.4124, abs=5e-5)
    assert hr.p == pytest.approx(0.000138, abs=5e-7)
    assert hr.ci_lower == pytest.approx(0.09251, abs=5e-6)
    assert hr.ci_upper == pytest.approx(0.4659, abs=5e-5)


def test_lung_sex(lung: Cohort) -> None:
    # coxph(Surv(time, status) ~ sex, data = lung): sex -0.5310 0.5880 se 0.1672 p 0.00149
    (hr,) = cox_hazard_ratios(lung.time, lung.event, lung.group).hazard_ratios
    assert (hr.level, hr.reference) == ("2", "1")
    assert hr.coef == pytest.approx(-0.5310, abs=5e-5)
    assert hr.hazard_ratio == pytest.approx(0.5880, abs=5e-5)
    assert hr.se == pytest.approx(0.1672, abs=5e-5)
    assert hr.p == pytest.approx(0.00149, abs=5e-6)


def test_categorical_group_has_one_ratio_per_level(lung: Cohort) -> None:
    group = [("a", "b", "c")[i % 3] for i in range(len(lung.time))]
    res = cox_hazard_ratios(lung.time, lung.event, group, reference="b")
    assert [(h.level, h.reference) for h in res.hazard_ratios] == [("a", "b"), ("c", "b")]
    for h in res.hazard_ratios:
        assert h.ci_lower < h.hazard_ratio < h.ci_upper
        assert 0 < h.p <= 1


def test_reference_must_be_a_group(aml: Cohort) -> None:
    with pytest.raises(SurvivalDataError, match="reference"):
        cox_hazard_ratios(aml.time, aml.event, aml.group, reference="Placebo")
