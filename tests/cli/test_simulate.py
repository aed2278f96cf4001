"""`oncotrial simulate`: a cohort through the services, counts as JSON, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from oncotrial.apps.audit.models import AuditRecord
from oncotrial.apps.screening.models import Candidate
from oncotrial.apps.studies.services import load_protocol_file
from oncotrial.apps.subjects.models import Subject
from oncotrial.cli import demo_data, main

SIROLIMUS = Path(__file__).parents[2] / "studies" / "sirolimus-pancreatic-cancer.yaml"

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not SIROLIMUS.exists(), reason="no studies/"),
]


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_simulate_prints_the_counts_as_json():
    study = load_protocol_file(SIROLIMUS).study
    demo_data.ensure_sites_and_users("sim-pass-1", [study])

    result = run(
        "simulate", study.key, "--subjects", "6", "--seed", "4", "--as-of", "2026-11-02", "--json"
    )

    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["study"] == study.key
    assert summary["enrolled"] == 6 == Subject.objects.filter(study=study).count()
    assert summary["candidates"] == Candidate.objects.filter(study=study).count()
    assert summary["candidates"] == 6 + summary["screen_failed"] + summary["in_screening"]
    assert summary["as_of"] == "2026-11-02"
    assert summary["peak_rss_mb"] > 0
    # the screening log and the audit trail exist as they would from the web app
    assert AuditRecord.objects.filter(study_key=study.key, entity="screening.candidate").exists()
    assert AuditRecord.objects.filter(study_key=study.key, entity="labs.labresult").exists()
    # progress for a log: a line per 5 % of the subjects (here one per subject), on stderr
    lines = [line for line in result.stderr.splitlines() if "enrolled (" in line]
    assert [line.split(" enrolled")[0] for line in lines] == [
        f"{study.key}: {n}/6" for n in range(1, 7)
    ]
    assert "subjects/s" in lines[-1]
    assert "MB in use" in lines[-1]


def test_simulate_shows_a_summary_in_text():
    study = load_protocol_file(SIROLIMUS).study
    demo_data.ensure_sites_and_users("sim-pass-1", [study])

    result = run("simulate", study.key, "--subjects", "2", "--as-of", "2026-11-02")

    assert result.exit_code == 0, result.output
    assert f"{study.key}: " in result.output
    assert "2 enrolled" in result.output
    assert "tumour assessments" in result.output


def test_unknown_study_and_missing_staff_are_usage_errors():
    unknown = run("simulate", "no_such_study", "--subjects", "2")
    assert unknown.exit_code == 2
    assert "no study 'no_such_study' is loaded" in unknown.output

    study = load_protocol_file(SIROLIMUS).study
    no_staff = run("simulate", study.key, "--subjects", "2")
    assert no_staff.exit_code == 1
    assert "has no site with an investigator" in no_staff.output
