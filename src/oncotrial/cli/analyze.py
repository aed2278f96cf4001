"""`oncotrial analyze`: statistics on captured results."""

from __future__ import annotations

import csv
import json
import math

import click

from oncotrial.domain.design import DesignParameterError, clopper_pearson, exact_test_p_value
from oncotrial.domain.stats import CONF_TYPES, SurvivalDataError, analyse_survival


@click.group()
def analyze() -> None:
    """Analyse captured results."""


@analyze.command()
@click.argument("x", type=int)
@click.argument("n", type=int)
@click.option("--p0", type=float, help="Also give the one-sided exact p-value for H0: p <= P0.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def proportion(x: int, n: int, p0: float | None, as_json: bool) -> None:
    """X responses among N patients: estimate and exact 95 % (Clopper–Pearson) interval."""
    try:
        est = clopper_pearson(x, n)
        p_value = None if p0 is None else exact_test_p_value(x, n, p0)
    except DesignParameterError as exc:
        hint = {"x": "'X'", "n": "'N'"}.get(exc.parameter, f"'--{exc.parameter}'")
        raise click.BadParameter(exc.detail, param_hint=hint) from exc
    payload: dict[str, object] = {
        "x": est.x,
        "n": est.n,
        "estimate": est.estimate,
        "ci_lower": est.ci_lower,
        "ci_upper": est.ci_upper,
        "method": est.method,
    }
    if p0 is not None:
        payload["p0"] = p0
        payload["p_value"] = p_value
    if as_json:
        click.echo(json.dumps(payload, indent=2))
        return
    line = (
        f"{x}/{n} = {est.estimate:.4f}, exact 95% CI {est.ci_lower:.4f} to {est.ci_upper:.4f}"
        " (Clopper-Pearson)"
    )
    if p0 is not None:
        line += f"; one-sided exact test of p <= {p0:g}: P(X >= {x}) = {p_value:.4g}"
    click.echo(line)


class InputFileError(click.ClickException):
    """A CSV file that cannot be analysed: exit status 2, like a usage error."""

    exit_code = 2


def _read_survival_csv(
    path: str, time_col: str, event_col: str, group_col: str | None
) -> tuple[list[float], list[int], list[str] | None]:
    """Read and check the columns; errors name the column and the line of the file."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            rows = list(reader)
    except UnicodeDecodeError as exc:
        raise InputFileError(f"{path}: not a UTF-8 text file ({exc.reason})") from exc
    except csv.Error as exc:
        raise InputFileError(f"{path}: not a readable CSV file ({exc})") from exc
    if header is None or not any(h.strip() for h in header):
        raise InputFileError(f"{path}: the file is empty (no header row)")
    names = [h.strip() for h in header]
    wanted = {"--time": time_col, "--event": event_col}
    if group_col is not None:
        wanted["--group"] = group_col
    index: dict[str, int] = {}
    for option, col in wanted.items():
        if col not in names:
            raise InputFileError(
                f"{path}: no column {col!r} (given by {option}); columns: {', '.join(names)}"
            )
        index[option] = names.index(col)
    times: list[float] = []
    events: list[int] = []
    groups: list[str] = []
    for line, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue  # blank line
        cells = {opt: (row[i].strip() if i < len(row) else "") for opt, i in index.items()}
        raw = cells["--time"]
        try:
            t = float(raw)
        except ValueError:
            raise InputFileError(
                f"{path}, line {line}: time {raw!r} in column {time_col!r} is not a number"
            ) from None
        if not math.isfinite(t):
            raise InputFileError(
                f"{path}, line {line}: time {raw!r} in column {time_col!r} is not a finite number"
            )
        if t < 0:
            raise InputFileError(
                f"{path}, line {line}: time {raw!r} in column {time_col!r} is negative"
            )
        ev = cells["--event"]
        if ev not in {"0", "1"}:
            raise InputFileError(
                f"{path}, line {line}: event {ev!r} in column {event_col!r} must be 0 "
                "(censored) or 1 (event)"
            )
        times.append(t)
        events.append(int(ev))
        if group_col is not None:
            g = cells["--group"]
            if not g:
                raise InputFileError(f"{path}, line {line}: group column {group_col!r} is empty")
            groups.append(g)
    if not times:
        raise InputFileError(f"{path}: the file has a header but no data rows")
    return times, events, (groups if group_col is not None else None)


def _num(value: float | None) -> float | int | None:
    """Whole numbers as int (so 310 prints as 310), others unchanged."""
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


def _fmt(value: float | None) -> str:
    if value is None:
        return "NR"
    return f"{value:g}"


@analyze.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--time", "time_col", required=True, help="Column with the follow-up time.")
@click.option("--event", "event_col", required=True, help="Column with 1 = event, 0 = censored.")
@click.option("--group", "group_col", help="Column with the group (arm); adds the log-rank test.")
@click.option(
    "--conf-type",
    type=click.Choice(list(CONF_TYPES)),
    default="log-log",
    show_default=True,
    help="Pointwise interval of the curve, from which the median's interval is read.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def km(
    file: str,
    time_col: str,
    event_col: str,
    group_col: str | None,
    conf_type: str,
    as_json: bool,
) -> None:
    """Kaplan–Meier medians with 95 % CI per group, and the log-rank test (R conventions)."""
    times, events, groups = _read_survival_csv(file, time_col, event_col, group_col)
    try:
        result = analyse_survival(times, events, groups, conf_type=conf_type)
    except SurvivalDataError as exc:
        raise InputFileError(f"{file}: {exc}") from exc
    test = result.logrank
    payload = {
        "groups": [
            {
                "name": g.name,
                "n": g.n,
                "events": g.events,
                "median": _num(g.median),
                "ci_lower": _num(g.ci_lower),
                "ci_upper": _num(g.ci_upper),
            }
            for g in result.groups
        ],
        "logrank": None if test is None else {"chisq": test.chisq, "df": test.df, "p": test.p},
    }
    if as_json:
        click.echo(json.dumps(payload, indent=2))
        return
    head = ("group", "n", "events", "median", f"95% CI ({conf_type})")
    body = [
        (
            g.name,
            str(g.n),
            str(g.events),
            _fmt(g.median),
            f"{_fmt(g.ci_lower)} to {_fmt(g.ci_upper)}",
        )
        for g in result.groups
    ]
    widths = [max(len(r[i]) for r in [head, *body]) for i in range(len(head))]
    for r in [head, *body]:
        cells = [r[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(r[1:], widths[1:], strict=True)
        ]
        click.echo("  ".join(cells).rstrip())
    click.echo("NR: not reached")
    if test is not None:
        p_text = "p < 0.0001" if test.p < 1e-4 else f"p = {test.p:.4g}"
        click.echo(f"Log-rank test: chi-square {test.chisq:.2f} on {test.df} df, {p_text}")
