from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import Workbook

from oncotrial.cli import main

V5 = Path(__file__).parents[2].parent / "shared" / "reference" / "ctcae" / "CTCAE_v5.0.xlsx"

pytestmark = pytest.mark.django_db


def run(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def v5_workbook() -> Path:
    if not V5.exists():
        pytest.skip("the NCI CTCAE v5.0 workbook is not available")
    return V5


def test_import_the_v5_workbook_prints_terms_per_organ_class(v5_workbook):
    result = run("ctcae", "import", str(v5_workbook))

    assert result.exit_code == 0, result.output
    assert "CTCAE 5.0: 837 terms loaded from sheet “CTCAE v5.0 Clean Copy”" in result.output
    # the published v5.0 table lists 34 terms under Cardiac disorders
    line = next(x for x in result.output.splitlines() if x.strip().startswith("Cardiac"))
    assert line.split()[-1] == "34"


def test_import_again_replaces_the_terms_and_reports_json(v5_workbook):
    run("ctcae", "import", str(v5_workbook))
    result = run("ctcae", "import", str(v5_workbook), "--version", "5.0", "--json")

    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["version"], data["terms"], data["replaced"]) == ("5.0", 837, 837)
    assert sum(data["soc_counts"].values()) == 837
    from oncotrial.apps.safety.models import CtcaeTerm

    assert CtcaeTerm.objects.count() == 837


def test_show_a_term_after_import_gives_its_grade_descriptions(v5_workbook):
    run("ctcae", "import", str(v5_workbook))
    result = run("ctcae", "show", "anemia")

    assert result.exit_code == 0, result.output
    assert "Anemia (Blood and lymphatic system disorders, MedDRA 10002272)" in result.output
    assert "grades 1–5" in result.output
    assert "  Grade 5: Death" in result.output


def test_show_from_the_builtin_list_without_an_import():
    result = run("ctcae", "show", "Alopecia", "--json")

    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["grades"], data["source"], data["descriptions"]) == ([1, 2], "built-in list", {})


def test_show_an_unknown_term_suggests_terms():
    result = run("ctcae", "show", "hypert")
    assert result.exit_code == 1
    assert "Did you mean: Hypertension, Hyperthyroidism, Hypertriglyceridemia?" in result.output


def test_a_bad_workbook_exits_2_naming_the_row_and_column(tmp_path):
    book = Workbook()
    book.active.title = "CTCAE v5.0 Clean Copy"
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
    book.active.append(
        [10001760, "Skin and subcutaneous tissue disorders", "Alopecia", "a", "b", "-", "-", "-"]
    )
    book.active.append(["x10", "Skin", "Rash", "a", "-", "-", "-", "-"])
    book.save(tmp_path / "bad.xlsx")

    result = run("ctcae", "import", str(tmp_path / "bad.xlsx"))

    assert result.exit_code == 2
    assert "sheet “CTCAE v5.0 Clean Copy”, row 3, column “MedDRA Code”" in result.output
    assert "not a number: “x10”" in result.output
    from oncotrial.apps.safety.models import CtcaeCatalogue

    assert not CtcaeCatalogue.objects.exists()
