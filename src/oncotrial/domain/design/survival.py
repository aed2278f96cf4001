"""Single-arm time-to-event designs.

Common assumptions: patients enter uniformly over ``accrual`` months (A) and are
followed for ``followup`` further months (F) after the last entry, so a patient's
administrative censoring time C is uniform on [F, A + F] and its survival function is
G(t) = 1 for t <= F, (A + F - t) / A for F < t <= A + F, 0 afterwards (A = 0: all
censored at F).  Survival under H0 has cumulative hazard L0(t) = h0 t^k (k = 1:
exponential with hazard h0 = ln 2 / median0); under the alternative the hazard is
multiplied by delta = h1 / h0 (proportional hazards), S1 = exp(-delta L0).

Hypotheses: H0 delta = 1 against delta != 1 in the direction of the alternative
(improvement when delta < 1).  ``sides = 2`` uses z_(1 - alpha/2).

Rounding: the required size is computed as a real number and rounded up (``n``); the
enrolment allowing for a lost fraction is ``ceil(n / (1 - loss))`` (``n_with_loss``).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

from scipy import integrate, stats

from oncotrial.domain.design.binomial import single_stage_design
from oncotrial.domain.design.errors import (
    DesignParameterError,
    ceil_clean,
    check_alpha,
    check_loss,
    check_nonnegative,
    check_positive,
    check_power,
    check_sides,
    inflate_for_loss,
)

LN2 = math.log(2.0)
METHODS = ("exponential", "fms", "wu", "landmark", "landmark-exact")


@dataclass(frozen=True)
class SurvivalDesign:
    method: str
    events: int | None
    """Events (deaths) needed/expected under the alternative; None for landmark designs."""
    n: int
    """Patients needed before the loss inflation (rounded up)."""
    n_with_loss: int
    event_probability: float
    """Probability that a patient's event is observed during the study, under H1
    (landmark designs: probability of an event by the landmark time under H1)."""
    n_exact: float
    """The unrounded size given by the formula (landmark-exact: equals n)."""
    hazard0: float
    hazard1: float
    alpha: float
    power: float
    sides: int
    accrual: float
    followup: float
    loss: float
    landmark: float | None = None
    critical_value: int | None = None
    """landmark-exact only: reject H0 if more than this many patients are alive at the landmark."""

    def as_dict(self) -> dict[str, float | int | None]:
        return {
            "events": self.events,
            "n": self.n,
            "n_with_loss": self.n_with_loss,
            "event_probability": self.event_probability,
        }


def hazards_from(
    *,
    median0: float | None = None,
    median1: float | None = None,
    hazard0: float | None = None,
    hazard1: float | None = None,
) -> tuple[float, float]:
    """Exponential hazards (per month) from medians or hazards; exactly one of each pair."""
    if (median0 is None) == (hazard0 is None):
        raise DesignParameterError("median0", "give exactly one of median0 or hazard0")
    if (median1 is None) == (hazard1 is None):
        raise DesignParameterError("median1", "give exactly one of median1 or hazard1")
    h0 = (
        LN2 / check_positive("median0", median0)
        if median0 is not None
        else check_positive("hazard0", hazard0)  # type: ignore[arg-type]
    )
    h1 = (
        LN2 / check_positive("median1", median1)
        if median1 is not None
        else check_positive("hazard1", hazard1)  # type: ignore[arg-type]
    )
    if math.isclose(h0, h1, rel_tol=1e-12):
        name = "median1" if median1 is not None else "hazard1"
        raise DesignParameterError(name, "the alternative must differ from the null")
    return h0, h1


def weibull_rate_from_median(median: float, shape: float) -> float:
    """h in L(t) = h t^k for a Weibull survival with the given median and shape k."""
    return float(LN2 / check_positive("median0", median) ** check_positive("shape", shape))


def _z(alpha: float, sides: int) -> float:
    return float(stats.norm.isf(alpha / sides))


def _censoring_survival(t: float, accrual: float, followup: float) -> float:
    if t <= followup:
        return 1.0
    if accrual <= 0 or t >= accrual + followup:
        return 0.0
    return (accrual + followup - t) / accrual


def event_probability(hazard: float, accrual: float, followup: float) -> float:
    """P(event observed) for exponential survival with the given hazard, uniform accrual."""
    if accrual <= 0:
        return 1.0 - math.exp(-hazard * followup)
    return 1.0 - (math.exp(-hazard * followup) - math.exp(-hazard * (accrual + followup))) / (
        hazard * accrual
    )


@dataclass(frozen=True)
class _LogRankMoments:
    sigma0_sq: float  # E_H1[L0(X)]  (expected "E" per patient)
    sigma1_sq: float  # E_H1[event]  (expected "O" per patient)
    p00: float  # integral G S1 L0 dL0
    p01: float  # integral G S1 L0 d(delta L0)


def _logrank_moments(
    rate0: float, shape: float, delta: float, accrual: float, followup: float
) -> _LogRankMoments:
    """Integrals of Wu (2015), computed in u = L0(t) where the integrands are smooth."""
    end = accrual + followup

    def t_of(u: float) -> float:
        return float((u / rate0) ** (1.0 / shape))

    u_f = rate0 * followup**shape
    u_end = rate0 * end**shape

    def g(u: float) -> float:
        return _censoring_survival(t_of(u), accrual, followup)

    def first(u: float) -> float:
        return g(u) * math.exp(-delta * u)

    def second(u: float) -> float:
        return g(u) * math.exp(-delta * u) * u

    pts = [0.0, u_f, u_end] if 0.0 < u_f < u_end else [0.0, u_end]
    s0 = 0.0
    s00 = 0.0
    for lo, hi in itertools.pairwise(pts):
        if hi <= lo:
            continue
        s0 += integrate.quad(first, lo, hi, epsabs=1e-13, epsrel=1e-11, limit=200)[0]
        s00 += integrate.quad(second, lo, hi, epsabs=1e-13, epsrel=1e-11, limit=200)[0]
    return _LogRankMoments(sigma0_sq=s0, sigma1_sq=delta * s0, p00=s00, p01=delta * s00)


def _check_common(
    alpha: float, power: float, sides: int, accrual: float, followup: float, loss: float
) -> tuple[float, float, int, float, float, float]:
    alpha = check_alpha(alpha)
    power = check_power(power)
    sides = check_sides(sides)
    accrual = check_nonnegative("accrual", accrual)
    followup = check_nonnegative("followup", followup)
    if accrual + followup <= 0:
        raise DesignParameterError("followup", "accrual + followup must be positive")
    loss = check_loss(loss)
    return alpha, power, sides, accrual, followup, loss


def exponential_design(
    hazard0: float,
    hazard1: float,
    *,
    accrual: float,
    followup: float,
    alpha: float = 0.05,
    power: float = 0.8,
    sides: int = 1,
    loss: float = 0.0,
) -> SurvivalDesign:
    """Test of the exponential hazard on the log scale.

    The MLE of the hazard, events / total follow-up time, has var(log) ~ 1/d, so
    d = (z_alpha + z_beta)^2 / (ln(h1/h0))^2 events are needed; n = d / P(event | h1).
    """
    alpha, power, sides, accrual, followup, loss = _check_common(
        alpha, power, sides, accrual, followup, loss
    )
    h0 = check_positive("hazard0", hazard0)
    h1 = check_positive("hazard1", hazard1)
    d = (_z(alpha, sides) + float(stats.norm.isf(1.0 - power))) ** 2 / math.log(h1 / h0) ** 2
    pe = event_probability(h1, accrual, followup)
    n_exact = d / pe
    n = ceil_clean(n_exact)
    return SurvivalDesign(
        method="exponential",
        events=ceil_clean(d),
        n=n,
        n_with_loss=inflate_for_loss(n, loss),
        event_probability=pe,
        n_exact=n_exact,
        hazard0=h0,
        hazard1=h1,
        alpha=alpha,
        power=power,
        sides=sides,
        accrual=accrual,
        followup=followup,
        loss=loss,
    )


def one_sample_logrank_design(
    hazard0: float,
    hazard1: float,
    *,
    accrual: float,
    followup: float,
    alpha: float = 0.05,
    power: float = 0.8,
    sides: int = 1,
    loss: float = 0.0,
    variance: str = "wu",
    shape: float = 1.0,
) -> SurvivalDesign:
    """One-sample log-rank test L = (O - E) / sqrt(E).

    With W = (O - E) / sqrt(n): under H1, E / n -> s0 = E[L0(X)], E[W] = sqrt(n) w with
    w = s1 - s0 and s1 = P(event) = delta s0.  Power 1 - beta needs
    n = (sqrt(s0) z_alpha + sigma z_beta)^2 / w^2 where sigma^2 is var(W) under H1:

    * ``variance="fms"`` (Finkelstein, Muzikansky & Schoenfeld 2003): sigma^2 = s1, the
      Poisson variance of O;
    * ``variance="wu"`` (Wu 2015): the exact variance
      sigma^2 = s1 - s1^2 + 2 p00 - s0^2 - 2 p01 + 2 s0 s1.

    ``hazard0`` and ``shape`` define L0(t) = hazard0 t^shape (shape 1: exponential);
    ``hazard1`` is the alternative's hazard for shape 1, else ``delta * hazard0``.
    """
    alpha, power, sides, accrual, followup, loss = _check_common(
        alpha, power, sides, accrual, followup, loss
    )
    if variance not in ("wu", "fms"):
        raise DesignParameterError("method", f"unknown log-rank variance {variance!r}")
    h0 = check_positive("hazard0", hazard0)
    h1 = check_positive("hazard1", hazard1)
    k = check_positive("shape", shape)
    delta = h1 / h0
    m = _logrank_moments(h0, k, delta, accrual, followup)
    s0, s1 = m.sigma0_sq, m.sigma1_sq
    w = s1 - s0
    # Poisson variance of O (FMS) or the exact variance of O - E (Wu).
    exact_var = s1 - s1**2 + 2 * m.p00 - s0**2 - 2 * m.p01 + 2 * s0 * s1
    var = s1 if variance == "fms" else exact_var
    za = _z(alpha, sides)
    zb = float(stats.norm.isf(1.0 - power))
    n_exact = (math.sqrt(s0) * za + math.sqrt(var) * zb) ** 2 / w**2
    n = ceil_clean(n_exact)
    return SurvivalDesign(
        method=variance,
        events=ceil_clean(n_exact * s1),
        n=n,
        n_with_loss=inflate_for_loss(n, loss),
        event_probability=s1,
        n_exact=n_exact,
        hazard0=h0,
        hazard1=h1,
        alpha=alpha,
        power=power,
        sides=sides,
        accrual=accrual,
        followup=followup,
        loss=loss,
    )


def landmark_design(
    hazard0: float,
    hazard1: float,
    *,
    landmark: float,
    accrual: float,
    followup: float,
    alpha: float = 0.05,
    power: float = 0.8,
    sides: int = 1,
    loss: float = 0.0,
    exact: bool = False,
) -> SurvivalDesign:
    """Test of the proportion alive at the landmark time t, S0 = exp(-h0 t) vs S1 = exp(-h1 t).

    Normal approximation: n = (z_alpha sqrt(S0 (1-S0)) + z_beta sqrt(S1 (1-S1)))^2 / (S1-S0)^2.
    Exact: the single-stage exact binomial design (A'Hern) for p0 = S0, p1 = S1 at level
    alpha / sides.  Every patient must be followable to t, so t <= accrual + followup is
    required; patients entering later than A + F - t are not evaluable at the landmark
    by the end of the study, which the calculation does not model.
    """
    alpha, power, sides, accrual, followup, loss = _check_common(
        alpha, power, sides, accrual, followup, loss
    )
    t = check_positive("landmark", landmark)
    if t > accrual + followup:
        raise DesignParameterError(
            "landmark", f"({t}) is beyond the end of the study (accrual + followup)"
        )
    h0 = check_positive("hazard0", hazard0)
    h1 = check_positive("hazard1", hazard1)
    s0 = math.exp(-h0 * t)
    s1 = math.exp(-h1 * t)
    if s1 < s0:
        raise DesignParameterError(
            "median1", "landmark designs test an improvement: the alternative must be better"
        )
    critical: int | None = None
    if exact:
        d = single_stage_design(s0, s1, alpha / sides, power)
        n = d.n
        n_exact = float(n)
        critical = d.r
    else:
        za = _z(alpha, sides)
        zb = float(stats.norm.isf(1.0 - power))
        n_exact = (za * math.sqrt(s0 * (1 - s0)) + zb * math.sqrt(s1 * (1 - s1))) ** 2 / (
            s1 - s0
        ) ** 2
        n = ceil_clean(n_exact)
    return SurvivalDesign(
        method="landmark-exact" if exact else "landmark",
        events=None,
        n=n,
        n_with_loss=inflate_for_loss(n, loss),
        event_probability=1.0 - s1,
        n_exact=n_exact,
        hazard0=h0,
        hazard1=h1,
        alpha=alpha,
        power=power,
        sides=sides,
        accrual=accrual,
        followup=followup,
        loss=loss,
        landmark=t,
        critical_value=critical,
    )


def survival_design(
    method: str,
    *,
    median0: float | None = None,
    median1: float | None = None,
    hazard0: float | None = None,
    hazard1: float | None = None,
    accrual: float,
    followup: float = 0.0,
    alpha: float = 0.05,
    power: float = 0.8,
    sides: int = 1,
    loss: float = 0.0,
    landmark: float | None = None,
) -> SurvivalDesign:
    """Dispatch on ``method`` (one of ``METHODS``) with medians or hazards as inputs."""
    h0, h1 = hazards_from(median0=median0, median1=median1, hazard0=hazard0, hazard1=hazard1)
    common = {
        "accrual": accrual,
        "followup": followup,
        "alpha": alpha,
        "power": power,
        "sides": sides,
        "loss": loss,
    }
    if method == "exponential":
        return exponential_design(h0, h1, **common)  # type: ignore[arg-type]
    if method in ("fms", "wu"):
        return one_sample_logrank_design(h0, h1, variance=method, **common)  # type: ignore[arg-type]
    if method in ("landmark", "landmark-exact"):
        if landmark is None:
            raise DesignParameterError("landmark", "is required for landmark designs")
        return landmark_design(
            h0,
            h1,
            landmark=landmark,
            exact=method == "landmark-exact",
            **common,  # type: ignore[arg-type]
        )
    raise DesignParameterError("method", f"must be one of {', '.join(METHODS)}, got {method!r}")
