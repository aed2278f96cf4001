"""The NCI workbook reader: the published v5.0 workbook, the v4.03 column layout, and
files it refuses with the sheet, row and column named."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from oncotrial.domain.ctcae.workbook import WorkbookError, map_header, read_workbook

V5 = Path(__file__).parents[3].parent / "shared" / "reference" / "ctcae" / "CTCAE_v5.0.xlsx"
NBSP = "\xa0"

V4_HEADER = [
    "MedDRA v12.0 Code",
    "CTCAE v4.0 SOC",
    "CTCAE v4.0 Term",
    f"Grade 1{NBSP}",
    f"Grade 2{NBSP}",
    f"Grade 3{NBSP}",
    f"Grade 4{NBSP}",
    f"Grade 5{NBSP}",
    "CTCAE v4.0 AE Term Definition",
]


def _v4_workbook(path: Path, rows: list[list[object]], title: str = "ctcae_4.03") -> Path:
    book = Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(["Common Terminology Criteria for Adverse Events (CTCAE) Version 4.03"])
    sheet.append([])
    sheet.append(V4_HEADER)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


@pytest.fixture
def v5_workbook() -> Path:
    if not V5.exists():
        pytest.skip("the NCI CTCAE v5.0 workbook is not available")
    return V5


def test_the_v5_workbook_gives_837_terms(v5_workbook):
    seen: list[int] = []
    catalogue = read_workbook(v5_workbook, progress=seen.append)

    assert (catalogue.version, catalogue.sheet) == ("5.0", "CTCAE v5.0 Clean Copy")
    assert len(catalogue.terms) == 837
    assert seen[-1] == 837
    assert len(catalogue.soc_counts()) == 26
    terms = {t.term: t for t in catalogue.terms}
    alopecia = terms["Alopecia"]
    assert alopecia.grades == (1, 2)
    assert alopecia.meddra_code == "10001760"
    assert alopecia.soc == "Skin and subcutaneous tissue disorders"
    assert set(alopecia.descriptions) == {1, 2}
    assert terms["Anemia"].descriptions[5] == "Death"
    assert terms["Febrile neutropenia"].grades == (3, 4, 5)


def test_a_version_named_wrongly_is_refused(v5_workbook):
    with pytest.raises(WorkbookError, match=r"CTCAE version 6\.0 is not one of 5\.0, 4\.03"):
        read_workbook(v5_workbook, version="6.0")


def test_v4_header_found_below_a_title_and_mapped_by_name():
    columns = map_header(V4_HEADER, 3)
    assert columns is not None
    assert (columns.code, columns.soc, columns.term) == (0, 1, 2)
    assert columns.grades == {1: 3, 2: 4, 3: 5, 4: 6, 5: 7}
    assert columns.definition == 8
    assert columns.navigational_note is None
    assert columns.version_hint == "4.03"


def test_columns_in_another_order_are_found_by_name():
    shuffled = [
        "CTCAE Term",
        "Grade 5",
        "Grade 4",
        "Grade 3",
        "Grade 2",
        "Grade 1",
        "MedDRA SOC",
        "MedDRA Code",
        "Navigational Note",
        "Definition",
    ]
    columns = map_header(shuffled, 1)
    assert columns is not None
    assert (columns.term, columns.soc, columns.code) == (0, 6, 7)
    assert columns.grades[1] == 5
    assert columns.grades[5] == 1
    assert (columns.definition, columns.navigational_note) == (9, 8)


def test_a_v4_workbook_is_read_and_its_version_detected(tmp_path):
    path = _v4_workbook(
        tmp_path / "v4.xlsx",
        [
            [
                10001760,
                "Skin and subcutaneous tissue disorders",
                "Alopecia",
                "Hair loss a",
                "Hair loss b",
                "-",
                "-",
                "-",
                "Hair thinning.",
            ],
            [],
            [
                10028813,
                "Gastrointestinal disorders",
                "Nausea",
                "n1",
                "n2",
                "n3",
                " -",
                "-",
                "A queasy sensation.",
            ],
        ],
    )
    catalogue = read_workbook(path)
    assert catalogue.version == "4.03"
    assert [(t.term, t.meddra_code, t.grades) for t in catalogue.terms] == [
        ("Alopecia", "10001760", (1, 2)),
        ("Nausea", "10028813", (1, 2, 3)),
    ]
    assert catalogue.terms[1].descriptions == {1: "n1", 2: "n2", 3: "n3"}
    assert catalogue.terms[1].definition == "A queasy sensation."


def test_an_empty_term_names_the_sheet_row_and_column(tmp_path):
    path = _v4_workbook(
        tmp_path / "bad.xlsx",
        [
            [
                10001760,
                "Skin and subcutaneous tissue disorders",
                "Alopecia",
                "a",
                "b",
                "-",
                "-",
                "-",
                "",
            ],
            [10028813, "Gastrointestinal disorders", None, "n1", "-", "-", "-", "-", ""],
        ],
    )
    with pytest.raises(WorkbookError) as refused:
        read_workbook(path)
    error = refused.value
    assert (error.sheet, error.row, error.column) == ("ctcae_4.03", 5, "CTCAE v4.0 Term")
    assert "sheet “ctcae_4.03”, row 5, column “CTCAE v4.0 Term”: the term is empty." in str(error)


def test_a_term_without_any_grade_is_refused(tmp_path):
    path = _v4_workbook(
        tmp_path / "bad.xlsx",
        [
            [
                10001760,
                "Skin and subcutaneous tissue disorders",
                "Alopecia",
                "-",
                "-",
                "-",
                "-",
                "-",
                "",
            ]
        ],
    )
    with pytest.raises(WorkbookError, match="row 4, column “Grade 1”: “Alopecia” has no grade"):
        read_workbook(path)


def test_a_term_listed_twice_is_refused(tmp_path):
    row = [
        10001760,
        "Skin and subcutaneous tissue disorders",
        "Alopecia",
        "a",
        "b",
        "-",
        "-",
        "-",
        "",
    ]
    path = _v4_workbook(tmp_path / "bad.xlsx", [row, row])
    with pytest.raises(WorkbookError, match=r"row 5.*listed twice \(also on row 4\)"):
        read_workbook(path)


def test_a_sheet_without_the_columns_is_refused(tmp_path):
    book = Workbook()
    book.active.title = "Sheet1"
    book.active.append(["Term", "Grade"])
    book.save(tmp_path / "other.xlsx")
    with pytest.raises(WorkbookError, match=r"no sheet has a header row .*“Sheet1”"):
        read_workbook(tmp_path / "other.xlsx")


def test_a_file_that_is_not_a_workbook_is_refused(tmp_path):
    path = tmp_path / "terms.xlsx"
    path.write_text("not a workbook")
    with pytest.raises(WorkbookError, match=r"terms\.xlsx: not an Excel workbook"):
        read_workbook(path)


def test_a_workbook_without_a_version_needs_one(tmp_path):
    book = Workbook()
    book.active.title = "Terms"
    book.active.append(
        [
            "MedDRA Code",
            "MedDRA SOC",
            "CTCAE Term",
            "Grade 1",
            "Grade 2",
            "Grade 3",
            "Grade 4",
            "Grade 5",
        ]
    )
    book.active.append([10001760, "Skin", "Alopecia", "a", "b", "-", "-", "-"])
    book.save(tmp_path / "plain.xlsx")
    with pytest.raises(WorkbookError, match="cannot tell the CTCAE version"):
        read_workbook(tmp_path / "plain.xlsx")
    assert read_workbook(tmp_path / "plain.xlsx", version="5.0").version == "5.0"
