"""Mapping a registry record (API v2 shape) to a protocol.

The protocol comes out about 80 % done: identification, status, sponsor, conditions,
design, arms and interventions, endpoints, eligibility with computable rules, and sites.
What the registry does not hold but the protocol format requires (a schedule, the CTCAE
version, …) is filled with the usual practice and recorded under `assumptions:`, each
naming the path it fills.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from oncotrial.domain.protocol import Protocol
from oncotrial.registry.criteria_rules import extract_rule
from oncotrial.registry.eligibility_text import split_criteria
from oncotrial.registry.errors import RecordError
from oncotrial.registry.outcomes import classify_outcome, ctcae_version

Study = dict[str, Any]


@dataclass
class Imported:
    """One study turned into a protocol."""

    protocol: Protocol
    data: dict[str, Any]
    """The protocol as plain data, in file order."""
    warnings: list[str] = field(default_factory=list)

    @property
    def nct_id(self) -> str | None:
        return self.protocol.identification.nct_id

    def to_yaml(self) -> str:
        return dump_yaml(self.data)


_STATUS = {
    "ACTIVE_NOT_RECRUITING": "active_not_recruiting",
    "COMPLETED": "completed",
    "ENROLLING_BY_INVITATION": "enrolling_by_invitation",
    "NOT_YET_RECRUITING": "not_yet_recruiting",
    "RECRUITING": "recruiting",
    "SUSPENDED": "suspended",
    "TERMINATED": "terminated",
    "WITHDRAWN": "withdrawn",
    "UNKNOWN": "unknown",
}
"""Expanded-access statuses (AVAILABLE, NO_LONGER_AVAILABLE…) have no protocol
equivalent and map to `unknown` with an assumption."""
_PHASE = {
    "EARLY_PHASE1": "early_phase1",
    "PHASE1": "phase1",
    "PHASE2": "phase2",
    "PHASE3": "phase3",
    "PHASE4": "phase4",
    "NA": "na",
}
_AGENCY = {
    "INDUSTRY": "industry",
    "NIH": "nih",
    "FED": "fed",
    "OTHER_GOV": "other_gov",
    "INDIV": "indiv",
    "NETWORK": "network",
}
_ALLOCATION = {"RANDOMIZED": "randomized", "NON_RANDOMIZED": "non_randomized", "NA": "na"}
_MODEL = {
    "SINGLE_GROUP": "single_group",
    "PARALLEL": "parallel",
    "CROSSOVER": "crossover",
    "FACTORIAL": "factorial",
    "SEQUENTIAL": "sequential",
}
_OBS_MODEL = {
    "COHORT": "cohort",
    "CASE_CONTROL": "case_control",
    "CASE_ONLY": "case_only",
    "CASE_CROSSOVER": "case_crossover",
    "ECOLOGIC_OR_COMMUNITY": "ecologic_or_community",
    "FAMILY_BASED": "family_based",
}
_PERSPECTIVE = {
    "PROSPECTIVE": "prospective",
    "RETROSPECTIVE": "retrospective",
    "CROSS_SECTIONAL": "cross_sectional",
}
_MASKING = {
    "NONE": "none",
    "SINGLE": "single",
    "DOUBLE": "double",
    "TRIPLE": "triple",
    "QUADRUPLE": "quadruple",
}
_PURPOSE = {
    "TREATMENT": "treatment",
    "PREVENTION": "prevention",
    "DIAGNOSTIC": "diagnostic",
    "SUPPORTIVE_CARE": "supportive_care",
    "SCREENING": "screening",
    "HEALTH_SERVICES_RESEARCH": "health_services_research",
    "BASIC_SCIENCE": "basic_science",
}
_ARM_TYPE = {
    "EXPERIMENTAL": "experimental",
    "ACTIVE_COMPARATOR": "active_comparator",
    "PLACEBO_COMPARATOR": "placebo_comparator",
    "SHAM_COMPARATOR": "sham_comparator",
    "NO_INTERVENTION": "no_intervention",
    "OTHER": "other",
}
_INTERVENTION_TYPE = {
    "DRUG": "drug",
    "BIOLOGICAL": "biological",
    "RADIATION": "radiation",
    "PROCEDURE": "procedure",
    "DEVICE": "device",
    "BEHAVIORAL": "behavioral",
    "DIETARY_SUPPLEMENT": "dietary_supplement",
    "DIAGNOSTIC_TEST": "diagnostic_test",
    "GENETIC": "genetic",
    "COMBINATION_PRODUCT": "combination_product",
    "OTHER": "other",
}
_ROLE = {"PRIMARY": "primary", "SECONDARY": "secondary", "OTHER": "exploratory"}


def _d(data: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _str(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def slug(text: str, used: set[str], fallback: str, limit: int = 40) -> str:
    """A unique lower-case identifier made from `text`."""
    base = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:limit].strip("_")
    if not base or not base[0].isalpha():
        base = f"{fallback}_{base}" if base else fallback
    candidate, n = base, 2
    while candidate in used:
        candidate = f"{base}_{n}"
        n += 1
    used.add(candidate)
    return candidate


def parse_date(value: Any) -> str | None:
    """`2015-08` -> 2015-08-01; `2015-07-29` unchanged; anything else None."""
    text = _str(value)
    if text is None:
        return None
    match = re.fullmatch(r"(\d{4})-(\d{2})(?:-(\d{2}))?", text)
    if match is None:
        return None
    try:
        return dt.date(
            int(match.group(1)), int(match.group(2)), int(match.group(3) or 1)
        ).isoformat()
    except ValueError:
        return None


def parse_age(value: Any) -> float | None:
    """`18 Years` -> 18; `6 Months` -> 0.5; `N/A` -> None."""
    text = _str(value)
    if text is None:
        return None
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(year|month|week|day|hour|minute)s?", text, re.I)
    if match is None:
        return None
    number = float(match.group(1))
    per_year = {
        "year": 1,
        "month": 12,
        "week": 52.1775,
        "day": 365.25,
        "hour": 8766,
        "minute": 525960,
    }[match.group(2).lower()]
    years = round(number / per_year, 4)
    return int(years) if years == int(years) else years


class _Builder:
    def __init__(self, study: Study, source: str) -> None:
        self.study = study
        self.section: dict[str, Any] = study["protocolSection"]
        self.source = source
        self.assumptions: list[dict[str, str]] = []
        self.warnings: list[str] = []

    def assume(self, path: str, note: str) -> None:
        self.assumptions.append({"path": path, "note": note})

    def module(self, name: str) -> dict[str, Any]:
        value = self.section.get(name)
        return value if isinstance(value, dict) else {}

    # ------------------------------------------------------------------ parts

    def identification(self) -> dict[str, Any]:
        ident = self.module("identificationModule")
        status = self.module("statusModule")
        sponsors = self.module("sponsorCollaboratorsModule")
        conditions_module = self.module("conditionsModule")
        design = self.module("designModule")
        contacts = self.module("contactsLocationsModule")
        nct_id = _str(ident.get("nctId"))
        if nct_id is not None and not re.fullmatch(r"NCT\d{8}", nct_id):
            self.warnings.append(f"nctId {nct_id!r} is not an NCT number; left out")
            nct_id = None
        title = _str(ident.get("briefTitle")) or _str(ident.get("officialTitle"))
        if title is None:
            title = nct_id or "Untitled study"
            self.assume("identification.brief_title", "the record has no title")
        lead = (
            sponsors.get("leadSponsor") if isinstance(sponsors.get("leadSponsor"), dict) else None
        )
        sponsor_name = _str(_d(lead, "name")) or _str(_d(ident, "organization", "fullName"))
        if sponsor_name is None:
            sponsor_name = "Unknown sponsor"
            self.assume("identification.sponsor", "the record names no sponsor")
        conditions = [c for c in (_str(x) for x in _list(conditions_module.get("conditions"))) if c]
        if not conditions:
            conditions = ["Not stated"]
            self.assume("identification.conditions", "the record lists no condition")
        raw_status = _str(status.get("overallStatus")) or "UNKNOWN"
        overall_status = _STATUS.get(raw_status)
        if overall_status is None:
            overall_status = "unknown"
            self.assume(
                "identification.overall_status",
                f"registry status {raw_status} has no protocol equivalent; set to unknown",
            )
        study_type = _str(design.get("studyType")) or "INTERVENTIONAL"
        if study_type not in ("INTERVENTIONAL", "OBSERVATIONAL"):
            self.assume(
                "identification.study_type",
                f"registry study type {study_type} imported as interventional",
            )
            study_type = "INTERVENTIONAL"
        enrollment_info = design.get("enrollmentInfo") or {}
        count = enrollment_info.get("count") if isinstance(enrollment_info, dict) else None
        if not isinstance(count, int) or count < 1:
            count = 1
            self.assume(
                "identification.enrollment.target",
                "the record gives no enrollment target; set to 1 — replace with the planned size",
            )
        enrollment: dict[str, Any] = {"target": count}
        if _d(enrollment_info, "type") == "ACTUAL" and count > 1:
            enrollment["type"] = "actual"
        countries: list[str] = []
        for location in _list(contacts.get("locations")):
            country = _str(_d(location, "country"))
            if country and country not in countries:
                countries.append(country)
        data: dict[str, Any] = {
            "nct_id": nct_id,
            "org_study_id": _str(_d(ident, "orgStudyIdInfo", "id")),
            "brief_title": title,
            "official_title": _str(ident.get("officialTitle")),
            "acronym": _str(ident.get("acronym")),
            "sponsor": self._sponsor(sponsor_name, _d(lead, "class")),
            "collaborators": [
                self._sponsor(name, _d(c, "class"))
                for c in _list(sponsors.get("collaborators"))
                if (name := _str(_d(c, "name")))
            ],
            "principal_investigators": [
                _drop(
                    {
                        "name": name,
                        "affiliation": _str(_d(o, "affiliation")),
                        "role": (_str(_d(o, "role")) or "").lower() or None,
                    }
                )
                for o in _list(contacts.get("overallOfficials"))
                if (name := _str(_d(o, "name")))
            ],
            "contacts": [
                _drop({"name": name, "role": (_str(_d(c, "role")) or "").lower() or None})
                for c in _list(contacts.get("centralContacts"))
                if (name := _str(_d(c, "name")))
            ],
            "countries": countries,
            "conditions": conditions,
            "keywords": [
                k for k in (_str(x) for x in _list(conditions_module.get("keywords"))) if k
            ],
            "overall_status": overall_status,
            "phases": [_PHASE[p] for p in _list(design.get("phases")) if p in _PHASE],
            "study_type": study_type.lower(),
            "enrollment": enrollment,
            "dates": _drop(
                {
                    "start": parse_date(_d(status, "startDateStruct", "date")),
                    "primary_completion": parse_date(
                        _d(status, "primaryCompletionDateStruct", "date")
                    ),
                    "completion": parse_date(_d(status, "completionDateStruct", "date")),
                    "first_submitted": parse_date(status.get("studyFirstSubmitDate")),
                    "first_posted": parse_date(_d(status, "studyFirstPostDateStruct", "date")),
                    "last_update": parse_date(_d(status, "lastUpdatePostDateStruct", "date")),
                }
            ),
        }
        return _drop(data)

    @staticmethod
    def _sponsor(name: str, agency: Any) -> dict[str, str]:
        out = {"name": name}
        mapped = _AGENCY.get(str(agency))
        if mapped is not None:
            out["agency_class"] = mapped
        return out

    def design(self, study_type: str) -> dict[str, Any]:
        design = self.module("designModule")
        raw_info = design.get("designInfo")
        info: dict[str, Any] = raw_info if isinstance(raw_info, dict) else {}
        arms_module = self.module("armsInterventionsModule")
        used_interventions: set[str] = set()
        interventions: list[dict[str, Any]] = []
        by_label: dict[str, list[str]] = {}
        by_name: dict[str, str] = {}
        for item in _list(arms_module.get("interventions")):
            name = _str(_d(item, "name"))
            if name is None:
                continue
            raw_type = _str(_d(item, "type")) or "OTHER"
            intervention_id = slug(name, used_interventions, "intervention")
            interventions.append(
                _drop(
                    {
                        "id": intervention_id,
                        "type": _INTERVENTION_TYPE.get(raw_type, "other"),
                        "name": name,
                        "description": _str(_d(item, "description")),
                        "other_names": [
                            n for n in (_str(x) for x in _list(_d(item, "otherNames"))) if n
                        ],
                    }
                )
            )
            by_name[name.lower()] = intervention_id
            for label in _list(_d(item, "armGroupLabels")):
                by_label.setdefault(str(label), []).append(intervention_id)
        arms: list[dict[str, Any]] = []
        used_arms: set[str] = set()
        for group in _list(arms_module.get("armGroups")):
            label = _str(_d(group, "label"))
            if label is None:
                continue
            refs = list(by_label.get(label, []))
            for name in _list(_d(group, "interventionNames")):
                bare = str(name).split(":", 1)[-1].strip().lower()
                ref = by_name.get(bare)
                if ref is not None and ref not in refs:
                    refs.append(ref)
            order = [i["id"] for i in interventions]
            refs.sort(key=order.index)
            group_type = _str(_d(group, "type"))
            arm_type = _ARM_TYPE.get(
                group_type or "", "cohort" if study_type == "observational" else "other"
            )
            arms.append(
                _drop(
                    {
                        "id": slug(label, used_arms, "arm"),
                        "label": label,
                        "type": arm_type,
                        "description": _str(_d(group, "description")),
                        "interventions": refs,
                    }
                )
            )
        if not arms:
            arms.append(
                {
                    "id": "all_participants",
                    "label": "All participants",
                    "type": "cohort" if study_type == "observational" else "experimental",
                    "interventions": [i["id"] for i in interventions],
                }
            )
            self.assume(
                "design.arms",
                "the record defines no arm or group; one arm holds all participants",
            )
        allocation = _ALLOCATION.get(str(info.get("allocation")), "na")
        result: dict[str, Any] = {"allocation": allocation}
        if study_type == "observational":
            result["observational_model"] = _OBS_MODEL.get(
                str(info.get("observationalModel")),
                "other" if info.get("observationalModel") else None,
            )
            result["time_perspective"] = _PERSPECTIVE.get(
                str(info.get("timePerspective")), "other" if info.get("timePerspective") else None
            )
        else:
            result["intervention_model"] = _MODEL.get(str(info.get("interventionModel")))
        masking = _d(info, "maskingInfo", "masking")
        if masking in _MASKING and masking != "NONE":
            result["masking"] = _MASKING[masking]
        purpose = info.get("primaryPurpose")
        if purpose:
            result["primary_purpose"] = _PURPOSE.get(str(purpose), "other")
        result["interventions"] = interventions
        result["arms"] = arms
        return _drop(result)

    def eligibility(self) -> dict[str, Any]:
        module = self.module("eligibilityModule")
        text = _str(module.get("eligibilityCriteria")) or ""
        split = split_criteria(text)
        self.warnings += split.warnings
        if not text:
            self.assume("eligibility", "the record has no eligibility criteria")
        elif not split.has_headings:
            self.assume(
                "eligibility.inclusion",
                "the eligibility text has no inclusion / exclusion headings; every item was "
                "put under inclusion — move the exclusions",
            )
        variables: dict[str, dict[str, Any]] = {}
        sections: dict[str, list[dict[str, Any]]] = {"inclusion": [], "exclusion": []}
        for section, prefix in (("inclusion", "inc"), ("exclusion", "exc")):
            for number, item in enumerate(getattr(split, section), start=1):
                # The whole text, parent context included, is read: it is what the
                # criterion says, and what an exported record gives back.
                extraction = extract_rule(item.text, item.section)
                criterion: dict[str, Any] = {"id": f"{prefix}_{number}", "text": item.text}
                if extraction.rule is not None:
                    criterion["rule"] = extraction.rule
                    for variable in extraction.variables:
                        variables[variable.id] = variable.model_dump(exclude_defaults=True)
                if extraction.note:
                    criterion["note"] = extraction.note
                sections[section].append(criterion)
        sex = {"FEMALE": "female", "MALE": "male"}.get(str(module.get("sex")), "all")
        result: dict[str, Any] = {
            "min_age_years": parse_age(module.get("minimumAge")),
            "max_age_years": parse_age(module.get("maximumAge")),
            "sex": sex if sex != "all" else None,
            "healthy_volunteers": True if module.get("healthyVolunteers") is True else None,
            "variables": list(variables.values()),
            "inclusion": sections["inclusion"],
            "exclusion": sections["exclusion"],
        }
        return _drop(result)

    def endpoints(self) -> tuple[list[dict[str, Any]], bool, set[str]]:
        module = self.module("outcomesModule")
        endpoints: list[dict[str, Any]] = []
        used: set[str] = set()
        anchors: set[str] = set()
        needs_response = False
        for key, role in (
            ("primaryOutcomes", "primary"),
            ("secondaryOutcomes", "secondary"),
            ("otherOutcomes", "exploratory"),
        ):
            for outcome in _list(module.get(key)):
                title = _str(_d(outcome, "measure"))
                if title is None:
                    continue
                description = _str(_d(outcome, "description"))
                fields = classify_outcome(title, description)
                kind = fields["kind"]
                base = fields.get("measure") or {
                    "objective_response_rate": "orr",
                    "disease_control_rate": "dcr",
                    "adverse_events": "adverse_events",
                }.get(kind, title)
                endpoint = {
                    "id": slug(base, used, "endpoint"),
                    "role": role,
                    "title": title,
                    "description": description,
                    "time_frame": _str(_d(outcome, "timeFrame")),
                    **fields,
                }
                if kind in ("objective_response_rate", "disease_control_rate"):
                    needs_response = True
                if kind == "time_to_event" and fields["start"] not in ("enrollment", "consent"):
                    anchors.add(fields["start"])
                endpoints.append(_drop(endpoint))
        if not endpoints:
            endpoints.append(
                {
                    "id": "not_stated",
                    "role": "primary",
                    "title": "Outcome not stated in the registry record",
                    "kind": "descriptive",
                }
            )
            self.assume("endpoints", "the record lists no outcome measure")
        return endpoints, needs_response, anchors

    def sites(self) -> list[dict[str, Any]]:
        contacts = self.module("contactsLocationsModule")
        sites: list[dict[str, Any]] = []
        for location in _list(contacts.get("locations")):
            name = _str(_d(location, "facility")) or _str(_d(location, "city"))
            if name is None:
                continue
            number = len(sites) + 1
            sites.append(
                _drop(
                    {
                        "id": f"site_{number:03d}",
                        "name": name,
                        "city": _str(_d(location, "city")),
                        "country": _str(_d(location, "country")),
                    }
                )
            )
        return sites

    # ------------------------------------------------------------------ whole

    def build(self) -> dict[str, Any]:
        identification = self.identification()
        study_type = identification["study_type"]
        nct_id = identification.get("nct_id")
        protocol_id = (
            nct_id.lower()
            if nct_id
            else slug(
                identification.get("org_study_id") or identification["brief_title"],
                set(),
                "study",
                limit=60,
            )
        )
        last_update = _d(identification, "dates", "last_update")
        version = f"registry-{last_update}" if last_update else "registry"
        self.assume(
            "version",
            "the registry record carries no protocol version; named after the record's last update",
        )
        design = self.design(study_type)
        eligibility = self.eligibility()
        endpoints, needs_response, anchors = self.endpoints()
        all_text = " ".join(
            str(x)
            for x in (
                _d(self.section, "descriptionModule", "detailedDescription"),
                _d(self.section, "descriptionModule", "briefSummary"),
                *(
                    f"{_d(o, 'measure')} {_d(o, 'description')}"
                    for k in ("primaryOutcomes", "secondaryOutcomes", "otherOutcomes")
                    for o in _list(_d(self.section, "outcomesModule", k))
                ),
            )
            if x
        )
        version_ctcae = ctcae_version(all_text)
        if version_ctcae is None:
            version_ctcae = "5.0"
            self.assume("safety.ctcae_version", "the record names no CTCAE version; 5.0 assumed")
        schedule: dict[str, Any] = {
            "anchors": [
                {"id": a, "label": a.replace("_", " ").capitalize(), "event_triggered": True}
                for a in sorted(anchors)
            ],
            "visits": [{"id": "baseline", "label": "Baseline", "anchor": "enrollment", "day": 0}],
        }
        self.assume(
            "schedule",
            "the registry record has no schedule of assessments; a single baseline visit "
            "stands in — write the visits from the protocol document",
        )
        data: dict[str, Any] = {
            "format": 1,
            "id": protocol_id,
            "version": version,
            "identification": identification,
            "summary": _str(_d(self.section, "descriptionModule", "briefSummary")),
            "design": design,
            "eligibility": eligibility,
            "schedule": _drop(schedule),
        }
        if needs_response:
            criteria = (
                "iRECIST"
                if any(e.get("criteria") == "iRECIST" for e in endpoints)
                else "RECIST 1.1"
            )
            data["tumour_response"] = {"criteria": criteria}
            self.assume(
                "tumour_response",
                f"response endpoints are evaluated by {criteria} with confirmation "
                "(the registry does not say how); check against the protocol",
            )
        data["safety"] = {"ctcae_version": version_ctcae}
        data["endpoints"] = endpoints
        data["sites"] = self.sites()
        data["assumptions"] = self.assumptions
        data["source"] = f"ClinicalTrials.gov {nct_id or 'record'}" + (
            f", last update posted {last_update}" if last_update else ""
        )
        result = _drop(data)
        result["eligibility"] = eligibility  # required even when the record gives nothing
        return {k: result[k] for k in data if k in result}


def _drop(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v is not None and v != [] and v != {}}


def map_study(study: Study, source: str = "<record>") -> Imported:
    """The protocol for one API v2 study (or a legacy record converted to that shape)."""
    if not isinstance(study.get("protocolSection"), dict):
        raise RecordError(source, "the record has no 'protocolSection'")
    builder = _Builder(study, source)
    data = builder.build()
    try:
        protocol = Protocol.model_validate(data)
    except ValueError as exc:
        raise RecordError(source, f"the record maps to an invalid protocol: {exc}") from None
    return Imported(protocol, data, builder.warnings)


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    pass


def _str_presenter(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(str, _str_presenter)


def dump_yaml(data: dict[str, Any]) -> str:
    header = (
        "# Protocol imported from a ClinicalTrials.gov record by `oncotrial registry import`.\n"
        "# Review every entry under `assumptions:` and each criterion without a rule.\n"
    )
    body: str = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    return header + body
