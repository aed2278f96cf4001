from __future__ import annotations

import pytest

from oncotrial.apps.studies.display import rule_text
from oncotrial.domain.protocol.eligibility import Criterion


def rule(data: object):
    return Criterion.model_validate({"id": "X1", "text": "t", "rule": data}).rule


@pytest.mark.parametrize(
    ("data", "text"),
    [
        ({"field": "ecog", "op": "<=", "value": 2}, "ECOG ≤ 2"),
        ({"field": "anc", "op": ">=", "value": 1.5, "unit": "10^9/L"}, "ANC ≥ 1.5 ×10^9/L"),
        ({"field": "bilirubin", "op": "<=", "value": 1.5, "unit": "xULN"}, "Bilirubin ≤ 1.5 × ULN"),
        ({"field": "age", "op": "between", "value": [18, 70]}, "Age 18–70"),
        ({"field": "age", "op": "between", "value": [18, 70], "unit": "years"}, "Age 18–70 years"),
        (
            {"field": "life_expectancy", "op": ">", "value": 3, "unit": "months"},
            "Life expectancy > 3 months",
        ),
        ({"field": "pregnant", "op": "==", "value": True}, "Pregnant: yes"),
        (
            {"field": "brain_metastases", "op": "==", "value": "active"},
            "Brain or CNS metastases = active",
        ),
        ({"field": "sex", "op": "in", "value": ["female", "male"]}, "Sex is one of female, male"),
        (
            {
                "any": [
                    {"field": "ecog", "op": "<=", "value": 1},
                    {
                        "all": [
                            {"field": "anc", "op": ">=", "value": 1500, "unit": "/mm3"},
                            {"field": "platelets", "op": ">=", "value": 100, "unit": "10^9/L"},
                        ]
                    },
                ]
            },
            "ECOG ≤ 1 or (ANC ≥ 1500 /mm3 and Platelets ≥ 100 ×10^9/L)",
        ),
        ({"not": {"field": "ecog", "op": ">", "value": 2}}, "not (ECOG > 2)"),
    ],
)
def test_rules_read_as_a_clinician_writes_them(data, text):
    assert rule_text(rule(data)) == text


def test_no_rule_is_an_investigator_checklist_item():
    assert rule_text(None) == "Investigator checklist"
