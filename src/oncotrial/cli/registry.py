"""`oncotrial registry`: ClinicalTrials.gov records in and out."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from oncotrial.domain.protocol import validate_file
from oncotrial.registry.bulk import expand, import_files
from oncotrial.registry.export import export_study


@click.group()
def registry() -> None:
    """ClinicalTrials.gov records: import them as protocol files, export protocols."""


@registry.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    default=".",
    show_default=True,
    help="Folder the protocol files are written to (one <id>.yaml per study).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
def import_(paths: tuple[str, ...], out_dir: str, as_json: bool) -> None:
    """Import registry records (API v2 JSON or legacy XML) from files or folders.

    Each study becomes a protocol file that passes `oncotrial protocol validate`.
    Records that cannot be read are reported with the reason; the others still import.
    Exit status 0 when every file imported, 2 when any failed.
    """
    files = expand(paths)
    if not files:
        click.echo("no .json or .xml record files found", err=True)
        sys.exit(2)
    show_progress = not as_json and (len(files) > 1 or any(Path(p).is_dir() for p in paths))
    bar_state: dict[str, int] = {"done": 0}

    with click.progressbar(
        length=len(files), label="importing", file=sys.stderr, hidden=not show_progress
    ) as bar:

        def progress(done: int, total: int) -> None:
            bar.update(done - bar_state["done"])
            bar_state["done"] = done

        result = import_files(files, out_dir, progress=progress)

    if as_json:
        click.echo(
            json.dumps(
                {
                    "imported": [
                        {
                            "source": w.source,
                            "id": w.protocol_id,
                            "nct_id": w.nct_id,
                            "output": w.output,
                            "inclusion": w.inclusion,
                            "exclusion": w.exclusion,
                            "computable": w.computable,
                            "assumptions": w.assumptions,
                            "warnings": list(w.warnings),
                        }
                        for w in result.written
                    ],
                    "failed": [{"source": f.source, "reason": f.reason} for f in result.failed],
                    "duplicates": result.duplicates,
                },
                indent=2,
            )
        )
    else:
        for w in result.written:
            if len(result.written) <= 20:
                click.echo(
                    f"{w.source}: wrote {w.output} ({w.inclusion} inclusion, {w.exclusion} "
                    f"exclusion criteria, {w.computable} computable; "
                    f"{w.assumptions} assumption(s) to review)"
                )
            for warning in w.warnings:
                click.echo(f"{w.source}: warning: {warning}", err=True)
        for duplicate in result.duplicates:
            click.echo(f"warning: {duplicate}", err=True)
        for failure in result.failed:
            click.echo(f"{failure.source}: error: {failure.reason}", err=True)
        click.echo(
            f"imported {len(result.written)} stud{'y' if len(result.written) == 1 else 'ies'} "
            f"into {out_dir}; {len(result.failed)} file(s) failed"
        )
    sys.exit(2 if result.failed else 0)


@registry.command("export")
@click.argument("protocol_file", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print compact JSON (one line).")
def export(protocol_file: str, as_json: bool) -> None:
    """Print PROTOCOL_FILE as a ClinicalTrials.gov API v2 study (JSON).

    Takes a protocol file for now; exporting a study loaded in the database by
    `oncotrial study load` will take its key once that command exists.
    """
    validation = validate_file(protocol_file)
    if validation.protocol is None:
        for line in validation.format_problems():
            click.echo(line, err=True)
        sys.exit(2)
    study = export_study(validation.protocol)
    click.echo(json.dumps(study, ensure_ascii=False, indent=None if as_json else 2))
