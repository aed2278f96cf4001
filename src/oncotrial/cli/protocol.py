"""`oncotrial protocol`: validate, show and describe protocol files."""

from __future__ import annotations

import json
import sys

import click

from oncotrial.domain.protocol import Protocol, validate_file


@click.group()
def protocol() -> None:
    """Protocol files: validate them, show them normalised, print the schema."""


@protocol.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def validate(files: tuple[str, ...]) -> None:
    """Check protocol FILES; print one line per problem as FILE:LINE: path: message.

    Exit status 0 when every file is valid (warnings allowed), 2 otherwise.
    """
    failed = False
    for name in files:
        validation = validate_file(name)
        for line in validation.format_problems():
            click.echo(line, err=not validation.ok)
        if validation.ok:
            summary = f"{name}: valid"
            if validation.warnings:
                summary += f" ({len(validation.warnings)} warning(s))"
            click.echo(summary)
        else:
            failed = True
    sys.exit(2 if failed else 0)


@protocol.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the normalised protocol as JSON.")
def show(file: str, as_json: bool) -> None:
    """Print the normalised protocol in FILE."""
    validation = validate_file(file)
    if validation.protocol is None:
        for line in validation.format_problems():
            click.echo(line, err=True)
        sys.exit(2)
    p = validation.protocol
    if as_json:
        click.echo(p.model_dump_json(indent=2, by_alias=True))
        return
    ident = p.identification
    click.echo(f"{ident.brief_title} ({ident.nct_id or 'no NCT id'}), protocol version {p.version}")
    click.echo(
        f"  {ident.study_type}, {', '.join(ident.phases) or 'no phase'}, "
        f"target {ident.enrollment.target}"
    )
    for arm in p.design.arms:
        click.echo(f"  arm {arm.id}: {arm.label}")
    elig = p.eligibility
    computable = sum(c.computable for c in [*elig.inclusion, *elig.exclusion])
    click.echo(
        f"  eligibility: {len(elig.inclusion)} inclusion, {len(elig.exclusion)} exclusion "
        f"criteria ({computable} computable)"
    )
    click.echo(
        f"  visits: {len(p.schedule.visits)}; endpoints: "
        + ", ".join(f"{e.id} ({e.role})" for e in p.endpoints)
    )


@protocol.command()
def schema() -> None:
    """Print the JSON Schema of the protocol file format."""
    click.echo(json.dumps(Protocol.model_json_schema(by_alias=True), indent=2))
