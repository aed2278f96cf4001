"""Setting up who works where: sites, the studies they run, and role memberships."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from oncotrial.apps.accounts.models import Membership, Site, StudySite
from oncotrial.apps.audit.services import AuditContext, record_create
from oncotrial.apps.request_cache import forget
from oncotrial.apps.studies.models import Study
from oncotrial.domain.permissions import Role


@transaction.atomic
def add_site(by: Any, *, code: str, name: str, city: str = "", country: str = "") -> Site:
    site, created = Site.objects.get_or_create(
        code=code, defaults={"name": name, "city": city, "country": country}
    )
    if created:
        record_create(AuditContext(by, site_code=code), site, ["code", "name", "city", "country"])
    return site


@transaction.atomic
def add_study_site(by: Any, study: Study, site: Site, subject_prefix: str) -> StudySite:
    study_site, created = StudySite.objects.get_or_create(
        study=study, site=site, defaults={"subject_prefix": subject_prefix}
    )
    if created:
        record_create(
            AuditContext(by, study_key=study.key, site_code=site.code),
            study_site,
            ["study_id", "site_id", "subject_prefix"],
        )
    return study_site


@transaction.atomic
def grant_role(
    by: Any, user: Any, study: Study, role: Role, site: Site | None = None
) -> Membership:
    membership, created = Membership.objects.get_or_create(
        user=user, study=study, site=site, role=role.value
    )
    if created:
        record_create(
            AuditContext(by, study_key=study.key, site_code=site.code if site else ""),
            membership,
            ["user_id", "study_id", "site_id", "role"],
        )
        forget()
    return membership
