"""Descriptive endpoints: the observations captured for the endpoint's assessment."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from oncotrial.domain.endpoints.inputs import Observation
from oncotrial.domain.endpoints.rows import DescriptiveResult


def derive(observations: Sequence[Observation], cutoff: dt.date | None) -> DescriptiveResult:
    kept = sorted(
        (o for o in observations if cutoff is None or o.date <= cutoff), key=lambda o: o.date
    )
    return DescriptiveResult(
        observations=len(kept),
        first_date=kept[0].date if kept else None,
        last_date=kept[-1].date if kept else None,
        values=tuple("" if o.value is None else str(o.value) for o in kept),
    )
