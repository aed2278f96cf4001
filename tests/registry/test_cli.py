"""`oncotrial registry import` and `export` end to end."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from oncotrial.cli import main
from oncotrial.domain.protocol import validate_file
from oncotrial.registry.mapping import map_study
from tests.registry.conftest import API_V2, LEGACY_XML, needs_samples


@needs_samples
def test_import_folder_json_and_export(tmp_path: Path) -> None:
    folder = tmp_path / "records"
    folder.mkdir()
    for name in ("NCT02175381.json", "NCT02369484.json"):
        shutil.copy(API_V2 / name, folder / name)
    shutil.copy(LEGACY_XML / "NCT01065844.xml", folder / "NCT01065844.xml")
    out = tmp_path / "out"
    runner = CliRunner()
    result = runner.invoke(main, ["registry", "import", str(folder), "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["failed"] == []
    assert sorted(r["id"] for r in report["imported"]) == [
        "nct01065844",
        "nct02175381",
        "nct02369484",
    ]
    for entry in report["imported"]:
        assert validate_file(entry["output"]).ok
    exported = runner.invoke(main, ["registry", "export", str(out / "nct02175381.yaml"), "--json"])
    assert exported.exit_code == 0, exported.output
    study = json.loads(exported.output)
    assert study["protocolSection"]["identificationModule"]["nctId"] == "NCT02175381"
    original = validate_file(out / "nct02175381.yaml").protocol
    assert map_study(study).protocol == original


def test_export_rejects_an_invalid_protocol(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("id: x\n")
    result = CliRunner().invoke(main, ["registry", "export", str(broken)])
    assert result.exit_code == 2
    assert "broken.yaml" in result.output


def test_import_of_nothing(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["registry", "import", str(tmp_path)])
    assert result.exit_code == 2
    assert "no .json or .xml record files found" in result.output
