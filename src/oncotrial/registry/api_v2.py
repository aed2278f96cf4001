"""Reading ClinicalTrials.gov API v2 study JSON.

A file holds one study (`{"protocolSection": …}`), a list of studies, or a page of
search results (`{"studies": […], "nextPageToken": …}`). Each study comes out as a
plain dict with a `protocolSection`; anything else is a `RecordError` saying why.
"""

from __future__ import annotations

import json
from typing import Any

from oncotrial.registry.errors import RecordError

Study = dict[str, Any]


def parse_studies(text: str, source: str = "<json>") -> list[Study]:
    """The studies in an API v2 JSON document; raises RecordError if it has none."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RecordError(
            source, f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from None
    return studies_from_data(data, source)


def studies_from_data(data: Any, source: str = "<json>") -> list[Study]:
    if isinstance(data, dict) and "studies" in data and "protocolSection" not in data:
        items = data["studies"]
        if not isinstance(items, list):
            raise RecordError(source, "'studies' is not a list")
        where = "studies"
    elif isinstance(data, list):
        items, where = data, ""
    elif isinstance(data, dict):
        items, where = [data], ""
    else:
        raise RecordError(
            source,
            f"expected a study object, a list of studies or a search page; got {_kind(data)}",
        )
    if not items:
        raise RecordError(source, "the file holds no studies")
    studies: list[Study] = []
    for index, item in enumerate(items):
        label = f"{where}[{index}]" if (where or len(items) > 1) else "the record"
        studies.append(check_study(item, source, label))
    return studies


def check_study(item: Any, source: str, label: str = "the record") -> Study:
    if not isinstance(item, dict):
        raise RecordError(source, f"{label} is {_kind(item)}, not a study object")
    section = item.get("protocolSection")
    if section is None:
        keys = ", ".join(sorted(item)) or "none"
        raise RecordError(
            source,
            f"{label} has no 'protocolSection' (keys found: {keys}); "
            "is this a ClinicalTrials.gov API v2 study?",
        )
    if not isinstance(section, dict):
        raise RecordError(source, f"{label}: 'protocolSection' is {_kind(section)}, not an object")
    return item


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), "a number"
    )
