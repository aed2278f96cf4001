"""Reading the legacy ClinicalTrials.gov `clinical_study` XML format.

The record is converted to the API v2 JSON shape (a dict with a `protocolSection`),
so that one mapping turns either format into a protocol.
"""

from __future__ import annotations

import datetime as dt
import re
import textwrap
import xml.etree.ElementTree as ET
from typing import Any

from oncotrial.registry.errors import RecordError

Study = dict[str, Any]


def parse_clinical_study(text: str | bytes, source: str = "<xml>") -> Study:
    """The study in a `clinical_study` XML document, in API v2 shape."""
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise RecordError(source, f"not valid XML: {exc}") from None
    if root.tag != "clinical_study":
        raise RecordError(source, f"root element is <{root.tag}>, expected <clinical_study>")
    return {"protocolSection": _protocol_section(root)}


def _text(element: ET.Element | None, path: str) -> str | None:
    if element is None:
        return None
    found = element.find(path)
    if found is None or found.text is None:
        return None
    value = found.text.strip()
    return value or None


def _texts(element: ET.Element, path: str) -> list[str]:
    return [t.strip() for t in (e.text for e in element.findall(path)) if t and t.strip()]


def _textblock(element: ET.Element, path: str) -> str | None:
    """A `<textblock>`: dedented, paragraphs kept, wrapped lines joined."""
    raw = _text(element, f"{path}/textblock")
    if raw is None:
        return None
    found = element.find(f"{path}/textblock")
    assert found is not None
    assert found.text is not None
    body = textwrap.dedent(found.text).strip("\n")
    paragraphs = re.split(r"\n\s*\n", body)
    return "\n\n".join(" ".join(line.strip() for line in p.splitlines()) for p in paragraphs)


def _criteria_block(element: ET.Element) -> str | None:
    found = element.find("eligibility/criteria/textblock")
    if found is None or not (found.text or "").strip():
        return None
    return textwrap.dedent(found.text or "").strip("\n")


def _enum(value: str | None) -> str | None:
    """`Active, not recruiting` -> ACTIVE_NOT_RECRUITING."""
    if value is None:
        return None
    value = re.sub(r"\s*\(.*\)\s*$", "", value)
    return re.sub(r"[^A-Za-z0-9]+", "_", value).strip("_").upper() or None


_STATUS = {"UNKNOWN_STATUS": "UNKNOWN"}
_STUDY_TYPE = {"OBSERVATIONAL_PATIENT_REGISTRY": "OBSERVATIONAL"}
_MODEL = {
    "SINGLE_GROUP_ASSIGNMENT": "SINGLE_GROUP",
    "PARALLEL_ASSIGNMENT": "PARALLEL",
    "CROSSOVER_ASSIGNMENT": "CROSSOVER",
    "FACTORIAL_ASSIGNMENT": "FACTORIAL",
    "SEQUENTIAL_ASSIGNMENT": "SEQUENTIAL",
}
_PURPOSE = {"EDUCATIONAL_COUNSELING_TRAINING": "ECT"}
_ALLOCATION = {"N_A": "NA"}
_AGENCY = {"U_S_FED": "FED", "OTHER_U_S_FEDERAL_AGENCY": "FED", "NIH": "NIH"}


def _phases(value: str | None) -> list[str]:
    if value is None:
        return []
    phases: list[str] = []
    for part in value.split("/"):
        code = _enum(part)
        if code in (None, "N_A"):
            phases.append("NA")
        elif code is not None:
            phases.append(code)
    return phases


_MONTHS = {
    m: i
    for i, m in enumerate(
        [
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ],
        start=1,
    )
}


def _date(value: str | None) -> str | None:
    """`October 2009` -> 2009-10, `May 11, 2018` -> 2018-05-11."""
    if value is None:
        return None
    match = re.fullmatch(r"([A-Za-z]+)\s+(?:(\d{1,2}),\s*)?(\d{4})", value.strip())
    if match is None:
        return None
    month = _MONTHS.get(match.group(1).lower())
    if month is None:
        return None
    year = int(match.group(3))
    if match.group(2):
        try:
            return dt.date(year, month, int(match.group(2))).isoformat()
        except ValueError:
            return None
    return f"{year:04d}-{month:02d}"


def _date_struct(root: ET.Element, tag: str) -> dict[str, str] | None:
    element = root.find(tag)
    if element is None:
        return None
    date = _date(element.text)
    if date is None:
        return None
    struct = {"date": date}
    kind = element.get("type")
    if kind:
        struct["type"] = "ESTIMATED" if kind.lower() == "anticipated" else kind.upper()
    return struct


def _sponsor(element: ET.Element) -> dict[str, str]:
    name = _text(element, "agency") or ""
    agency = _enum(_text(element, "agency_class")) or "OTHER"
    return {"name": name, "class": _AGENCY.get(agency, agency)}


def _drop_none(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v not in (None, [], {})}


def _protocol_section(root: ET.Element) -> dict[str, Any]:
    section: dict[str, Any] = {}
    section["identificationModule"] = _drop_none(
        {
            "nctId": _text(root, "id_info/nct_id"),
            "orgStudyIdInfo": _drop_none({"id": _text(root, "id_info/org_study_id")}),
            "briefTitle": _text(root, "brief_title"),
            "officialTitle": _text(root, "official_title"),
            "acronym": _text(root, "acronym"),
        }
    )
    section["statusModule"] = _drop_none(
        {
            "overallStatus": (lambda s: _STATUS.get(s, s) if s else None)(
                _enum(_text(root, "overall_status"))
            ),
            "startDateStruct": _date_struct(root, "start_date"),
            "primaryCompletionDateStruct": _date_struct(root, "primary_completion_date"),
            "completionDateStruct": _date_struct(root, "completion_date"),
            "studyFirstSubmitDate": _date(_text(root, "study_first_submitted")),
            "studyFirstPostDateStruct": _date_struct(root, "study_first_posted"),
            "lastUpdatePostDateStruct": _date_struct(root, "last_update_posted"),
        }
    )
    sponsors = root.find("sponsors")
    if sponsors is not None:
        lead = sponsors.find("lead_sponsor")
        section["sponsorCollaboratorsModule"] = _drop_none(
            {
                "leadSponsor": _sponsor(lead) if lead is not None else None,
                "collaborators": [_sponsor(c) for c in sponsors.findall("collaborator")],
            }
        )
    section["descriptionModule"] = _drop_none(
        {
            "briefSummary": _textblock(root, "brief_summary"),
            "detailedDescription": _textblock(root, "detailed_description"),
        }
    )
    section["conditionsModule"] = _drop_none(
        {"conditions": _texts(root, "condition"), "keywords": _texts(root, "keyword")}
    )
    section["designModule"] = _design_module(root)
    section["armsInterventionsModule"] = _drop_none(
        {
            "armGroups": [
                _drop_none(
                    {
                        "label": _text(a, "arm_group_label"),
                        "type": _enum(_text(a, "arm_group_type")),
                        "description": _text(a, "description"),
                    }
                )
                for a in root.findall("arm_group")
            ],
            "interventions": [
                _drop_none(
                    {
                        "type": _enum(_text(i, "intervention_type")),
                        "name": _text(i, "intervention_name"),
                        "description": _text(i, "description"),
                        "armGroupLabels": _texts(i, "arm_group_label"),
                        "otherNames": _texts(i, "other_name"),
                    }
                )
                for i in root.findall("intervention")
            ],
        }
    )
    section["outcomesModule"] = _drop_none(
        {
            f"{kind}Outcomes": [
                _drop_none(
                    {
                        "measure": _text(o, "measure"),
                        "description": _text(o, "description"),
                        "timeFrame": _text(o, "time_frame"),
                    }
                )
                for o in root.findall(f"{kind}_outcome")
            ]
            for kind in ("primary", "secondary", "other")
        }
    )
    section["eligibilityModule"] = _eligibility_module(root)
    section["contactsLocationsModule"] = _drop_none(
        {
            "overallOfficials": [
                _drop_none(
                    {
                        "name": _text(o, "last_name"),
                        "affiliation": _text(o, "affiliation"),
                        "role": _enum(_text(o, "role")),
                    }
                )
                for o in root.findall("overall_official")
            ],
            "centralContacts": [
                _drop_none({"name": _text(c, "last_name"), "role": "CONTACT"})
                for c in root.findall("overall_contact")
                if _text(c, "last_name")
            ],
            "locations": [
                _drop_none(
                    {
                        "facility": _text(loc, "facility/name"),
                        "city": _text(loc, "facility/address/city"),
                        "state": _text(loc, "facility/address/state"),
                        "zip": _text(loc, "facility/address/zip"),
                        "country": _text(loc, "facility/address/country"),
                    }
                )
                for loc in root.findall("location")
            ],
        }
    )
    return _drop_none(section)


def _design_module(root: ET.Element) -> dict[str, Any]:
    study_type = _enum(_text(root, "study_type"))
    info = root.find("study_design_info")
    design_info: dict[str, Any] = {}
    if info is not None:
        allocation = _enum(_text(info, "allocation"))
        model = _enum(_text(info, "intervention_model"))
        purpose = _enum(_text(info, "primary_purpose"))
        masking = _enum(_text(info, "masking"))
        design_info = _drop_none(
            {
                "allocation": _ALLOCATION.get(allocation, allocation) if allocation else None,
                "interventionModel": _MODEL.get(model, model) if model else None,
                "primaryPurpose": _PURPOSE.get(purpose, purpose) if purpose else None,
                "observationalModel": _enum(_text(info, "observational_model")),
                "timePerspective": _enum(_text(info, "time_perspective")),
                "maskingInfo": {"masking": masking} if masking else None,
            }
        )
    enrollment = root.find("enrollment")
    enrollment_info: dict[str, Any] | None = None
    if enrollment is not None and (enrollment.text or "").strip().isdigit():
        enrollment_info = {"count": int((enrollment.text or "0").strip())}
        kind = enrollment.get("type")
        if kind:
            enrollment_info["type"] = "ESTIMATED" if kind.lower() == "anticipated" else "ACTUAL"
    return _drop_none(
        {
            "studyType": _STUDY_TYPE.get(study_type, study_type) if study_type else None,
            "phases": _phases(_text(root, "phase")) if _text(root, "phase") else [],
            "designInfo": design_info,
            "enrollmentInfo": enrollment_info,
        }
    )


def _eligibility_module(root: ET.Element) -> dict[str, Any]:
    healthy = _text(root, "eligibility/healthy_volunteers")
    return _drop_none(
        {
            "eligibilityCriteria": _criteria_block(root),
            "sex": _enum(_text(root, "eligibility/gender")),
            "minimumAge": _age(_text(root, "eligibility/minimum_age")),
            "maximumAge": _age(_text(root, "eligibility/maximum_age")),
            "healthyVolunteers": None
            if healthy is None
            else healthy.lower().startswith(("y", "a")),
            "studyPopulation": _textblock(root, "eligibility/study_pop"),
        }
    )


def _age(value: str | None) -> str | None:
    if value is None or value.upper() in ("N/A", "NA"):
        return None
    return value
