"""Simon two-stage designs against Simon (1989), Controlled Clinical Trials 10:1-10.

Rows are (p0, p1, alpha, power) -> optimal (r1, n1, r, n) and minimax (r1, n1, r, n),
as printed in Simon's Table 1 (alpha 0.05; power 0.80 and 0.90).
"""

from __future__ import annotations

from math import comb

import pytest

from oncotrial.domain.design import SearchLimitError, simon_designs
from oncotrial.domain.design.errors import DesignParameterError

TABLE = [
    # p0, p1, alpha, power, optimal, minimax
    (0.05, 0.25, 0.05, 0.80, (0, 9, 2, 17), (0, 12, 2, 16)),
    (0.05, 0.25, 0.05, 0.90, (0, 9, 3, 30), (0, 15, 3, 25)),
    (0.10, 0.30, 0.05, 0.80, (1, 10, 5, 29), (1, 15, 5, 25)),
    (0.10, 0.30, 0.05, 0.90, (2, 18, 6, 35), (2, 22, 6, 33)),
    (0.20, 0.40, 0.05, 0.80, (3, 13, 12, 43), (4, 18, 10, 33)),
    (0.20, 0.40, 0.05, 0.90, (4, 19, 15, 54), (5, 24, 13, 45)),
    (0.30, 0.50, 0.05, 0.80, (5, 15, 18, 46), (6, 19, 16, 39)),
    (0.30, 0.50, 0.05, 0.90, (8, 24, 24, 63), (7, 24, 21, 53)),
]


def _key(d: object) -> tuple[int, int, int, int]:
    return (d.r1, d.n1, d.r, d.n)  # type: ignore[attr-defined]


@pytest.mark.parametrize(("p0", "p1", "alpha", "power", "optimal", "minimax"), TABLE)
def test_published_designs(
    p0: float,
    p1: float,
    alpha: float,
    power: float,
    optimal: tuple[int, int, int, int],
    minimax: tuple[int, int, int, int],
) -> None:
    res = simon_designs(p0, p1, alpha, power)
    assert _key(res.optimal) == optimal
    assert _key(res.minimax) == minimax
    assert res.complete
    for d in (res.optimal, res.minimax):
        assert d.alpha <= alpha
        assert d.power >= power
        assert d.en0 <= d.n


# EN(p0) and PET(p0) as printed (one decimal / two or three decimals).
@pytest.mark.parametrize(
    ("p0", "p1", "power", "which", "en0", "pet0", "places"),
    [
        (0.05, 0.25, 0.80, "optimal", 11.96, 0.630, 2),
        (0.10, 0.30, 0.80, "optimal", 15.01, 0.736, 2),
        (0.05, 0.25, 0.90, "optimal", 16.8, 0.63, 1),
        (0.05, 0.25, 0.90, "minimax", 20.4, 0.46, 1),
        (0.10, 0.30, 0.90, "optimal", 22.5, 0.73, 1),
        (0.20, 0.40, 0.80, "optimal", 20.6, 0.75, 1),
        (0.20, 0.40, 0.80, "minimax", 22.3, 0.72, 1),
        (0.20, 0.40, 0.90, "optimal", 30.4, 0.67, 1),
        (0.20, 0.40, 0.90, "minimax", 31.2, 0.66, 1),
        (0.30, 0.50, 0.80, "optimal", 23.6, 0.72, 1),
        (0.30, 0.50, 0.80, "minimax", 25.7, 0.67, 1),
        (0.30, 0.50, 0.90, "optimal", 34.7, 0.73, 1),
        (0.30, 0.50, 0.90, "minimax", 36.6, 0.56, 1),
    ],
)
def test_published_en_and_pet(
    p0: float, p1: float, power: float, which: str, en0: float, pet0: float, places: int
) -> None:
    d = getattr(simon_designs(p0, p1, 0.05, power), which)
    assert round(d.en0, places) == pytest.approx(en0)
    pet_places = 3 if places == 2 else 2
    assert round(d.pet0, pet_places) == pytest.approx(pet0)


def test_no_silent_truncation_at_100() -> None:
    """p0 0.30, p1 0.45, alpha 0.05, power 0.90: the optimal design needs n > 100.

    A search that stops at n = 100 (clinfun's default nmax) returns a different and
    worse "optimal" design without saying so.
    """
    full = simon_designs(0.30, 0.45, 0.05, 0.90)
    assert full.complete
    assert full.optimal.n > 100
    assert full.minimax.n <= 100
    cut = simon_designs(0.30, 0.45, 0.05, 0.90, nmax=100)
    assert not cut.complete
    assert cut.optimal.n <= 100
    assert cut.optimal.en0 > full.optimal.en0
    assert _key(cut.minimax) == _key(full.minimax)
    # Operating characteristics of the unrestricted optimum hold.
    assert full.optimal.alpha <= 0.05
    assert full.optimal.power >= 0.90


def test_limit_reached_without_any_design_is_an_error() -> None:
    with pytest.raises(SearchLimitError, match="nmax"):
        simon_designs(0.30, 0.45, 0.05, 0.90, nmax=50)


def test_limit_that_covers_the_optimum_is_complete() -> None:
    res = simon_designs(0.10, 0.30, 0.05, 0.80, nmax=60)
    assert res.complete
    assert _key(res.optimal) == (1, 10, 5, 29)


def _pmf(k: int, m: int, p: float) -> float:
    return comb(m, k) * p**k * (1 - p) ** (m - k)


def _reject(r1: int, n1: int, r: int, n: int, p: float) -> float:
    total = 0.0
    for x1 in range(r1 + 1, n1 + 1):
        tail = sum(_pmf(x2, n - n1, p) for x2 in range(max(r - x1 + 1, 0), n - n1 + 1))
        total += _pmf(x1, n1, p) * tail
    return total


def test_matches_brute_force_enumeration() -> None:
    """Independent enumeration of every (r1, n1, r, n) with n <= 20 for 0.05 vs 0.25."""
    p0, p1, alpha, power = 0.05, 0.25, 0.05, 0.80
    feasible = []
    for n in range(2, 21):
        for n1 in range(1, n):
            for r1 in range(n1):
                for r in range(r1, n):
                    if _reject(r1, n1, r, n, p0) <= alpha and _reject(r1, n1, r, n, p1) >= power:
                        pet = sum(_pmf(x, n1, p0) for x in range(r1 + 1))
                        feasible.append((n1 + (1 - pet) * (n - n1), n, n1, r1, r))
                        break  # larger r only lowers the power
    best = min(feasible)
    smallest_n = min(f[1] for f in feasible)
    mini = min(f for f in feasible if f[1] == smallest_n)
    res = simon_designs(p0, p1, alpha, power)
    assert (res.optimal.n, res.optimal.n1, res.optimal.r1, res.optimal.r) == best[1:]
    assert res.optimal.en0 == pytest.approx(best[0], abs=1e-9)
    assert (res.minimax.n, res.minimax.n1, res.minimax.r1, res.minimax.r) == mini[1:]


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"p0": 0.3, "p1": 0.2}, "p1"),
        ({"p0": 0.3, "p1": 0.3}, "p1"),
        ({"p0": 0.0, "p1": 0.2}, "p0"),
        ({"p0": 0.1, "p1": 1.0}, "p1"),
        ({"p0": 0.1, "p1": 0.3, "alpha": 0.5}, "alpha"),
        ({"p0": 0.1, "p1": 0.3, "alpha": 0.0}, "alpha"),
        ({"p0": 0.1, "p1": 0.3, "power": 0.5}, "power"),
        ({"p0": 0.1, "p1": 0.3, "power": 1.0}, "power"),
    ],
)
def test_bad_parameters_are_named(kwargs: dict[str, float], name: str) -> None:
    with pytest.raises(DesignParameterError) as info:
        simon_designs(**kwargs)
    assert info.value.parameter == name
    assert str(info.value).startswith(name)
