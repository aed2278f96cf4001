"""Validation of filled case report forms against the seed protocols' forms."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from oncotrial.domain.crf import (
    EXPECTED_RANGE_CHECK,
    HIDDEN_VALUE_CHECK,
    display_value,
    from_stored,
    to_stored,
    validate_form,
    visible_items,
)
from oncotrial.domain.protocol import load_protocol
from oncotrial.domain.protocol.forms import Form

STUDIES = Path(__file__).resolve().parents[2] / "studies"


def _form(study: str, form_id: str) -> Form:
    protocol = load_protocol(STUDIES / study)
    return next(form for form in protocol.forms if form.id == form_id)


@pytest.fixture(scope="module")
def baseline() -> Form:
    return _form("sirolimus-pancreatic-cancer.yaml", "baseline_history")


@pytest.fixture(scope="module")
def specimen() -> Form:
    return _form("intestinal-radiotherapy-pd1.yaml", "specimen_log")


@pytest.fixture(scope="module")
def surgery() -> Form:
    return _form("surgery-liver-metastatic-pancreatic-cancer.yaml", "surgical_details")


BASELINE = {
    "height": "172.5",
    "weight": "68",
    "pathology": "pdac",
    "ajcc_edition": "8",
    "t_stage": "T3",
    "n_stage": "N1",
    "m_stage": "M1",
    "metastatic_sites": ["liver", "peritoneum"],
    "prior_resection": "no",
    "prior_lines": "2",
    "hypertension": False,
    "hypercholesterolaemia": "false",
    "diabetes": "yes",
}


def test_complete_baseline_form_is_clean_and_typed(baseline):
    result = validate_form(baseline, BASELINE)
    assert result.ok, result.hard_errors
    assert result.soft_findings == []
    values = result.values
    assert values["height"] == 172.5
    assert values["weight"] == 68.0
    assert values["prior_lines"] == 2
    assert isinstance(values["prior_lines"], int)
    assert values["prior_resection"] is False
    assert values["diabetes"] is True
    assert values["ajcc_edition"] == "8"
    assert values["metastatic_sites"] == ["liver", "peritoneum"]
    assert values["resection_date"] is None
    assert "metastatic_sites" in result.visible
    assert "resection_date" not in result.visible
    assert "pathology_other" not in result.visible


def test_required_items_only_while_shown(baseline):
    raw = {**BASELINE, "prior_resection": True}
    result = validate_form(baseline, raw)
    assert result.hard_errors == {
        "resection_date": ["This item is required."],
        "postoperative_recurrence": ["This item is required."],
    }
    raw = {k: v for k, v in BASELINE.items() if k != "metastatic_sites"}
    assert validate_form(baseline, {**raw, "m_stage": "M0"}).ok
    assert "metastatic_sites" in validate_form(baseline, raw).hard_errors


def test_partial_lists_missing_required_without_blocking(baseline):
    result = validate_form(baseline, {"height": 170}, partial=True)
    assert result.ok
    assert "weight" in result.missing_required
    assert "height" not in result.missing_required
    assert "weight" in validate_form(baseline, {"height": 170}).hard_errors


@pytest.mark.parametrize(
    ("item", "value", "message"),
    [
        ("height", "tall", "enter a number"),
        ("height", 250, "above the maximum of 230 cm"),
        ("weight", 20, "below the minimum of 25 kg"),
        ("prior_lines", "1.5", "whole number"),
        ("prior_lines", 11, "above the maximum"),
        ("pathology", "sarcoma", "not one of pdac"),
        ("metastatic_sites", ["liver", "brain"], "'brain' not among"),
        ("hypertension", "maybe", "yes or no"),
        ("m_stage", True, "choose one of"),
        ("nonsense", 1, "not an item of form baseline_history"),
    ],
)
def test_hard_errors(baseline, item, value, message):
    result = validate_form(baseline, {**BASELINE, item: value})
    assert not result.ok
    assert any(message in text for text in result.hard_errors[item]), result.hard_errors


def test_dates_and_bad_dates(baseline):
    raw = {**BASELINE, "prior_resection": True, "postoperative_recurrence": True}
    good = validate_form(baseline, {**raw, "resection_date": "2023-05-04"})
    assert good.ok
    assert good.values["resection_date"] == dt.date(2023, 5, 4)
    bad = validate_form(baseline, {**raw, "resection_date": "04/05/2023"})
    assert "YYYY-MM-DD" in bad.hard_errors["resection_date"][0]


def test_soft_range_is_a_finding_not_an_error(baseline):
    result = validate_form(baseline, {**BASELINE, "weight": 130})
    assert result.ok
    assert [(f.item_id, f.check_id) for f in result.soft_findings] == [
        ("weight", EXPECTED_RANGE_CHECK)
    ]
    assert "35–120 kg" in result.soft_findings[0].message


def test_soft_cross_check(baseline):
    result = validate_form(baseline, {**BASELINE, "prior_lines": 1})
    assert result.ok
    checks = {(f.item_id, f.check_id) for f in result.soft_findings}
    assert checks == {("prior_lines", "eligibility_route_recorded")}
    finding = result.soft_findings[0]
    assert set(finding.items) == {"prior_resection", "prior_lines"}
    zero = validate_form(baseline, {**BASELINE, "prior_lines": 0})
    assert {f.check_id for f in zero.soft_findings} == {
        EXPECTED_RANGE_CHECK,
        "eligibility_route_recorded",
    }


def test_undecidable_cross_check_raises_nothing(baseline):
    result = validate_form(baseline, {"height": 170}, partial=True)
    assert result.soft_findings == []


def test_hard_cross_check(surgery):
    raw = {
        "surgery_date": "2024-03-01",
        "cycles_before_surgery": 6,
        "preop_regimen": "ag",
        "pancreatic_procedure": "pd",
        "liver_procedure": "wedge",
        "liver_lesions_treated": 0,
        "blood_loss": 300,
        "transfusion": False,
        "resection_margin": "R0",
        "intraop_specimen_collected": False,
        "postop_specimen_collected": False,
    }
    result = validate_form(surgery, raw)
    assert result.hard_errors == {
        "liver_lesions_treated": [
            "A liver procedure is recorded but no liver lesion was resected or ablated."
        ]
    }
    assert validate_form(surgery, {**raw, "liver_lesions_treated": 2}).ok
    # no liver procedure: the count is hidden, and the check holds
    no_liver = validate_form(surgery, {**raw, "liver_procedure": "none"})
    assert no_liver.ok
    assert "liver_lesions_treated" not in no_liver.visible
    assert [n.item_id for n in no_liver.notices] == ["liver_lesions_treated"]


def test_hidden_value_is_dropped_with_a_notice(baseline):
    result = validate_form(baseline, {**BASELINE, "m_stage": "M0"})
    assert result.ok
    assert result.values["metastatic_sites"] is None
    assert [(n.item_id, n.check_id) for n in result.notices] == [
        ("metastatic_sites", HIDDEN_VALUE_CHECK)
    ]
    assert result.soft_findings == []


def test_hidden_items_are_not_checked(baseline):
    result = validate_form(baseline, {**BASELINE, "resection_date": "garbage"})
    assert result.ok
    assert result.values["resection_date"] is None


def test_chained_show_if(specimen):
    stool = {
        "sample_type": "stool",
        "timepoint": "baseline",
        "collected_on": "2024-02-01",
        "bristol_scale": 4,
        "antimicrobials_since_last": True,
        "antimicrobial_names": "amoxicillin 1-5 Jan",
        "specimen_id": "T-1",
    }
    assert validate_form(specimen, stool).ok
    blood = {**stool, "sample_type": "blood", "blood_volume": 10}
    result = validate_form(specimen, blood)
    assert result.ok, result.hard_errors
    assert {"bristol_scale", "antimicrobials_since_last", "antimicrobial_names"}.isdisjoint(
        result.visible
    )
    assert {n.item_id for n in result.notices} == {
        "bristol_scale",
        "antimicrobials_since_last",
        "antimicrobial_names",
    }
    missing = validate_form(specimen, {**stool, "antimicrobial_names": ""})
    assert missing.hard_errors == {"antimicrobial_names": ["This item is required."]}


def test_soft_check_on_specimen(specimen):
    raw = {
        "sample_type": "tissue",
        "timepoint": "post_rt",
        "collected_on": "2024-02-01",
        "specimen_id": "T-2",
        "storage_temperature": -20,
    }
    result = validate_form(specimen, raw)
    assert result.ok
    assert {(f.item_id, f.check_id) for f in result.soft_findings} == {
        ("storage_temperature", EXPECTED_RANGE_CHECK),
        ("sample_type", "no_tissue_after_rt"),
    }


def test_units_convert_within_a_dimension(baseline, specimen):
    result = validate_form(baseline, {**BASELINE, "height": "1725"}, {"height": "mm"})
    assert result.ok
    assert result.values["height"] == pytest.approx(172.5)
    assert result.converted["height"] == "1725 mm → 172.5 cm"
    # body weight (kg) and drug mass (g, mg) are different dimensions
    grams = validate_form(baseline, {**BASELINE, "weight": 68000}, {"weight": "g"})
    assert "g is a unit of mass" in grams.hard_errors["weight"][0]
    wrong = validate_form(baseline, {**BASELINE, "height": 172}, {"height": "kg"})
    assert "is a unit of body mass" in wrong.hard_errors["height"][0]
    unknown = validate_form(baseline, {**BASELINE, "height": 172}, {"height": "furlong"})
    assert "unknown unit" in unknown.hard_errors["height"][0]
    no_unit = validate_form(baseline, {**BASELINE, "prior_lines": 2}, {"prior_lines": "mg"})
    assert "takes no unit" in no_unit.hard_errors["prior_lines"][0]
    # the item's own unit and a blank unit change nothing
    assert validate_form(baseline, BASELINE, {"height": "cm", "weight": ""}).ok


def test_datetime_is_utc():
    form = Form.model_validate(
        {
            "id": "infusion",
            "label": "Infusion",
            "fields": [
                {"id": "started", "label": "Started", "type": "datetime", "required": True},
                {"id": "note", "label": "Note", "type": "text"},
            ],
        }
    )
    result = validate_form(form, {"started": "2024-01-02T10:30:00+08:00"})
    assert result.values["started"] == dt.datetime(2024, 1, 2, 2, 30, tzinfo=dt.UTC)
    assert to_stored(result.values["started"]) == "2024-01-02T02:30:00+00:00"
    naive = validate_form(form, {"started": "2024-01-02T10:30"})
    assert naive.values["started"] == dt.datetime(2024, 1, 2, 10, 30, tzinfo=dt.UTC)


def test_multichoice_show_if_and_comma_text():
    form = Form.model_validate(
        {
            "id": "mets",
            "label": "Metastases",
            "fields": [
                {
                    "id": "sites",
                    "label": "Sites",
                    "type": "multichoice",
                    "choices": [
                        {"code": "liver", "label": "Liver"},
                        {"code": "lung", "label": "Lung"},
                    ],
                },
                {
                    "id": "liver_count",
                    "label": "Liver lesions",
                    "type": "integer",
                    "required": True,
                    "show_if": {"field": "sites", "op": "in", "value": ["liver"]},
                },
            ],
        }
    )
    assert visible_items(form, {"sites": ["lung"]}) == {"sites"}
    assert visible_items(form, {"sites": ["lung", "liver"]}) == {"sites", "liver_count"}
    result = validate_form(form, {"sites": "lung, liver"})
    assert result.values["sites"] == ["liver", "lung"]
    assert result.hard_errors == {"liver_count": ["This item is required."]}


def test_storage_round_trip_and_display(baseline):
    result = validate_form(baseline, BASELINE)
    by_id = {item.id: item for item in baseline.fields}
    for key, value in result.values.items():
        assert from_stored(by_id[key], to_stored(value)) == value
    assert display_value(by_id["pathology"], "pdac") == "Pancreatic ductal adenocarcinoma"
    assert display_value(by_id["metastatic_sites"], ["liver", "bone"]) == "Liver, Bone"
    assert display_value(by_id["height"], 172.5) == "172.5 cm"
    assert display_value(by_id["diabetes"], True) == "Yes"
    assert display_value(by_id["symptoms"], None) == ""
