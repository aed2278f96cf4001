"""The lab analyte catalogue against published conversion factors, and the arithmetic of
flags, ×ULN and change from baseline worked by hand."""

from __future__ import annotations

import pytest

from oncotrial.domain import labs
from oncotrial.domain.protocol.schedule import Assessment


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("WBC", "wbc"),
        ("ANC", "anc"),
        ("haemoglobin", "hemoglobin"),
        ("platelets", "platelets"),
        ("total bilirubin", "bilirubin"),
        ("Total Bilirubin", "bilirubin"),
        ("creatinine", "creatinine"),
        ("urea", "urea"),
        ("total cholesterol", "cholesterol"),
        ("triglycerides", "triglycerides"),
        ("CEA", "cea"),
        ("CA125", "ca125"),
        ("CA19-9", "ca19_9"),
        ("ca19_9", "ca19_9"),
        ("TSH", "tsh"),
        ("FT3", "ft3"),
        ("FT4", "ft4"),
        ("PT", "pt"),
        ("INR", "inr"),
        ("APTT", "aptt"),
        ("fibrinogen", "fibrinogen"),
        ("amylase", "amylase"),
        ("lipase", "lipase"),
        ("glucose", "glucose"),
        ("drain amylase", "drain_amylase"),
        ("lymphocytes", "lymphocytes"),
        ("ALT", "alt"),
        ("AST", "ast"),
        ("albumin", "albumin"),
    ],
)
def test_every_panel_name_of_the_seed_protocols_resolves(name, expected):
    assert labs.resolve(name).id == expected


def test_an_unknown_panel_entry_is_named_with_suggestions():
    with pytest.raises(labs.UnknownAnalyteError) as err:
        labs.resolve("haemoglobn")
    assert "'haemoglobn'" in str(err.value)
    assert "did you mean" in str(err.value)
    assert "haemoglobin" in str(err.value).lower()


def test_a_panel_resolves_in_order_and_a_single_marker_by_its_id():
    panel = Assessment(id="chemistry", label="Chem", kind="lab", panel=["ALT", "total bilirubin"])
    assert [a.id for a in labs.assessment_analytes(panel)] == ["alt", "bilirubin"]
    marker = Assessment(id="ca19_9", label="CA19-9", kind="lab", unit="U/mL")
    assert [a.id for a in labs.assessment_analytes(marker)] == ["ca19_9"]
    qualitative = Assessment(id="pregnancy_test", label="Pregnancy test", kind="lab")
    assert labs.assessment_analytes(qualitative) == []
    bad = Assessment(id="x", label="X", kind="lab", panel=["WBC", "unobtainium"])
    with pytest.raises(labs.UnknownAnalyteError):
        labs.assessment_analytes(bad)


# Published factors: bilirubin 1 mg/dL = 17.1 µmol/L (MW 584.7); creatinine 1 mg/dL =
# 88.4 µmol/L (MW 113.1); glucose 1 mmol/L = 18.016 mg/dL (MW 180.16); haemoglobin
# 1 g/dL = 10 g/L; cholesterol 1 mmol/L = 38.67 mg/dL; triglycerides 1 mmol/L = 88.57 mg/dL.
@pytest.mark.parametrize(
    ("analyte", "value", "src", "dst", "expected"),
    [
        ("hemoglobin", 12.5, "g/dL", "g/L", 125.0),
        ("hemoglobin", 90, "g/L", "g/dL", 9.0),
        ("bilirubin", 1.0, "mg/dL", "µmol/L", 17.1),
        ("bilirubin", 34.2, "umol/L", "mg/dL", 2.0),
        ("creatinine", 1.0, "mg/dL", "µmol/L", 88.4),
        ("creatinine", 176.8, "μmol/L", "mg/dL", 2.0),
        ("glucose", 5.0, "mmol/L", "mg/dL", 90.08),
        ("glucose", 180.16, "mg/dL", "mmol/L", 10.0),
        ("cholesterol", 200, "mg/dL", "mmol/L", 200 / 38.67),
        ("triglycerides", 150, "mg/dL", "mmol/L", 150 / 88.57),
        ("anc", 1500, "/mm3", "10^9/L", 1.5),
        ("platelets", 100, "x10^9/L", "/uL", 100000),
        ("alt", 1, "µkat/L", "U/L", 60),
        ("fibrinogen", 300, "mg/dL", "g/L", 3.0),
        ("ca19_9", 37, "kU/L", "U/mL", 37),
    ],
)
def test_conversions_use_the_published_factors(analyte, value, src, dst, expected):
    assert labs.convert(labs.BY_ID[analyte], value, src, dst) == pytest.approx(expected)


def test_a_unit_an_analyte_is_not_reported_in_is_refused_with_the_choices():
    with pytest.raises(labs.LabUnitError) as err:
        labs.lab_unit(labs.BY_ID["platelets"], "g/dL")
    assert "g/dL is not a unit of Platelets" in str(err.value)
    assert "10^9/L" in str(err.value)


def test_flags_and_multiples_of_the_upper_limit():
    assert labs.flag(1.2, 1.8, 6.3) == "L"
    assert labs.flag(6.3, 1.8, 6.3) == ""
    assert labs.flag(6.4, 1.8, 6.3) == "H"
    assert labs.flag(50, None, 37) == "H"
    assert labs.times_uln(30, 20) == 1.5
    assert labs.times_uln(80, 40) == 2.0
    assert labs.times_uln(5, None) is None


def test_default_range_in_another_unit():
    # bilirubin 3.4–20.5 µmol/L is 0.2–1.2 mg/dL (÷ 17.1)
    rng = labs.default_range(labs.BY_ID["bilirubin"], "mg/dL")
    assert rng.lower == pytest.approx(0.19883, abs=1e-4)
    assert rng.upper == pytest.approx(1.19883, abs=1e-4)


def test_change_from_baseline_and_best_change_by_hand():
    # CA19-9 from 400 U/mL to 300: −100, −25 %
    change = labs.change_from_baseline(300, 400)
    assert change.absolute == -100
    assert change.percent == pytest.approx(-25.0)
    # rises are positive
    assert labs.change_from_baseline(500, 400).percent == pytest.approx(25.0)
    assert labs.change_from_baseline(3, 0).percent is None
    # best: the largest fall among 360, 120, 200 from 400 is 120 (−70 %)
    best = labs.best_change(400, [360, 120, 200])
    assert best is not None
    assert best.absolute == -280
    assert best.percent == pytest.approx(-70.0)
    assert labs.best_change(400, []) is None


def test_screening_values_in_the_variable_unit_or_xuln():
    bili = labs.screening_value(
        labs.BY_ID["bilirubin"], 30, "umol/L", variable_unit="xULN", upper=20
    )
    assert (bili.variable, bili.value, bili.unit) == ("bilirubin", 1.5, "xULN")
    # without a laboratory range: the catalogue's ULN converted to the result's unit
    alt = labs.screening_value(labs.BY_ID["alt"], 100, "U/L", variable_unit="xULN")
    assert alt.value == pytest.approx(2.5)
    hb = labs.screening_value(labs.BY_ID["hemoglobin"], 95, "g/L", variable_unit="g/dL")
    assert (hb.value, hb.unit) == (9.5, "g/dL")
    anc = labs.screening_value(labs.BY_ID["anc"], 1500, "/uL", variable_unit="10^9/L")
    assert anc.value == pytest.approx(1.5)
    inr = labs.screening_value(labs.BY_ID["inr"], 1.1, None, variable_unit=None)
    assert (inr.value, inr.unit) == (1.1, None)
    with pytest.raises(ValueError, match="does not give a screening variable"):
        labs.screening_value(labs.BY_ID["urea"], 5, None, variable_unit=None)


def test_negative_and_impossible_values_are_refused():
    assert labs.check_value(labs.BY_ID["anc"], -1, None).problems == [
        "Absolute neutrophil count cannot be negative."
    ]
    # haemoglobin 125 entered as g/dL by mistake (12,5 g/dL meant): 1250 g/L is impossible
    problems = labs.check_value(labs.BY_ID["hemoglobin"], 125, "g/dL").problems
    assert problems
    assert "physiological limit" in problems[0]
    assert labs.check_value(labs.BY_ID["hemoglobin"], 125, "g/L").problems == []


def test_every_catalogue_entry_is_consistent():
    for analyte in labs.CATALOGUE:
        assert analyte.units[0].factor == 1.0, analyte.id
        if analyte.lower is not None and analyte.upper is not None:
            assert analyte.lower < analyte.upper, analyte.id
        assert (analyte.variable is None) == (analyte.feeds is None), analyte.id
        if analyte.feeds == "xuln":
            assert analyte.upper is not None, analyte.id
