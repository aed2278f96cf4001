"""Turning pydantic's validation errors into protocol problems a person can act on."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from oncotrial.domain.protocol.problems import Path, Problem

IDENTIFIER_PATTERN = r"^[a-z][a-z0-9_]*$"


def problems_from_validation_error(exc: ValidationError, data: Any) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[tuple[Path, str]] = set()
    for error in exc.errors(include_url=False):
        path = _data_path(error["loc"], data)
        if error["type"] in ("union_tag_invalid", "union_tag_not_found"):
            path = (*path, str(error.get("ctx", {}).get("discriminator", "")).strip("'"))
        message = _message(error)
        if (path, message) not in seen:
            seen.add((path, message))
            problems.append(Problem(path, message))
    return problems


def _data_path(loc: tuple[str | int, ...], data: Any) -> Path:
    """The path inside the document, without the union tags pydantic adds to `loc`."""
    path: list[str | int] = []
    current = data
    for index, part in enumerate(loc):
        last = index == len(loc) - 1
        if isinstance(current, dict):
            if part in current:
                path.append(part)
                current = current[part]
            elif last:
                path.append(part)
            continue
        if isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current):
            path.append(part)
            current = current[part]
            continue
        if last and not isinstance(current, (dict, list)):
            break
        if last:
            path.append(part)
    return tuple(path)


def _message(error: ErrorDetails) -> str:
    kind = error["type"]
    ctx = error.get("ctx", {})
    given = error.get("input")
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "required key is missing"
    if kind == "literal_error":
        return f"{given!r} is not allowed; expected one of {ctx.get('expected', '')}"
    if kind == "string_pattern_mismatch":
        if ctx.get("pattern") == IDENTIFIER_PATTERN:
            return (
                f"{given!r} is not a valid id: use lower-case letters, digits and "
                "underscores, starting with a letter"
            )
        if "NCT" in str(ctx.get("pattern", "")):
            return f"{given!r} is not an NCT number (NCT followed by 8 digits)"
        return f"{given!r} does not match the pattern {ctx.get('pattern')}"
    if kind == "union_tag_invalid":
        return f"{ctx.get('tag')!r} is not allowed; expected one of {ctx.get('expected_tags')}"
    if kind == "union_tag_not_found":
        return "required key is missing"
    message = error["msg"]
    message = message.removeprefix("Value error, ")
    message = message[0].lower() + message[1:] if message else message
    if given is not None and not isinstance(given, (dict, list)) and kind != "value_error":
        return f"{message} (got {given!r})"
    return message
