"""Writing a study report to a directory: the self-contained HTML page, a PNG of every
figure, the derived endpoint dataset as CSV, and a PDF when a headless browser is
installed."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from django.template.loader import render_to_string

from oncotrial.apps.reports.pdf import print_pdf
from oncotrial.apps.reports.study_report import StudyReport
from oncotrial.domain import endpoints
from oncotrial.plots.render import to_png


@dataclass(frozen=True)
class WrittenReport:
    html: Path
    pdf: Path | None
    csv: Path
    figures: list[Path]


def write_report(report: StudyReport, out: Path, *, pdf: bool = True) -> WrittenReport:
    out.mkdir(parents=True, exist_ok=True)
    html = out / f"{report.study_key}-report.html"
    html.write_text(render_to_string("reports/report.html", {"report": report}), encoding="utf-8")
    figures_dir = out / "figures"
    figures = [to_png(f.figure, figures_dir / f"{f.name}.png") for f in report.figures]
    table = out / f"{report.study_key}-derived-endpoints.csv"
    with table.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(endpoints.COLUMNS))
        writer.writeheader()
        writer.writerows(endpoints.to_csv_rows(report.derived))
    printed = out / f"{report.study_key}-report.pdf"
    return WrittenReport(
        html=html,
        pdf=printed if pdf and print_pdf(html, printed) else None,
        csv=table,
        figures=figures,
    )
