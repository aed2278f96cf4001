"""Splitting eligibility markdown into items."""

from __future__ import annotations

from oncotrial.registry.eligibility_text import split_criteria, unescape


def test_unescape() -> None:
    assert unescape(r"ANC \> 1.5 \[x\] 5\. 10\^9") == "ANC > 1.5 [x] 5. 10^9"


def test_headings_and_bullets() -> None:
    text = (
        "Inclusion Criteria:\n\n* Age \\>= 18\n* ECOG 0-1\n\n"
        "Exclusion Criteria:\n\n1. Pregnant\n2. Brain metastases\n"
    )
    split = split_criteria(text)
    assert [i.text for i in split.inclusion] == ["Age >= 18", "ECOG 0-1"]
    assert [i.text for i in split.exclusion] == ["Pregnant", "Brain metastases"]
    assert split.has_headings
    assert split.warnings == []


def test_heading_variants() -> None:
    text = (
        "Key Inclusion Criteria\n- A\nINCLUSION:\n- B\nDisease-specific exclusion criteria:\n- C\n"
        "Other exclusion criteria:\n- D\n"
    )
    split = split_criteria(text)
    assert [i.text for i in split.inclusion] == ["A", "B"]
    assert [i.text for i in split.exclusion] == ["C", "D"]


def test_nested_items_keep_parent_context() -> None:
    text = (
        "Inclusion Criteria:\n\n"
        "7. Have adequate organ function, as determined by:\n\n"
        "   * Platelet count ≥75x 109/L\n"
        "   * Hemoglobin ≥9 g/dL\n"
        "8. Willing to comply\n"
    )
    split = split_criteria(text)
    assert [i.text for i in split.inclusion] == [
        "Have adequate organ function, as determined by: Platelet count ≥75x 109/L",
        "Have adequate organ function, as determined by: Hemoglobin ≥9 g/dL",
        "Willing to comply",
    ]
    assert split.inclusion[0].own_text == "Platelet count ≥75x 109/L"
    assert split.inclusion[0].context == "Have adequate organ function, as determined by:"


def test_alternatives_stay_together() -> None:
    text = (
        "Inclusion Criteria:\n\n"
        "1. Female patients who:\n\n"
        "   * are postmenopausal, OR\n"
        "   * are surgically sterile\n"
    )
    (item,) = split_criteria(text).inclusion
    assert item.text == "Female patients who:\n- are postmenopausal, OR\n- are surgically sterile"


def test_legacy_wrapped_lines_are_joined() -> None:
    text = (
        "Inclusion Criteria:\n\n"
        "  -  Cancer should be staged recurrent or end-stage with/without metastases who have\n"
        "     failed all other therapy.\n\n"
        "  -  Patients must have normal organ and marrow function as defined below:\n\n"
        "       -  leukocytes ≥ 3,000/mm3\n\n"
        "       -  total bilirubin < 1.5 mg/dl OR a stable bilirubin in patients who\n"
        "          have a stent\n"
    )
    split = split_criteria(text)
    assert [i.text for i in split.inclusion] == [
        "Cancer should be staged recurrent or end-stage with/without metastases who have "
        "failed all other therapy.",
        "Patients must have normal organ and marrow function as defined below: "
        "leukocytes ≥ 3,000/mm3",
        "Patients must have normal organ and marrow function as defined below: "
        "total bilirubin < 1.5 mg/dl OR a stable bilirubin in patients who have a stent",
    ]


def test_follow_on_paragraph_belongs_to_its_item() -> None:
    text = (
        "Exclusion Criteria:\n\n"
        "2. Uncontrolled hypertension.\n\n"
        "   \\*Please note at least 3 drugs\n"
        "3. Other\n"
    )
    split = split_criteria(text)
    assert [i.text for i in split.exclusion] == [
        "Uncontrolled hypertension. *Please note at least 3 drugs",
        "Other",
    ]


def test_no_headings() -> None:
    split = split_criteria("Patients aged 18 or older\nECOG 0-1\n")
    assert not split.has_headings
    assert [i.text for i in split.inclusion] == ["Patients aged 18 or older", "ECOG 0-1"]
    assert split.exclusion == []
    assert "no 'Inclusion Criteria'" in split.warnings[0]


def test_nil_and_empty() -> None:
    split = split_criteria("Inclusion Criteria:\n\nNil\n\nExclusion Criteria:\n\nNil")
    assert split.inclusion == []
    assert split.exclusion == []
    assert split_criteria("").inclusion == []


def test_preamble_is_reported() -> None:
    split = split_criteria("For more information see the website.\n\nInclusion Criteria:\n\n* A")
    assert [i.text for i in split.inclusion] == ["A"]
    assert split.warnings == [
        "text before the first heading ignored: 'For more information see the website.'"
    ]
