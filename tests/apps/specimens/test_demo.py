"""The demo's specimens, with their chain of custody, on simulated demo cohorts."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

from oncotrial.apps.audit.models import AuditRecord
from oncotrial.apps.specimens.models import Specimen, SpecimenTransfer

STUDIES = Path(__file__).resolve().parents[3] / "studies"
TODAY = dt.date(2026, 11, 2)


def _simulated(name: str, subjects: int):
    from oncotrial.apps.studies.services import load_protocol_file
    from oncotrial.cli import demo_data

    study = load_protocol_file(STUDIES / name).study
    demo_data.ensure_sites_and_users("a-long-pass-123", [study])
    lines: list[str] = []
    demo_data.simulate_study(study, TODAY, lines.append, subjects=subjects)
    return study, lines


def _chains_hold(specimens) -> None:
    for specimen in specimens:
        chain = list(specimen.transfers.order_by("transferred_at"))
        if chain:
            assert chain[0].transferred_at >= specimen.collected_at
            assert specimen.storage_location == chain[-1].to_location
        assert AuditRecord.objects.filter(
            entity="specimens.specimen", entity_id=str(specimen.pk), action="create"
        ).exists()


def test_demo_specimens_of_the_surgery_study(db):
    study, lines = _simulated("surgery-liver-metastatic-pancreatic-cancer.yaml", 10)
    specimens = Specimen.objects.filter(study=study)
    assert specimens.count() == 12
    assert any("12 specimens with their chain of custody" in line for line in lines)
    intraop = specimens.filter(assessment_id="intraop_specimen")
    postop = specimens.filter(assessment_id="postop_specimen")
    assert Counter(intraop.values_list("specimen_type", flat=True)) == {
        "tumour_tissue": 4,
        "adjacent_normal_tissue": 4,
    }
    assert postop.count() == 4
    assert all(80 <= s.amount <= 130 and s.amount_unit == "mg" for s in intraop)
    assert all(400 <= s.amount <= 600 for s in postop)
    # the four operated subjects' specimens, collected on the day of their surgery
    assert specimens.values("subject").distinct().count() == 4
    for specimen in specimens.select_related("subject"):
        surgery = specimen.subject.treatment_surgery_set.order_by("date").first()
        assert surgery is not None
        assert specimen.collected_at.date() == surgery.date
    transfers = SpecimenTransfer.objects.filter(specimen__study=study)
    assert transfers.count() == 16  # each to pathology, four onward to the biobank
    for specimen in specimens:
        assert (
            "pathology −80 °C freezer" in specimen.transfers.earliest("transferred_at").to_location
        )
    assert transfers.filter(to_location__startswith="Central biobank").count() == 4
    assert set(specimens.values_list("status", flat=True)) == {"stored"}
    _chains_hold(specimens)


def test_demo_specimens_of_the_radiotherapy_study(db):
    study, _lines = _simulated("intestinal-radiotherapy-pd1.yaml", 12)
    specimens = Specimen.objects.filter(study=study)
    assert Counter(specimens.values_list("specimen_type", "status")) == {
        ("stool", "collected"): 30,
        ("blood", "used"): 30,
    }
    assert not specimens.filter(collected_at__date__gt=TODAY).exists()
    assert set(specimens.values_list("subject__site__code", flat=True)) == {"SH01", "BJ02"}
    assert specimens.values("subject").distinct().count() > 1
    _chains_hold(specimens)
