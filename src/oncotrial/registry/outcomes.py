"""Recognising registry outcome measures as protocol endpoints.

Titles are read first and descriptions only when the title names nothing we know.
Overall survival, PFS, PFS2, RFS, DFS, EFS, time to progression, duration of
response, objective response and disease control rates, and adverse-event outcomes
become derivable endpoints; anything else stays a descriptive endpoint.
"""

from __future__ import annotations

import re
from typing import Any

_TIME_TO_EVENT: list[tuple[str, str, list[str], str]] = [
    (
        r"\bPFS\s*-?\s*2\b|second\s+progression|progression[- ]free\s+survival\s*-?\s*2\b"
        r"|progression\s+on\s+(?:the\s+)?next[- ]line",
        "pfs2",
        ["progression_on_next_line", "death"],
        "last_tumour_assessment",
    ),
    (
        r"\bPFS\b|progression[- ]free[- ]survival",
        "pfs",
        ["progression", "death"],
        "last_tumour_assessment",
    ),
    (r"\bOS\b|overall\s+survival", "os", ["death"], "last_known_alive"),
    (
        r"\b(?:D|LR)?RFS\b|(?:recurrence|relapse)[- ]free[- ]survival",
        "rfs",
        ["recurrence", "death"],
        "last_tumour_assessment",
    ),
    (
        r"\bi?DFS\b|disease[- ]free[- ]survival",
        "dfs",
        ["recurrence", "new_primary", "death"],
        "last_tumour_assessment",
    ),
    (
        r"\bEFS\b|event[- ]free[- ]survival",
        "efs",
        ["progression", "recurrence", "death"],
        "last_tumour_assessment",
    ),
    (
        r"\bTTP\b|time\s+to\s+(?:tumou?r\s+|disease\s+)?progression",
        "ttp",
        ["progression"],
        "last_tumour_assessment",
    ),
    (
        r"\bDoR\b|duration\s+of\s+(?:\w+\s+)?response",
        "dor",
        ["progression", "death"],
        "last_tumour_assessment",
    ),
]
_DLT = re.compile(r"dose[- ]limiting|\bDLTs?\b|maximum\s+tolerated\s+dose|\bMTD\b", re.I)
_DCR = re.compile(r"\bDCR\b|disease\s+control|clinical\s+benefit\s+rate|\bCBR\b", re.I)
_ORR = re.compile(
    r"\bORR\b|objective\s+(?:tumou?r\s+)?response|overall\s+response\s+rate"
    r"|(?<!complete\s)response\s+rate|\bbest\s+overall\s+response\b",
    re.I,
)
_PATHOLOGICAL = re.compile(r"patholog|\bpCR\b|\bMPR\b|molecular|metabolic|biochemical", re.I)
_AE = re.compile(
    r"adverse\s+(?:events?|reactions?|effects?)|\bT?R?AEs?\b|toxicit(?:y|ies)|side[- ]effects",
    re.I,
)
_CTCAE = re.compile(r"CTCAE\s*(?:v(?:ersion)?\.?\s*)?(?P<v>4\.03|4\.0|4|5\.0|5)\b", re.I)
_GRADE = re.compile(
    r"grade\s*(?:≥|>=|>)\s*(?P<a>[1-5])|grade\s*(?P<b>[1-5])\s*(?:or\s+(?:higher|above|greater|"
    r"more|worse)|\+|-\s*5|–\s*5|to\s*5|and\s+above)|grade\s*(?P<c>[3-5])\s*(?:/|and|-)\s*[45]",
    re.I,
)


_NOT_DERIVABLE = re.compile(
    r"correlat|associat|time\s+to\s+(?:objective\s+)?response|\bTTR\b|time\s+to\s+treatment\s+"
    r"failure|\bTTF\b|duration\s+of\s+disease\s+control|intracranial|\bCNS\b|\bbrain\b"
    r"|\bi(?:PFS|ORR|DCR|DOR)\b|real[- ]world|\brw-?PFS|\bDLTs?\b|dose[- ]limiting|\bRP2D\b",
    re.I,
)
"""Outcomes that name a known endpoint but measure something else (intracranial PFS,
time to response, correlations): kept descriptive rather than derived wrongly."""


def ctcae_version(text: str) -> str | None:
    match = _CTCAE.search(text)
    if match is None:
        return None
    version = match.group("v")
    return {"4": "4.0", "5": "5.0"}.get(version, version)


def classify_outcome(title: str, description: str | None) -> dict[str, Any]:
    """The endpoint fields that the outcome's wording implies (kind, measure…)."""
    if _NOT_DERIVABLE.search(title):
        return {"kind": "descriptive"}
    found = _classify(title)
    if found is None and description:
        first = re.split(r"(?<=[.;])\s", description, maxsplit=1)[0]
        found = _classify(first)
    if found is None:
        return {"kind": "descriptive"}
    text = f"{title} {description or ''}"
    if found["kind"] == "adverse_events":
        found["ctcae_version"] = ctcae_version(text) or "5.0"
        if re.search(r"treatment[- ]related|drug[- ]related|related\s+to", text, re.I):
            found["related_only"] = True
        if re.search(r"\bserious\b|\bSAEs?\b", title, re.I):
            found["serious_only"] = True
        grade = _GRADE.search(title)
        if grade is not None:
            found["min_grade"] = int(grade.group("a") or grade.group("b") or grade.group("c"))
    elif found["kind"] in ("objective_response_rate", "disease_control_rate"):
        found["criteria"] = "iRECIST" if re.search(r"\biRECIST\b", text) else "RECIST 1.1"
        found["confirmation"] = bool(re.search(r"\bconfirm", text, re.I))
    return found


def _classify(text: str) -> dict[str, Any] | None:
    if _DLT.search(text):
        return None
    for pattern, measure, events, censor in _TIME_TO_EVENT:
        if re.search(pattern, text, re.I):
            return {
                "kind": "time_to_event",
                "measure": measure,
                "start": "first_response" if measure == "dor" else "enrollment",
                "events": list(events),
                "censor_at": censor,
            }
    if _PATHOLOGICAL.search(text):
        return None
    if _DCR.search(text):
        return {"kind": "disease_control_rate"}
    if _ORR.search(text):
        return {"kind": "objective_response_rate"}
    if _AE.search(text):
        return {"kind": "adverse_events"}
    return None
