"""`oncotrial audit`: verify the audit trail's hash chain, show a subject's history."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from oncotrial.cli.study import setup_django


@click.group()
def audit() -> None:
    """The audit trail: verify its hash chain, show a subject's history."""


@audit.command()
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def verify(as_json: bool) -> None:
    """Re-compute the audit trail's hash chain and compare it with the chain head.

    Exit status 0 when the chain is intact; 1 naming the first broken record (its id,
    its position in the chain and why), or when the chain head does not match.
    """
    setup_django()
    from oncotrial.apps.audit.selectors import verify_chain

    def progress(n: int) -> None:
        if not as_json:
            click.echo(f"  {n:,} records checked", err=True)

    report = verify_chain(progress=progress, every=50_000)
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2, default=str))
        sys.exit(0 if report.intact else 1)
    broken = report.first_broken
    if broken is not None:
        click.echo(
            f"Chain broken at record {broken.record_id} (position {broken.position + 1} "
            f"of the chain): {broken.reason}."
        )
        sys.exit(1)
    if not report.head_matches:
        click.echo(
            f"{report.count:,} records, chain links intact, but the chain head does not match: "
            f"it counts {report.head_count:,} records ending in {report.head_hash[:12]}…, "
            f"the records end in {report.last_hash[:12]}…. Records were removed from the "
            "end or added outside the audit services."
        )
        sys.exit(1)
    click.echo(f"{report.count:,} records, chain intact")


def _row(record: Any) -> dict[str, Any]:
    return {
        "id": record.pk,
        "at": record.at.isoformat(),
        "user": record.username,
        "study": record.study_key,
        "site": record.site_code,
        "subject": record.subject_ref,
        "entity": record.entity,
        "entity_id": record.entity_id,
        "field": record.field,
        "action": record.action,
        "old": record.old_value,
        "new": record.new_value,
        "reason": record.reason,
    }


def _shown(value: str | None, width: int = 40) -> str:
    if value is None:
        return "∅"
    text = value.replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"


@audit.command()
@click.argument("subject")
@click.option("--study", "study_key", default=None, help="Study key (default: any study).")
@click.option("--json", "as_json", is_flag=True, help="Print the records as JSON.")
def show(subject: str, study_key: str | None, as_json: bool) -> None:
    """Print the audit history of SUBJECT (a subject or screening number), oldest first.

    For an enrolled subject, the history of its screening candidate comes with it.
    Exit status 1 when there are no records for SUBJECT.
    """
    setup_django()
    from oncotrial.apps.audit.selectors import subject_history
    from oncotrial.apps.subjects.models import Subject

    enrolled = Subject.objects.filter(subject_number=subject).select_related("candidate")
    if study_key is not None:
        enrolled = enrolled.filter(study__key=study_key)
    screening_numbers = [s.candidate.screening_number for s in enrolled]
    rows = [_row(r) for r in subject_history(study_key, subject, *screening_numbers)]
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        sys.exit(0 if rows else 1)
    if not rows:
        where = f" in study {study_key}" if study_key else ""
        click.echo(f"No audit records for {subject}{where}.", err=True)
        sys.exit(1)
    header = ("time (UTC)", "user", "subject", "entity", "field", "old → new", "reason")
    table = [
        (
            r["at"][:19].replace("T", " "),
            r["user"],
            r["subject"],
            f"{r['entity']}:{r['entity_id']}",
            r["field"],
            f"{_shown(r['old'])} → {_shown(r['new'])}",
            r["reason"].replace("\n", " "),
        )
        for r in rows
    ]
    widths = [max(len(str(line[i])) for line in [header, *table]) for i in range(len(header))]
    for line in [header, tuple("-" * w for w in widths), *table]:
        click.echo("  ".join(str(cell).ljust(w) for cell, w in zip(line, widths, strict=True)))
    click.echo(f"{len(rows)} record(s)")
