"""Checked time-to-event input: times, event indicators and group labels as numpy arrays."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import stats

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

ConfType = Literal["log-log", "log", "plain"]
CONF_TYPES: tuple[ConfType, ...] = ("log-log", "log", "plain")


class SurvivalDataError(ValueError):
    """Time-to-event input that cannot be analysed; ``field`` names the argument at fault."""

    def __init__(self, field: str, message: str, index: int | None = None) -> None:
        where = f"{field}[{index}]" if index is not None else field
        super().__init__(f"{where}: {message}")
        self.field = field
        self.detail = message
        self.index = index
        """Position of the first offending value, when one value is at fault."""


@dataclass(frozen=True, eq=False)
class SurvivalData:
    """Survival times (>= 0, finite) and event indicators (True = event, False = censored)."""

    time: FloatArray
    event: BoolArray

    def __len__(self) -> int:
        return int(self.time.size)


def survival_data(
    time: Sequence[float] | FloatArray, event: Sequence[int] | npt.ArrayLike
) -> SurvivalData:
    """Check and convert times and event indicators (0/1 or booleans) of equal length."""
    try:
        t = np.asarray(time, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise SurvivalDataError("time", "must be numbers") from exc
    try:
        e_raw = np.asarray(event, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise SurvivalDataError("event", "must be 0 (censored) or 1 (event)") from exc
    if t.ndim != 1 or e_raw.ndim != 1:
        raise SurvivalDataError("time", "time and event must be one-dimensional")
    if t.size != e_raw.size:
        raise SurvivalDataError(
            "event", f"has {e_raw.size} values but time has {t.size}; they must pair up"
        )
    if t.size == 0:
        raise SurvivalDataError("time", "no subjects to analyse")
    bad = np.flatnonzero(~np.isfinite(t))
    if bad.size:
        i = int(bad[0])
        raise SurvivalDataError("time", f"must be a finite number, got {t[i]!r}", i)
    bad = np.flatnonzero(t < 0)
    if bad.size:
        i = int(bad[0])
        raise SurvivalDataError("time", f"must not be negative, got {t[i]:g}", i)
    bad = np.flatnonzero((e_raw != 0) & (e_raw != 1))
    if bad.size:
        i = int(bad[0])
        raise SurvivalDataError("event", f"must be 0 (censored) or 1 (event), got {e_raw[i]!r}", i)
    return SurvivalData(time=t, event=e_raw == 1)


def group_codes(
    group: Sequence[str], size: int, order: Sequence[str] | None = None
) -> tuple[list[str], IntArray]:
    """Group labels in reporting order and the index of each subject's group.

    Without ``order`` the labels are sorted like R sorts factor levels: numerically when
    every label is a number, otherwise as text.
    """
    labels = [str(g) for g in group]
    if len(labels) != size:
        raise SurvivalDataError(
            "group", f"has {len(labels)} values but time has {size}; they must pair up"
        )
    present = set(labels)
    if order is None:
        levels = sorted(present, key=_level_key(present))
    else:
        levels = [str(x) for x in order]
        missing = present - set(levels)
        if missing:
            raise SurvivalDataError("group", f"labels not in the given order: {sorted(missing)}")
        levels = [x for x in levels if x in present]
    index = {name: i for i, name in enumerate(levels)}
    codes = np.fromiter((index[g] for g in labels), dtype=np.int64, count=size)
    return levels, codes


def _level_key(labels: set[str]) -> Callable[[str], tuple[float, str]]:
    def as_number(s: str) -> float | None:
        try:
            v = float(s)
        except ValueError:
            return None
        return v if math.isfinite(v) else None

    if labels and all(as_number(s) is not None for s in labels):
        return lambda s: (as_number(s) or 0.0, s)
    return lambda s: (0.0, s)


def z_value(conf_level: float) -> float:
    """Two-sided normal quantile for a confidence level, e.g. 1.959964 for 0.95."""
    if (
        isinstance(conf_level, bool)
        or not isinstance(conf_level, int | float)
        or not 0.0 < conf_level < 1.0
    ):
        raise SurvivalDataError("conf_level", f"must be between 0 and 1, got {conf_level!r}")
    return float(stats.norm.ppf(1.0 - (1.0 - conf_level) / 2.0))


def check_conf_type(conf_type: str) -> ConfType:
    for known in CONF_TYPES:
        if conf_type == known:
            return known
    raise SurvivalDataError(
        "conf_type", f"must be one of {', '.join(CONF_TYPES)}, got {conf_type!r}"
    )
