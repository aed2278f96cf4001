"""`oncotrial recist evaluate` and `oncotrial recist batch`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from oncotrial.cli import main

ISSUE_EXAMPLE: dict[str, Any] = {
    "criteria": "RECIST 1.1",
    "confirmation": True,
    "min_sd_days": 42,
    "start_date": "2024-01-02",
    "assessments": [
        {
            "date": "2024-01-01",
            "targets": [{"id": "T1", "organ": "liver", "nodal": False, "mm": 35}],
            "non_targets": [{"id": "N1", "organ": "peritoneum", "status": "present"}],
            "new_lesions": [],
            "markers_normal": None,
        },
        {
            "date": "2024-03-01",
            "targets": [{"id": "T1", "mm": 20}],
            "non_targets": [{"id": "N1", "status": "present"}],
            "new_lesions": [{"id": "L1", "organ": "lung", "mm": 12, "equivocal": False}],
        },
    ],
}

BAD: dict[str, Any] = {
    "criteria": "RECIST 1.1",
    "assessments": [
        {
            "date": "2024-01-01",
            "targets": [{"id": "T1", "organ": "liver", "nodal": False, "mm": 8}],
        },
        {"date": "2024-03-01", "targets": [{"id": "T1", "mm": -1}, {"id": "T7", "mm": 10}]},
        {"date": "2024-02-01", "targets": [{"id": "T1", "mm": 10}]},
    ],
}


def write(tmp_path: Path, name: str, content: str) -> str:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return str(path)


def test_evaluate_json_issue_example(tmp_path: Path) -> None:
    """RECIST 1.1 Table 1 row 9: the issue's example has a target PR (35 -> 20 mm, -42.9 %)
    and an unequivocal new lesion, so the time point and best response are PD."""
    file = write(tmp_path, "p.json", json.dumps(ISSUE_EXAMPLE))
    result = CliRunner().invoke(main, ["recist", "evaluate", file, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    tp = data["timepoints"][0]
    assert tp["date"] == "2024-03-01"
    assert tp["sum_mm"] == 20
    assert tp["change_from_baseline_pct"] == -42.9
    assert tp["change_from_nadir_pct"] == -42.9
    assert (tp["target"], tp["non_target"], tp["new_lesions"], tp["overall"]) == (
        "PR",
        "NON-CR/NON-PD",
        "yes",
        "PD",
    )
    assert data["best_overall_response"] == "PD"
    assert data["best_overall_response_date"] == "2024-03-01"
    assert data["progression_date"] == "2024-03-01"
    assert data["confirmed"] is None


def test_evaluate_prints_a_table(tmp_path: Path) -> None:
    """Issue 4 CLI: without --json a short readable table and summary are printed."""
    file = write(tmp_path, "p.json", json.dumps(ISSUE_EXAMPLE))
    result = CliRunner().invoke(main, ["recist", "evaluate", file])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "RECIST 1.1: baseline 2024-01-01, sum 35 mm"
    assert lines[1].split() == [
        "date",
        "sum",
        "mm",
        "vs",
        "base",
        "vs",
        "nadir",
        "target",
        "non-target",
        "new",
        "overall",
    ]
    assert lines[2].split() == [
        "2024-03-01",
        "20",
        "-42.9%",
        "-42.9%",
        "PR",
        "NON-CR/NON-PD",
        "yes",
        "PD",
    ]
    assert "Best overall response: PD (2024-03-01)" in result.output
    assert "Progression date: 2024-03-01" in result.output


def test_evaluate_irecist(tmp_path: Path) -> None:
    """Seymour 2017: the same record under iRECIST is iUPD, not yet confirmed."""
    file = write(tmp_path, "p.json", json.dumps({**ISSUE_EXAMPLE, "criteria": "iRECIST"}))
    result = CliRunner().invoke(main, ["recist", "evaluate", file, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["timepoints"][0]["overall"] == "iUPD"
    assert data["best_overall_response"] == "iUPD"
    assert data["progression_date"] is None
    assert data["iupd_dates"] == ["2024-03-01"]


def test_bad_input_exits_2_listing_every_problem(tmp_path: Path) -> None:
    """Issue 4 bad input: unmeasurable baseline target, negative size, unknown lesion id and
    dates out of order are all reported, by date and lesion id, with exit status 2."""
    file = write(tmp_path, "bad.json", json.dumps(BAD))
    result = CliRunner().invoke(main, ["recist", "evaluate", file])
    assert result.exit_code == 2
    assert "4 problem(s)" in result.output
    assert "2024-01-01 T1: 8 mm is not measurable" in result.output
    assert "2024-03-01 T1: negative size -1 mm" in result.output
    assert "2024-03-01 T7: not a baseline target lesion" in result.output
    assert "2024-02-01: assessment date is not after the previous one" in result.output


def test_bad_input_with_json_gives_the_problems_as_json(tmp_path: Path) -> None:
    """Issue 4 bad input with --json: the problems are machine-readable too."""
    file = write(tmp_path, "bad.json", json.dumps(BAD))
    result = CliRunner().invoke(main, ["recist", "evaluate", file, "--json"])
    assert result.exit_code == 2
    start = result.output.index("{")
    end = result.output.rindex("}") + 1
    errors = json.loads(result.output[start:end])["errors"]
    assert {(e["date"], e["lesion_id"]) for e in errors} == {
        ("2024-01-01", "T1"),
        ("2024-03-01", "T1"),
        ("2024-03-01", "T7"),
        ("2024-02-01", None),
    }


def test_invalid_json_exits_2(tmp_path: Path) -> None:
    """Issue 4 bad input: a file that is not JSON is an error the user can act on."""
    file = write(tmp_path, "bad.json", "{not json")
    result = CliRunner().invoke(main, ["recist", "evaluate", file])
    assert result.exit_code == 2
    assert "not valid JSON" in result.output


def test_batch_writes_one_result_per_line(tmp_path: Path) -> None:
    """Issue 4 batch form: JSON Lines in, one JSON result per line out, in order; a bad record
    gives an error line and exit status 2."""
    good = {**ISSUE_EXAMPLE, "patient_id": "P-001"}
    immune = {**ISSUE_EXAMPLE, "patient_id": "P-002", "criteria": "iRECIST"}
    bad = {**BAD, "patient_id": "P-003"}
    content = "\n".join(json.dumps(r) for r in (good, immune)) + "\n\n" + json.dumps(bad) + "\n"
    file = write(tmp_path, "patients.jsonl", content)
    result = CliRunner().invoke(main, ["recist", "batch", file])
    assert result.exit_code == 2
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o.get("patient_id") for o in out] == ["P-001", "P-002", "P-003"]
    assert out[0]["best_overall_response"] == "PD"
    assert out[1]["best_overall_response"] == "iUPD"
    assert out[2]["line"] == 4
    assert len(out[2]["errors"]) == 4


def test_batch_to_file(tmp_path: Path) -> None:
    """Issue 4 batch form with --output: all records valid, exit status 0."""
    file = write(tmp_path, "patients.jsonl", json.dumps(ISSUE_EXAMPLE) + "\n")
    target = tmp_path / "out.jsonl"
    result = CliRunner().invoke(main, ["recist", "batch", file, "--output", str(target)])
    assert result.exit_code == 0, result.output
    lines = target.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1
    assert json.loads(lines[0])["progression_date"] == "2024-03-01"
