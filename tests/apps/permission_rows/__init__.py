"""Rows of the permission matrix for the clinical-data apps, one module per app.

A module here defines `ROWS: list[Endpoint]` (see `permission_endpoint.py`; statuses in
the matrix's column order) and may define `build(scenario: Scenario) -> dict[str, Any]`.
`build` runs once, after the core scenario is built: it creates through the services
what the module's rows point at (in the sarcoma study `scenario.key`, whose enrolled
subjects `scenario.sites["SH01"].subject` and `scenario.sites["BJ02"].subject` have a
first dose on 2025-03-12) and returns the values its URLs and bodies name as
`{placeholders}`. Keys must not clash with another module's: prefix them with the app
(e.g. `safety_ae`).
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType
from typing import Any

from ..permission_endpoint import Endpoint


def modules() -> list[ModuleType]:
    return [
        importlib.import_module(f"{__name__}.{info.name}")
        for info in sorted(pkgutil.iter_modules(__path__), key=lambda info: info.name)
    ]


def rows() -> list[Endpoint]:
    return [row for module in modules() for row in module.ROWS]


def build_all(scenario: Any) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for module in modules():
        build = getattr(module, "build", None)
        if build is None:
            continue
        added = build(scenario)
        clash = sorted(set(added) & set(values))
        assert not clash, f"{module.__name__} reuses keys {clash}"
        values.update(added)
    return values
