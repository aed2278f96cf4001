"""One entry point for protocol validation: a method name and its parameters."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from oncotrial.domain.design.binomial import single_stage_design
from oncotrial.domain.design.errors import DesignParameterError, inflate_for_loss
from oncotrial.domain.design.simon import simon_designs
from oncotrial.domain.design.survival import survival_design

SAMPLE_SIZE_METHODS = (
    "simon-optimal",
    "simon-minimax",
    "binomial",
    "survival-exponential",
    "survival-fms",
    "survival-wu",
    "survival-landmark",
    "survival-landmark-exact",
)

_ALLOWED: dict[str, frozenset[str]] = {
    "binary": frozenset({"p0", "p1", "alpha", "power", "loss"}),
    "survival": frozenset(
        {
            "median0",
            "median1",
            "hazard0",
            "hazard1",
            "accrual",
            "followup",
            "alpha",
            "power",
            "sides",
            "loss",
            "landmark",
        }
    ),
}


@dataclass(frozen=True)
class SampleSizeResult:
    method: str
    n: int
    """Patients to enrol, including the inflation for loss to follow-up."""
    events: int | None
    summary: str
    n_before_loss: int


def _number(params: Mapping[str, float | int | str], key: str) -> float | None:
    if key not in params:
        return None
    value = params[key]
    if isinstance(value, bool):
        raise DesignParameterError(key, f"must be a number, got {value!r}")
    if isinstance(value, str):
        text = value.strip().rstrip("%")
        try:
            number = float(text)
        except ValueError:
            raise DesignParameterError(key, f"must be a number, got {value!r}") from None
        if value.strip().endswith("%"):
            number /= 100.0
        return number
    if not isinstance(value, int | float) or not math.isfinite(value):
        raise DesignParameterError(key, f"must be a finite number, got {value!r}")
    return float(value)


def _required(params: Mapping[str, float | int | str], key: str) -> float:
    value = _number(params, key)
    if value is None:
        raise DesignParameterError(key, "is required")
    return value


def _integer(params: Mapping[str, float | int | str], key: str, default: int) -> int:
    value = _number(params, key)
    if value is None:
        return default
    if value != int(value):
        raise DesignParameterError(key, f"must be an integer, got {params[key]!r}")
    return int(value)


def compute_sample_size(
    method: str, parameters: Mapping[str, float | int | str]
) -> SampleSizeResult:
    """Sample size of a design given by name, as a protocol file states it.

    ``parameters`` use the CLI option names with underscores (p0, p1, alpha, power,
    median0, median1, hazard0, hazard1, accrual, followup, sides, loss, landmark; times
    in months).  Unknown keys and bad values raise ``ValueError`` naming the key.
    """
    if method not in SAMPLE_SIZE_METHODS:
        raise DesignParameterError(
            "method", f"must be one of {', '.join(SAMPLE_SIZE_METHODS)}, got {method!r}"
        )
    family = "survival" if method.startswith("survival-") else "binary"
    unknown = sorted(set(parameters) - _ALLOWED[family])
    if unknown:
        raise DesignParameterError(
            unknown[0], f"is not a parameter of {method} (allowed: {sorted(_ALLOWED[family])})"
        )
    alpha = _number(parameters, "alpha")
    power = _number(parameters, "power")
    loss = _number(parameters, "loss") or 0.0
    alpha = 0.05 if alpha is None else alpha
    power = 0.8 if power is None else power

    if family == "binary":
        p0 = _required(parameters, "p0")
        p1 = _required(parameters, "p1")
        if method == "binomial":
            d = single_stage_design(p0, p1, alpha, power)
            n_total = inflate_for_loss(d.n, loss)
            text = (
                f"exact single-stage binomial (A'Hern): p0 {p0:g} vs p1 {p1:g}, alpha {alpha:g},"
                f" power {power:g}: n = {d.n}, reject H0 if responses > {d.r}"
            )
            return SampleSizeResult(
                method, n_total, None, _with_loss(text, d.n, n_total, loss), d.n
            )
        res = simon_designs(p0, p1, alpha, power)
        s = res.optimal if method == "simon-optimal" else res.minimax
        n_total = inflate_for_loss(s.n, loss)
        kind = "optimal" if method == "simon-optimal" else "minimax"
        text = (
            f"Simon two-stage {kind}: p0 {p0:g} vs p1 {p1:g}, alpha {alpha:g}, power {power:g}:"
            f" stop if <= {s.r1}/{s.n1}, reject H0 if > {s.r}/{s.n}"
            f" (EN0 {s.en0:.2f}, PET0 {s.pet0:.3f})"
        )
        return SampleSizeResult(method, n_total, None, _with_loss(text, s.n, n_total, loss), s.n)

    sub = method.removeprefix("survival-")
    accrual = _required(parameters, "accrual")
    d2 = survival_design(
        sub,
        median0=_number(parameters, "median0"),
        median1=_number(parameters, "median1"),
        hazard0=_number(parameters, "hazard0"),
        hazard1=_number(parameters, "hazard1"),
        accrual=accrual,
        followup=_number(parameters, "followup") or 0.0,
        alpha=alpha,
        power=power,
        sides=_integer(parameters, "sides", 1),
        loss=loss,
        landmark=_number(parameters, "landmark"),
    )
    where = f"{d2.landmark:g}" if d2.landmark is not None else "?"
    label = {
        "exponential": "exponential hazard test",
        "fms": "one-sample log-rank (Finkelstein et al. 2003)",
        "wu": "one-sample log-rank (Wu 2015)",
        "landmark": f"survival at {where} months, normal approximation",
        "landmark-exact": f"survival at {where} months, exact binomial",
    }[sub]
    events = "" if d2.events is None else f", {d2.events} events"
    text = (
        f"{label}: hazard {d2.hazard0:.4g} vs {d2.hazard1:.4g}/month, accrual {d2.accrual:g}"
        f" + follow-up {d2.followup:g} months, {d2.sides}-sided alpha {d2.alpha:g},"
        f" power {d2.power:g}: n = {d2.n}{events}"
    )
    return SampleSizeResult(
        method, d2.n_with_loss, d2.events, _with_loss(text, d2.n, d2.n_with_loss, loss), d2.n
    )


def _with_loss(text: str, n: int, n_total: int, loss: float) -> str:
    if loss:
        return f"{text}; {n_total} to enrol allowing {loss:.0%} loss"
    return text
