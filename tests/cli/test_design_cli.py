"""`oncotrial design` and `oncotrial analyze proportion` through click's CliRunner."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from oncotrial.cli.analyze import analyze
from oncotrial.cli.design import design

DESIGN_KEYS = {"r1", "n1", "r", "n", "en0", "pet0", "alpha", "power"}


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_simon_json(runner: CliRunner) -> None:
    res = runner.invoke(
        design,
        ["simon", "--p0", "0.1", "--p1", "0.3", "--alpha", "0.05", "--power", "0.8", "--json"],
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert set(out) == {"optimal", "minimax"}
    assert set(out["optimal"]) == DESIGN_KEYS
    assert set(out["minimax"]) == DESIGN_KEYS
    o, m = out["optimal"], out["minimax"]
    assert (o["r1"], o["n1"], o["r"], o["n"]) == (1, 10, 5, 29)
    assert round(o["en0"], 2) == 15.01
    assert round(o["pet0"], 3) == 0.736
    assert (m["r1"], m["n1"], m["r"], m["n"]) == (1, 15, 5, 25)


def test_simon_text(runner: CliRunner) -> None:
    res = runner.invoke(design, ["simon", "--p0", "0.05", "--p1", "0.25"])
    assert res.exit_code == 0
    assert "optimal" in res.output
    assert "0/9" in res.output
    assert "2/17" in res.output
    assert "minimax" in res.output


def test_simon_user_limit_is_reported(runner: CliRunner) -> None:
    res = runner.invoke(
        design,
        ["simon", "--p0", "0.3", "--p1", "0.45", "--power", "0.9", "--nmax", "100", "--json"],
    )
    assert res.exit_code == 0
    assert "warning:" in res.stderr
    assert "--nmax 100" in res.stderr
    res = runner.invoke(
        design, ["simon", "--p0", "0.3", "--p1", "0.45", "--power", "0.9", "--json"]
    )
    assert json.loads(res.stdout)["optimal"]["n"] > 100
    assert "warning" not in res.stderr


def test_binomial_json(runner: CliRunner) -> None:
    res = runner.invoke(design, ["binomial", "--p0", "0.05", "--p1", "0.2", "--json"])
    assert res.exit_code == 0
    out = json.loads(res.output)
    assert set(out) == {"n", "r", "alpha", "power"}
    assert (out["n"], out["r"]) == (27, 3)


def test_survival_json(runner: CliRunner) -> None:
    args = ["survival", "--method", "landmark", "--median0", "3", "--median1", "6"]
    args += ["--accrual", "24", "--followup", "0", "--alpha", "0.05", "--power", "0.8"]
    args += ["--sides", "1", "--loss", "0.05", "--landmark", "3", "--json"]
    res = runner.invoke(design, args)
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert set(out) == {"events", "n", "n_with_loss", "event_probability"}
    assert (out["events"], out["n"], out["n_with_loss"]) == (None, 34, 36)


@pytest.mark.parametrize("method", ["exponential", "fms", "wu"])
def test_survival_methods_with_hazards(runner: CliRunner, method: str) -> None:
    args = ["survival", "--method", method, "--hazard0", "0.231", "--hazard1", "0.1155"]
    res = runner.invoke(design, [*args, "--accrual", "24", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["events"] >= 1
    assert out["n"] == out["n_with_loss"]
    assert 0 < out["event_probability"] < 1
    text = runner.invoke(design, [*args, "--accrual", "24"])
    assert f"n = {out['n']}" in text.output


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["simon", "--p0", "0.3", "--p1", "0.2"], "--p1"),
        (["simon", "--p0", "0.1", "--p1", "0.3", "--alpha", "0.5"], "--alpha"),
        (["simon", "--p0", "0.1", "--p1", "0.3", "--alpha", "0"], "--alpha"),
        (["simon", "--p0", "0.1", "--p1", "0.3", "--power", "0.5"], "--power"),
        (["simon", "--p0", "0.1", "--p1", "0.3", "--power", "1"], "--power"),
        (["binomial", "--p0", "0.3", "--p1", "0.3"], "--p1"),
        (
            ["survival", "--method", "wu", "--median0", "3", "--median1", "6", "--accrual", "-1"],
            "--accrual",
        ),
        (
            [
                "survival",
                "--method",
                "wu",
                "--median0",
                "3",
                "--median1",
                "6",
                "--accrual",
                "12",
                "--followup",
                "-1",
            ],
            "--followup",
        ),
        (
            [
                "survival",
                "--method",
                "landmark",
                "--median0",
                "3",
                "--median1",
                "6",
                "--accrual",
                "12",
            ],
            "--landmark",
        ),
        (["survival", "--method", "fms", "--median1", "6", "--accrual", "12"], "--median0"),
        (
            [
                "survival",
                "--method",
                "fms",
                "--median0",
                "3",
                "--median1",
                "6",
                "--accrual",
                "12",
                "--loss",
                "1.2",
            ],
            "--loss",
        ),
        (
            [
                "survival",
                "--method",
                "fms",
                "--median0",
                "3",
                "--median1",
                "6",
                "--accrual",
                "12",
                "--sides",
                "3",
            ],
            "--sides",
        ),
    ],
)
def test_bad_arguments_exit_2_naming_the_option(
    runner: CliRunner, args: list[str], option: str
) -> None:
    res = runner.invoke(design, args)
    assert res.exit_code == 2
    assert option in res.output


def test_interim(runner: CliRunner) -> None:
    args = ["interim", "--r1", "2", "--n1", "13", "--r", "10", "--n", "33"]
    res = runner.invoke(design, [*args, "--responses", "3", "--evaluated", "13", "--json"])
    assert res.exit_code == 0
    out = json.loads(res.output)
    assert out["decision"] == "continue to stage 2"
    assert out["final"] is True
    res = runner.invoke(design, [*args, "--responses", "2", "--evaluated", "13"])
    assert "stop for futility" in res.output
    res = runner.invoke(design, [*args, "--responses", "5", "--evaluated", "3"])
    assert res.exit_code == 2
    assert "--responses" in res.output


def test_analyze_proportion_json(runner: CliRunner) -> None:
    res = runner.invoke(analyze, ["proportion", "7", "36", "--json"])
    assert res.exit_code == 0
    out = json.loads(res.output)
    assert set(out) == {"x", "n", "estimate", "ci_lower", "ci_upper", "method"}
    assert (out["x"], out["n"], out["method"]) == (7, 36, "clopper-pearson")
    assert out["ci_lower"] == pytest.approx(0.08194364, abs=5e-9)
    assert out["ci_upper"] == pytest.approx(0.36024802, abs=5e-9)


def test_analyze_proportion_with_p0(runner: CliRunner) -> None:
    res = runner.invoke(analyze, ["proportion", "7", "36", "--p0", "0.1", "--json"])
    out = json.loads(res.output)
    assert out["p0"] == 0.1
    assert 0 < out["p_value"] < 0.1
    text = runner.invoke(analyze, ["proportion", "7", "36", "--p0", "0.1"])
    assert "0.0819" in text.output
    assert "0.3602" in text.output


def test_analyze_proportion_bad_counts(runner: CliRunner) -> None:
    res = runner.invoke(analyze, ["proportion", "40", "36"])
    assert res.exit_code == 2
    assert "X" in res.output


def test_registered_on_main() -> None:
    from oncotrial.cli import main

    assert "design" in main.commands
    assert "analyze" in main.commands
