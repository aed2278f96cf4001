"""Writing a protocol as a ClinicalTrials.gov API v2-shaped study.

The export holds what a registry record holds: identification, status and dates,
sponsor, conditions, design, arms and interventions, outcome measures, eligibility
(criteria written back as markdown) and locations. Importing the export of an imported
protocol gives back the same protocol; parts that were filled by an assumption at import
(an arm standing in for a record without arms, …) are left out so that the assumption
is made again rather than taken for registry data.

A hand-written protocol exports its registry-facing parts; its schedule, forms and
sample size have no place in a registry record.
"""

from __future__ import annotations

import re
from typing import Any

from oncotrial.domain.protocol import Protocol
from oncotrial.domain.protocol.design import Arm, Intervention
from oncotrial.domain.protocol.eligibility import Criterion
from oncotrial.registry.outcomes import ctcae_version

_INTERVENTION_LABEL = {
    "drug": "Drug",
    "biological": "Biological",
    "radiation": "Radiation",
    "procedure": "Procedure",
    "device": "Device",
    "behavioral": "Behavioral",
    "dietary_supplement": "Dietary Supplement",
    "diagnostic_test": "Diagnostic Test",
    "genetic": "Genetic",
    "combination_product": "Combination Product",
    "other": "Other",
}
_ROLE_KEY = {
    "primary": "primaryOutcomes",
    "secondary": "secondaryOutcomes",
    "exploratory": "otherOutcomes",
}


def _drop(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v is not None and v != [] and v != {}}


def _date(value: Any) -> dict[str, str] | None:
    return None if value is None else {"date": value.isoformat()}


def _age(years: float | None) -> str | None:
    if years is None:
        return None
    if float(years).is_integer():
        return f"{int(years)} Years"
    months = years * 12
    if abs(months - round(months)) < 1e-6:
        return f"{round(months)} Months"
    return f"{years:g} Years"


_ESCAPED = re.compile(r"([\\<>\[\]])")


def escape(text: str) -> str:
    """Markdown escapes as ClinicalTrials.gov writes them (`>` -> `\\>`)."""
    return _ESCAPED.sub(r"\\\1", text)


def _original(note: str | None) -> str | None:
    """The registry code an import assumption replaced (e.g. EXPANDED_ACCESS)."""
    if note is None:
        return None
    match = re.search(r"registry (?:status|study type) ([A-Z_]+)", note)
    return match.group(1) if match else None


def criteria_markdown(
    inclusion: list[Criterion], exclusion: list[Criterion], headings: bool = True
) -> str:
    """Eligibility criteria as registry markdown, headings and bullets."""
    parts: list[str] = []
    for heading, criteria in (
        ("Inclusion Criteria:", inclusion),
        ("Exclusion Criteria:", exclusion),
    ):
        if not criteria:
            continue
        lines = []
        for criterion in criteria:
            first, *rest = criterion.text.split("\n")
            lines.append(f"* {escape(first)}")
            lines += [f"  {escape(line)}" for line in rest]
        parts.append((heading + "\n\n" if headings else "") + "\n".join(lines))
    return "\n\n".join(parts)


def export_study(protocol: Protocol) -> dict[str, Any]:
    """The protocol as an API v2 study object (`{"protocolSection": …}`)."""
    assumed = {a.path for a in protocol.assumptions}
    ident = protocol.identification
    dates = ident.dates
    section: dict[str, Any] = {}
    section["identificationModule"] = _drop(
        {
            "nctId": ident.nct_id,
            "orgStudyIdInfo": _drop({"id": ident.org_study_id}),
            "organization": {
                "fullName": ident.sponsor.name,
                "class": ident.sponsor.agency_class.upper(),
            },
            "briefTitle": None if "identification.brief_title" in assumed else ident.brief_title,
            "officialTitle": ident.official_title,
            "acronym": ident.acronym,
        }
    )
    notes = {a.path: a.note for a in protocol.assumptions}
    status = _original(notes.get("identification.overall_status")) or (ident.overall_status.upper())
    section["statusModule"] = _drop(
        {
            "overallStatus": status,
            "startDateStruct": _date(dates.start),
            "primaryCompletionDateStruct": _date(dates.primary_completion),
            "completionDateStruct": _date(dates.completion),
            "studyFirstSubmitDate": dates.first_submitted.isoformat()
            if dates.first_submitted
            else None,
            "studyFirstPostDateStruct": _date(dates.first_posted),
            "lastUpdatePostDateStruct": _date(dates.last_update),
        }
    )
    section["sponsorCollaboratorsModule"] = _drop(
        {
            "leadSponsor": None
            if "identification.sponsor" in assumed
            else {"name": ident.sponsor.name, "class": ident.sponsor.agency_class.upper()},
            "collaborators": [
                {"name": c.name, "class": c.agency_class.upper()} for c in ident.collaborators
            ],
        }
    )
    description: dict[str, Any] = {"briefSummary": protocol.summary}
    if "safety.ctcae_version" not in assumed:
        version = protocol.safety.ctcae_version
        outcome_text = " ".join(f"{e.title} {e.description or ''}" for e in protocol.endpoints)
        if ctcae_version(f"{protocol.summary or ''} {outcome_text}") != version:
            description["detailedDescription"] = (
                f"Adverse events are graded with NCI CTCAE version {version}."
            )
    section["descriptionModule"] = _drop(description)
    section["conditionsModule"] = _drop(
        {
            "conditions": [] if "identification.conditions" in assumed else ident.conditions,
            "keywords": ident.keywords,
        }
    )
    section["designModule"] = _design(protocol, assumed)
    section["armsInterventionsModule"] = _arms(protocol, assumed)
    outcomes: dict[str, list[dict[str, Any]]] = {}
    if "endpoints" not in assumed:
        for endpoint in protocol.endpoints:
            outcomes.setdefault(_ROLE_KEY[endpoint.role], []).append(
                _drop(
                    {
                        "measure": endpoint.title,
                        "description": endpoint.description,
                        "timeFrame": endpoint.time_frame,
                    }
                )
            )
    section["outcomesModule"] = outcomes
    elig = protocol.eligibility
    section["eligibilityModule"] = _drop(
        {
            "eligibilityCriteria": criteria_markdown(
                elig.inclusion, elig.exclusion, headings="eligibility.inclusion" not in assumed
            )
            or (None if "eligibility" in assumed else "Inclusion Criteria:\n\nExclusion Criteria:"),
            "healthyVolunteers": elig.healthy_volunteers,
            "sex": elig.sex.upper(),
            "minimumAge": _age(elig.min_age_years),
            "maximumAge": _age(elig.max_age_years),
        }
    )
    section["contactsLocationsModule"] = _drop(
        {
            "centralContacts": [
                _drop({"name": c.name, "role": c.role.upper() if c.role else None})
                for c in ident.contacts
            ],
            "overallOfficials": [
                _drop(
                    {
                        "name": p.name,
                        "affiliation": p.affiliation,
                        "role": p.role.upper() if p.role else None,
                    }
                )
                for p in ident.principal_investigators
            ],
            "locations": [
                _drop({"facility": s.name, "city": s.city, "country": s.country})
                for s in protocol.sites
            ],
        }
    )
    return {"protocolSection": _drop(section)}


def _design(protocol: Protocol, assumed: set[str]) -> dict[str, Any]:
    ident = protocol.identification
    design = protocol.design
    notes = {a.path: a.note for a in protocol.assumptions}
    study_type = _original(notes.get("identification.study_type")) or ident.study_type.upper()
    info: dict[str, Any] = {"allocation": design.allocation.upper()}
    if ident.study_type == "observational":
        info["observationalModel"] = (
            design.observational_model.upper() if design.observational_model else None
        )
        info["timePerspective"] = (
            design.time_perspective.upper() if design.time_perspective else None
        )
    else:
        info["interventionModel"] = (
            design.intervention_model.upper() if design.intervention_model else None
        )
    info["primaryPurpose"] = design.primary_purpose.upper() if design.primary_purpose else None
    info["maskingInfo"] = {"masking": design.masking.upper()}
    enrollment = None
    if "identification.enrollment.target" not in assumed:
        enrollment = {
            "count": ident.enrollment.target,
            "type": "ACTUAL" if ident.enrollment.type == "actual" else "ESTIMATED",
        }
    return _drop(
        {
            "studyType": study_type,
            "phases": [p.upper() for p in ident.phases],
            "designInfo": _drop(info),
            "enrollmentInfo": enrollment,
        }
    )


def _arms(protocol: Protocol, assumed: set[str]) -> dict[str, Any]:
    design = protocol.design
    arms: list[Arm] = [] if "design.arms" in assumed else list(design.arms)
    by_id: dict[str, Intervention] = {i.id: i for i in design.interventions}

    def label(intervention: Intervention) -> str:
        return f"{_INTERVENTION_LABEL[intervention.type]}: {intervention.name}"

    groups = [
        _drop(
            {
                "label": arm.label,
                "type": None if arm.type == "cohort" else arm.type.upper(),
                "description": arm.description,
                "interventionNames": [label(by_id[i]) for i in arm.interventions if i in by_id],
            }
        )
        for arm in arms
    ]
    interventions = [
        _drop(
            {
                "type": intervention.type.upper(),
                "name": intervention.name,
                "description": intervention.description,
                "armGroupLabels": [a.label for a in arms if intervention.id in a.interventions],
                "otherNames": intervention.other_names,
            }
        )
        for intervention in design.interventions
    ]
    return _drop({"armGroups": groups, "interventions": interventions})
