"""Permission matrix rows of the specimens app (sarcoma study): the subject's specimens
page, collection and handover forms, the per-site worklist and the API. Reads need
VIEW_SUBJECTS, writes ENTER_DATA."""

from __future__ import annotations

import datetime as dt
from typing import Any

from oncotrial.domain.permissions import Action

from ..permission_endpoint import SUBJ, Endpoint, K

SPECIMEN = ("{key}", "{specimens_specimen}")
COLLECT = {
    "label": "SH01-SER-0002",
    "specimen_type": "serum",
    "amount": "1.5",
    "amount_unit": "mL",
    "collected_at": "2025-03-11T08:30",
    "storage_location": "SH01 laboratory −80 °C freezer A",
}
HANDOVER = {
    "to_location": "Central biobank, rack 4",
    "transferred_at": "2025-03-12T09:00",
    "handed_over_by": "Research nurse Li",
    "received_by": "Biobank technician Wang",
    "condition": "frozen",
    "status_after": "stored",
    "expected_version": "{specimens_version}",
}

# fmt: off
# columns:                  anon adm inv coo dm  mon sta none bj02
ROWS: list[Endpoint] = [
    Endpoint("specimens:subject", "GET", "302 200 200 200 200 200 200 404 404",
             Action.VIEW_SUBJECTS, SUBJ, object_in_url=True),
    Endpoint("specimens:collect", "POST", "302 403 302 302 403 403 403 404 404",
             Action.ENTER_DATA, SUBJ, COLLECT, writes=True, object_in_url=True),
    Endpoint("specimens:transfer", "POST", "302 403 302 302 403 403 403 404 404",
             Action.ENTER_DATA, SPECIMEN, HANDOVER, writes=True, object_in_url=True),
    Endpoint("specimens:worklist", "GET", "302 200 200 200 200 200 200 404 200",
             Action.VIEW_SUBJECTS, K, note="specimens of the user's sites"),
    Endpoint("api:specimens-list", "GET", "401 200 200 200 200 200 200 404 404",
             Action.VIEW_SUBJECTS, SUBJ, object_in_url=True),
    Endpoint("api:specimens-list", "POST", "401 403 201 201 403 403 403 404 404",
             Action.ENTER_DATA, SUBJ, {**COLLECT, "collected_at": "2025-03-11T08:30:00Z"},
             writes=True, object_in_url=True),
    Endpoint("api:specimens-detail", "GET", "401 200 200 200 200 200 200 404 404",
             Action.VIEW_SUBJECTS, SPECIMEN, object_in_url=True),
    Endpoint("api:specimens-detail", "PATCH", "401 403 200 200 403 403 403 404 404",
             Action.ENTER_DATA, SPECIMEN,
             {"amount": 4.5, "expected_version": "{specimens_version}",
              "reason": "volume re-measured"},
             writes=True, object_in_url=True),
    Endpoint("api:specimens-detail", "DELETE", "401 403 200 200 403 403 403 404 404",
             Action.ENTER_DATA, SPECIMEN,
             {"expected_version": "{specimens_version}", "reason": "labelled in error"},
             writes=True, object_in_url=True),
    Endpoint("api:specimens-transfers", "POST", "401 403 201 201 403 403 403 404 404",
             Action.ENTER_DATA, SPECIMEN,
             {**HANDOVER, "transferred_at": "2025-03-12T09:00:00Z"},
             writes=True, object_in_url=True),
    Endpoint("api:specimens-worklist", "GET", "401 200 200 200 200 200 200 404 200",
             Action.VIEW_SUBJECTS, K, note="specimens of the user's sites"),
]
# fmt: on


def build(scenario: Any) -> dict[str, Any]:
    """A whole-blood sample of the SH01 subject collected the day before the first dose,
    kept in the site laboratory (no handover yet)."""
    from oncotrial.apps.specimens import services
    from oncotrial.apps.subjects.models import Subject

    subject = Subject.objects.get(
        study__key=scenario.key, subject_number=scenario.sites["SH01"].subject
    )
    specimen = services.collect_specimen(
        scenario.people["coordinator"],
        subject,
        {
            "label": "SH01-BLD-0001",
            "specimen_type": "blood",
            "amount": 4,
            "amount_unit": "mL",
            "collected_at": dt.datetime(2025, 3, 11, 8, 0, tzinfo=dt.UTC),
            "storage_location": "SH01 laboratory fridge",
        },
    )
    return {"specimens_specimen": specimen.pk, "specimens_version": specimen.version}
