"""`oncotrial study`: load protocol files into the database and list the studies."""

from __future__ import annotations

import json
import os
import sys

import click


def setup_django() -> None:
    """Configure Django on first use, so that commands without a database stay fast."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oncotrial.web.settings")
    import django

    django.setup()


@click.group()
def study() -> None:
    """Studies in the database: load protocol files, list what is loaded."""


@study.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per file, as a list.")
def load(files: tuple[str, ...], as_json: bool) -> None:
    """Load protocol FILES: create the study, or add a version when the file changed.

    Prints created / new version / unchanged per file. Exit status 2 when a file is not
    a valid protocol (its problems are printed and nothing is stored for it).
    """
    setup_django()
    from oncotrial.apps.studies.services import load_protocol_file
    from oncotrial.domain.protocol import ProtocolError

    results: list[dict[str, object]] = []
    failed = False
    for name in files:
        try:
            result = load_protocol_file(name)
        except ProtocolError as exc:
            failed = True
            problems = [p.format(exc.filename) for p in exc.problems]
            results.append({"file": name, "outcome": "invalid", "problems": problems})
            if not as_json:
                for line in problems:
                    click.echo(line, err=True)
                click.echo(f"{name}: not loaded ({len(problems)} problem(s))", err=True)
            continue
        results.append(
            {
                "file": name,
                "outcome": result.outcome,
                "study": result.study.key,
                "version": result.version.label,
                "sequence": result.version.sequence,
                "sha256": result.version.sha256,
                "warnings": list(result.warnings),
            }
        )
        if not as_json:
            for line in result.warnings:
                click.echo(line, err=True)
            click.echo(f"{name}: {result.description}")
    if as_json:
        click.echo(json.dumps(results, indent=2))
    sys.exit(2 if failed else 0)


@study.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Print the studies as JSON.")
def list_(as_json: bool) -> None:
    """List the studies with their current protocol version."""
    setup_django()
    from oncotrial.apps.studies.selectors import list_studies

    rows = [
        {
            "key": v.study.key,
            "nct_id": v.study.nct_id or None,
            "title": v.study.title,
            "phases": list(v.protocol.identification.phases),
            "overall_status": v.protocol.identification.overall_status,
            "enrollment_target": v.protocol.identification.enrollment.target,
            "version": v.version.label,
            "sequence": v.version.sequence,
            "loaded_at": v.version.loaded_at.isoformat(),
        }
        for v in list_studies()
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo("No studies loaded. Load one with: oncotrial study load FILE")
        return
    for r in rows:
        click.echo(
            f"{r['key']:<28} {r['nct_id'] or '-':<12} v{r['version']} (#{r['sequence']})  "
            f"{r['title']}"
        )
