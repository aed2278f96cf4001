"""Flat rows for a CSV export: one row per subject per endpoint, the same columns for all."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from oncotrial.domain.endpoints.rows import DerivedRow

Cell = str | int | float | bool | None

COLUMNS: tuple[str, ...] = (
    "subject_id",
    "arm",
    "site",
    "endpoint_id",
    "kind",
    "measure",
    "evaluable",
    "reason",
    "start_date",
    "end_date",
    "days",
    "months",
    "event",
    "event_type",
    "censor_reason",
    "landmarks",
    "best_response",
    "best_response_date",
    "confirmed",
    "responder",
    "window_end",
    "baseline_date",
    "baseline_value",
    "last_date",
    "last_value",
    "last_change",
    "last_change_pct",
    "best_change_date",
    "best_change_pct",
    "visits",
    "ae_events",
    "ae_worst_grade",
    "ae_grade3_plus",
    "ae_serious",
    "ae_related",
    "ae_worst_grade_by_term",
    "observations",
    "observation_values",
    "notes",
)


def to_csv_rows(rows: Iterable[DerivedRow]) -> list[dict[str, Cell]]:
    """Each row as a dict with every column of :data:`COLUMNS` (``None`` when empty).

    Dates are ISO strings; lists are joined with ``"; "``: landmarks as
    ``12m=event_free``, marker visits as ``date=value (change_pct%)``, AE terms as
    ``term=grade``.
    """
    return [_flat(row) for row in rows]


def _flat(row: DerivedRow) -> dict[str, Cell]:
    out: dict[str, Cell] = dict.fromkeys(COLUMNS)
    out.update(
        subject_id=row.subject_id,
        arm=row.arm,
        site=row.site,
        endpoint_id=row.endpoint_id,
        kind=row.kind,
        measure=row.measure,
        evaluable=row.evaluable,
        reason=row.reason,
        notes="; ".join(row.notes) or None,
    )
    if (s := row.survival) is not None:
        out.update(
            start_date=_iso(s.start),
            end_date=_iso(s.end),
            days=s.days,
            months=s.months,
            event=s.event,
            event_type=s.event_type,
            censor_reason=s.censor_reason,
            landmarks="; ".join(f"{lm.months:g}m={lm.status}" for lm in s.landmarks) or None,
        )
    if (r := row.response) is not None:
        out.update(
            best_response=r.best_response,
            best_response_date=_iso(r.best_response_date),
            confirmed=r.confirmed,
            responder=r.responder,
            window_end=_iso(r.window_end),
        )
    if (m := row.marker) is not None:
        out.update(
            baseline_date=_iso(m.baseline_date),
            baseline_value=m.baseline_value,
            visits="; ".join(
                f"{p.date.isoformat()}={p.value:g}"
                + ("" if p.change_pct is None else f" ({p.change_pct:+g}%)")
                for p in m.visits
            )
            or None,
        )
        if m.last is not None:
            out.update(
                last_date=_iso(m.last.date),
                last_value=m.last.value,
                last_change=m.last.change,
                last_change_pct=m.last.change_pct,
            )
        if m.best is not None:
            out.update(best_change_date=_iso(m.best.date), best_change_pct=m.best.change_pct)
    if (a := row.safety) is not None:
        out.update(
            ae_events=a.events,
            ae_worst_grade=a.worst_grade,
            ae_grade3_plus=a.grade3_plus,
            ae_serious=a.serious,
            ae_related=a.related,
            ae_worst_grade_by_term="; ".join(f"{t.term}={t.worst_grade}" for t in a.by_term)
            or None,
        )
    if (d := row.descriptive) is not None:
        out.update(observations=d.observations, observation_values="; ".join(d.values) or None)
    return out


def _iso(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()
