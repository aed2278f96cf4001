"""Tumour assessment services: baseline lesions checked by the engine, assessments and
their computed responses, changes with reasons, investigator assessments, audit records,
and results equal to `oncotrial recist evaluate` on the same data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from oncotrial.apps.audit.models import AuditRecord
from oncotrial.apps.records import RecordConflict
from oncotrial.apps.tumour import services
from oncotrial.apps.tumour.models import Lesion, LesionResult, NewLesion, TumourAssessment
from oncotrial.apps.tumour.series import LesionEntry
from tests.apps.crfs.audit_helpers import audit_written

from .conftest import ILDR
from .helpers import cli_evaluate, enter, entry, lesion

D = dt.date

# A sarcoma patient: three targets (one a node) and one non-target at baseline.
BASELINE = [
    lesion("T1", "target", "liver", 40, location="segment VII"),
    lesion("T2", "target", "lung", 25, location="right lower lobe"),
    lesion("T3", "target", "lymph node", 20, nodal=True, location="left iliac"),
    lesion("NT1", "non_target", "peritoneum", None, location="omental nodules"),
]
FOLLOW_UPS = [
    # 27 + 17 + 14 = 58 mm: (58 - 85) / 85 = -31.8 % (PR is a 30 % decrease, §4.3.1)
    entry(D(2024, 2, 26), {"T1": 27, "T2": 17, "T3": 14, "NT1": "present"}),
    # 25 + 15 + 12 = 52 mm: -38.8 %, PR again 42 days later: confirmed (≥ 28 days)
    entry(D(2024, 4, 8), {"T1": 25, "T2": 15, "T3": 12, "NT1": "present"}),
    # 53 mm is +1.9 % over the nadir (no target PD); an unequivocal new lesion is PD
    entry(
        D(2024, 5, 20),
        {"T1": 26, "T2": 15, "T3": 12, "NT1": "present"},
        new=[{"code": "NL1", "organ": "liver", "mm": 12}],
    ),
]


def test_seed_like_patient_matches_the_cli_and_the_published_rules(tumour_world, tmp_path):
    world = tumour_world()
    subject = world.subject
    saved = enter(world.coordinator, subject, BASELINE, FOLLOW_UPS)

    # by hand, from RECIST 1.1 §4.3.1 / Table 1 / Table 3
    first, second, third = (TumourAssessment.objects.get(pk=a.pk) for a in saved)
    assert (first.sum_mm, first.change_from_baseline_pct) == (58.0, -31.8)
    assert (first.target_response, first.non_target_response) == ("PR", "NON-CR/NON-PD")
    assert first.computed_response == "PR"
    assert (second.sum_mm, second.change_from_baseline_pct, second.computed_response) == (
        52.0,
        -38.8,
        "PR",
    )
    assert (third.sum_mm, third.change_from_nadir_pct) == (53.0, 1.9)
    # targets are still 37.6 % below baseline (PR), the new lesion makes it PD (Table 1)
    assert (third.target_response, third.new_lesions_response) == ("PR", "yes")
    assert third.computed_response == "PD"
    summary = subject.tumour_summary
    assert summary.criteria == "RECIST 1.1"
    assert summary.start_date == D(2024, 1, 15)
    assert summary.start_source == "first_dose"
    assert summary.baseline_sum_mm == 85.0
    assert summary.best_overall_response == "PR"
    assert summary.best_overall_response_date == D(2024, 2, 26)
    assert summary.confirmed is True
    assert summary.confirmation_date == D(2024, 4, 8)
    assert summary.progression_date == D(2024, 5, 20)

    # the same data through `oncotrial recist evaluate`
    record = {
        "criteria": "RECIST 1.1",
        "confirmation": True,
        "min_sd_days": 42,
        "start_date": "2024-01-15",
        "assessments": [
            {
                "date": "2024-01-08",
                "targets": [
                    {"id": "T1", "organ": "liver", "nodal": False, "mm": 40},
                    {"id": "T2", "organ": "lung", "nodal": False, "mm": 25},
                    {"id": "T3", "organ": "lymph node", "nodal": True, "mm": 20},
                ],
                "non_targets": [{"id": "NT1", "organ": "peritoneum", "status": "present"}],
            },
            {
                "date": "2024-02-26",
                "targets": [{"id": "T1", "mm": 27}, {"id": "T2", "mm": 17}, {"id": "T3", "mm": 14}],
                "non_targets": [{"id": "NT1", "status": "present"}],
            },
            {
                "date": "2024-04-08",
                "targets": [{"id": "T1", "mm": 25}, {"id": "T2", "mm": 15}, {"id": "T3", "mm": 12}],
                "non_targets": [{"id": "NT1", "status": "present"}],
            },
            {
                "date": "2024-05-20",
                "targets": [{"id": "T1", "mm": 26}, {"id": "T2", "mm": 15}, {"id": "T3", "mm": 12}],
                "non_targets": [{"id": "NT1", "status": "present"}],
                "new_lesions": [{"id": "NL1", "organ": "liver", "mm": 12}],
            },
        ],
    }
    cli = cli_evaluate(record, tmp_path)
    for row, point in zip((first, second, third), cli["timepoints"], strict=True):
        assert row.assessment_date.isoformat() == point["date"]
        assert row.sum_mm == point["sum_mm"]
        assert row.change_from_baseline_pct == point["change_from_baseline_pct"]
        assert row.change_from_nadir_pct == point["change_from_nadir_pct"]
        assert row.computed_response == point["overall"]
        assert row.target_response == point["target"]
        assert row.non_target_response == point["non_target"]
    assert summary.best_overall_response == cli["best_overall_response"]
    assert summary.confirmed == cli["confirmed"]
    assert summary.progression_date.isoformat() == cli["progression_date"]


def test_target_progression_needs_20_percent_and_5_mm(tumour_world):
    """RECIST 1.1 §4.3.1: PD is +20 % over the nadir and at least +5 mm."""
    world = tumour_world()
    rows = enter(
        world.coordinator,
        world.subject,
        [lesion("T1", "target", "liver", 20)],
        [
            entry(D(2024, 2, 26), {"T1": 24}),  # +20 %, +4 mm: not PD
            entry(D(2024, 4, 8), {"T1": 25}),  # +25 %, +5 mm: PD
        ],
    )
    first, second = (TumourAssessment.objects.get(pk=r.pk) for r in rows)
    assert (first.change_from_nadir_pct, first.computed_response) == (20.0, "SD")
    assert (second.change_from_nadir_pct, second.computed_response) == (25.0, "PD")
    assert world.subject.tumour_summary.progression_date == D(2024, 4, 8)
    # SD on day 42 (2024-02-26) meets the protocol's 42-day minimum from the first dose
    assert world.subject.tumour_summary.best_overall_response == "SD"


def test_irecist_unconfirmed_then_confirmed_progression(tumour_world, tmp_path):
    world = tumour_world(ILDR, anchor="first_radiotherapy")
    subject = world.subject
    rows = enter(
        world.coordinator,
        subject,
        [
            lesion("T1", "target", "liver", 30),
            lesion("T2", "target", "lung", 20),
            lesion("NT1", "non_target", "bone", None),
        ],
        [
            # 62 mm: +24 % and +12 mm over 50 → RECIST PD, the first iUPD
            entry(D(2024, 2, 26), {"T1": 38, "T2": 24, "NT1": "present"}),
            # 68 mm: +6 mm since the iUPD, ≥ 28 days on → iCPD (iRECIST)
            entry(D(2024, 4, 8), {"T1": 41, "T2": 27, "NT1": "present"}),
        ],
    )
    first, second = (TumourAssessment.objects.get(pk=r.pk) for r in rows)
    assert (first.criteria, first.computed_response) == ("iRECIST", "iUPD")
    assert second.computed_response == "iCPD"
    summary = subject.tumour_summary
    assert summary.start_source == "first_radiotherapy"
    assert summary.progression_date == D(2024, 2, 26)  # iUPD date of the confirmed episode
    assert summary.icpd_date == D(2024, 4, 8)
    assert summary.iupd_dates == ["2024-02-26"]
    assert summary.best_overall_response == "iCPD"
    cli = cli_evaluate(
        {
            "criteria": "iRECIST",
            "confirmation": True,
            "min_sd_days": 42,
            "start_date": "2024-01-15",
            "assessments": [
                {
                    "date": "2024-01-08",
                    "targets": [
                        {"id": "T1", "organ": "liver", "nodal": False, "mm": 30},
                        {"id": "T2", "organ": "lung", "nodal": False, "mm": 20},
                    ],
                    "non_targets": [{"id": "NT1", "organ": "bone", "status": "present"}],
                },
                {
                    "date": "2024-02-26",
                    "targets": [{"id": "T1", "mm": 38}, {"id": "T2", "mm": 24}],
                    "non_targets": [{"id": "NT1", "status": "present"}],
                },
                {
                    "date": "2024-04-08",
                    "targets": [{"id": "T1", "mm": 41}, {"id": "T2", "mm": 27}],
                    "non_targets": [{"id": "NT1", "status": "present"}],
                },
            ],
        },
        tmp_path,
    )
    assert [first.computed_response, second.computed_response] == [
        p["overall"] for p in cli["timepoints"]
    ]
    assert summary.icpd_date.isoformat() == cli["icpd_date"]
    assert summary.progression_date.isoformat() == cli["progression_date"]


# --------------------------------------------------------------------------- baseline


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        (lesion("T1", "target", "liver", 8), "baseline_mm", ["T1", "8 mm is not measurable"]),
        (
            lesion("T1", "target", "lymph node", 12, nodal=True),
            "baseline_mm",
            ["T1", "node of 12 mm", "15 mm", "§3.1.1"],
        ),
        (
            lesion("T1", "target", "liver", 14, slice_thickness_mm=Decimal("8")),
            "baseline_mm",
            ["T1", "minimum 16 mm", "§3.1.1"],
        ),
    ],
)
def test_a_non_measurable_target_is_refused(tumour_world, values, field, words):
    world = tumour_world()
    with audit_written() as written, pytest.raises(ValidationError) as refused:
        services.add_lesion(world.coordinator, world.subject, values)
    message = " ".join(refused.value.message_dict[field])
    for word in words:
        assert word in message
    assert written.records == []
    assert not Lesion.objects.filter(subject=world.subject).exists()


def test_at_most_two_targets_per_organ_and_five_in_all(tumour_world):
    world = tumour_world()
    add = services.add_lesion
    add(world.coordinator, world.subject, lesion("T1", "target", "liver", 30))
    add(world.coordinator, world.subject, lesion("T2", "target", "Liver", 25))
    with pytest.raises(ValidationError) as refused:
        add(world.coordinator, world.subject, lesion("T3", "target", "liver", 22))
    assert (
        "T3: more than 2 target lesions in liver (RECIST 1.1 §3.2.1)"
        in (refused.value.message_dict["kind"])
    )
    for code, organ in (("T3", "lung"), ("T4", "bone"), ("T5", "kidney")):
        add(world.coordinator, world.subject, lesion(code, "target", organ, 20))
    with pytest.raises(ValidationError) as refused:
        add(world.coordinator, world.subject, lesion("T6", "target", "spleen", 20))
    assert (
        "T6: more than 5 target lesions (RECIST 1.1 §3.2.1)" in refused.value.message_dict["kind"]
    )
    # a non-target is not counted
    add(world.coordinator, world.subject, lesion("NT1", "non_target", "liver", None))
    assert Lesion.objects.filter(subject=world.subject).count() == 6


def test_adding_a_lesion_is_audited(tumour_world):
    world = tumour_world()
    with audit_written() as written:
        created = services.add_lesion(world.coordinator, world.subject, BASELINE[2])
    mine = [r for r in written.records if r.entity == "tumour.lesion"]
    assert {r.field: r.new_value for r in mine} == {
        "code": "T3",
        "kind": "target",
        "organ": "lymph node",
        "location": "left iliac",
        "nodal": "true",
        "method": "ct",
        "slice_thickness_mm": None,
        "baseline_date": "2024-01-08",
        "baseline_mm": "20.0",
    }
    assert all(r.entity_id == str(created.pk) and r.action == "create" for r in mine)
    assert all(r.username == world.coordinator.username for r in written.records)
    # the summary is created beside it (baseline sum of the one target)
    summary = [r for r in written.records if r.entity == "tumour.tumoursummary"]
    assert {r.field: r.new_value for r in summary}["baseline_sum_mm"] == "20.0"


def test_a_baseline_entered_at_once_is_checked_and_audited_lesion_by_lesion(tumour_world):
    world = tumour_world()
    with audit_written() as written:
        created = services.add_lesions(world.coordinator, world.subject, BASELINE)
    assert [lesion.code for lesion in created] == ["T1", "T2", "T3", "NT1"]
    for made in created:
        mine = [r for r in written.records if r.entity_id == str(made.pk)]
        assert {r.field for r in mine if r.entity == "tumour.lesion"} == set(services.LESION_FIELDS)
    # the summary, evaluated once: 40 + 25 + 20 mm of targets
    world.subject.refresh_from_db()
    assert world.subject.tumour_summary.baseline_sum_mm == Decimal("85.0")
    summary = [r for r in written.records if r.entity == "tumour.tumoursummary"]
    assert [r.new_value for r in summary if r.field == "baseline_sum_mm"] == ["85.0"]


def test_one_refused_lesion_refuses_the_whole_baseline(tumour_world):
    world = tumour_world()
    small = lesion("T4", "target", "bone", 8)
    with audit_written() as written, pytest.raises(ValidationError) as refused:
        services.add_lesions(world.coordinator, world.subject, [*BASELINE, small])
    assert "T4: 8 mm is not measurable" in " ".join(refused.value.message_dict["baseline_mm"])
    assert written.records == []
    assert not Lesion.objects.filter(subject=world.subject).exists()


def test_roles_and_sites(tumour_world):
    world = tumour_world()
    for user in (world.monitor, world.data_manager, world.other_coordinator):
        with pytest.raises(PermissionDenied):
            services.add_lesion(user, world.subject, BASELINE[0])
    assert not Lesion.objects.exists()


def test_baseline_is_fixed_once_a_follow_up_exists(tumour_world):
    world = tumour_world()
    enter(world.coordinator, world.subject, BASELINE, FOLLOW_UPS[:1])
    with pytest.raises(ValidationError) as refused:
        services.add_lesion(world.coordinator, world.subject, lesion("T4", "target", "bone", 30))
    assert "fixed once a follow-up" in str(refused.value)


# --------------------------------------------------------------------------- assessments


def test_recording_an_assessment_is_audited(tumour_world):
    world = tumour_world()
    enter(world.coordinator, world.subject, BASELINE, [])
    with audit_written() as written:
        saved = services.record_assessment(world.coordinator, world.subject, FOLLOW_UPS[0])
    by_entity: dict[str, list[AuditRecord]] = {}
    for r in written.records:
        by_entity.setdefault(r.entity, []).append(r)
    created = [r for r in by_entity["tumour.tumourassessment"] if r.action == "create"]
    assert {r.field: r.new_value for r in created} == {
        "visit": None,
        "assessment_date": "2024-02-26",
        "method": "ct",
        "investigator_response": "",
        "override_reason": "",
    }
    computed = {
        r.field: r.new_value for r in by_entity["tumour.tumourassessment"] if r.action == "update"
    }
    assert computed == {
        "sum_mm": "58.0",
        "change_from_baseline_pct": "-31.8",
        "change_from_nadir_pct": "-31.8",
        "computed_response": "PR",
    }
    results = by_entity["tumour.lesionresult"]
    assert len(results) == 4 * 4  # four lesions, four audited fields each
    assert {r.new_value for r in results if r.field == "result"} == {"measured", "present"}
    summary = {r.field: r.new_value for r in by_entity["tumour.tumoursummary"]}
    # a PR not yet confirmed counts as SD (RECIST 1.1 Table 3), seen on day 42 ≥ 42
    assert summary["best_overall_response"] == "SD"
    assert saved.computed_response == "PR"
    assert world.subject.tumour_summary.confirmed is None  # only said of a CR or PR


def test_a_series_the_engine_refuses_saves_nothing(tumour_world):
    world = tumour_world()
    enter(world.coordinator, world.subject, BASELINE, [])
    bad = entry(D(2024, 2, 26), {"T1": "absent", "T2": 17})
    with audit_written() as written, pytest.raises(ValidationError) as refused:
        services.record_assessment(world.coordinator, world.subject, bad)
    assert "T1: choose one of measured, too_small, not_evaluable" in str(refused.value)
    early = entry(D(2024, 1, 5), {"T1": 30})
    with pytest.raises(ValidationError) as refused:
        services.record_assessment(world.coordinator, world.subject, early)
    assert "after the baseline (2024-01-08)" in refused.value.message_dict["assessment_date"][0]
    reuse = entry(D(2024, 2, 26), {"T1": 30}, new=[{"code": "T2", "organ": "lung"}])
    with pytest.raises(ValidationError) as refused:
        services.record_assessment(world.coordinator, world.subject, reuse)
    assert "T2" in refused.value.message_dict["new_lesions"][0]
    assert written.records == []
    assert not TumourAssessment.objects.exists()


def test_changing_an_assessment_needs_a_reason_and_re_evaluates(tumour_world):
    world = tumour_world()
    first, *_ = enter(world.coordinator, world.subject, BASELINE, FOLLOW_UPS[:2])
    # T1 was 31 mm, not 27: 62 mm is -27.1 %, SD; the second is then an unconfirmed PR
    corrected = entry(D(2024, 2, 26), {"T1": 31, "T2": 17, "T3": 14, "NT1": "present"})
    with pytest.raises(ValidationError) as refused:
        services.change_assessment(
            world.coordinator, first, corrected, expected_version=first.version, reason=" "
        )
    assert "reason" in refused.value.message_dict
    with audit_written() as written:
        changed = services.change_assessment(
            world.coordinator,
            first,
            corrected,
            expected_version=first.version,
            reason="T1 re-measured on the source images",
        )
    assert changed.version == first.version + 1
    assert (changed.sum_mm, changed.change_from_baseline_pct) == (62.0, -27.1)
    assert changed.computed_response == "SD"
    mm = [r for r in written.records if r.entity == "tumour.lesionresult" and r.field == "mm"]
    assert [(r.old_value, r.new_value, r.reason) for r in mm] == [
        ("27.0", "31.0", "T1 re-measured on the source images")
    ]
    summary = world.subject.tumour_summary
    summary.refresh_from_db()
    # a single PR is not confirmed; as the best response it counts as SD (Table 3)
    assert summary.best_overall_response == "SD"
    assert any(
        r.entity == "tumour.tumoursummary" and r.field == "best_overall_response"
        for r in written.records
    )
    with pytest.raises(RecordConflict):
        services.change_assessment(
            world.coordinator, first, corrected, expected_version=first.version, reason="again"
        )


def test_deleting_an_assessment_keeps_its_values_in_the_audit_trail(tumour_world):
    world = tumour_world()
    rows = enter(world.coordinator, world.subject, BASELINE, FOLLOW_UPS)
    last = rows[-1]
    with audit_written() as written:
        services.delete_assessment(
            world.coordinator, last, expected_version=last.version, reason="entered twice"
        )
    deleted = {(r.entity, r.field, r.old_value) for r in written.records if r.action == "delete"}
    assert ("tumour.newlesion", "code", "NL1") in deleted
    assert ("tumour.tumourassessment", "assessment_date", "2024-05-20") in deleted
    assert not NewLesion.objects.exists()
    assert LesionResult.objects.count() == 8
    world.subject.tumour_summary.refresh_from_db()
    assert world.subject.tumour_summary.progression_date is None


# --------------------------------------------------------------------------- override


def test_an_investigator_assessment_is_kept_beside_the_computed_one(tumour_world):
    world = tumour_world()
    _, _, last = enter(world.coordinator, world.subject, BASELINE, FOLLOW_UPS)
    with pytest.raises(ValidationError) as refused:
        services.set_investigator_response(
            world.investigator, last, "PR", "", expected_version=last.version
        )
    assert set(refused.value.message_dict) == {"override_reason"}
    with pytest.raises(ValidationError) as refused:
        services.set_investigator_response(
            world.investigator, last, "PD", "same", expected_version=last.version
        )
    assert "computed response" in refused.value.message_dict["investigator_response"][0]
    reason = "NL1 is a biopsy-proven haemangioma, not a metastasis"
    with audit_written() as written:
        kept = services.set_investigator_response(
            world.investigator, last, "SD", reason, expected_version=last.version
        )
    assert (kept.computed_response, kept.investigator_response, kept.override_reason) == (
        "PD",
        "SD",
        reason,
    )
    assert {(r.field, r.new_value, r.reason) for r in written.records} == {
        ("investigator_response", "SD", reason),
        ("override_reason", reason, reason),
    }
    # a later change to the series leaves the investigator's assessment in place
    services.change_assessment(
        world.coordinator,
        kept,
        entry(
            D(2024, 5, 20),
            {"T1": 26, "T2": 16, "T3": 12, "NT1": "present"},
            new=[{"code": "NL1", "organ": "liver", "mm": 12}],
        ),
        expected_version=kept.version,
        reason="T2 re-measured",
    )
    kept.refresh_from_db()
    assert (kept.computed_response, kept.investigator_response) == ("PD", "SD")
    with audit_written() as written:
        cleared = services.clear_investigator_response(
            world.investigator, kept, "reviewed at the tumour board", expected_version=kept.version
        )
    assert cleared.investigator_response == ""
    assert cleared.override_reason == ""
    assert {r.reason for r in written.records} == {"reviewed at the tumour board"}


def test_irecist_codes_for_an_irecist_study(tumour_world):
    world = tumour_world(ILDR, anchor="first_radiotherapy")
    (row,) = enter(
        world.coordinator,
        world.subject,
        [lesion("T1", "target", "liver", 30)],
        [entry(D(2024, 2, 26), {"T1": 38})],
    )
    with pytest.raises(ValidationError) as refused:
        services.set_investigator_response(
            world.investigator, row, "PD", "pseudo-progression", expected_version=row.version
        )
    assert "iRECIST" in refused.value.message_dict["investigator_response"][0]
    kept = services.set_investigator_response(
        world.investigator, row, "iSD", "pseudo-progression", expected_version=row.version
    )
    assert (kept.computed_response, kept.investigator_response) == ("iUPD", "iSD")


# --------------------------------------------------------------------------- preview


def test_preview_computes_without_saving(tumour_world):
    world = tumour_world()
    enter(world.coordinator, world.subject, BASELINE, [])
    before = AuditRecord.objects.count()
    shown = services.preview(world.subject, FOLLOW_UPS[0])
    assert shown.errors == {}
    assert shown.timepoint.overall == "PR"
    assert shown.timepoint.sum_mm == 58.0
    assert round(shown.timepoint.change_from_baseline_pct, 1) == -31.8
    partial = entry(D(2024, 2, 26), {"T1": 27, "T2": 17})
    shown = services.preview(world.subject, partial)
    assert shown.timepoint.overall == "NE"  # T3 not assessed (§4.3.4)
    assert shown.timepoint.assessed_sum_mm == 44.0
    wrong = services.preview(world.subject, entry(D(2024, 2, 26), {"T1": "present"}))
    assert "T1" in wrong.errors
    assert AuditRecord.objects.count() == before
    assert not TumourAssessment.objects.exists()


def test_too_small_counts_as_5_mm(tumour_world):
    world = tumour_world()
    enter(world.coordinator, world.subject, [lesion("T1", "target", "liver", 30)], [])
    assessment = services.record_assessment(
        world.coordinator,
        world.subject,
        entry(D(2024, 2, 26), {"T1": "too_small"}),
    )
    assert assessment.sum_mm == 5.0
    assert assessment.computed_response == "PR"
    result = LesionResult.objects.get(assessment=assessment)
    assert (result.result, result.mm) == ("too_small", None)
    assert LesionEntry("too_small").mm is None


def test_correcting_a_baseline_lesion_re_evaluates_the_series(tumour_world):
    world = tumour_world()
    first, *_ = enter(world.coordinator, world.subject, BASELINE, FOLLOW_UPS[:1])
    t1 = Lesion.objects.get(subject=world.subject, code="T1")
    with pytest.raises(ValidationError) as refused:
        services.change_lesion(
            world.coordinator,
            t1,
            {"baseline_mm": Decimal("9")},
            expected_version=t1.version,
            reason="typo",
        )
    assert "T1: 9 mm is not measurable" in refused.value.message_dict["baseline_mm"][0]
    with audit_written() as written:
        services.change_lesion(
            world.coordinator,
            t1,
            {"baseline_mm": Decimal("50")},
            expected_version=t1.version,
            reason="T1 measured on the wrong slice at baseline",
        )
    first.refresh_from_db()
    # baseline 50 + 25 + 20 = 95 mm; 58 mm is -38.9 %
    assert first.change_from_baseline_pct == -38.9
    assert ("tumour.lesion", "baseline_mm", "40.0", "50.0") in {
        (r.entity, r.field, r.old_value, r.new_value) for r in written.records
    }
    assert world.subject.tumour_summary.baseline_sum_mm == 95.0
