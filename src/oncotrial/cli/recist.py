"""`oncotrial recist`: tumour response by RECIST 1.1 or iRECIST for one patient or a batch."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

import click

from oncotrial.domain.recist import InvalidPatient, Problem, Result, evaluate_raw


@click.group()
def recist() -> None:
    """Tumour response (RECIST 1.1, iRECIST) from lesion measurements."""


@recist.command()
@click.argument("file", type=click.File("r", encoding="utf-8"))
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def evaluate(file: IO[str], as_json: bool) -> None:
    """Evaluate the patient in FILE (JSON; '-' reads standard input).

    Prints the response at each follow-up assessment and the best overall response.
    Exit status 2 when the record is invalid, with every problem listed by assessment
    date and lesion id.
    """
    name = getattr(file, "name", "-")
    try:
        raw = json.load(file)
    except json.JSONDecodeError as exc:
        _fail(name, [Problem(f"not valid JSON: {exc}")], as_json)
    try:
        result = evaluate_raw(raw)
    except InvalidPatient as exc:
        _fail(name, exc.problems, as_json)
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
    else:
        click.echo(render_table(result))


@recist.command()
@click.argument("file", type=click.File("r", encoding="utf-8"))
@click.option(
    "-o",
    "--output",
    type=click.File("w", encoding="utf-8"),
    default="-",
    show_default=True,
    help="Where to write the JSON Lines results.",
)
def batch(file: IO[str], output: IO[str]) -> None:
    """Evaluate every patient in FILE (JSON Lines: one patient record per line).

    Writes one JSON result per input line, in order. A line that cannot be evaluated
    gives {"line": N, "errors": [...]} instead, and the exit status is then 2.
    Blank lines are skipped. Progress is shown on standard error when writing to a file.
    """
    lines = file.readlines()
    failed = 0
    records = [(number, line) for number, line in enumerate(lines, start=1) if line.strip()]
    to_file = getattr(output, "name", "-") not in ("-", "<stdout>")
    with (
        click.progressbar(records, label="Evaluating", file=sys.stderr)
        if to_file
        else _plain(records) as items
    ):
        for number, record in items:
            out, ok = record_result(number, record)
            failed += not ok
            output.write(json.dumps(out) + "\n")
    if failed:
        click.echo(f"{failed} of {len(records)} record(s) could not be evaluated", err=True)
        sys.exit(2)


def record_result(number: int, record: str) -> tuple[dict[str, Any], bool]:
    """The output line for input line ``number`` (a result or the problems found) and
    whether the record could be evaluated."""
    try:
        raw = json.loads(record)
    except json.JSONDecodeError as exc:
        return {"line": number, "errors": [Problem(f"not valid JSON: {exc}").to_dict()]}, False
    try:
        return evaluate_raw(raw).to_dict(), True
    except InvalidPatient as exc:
        out: dict[str, Any] = {"line": number}
        patient_id = raw.get("patient_id") if isinstance(raw, dict) else None
        if isinstance(patient_id, str):
            out["patient_id"] = patient_id
        out["errors"] = [p.to_dict() for p in exc.problems]
        return out, False


@contextmanager
def _plain(items: list[tuple[int, str]]) -> Iterator[list[tuple[int, str]]]:
    yield items


def _fail(name: str, problems: list[Problem], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps({"errors": [p.to_dict() for p in problems]}, indent=2))
    click.echo(f"{name}: {len(problems)} problem(s):", err=True)
    for problem in problems:
        click.echo(f"  {problem}", err=True)
    sys.exit(2)


def render_table(result: Result) -> str:
    """A short readable table of the time-point responses and the summary."""
    baseline_sum = "-" if result.baseline_sum_mm is None else f"{result.baseline_sum_mm:g} mm"
    lines = [f"{result.criteria}: baseline {result.baseline_date.isoformat()}, sum {baseline_sum}"]
    header = ("date", "sum mm", "vs base", "vs nadir", "target", "non-target", "new", "overall")
    rows = [header]
    for tp in result.timepoints:
        rows.append(
            (
                tp.date.isoformat(),
                _num(tp.sum_mm if tp.sum_mm is not None else tp.assessed_sum_mm, tp.sum_mm),
                _pct(tp.change_from_baseline_pct),
                _pct(tp.change_from_nadir_pct),
                tp.target or "-",
                tp.non_target or "-",
                tp.new_lesions,
                tp.overall,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        lines.append("  ".join(cells).rstrip())
    best = result.best_overall_response
    when = result.best_overall_response_date
    summary = f"Best overall response: {best}" + (f" ({when.isoformat()})" if when else "")
    if result.confirmed is not None:
        summary += ", confirmed" if result.confirmed else ", not confirmed"
        if result.confirmation_date is not None:
            summary += f" on {result.confirmation_date.isoformat()}"
    lines.append(summary)
    progression = result.progression_date
    lines.append(f"Progression date: {progression.isoformat() if progression else '-'}")
    if result.criteria == "iRECIST" and result.iupd_dates:
        lines.append("iUPD: " + ", ".join(d.isoformat() for d in result.iupd_dates))
    notes = [f"{tp.date.isoformat()}: {note}" for tp in result.timepoints for note in tp.notes]
    notes += list(result.notes)
    lines += [f"Note: {note}" for note in notes]
    return "\n".join(lines)


def _num(value: float | None, complete: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:g}" if complete is not None else f"({value:g})"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:+.1f}%"
