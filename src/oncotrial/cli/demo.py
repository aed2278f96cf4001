"""`oncotrial demo`: a local demonstration on SQLite, from nothing to a served web app."""

from __future__ import annotations

import secrets
import sys
from pathlib import Path

import click

from oncotrial.cli.study import setup_django

DEMO_USERNAME = "demo"


def _step(message: str) -> None:
    click.echo(click.style("==> ", fg="blue", bold=True) + message)


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
    "--password", default=None, help="Password for the demo user (default: a random one)."
)
def demo(port: int, no_serve: bool, studies_dir: Path | None, password: str | None) -> None:
    """Migrate the SQLite database, load studies/*.yaml, create the demo user, serve."""
    setup_django()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

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

    _step(f"Setting up the demo user '{DEMO_USERNAME}'")
    password = password or secrets.token_urlsafe(9)
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(username=DEMO_USERNAME)
    user.set_password(password)
    user.is_staff = True
    user.is_superuser = True
    user.is_active = True
    user.save()
    click.echo(f"    {'created' if created else 'reset'} user {DEMO_USERNAME}")

    url = f"http://127.0.0.1:{port}"
    click.echo("")
    click.echo(click.style("  oncotrial demo", bold=True))
    click.echo(f"  URL:      {url}")
    click.echo(f"  Username: {DEMO_USERNAME}")
    click.echo(f"  Password: {password}")
    click.echo("")
    if failures:
        click.echo(f"  {failures} protocol file(s) could not be loaded (see above).", err=True)
    if no_serve:
        return
    _step(f"Serving on {url} (Ctrl-C to stop)")
    sys.stdout.flush()
    call_command(
        "runserver", f"127.0.0.1:{port}", use_reloader=False, use_threading=True, skip_checks=True
    )
