"""Visit calendars from the seed protocols. Expected dates are worked out by hand."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from oncotrial.domain.calendar import (
    FOLLOW_UP_VISIT_ID,
    CalendarError,
    PlannedVisit,
    add_months,
    calendar_horizon,
    in_window,
    materialise_calendar,
    regimen_cycle_lengths,
    visit_status,
)
from oncotrial.domain.protocol import Protocol, load_protocol

STUDIES = Path(__file__).resolve().parents[2] / "studies"
FAR = date(2030, 12, 31)


@pytest.fixture(scope="module")
def sirolimus() -> Protocol:
    return load_protocol(STUDIES / "sirolimus-pancreatic-cancer.yaml")


@pytest.fixture(scope="module")
def surgery() -> Protocol:
    return load_protocol(STUDIES / "surgery-liver-metastatic-pancreatic-cancer.yaml")


@pytest.fixture(scope="module")
def sarcoma() -> Protocol:
    return load_protocol(STUDIES / "anlotinib-toripalimab-sarcoma.yaml")


def of(visits: list[PlannedVisit], visit_id: str) -> list[PlannedVisit]:
    return [v for v in visits if v.visit_id == visit_id]


def dates(visits: list[PlannedVisit], visit_id: str) -> list[date]:
    return [v.target_date for v in of(visits, visit_id)]


# ----------------------------------------------------------------- sirolimus

FIRST_DOSE = date(2024, 3, 4)


def test_sirolimus_markers_every_3_weeks_until_progression(sirolimus: Protocol) -> None:
    visits = materialise_calendar(
        sirolimus,
        {"first_dose": FIRST_DOSE},
        horizon=FAR,
        events={"progression": date(2024, 5, 20)},
    )
    markers = of(visits, "tumour_markers_q3w")
    # day 21, 42, 63 from 4 March 2024; day 84 (27 May) falls after progression on 20 May
    assert [v.target_date for v in markers] == [
        date(2024, 3, 25),
        date(2024, 4, 15),
        date(2024, 5, 6),
    ]
    assert [v.day for v in markers] == [21, 42, 63]
    assert [v.occurrence for v in markers] == [1, 2, 3]
    first = markers[0]
    assert first.anchor == "first_dose"
    assert (first.window_start, first.window_end) == (date(2024, 3, 22), date(2024, 3, 28))
    assert first.assessments == ("ca19_9", "tumour_markers")
    assert first.key == "tumour_markers_q3w#1"


def test_sirolimus_fixed_visits(sirolimus: Protocol) -> None:
    visits = materialise_calendar(sirolimus, {"first_dose": FIRST_DOSE}, horizon=FAR)
    baseline = of(visits, "baseline")[0]
    assert baseline.day == -1
    assert baseline.target_date == date(2024, 3, 3)
    assert (baseline.window_start, baseline.window_end) == (date(2024, 2, 19), date(2024, 3, 3))
    assert baseline.forms == ("baseline_history",)
    assert dates(visits, "day1") == [FIRST_DOSE]
    assert visits[0].visit_id == "baseline"
    assert visits == sorted(visits, key=lambda v: v.target_date)


def test_sirolimus_reviews_by_calendar_month(sirolimus: Protocol) -> None:
    # progression does not stop the 3-monthly reviews (until: death, withdrawal, end of study)
    visits = materialise_calendar(
        sirolimus,
        {"first_dose": FIRST_DOSE},
        horizon=date(2024, 12, 31),
        events={"progression": date(2024, 5, 20)},
    )
    reviews = of(visits, "review_q3m")
    # occurrence k: 4 March + 3k months, then + 91 days
    # 4 Mar + 91 d = 3 Jun; 4 Jun + 91 d = 3 Sep; 4 Sep + 91 d = 4 Dec
    assert [v.target_date for v in reviews] == [
        date(2024, 6, 3),
        date(2024, 9, 3),
        date(2024, 12, 4),
    ]
    assert [v.day for v in reviews] == [91, 183, 275]
    assert (reviews[0].window_start, reviews[0].window_end) == (
        date(2024, 5, 27),
        date(2024, 6, 10),
    )


def test_months_clamp_to_the_end_of_a_shorter_month(sirolimus: Protocol) -> None:
    visits = materialise_calendar(
        sirolimus, {"first_dose": date(2024, 1, 31)}, horizon=date(2024, 11, 30)
    )
    # 31 Jan + 91 d = 1 May; 30 Apr (31 Jan + 3 months, clamped) + 91 d = 30 Jul;
    # 31 Jul + 91 d = 30 Oct
    assert dates(visits, "review_q3m") == [date(2024, 5, 1), date(2024, 7, 30), date(2024, 10, 30)]


def test_horizon_bounds_repeating_visits(sirolimus: Protocol) -> None:
    visits = materialise_calendar(sirolimus, {"first_dose": FIRST_DOSE}, horizon=date(2024, 4, 30))
    assert dates(visits, "tumour_markers_q3w") == [date(2024, 3, 25), date(2024, 4, 15)]
    assert of(visits, "review_q3m") == []
    assert len(materialise_calendar(sirolimus, {"first_dose": FIRST_DOSE}, horizon=FAR)) > 100


def test_nothing_is_planned_after_death(sirolimus: Protocol) -> None:
    visits = materialise_calendar(
        sirolimus, {"first_dose": FIRST_DOSE}, horizon=FAR, events={"death": date(2024, 4, 1)}
    )
    assert [v.key for v in visits] == ["baseline#1", "day1#1", "tumour_markers_q3w#1"]


def test_follow_up_starts_once_treatment_ends(sirolimus: Protocol) -> None:
    before = materialise_calendar(sirolimus, {"first_dose": FIRST_DOSE}, horizon=FAR)
    assert of(before, FOLLOW_UP_VISIT_ID) == []
    after = materialise_calendar(
        sirolimus,
        {"first_dose": FIRST_DOSE},
        horizon=date(2025, 3, 31),
        events={"end_of_treatment": date(2024, 6, 10), "progression": date(2024, 6, 1)},
    )
    contacts = of(after, FOLLOW_UP_VISIT_ID)
    # every 3 months from 10 June 2024
    assert [c.target_date for c in contacts] == [
        date(2024, 9, 10),
        date(2024, 12, 10),
        date(2025, 3, 10),
    ]
    assert contacts[0].kind == "follow_up"
    assert contacts[0].methods == ("visit", "telephone", "email")
    assert contacts[0].assessments == ("survival",)
    assert contacts[0].day == 92  # 10 Jun -> 10 Sep: 20 + 31 + 31 + 10


def test_calendar_horizon(sirolimus: Protocol, surgery: Protocol) -> None:
    # max_duration_months 60 from enrollment
    assert calendar_horizon(sirolimus, date(2024, 2, 29)) == date(2029, 2, 28)
    assert calendar_horizon(sirolimus, date(2024, 3, 4), date(2026, 6, 30)) == date(2026, 6, 30)
    assert calendar_horizon(surgery, date(2024, 9, 2), date(2026, 6, 30)) == date(2026, 6, 30)
    with pytest.raises(CalendarError, match="pass the study end date"):
        calendar_horizon(surgery, date(2024, 9, 2))


# ----------------------------------------------------------------- surgery study

TREATMENT_START = date(2024, 9, 2)


def test_postoperative_days_appear_only_once_surgery_is_recorded(surgery: Protocol) -> None:
    before = materialise_calendar(
        surgery, {"treatment_start": TREATMENT_START}, horizon=date(2025, 6, 30), regimen="ag"
    )
    assert of(before, "postoperative_days") == []
    assert of(before, "surgery_day") == []
    after = materialise_calendar(
        surgery,
        {"treatment_start": TREATMENT_START, "surgery": date(2025, 1, 10)},
        horizon=date(2025, 6, 30),
        regimen="ag",
    )
    post = of(after, "postoperative_days")
    assert [v.target_date for v in post] == [
        date(2025, 1, 11),
        date(2025, 1, 13),
        date(2025, 1, 15),
        date(2025, 1, 17),
        date(2025, 2, 9),
    ]
    assert [v.day for v in post] == [1, 3, 5, 7, 30]
    assert [v.occurrence for v in post] == [1, 2, 3, 4, 5]
    assert all(v.anchor == "surgery" for v in post)
    assert dates(after, "surgery_day") == [date(2025, 1, 10)]
    assert of(after, "surgery_day")[0].forms == ("surgical_details",)


def test_cycle_visits_need_the_subjects_regimen(surgery: Protocol) -> None:
    with pytest.raises(CalendarError, match=r"ag 28 days, folfirinox 14 days, nalirifox 14 days"):
        materialise_calendar(surgery, {"treatment_start": TREATMENT_START}, horizon=FAR)
    # no anchor yet: nothing to plan, so no cycle length needed
    assert materialise_calendar(surgery, {}, horizon=FAR) == []
    assert regimen_cycle_lengths(surgery) == {"ag": 28, "folfirinox": 14, "nalirifox": 14}
    with pytest.raises(CalendarError, match="regimen 'pancreatic_resection' has no cycle length"):
        materialise_calendar(
            surgery,
            {"treatment_start": TREATMENT_START},
            horizon=FAR,
            regimen="pancreatic_resection",
        )


def test_every_4_cycles_until_surgery(surgery: Protocol) -> None:
    anchors = {"treatment_start": TREATMENT_START, "surgery": date(2025, 1, 10)}
    # FOLFIRINOX, 14-day cycles: every 56 days from 2 Sep 2024
    folfirinox = materialise_calendar(surgery, anchors, horizon=FAR, regimen="folfirinox")
    assessments = of(folfirinox, "periodic_assessment")
    assert [v.target_date for v in assessments] == [
        date(2024, 9, 2),
        date(2024, 10, 28),
        date(2024, 12, 23),
    ]  # 17 Feb 2025 is after surgery
    assert (assessments[1].window_start, assessments[1].window_end) == (
        date(2024, 10, 14),
        date(2024, 10, 28),
    )
    # AG, 28-day cycles: every 112 days; an explicit cycle length gives the same
    ag = materialise_calendar(surgery, anchors, horizon=FAR, regimen="ag")
    assert dates(ag, "periodic_assessment") == [date(2024, 9, 2), date(2024, 12, 23)]
    explicit = materialise_calendar(surgery, anchors, horizon=FAR, cycle_length_days=28)
    assert explicit == ag


def test_progression_at_first_evaluation_triggers_2_cycle_assessments(surgery: Protocol) -> None:
    visits = materialise_calendar(
        surgery,
        {"treatment_start": TREATMENT_START, "first_evaluation_progression": date(2024, 10, 28)},
        horizon=date(2024, 12, 31),
        regimen="nalirifox",
        events={"progression": date(2024, 10, 28)},
    )
    # every 28 days from 28 Oct: 28 Oct, 25 Nov, 23 Dec
    assert dates(visits, "progression_assessment") == [
        date(2024, 10, 28),
        date(2024, 11, 25),
        date(2024, 12, 23),
    ]
    # the 4-cycle assessments stop at progression (still planned on that day)
    assert dates(visits, "periodic_assessment") == [date(2024, 9, 2), date(2024, 10, 28)]


def test_monthly_follow_up_until_death(surgery: Protocol) -> None:
    visits = materialise_calendar(
        surgery,
        {"treatment_start": date(2024, 9, 30), "end_of_treatment": date(2025, 1, 31)},
        horizon=date(2026, 6, 30),
        regimen="ag",
        events={"death": date(2025, 6, 15)},
    )
    contacts = of(visits, FOLLOW_UP_VISIT_ID)
    # calendar months from 31 Jan 2025, clamped to month end; death on 15 June
    assert [c.target_date for c in contacts] == [
        date(2025, 2, 28),
        date(2025, 3, 31),
        date(2025, 4, 30),
        date(2025, 5, 31),
    ]
    assert [c.occurrence for c in contacts] == [1, 2, 3, 4]
    assert contacts[0].label == "Follow-up (visit, telephone)"
    assert visits[-1].visit_id == FOLLOW_UP_VISIT_ID


def test_follow_up_runs_to_the_horizon_while_alive(surgery: Protocol) -> None:
    visits = materialise_calendar(
        surgery,
        {"treatment_start": date(2024, 9, 30), "end_of_treatment": date(2025, 1, 31)},
        horizon=date(2026, 6, 30),
        regimen="ag",
    )
    contacts = of(visits, FOLLOW_UP_VISIT_ID)
    # Feb 2025 .. Jun 2026: 17 monthly contacts
    assert len(contacts) == 17
    assert contacts[-1].target_date == date(2026, 6, 30)


# ----------------------------------------------------------------- sarcoma (weeks)


def test_sarcoma_cycles_and_tumour_assessments(sarcoma: Protocol) -> None:
    visits = materialise_calendar(
        sarcoma,
        {"first_dose": date(2024, 1, 8)},
        horizon=date(2024, 3, 31),
        events={"progression": date(2024, 3, 1)},
    )
    # cycle day 1 every 3 weeks: 8 Jan, 29 Jan, 19 Feb (11 Mar is after progression)
    assert dates(visits, "treatment_cycle") == [
        date(2024, 1, 8),
        date(2024, 1, 29),
        date(2024, 2, 19),
    ]
    # tumour assessment from day 42 (19 Feb) every 6 weeks
    assert dates(visits, "tumour_assessment") == [date(2024, 2, 19)]
    assert dates(visits, "screening") == [date(2024, 1, 1)]


def test_max_count(sarcoma: Protocol) -> None:
    visits = list(sarcoma.schedule.visits)
    index = next(i for i, v in enumerate(visits) if v.id == "treatment_cycle")
    repeat = visits[index].repeat
    assert repeat is not None
    visits[index] = visits[index].model_copy(
        update={"repeat": repeat.model_copy(update={"max_count": 2})}
    )
    limited = sarcoma.model_copy(
        update={"schedule": sarcoma.schedule.model_copy(update={"visits": visits})}
    )
    planned = materialise_calendar(limited, {"first_dose": date(2024, 1, 8)}, horizon=FAR)
    assert dates(planned, "treatment_cycle") == [date(2024, 1, 8), date(2024, 1, 29)]


# ----------------------------------------------------------------- status and windows


@pytest.fixture
def marker_visit(sirolimus: Protocol) -> PlannedVisit:
    visits = materialise_calendar(sirolimus, {"first_dose": FIRST_DOSE}, horizon=FAR)
    visit = of(visits, "tumour_markers_q3w")[0]
    assert (visit.window_start, visit.target_date, visit.window_end) == (
        date(2024, 3, 22),
        date(2024, 3, 25),
        date(2024, 3, 28),
    )
    return visit


@pytest.mark.parametrize(
    ("today", "status"),
    [
        (date(2024, 3, 1), "upcoming"),
        (date(2024, 3, 21), "upcoming"),
        (date(2024, 3, 22), "due"),
        (date(2024, 3, 25), "due"),
        (date(2024, 3, 28), "due"),
        (date(2024, 3, 29), "overdue"),
    ],
)
def test_visit_status_at_the_window_edges(
    marker_visit: PlannedVisit, today: date, status: str
) -> None:
    assert visit_status(marker_visit, None, False, today) == status


def test_done_and_missed(marker_visit: PlannedVisit) -> None:
    assert visit_status(marker_visit, date(2024, 3, 30), False, date(2024, 4, 2)) == "done"
    assert visit_status(marker_visit, date(2024, 3, 24), False, date(2024, 3, 1)) == "done"
    assert visit_status(marker_visit, None, True, date(2024, 3, 23)) == "missed"
    assert visit_status(marker_visit, None, True, date(2024, 4, 30)) == "missed"


def test_in_window(marker_visit: PlannedVisit) -> None:
    assert not in_window(marker_visit, date(2024, 3, 21))
    assert in_window(marker_visit, date(2024, 3, 22))
    assert in_window(marker_visit, date(2024, 3, 28))
    assert not in_window(marker_visit, date(2024, 3, 29))


def test_add_months() -> None:
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2023, 1, 31), 1) == date(2023, 2, 28)
    assert add_months(date(2024, 11, 15), 3) == date(2025, 2, 15)
    assert add_months(date(2024, 3, 31), -1) == date(2024, 2, 29)
    assert add_months(date(2024, 5, 31), 0) == date(2024, 5, 31)
