"""Permission matrix rows of the study report: roles that may see de-identified data
(study administrator, investigator, statistician) read it; the report of the BJ02
investigator holds BJ02's subjects only (tested in tests/apps/reports)."""

from __future__ import annotations

from oncotrial.domain.permissions import Action

from ..permission_endpoint import Endpoint, K

# fmt: off
# columns:             anon adm inv coo dm  mon sta none bj02
ROWS: list[Endpoint] = [
    Endpoint("reports:study", "GET", "302 200 200 403 403 403 200 404 200",
             Action.VIEW_DEIDENTIFIED, K),
    Endpoint("reports:derived_csv", "GET", "302 200 200 403 403 403 200 404 200",
             Action.VIEW_DEIDENTIFIED, K),
]
# fmt: on
