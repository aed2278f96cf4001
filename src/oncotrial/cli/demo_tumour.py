"""The demo's investigator's tumour assessment: the latest progression of a study read
as stable disease on the radiology review, kept beside the computed response with its
reason."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from oncotrial.apps.studies.models import Study
from oncotrial.apps.tumour import services
from oncotrial.apps.tumour.models import TumourAssessment

NEW_LESION_REASON = (
    "The new lesion is a haemangioma on contrast MRI (radiology review); no progression."
)
GROWTH_REASON = (
    "Target lesions re-measured on the radiology review: the increase is within "
    "measurement variability; no progression."
)
STABLE = {"PD": "SD", "iUPD": "iSD", "iCPD": "iSD"}


def investigator_assessment(users: dict[str, Any], study: Study) -> TumourAssessment | None:
    """The investigator's stable disease on the study's latest progression (None when
    there is none, or the assessment can no longer be changed)."""
    progression = (
        TumourAssessment.objects.filter(
            subject__study=study, computed_response__in=STABLE, investigator_response=""
        )
        .select_related("subject__site")
        .order_by("-assessment_date", "-pk")
        .first()
    )
    if progression is None:
        return None
    site = progression.subject.site.code
    investigator = users["investigator" if site == "SH01" else "investigator.bj"]
    reason = NEW_LESION_REASON if progression.new_lesions.exists() else GROWTH_REASON
    try:
        return services.set_investigator_response(
            investigator,
            progression,
            STABLE[progression.computed_response],
            reason,
            expected_version=progression.version,
        )
    except ValidationError:
        return None
