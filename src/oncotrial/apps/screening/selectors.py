"""Read queries for screening, always scoped to the sites the user may see.

A candidate of a site the user does not belong to is not in any queryset returned here,
so looking one up by number raises `Candidate.DoesNotExist` (a 404 for views and API).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from oncotrial.apps.accounts import selectors as access
from oncotrial.apps.accounts.models import Site
from oncotrial.apps.screening.models import Attestation, Candidate, Consent, EligibilityConfirmation
from oncotrial.apps.studies.models import ProtocolVersion, Study
from oncotrial.apps.studies.selectors import current_version, protocol_of
from oncotrial.domain.eligibility import Measurement
from oncotrial.domain.permissions import Action
from oncotrial.domain.protocol import Protocol


def candidates_for(user: Any, study: Study) -> QuerySet[Candidate]:
    """The study's candidates at the sites where the user may see subjects."""
    sites = access.sites_for(user, study, Action.VIEW_SUBJECTS)
    return (
        Candidate.objects.filter(study=study, site__in=sites)
        .select_related("site", "protocol_version", "study")
        .order_by("site__code", "screening_number")
    )


def get_candidate(user: Any, study: Study, number: str) -> Candidate:
    """The candidate `number` if the user may see it; raises Candidate.DoesNotExist."""
    return candidates_for(user, study).get(screening_number=number)


def may_see_phi(user: Any, candidate: Candidate) -> bool:
    return access.can(user, candidate.study, Action.VIEW_PHI, candidate.site)


def candidate_protocol(candidate: Candidate) -> Protocol:
    """The protocol the candidate is screened under."""
    return protocol_of(candidate.protocol_version)


def stored_values(candidate: Candidate) -> dict[str, Measurement]:
    """The candidate's screening values as measurements (dates as dates)."""
    out: dict[str, Measurement] = {}
    variables = _variable_types(candidate)
    for row in candidate.values.all():
        value = row.value
        if variables.get(row.variable) == "date" and isinstance(value, str):
            with contextlib.suppress(ValueError):
                value = dt.date.fromisoformat(value)
        out[row.variable] = Measurement(value, row.unit or None)
    return out


def _variable_types(candidate: Candidate) -> dict[str, str]:
    from oncotrial.domain.eligibility import protocol_variables

    return {k: v.type for k, v in protocol_variables(candidate_protocol(candidate)).items()}


def derived_values(candidate: Candidate) -> dict[str, Measurement]:
    """Values that follow from the registration details (age from the date of birth at
    the screening date, sex) when they were not entered as screening values."""
    out: dict[str, Measurement] = {}
    if candidate.date_of_birth is not None:
        born, on = candidate.date_of_birth, candidate.screening_date
        years = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
        out["age"] = Measurement(years, "years")
    if candidate.sex:
        out["sex"] = Measurement(candidate.sex)
    return out


def attestations_of(candidate: Candidate) -> dict[str, bool]:
    """criterion id → satisfied (inclusion met / exclusion does not apply)."""
    return {a.criterion_id: a.satisfied for a in candidate.attestations.all()}


def active_confirmation(candidate: Candidate) -> EligibilityConfirmation | None:
    return candidate.confirmations.filter(revoked_at__isnull=True).first()


def latest_consent(candidate: Candidate) -> Consent | None:
    return (
        candidate.consents.filter(withdrawn_at__isnull=True)
        .select_related("protocol_version", "obtained_by")
        .order_by("-consented_at", "-pk")
        .first()
    )


@dataclass(frozen=True)
class ConsentState:
    valid: bool
    message: str
    consent: Consent | None = None


def consent_state(candidate: Candidate, current: ProtocolVersion | None = None) -> ConsentState:
    """Whether the candidate's newest consent covers the study's current protocol version.

    Re-consent is needed when a protocol version later than the one consented to (up to
    and including `current`) says ``consent.reconsent_required``.
    """
    consent = latest_consent(candidate)
    if consent is None:
        return ConsentState(False, "no consent recorded")
    current = current or current_version(candidate.study)
    if current is None or consent.protocol_version.sequence >= current.sequence:
        return ConsentState(True, f"consent form {consent.form_version}", consent)
    later = ProtocolVersion.objects.filter(
        study=candidate.study,
        sequence__gt=consent.protocol_version.sequence,
        sequence__lte=current.sequence,
    ).order_by("sequence")
    for version in later:
        spec = protocol_of(version).consent
        if spec is not None and spec.reconsent_required:
            return ConsentState(
                False,
                f"re-consent required: protocol version {version.label} needs consent form "
                f"{spec.form_version}; consent was given under version "
                f"{consent.protocol_version.label} (form {consent.form_version})",
                consent,
            )
    return ConsentState(True, f"consent form {consent.form_version}", consent)


def ready_to_enroll(candidate: Candidate) -> tuple[bool, list[str]]:
    """Whether the candidate may be enrolled, and what is still missing."""
    missing: list[str] = []
    if candidate.status != Candidate.Status.ELIGIBLE or active_confirmation(candidate) is None:
        missing.append("eligibility has not been confirmed by an investigator")
    state = consent_state(candidate)
    if not state.valid:
        missing.append(state.message)
    return (not missing, missing)


@dataclass
class LogRow:
    candidate: Candidate
    site_code: str
    screening_number: str
    screening_date: dt.date
    status: str
    status_label: str
    reasons: list[str]
    consented: bool
    confirmed: bool


@dataclass
class SiteCounts:
    site: Site
    counts: dict[str, int] = field(default_factory=dict)
    total: int = 0


@dataclass
class ScreeningLog:
    rows: list[LogRow]
    sites: list[SiteCounts]

    @property
    def totals(self) -> Mapping[str, int]:
        out: dict[str, int] = {}
        for s in self.sites:
            for k, v in s.counts.items():
                out[k] = out.get(k, 0) + v
        return out


def screening_log(user: Any, study: Study, site: Site | None = None) -> ScreeningLog:
    """Every candidate the user may see, with outcome and reasons for screen failure,
    and the counts per site."""
    candidates = candidates_for(user, study).prefetch_related("consents", "confirmations")
    if site is not None:
        candidates = candidates.filter(site=site)
    labels = dict(Candidate.Status.choices)
    rows: list[LogRow] = []
    per_site: dict[int, SiteCounts] = {}
    for s in access.sites_for(user, study, Action.VIEW_SUBJECTS).order_by("code"):
        if site is None or s.pk == site.pk:
            per_site[s.pk] = SiteCounts(s, dict.fromkeys(labels, 0))
    for c in candidates:
        reasons = []
        if c.status == Candidate.Status.SCREEN_FAILED and c.outcome_reason:
            reasons = [r.strip() for r in _split_reasons(c.outcome_reason) if r.strip()]
        rows.append(
            LogRow(
                candidate=c,
                site_code=c.site.code,
                screening_number=c.screening_number,
                screening_date=c.screening_date,
                status=c.status,
                status_label=labels.get(c.status, c.status),
                reasons=reasons,
                consented=any(x.withdrawn_at is None for x in c.consents.all()),
                confirmed=any(x.revoked_at is None for x in c.confirmations.all()),
            )
        )
        counts = per_site.setdefault(c.site_id, SiteCounts(c.site, dict.fromkeys(labels, 0)))
        counts.counts[c.status] = counts.counts.get(c.status, 0) + 1
        counts.total += 1
    return ScreeningLog(rows, list(per_site.values()))


AUTOMATIC_FAILURE_PREFIX = "Not eligible by the screening values:\n"
"""Starts the outcome reason of a screen failure set from the evaluation (one failed
criterion per following line), so that it can be lifted again when values change."""


def _split_reasons(text: str) -> list[str]:
    if text.startswith(AUTOMATIC_FAILURE_PREFIX):
        return text[len(AUTOMATIC_FAILURE_PREFIX) :].splitlines()
    return [text]


def attestation_rows(candidate: Candidate) -> list[Attestation]:
    return list(candidate.attestations.select_related("attested_by"))


def visible_site(user: Any, study: Study, code: str) -> Site | None:
    """The study's site `code` if the user may see its subjects."""
    return access.sites_for(user, study, Action.VIEW_SUBJECTS).filter(code=code).first()
