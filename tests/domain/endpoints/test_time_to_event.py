"""Time-to-event endpoints on small hand-worked cohorts.

Day 0 is the start anchor (2024-01-01); months are days / 30.4375 rounded to 0.01.
"""

from __future__ import annotations

import pytest

from oncotrial.domain.endpoints import DerivedRow, UnsupportedEndpoint, derive_all, derive_endpoint
from oncotrial.domain.endpoints.inputs import SubjectRecord
from oncotrial.domain.protocol.endpoints import TimeToEvent
from oncotrial.domain.protocol.model import Protocol
from tests.domain.endpoints.cohort import (
    RADIOTHERAPY,
    SARCOMA,
    START,
    SURGERY,
    day,
    endpoint,
    protocol,
    scans,
    subject,
    tte,
)


@pytest.fixture(scope="module")
def sarcoma() -> Protocol:
    return protocol(SARCOMA)


def derive(proto: Protocol, spec: TimeToEvent | str, record: SubjectRecord) -> DerivedRow:
    found = endpoint(proto, spec) if isinstance(spec, str) else spec
    return derive_endpoint(proto, found, record)


def test_os_censored_at_last_known_alive(sarcoma: Protocol) -> None:
    # Alive; last known alive day 300 (a later date than the last clinic contact, day 280).
    # 300 / 30.4375 = 9.856 -> 9.86 months, censored.
    row = derive(sarcoma, "os", subject(last_known_alive=day(300), last_contact=day(280)))
    assert row.evaluable
    assert row.survival is not None
    assert (row.survival.end, row.survival.days, row.survival.months) == (day(300), 300, 9.86)
    assert row.survival.event is False
    assert row.survival.event_type is None
    assert "last known alive" in (row.survival.censor_reason or "")


def test_os_death_is_the_event(sarcoma: Protocol) -> None:
    # Death on day 200: 200 / 30.4375 = 6.571 -> 6.57 months.
    row = derive(sarcoma, "os", subject(death_date=day(200), last_known_alive=day(199)))
    assert row.survival is not None
    assert (row.survival.days, row.survival.months, row.survival.event) == (200, 6.57, True)
    assert row.survival.event_type == "death"


def test_censoring_at_last_contact(sarcoma: Protocol) -> None:
    # censor_at last_contact: last contact day 250 although known alive until day 300
    # (e.g. from a registry). 250 / 30.4375 = 8.214 -> 8.21 months.
    spec = tte(measure="os", start="first_dose", events=["death"], censor_at="last_contact")
    row = derive(sarcoma, spec, subject(last_known_alive=day(300), last_contact=day(250)))
    assert row.survival is not None
    assert (row.survival.end, row.survival.months, row.survival.event) == (day(250), 8.21, False)


def test_data_cutoff_censors_a_later_death(sarcoma: Protocol) -> None:
    # Cut-off day 365; death on day 400 is not yet in the analysis: censored at day 365.
    record = subject(death_date=day(400), last_known_alive=day(399), data_cutoff=day(365))
    row = derive(sarcoma, "os", record)
    assert row.survival is not None
    assert (row.survival.days, row.survival.event) == (365, False)
    assert row.survival.censor_reason == "censored at the data cut-off"


def test_never_treated_is_not_evaluable(sarcoma: Protocol) -> None:
    row = derive(sarcoma, "os", subject(anchors={}, treated=False, last_known_alive=day(90)))
    assert row.evaluable is False
    assert row.survival is None
    assert row.reason == "no first_dose date: never treated"


def test_pfs_death_without_progression_is_an_event(sarcoma: Protocol) -> None:
    # SD on days 42 and 84, death on day 130 without documented progression:
    # PFS event (death) at 130 days = 4.271 -> 4.27 months.
    record = subject(tumour_assessments=scans((42, "SD"), (84, "SD")), death_date=day(130))
    row = derive(sarcoma, "pfs", record)
    assert row.survival is not None
    assert (row.survival.days, row.survival.months) == (130, 4.27)
    assert (row.survival.event, row.survival.event_type) == (True, "death")


def test_progression_after_a_missed_assessment_is_an_event(sarcoma: Protocol) -> None:
    # SD day 42, the day-84 assessment not evaluable (NE), PD documented on day 126:
    # the event is dated when progression was documented, 126 days = 4.140 -> 4.14 months.
    record = subject(tumour_assessments=scans((42, "SD"), (84, "NE"), (126, "PD")))
    row = derive(sarcoma, "pfs", record)
    assert row.survival is not None
    assert (row.survival.end, row.survival.months) == (day(126), 4.14)
    assert row.survival.event_type == "progression"


def test_pfs_censored_at_last_adequate_assessment(sarcoma: Protocol) -> None:
    # SD days 42 and 84, NE on day 126, alive on day 200: the last adequate (evaluable)
    # assessment is day 84 -> censored at 84 days = 2.760 -> 2.76 months.
    record = subject(
        tumour_assessments=scans((42, "SD"), (84, "SD"), (126, "NE")), last_known_alive=day(200)
    )
    row = derive(sarcoma, "pfs", record)
    assert row.survival is not None
    assert (row.survival.end, row.survival.months, row.survival.event) == (day(84), 2.76, False)


def test_pfs_without_post_baseline_assessment_is_censored_at_start(sarcoma: Protocol) -> None:
    row = derive(sarcoma, "pfs", subject(last_known_alive=day(60)))
    assert row.survival is not None
    assert (row.survival.days, row.survival.event) == (0, False)


def test_new_therapy_before_progression_censors_pfs(sarcoma: Protocol) -> None:
    # SD days 42 and 84, next line started day 100, PD day 150: censored at day 84.
    record = subject(
        tumour_assessments=scans((42, "SD"), (84, "SD"), (150, "PD")), next_line_start=day(100)
    )
    row = derive(sarcoma, "pfs", record)
    assert row.survival is not None
    assert (row.survival.end, row.survival.event) == (day(84), False)
    assert "new anticancer therapy" in (row.survival.censor_reason or "")


PFS2 = tte(
    measure="pfs2",
    start="first_dose",
    events=["progression_on_next_line", "death"],
    censor_at="last_contact",
)


def test_pfs2_with_next_line_therapy(sarcoma: Protocol) -> None:
    # PD on study day 120, next line from day 130, progression on it day 260, death 400:
    # PFS2 ends at day 260 (progression on the next line) = 8.542 -> 8.54 months.
    record = subject(
        tumour_assessments=scans((60, "SD"), (120, "PD")),
        next_line_start=day(130),
        next_line_progression_date=day(260),
        death_date=day(400),
        last_contact=day(400),
    )
    row = derive(sarcoma, PFS2, record)
    assert row.survival is not None
    assert (row.survival.days, row.survival.months) == (260, 8.54)
    assert row.survival.event_type == "progression_on_next_line"


def test_pfs2_without_next_line_therapy(sarcoma: Protocol) -> None:
    # Progressed on study (day 120), no next line: alive at last contact day 300 -> censored
    # (9.856 -> 9.86 months); had the subject died on day 220, death is the PFS2 event.
    scans_ = scans((60, "SD"), (120, "PD"))
    alive = derive(sarcoma, PFS2, subject(tumour_assessments=scans_, last_contact=day(300)))
    assert alive.survival is not None
    assert (alive.survival.days, alive.survival.months, alive.survival.event) == (300, 9.86, False)
    died = derive(
        sarcoma,
        PFS2,
        subject(tumour_assessments=scans_, death_date=day(220), last_contact=day(219)),
    )
    assert died.survival is not None
    assert (died.survival.days, died.survival.event_type) == (220, "death")


def test_rfs_from_surgery_and_not_evaluable_without_surgery() -> None:
    surgery = protocol(SURGERY)
    # Treatment day 0, surgery day 60, recurrence day 400: RFS = 340 days = 11.170 -> 11.17.
    operated = subject(
        "S01", anchors={"treatment_start": START, "surgery": day(60)}, recurrence_date=day(400)
    )
    # Surgery day 60; a scan before surgery (day 30) does not count; no recurrence on the
    # scans of day 150 and 240 -> censored at day 240, 180 days after surgery = 5.91 months.
    censored = subject(
        "S02",
        anchors={"treatment_start": START, "surgery": day(60)},
        tumour_assessments=scans((30, "SD"), (150, "CR"), (240, "CR")),
        last_known_alive=day(300),
    )
    unoperated = subject("S03", anchors={"treatment_start": START}, last_known_alive=day(300))
    rows = {
        r.subject_id: r
        for r in derive_all(surgery, [operated, censored, unoperated])
        if r.endpoint_id == "rfs"
    }
    first, second, third = rows["S01"].survival, rows["S02"].survival, rows["S03"]
    assert first is not None
    assert (first.start, first.days, first.months) == (day(60), 340, 11.17)
    assert first.event_type == "recurrence"
    assert second is not None
    assert (second.end, second.days, second.months) == (day(240), 180, 5.91)
    assert second.event is False
    assert third.evaluable is False
    assert third.survival is None
    assert third.reason == "no surgery date"


def test_irecist_unconfirmed_progression_is_not_an_event() -> None:
    radiotherapy = protocol(RADIOTHERAPY)  # pfs2 here: progression (iRECIST) or death
    anchor = {"first_radiotherapy": START}
    # iUPD on day 84 reset by iSD on day 126: no progression; censored at day 168.
    reset = subject(
        "S01",
        anchors=anchor,
        tumour_assessments=scans((42, "iSD"), (84, "iUPD"), (126, "iSD"), (168, "iSD")),
    )
    # iUPD on day 84 confirmed as iCPD on day 126: progression dated at the iUPD (day 84).
    confirmed = subject(
        "S02",
        anchors=anchor,
        tumour_assessments=scans((42, "iSD"), (84, "iUPD"), (126, "iCPD")),
    )
    # iUPD on day 84 still unconfirmed on day 112: censored at day 112.
    pending = subject(
        "S03",
        anchors=anchor,
        tumour_assessments=scans((42, "iSD"), (84, "iUPD"), (112, "iUPD")),
    )
    spec = endpoint(radiotherapy, "pfs2")
    results = [derive_endpoint(radiotherapy, spec, r).survival for r in (reset, confirmed, pending)]
    assert [(s.days, s.event) for s in results if s] == [(168, False), (84, True), (112, False)]


def test_time_to_progression_censors_death(sarcoma: Protocol) -> None:
    # TTP counts progression only: death on day 130 after SD on days 42 and 84 -> censored
    # at the last adequate assessment, day 84.
    spec = tte(
        measure="ttp",
        start="first_dose",
        events=["progression"],
        censor_at="last_tumour_assessment",
    )
    record = subject(tumour_assessments=scans((42, "SD"), (84, "SD")), death_date=day(130))
    row = derive(sarcoma, spec, record)
    assert row.survival is not None
    assert (row.survival.days, row.survival.event) == (84, False)


def test_duration_of_response(sarcoma: Protocol) -> None:
    # Sarcoma requires confirmation: PR day 56 confirmed by PR day 112 (56 >= 28 days);
    # PD day 224 -> DOR = 224 - 56 = 168 days = 5.520 -> 5.52 months.
    spec = tte(
        measure="dor",
        start="response",
        events=["progression", "death"],
        censor_at="last_tumour_assessment",
    )
    responder = subject(tumour_assessments=scans((56, "PR"), (112, "PR"), (168, "SD"), (224, "PD")))
    row = derive(sarcoma, spec, responder)
    assert row.survival is not None
    assert (row.survival.start, row.survival.days, row.survival.months) == (day(56), 168, 5.52)
    non_responder = derive(sarcoma, spec, subject(tumour_assessments=scans((56, "SD"))))
    assert (non_responder.evaluable, non_responder.reason) == (False, "no objective response")


def test_landmarks(sarcoma: Protocol) -> None:
    # 6 months = 182.6 days, 12 months = 365.25 days. Death on day 200: event-free at 6
    # months, event by 12. Censored on day 100: censored before both.
    spec = tte(
        measure="os",
        start="first_dose",
        events=["death"],
        censor_at="last_known_alive",
        landmarks_months=[6, 12],
    )
    died = derive(sarcoma, spec, subject(death_date=day(200))).survival
    alive = derive(sarcoma, spec, subject(last_known_alive=day(100))).survival
    assert died is not None
    assert alive is not None
    assert [lm.status for lm in died.landmarks] == ["event_free", "event"]
    assert [lm.status for lm in alive.landmarks] == ["censored", "censored"]


def test_end_of_study_censoring(sarcoma: Protocol) -> None:
    spec = tte(measure="os", start="first_dose", events=["death"], censor_at="end_of_study")
    # Still followed: censored at the cut-off (day 365); withdrew on day 150 after a last
    # contact on day 140: censored at day 140.
    on_study = derive(sarcoma, spec, subject(data_cutoff=day(365), last_contact=day(330)))
    withdrawn = derive(
        sarcoma,
        spec,
        subject(data_cutoff=day(365), last_contact=day(140), withdrawal_date=day(150)),
    )
    assert on_study.survival is not None
    assert on_study.survival.days == 365
    assert withdrawn.survival is not None
    assert withdrawn.survival.days == 140


def test_unsupported_event_is_refused(sarcoma: Protocol) -> None:
    spec = tte(measure="efs", start="first_dose", events=["other"], censor_at="last_contact")
    with pytest.raises(UnsupportedEndpoint, match="not supported"):
        derive(sarcoma, spec, subject())


def test_engine_progression_date_is_used_when_given(sarcoma: Protocol) -> None:
    # The report passes the RECIST engine's progression date (day 100) with the subject;
    # it is the PFS event even if the time points handed over stop earlier.
    record = subject(
        tumour_assessments=scans(
            (42, "SD"),
        ),
        progression_date=day(100),
    )
    row = derive(sarcoma, "pfs", record)
    assert row.survival is not None
    assert (row.survival.days, row.survival.event_type) == (100, "progression")
