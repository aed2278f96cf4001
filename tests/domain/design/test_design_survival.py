"""Single-arm time-to-event designs."""

from __future__ import annotations

import math

import pytest
from scipy import stats

from oncotrial.domain.design import (
    DesignParameterError,
    event_probability,
    exponential_design,
    landmark_design,
    one_sample_logrank_design,
    survival_design,
    weibull_rate_from_median,
)

Z05 = 1.6448536269514722  # z_0.95
Z025 = 1.959963984540054  # z_0.975
Z80 = 0.8416212335729143  # z_0.80


@pytest.mark.parametrize(("power", "n"), [(0.80, 88), (0.85, 100), (0.90, 117)])
def test_wu_2015_example(power: float, n: int) -> None:
    """Wu (2015), Pharmaceutical Statistics 14:26-33, worked example.

    Weibull null survival with median 9 years and shape 1.22, hazard ratio 1/1.75,
    accrual 5 years, follow-up 3 years, one-sided alpha 0.05: n = 88 for 80 % power
    (100 for 85 %, 117 for 90 %).
    """
    rate = weibull_rate_from_median(9.0, 1.22)
    d = one_sample_logrank_design(
        rate, rate / 1.75, accrual=5, followup=3, alpha=0.05, power=power, shape=1.22
    )
    assert d.n == n


def _closed_form_moments(h0: float, delta: float, followup: float) -> tuple[float, float, float]:
    """sigma0^2, sigma1^2, p00 for exponential survival, everyone followed exactly F."""
    u = h0 * followup
    s0 = (1 - math.exp(-delta * u)) / delta
    p00 = (1 - math.exp(-delta * u) * (1 + delta * u)) / delta**2
    return s0, delta * s0, p00


def test_logrank_moments_against_closed_forms() -> None:
    h0, h1, f = math.log(2) / 3, math.log(2) / 6, 12.0
    delta = h1 / h0
    s0, s1, p00 = _closed_form_moments(h0, delta, f)
    fms_n = (math.sqrt(s0) * Z05 + math.sqrt(s1) * Z80) ** 2 / (s1 - s0) ** 2
    var = s1 - s1**2 + 2 * p00 - s0**2 - 2 * delta * p00 + 2 * s0 * s1
    wu_n = (math.sqrt(s0) * Z05 + math.sqrt(var) * Z80) ** 2 / (s1 - s0) ** 2
    fms = one_sample_logrank_design(h0, h1, accrual=0, followup=f, variance="fms")
    wu = one_sample_logrank_design(h0, h1, accrual=0, followup=f, variance="wu")
    assert fms.n_exact == pytest.approx(fms_n, rel=1e-9)
    assert wu.n_exact == pytest.approx(wu_n, rel=1e-9)
    assert fms.event_probability == pytest.approx(1 - math.exp(-h1 * f), rel=1e-9)


def test_event_probability_uniform_accrual() -> None:
    h, a, f = 0.1, 24.0, 6.0
    # Direct average of 1 - exp(-h c) over c uniform on [F, A + F].
    direct = 1 - (math.exp(-h * f) - math.exp(-h * (a + f))) / (h * a)
    assert event_probability(h, a, f) == pytest.approx(direct)
    assert event_probability(h, 0.0, f) == pytest.approx(1 - math.exp(-h * f))
    d = one_sample_logrank_design(0.2, h, accrual=a, followup=f)
    assert d.event_probability == pytest.approx(direct, rel=1e-9)


def test_exponential_events_formula() -> None:
    d = exponential_design(math.log(2) / 3, math.log(2) / 6, accrual=24, followup=0)
    events = (Z05 + Z80) ** 2 / math.log(2) ** 2  # 12.87
    assert d.events == 13
    assert d.n_exact == pytest.approx(events / event_probability(math.log(2) / 6, 24, 0))
    assert d.n == math.ceil(d.n_exact)
    two = exponential_design(math.log(2) / 3, math.log(2) / 6, accrual=24, followup=0, sides=2)
    assert two.events == math.ceil((Z025 + Z80) ** 2 / math.log(2) ** 2)


def test_landmark_normal_formula_and_loss() -> None:
    s0, s1 = 0.5, 2**-0.5  # survival at 3 months for medians 3 and 6
    raw = (Z05 * math.sqrt(s0 * (1 - s0)) + Z80 * math.sqrt(s1 * (1 - s1))) ** 2 / (s1 - s0) ** 2
    d = survival_design(
        "landmark", median0=3, median1=6, accrual=24, followup=0, loss=0.05, landmark=3
    )
    assert d.n_exact == pytest.approx(raw)
    assert d.n == math.ceil(raw) == 34
    assert d.n_with_loss == math.ceil(34 / 0.95) == 36
    assert d.events is None
    assert d.event_probability == pytest.approx(1 - s1)


def test_landmark_exact_uses_exact_binomial() -> None:
    d = landmark_design(
        math.log(2) / 3, math.log(2) / 6, landmark=3, accrual=24, followup=0, exact=True
    )
    assert d.critical_value is not None
    assert stats.binom.sf(d.critical_value, d.n, 0.5) <= 0.05
    assert stats.binom.sf(d.critical_value, d.n, 2**-0.5) >= 0.8


@pytest.mark.parametrize("method", ["exponential", "fms", "wu", "landmark", "landmark-exact"])
def test_medians_and_hazards_agree(method: str) -> None:
    a = survival_design(method, median0=3, median1=6, accrual=18, followup=6, landmark=3)
    b = survival_design(
        method,
        hazard0=math.log(2) / 3,
        hazard1=math.log(2) / 6,
        accrual=18,
        followup=6,
        landmark=3,
    )
    assert a == b


def test_loss_inflation_rounds_up_without_float_noise() -> None:
    d = survival_design("exponential", median0=3, median1=6, accrual=24, loss=0.1)
    assert d.n_with_loss == math.ceil(d.n / 0.9 - 1e-9)
    assert survival_design("exponential", median0=3, median1=6, accrual=24).n_with_loss == d.n


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"accrual": -1}, "accrual"),
        ({"accrual": 12, "followup": -2}, "followup"),
        ({"accrual": 12, "alpha": 0.7}, "alpha"),
        ({"accrual": 12, "power": 0.4}, "power"),
        ({"accrual": 12, "sides": 3}, "sides"),
        ({"accrual": 12, "loss": 1.0}, "loss"),
        ({"accrual": 12, "median1": 3}, "median1"),
        ({"accrual": 12, "median0": -3}, "median0"),
    ],
)
def test_bad_parameters(kwargs: dict[str, float], name: str) -> None:
    args: dict[str, float] = {"median0": 3, "median1": 6}
    args.update(kwargs)
    with pytest.raises(DesignParameterError) as info:
        survival_design("wu", **args)  # type: ignore[arg-type]
    assert info.value.parameter == name


def test_landmark_needs_time_within_study() -> None:
    with pytest.raises(DesignParameterError) as info:
        survival_design("landmark", median0=3, median1=6, accrual=12, landmark=24)
    assert info.value.parameter == "landmark"
    with pytest.raises(DesignParameterError) as info:
        survival_design("landmark", median0=3, median1=6, accrual=12)
    assert info.value.parameter == "landmark"


def test_median_and_hazard_together_is_an_error() -> None:
    with pytest.raises(DesignParameterError) as info:
        survival_design("wu", median0=3, hazard0=0.2, median1=6, accrual=12)
    assert info.value.parameter == "median0"
