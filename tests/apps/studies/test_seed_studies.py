"""Every protocol file in studies/ loads and its study page renders."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from oncotrial.apps.accounts.models import Membership
from oncotrial.apps.studies.services import load_protocol_file
from oncotrial.domain.permissions import Role

SEEDS = sorted((Path(__file__).parents[3] / "studies").glob("*.yaml"))

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not SEEDS, reason="no protocol files in studies/"),
]


@pytest.mark.parametrize("path", SEEDS, ids=[p.stem for p in SEEDS])
def test_seed_study_loads_and_renders(client, user, path):
    study = load_protocol_file(path).study
    Membership.objects.create(user=user, study=study, role=Role.INVESTIGATOR)
    client.force_login(user)

    page = client.get(reverse("studies:detail", args=[study.key]))
    api = client.get(f"/api/studies/{study.key}/")

    assert page.status_code == 200
    html = page.content.decode()
    for heading in ("Design", "Arms and interventions", "Eligibility", "Endpoints"):
        assert f">{heading}</h2>" in html
    assert api.status_code == 200
    assert api.json()["protocol"]["id"] == study.key


def test_study_list_shows_every_seed(client, user):
    for path in SEEDS:
        study = load_protocol_file(path).study
        Membership.objects.create(user=user, study=study, role=Role.MONITOR)
    client.force_login(user)

    html = client.get(reverse("studies:list")).content.decode()

    assert html.count('class="study-cell"') == len(SEEDS)
