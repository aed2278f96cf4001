"""The study report computed from data entered through the services.

The sirolimus study's primary endpoint is overall survival from the first dose (death;
censored at the last date known alive). Four subjects at S01 and one at S02, first dose
on 2024-01-15:

    S01-a  died on day 100           → event at 100 / 30.4375 = 3.29 months
    S01-b  alive by telephone day 150 → censored at 4.93 months
    S01-c  alive at a visit day 200  → censored at 6.57 months
    S01-d  died on day 300           → event at 9.86 months
    S02-a  died on day 50            → event at 1.64 months

Kaplan–Meier by hand, S01 only: S = 3/4 = 0.75 after 3.29 months; the censorings leave
it there; at 9.86 months one subject is at risk and dies, S = 0. The median is the first
time S ≤ 0.5: 9.86 months. All sites: S = 4/5 = 0.8 after 1.64, 0.8 × 3/4 = 0.6 after
3.29, then 0 at 9.86: median 9.86 months, 3 events of 5.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from django.test import Client
from django.urls import reverse

from oncotrial.apps.followup import services as followup
from oncotrial.apps.reports.exports import DATE_COLUMNS, derived_rows
from oncotrial.apps.reports.pdf import browser
from oncotrial.apps.reports.study_report import build_full_report, build_report
from oncotrial.apps.studies.selectors import get_study
from oncotrial.cli import main
from tests.apps.treatment.world import STARTED, world  # noqa: F401
from tests.plots.helpers import svg_texts

STUDY = "sirolimus-pancreatic-cancer.yaml"


def day(n: int) -> dt.date:
    return STARTED + dt.timedelta(days=n)


@pytest.fixture
def cohort(world):  # noqa: F811
    w = world(STUDY)
    a, b, c, d = w.subject, w.enroll("S01"), w.enroll("S01"), w.enroll("S01")
    followup.record_death(w.coordinator, a, {"date": day(100), "cause": "disease_progression"})
    followup.record_contact(
        w.coordinator, b, {"date": day(150), "method": "telephone", "vital_status": "alive"}
    )
    followup.record_contact(
        w.coordinator, c, {"date": day(200), "method": "visit", "vital_status": "alive"}
    )
    followup.record_death(w.coordinator, d, {"date": day(300), "cause": "disease_progression"})
    followup.record_death(
        w.other_coordinator, w.other_subject, {"date": day(50), "cause": "disease_progression"}
    )
    return w


def _os_section(report):
    return next(s for s in report.sections if s.endpoint_id == "os")


def test_overall_survival_follows_the_hand_computed_kaplan_meier(cohort):
    view = get_study(cohort.study.key)
    report = build_report(cohort.investigator, view, data_cutoff=day(400))

    table = _os_section(report).tables[0]
    assert len(table.rows) == 1
    n, events, median = table.rows[0][1:4]
    assert (n, events) == ("4", "2")
    assert median.startswith("9.9 (")
    # the S02 subject is not in the S01 investigator's report
    assert report.accrual.enrolled == 4
    assert [s.site for s in report.accrual.by_site] == ["S01"]


def test_the_full_report_holds_every_site(cohort):
    report = build_full_report(get_study(cohort.study.key), data_cutoff=day(400))

    n, events, median = _os_section(report).tables[0].rows[0][1:4]
    assert (n, events) == ("5", "3")
    assert median.startswith("9.9 (")
    assert report.accrual.enrolled == 5
    text = " ".join(svg_texts(report.consort.svg))
    assert "Enrolled (n = 5)" in text
    assert "Assessed for eligibility (n = 5)" in text


def test_the_derived_dataset_withholds_dates_from_roles_without_phi(cohort):
    view = get_study(cohort.study.key)
    columns, rows = derived_rows(cohort.statistician, view)
    assert not set(columns) & DATE_COLUMNS
    os_rows = {r["subject_id"]: r for r in rows if r["endpoint_id"] == "os"}
    assert len(os_rows) == 5
    assert sorted((r["days"], r["event"]) for r in os_rows.values()) == [
        (50, True),
        (100, True),
        (150, False),
        (200, False),
        (300, True),
    ]
    columns, rows = derived_rows(cohort.investigator, view)
    assert "start_date" in columns
    assert {r["start_date"] for r in rows if r["endpoint_id"] == "os"} == {"2024-01-15"}


def test_the_report_page_and_csv_for_a_statistician(cohort):
    client = Client()
    client.force_login(cohort.statistician)
    page = client.get(reverse("reports:study", args=[cohort.study.key]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Overall survival" in html
    assert html.count("<svg") >= 2  # the CONSORT diagram and the KM curve at least
    response = client.get(reverse("reports:derived_csv", args=[cohort.study.key]))
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert {r["endpoint_id"] for r in rows} >= {"os"}
    assert "start_date" not in rows[0]


def test_a_coordinator_may_not_see_the_report(cohort):
    client = Client()
    client.force_login(cohort.coordinator)
    assert client.get(reverse("reports:study", args=[cohort.study.key])).status_code == 403


def test_the_report_command_writes_html_figures_csv_and_pdf(cohort, tmp_path):
    result = CliRunner().invoke(
        main,
        ["report", cohort.study.key, "--out", str(tmp_path), "--cutoff", "2025-02-18", "--json"],
    )
    assert result.exit_code == 0, result.output
    written = json.loads(result.output)
    assert written["subjects"] == 5
    html = (tmp_path / f"{cohort.study.key}-report.html").read_text()
    assert "<svg" in html
    assert "Overall survival" in html
    assert "http://" not in html.replace("http://www.w3.org", "")  # self-contained
    figures = {p.rsplit("/", 1)[-1] for p in written["figures"]}
    assert {"consort.png", "km-os.png"} <= figures
    for path in written["figures"]:
        assert Path(path).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    if browser() is None:
        assert written["pdf"] is None
    else:
        assert Path(written["pdf"]).read_bytes()[:5] == b"%PDF-"


def test_an_unknown_study_is_a_usage_error(db, tmp_path):
    result = CliRunner().invoke(main, ["report", "no_such_study", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "no study 'no_such_study'" in result.output
