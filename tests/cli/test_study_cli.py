from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from oncotrial.cli import main

FIXTURE = Path(__file__).parents[1] / "apps" / "fixtures" / "demo_trial.yaml"

pytestmark = pytest.mark.django_db


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_load_prints_created_then_unchanged():
    first = run("study", "load", str(FIXTURE))
    again = run("study", "load", str(FIXTURE))

    assert first.exit_code == 0, first.output
    assert "created study demo_ildr with protocol version 1.0 (#1)" in first.output
    assert again.exit_code == 0
    assert "unchanged" in again.output


def test_load_a_changed_file_prints_the_new_version(tmp_path):
    run("study", "load", str(FIXTURE))
    changed = tmp_path / "demo_trial.yaml"
    changed.write_text(FIXTURE.read_text().replace('version: "1.0"', 'version: "2.0"'))

    result = run("study", "load", str(changed), "--json")

    assert result.exit_code == 0, result.output
    [row] = json.loads(result.output)
    assert (row["outcome"], row["study"], row["version"], row["sequence"]) == (
        "new_version",
        "demo_ildr",
        "2.0",
        2,
    )


def test_load_an_invalid_file_exits_2_with_its_problems(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text(FIXTURE.read_text().replace("masking: none", "masking: sometimes"))

    result = run("study", "load", str(broken))

    assert result.exit_code == 2
    assert f"{broken}:" in result.output
    assert "design.masking: 'sometimes' is not allowed" in result.output
    assert "not loaded" in result.output
    assert json.loads(run("study", "list", "--json").output) == []


def test_list(tmp_path):
    assert "No studies loaded" in run("study", "list").output
    run("study", "load", str(FIXTURE))

    text = run("study", "list")
    rows = json.loads(run("study", "list", "--json").output)

    assert "demo_ildr" in text.output
    assert "NCT09999999" in text.output
    assert rows[0]["key"] == "demo_ildr"
    assert rows[0]["enrollment_target"] == 30
    assert rows[0]["version"] == "1.0"


def test_demo_without_serving_loads_the_studies_and_creates_the_user(tmp_path, django_user_model):
    studies = tmp_path / "studies"
    studies.mkdir()
    (studies / "demo_trial.yaml").write_text(FIXTURE.read_text())

    # the reports are written by a second process, which cannot see the test database
    result = run(
        "demo",
        "--no-serve",
        "--no-reports",
        "--subjects",
        "3",
        "--studies",
        str(studies),
        "--password",
        "pw-for-test-1",
    )

    assert result.exit_code == 0, result.output
    assert "demo_trial.yaml: created study demo_ildr" in result.output
    assert "http://127.0.0.1:8000" in result.output
    assert "Password: pw-for-test-1" in result.output
    assert "3 enrolled" in result.output
    assert "Waiting for the study reports" not in result.output
    user = django_user_model.objects.get(username="demo")
    assert user.check_password("pw-for-test-1")
    assert user.is_superuser

    again = run("demo", "--no-serve", "--no-reports", "--studies", str(studies))
    assert "reset user demo" in again.output
    assert "unchanged" in again.output
