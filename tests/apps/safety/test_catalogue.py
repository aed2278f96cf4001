"""Which catalogue serves a protocol's CTCAE version, and imports replacing a version."""

from __future__ import annotations

import pytest
from openpyxl import Workbook

from oncotrial.apps.safety import catalogue
from oncotrial.apps.safety.models import CtcaeCatalogue, CtcaeTerm

pytestmark = pytest.mark.django_db

HEADER = [
    "MedDRA v12.0 Code",
    "CTCAE v4.0 SOC",
    "CTCAE v4.0 Term",
    "Grade 1",
    "Grade 2",
    "Grade 3",
    "Grade 4",
    "Grade 5",
    "CTCAE v4.0 AE Term Definition",
]


def _workbook(path, rows):
    book = Workbook()
    book.active.title = "v4.03"
    book.active.append(HEADER)
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def test_a_4_0_protocol_uses_an_imported_4_03_workbook_else_the_builtin_list(tmp_path):
    assert catalogue.source("4.0") == "built-in list"
    assert catalogue.find_term("4.0", "Alopecia").descriptions == {}
    path = _workbook(
        tmp_path / "v4.xlsx",
        [
            [
                10001760,
                "Skin and subcutaneous tissue disorders",
                "Alopecia",
                "thin",
                "bald",
                "-",
                "-",
                "-",
                "",
            ],
            [10028813, "Gastrointestinal disorders", "Nausea", "n1", "n2", "n3", "-", "-", ""],
        ],
    )
    result = catalogue.import_workbook(path)
    assert (result.version, result.terms, result.replaced) == ("4.03", 2, 0)
    assert catalogue.source("4.0") == "imported NCI workbook 4.03"
    alopecia = catalogue.find_term("4.0", "ALOPECIA")
    assert (alopecia.grades, alopecia.descriptions) == ((1, 2), {1: "thin", 2: "bald"})
    assert catalogue.find_term("4.0", "Fatigue") is None  # only the imported terms now
    assert catalogue.find_term("5.0", "Fatigue") is not None  # 5.0 still built in
    assert [t.term for t in catalogue.search("4.0", "a")] == ["Alopecia", "Nausea"]


def test_an_import_replaces_the_versions_terms_and_a_bad_file_changes_nothing(tmp_path):
    good = _workbook(
        tmp_path / "v4.xlsx",
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
        ],
    )
    catalogue.import_workbook(good)
    again = catalogue.import_workbook(good)
    assert again.replaced == 1
    assert CtcaeCatalogue.objects.count() == 1
    assert CtcaeTerm.objects.count() == 1
    bad = _workbook(
        tmp_path / "bad.xlsx",
        [
            [10028813, "Gastrointestinal disorders", "", "n1", "-", "-", "-", "-", ""],
        ],
    )
    with pytest.raises(ValueError, match="row 2"):
        catalogue.import_workbook(bad)
    assert list(CtcaeTerm.objects.values_list("term", flat=True)) == ["Alopecia"]
