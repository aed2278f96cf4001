"""Derive every endpoint of a protocol for a list of subjects."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import replace

from oncotrial.domain.endpoints import descriptive, markers, response, safety, survival, tumour
from oncotrial.domain.endpoints.errors import UnsupportedEndpoint
from oncotrial.domain.endpoints.inputs import SubjectRecord
from oncotrial.domain.endpoints.rows import DerivedRow
from oncotrial.domain.protocol.endpoints import (
    AdverseEvents,
    Descriptive,
    MarkerChange,
    ResponseRate,
    TimeToEvent,
)
from oncotrial.domain.protocol.model import Protocol

EndpointSpec = TimeToEvent | ResponseRate | MarkerChange | AdverseEvents | Descriptive

#: Anchors that are not the start of study treatment.
_NOT_TREATMENT = frozenset({"surgery", "enrollment", "randomization", "registration"})


def treatment_start_anchor(protocol: Protocol) -> str:
    """The anchor that starts study treatment, used by response, marker and AE endpoints.

    The start of the first time-to-event endpoint counting progression, else of the first
    one not anchored at surgery/enrolment, else ``first_dose``.
    """
    tte = [
        e
        for e in protocol.endpoints
        if isinstance(e, TimeToEvent)
        and e.measure != "dor"
        and e.start not in survival.RESPONSE_ANCHORS
    ]
    for endpoint in tte:
        if "progression" in endpoint.events and endpoint.start not in _NOT_TREATMENT:
            return endpoint.start
    for endpoint in tte:
        if endpoint.start not in _NOT_TREATMENT:
            return endpoint.start
    return "first_dose"


def check_supported(endpoint: EndpointSpec) -> None:
    """Raise :class:`UnsupportedEndpoint` for an endpoint that cannot be derived."""
    if isinstance(endpoint, TimeToEvent):
        survival.check_supported(endpoint)


def derive_endpoint(
    protocol: Protocol, endpoint: EndpointSpec, record: SubjectRecord
) -> DerivedRow:
    """One subject's row for one of the protocol's endpoints."""
    start = record.anchor(treatment_start_anchor(protocol))
    measure = endpoint.measure if isinstance(endpoint, TimeToEvent) else None
    row = DerivedRow(
        subject_id=record.subject_id,
        arm=record.arm,
        site=record.site,
        endpoint_id=endpoint.id,
        kind=endpoint.kind,
        measure=measure,
        evaluable=True,
    )
    never_treated = f"no {treatment_start_anchor(protocol)} date: never treated"

    if isinstance(endpoint, TimeToEvent):
        try:
            from_response = endpoint.measure == "dor" or endpoint.start in survival.RESPONSE_ANCHORS
            result, notes = survival.derive(
                endpoint,
                record,
                response_start=_response_start(protocol, record, start) if from_response else None,
            )
        except survival.NotEvaluable as exc:
            return replace(row, evaluable=False, reason=str(exc))
        return replace(row, survival=result, notes=notes)

    if isinstance(endpoint, ResponseRate):
        outcome = response.derive(endpoint, record, start, protocol)
        reason = None
        if start is None:
            reason = never_treated
        elif record.evaluable_for_response is False:
            reason = "not evaluable for response: counted as a non-responder in the ITT rate"
        elif not outcome.evaluable:
            reason = "no post-baseline tumour assessment: non-responder (NE)"
        return replace(row, evaluable=outcome.evaluable, reason=reason, response=outcome)

    if isinstance(endpoint, MarkerChange):
        if start is None:
            return replace(row, evaluable=False, reason=never_treated)
        try:
            marker = markers.derive(
                record.markers.get(endpoint.assessment, ()), start, record.data_cutoff
            )
        except markers.NoBaseline as exc:
            return replace(row, evaluable=False, reason=f"{endpoint.assessment}: {exc}")
        return replace(row, marker=marker)

    if isinstance(endpoint, AdverseEvents):
        if not record.treated:
            return replace(
                row, evaluable=False, reason="not treated: outside the safety population"
            )
        return replace(row, safety=safety.derive(endpoint, record, start))

    if isinstance(endpoint, Descriptive):
        found = record.observations.get(endpoint.assessment or endpoint.id, ())
        return replace(row, descriptive=descriptive.derive(found, record.data_cutoff))

    raise UnsupportedEndpoint(f"endpoint {endpoint.id}: kind {endpoint.kind} is not supported")


def derive_all(protocol: Protocol, records: Iterable[SubjectRecord]) -> list[DerivedRow]:
    """Every endpoint of ``protocol`` for every subject: subject by subject, in protocol order.

    Raises :class:`UnsupportedEndpoint` before deriving anything if an endpoint cannot be
    derived.
    """
    for endpoint in protocol.endpoints:
        check_supported(endpoint)
    return [
        derive_endpoint(protocol, endpoint, record)
        for record in records
        for endpoint in protocol.endpoints
    ]


def ae_incidence(
    protocol: Protocol, endpoint: AdverseEvents, records: Sequence[SubjectRecord]
) -> safety.IncidenceTables:
    """Study-level AE incidence tables (all, related, serious) for ``endpoint``."""
    anchor = treatment_start_anchor(protocol)
    return safety.incidence_tables(endpoint, [(r, r.anchor(anchor)) for r in records])


def _response_start(
    protocol: Protocol, record: SubjectRecord, start: dt.date | None
) -> dt.date | None:
    if start is None:
        return None
    settings = protocol.tumour_response
    criteria = settings.criteria if settings else tumour.criteria_of(record.tumour_assessments)
    confirmation = settings.confirmation if settings else True
    return response.first_response(record, start, criteria=criteria, confirmation=confirmation)
