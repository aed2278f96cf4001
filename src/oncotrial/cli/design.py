"""`oncotrial design`: sample sizes for single-arm phase II designs.

JSON contract (stable, see docs/designs.md):

* ``design simon``: {"optimal": {r1, n1, r, n, en0, pet0, alpha, power}, "minimax": {...}}
* ``design binomial``: {n, r, alpha, power} (reject H0 if responses > r)
* ``design survival``: {events, n, n_with_loss, event_probability}
* ``design interim``: {decision, responses, evaluated, final, message}
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click

from oncotrial.domain.design import (
    SURVIVAL_METHODS,
    DesignParameterError,
    simon_decision,
    simon_designs,
    single_stage_design,
    survival_design,
)


@contextmanager
def _usage_errors() -> Iterator[None]:
    """Turn a domain parameter error into a usage error (exit 2) naming the option."""
    try:
        yield
    except DesignParameterError as exc:
        raise click.BadParameter(
            exc.detail, param_hint=f"'--{exc.parameter.replace('_', '-')}'"
        ) from exc


def _emit(as_json: bool, payload: dict[str, Any], text: Callable[[], str]) -> None:
    if as_json:
        click.echo(json.dumps(payload, indent=2))
    else:
        click.echo(text())


def _rate_options(f: Callable[..., Any]) -> Callable[..., Any]:
    f = click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")(f)
    f = click.option(
        "--power", type=float, default=0.8, show_default=True, help="Power, in (0.5, 1)."
    )(f)
    f = click.option(
        "--alpha",
        type=float,
        default=0.05,
        show_default=True,
        help="One-sided type I error, in (0, 0.5).",
    )(f)
    f = click.option("--p1", type=float, required=True, help="Response rate worth pursuing.")(f)
    f = click.option("--p0", type=float, required=True, help="Uninteresting response rate (H0).")(f)
    return f


@click.group()
def design() -> None:
    """Sample sizes: Simon two-stage, exact single-stage binomial, single-arm survival."""


@design.command()
@_rate_options
@click.option(
    "--nmax",
    type=int,
    default=None,
    help="Stop the search at this maximum size (default: search as far as needed).",
)
def simon(
    p0: float, p1: float, alpha: float, power: float, as_json: bool, nmax: int | None
) -> None:
    """Simon's optimal and minimax two-stage designs (exact binomial).

    Stop after stage 1 if responses <= r1 of n1; reject H0 if responses > r of n.
    """
    with _usage_errors():
        res = simon_designs(p0, p1, alpha, power, nmax=nmax)
    if not res.complete:
        click.echo(
            f"warning: search stopped at the limit --nmax {nmax}; the optimal design may"
            " have a larger n and a smaller EN0",
            err=True,
        )

    def text() -> str:
        lines = [
            f"Simon two-stage designs for p0 {p0:g} vs p1 {p1:g}, alpha {alpha:g}, power {power:g}"
        ]
        for label, d in (("optimal", res.optimal), ("minimax", res.minimax)):
            lines.append(
                f"  {label:8} stage 1: stop if <= {d.r1}/{d.n1};"
                f" final: reject H0 if > {d.r}/{d.n};"
                f" EN0 {d.en0:.2f}, PET0 {d.pet0:.3f}, alpha {d.alpha:.4f}, power {d.power:.4f}"
            )
        return "\n".join(lines)

    _emit(as_json, {"optimal": res.optimal.as_dict(), "minimax": res.minimax.as_dict()}, text)


@design.command()
@_rate_options
def binomial(p0: float, p1: float, alpha: float, power: float, as_json: bool) -> None:
    """Exact single-stage binomial design (A'Hern): reject H0 if responses > r of n."""
    with _usage_errors():
        d = single_stage_design(p0, p1, alpha, power)
    _emit(
        as_json,
        {"n": d.n, "r": d.r, "alpha": d.alpha, "power": d.power},
        lambda: (
            f"Single-stage exact binomial for p0 {p0:g} vs p1 {p1:g}: n = {d.n},"
            f" reject H0 if responses > {d.r} (at least {d.r + 1});"
            f" alpha {d.alpha:.4f}, power {d.power:.4f}"
        ),
    )


@design.command()
@click.option(
    "--method",
    type=click.Choice(SURVIVAL_METHODS),
    required=True,
    help="exponential hazard test, one-sample log-rank (fms, wu), landmark survival"
    " (normal approximation, or exact binomial).",
)
@click.option("--median0", type=float, help="Median survival under H0 (months).")
@click.option("--median1", type=float, help="Median survival under the alternative (months).")
@click.option("--hazard0", type=float, help="Hazard under H0 (per month), instead of --median0.")
@click.option("--hazard1", type=float, help="Hazard under the alternative, instead of --median1.")
@click.option("--accrual", type=float, required=True, help="Accrual period (months), uniform.")
@click.option(
    "--followup",
    type=float,
    default=0.0,
    show_default=True,
    help="Follow-up after the last patient enters (months).",
)
@click.option("--alpha", type=float, default=0.05, show_default=True, help="Type I error.")
@click.option("--power", type=float, default=0.8, show_default=True, help="Power.")
@click.option(
    "--sides", type=click.IntRange(1, 2), default=1, show_default=True, help="1- or 2-sided alpha."
)
@click.option(
    "--loss", type=float, default=0.0, show_default=True, help="Fraction lost to follow-up."
)
@click.option("--landmark", type=float, help="Landmark time (months), landmark methods only.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def survival(
    method: str,
    median0: float | None,
    median1: float | None,
    hazard0: float | None,
    hazard1: float | None,
    accrual: float,
    followup: float,
    alpha: float,
    power: float,
    sides: int,
    loss: float,
    landmark: float | None,
    as_json: bool,
) -> None:
    """Single-arm time-to-event design; inputs as medians or hazards."""
    with _usage_errors():
        d = survival_design(
            method,
            median0=median0,
            median1=median1,
            hazard0=hazard0,
            hazard1=hazard1,
            accrual=accrual,
            followup=followup,
            alpha=alpha,
            power=power,
            sides=sides,
            loss=loss,
            landmark=landmark,
        )

    def text() -> str:
        events = "" if d.events is None else f", {d.events} events"
        where = f" at {d.landmark:g} months" if d.landmark is not None else ""
        return (
            f"{method}: hazard {d.hazard0:.4g} vs {d.hazard1:.4g} per month,"
            f" {d.sides}-sided alpha {d.alpha:g}, power {d.power:g}:"
            f" n = {d.n}{events}; {d.n_with_loss} to enrol with {d.loss:.0%} loss;"
            f" event probability{where} under H1 {d.event_probability:.4f}"
        )

    _emit(as_json, d.as_dict(), text)


@design.command()
@click.option("--r1", type=int, required=True, help="Stage-1 futility bound (stop if <= r1).")
@click.option("--n1", type=int, required=True, help="Stage-1 size.")
@click.option("--r", "r", type=int, required=True, help="Final bound (reject H0 if > r).")
@click.option("--n", "n", type=int, required=True, help="Maximum size.")
@click.option("--responses", type=int, required=True, help="Responses observed so far.")
@click.option("--evaluated", type=int, required=True, help="Patients evaluated so far.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def interim(
    r1: int, n1: int, r: int, n: int, responses: int, evaluated: int, as_json: bool
) -> None:
    """Decision for a running Simon design from the responses captured so far."""
    with _usage_errors():
        dec = simon_decision(r1=r1, n1=n1, r=r, n=n, responses=responses, evaluated=evaluated)
    _emit(
        as_json,
        {
            "decision": dec.decision,
            "responses": dec.responses,
            "evaluated": dec.evaluated,
            "final": dec.final,
            "message": dec.message,
        },
        lambda: dec.message,
    )
