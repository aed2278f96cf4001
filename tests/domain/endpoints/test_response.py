"""Response endpoints (ORR, DCR, best overall response) on hand-worked cohorts.

Best overall response follows RECIST 1.1 §4.4 / Table 3 (iRECIST: Seymour 2017);
day 0 is the first dose.
"""

from __future__ import annotations

import pytest

from oncotrial.domain.endpoints import InvalidRecord, derive_all, derive_endpoint, response_rates
from oncotrial.domain.protocol.model import Protocol
from tests.domain.endpoints.cohort import (
    PNEN,
    RADIOTHERAPY,
    SARCOMA,
    SIROLIMUS,
    START,
    day,
    endpoint,
    protocol,
    response_endpoint,
    scans,
    subject,
)


@pytest.fixture(scope="module")
def sarcoma() -> Protocol:
    return protocol(SARCOMA)


def test_sd_shorter_than_its_minimum_does_not_count_for_dcr() -> None:
    pnen = protocol(PNEN)  # DCR with SD for at least 56 days, no confirmation
    dcr = endpoint(pnen, "dcr")
    # SD on day 49 (< 56) then PD on day 98: best response PD, no disease control.
    short = subject("S01", tumour_assessments=scans((49, "SD"), (98, "PD")))
    # SD on day 56 (= 56): SD, disease control.
    enough = subject("S02", tumour_assessments=scans((56, "SD"), (112, "PD")))
    # SD on day 49 and nothing after: NE (Table 3 "otherwise NE"), no disease control.
    lone = subject(
        "S03",
        tumour_assessments=scans(
            (49, "SD"),
        ),
    )
    results = [derive_endpoint(pnen, dcr, r).response for r in (short, enough, lone)]
    assert [(r.best_response, r.responder) for r in results if r] == [
        ("PD", False),
        ("SD", True),
        ("NE", False),
    ]


def test_unconfirmed_pr_counts_only_without_confirmation(sarcoma: Protocol) -> None:
    # PR on day 56, PD on day 112: the PR is never confirmed.
    unconfirmed = subject(tumour_assessments=scans((56, "PR"), (112, "PD")))
    orr = endpoint(sarcoma, "orr")  # confirmation required
    with_conf = derive_endpoint(sarcoma, orr, unconfirmed).response
    # Confirmation required: the PR counts as SD (day 56 >= 42 days): not a responder.
    assert with_conf is not None
    assert (with_conf.best_response, with_conf.responder) == ("SD", False)
    no_conf = response_endpoint(kind="objective_response_rate", confirmation=False)
    without = derive_endpoint(sarcoma, no_conf, unconfirmed).response
    assert without is not None
    assert (without.best_response, without.responder, without.confirmed) == ("PR", True, False)
    # Confirmed: PR on day 56 and again on day 112 (56 >= 28 days apart).
    confirmed = subject(tumour_assessments=scans((56, "PR"), (112, "PR")))
    got = derive_endpoint(sarcoma, orr, confirmed).response
    assert got is not None
    assert (got.best_response, got.confirmed, got.responder) == ("PR", True, True)
    assert got.best_response_date == day(56)


def test_response_at_six_months_ignores_later_assessments() -> None:
    sirolimus = protocol(SIROLIMUS)  # response_6m: ORR at 6 months, no confirmation
    spec = endpoint(sirolimus, "response_6m")
    # 6 months = round(6 x 30.4375) = 183 days: window ends on day 183 (2024-07-02).
    late = subject("S01", tumour_assessments=scans((84, "SD"), (168, "SD"), (250, "PR")))
    early = subject("S02", tumour_assessments=scans((84, "SD"), (180, "PR")))
    late_r = derive_endpoint(sirolimus, spec, late).response
    early_r = derive_endpoint(sirolimus, spec, early).response
    assert late_r is not None
    assert early_r is not None
    assert late_r.window_end == day(183)
    assert (late_r.best_response, late_r.responder) == ("SD", False)
    assert (early_r.best_response, early_r.responder) == ("PR", True)


def test_without_post_baseline_assessment_non_responder_in_itt(sarcoma: Protocol) -> None:
    # Three subjects: a confirmed responder, one without any scan after baseline and one
    # never treated. All three rows are produced (ITT denominator 3, 1 responder).
    cohort = [
        subject("S01", tumour_assessments=scans((56, "PR"), (112, "CR"), (168, "CR"))),
        subject("S02"),
        subject("S03", anchors={}, treated=False),
    ]
    rows = [r for r in derive_all(sarcoma, cohort) if r.endpoint_id == "orr"]
    assert len(rows) == 3
    summary = [
        (r.subject_id, r.response.best_response, r.response.responder) for r in rows if r.response
    ]
    # S01: PR day 56 then CR day 112 confirmed by CR day 168 -> best response CR.
    assert summary == [("S01", "CR", True), ("S02", "NE", False), ("S03", "NE", False)]
    assert [r.evaluable for r in rows] == [True, False, False]
    assert rows[1].reason == "no post-baseline tumour assessment: non-responder (NE)"
    assert rows[2].reason == "no first_dose date: never treated"


def test_assessments_after_next_line_therapy_do_not_count(sarcoma: Protocol) -> None:
    # SD on day 56, next line from day 100, PR on days 140 and 196 under the new therapy.
    record = subject(
        tumour_assessments=scans((56, "SD"), (140, "PR"), (196, "PR")), next_line_start=day(100)
    )
    got = derive_endpoint(sarcoma, endpoint(sarcoma, "orr"), record).response
    assert got is not None
    assert (got.best_response, got.responder) == ("SD", False)


def test_irecist_responses_after_unconfirmed_progression_count() -> None:
    radiotherapy = protocol(RADIOTHERAPY)  # iRECIST, confirmation, SD >= 42 days
    anchor = {"first_radiotherapy": START}
    # iUPD on day 42 reset by iSD on day 84 (>= 42 days): disease control, best iSD.
    record = subject(anchors=anchor, tumour_assessments=scans((42, "iUPD"), (84, "iSD")))
    dcr = derive_endpoint(radiotherapy, endpoint(radiotherapy, "dcr"), record).response
    assert dcr is not None
    assert (dcr.best_response, dcr.responder) == ("iSD", True)
    # iPR on day 56 confirmed on day 112: iPR, responder for ORR and the BOR endpoint.
    responder = subject(anchors=anchor, tumour_assessments=scans((56, "iPR"), (112, "iPR")))
    for endpoint_id in ("orr", "overall_response"):
        got = derive_endpoint(radiotherapy, endpoint(radiotherapy, endpoint_id), responder)
        assert got.response is not None
        assert (got.response.best_response, got.response.responder) == ("iPR", True)
    # iUPD on day 42 confirmed as iCPD on day 84: best response iCPD.
    progressed = subject(anchors=anchor, tumour_assessments=scans((42, "iUPD"), (84, "iCPD")))
    got = derive_endpoint(radiotherapy, endpoint(radiotherapy, "dcr"), progressed).response
    assert got is not None
    assert (got.best_response, got.responder) == ("iCPD", False)


def test_a_code_of_the_other_criteria_is_refused() -> None:
    radiotherapy = protocol(RADIOTHERAPY)
    record = subject(
        anchors={"first_radiotherapy": START},
        tumour_assessments=scans(
            (42, "PD"),
        ),
    )
    with pytest.raises(InvalidRecord, match="not one of the iRECIST overall responses"):
        derive_endpoint(radiotherapy, endpoint(radiotherapy, "orr"), record)


def test_rates_over_itt_and_evaluable_denominators(sarcoma: Protocol) -> None:
    # S01 confirmed PR (responder), S02 SD on day 56 (>= 42 days), S03 no scan after
    # baseline (NE), S04 never treated (NE). ORR: 1/4 = 25.0% ITT, 1/2 = 50.0% evaluable.
    # DCR (no confirmation, SD >= 42 days): S01 + S02 = 2/4 = 50.0% ITT, 2/2 = 100%.
    cohort = [
        subject("S01", tumour_assessments=scans((56, "PR"), (112, "PR"))),
        subject(
            "S02",
            tumour_assessments=scans(
                (56, "SD"),
            ),
        ),
        subject("S03"),
        subject("S04", anchors={}, treated=False),
    ]
    rates = {r.endpoint_id: r for r in response_rates(derive_all(sarcoma, cohort))}
    orr, dcr = rates["orr"], rates["dcr"]
    assert (orr.subjects, orr.evaluable, orr.responders) == (4, 2, 1)
    assert (orr.rate_pct, orr.evaluable_rate_pct) == (25.0, 50.0)
    assert orr.best_responses == (("NE", 2), ("PR", 1), ("SD", 1))
    assert (dcr.responders, dcr.rate_pct, dcr.evaluable_rate_pct) == (2, 50.0, 100.0)
