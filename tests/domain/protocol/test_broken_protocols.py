"""Each file in broken/ is the minimal protocol with one deliberate mistake. The
validator must name the file, the line, the dotted path and what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from oncotrial.cli import main
from oncotrial.domain.protocol import validate_file

HERE = Path(__file__).parent
BROKEN = HERE / "broken"

EXPECTED: dict[str, list[str]] = {
    "age_range_reversed": [
        "20: eligibility.max_age_years: max_age_years (18) is below min_age_years (75)"
    ],
    "bad_id": [
        "2: id: 'Minimal Trial' is not a valid id: use lower-case letters, digits and "
        "underscores, starting with a letter"
    ],
    "bad_nct_id": [
        "5: identification.nct_id: 'NCT1234567' is not an NCT number (NCT followed by 8 digits)"
    ],
    "choice_value": [
        "27: eligibility.exclusion.0.rule.value: 'untreated' is not a choice of "
        "'brain_metastases' (none, treated_stable, active)"
    ],
    "duplicate_criterion_id": ["25: eligibility.exclusion.0.id: duplicate criterion id 'I1'"],
    "duplicate_visit_id": ["35: schedule.visits.1.id: duplicate visit id 'imaging'"],
    "duplicate_yaml_key": ["20: eligibility.min_age_years: duplicate key"],
    "empty": ["1: (top level): the file is empty"],
    "missing_section": ["2: safety: required key is missing"],
    "not_a_mapping": ["1: (top level): a protocol file must be a mapping of keys to values"],
    "not_yaml": ["8: (top level): not valid YAML: expected ',' or ']', but got ':'"],
    "unit_does_not_fit": [
        "23: eligibility.inclusion.0.rule.unit: unit 'g/dL' does not fit 'anc', recorded in "
        "10^9/L (cell count)"
    ],
    "unknown_anchor": [
        "37: schedule.visits.1.anchor: unknown anchor 'first_infusion' "
        "(known: consent, enrollment, first_dose)"
    ],
    "unknown_endpoint_kind": [
        "48: endpoints.0.kind: 'response_rate' is not allowed; expected one of "
        "'time_to_event', 'objective_response_rate', 'disease_control_rate', "
        "'best_overall_response', 'marker_change', 'adverse_events', 'descriptive'"
    ],
    "unknown_intervention": [
        "17: design.arms.0.interventions.0: unknown intervention 'drug_b' (known: drug_a)"
    ],
    "unknown_key": ["43: safety.sae_hours: unknown key"],
    "unknown_unit": ["15: design.interventions.0.dose.unit: unknown unit 'mgs' (did you mean mg?)"],
    "unknown_variable": [
        "23: eligibility.inclusion.0.rule.field: unknown screening variable 'ecgo' "
        "(did you mean ecog?)"
    ],
    "unknown_visit": [
        "51: endpoints.0.assessment_visit: unknown visit 'week_8_scan' (known: baseline, imaging)"
    ],
    "wrong_type": [
        "10: identification.enrollment.target: input should be a valid integer, unable to parse "
        "string as an integer (got 'twenty')"
    ],
}


def test_every_broken_file_has_an_expectation() -> None:
    assert sorted(p.stem for p in BROKEN.glob("*.yaml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_broken_protocol_reports_path_and_message(name: str) -> None:
    path = BROKEN / f"{name}.yaml"
    validation = validate_file(path)
    assert not validation.ok
    assert validation.protocol is None
    assert validation.format_problems() == [f"{path}:{line}" for line in EXPECTED[name]]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_cli_validate_exits_2_with_one_line_per_problem(name: str) -> None:
    path = BROKEN / f"{name}.yaml"
    result = CliRunner().invoke(main, ["protocol", "validate", str(path)])
    assert result.exit_code == 2
    assert result.output.splitlines() == [f"{path}:{line}" for line in EXPECTED[name]]


def test_minimal_protocol_is_valid() -> None:
    result = CliRunner().invoke(main, ["protocol", "validate", str(HERE / "minimal.yaml")])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"{HERE / 'minimal.yaml'}: valid"


def test_validate_reports_every_file_and_fails_if_any_fails() -> None:
    good, bad = HERE / "minimal.yaml", BROKEN / "unknown_key.yaml"
    result = CliRunner().invoke(main, ["protocol", "validate", str(good), str(bad)])
    assert result.exit_code == 2
    assert f"{good}: valid" in result.output
    assert f"{bad}:43: safety.sae_hours: unknown key" in result.output


def test_missing_file_is_reported_not_raised(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    result = CliRunner().invoke(main, ["protocol", "validate", str(missing)])
    assert result.exit_code == 2
    assert result.output.startswith(f"{missing}: (top level): cannot read the file:")
