"""Errors raised by the design calculators and the checks that raise them."""

from __future__ import annotations

import math


class DesignParameterError(ValueError):
    """A design parameter is out of range; ``parameter`` names it (CLI spelling, underscores)."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(f"{parameter}: {message}")
        self.parameter = parameter
        self.detail = message


class SearchLimitError(DesignParameterError):
    """No design exists within the search limit the caller gave."""


def check_finite(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DesignParameterError(name, f"must be a number, got {value!r}")
    if not math.isfinite(value):
        raise DesignParameterError(name, f"must be finite, got {value!r}")
    return float(value)


def check_open_unit(name: str, value: float) -> float:
    """A probability strictly between 0 and 1."""
    v = check_finite(name, value)
    if not 0.0 < v < 1.0:
        raise DesignParameterError(name, f"must be strictly between 0 and 1, got {value!r}")
    return v


def check_alpha(value: float, name: str = "alpha") -> float:
    v = check_finite(name, value)
    if not 0.0 < v < 0.5:
        raise DesignParameterError(name, f"must be in (0, 0.5), got {value!r}")
    return v


def check_power(value: float, name: str = "power") -> float:
    v = check_finite(name, value)
    if not 0.5 < v < 1.0:
        raise DesignParameterError(name, f"must be in (0.5, 1), got {value!r}")
    return v


def check_rates(p0: float, p1: float) -> tuple[float, float]:
    a = check_open_unit("p0", p0)
    b = check_open_unit("p1", p1)
    if b <= a:
        raise DesignParameterError("p1", f"must be greater than p0 ({a!r}), got {p1!r}")
    return a, b


def check_sides(value: int) -> int:
    if value not in (1, 2):
        raise DesignParameterError("sides", f"must be 1 or 2, got {value!r}")
    return int(value)


def check_loss(value: float) -> float:
    v = check_finite("loss", value)
    if not 0.0 <= v < 1.0:
        raise DesignParameterError("loss", f"must be in [0, 1), got {value!r}")
    return v


def check_nonnegative(name: str, value: float) -> float:
    v = check_finite(name, value)
    if v < 0:
        raise DesignParameterError(name, f"must not be negative, got {value!r}")
    return v


def check_positive(name: str, value: float) -> float:
    v = check_finite(name, value)
    if v <= 0:
        raise DesignParameterError(name, f"must be positive, got {value!r}")
    return v


def inflate_for_loss(n: int, loss: float) -> int:
    """Enrolment needed so that ``n`` remain evaluable when a fraction ``loss`` is lost.

    ``ceil(n / (1 - loss))``, computed so that exact ratios are not pushed up by
    floating-point noise (36 / (1 - 0.1) must stay 40).
    """
    loss = check_loss(loss)
    if loss == 0.0:
        return n
    raw = n / (1.0 - loss)
    nearest = round(raw)
    if abs(raw - nearest) < 1e-9 * max(1.0, raw):
        return int(nearest)
    return math.ceil(raw)


def ceil_clean(x: float) -> int:
    """``ceil`` that ignores floating-point noise just above an integer."""
    nearest = round(x)
    if abs(x - nearest) < 1e-9 * max(1.0, abs(x)):
        return int(nearest)
    return math.ceil(x)
