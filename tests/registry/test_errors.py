"""Records that cannot be read give a clear message, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from oncotrial.cli import main
from oncotrial.domain.protocol import validate_text
from oncotrial.registry.api_v2 import parse_studies
from oncotrial.registry.bulk import import_files, read_file
from oncotrial.registry.errors import RecordError
from oncotrial.registry.legacy_xml import parse_clinical_study
from oncotrial.registry.mapping import map_study


def _minimal(criteria: str | None = None) -> dict[str, object]:
    section: dict[str, object] = {
        "identificationModule": {"nctId": "NCT00000001", "briefTitle": "A study"},
        "designModule": {"studyType": "INTERVENTIONAL", "phases": ["PHASE2"]},
    }
    if criteria is not None:
        section["eligibilityModule"] = {"eligibilityCriteria": criteria}
    return {"protocolSection": section}


def test_malformed_json() -> None:
    with pytest.raises(RecordError) as caught:
        parse_studies('{"protocolSection": {', "broken.json")
    assert str(caught.value).startswith("broken.json: not valid JSON:")
    assert "line 1" in caught.value.reason


def test_missing_protocol_section() -> None:
    with pytest.raises(RecordError) as caught:
        parse_studies(json.dumps({"derivedSection": {}}), "nosection.json")
    assert caught.value.reason == (
        "the record has no 'protocolSection' (keys found: derivedSection); "
        "is this a ClinicalTrials.gov API v2 study?"
    )


def test_search_page_item_missing_protocol_section() -> None:
    page = {"studies": [_minimal(), {"hasResults": False}]}
    with pytest.raises(RecordError, match=r"studies\[1\] has no 'protocolSection'"):
        parse_studies(json.dumps(page), "page.json")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("[]", "the file holds no studies"),
        ('"a string"', "expected a study object, a list of studies or a search page; got a string"),
        ('{"studies": 3}', "'studies' is not a list"),
        ("[1]", "the record is a number, not a study object"),
    ],
)
def test_other_shapes(text: str, reason: str) -> None:
    with pytest.raises(RecordError) as caught:
        parse_studies(text, "x.json")
    assert caught.value.reason == reason


def test_list_and_search_page_are_read() -> None:
    assert len(parse_studies(json.dumps([_minimal(), _minimal()]))) == 2
    assert len(parse_studies(json.dumps({"studies": [_minimal()], "nextPageToken": "x"}))) == 1


def test_eligibility_without_headings_imports_with_an_assumption() -> None:
    imported = map_study(_minimal("* Age 18 years or older\n* ECOG 0-1\n* Pregnancy"))
    elig = imported.protocol.eligibility
    assert [c.text for c in elig.inclusion] == ["Age 18 years or older", "ECOG 0-1", "Pregnancy"]
    assert elig.exclusion == []
    assert any(a.path == "eligibility.inclusion" for a in imported.protocol.assumptions)
    assert any("no 'Inclusion Criteria'" in w for w in imported.warnings)
    assert validate_text(imported.to_yaml()).ok


def test_sparse_record_is_completed_by_assumptions() -> None:
    imported = map_study(_minimal())
    paths = {a.path for a in imported.protocol.assumptions}
    assert {
        "identification.sponsor",
        "identification.conditions",
        "identification.enrollment.target",
        "design.arms",
        "endpoints",
        "schedule",
        "safety.ctcae_version",
        "version",
    } <= paths
    assert validate_text(imported.to_yaml()).ok


def test_malformed_xml() -> None:
    with pytest.raises(RecordError, match=r"^x.xml: not valid XML"):
        parse_clinical_study("<clinical_study><brief_title>", "x.xml")
    with pytest.raises(RecordError, match=r"root element is <study>"):
        parse_clinical_study("<study/>", "x.xml")


def test_bulk_reports_bad_files_and_imports_the_rest(tmp_path: Path) -> None:
    (tmp_path / "good.json").write_text(json.dumps(_minimal("Inclusion Criteria:\n\n* ECOG 0-1")))
    (tmp_path / "bad.json").write_text("{nope")
    (tmp_path / "empty.json").write_text(json.dumps({"foo": 1}))
    (tmp_path / "latin1.json").write_bytes(b'{"a": "\xe9"}')
    out = tmp_path / "out"
    result = import_files([tmp_path], out)
    assert [w.protocol_id for w in result.written] == ["nct00000001"]
    assert (out / "nct00000001.yaml").is_file()
    reasons = {Path(f.source).name: f.reason for f in result.failed}
    assert set(reasons) == {"bad.json", "empty.json", "latin1.json"}
    assert reasons["bad.json"].startswith("not valid JSON")
    assert reasons["latin1.json"].startswith("not UTF-8 text")


def test_missing_file() -> None:
    with pytest.raises(RecordError, match="cannot read the file"):
        read_file(Path("/nonexistent/NCT0.json"))


def test_cli_import_exit_code_and_messages(tmp_path: Path) -> None:
    good = tmp_path / "good.json"
    good.write_text(json.dumps(_minimal("Inclusion Criteria:\n\n* ECOG 0-1")))
    bad = tmp_path / "bad.json"
    bad.write_text("{nope")
    runner = CliRunner()
    result = runner.invoke(
        main, ["registry", "import", str(good), str(bad), "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 2
    assert f"{bad}: error: not valid JSON" in result.output
    assert "imported 1 study" in result.output
    assert (tmp_path / "out" / "nct00000001.yaml").is_file()
