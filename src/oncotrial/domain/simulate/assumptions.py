"""What a simulation takes from a protocol: the survival it was designed for, how long
accrual lasts, the expected loss to follow-up, the response criteria."""

from __future__ import annotations

import math
from dataclasses import dataclass

from oncotrial.domain.protocol import Protocol

DAYS_PER_MONTH = 365.25 / 12

DEFAULT_MEDIAN_OS_MONTHS = 14.0
"""Used when the protocol states no survival assumption (descriptive designs): a median
overall survival typical of the advanced cancers of the seed trials."""
PFS_OVER_OS = 0.5
"""Median progression-free survival as a fraction of the median overall survival."""
DEFAULT_ACCRUAL_MONTHS = 24.0
DEFAULT_LOSS = 0.05
SCREEN_FAILURE_RATE = 0.2
WITHDRAWAL_RATE = 0.05


@dataclass(frozen=True)
class Assumptions:
    median_os_months: float
    median_pfs_months: float
    accrual_months: float
    loss: float
    criteria: str
    """"RECIST 1.1" or "iRECIST"."""
    target: int | None
    source: str
    """Where the survival assumption comes from, in words."""

    @property
    def os_rate_per_day(self) -> float:
        return math.log(2) / (self.median_os_months * DAYS_PER_MONTH)

    @property
    def pfs_rate_per_day(self) -> float:
        return math.log(2) / (self.median_pfs_months * DAYS_PER_MONTH)


def _number(parameters: dict[str, float | int | str], name: str) -> float | None:
    value = parameters.get(name)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        return float(value)
    return None


def assumptions_of(protocol: Protocol) -> Assumptions:
    """The design assumptions of `protocol`: under the alternative hypothesis where the
    sample size names a median survival (`median1`), else the defaults above; accrual from
    `sample_size.parameters.accrual` (months), else the study's start and completion
    dates, else 24 months; loss to follow-up from `parameters.loss`."""
    size = protocol.sample_size
    parameters = dict(size.parameters) if size is not None else {}
    median = _number(parameters, "median1")
    source = "sample_size.parameters.median1" if median else "default"
    median = median or DEFAULT_MEDIAN_OS_MONTHS
    accrual = _number(parameters, "accrual")
    dates = protocol.identification.dates
    if accrual is None and dates.start is not None and dates.completion is not None:
        accrual = max((dates.completion - dates.start).days / DAYS_PER_MONTH, 3.0)
    loss = _number(parameters, "loss")
    criteria = protocol.tumour_response.criteria if protocol.tumour_response else "RECIST 1.1"
    return Assumptions(
        median_os_months=median,
        median_pfs_months=median * PFS_OVER_OS,
        accrual_months=accrual or DEFAULT_ACCRUAL_MONTHS,
        loss=loss if loss is not None and loss < 1 else DEFAULT_LOSS,
        criteria=str(criteria),
        target=size.target if size is not None else None,
        source=source,
    )
