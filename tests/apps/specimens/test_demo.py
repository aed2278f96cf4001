"""The demo's specimens on populated demo studies."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.contrib.auth import get_user_model

from oncotrial.apps.specimens.models import Specimen, SpecimenTransfer

STUDIES = Path(__file__).resolve().parents[3] / "studies"


def _populated(name: str):
    from oncotrial.apps.studies.services import load_protocol_file
    from oncotrial.cli import demo_data

    study = load_protocol_file(STUDIES / name).study
    demo_data.ensure_sites_and_users("a-long-pass-123", [study])
    demo_data.populate_study(study, dt.date.today(), lambda _m: None)
    users = {u.username: u for u in get_user_model().objects.all()}
    return study, users


def test_demo_specimens_of_the_surgery_study(db):
    from oncotrial.cli import demo_specimens

    study, users = _populated("surgery-liver-metastatic-pancreatic-cancer.yaml")
    demo_specimens.populate(study, users, dt.date.today(), lambda _m: None)
    specimens = Specimen.objects.filter(study=study)
    intraop = specimens.filter(assessment_id="intraop_specimen")
    postop = specimens.filter(assessment_id="postop_specimen")
    assert intraop.exists()
    assert postop.exists()
    assert set(intraop.values_list("specimen_type", flat=True)) == {
        "tumour_tissue",
        "adjacent_normal_tissue",
    }
    assert all(80 <= s.amount <= 130 and s.amount_unit == "mg" for s in intraop)
    assert all(400 <= s.amount <= 600 for s in postop)
    transfers = SpecimenTransfer.objects.filter(specimen__study=study)
    assert transfers.exists()
    for specimen in specimens:
        chain = list(specimen.transfers.order_by("transferred_at"))
        if chain:
            assert chain[0].transferred_at >= specimen.collected_at
            assert specimen.storage_location == chain[-1].to_location


def test_demo_specimens_of_the_radiotherapy_study(db):
    from oncotrial.cli import demo_specimens

    study, users = _populated("intestinal-radiotherapy-pd1.yaml")
    demo_specimens.populate(study, users, dt.date.today(), lambda _m: None)
    specimens = Specimen.objects.filter(study=study)
    assert set(specimens.values_list("specimen_type", flat=True)) == {"stool", "blood"}
    assert specimens.filter(status="used").exists()
