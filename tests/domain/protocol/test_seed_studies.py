"""The five seed trials in `studies/` validate and say what their seed records say."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from oncotrial.cli.protocol import protocol as protocol_cli
from oncotrial.domain.protocol import validate_file

REPO = Path(__file__).resolve().parents[3]
STUDIES = REPO / "studies"
SEEDS = REPO.parent / "shared" / "seeds"

SARCOMA = STUDIES / "anlotinib-toripalimab-sarcoma.yaml"
RADIOTHERAPY = STUDIES / "intestinal-radiotherapy-pd1.yaml"
SIROLIMUS = STUDIES / "sirolimus-pancreatic-cancer.yaml"
SURGERY = STUDIES / "surgery-liver-metastatic-pancreatic-cancer.yaml"
PNEN = STUDIES / "surufatinib-gefitinib-pnen.yaml"
ALL_STUDIES = [SIROLIMUS, PNEN, SARCOMA, SURGERY, RADIOTHERAPY]


def show_json(path: Path) -> dict[str, Any]:
    result = CliRunner().invoke(protocol_cli, ["show", str(path), "--json"])
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.output)
    return data


def conditions(rule: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Every field/op/value condition inside a rule as dumped to JSON."""
    if rule is None:
        return []
    if "field" in rule:
        return [rule]
    found: list[dict[str, Any]] = []
    for key in ("all", "any"):
        for sub in rule.get(key) or []:
            found += conditions(sub)
    if rule.get("not") is not None:
        found += conditions(rule["not"])
    return found


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def seed_text(number: str) -> str:
    matches = sorted(SEEDS.glob(f"{number}_*.txt"))
    if not matches:
        pytest.skip(f"seed {number} is not available under {SEEDS}")
    return matches[0].read_text(encoding="utf-8")


def lines_between(text: str, start: str, end: str) -> list[str]:
    lines = text.splitlines()
    first = lines.index(start) + 1
    last = lines.index(end, first)
    return [normalise(line) for line in lines[first:last] if line.strip()]


def criterion_texts(data: dict[str, Any], section: str) -> list[str]:
    return [normalise(c["text"]) for c in data["eligibility"][section]]


# -- every file ---------------------------------------------------------------------------


def test_the_five_studies_are_there() -> None:
    assert sorted(STUDIES.glob("*.yaml")) == sorted(ALL_STUDIES)


@pytest.mark.parametrize("path", ALL_STUDIES, ids=lambda p: p.stem)
def test_study_validates_without_errors(path: Path) -> None:
    validation = validate_file(path)
    assert validation.errors == [], validation.format_problems()
    assert validation.ok


@pytest.mark.parametrize("path", ALL_STUDIES, ids=lambda p: p.stem)
def test_warnings_are_explained_by_an_assumption(path: Path) -> None:
    validation = validate_file(path)
    assert validation.protocol is not None
    assumed = [a.path for a in validation.protocol.assumptions]
    for warning in validation.warnings:
        dotted = warning.dotted_path
        assert any(dotted == a or dotted.startswith(a + ".") for a in assumed), warning


def test_cli_validates_all_studies() -> None:
    result = CliRunner().invoke(protocol_cli, ["validate", *map(str, ALL_STUDIES)])
    assert result.exit_code == 0, result.output
    assert result.output.count(": valid") == len(ALL_STUDIES)


@pytest.mark.parametrize(
    ("path", "target"),
    [(SIROLIMUS, 36), (SARCOMA, 70), (SURGERY, 50), (RADIOTHERAPY, 30)],
    ids=["sirolimus", "sarcoma", "surgery", "radiotherapy"],
)
def test_enrollment_targets(path: Path, target: int) -> None:
    data = show_json(path)
    assert data["identification"]["enrollment"]["target"] == target
    assert data["sample_size"]["target"] == target


@pytest.mark.parametrize("path", ALL_STUDIES, ids=lambda p: p.stem)
def test_every_study_records_its_assumptions(path: Path) -> None:
    data = show_json(path)
    assert data["assumptions"], "a seed always leaves gaps; they must be recorded"


# -- the sarcoma trial (seed 002) ---------------------------------------------------------


def test_sarcoma_ages_and_ecog_rule() -> None:
    data = show_json(SARCOMA)
    eligibility = data["eligibility"]
    assert (eligibility["min_age_years"], eligibility["max_age_years"]) == (18, 70)
    all_conditions = [c for crit in eligibility["inclusion"] for c in conditions(crit["rule"])]
    assert {"field": "ecog", "op": "<=", "value": 2, "unit": None} in all_conditions
    age = next(c for c in all_conditions if c["field"] == "age")
    assert (age["op"], age["value"]) == ("between", [18, 70])


def test_sarcoma_has_one_group_of_seventy() -> None:
    data = show_json(SARCOMA)
    arms = data["design"]["arms"]
    assert len(arms) == 1
    assert arms[0]["target_size"] == 70
    assert data["design"]["intervention_model"] == "single_group"


def test_sarcoma_exclusion_criteria_key_phrases() -> None:
    texts = criterion_texts(show_json(SARCOMA), "exclusion")
    assert len(texts) == 17
    for phrase in (
        "previously been treated with anlotinib or anti-PD-1/PD-L1 antibodies",
        "other malignant tumors within 5 years",
        "Active central nervous system (CNS) metastases",
        "abnormal thyroid function",
        "within 28 days prior to grouping",
        "Participated in other anti-tumor drug clinical trials within 4 weeks",
        "According to the investigator's judgment",
    ):
        assert any(phrase in t for t in texts), phrase


def test_sarcoma_exclusion_criteria_match_the_seed_text() -> None:
    seed = lines_between(seed_text("002"), "Exclusion criteria", "Primary purpose")
    assert criterion_texts(show_json(SARCOMA), "exclusion") == seed


def test_sarcoma_inclusion_criteria_match_the_seed_text() -> None:
    seed = lines_between(seed_text("002"), "Inclusion criteria", "Exclusion criteria")
    assert criterion_texts(show_json(SARCOMA), "inclusion") == seed


def test_sarcoma_prior_anti_pd1_is_computable() -> None:
    data = show_json(SARCOMA)
    first = data["eligibility"]["exclusion"][0]
    assert {c["field"] for c in conditions(first["rule"])} == {
        "prior_anlotinib",
        "prior_anti_pd1_pdl1",
    }


# -- the radiotherapy trial (seed 004) ----------------------------------------------------


def test_radiotherapy_has_three_groups() -> None:
    data = show_json(RADIOTHERAPY)
    arms = data["design"]["arms"]
    assert len(arms) == 3
    assert sum(a["target_size"] for a in arms) == 30


def test_radiotherapy_endpoints() -> None:
    endpoints = show_json(RADIOTHERAPY)["endpoints"]
    by_id = {e["id"]: e for e in endpoints}
    assert by_id["dcr"]["kind"] == "disease_control_rate"
    assert by_id["pfs2"]["measure"] == "pfs2"
    assert by_id["orr"]["kind"] == "objective_response_rate"
    primary = {e["id"] for e in endpoints if e["role"] == "primary"}
    assert primary == {"dcr", "pfs2", "orr"}
    assert all(by_id[i]["criteria"] == "iRECIST" for i in ("dcr", "orr"))
    adverse = [e for e in endpoints if e["kind"] == "adverse_events"]
    assert [(e["role"], e["ctcae_version"]) for e in adverse] == [("secondary", "5.0")]


def test_radiotherapy_fractionation() -> None:
    interventions = show_json(RADIOTHERAPY)["design"]["interventions"]
    radiation = [i for i in interventions if i["type"] == "radiation"]
    assert len(radiation) == 3
    for item in radiation:
        fractionation = item["fractionation"]
        assert fractionation["dose_per_fraction"] == {"value": 1.0, "unit": "Gy"}
        assert fractionation["fractions_per_week"] == 1
    assert max(i["fractionation"]["total_dose_max"]["value"] for i in radiation) == 3
    pd1 = next(i for i in interventions if i["id"] == "pd1_inhibitor")
    assert pd1["repeat"] == {
        "every": 3,
        "unit": "weeks",
        "until": ["progression"],
        "max_administrations": None,
    }


def test_radiotherapy_criteria_match_the_seed_text() -> None:
    text = seed_text("004")
    data = show_json(RADIOTHERAPY)
    inclusion = lines_between(text, "Inclusion Criteria:", "Exclusion Criteria:")
    lines = text.splitlines()
    exclusion = [
        normalise(line)
        for line in lines[lines.index("Exclusion Criteria:") + 1 :]
        if line.startswith("- ")
    ]
    assert criterion_texts(data, "inclusion") == [s.removeprefix("- ") for s in inclusion]
    assert criterion_texts(data, "exclusion") == [s.removeprefix("- ") for s in exclusion]


# -- the surgery study (seed 003) ---------------------------------------------------------


def test_surgery_postoperative_days_anchored_on_surgery() -> None:
    data = show_json(SURGERY)
    anchors = {a["id"]: a for a in data["schedule"]["anchors"]}
    assert anchors["surgery"]["event_triggered"] is True
    visit = next(v for v in data["schedule"]["visits"] if v["id"] == "postoperative_days")
    assert visit["anchor"] == "surgery"
    assert visit["days"] == [1, 3, 5, 7, 30]


def test_surgery_cohorts_are_assigned_by_rule() -> None:
    data = show_json(SURGERY)
    assert data["identification"]["study_type"] == "observational"
    arms = {a["id"]: a for a in data["design"]["arms"]}
    assert set(arms) == {"retrospective", "prospective"}
    assert all(a["type"] == "cohort" and a["assignment_rule"] for a in arms.values())
    follow_up = data["schedule"]["follow_up"]
    assert (follow_up["every"], follow_up["unit"], follow_up["until"]) == (1, "months", ["death"])


def test_surgery_assessments_every_four_cycles() -> None:
    data = show_json(SURGERY)
    visit = next(v for v in data["schedule"]["visits"] if v["id"] == "periodic_assessment")
    assert (visit["repeat"]["every"], visit["repeat"]["unit"]) == (4, "cycles")


# -- the sirolimus trial (seed 000) -------------------------------------------------------


def test_sirolimus_endpoints_and_design_assumptions() -> None:
    data = show_json(SIROLIMUS)
    by_id = {e["id"]: e for e in data["endpoints"]}
    assert by_id["os"]["role"] == "primary"
    assert by_id["response_6m"]["at_months"] == 6
    assert by_id["ca19_9_change"]["kind"] == "marker_change"
    assert by_id["treatment_related_aes"]["ctcae_version"] == "4.0"
    parameters = data["sample_size"]["parameters"]
    assert (parameters["median0"], parameters["median1"]) == (3, 6)
    assert (parameters["alpha"], parameters["power"], parameters["loss"]) == (0.05, 0.8, 0.05)


def test_sirolimus_stated_size_of_36_is_reproduced_by_its_design() -> None:
    """Seed 000 states 36 patients; the landmark reading (survival at 3 months, 50 % vs
    2^(-1/2) = 70.7 %, one-sided 0.05, power 0.8) needs 34, and 34 / 0.95 rounds up to 36."""
    validation = validate_file(SIROLIMUS)
    assert validation.ok
    assert not [w for w in validation.warnings if w.path[0] == "sample_size"]
    assert validation.protocol is not None
    design = validation.protocol.sample_size
    assert design is not None
    assert (design.method, design.target) == ("survival-landmark", 36)


def test_sirolimus_schedule() -> None:
    visits = {v["id"]: v for v in show_json(SIROLIMUS)["schedule"]["visits"]}
    assert visits["day1"]["day"] == 0
    markers = visits["tumour_markers_q3w"]["repeat"]
    assert (markers["every"], markers["unit"]) == (3, "weeks")
    review = visits["review_q3m"]["repeat"]
    assert (review["every"], review["unit"]) == (3, "months")


# -- the pNEN study (seed 001) ------------------------------------------------------------


def test_pnen_identification() -> None:
    data = show_json(PNEN)
    ident = data["identification"]
    assert ident["nct_id"] == "NCT06592989"
    assert ident["study_type"] == "observational"
    assert (data["eligibility"]["min_age_years"], data["eligibility"]["max_age_years"]) == (
        18,
        80,
    )
    assert any("Sofantinib" in a["note"] for a in data["assumptions"])
