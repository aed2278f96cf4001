"""The study report, computed live: design, accrual, CONSORT, baseline characteristics,
every protocol endpoint with its table and plot, and the safety tables.

Only subjects at the user's sites are included, and the report holds no identifying
detail: subjects appear by subject number, never by name, initials or date of birth.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Max, Prefetch, QuerySet
from django.utils import timezone

from oncotrial.apps.reports.accrual import Accrual, accrual
from oncotrial.apps.reports.baseline import Row, baseline_table
from oncotrial.apps.reports.cohort import gather
from oncotrial.apps.reports.consort_flow import consort_flow
from oncotrial.apps.reports.figures import ReportFigure, response_figures
from oncotrial.apps.reports.sections import Section, build_section
from oncotrial.apps.screening import selectors as screening_selectors
from oncotrial.apps.screening.models import Candidate, ScreeningValue
from oncotrial.apps.studies.selectors import StudyView
from oncotrial.apps.subjects import selectors as subject_selectors
from oncotrial.apps.subjects.models import Subject
from oncotrial.apps.treatment.models import Administration
from oncotrial.domain import endpoints
from oncotrial.domain.endpoints import DerivedRow, SubjectRecord
from oncotrial.plots.consort import consort


@dataclass
class StudyReport:
    study_key: str
    title: str
    acronym: str | None
    registry_ids: list[str]
    protocol_version: str
    generated_at: dt.datetime
    data_cutoff: dt.date
    design: list[tuple[str, str]]
    accrual: Accrual
    consort: ReportFigure
    baseline_columns: list[str]
    baseline: list[Row]
    sections: list[Section]
    response_figures: list[ReportFigure]
    records: list[SubjectRecord] = field(repr=False)
    derived: list[DerivedRow] = field(repr=False)

    @property
    def baseline_rows(self) -> list[tuple[Row, list[str]]]:
        return [
            (row, [row.cells.get(c, "") for c in self.baseline_columns]) for row in self.baseline
        ]

    @property
    def figures(self) -> list[ReportFigure]:
        return [
            self.consort,
            *self.response_figures,
            *(figure for section in self.sections for figure in section.figures),
        ]


def _design_facts(view: StudyView) -> list[tuple[str, str]]:
    protocol = view.protocol
    design = protocol.design
    model = design.intervention_model or design.observational_model or "–"
    phases = ", ".join(protocol.identification.phases) or "–"
    facts = [
        ("Study type", f"{protocol.identification.study_type.replace('_', ' ')}, phase {phases}"),
        (
            "Design",
            f"{model.replace('_', ' ')}, allocation {design.allocation.replace('_', ' ')}, "
            f"masking {design.masking}",
        ),
        ("Arms", "; ".join(f"{arm.label}" for arm in design.arms)),
        ("Tumour response", protocol.tumour_response.criteria if protocol.tumour_response else "–"),
        ("Adverse events", f"CTCAE {protocol.safety.ctcae_version}"),
    ]
    if protocol.sample_size is not None:
        size = protocol.sample_size
        facts.append(("Sample size", f"{size.target} ({size.method.replace('-', ' ')})"))
    return facts


def build_report(user: Any, view: StudyView, data_cutoff: dt.date | None = None) -> StudyReport:
    """The report of the subjects and candidates at the user's sites."""
    return build(
        view,
        subject_selectors.subjects_for(user, view.study),
        screening_selectors.candidates_for(user, view.study),
        data_cutoff,
    )


def build_full_report(view: StudyView, data_cutoff: dt.date | None = None) -> StudyReport:
    """The report of every site (for the command line, run by the system's operator)."""
    return build(
        view,
        Subject.objects.filter(study=view.study).select_related("site", "candidate"),
        Candidate.objects.filter(study=view.study).select_related("site"),
        data_cutoff,
    )


def build(
    view: StudyView,
    subject_rows: QuerySet[Subject],
    candidate_rows: QuerySet[Candidate],
    data_cutoff: dt.date | None = None,
) -> StudyReport:
    protocol = view.protocol
    cutoff = data_cutoff or timezone.localdate()
    arm_labels = {arm.id: arm.label for arm in protocol.design.arms}
    subjects = list(
        subject_rows.order_by("subject_number").prefetch_related(
            Prefetch("candidate__values", queryset=ScreeningValue.objects.order_by("variable"))
        )
    )
    candidates = list(candidate_rows)
    records = gather(subjects, protocol, arm_labels, cutoff)
    derived = endpoints.derive_all(protocol, records)
    by_endpoint: dict[str, list[DerivedRow]] = {}
    for row in derived:
        by_endpoint.setdefault(row.endpoint_id, []).append(row)
    sections = [
        build_section(endpoint, by_endpoint.get(endpoint.id, []), protocol, records)
        for endpoint in protocol.endpoints
    ]
    primary = next((e for e in protocol.endpoints if e.role == "primary"), protocol.endpoints[0])
    flow = consort_flow(
        candidates,
        subjects,
        records,
        by_endpoint.get(primary.id, []),
        arm_labels,
        randomized=protocol.design.randomization is not None,
    )
    response_rows = next(
        (rows for rows in by_endpoint.values() if rows and rows[0].response is not None),
        [],
    )
    anchor = endpoints.treatment_start_anchor(protocol)
    last_dose_dates = {
        row["subject_id"]: row["last"]
        for row in Administration.objects.filter(subject__in=subjects)
        .values("subject_id")
        .annotate(last=Max("date"))
    }
    last_dose: dict[str, int] = {}
    on_treatment: set[str] = set()
    for subject, record in zip(subjects, records, strict=True):
        start = record.anchor(anchor)
        if start is None:
            continue
        last = last_dose_dates.get(subject.pk)
        if last is not None:
            last_dose[record.subject_id] = (last - start).days
        if subject.status in (Subject.Status.ON_TREATMENT, Subject.Status.ENROLLED):
            on_treatment.add(record.subject_id)
            if last is None:
                last_dose[record.subject_id] = (
                    min(cutoff, record.last_known_alive or cutoff) - start
                ).days
    identification = protocol.identification
    return StudyReport(
        study_key=view.study.key,
        title=identification.official_title or identification.brief_title,
        acronym=identification.acronym,
        registry_ids=[i for i in (identification.nct_id, identification.org_study_id) if i],
        protocol_version=protocol.version,
        generated_at=timezone.now(),
        data_cutoff=cutoff,
        design=_design_facts(view),
        accrual=accrual(
            candidates, subjects, protocol.sample_size.target if protocol.sample_size else None
        ),
        consort=ReportFigure("consort", "CONSORT flow diagram", consort(flow)),
        baseline_columns=_columns(subjects, arm_labels),
        baseline=baseline_table(subjects, arm_labels),
        sections=sections,
        response_figures=response_figures(response_rows, records, anchor, last_dose, on_treatment),
        records=records,
        derived=derived,
    )


def _columns(subjects: list[Subject], arm_labels: dict[str, str]) -> list[str]:
    present = [
        label for arm_id, label in arm_labels.items() if any(s.arm_id == arm_id for s in subjects)
    ]
    return present if len(present) == 1 else [*present, "Total"]
