"""`oncotrial report STUDY --out DIR`: the study report as files."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

from oncotrial.cli.study import setup_django


@click.command()
@click.argument("study_key")
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Directory to write the report into (created if missing).",
)
@click.option("--cutoff", type=click.DateTime(formats=["%Y-%m-%d"]), help="Data cut-off date.")
@click.option("--no-pdf", is_flag=True, help="Write HTML, figures and CSV only.")
@click.option("--json", "as_json", is_flag=True, help="Print what was written as JSON.")
def report(study_key: str, out: Path, cutoff: object, no_pdf: bool, as_json: bool) -> None:
    """Write the study report of STUDY_KEY: a self-contained HTML page (and a PDF when a
    headless Chromium is installed), a PNG of every figure and the derived endpoint
    dataset as CSV. Every site's subjects are included; no identifying detail is."""
    setup_django()
    from oncotrial.apps.reports.files import write_report
    from oncotrial.apps.reports.study_report import build_full_report
    from oncotrial.apps.studies.models import Study
    from oncotrial.apps.studies.selectors import get_study

    try:
        view = get_study(study_key)
    except Study.DoesNotExist:
        raise click.BadParameter(
            f"no study {study_key!r} is loaded", param_hint="STUDY_KEY"
        ) from None
    started = time.perf_counter()
    if not as_json:
        click.echo(f"Deriving the endpoints of {study_key}…", err=True)
    built = build_full_report(view, cutoff.date() if cutoff else None)  # type: ignore[attr-defined]
    if not as_json:
        click.echo(f"Writing {len(built.figures)} figures and the report…", err=True)
    written = write_report(built, out, pdf=not no_pdf)
    seconds = time.perf_counter() - started
    summary = {
        "study": study_key,
        "subjects": built.accrual.enrolled,
        "html": str(written.html),
        "pdf": str(written.pdf) if written.pdf else None,
        "csv": str(written.csv),
        "figures": [str(p) for p in written.figures],
        "seconds": round(seconds, 2),
    }
    if as_json:
        click.echo(json.dumps(summary, indent=2))
        return
    click.echo(f"{study_key}: {built.accrual.enrolled} subjects, report in {seconds:.1f} s")
    click.echo(f"  HTML: {written.html}")
    click.echo(f"  PDF:  {written.pdf or 'not written (no headless Chromium found)'}")
    click.echo(f"  CSV:  {written.csv}")
    click.echo(f"  {len(written.figures)} figures in {out / 'figures'}")
