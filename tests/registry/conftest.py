"""Shared fixtures: the real ClinicalTrials.gov records in ../shared/ctgov-samples."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
SAMPLES = SHARED / "ctgov-samples"
API_V2 = SAMPLES / "api-v2"
LEGACY_XML = SAMPLES / "legacy-xml"


def api_v2_files() -> list[Path]:
    return sorted(API_V2.glob("*.json")) if API_V2.is_dir() else []


def legacy_xml_files() -> list[Path]:
    return sorted(LEGACY_XML.glob("*.xml")) if LEGACY_XML.is_dir() else []


needs_samples = pytest.mark.skipif(
    not API_V2.is_dir(), reason="../shared/ctgov-samples is not available"
)
