"""The row type of the permission matrix (`test_permission_matrix.py`) and the URL
argument templates its rows share. Rows for the clinical-data apps live in
`permission_rows/`, one module per app."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from oncotrial.domain.permissions import Action, Role

from .permission_scenario import ANONYMOUS, CRF_FORM, NO_ROLE, OTHER_SITE

COLUMNS = (
    ANONYMOUS,
    Role.STUDY_ADMIN.value,
    Role.INVESTIGATOR.value,
    Role.COORDINATOR.value,
    Role.DATA_MANAGER.value,
    Role.MONITOR.value,
    Role.STATISTICIAN.value,
    NO_ROLE,
    OTHER_SITE,
)
"""The order of the statuses in each row of the matrix."""

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
EXCLUDED_NAMESPACES = {"admin"}


@dataclass(frozen=True)
class Endpoint:
    route: str
    """URL name (namespace:name)."""
    method: str
    expected: str
    """Statuses in COLUMNS order."""
    action: Action | None
    """The policy action the endpoint needs (None: not about one study)."""
    args: tuple[str, ...] = ()
    """URL arguments: fields of the SH01 objects, formatted like the body's strings."""
    body: dict[str, Any] | Callable[[dict[str, Any]], dict[str, Any]] | None = None
    writes: bool = False
    """An allowed request changes clinical data (False for a preview or a logout)."""
    object_in_url: bool = False
    """The URL names an SH01 candidate, subject, visit, query or lock (another site's
    user: 404)."""
    query: dict[str, str] | None = None
    """Query string parameters (formatted like the args)."""
    variant: str = ""
    """Tells apart rows of one route and method (e.g. a query's steps)."""
    note: str = field(default="", compare=False)

    @property
    def api(self) -> bool:
        return self.route.startswith("api:")

    def status(self, column: str) -> int:
        statuses = self.expected.split()
        assert len(statuses) == len(COLUMNS), self
        return int(statuses[COLUMNS.index(column)])

    @property
    def id(self) -> str:
        return f"{self.method} {self.route}" + (f" {self.variant}" if self.variant else "")


K = ("{key}",)
SCR = ("{key}", "{screening}")
ELIG = ("{key}", "{eligible}")
SUBJ = ("{key}", "{subject}")
VISIT = ("{key}", "{visit}")
# the sirolimus study (case report forms, queries, signatures, locks)
CK = ("{crf_key}",)
CSUBJ = ("{crf_key}", "{crf_subject}")
CFORM = ("{crf_key}", "{crf_subject}", CRF_FORM)
AT_VISIT = {"visit": "{crf_visit}"}
OPEN_Q = ("{crf_key}", "{open_query}")
ANSWERED_Q = ("{crf_key}", "{answered_query}")
LOCK = ("{crf_key}", "{lock}")
