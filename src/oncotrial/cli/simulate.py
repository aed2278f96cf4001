"""`oncotrial simulate STUDY --subjects N --seed S`: a simulated cohort, through the
services the web app uses."""

from __future__ import annotations

import datetime as dt
import json
import resource
import sys
import time
from collections.abc import Callable
from typing import Any

import click

from oncotrial.cli.study import setup_django


def _peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024, 1)


def _current_rss_mb() -> float | None:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def _with_progress_bar(study: Any, study_key: str, subjects: int, seed: str, cut: dt.date) -> Any:
    from oncotrial.apps.simulation import Tally
    from oncotrial.apps.simulation import simulate as run

    shown = {"enrolled": 0}
    with click.progressbar(
        length=subjects,
        label=f"Simulating {study_key}",
        file=sys.stderr,
        show_pos=True,
        show_eta=True,
    ) as bar:

        def progress(_candidates: int, tally: Tally) -> None:
            if tally.enrolled > shown["enrolled"]:
                bar.update(tally.enrolled - shown["enrolled"])
                shown["enrolled"] = tally.enrolled

        return run(study, subjects=subjects, seed=seed, as_of=cut, progress=progress)


def _progress_lines(study_key: str, subjects: int, started: float) -> Callable[[int, Any], None]:
    """Progress for a log (stderr is not a terminal, or --json): a line at every 5 % of
    the subjects enrolled, with the rate and the memory in use."""
    every = max(1, subjects // 20)
    shown = {"enrolled": 0}

    def progress(candidates: int, tally: Any) -> None:
        due = tally.enrolled >= shown["enrolled"] + every or tally.enrolled == subjects
        if not due or tally.enrolled == shown["enrolled"]:
            return
        shown["enrolled"] = tally.enrolled
        seconds = time.perf_counter() - started
        rss = _current_rss_mb()
        click.echo(
            f"{study_key}: {tally.enrolled}/{subjects} enrolled ({candidates} candidates) "
            f"in {seconds:.0f} s, {tally.enrolled / seconds:.1f} subjects/s"
            + (f", {rss} MB in use" if rss is not None else ""),
            err=True,
        )

    return progress


@click.command()
@click.argument("study_key")
@click.option("--subjects", type=click.IntRange(min=1), required=True, help="Subjects to enrol.")
@click.option("--seed", default="1", show_default=True, help="The same seed gives the same data.")
@click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Data cut-off: nothing happens after it (default: today).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
def simulate(study_key: str, subjects: int, seed: str, as_of: object, as_json: bool) -> None:
    """Enrol a simulated cohort of SUBJECTS in the loaded study STUDY_KEY: screening with
    screen failures on the protocol's criteria, consent, enrolment, visits in and out of
    window, treatment, tumour assessments, labs, adverse events and follow-up, each
    candidate in its own transaction, with the audit trail the web app writes."""
    setup_django()
    from oncotrial.apps.simulation import NoStaff
    from oncotrial.apps.simulation import simulate as run
    from oncotrial.apps.studies.models import Study

    try:
        study = Study.objects.get(key=study_key)
    except Study.DoesNotExist:
        raise click.BadParameter(
            f"no study {study_key!r} is loaded", param_hint="STUDY_KEY"
        ) from None
    cut = as_of.date() if isinstance(as_of, dt.datetime) else dt.date.today()
    started = time.perf_counter()
    try:
        if sys.stderr.isatty() and not as_json:
            tally = _with_progress_bar(study, study_key, subjects, seed, cut)
        else:
            tally = run(
                study,
                subjects=subjects,
                seed=seed,
                as_of=cut,
                progress=_progress_lines(study_key, subjects, started),
            )
    except NoStaff as exc:
        raise click.ClickException(str(exc)) from None
    seconds = time.perf_counter() - started
    summary = {
        "study": study_key,
        "seed": seed,
        "as_of": cut.isoformat(),
        **tally.as_dict(),
        "seconds": round(seconds, 1),
        "peak_rss_mb": _peak_rss_mb(),
    }
    if as_json:
        click.echo(json.dumps(summary, indent=2))
        return
    click.echo(
        f"{study_key}: {tally.candidates} candidates, {tally.enrolled} enrolled, "
        f"{tally.screen_failed} screen failures, {tally.in_screening} in screening "
        f"({seconds:.1f} s)"
    )
    click.echo(
        f"  {tally.visits} visits ({tally.missed} missed), "
        f"{tally.assessments} tumour assessments, {tally.lab_results} lab results, "
        f"{tally.adverse_events} adverse events ({tally.serious} serious)"
    )
    click.echo(
        f"  {tally.progressions} progressions, {tally.deaths} deaths, "
        f"{tally.withdrawn} withdrawals, {tally.lost} lost to follow-up"
    )
