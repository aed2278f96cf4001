"""Protocol validation beyond single mistakes: rules, forms, schedule timing, warnings,
and the CLI's show and schema commands."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from click.testing import CliRunner

from oncotrial.cli import main
from oncotrial.domain.protocol import validate_text
from oncotrial.domain.protocol.rules import AllOf, AnyOf, Condition, Not, conditions

MINIMAL = Path(__file__).parent / "minimal.yaml"


def _minimal() -> dict:
    return yaml.safe_load(MINIMAL.read_text())


def _problems(data: dict) -> list[str]:
    validation = validate_text(yaml.safe_dump(data, sort_keys=False), "p.yaml")
    return [f"{p.severity}: {p.dotted_path}: {p.message}" for p in validation.problems]


def test_nested_rule_groups_parse_into_their_kinds() -> None:
    data = _minimal()
    data["eligibility"]["inclusion"][0]["rule"] = {
        "any": [
            {
                "all": [
                    {"field": "ast", "op": "<=", "value": 2.5, "unit": "xULN"},
                    {"field": "liver_metastases", "op": "==", "value": False},
                ]
            },
            {
                "all": [
                    {"field": "ast", "op": "<=", "value": 5, "unit": "xULN"},
                    {"not": {"field": "liver_metastases", "op": "==", "value": False}},
                ]
            },
        ]
    }
    validation = validate_text(yaml.safe_dump(data), "p.yaml")
    assert validation.ok, validation.format_problems()
    assert validation.protocol is not None
    rule = validation.protocol.eligibility.inclusion[0].rule
    assert isinstance(rule, AnyOf)
    assert isinstance(rule.any[0], AllOf)
    assert isinstance(rule.any[1].all[1], Not)  # type: ignore[union-attr]
    fields = [c.field for c in conditions(rule)]
    assert fields == ["ast", "liver_metastases", "ast", "liver_metastases"]
    assert all(isinstance(c, Condition) for c in conditions(rule))


def test_operator_and_value_must_fit_the_variable() -> None:
    data = _minimal()
    data["eligibility"]["inclusion"] = [
        {"id": "I1", "text": "t", "rule": {"field": "pregnant", "op": "<", "value": True}},
        {"id": "I2", "text": "t", "rule": {"field": "ecog", "op": "<=", "value": "two"}},
        {"id": "I3", "text": "t", "rule": {"field": "age", "op": "between", "value": [70, 18]}},
        {"id": "I4", "text": "t", "rule": {"field": "ecog", "op": "in", "value": 1}},
        {"id": "I5", "text": "t", "rule": {"field": "ecog", "op": "<=", "value": 1, "unit": "mm"}},
    ]
    assert _problems(data) == [
        "error: eligibility.inclusion.0.rule.op: 'pregnant' is yes/no: use '==' or '!='",
        "error: eligibility.inclusion.1.rule.value: 'ecog' is a number; got 'two'",
        "error: eligibility.inclusion.2.rule.value: 'between' range is empty: 70 > 18",
        "error: eligibility.inclusion.3.rule.value: 'in' needs a list of values",
        "error: eligibility.inclusion.4.rule.unit: 'ecog' has no unit; remove 'mm'",
    ]


def test_protocol_variables_extend_the_builtin_catalogue() -> None:
    data = _minimal()
    data["eligibility"]["variables"] = [
        {"id": "prior_anlotinib", "label": "Prior anlotinib", "type": "boolean"}
    ]
    data["eligibility"]["exclusion"][0]["rule"] = {
        "field": "prior_anlotinib",
        "op": "==",
        "value": True,
    }
    assert _problems(data) == []
    data["eligibility"]["variables"][0]["id"] = "ecog"
    assert "error: eligibility.variables.0.id: 'ecog' is a built-in screening variable" in (
        _problems(data)
    )


def test_form_rules_name_fields_of_the_same_form() -> None:
    data = _minimal()
    data["forms"] = [
        {
            "id": "history",
            "label": "Medical history",
            "fields": [
                {"id": "smoker", "label": "Smoker", "type": "boolean"},
                {
                    "id": "pack_years",
                    "label": "Pack-years",
                    "type": "decimal",
                    "min": 0,
                    "show_if": {"field": "smokes", "op": "==", "value": True},
                },
                {
                    "id": "stage",
                    "label": "Stage",
                    "type": "choice",
                    "choices": [{"code": "III", "label": "III"}, {"code": "IV", "label": "IV"}],
                },
            ],
            "checks": [
                {
                    "id": "stage_known",
                    "rule": {"field": "stage", "op": "in", "value": ["III", "IV", "V"]},
                    "message": "stage must be III or IV",
                }
            ],
        }
    ]
    assert _problems(data) == [
        "error: forms.0.fields.1.show_if.field: unknown screening variable 'smokes' "
        "(known: pack_years, smoker, stage)",
        "error: forms.0.checks.0.rule.value: 'V' is not a choice of 'stage' (III, IV)",
    ]


def test_choice_field_without_choices_and_empty_range_are_refused() -> None:
    data = _minimal()
    data["forms"] = [
        {
            "id": "f",
            "label": "F",
            "fields": [
                {"id": "a", "label": "A", "type": "choice"},
                {"id": "b", "label": "B", "type": "integer", "min": 10, "max": 1},
            ],
        }
    ]
    assert _problems(data) == [
        "error: forms.0.fields.0: a choice field needs 'choices'",
        "error: forms.0.fields.1: range is empty: 10 > 1",
    ]


def test_a_visit_has_one_day_or_a_list_of_days() -> None:
    data = _minimal()
    data["schedule"]["visits"][0]["days"] = [1, 3]
    assert _problems(data) == [
        "error: schedule.visits.0: give exactly one of 'day' (one visit) or 'days' (a list)"
    ]


def test_event_triggered_visits_with_a_list_of_days_are_valid() -> None:
    data = _minimal()
    data["schedule"]["anchors"].append(
        {"id": "surgery", "label": "Surgery", "event_triggered": True}
    )
    data["schedule"]["visits"].append(
        {"id": "postop", "label": "Post-operative", "anchor": "surgery", "days": [1, 3, 5, 7, 30]}
    )
    validation = validate_text(yaml.safe_dump(data), "p.yaml")
    assert validation.ok, validation.format_problems()
    assert validation.protocol is not None
    assert validation.protocol.schedule.visits[-1].days == [1, 3, 5, 7, 30]


def test_stated_sizes_that_disagree_are_warnings_not_errors() -> None:
    data = _minimal()
    data["sample_size"] = {"method": "descriptive", "target": 24}
    data["design"]["arms"][0]["target_size"] = 18
    validation = validate_text(yaml.safe_dump(data), "p.yaml")
    assert validation.ok
    assert [p.message for p in validation.warnings] == [
        "the arms' target sizes add up to 18, not the enrollment target 20",
        "sample_size.target (24) differs from identification.enrollment.target (20)",
    ]


def test_response_endpoint_needs_the_tumour_response_section() -> None:
    data = _minimal()
    del data["tumour_response"]
    assert _problems(data) == [
        "error: endpoints.0.criteria: a response endpoint needs a 'tumour_response' section "
        "in the protocol"
    ]


def test_show_json_prints_the_normalised_protocol() -> None:
    result = CliRunner().invoke(main, ["protocol", "show", str(MINIMAL), "--json"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert shown["id"] == "minimal_trial"
    assert shown["eligibility"]["inclusion"][0]["rule"] == {
        "field": "ecog",
        "op": "<=",
        "value": 1,
        "unit": None,
    }
    # normalisation fills defaults the file left out
    assert shown["design"]["masking"] == "none"
    assert shown["schedule"]["visits"][0]["window"] == {"before": 0, "after": 0}
    assert shown["safety"]["sae_initial_report_hours"] == 24


def test_show_refuses_an_invalid_file() -> None:
    broken = Path(__file__).parent / "broken" / "unknown_key.yaml"
    result = CliRunner().invoke(main, ["protocol", "show", str(broken), "--json"])
    assert result.exit_code == 2
    assert "safety.sae_hours: unknown key" in result.output


def test_schema_is_a_json_schema_of_the_format() -> None:
    result = CliRunner().invoke(main, ["protocol", "schema"])
    assert result.exit_code == 0
    schema = json.loads(result.output)
    assert schema["title"] == "Protocol"
    assert {"identification", "design", "eligibility", "schedule", "endpoints"} <= set(
        schema["properties"]
    )
    assert set(schema["required"]) >= {"id", "version", "identification", "endpoints"}
    assert schema["additionalProperties"] is False


def test_sample_size_methods_are_those_the_calculators_know() -> None:
    from typing import get_args

    from oncotrial.domain.design import SAMPLE_SIZE_METHODS
    from oncotrial.domain.protocol.sample_size import SampleSizeMethod

    assert set(get_args(SampleSizeMethod)) == {*SAMPLE_SIZE_METHODS, "descriptive"}


def test_stated_sample_size_is_recomputed_and_a_difference_warned() -> None:
    # Simon (1989) optimal design for p0 0.10, p1 0.30, alpha 0.05, power 0.80: n = 29.
    data = _minimal()
    data["identification"]["enrollment"]["target"] = 29
    data["sample_size"] = {
        "method": "simon-optimal",
        "parameters": {"p0": 0.1, "p1": 0.3, "alpha": 0.05, "power": 0.8},
        "target": 29,
    }
    assert _problems(data) == []
    data["sample_size"]["target"] = 30
    data["identification"]["enrollment"]["target"] = 30
    [warning] = _problems(data)
    assert warning.startswith(
        "warning: sample_size.target: the protocol states 30 but simon-optimal with these "
        "parameters gives 29"
    )


def test_bad_design_parameter_is_an_error_naming_it() -> None:
    data = _minimal()
    data["sample_size"] = {
        "method": "simon-optimal",
        "parameters": {"p0": 0.3, "p1": 0.1, "alpha": 0.05, "power": 0.8},
        "target": 20,
    }
    [error] = _problems(data)
    assert error.startswith("error: sample_size.parameters.p1: must be greater than p0")
