"""Input models for the tumour response engine (pydantic v2).

These models check the *shape* of a patient record (types, known fields, allowed
status words). Clinical consistency — measurability at baseline, lesion ids that
match the baseline, dates in order — is checked in :mod:`.validation`, so that every
problem can be reported at once with its lesion id and assessment date.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Criteria = Literal["RECIST 1.1", "iRECIST"]
NonTargetStatus = Literal["present", "absent", "unequivocal_progression", "not_evaluated"]
TargetSize = float | Literal["too_small"] | None


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class TargetIn(_Model):
    """A target lesion measurement: longest diameter, or short axis for a node (mm).

    ``mm`` is a number, ``"too_small"`` (too small to measure, counted as 5 mm) or
    ``None`` (not assessed at this time point). ``organ`` and ``nodal`` are required at
    baseline and may be omitted at follow-up (they must not change).
    """

    id: str = Field(min_length=1)
    organ: str | None = None
    nodal: bool | None = None
    mm: TargetSize = None
    slice_thickness_mm: float | None = None


class NonTargetIn(_Model):
    """A non-target lesion and its qualitative status at one assessment.

    ``increased_since_last`` is only read by iRECIST: after iUPD, any further increase
    of non-target disease confirms progression (iCPD) even when not unequivocal.
    ``mm`` is optional; for a node at baseline it is checked against the 10 mm limit.
    """

    id: str = Field(min_length=1)
    organ: str | None = None
    nodal: bool | None = None
    status: NonTargetStatus
    mm: float | None = None
    increased_since_last: bool | None = None


class NewLesionIn(_Model):
    """A lesion not present at baseline. Listing it with ``mm == 0`` means it resolved.

    ``equivocal`` lesions do not count until a later assessment reports the same id as
    unequivocal; progression is then dated at the first observation.
    """

    id: str = Field(min_length=1)
    organ: str | None = None
    nodal: bool = False
    mm: float | None = None
    equivocal: bool = False
    increased_since_last: bool | None = None


class AssessmentIn(_Model):
    """One tumour assessment (imaging time point). The first one is the baseline."""

    date: dt.date
    targets: list[TargetIn] = Field(default_factory=list)
    non_targets: list[NonTargetIn] = Field(default_factory=list)
    new_lesions: list[NewLesionIn] = Field(default_factory=list)
    markers_normal: bool | None = None


class PatientIn(_Model):
    """One patient's tumour assessments and the protocol settings that apply to them.

    ``start_date`` (treatment start) defaults to the baseline date; ``min_sd_days`` is
    the protocol's minimum interval from start for stable disease to count as best
    response (0 = no minimum); ``confirmation`` requires CR/PR to be confirmed.
    """

    criteria: Criteria = "RECIST 1.1"
    confirmation: bool = True
    min_sd_days: int = Field(default=0, ge=0)
    start_date: dt.date | None = None
    patient_id: str | None = None
    assessments: list[AssessmentIn] = Field(min_length=1)
