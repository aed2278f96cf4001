"""The protocol: one study, as written in a protocol file."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from oncotrial.domain.protocol.base import Identifier, Strict
from oncotrial.domain.protocol.design import Design
from oncotrial.domain.protocol.eligibility import Eligibility
from oncotrial.domain.protocol.endpoints import CtcaeVersion, Endpoint, ResponseCriteria
from oncotrial.domain.protocol.forms import Form
from oncotrial.domain.protocol.identification import Identification
from oncotrial.domain.protocol.sample_size import SampleSize
from oncotrial.domain.protocol.schedule import Schedule

FORMAT_VERSION: Literal[1] = 1


class Safety(Strict):
    ctcae_version: CtcaeVersion
    sae_initial_report_hours: int = Field(default=24, ge=1)
    sae_follow_up_days: int | None = Field(default=None, ge=1)


class TumourResponse(Strict):
    """How tumour assessments are evaluated in this study."""

    criteria: ResponseCriteria
    confirmation: bool = True
    min_sd_days: int = Field(default=42, ge=0)
    assessment: Identifier | None = None
    """The schedule assessment that captures tumour imaging."""


class ConsentSpec(Strict):
    """The informed consent form that goes with this protocol version."""

    form_version: str = Field(min_length=1)
    reconsent_required: bool = False
    """True when subjects consented under an earlier protocol version must consent again."""


class Assumption(Strict):
    """A gap in the source protocol filled with usual practice, recorded as such."""

    path: str = Field(min_length=1)
    """Dotted path of what was assumed (e.g. `eligibility.inclusion`)."""
    note: str = Field(min_length=1)


class Site(Strict):
    """A place where the study enrols participants (a registry location)."""

    id: Identifier
    name: str = Field(min_length=1)
    city: str | None = None
    country: str | None = None


class Protocol(Strict):
    format: Literal[1] = FORMAT_VERSION
    id: Identifier
    """Short key of the study, unique in an installation (e.g. sirolimus_pdac)."""
    version: str = Field(min_length=1)
    version_date: dt.date | None = None
    identification: Identification
    summary: str | None = None
    design: Design
    eligibility: Eligibility
    schedule: Schedule
    tumour_response: TumourResponse | None = None
    safety: Safety
    consent: ConsentSpec | None = None
    endpoints: list[Endpoint] = Field(min_length=1)
    sample_size: SampleSize | None = None
    forms: list[Form] = []
    sites: list[Site] = []
    assumptions: list[Assumption] = []
    source: str | None = None
    """Where the protocol came from (registry record, protocol document and version)."""
