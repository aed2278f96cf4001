"""`oncotrial ctcae`: import the NCI CTCAE workbook and look terms up."""

from __future__ import annotations

import json
import sys

import click

from oncotrial.cli.study import setup_django


@click.group()
def ctcae() -> None:
    """CTCAE catalogues: import the NCI workbook, show a term's grades."""


@ctcae.command(name="import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--version",
    "version",
    type=click.Choice(["5.0", "4.03"]),
    default=None,
    help="The CTCAE version of the workbook (default: read from the sheet).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def import_(file: str, version: str | None, as_json: bool) -> None:
    """Import the NCI CTCAE workbook FILE (.xlsx), replacing the terms of its version.

    Prints the terms loaded per MedDRA system organ class. Exit status 2 when the file
    is not a CTCAE workbook (the sheet, row and column at fault are named; nothing is
    changed).
    """
    setup_django()
    from oncotrial.apps.safety.catalogue import import_workbook
    from oncotrial.domain.ctcae.workbook import WorkbookError

    def progress(count: int) -> None:
        if not as_json and count % 100 == 0:
            click.echo(f"  read {count} terms…", err=True)

    try:
        result = import_workbook(file, version, imported_by="cli", progress=progress)
    except WorkbookError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "file": file,
                    "version": result.version,
                    "sheet": result.sheet,
                    "terms": result.terms,
                    "replaced": result.replaced,
                    "soc_counts": result.soc_counts,
                },
                indent=2,
            )
        )
        return
    replaced = f" (replacing {result.replaced})" if result.replaced else ""
    click.echo(
        f"CTCAE {result.version}: {result.terms} terms loaded from sheet “{result.sheet}”{replaced}"
    )
    width = max(len(soc) for soc in result.soc_counts)
    for soc, count in result.soc_counts.items():
        click.echo(f"  {soc:<{width}}  {count:>4}")


@ctcae.command()
@click.argument("term")
@click.option(
    "--version",
    "version",
    default="5.0",
    show_default=True,
    help="CTCAE version (4.0, 4.03 or 5.0): the imported catalogue, else the built-in list.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the term as JSON.")
def show(term: str, version: str, as_json: bool) -> None:
    """Show TERM: its system organ class, MedDRA code, allowed grades and (from an
    imported workbook) the grade descriptions. Exit status 1 when there is no such term."""
    setup_django()
    from oncotrial.apps.safety import catalogue
    from oncotrial.domain.ctcae import format_grades

    found = catalogue.find_term(version, term)
    if found is None:
        suggestions = [t.term for t in catalogue.search(version, term, limit=5)]
        hint = f" Did you mean: {', '.join(suggestions)}?" if suggestions else ""
        click.echo(f"“{term}” is not a term of CTCAE {version}.{hint}", err=True)
        sys.exit(1)
    if as_json:
        data = catalogue.term_data(found)
        data["version"] = version
        data["source"] = catalogue.source(version)
        click.echo(json.dumps(data, indent=2))
        return
    code = f", MedDRA {found.meddra_code}" if found.meddra_code else ""
    click.echo(f"{found.term} ({found.soc}{code})")
    click.echo(
        f"CTCAE {version} ({catalogue.source(version)}): grades {format_grades(found.grades)}"
    )
    for grade in found.grades:
        text = found.descriptions.get(grade)
        if text:
            click.echo(f"  Grade {grade}: {text}")
    if found.definition:
        click.echo(f"Definition: {found.definition}")
