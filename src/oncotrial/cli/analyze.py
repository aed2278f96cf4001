"""`oncotrial analyze`: statistics on captured results."""

from __future__ import annotations

import json

import click

from oncotrial.domain.design import DesignParameterError, clopper_pearson, exact_test_p_value


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
