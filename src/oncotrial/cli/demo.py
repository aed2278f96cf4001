"""`oncotrial demo`: a local demonstration on SQLite, from nothing to a served web app.

Each seed study gets a simulated cohort of its protocol's target size, created through
the same services as the web app (`oncotrial simulate`), then an investigator's tumour
assessment kept beside the computed one, the data-management examples (a correction
with its reason, queries, a signature, a locked visit), serious adverse events whose
report clocks run, specimens with their chain of custody, and its study report written
under the data directory."""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
import time
from pathlib import Path

import click

from oncotrial.cli.study import setup_django

DEMO_USERNAME = "demo"
DEMO_SEED = "demo"


class ReportNotWritten(Exception):
    """The report worker failed."""


class ReportWorker:
    """`python -m oncotrial.cli.report_worker ROOT` in its own process, told each study
    whose cohort is in; it loads the report libraries while the first cohort is built and
    writes each report on the second core while the next study is simulated."""

    def __init__(self, root: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "oncotrial.cli.report_worker", str(root)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def write(self, key: str) -> None:
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(key + "\n")
            self.process.stdin.flush()
        except BrokenPipeError:
            pass  # the worker stopped; `finish` reports why

    def finish(self) -> list[dict[str, str]]:
        """Each report written (or refused), once the last is done."""
        out, err = self.process.communicate()
        if self.process.returncode != 0:
            raise ReportNotWritten(err.strip().splitlines()[-1] if err.strip() else "no output")
        return [json.loads(line) for line in out.splitlines() if line.strip()]


def _step(message: str) -> None:
    click.echo(click.style("==> ", fg="blue", bold=True) + message)


def _reset_superuser(password: str) -> None:
    from django.contrib.auth import get_user_model

    user, created = get_user_model().objects.get_or_create(username=DEMO_USERNAME)
    user.set_password(password)
    user.is_staff = True
    user.is_superuser = True
    user.is_active = True
    user.save()
    click.echo(f"    {'created' if created else 'reset'} user {DEMO_USERNAME}")


@click.command()
@click.option("--port", default=8000, show_default=True, type=int, help="Port to serve on.")
@click.option("--no-serve", is_flag=True, help="Prepare the database and stop.")
@click.option(
    "--studies",
    "studies_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder of protocol files (default: ./studies).",
)
@click.option(
    "--password", default=None, help="Password of the demo users (default: a random one)."
)
@click.option(
    "--subjects",
    type=click.IntRange(min=1),
    default=None,
    help="Subjects per study (default: each protocol's target sample size).",
)
@click.option("--no-reports", is_flag=True, help="Do not write the study reports.")
def demo(
    port: int,
    no_serve: bool,
    studies_dir: Path | None,
    password: str | None,
    subjects: int | None,
    no_reports: bool,
) -> None:
    """Migrate the SQLite database, load studies/*.yaml, add demo sites and users, simulate
    each study's cohort at its target size, write the study reports, serve."""
    started = time.perf_counter()
    setup_django()
    from django.conf import settings
    from django.core.management import call_command
    from django.utils import timezone

    from oncotrial.apps.studies.services import load_protocol_file
    from oncotrial.domain.protocol import ProtocolError

    database = settings.DATABASES["default"]
    _step(f"Migrating the database ({database['ENGINE'].rsplit('.', 1)[-1]}: {database['NAME']})")
    call_command("migrate", interactive=False, verbosity=0)

    folder = studies_dir or Path.cwd() / "studies"
    files = sorted(folder.glob("*.yaml")) if folder.is_dir() else []
    _step(f"Loading {len(files)} protocol file(s) from {folder}")
    if not files:
        click.echo("    no protocol files found; the study list will be empty")
    failures = 0
    for file in files:
        try:
            result = load_protocol_file(file)
        except ProtocolError as exc:
            failures += 1
            click.echo(f"    {file.name}: not loaded", err=True)
            for problem in exc.problems:
                click.echo(f"      {problem.format(file.name)}", err=True)
            continue
        click.echo(f"    {file.name}: {result.description}")

    from oncotrial.apps.studies.models import Study
    from oncotrial.cli import demo_data

    password = password or secrets.token_urlsafe(9)
    studies = list(Study.objects.order_by("key"))
    _step(f"Setting up {len(demo_data.SITES)} sites and one user per role")
    users = demo_data.ensure_sites_and_users(password, studies)
    _reset_superuser(password)
    _step("Simulating each study's cohort at its target size (through the web app's services)")
    if not no_reports and studies:
        click.echo("    each study's report is written by a second process once its cohort is in")
    today = timezone.localdate()
    worker = ReportWorker(settings.DATA_DIR / "reports") if not no_reports and studies else None
    for study in studies:
        demo_data.simulate_study(
            study, today, lambda line: click.echo(f"    {line}"), password, subjects=subjects
        )
        if worker is not None:
            worker.write(study.key)

    reports: dict[str, Path] = {}
    if worker is not None:
        _step("Waiting for the study reports")
        try:
            written = worker.finish()
        except ReportNotWritten as exc:
            failures += 1
            written = []
            click.echo(f"    the reports were not written: {exc}", err=True)
        for report in written:
            if "error" in report:
                failures += 1
                refused = f"{report['study']}: report not written: {report['error']}"
                click.echo(f"    {refused}", err=True)
                continue
            reports[report["study"]] = Path(report["html"])
        click.echo(f"    {len(reports)} of {len(studies)} written")

    url = f"http://127.0.0.1:{port}"
    click.echo("")
    click.echo(click.style("  oncotrial demo", bold=True))
    click.echo(f"  URL:      {url}")
    click.echo(f"  Password: {password}  (the same for every demo user)")
    click.echo("  Users:")
    for user in users:
        where = f"site {user.site_code}" if user.site_code else "all sites"
        click.echo(f"    {user.username:<16} {user.role.label} ({where})")
    click.echo(f"    {DEMO_USERNAME:<16} Django administrator (/admin/)")
    if reports:
        click.echo("  Study reports (also live at /studies/<key>/report/):")
        for key, path in reports.items():
            click.echo(f"    {key:<28} {path}")
    click.echo(f"  Ready in {time.perf_counter() - started:.1f} s")
    click.echo("")
    if failures:
        click.echo(f"  {failures} protocol file(s) or report(s) failed (see above).", err=True)
    if no_serve:
        return
    _step(f"Serving on {url} (Ctrl-C to stop)")
    sys.stdout.flush()
    call_command(
        "runserver", f"127.0.0.1:{port}", use_reloader=False, use_threading=True, skip_checks=True
    )
