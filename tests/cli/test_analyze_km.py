"""`oncotrial analyze km` on CSV files, checked against R's survfit / survdiff on aml."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from oncotrial.cli import main
from oncotrial.cli.analyze import analyze

# R: survival::aml; a trailing + is a censored time.
AML = {
    "Maintained": "9 13 13+ 18 23 28+ 31 34 45+ 48 161+",
    "Nonmaintained": "5 5 8 8 12 16+ 23 27 30 33 43 45",
}


def _write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.fixture
def aml_csv(tmp_path: Path) -> str:
    lines = ["weeks,relapse,arm"]
    for arm, listing in AML.items():
        for item in listing.split():
            lines.append(f"{item.rstrip('+')},{0 if item.endswith('+') else 1},{arm}")
    return _write(tmp_path / "aml.csv", "\n".join(lines) + "\n")


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def _km(runner: CliRunner, *args: str) -> tuple[int, str]:
    res = runner.invoke(analyze, ["km", *args])
    return res.exit_code, res.output


def test_json_by_group_with_log_intervals(runner: CliRunner, aml_csv: str) -> None:
    # survfit(Surv(time, status) ~ x, data = aml): Maintained 11 7 31 18 NA,
    # Nonmaintained 12 11 23 8 NA; survdiff: Chisq= 3.4 on 1 df, p= 0.0653.
    code, out = _km(
        runner, aml_csv, "--time", "weeks", "--event", "relapse", "--group", "arm",
        "--conf-type", "log", "--json",
    )  # fmt: skip
    assert code == 0, out
    data = json.loads(out)
    assert set(data) == {"groups", "logrank"}
    assert data["groups"] == [
        {"name": "Maintained", "n": 11, "events": 7, "median": 31, "ci_lower": 18,
         "ci_upper": None},
        {"name": "Nonmaintained", "n": 12, "events": 11, "median": 23, "ci_lower": 8,
         "ci_upper": None},
    ]  # fmt: skip
    lr = data["logrank"]
    assert set(lr) == {"chisq", "df", "p"}
    assert lr["df"] == 1
    assert lr["chisq"] == pytest.approx(3.4, abs=0.05)
    assert lr["p"] == pytest.approx(0.0653, abs=5e-5)


def test_json_without_group_has_null_logrank(runner: CliRunner, aml_csv: str) -> None:
    code, out = _km(runner, aml_csv, "--time", "weeks", "--event", "relapse", "--json")
    assert code == 0, out
    data = json.loads(out)
    assert data["logrank"] is None
    (overall,) = data["groups"]
    assert (overall["name"], overall["n"], overall["events"]) == ("all", 23, 18)
    assert set(overall) == {"name", "n", "events", "median", "ci_lower", "ci_upper"}


def test_median_at_an_exact_half_is_a_midpoint(runner: CliRunner, tmp_path: Path) -> None:
    # Times 1, 2, 3, 4 all events: S = 0.5 on [2, 3), median 2.5 (R's convention).
    path = _write(tmp_path / "half.csv", "t,e\n1,1\n2,1\n3,1\n4,1\n")
    code, out = _km(runner, path, "--time", "t", "--event", "e", "--json")
    assert code == 0, out
    assert json.loads(out)["groups"][0]["median"] == 2.5


def test_text_table(runner: CliRunner, aml_csv: str) -> None:
    code, out = _km(
        runner, aml_csv, "--time", "weeks", "--event", "relapse", "--group", "arm",
        "--conf-type", "log",
    )  # fmt: skip
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0].split()[:4] == ["group", "n", "events", "median"]
    assert lines[1].split() == ["Maintained", "11", "7", "31", "18", "to", "NR"]
    assert lines[2].split() == ["Nonmaintained", "12", "11", "23", "8", "to", "NR"]
    assert "chi-square 3.40 on 1 df, p = 0.06534" in out


def test_registered_on_the_main_command(runner: CliRunner, aml_csv: str) -> None:
    res = runner.invoke(
        main, ["analyze", "km", aml_csv, "--time", "weeks", "--event", "relapse", "--json"]
    )
    assert res.exit_code == 0, res.output
    # `analyze proportion` still works next to it.
    res = runner.invoke(main, ["analyze", "proportion", "7", "36", "--json"])
    assert res.exit_code == 0
    assert json.loads(res.output)["x"] == 7


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        ("t,e\n1,1\n", ["--time", "days"], "no column 'days' (given by --time)"),
        ("t,e\n1,1\n", ["--event", "status"], "no column 'status' (given by --event)"),
        ("t,e\n1,1\n", ["--group", "arm"], "no column 'arm' (given by --group)"),
        ("t,e\n1,1\nabc,0\n", [], "line 3: time 'abc' in column 't' is not a number"),
        ("t,e\n1,1\n-4,0\n", [], "line 3: time '-4' in column 't' is negative"),
        ("t,e\n1,1\n2,2\n", [], "line 3: event '2' in column 'e' must be 0"),
        ("t,e\n1,yes\n", [], "line 2: event 'yes' in column 'e' must be 0"),
        ("t,e\n1,\n", [], "line 2: event '' in column 'e'"),
        ("t,e\n5,1\nnan,1\n", [], "line 3: time 'nan' in column 't' is not a finite number"),
        ("", [], "the file is empty"),
        ("t,e\n", [], "no data rows"),
        ("t,e,g\n1,1,a\n2,0,\n", ["--group", "g"], "line 3: group column 'g' is empty"),
    ],
)
def test_bad_input_exits_2_naming_column_and_line(
    runner: CliRunner, tmp_path: Path, content: str, args: list[str], message: str
) -> None:
    path = _write(tmp_path / "bad.csv", content)
    options = {"--time": "t", "--event": "e"}
    for flag, value in zip(args[::2], args[1::2], strict=True):
        options[flag] = value
    flat = [x for pair in options.items() for x in pair]
    res = runner.invoke(analyze, ["km", path, *flat])
    assert res.exit_code == 2, res.output
    assert message in res.output


def test_missing_file_and_bad_conf_type_are_usage_errors(
    runner: CliRunner, tmp_path: Path, aml_csv: str
) -> None:
    res = runner.invoke(analyze, ["km", str(tmp_path / "nope.csv"), "--time", "t", "--event", "e"])
    assert res.exit_code == 2
    res = runner.invoke(
        analyze, ["km", aml_csv, "--time", "weeks", "--event", "relapse", "--conf-type", "logit"]
    )
    assert res.exit_code == 2
    assert "logit" in res.output
