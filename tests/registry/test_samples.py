"""Every real record imports to a valid protocol; hand-checked criteria; round trip."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from oncotrial.domain.protocol import validate_text
from oncotrial.registry.bulk import read_file
from oncotrial.registry.export import export_study
from oncotrial.registry.mapping import map_study
from tests.registry.conftest import API_V2, api_v2_files, legacy_xml_files, needs_samples

EXPECTED = yaml.safe_load((Path(__file__).parent / "expected_criteria.yaml").read_text("utf-8"))
ALL_FILES = api_v2_files() + legacy_xml_files()

pytestmark = needs_samples


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: p.name)
def test_record_imports_and_validates(path: Path) -> None:
    (imported,) = read_file(path)
    validation = validate_text(imported.to_yaml(), path.name)
    assert validation.ok, validation.format_problems()
    assert validation.protocol == imported.protocol
    protocol = imported.protocol
    assert protocol.id == path.stem.lower()
    assert protocol.identification.nct_id == path.stem
    assert any(a.path == "schedule" for a in protocol.assumptions)


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: p.name)
def test_round_trip(path: Path) -> None:
    (imported,) = read_file(path)
    exported = json.loads(json.dumps(export_study(imported.protocol)))
    again = map_study(exported, "export")
    assert again.protocol == imported.protocol


def test_samples_cover_both_formats() -> None:
    assert len(api_v2_files()) >= 100
    assert len(legacy_xml_files()) >= 10


def _rules(nct_id: str) -> tuple[int, int, dict[str, Any]]:
    (imported,) = read_file(API_V2 / f"{nct_id}.json")
    elig = imported.protocol.eligibility
    rules = {
        c.id: c.rule.model_dump(by_alias=True, exclude_none=True)
        for c in [*elig.inclusion, *elig.exclusion]
        if c.rule is not None
    }
    return len(elig.inclusion), len(elig.exclusion), rules


def test_expectations_cover_ten_records() -> None:
    assert len(EXPECTED) >= 10


@pytest.mark.parametrize("nct_id", sorted(EXPECTED))
def test_hand_checked_criteria(nct_id: str) -> None:
    expected = EXPECTED[nct_id]
    inclusion, exclusion, rules = _rules(nct_id)
    assert (inclusion, exclusion) == (expected["inclusion"], expected["exclusion"])
    assert rules == expected["rules"]


def test_pallas_sites_dates_and_endpoints() -> None:
    (imported,) = read_file(API_V2 / "NCT02513394.json")
    p = imported.protocol
    assert len(p.sites) == 437
    assert p.sites[0].name == "University of South Alabama Mitchell Cancer Institute"
    assert p.sites[0].city == "Mobile"
    assert p.sites[0].country == "United States"
    assert p.identification.dates.start is not None
    assert p.identification.dates.start.isoformat() == "2015-08-01"
    assert p.design.allocation == "randomized"
    assert [a.id for a in p.design.arms] == ["arm_a", "arm_b"]
    assert p.design.arms[1].interventions == ["standard_adjuvant_endocrine_therapy"]
    measures = [getattr(e, "measure", e.kind) for e in p.endpoints]
    assert measures == ["dfs", "dfs", "rfs", "os", "rfs"]
    assert p.identification.enrollment.target == 5796
    assert p.identification.enrollment.type == "actual"
