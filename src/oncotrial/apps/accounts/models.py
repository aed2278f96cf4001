"""Sites, the studies they run, and who holds which role at which site.

A membership gives a user one role in one study, at one site or, with no site, at every
site of the study (for study-wide roles such as the study administrator or the
statistician). Every read of subject data is scoped by these memberships.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from oncotrial.apps.studies.models import Study
from oncotrial.domain.permissions import ROLE_LABELS, Role


class Site(models.Model):
    code = models.CharField(max_length=16, unique=True, help_text="Short code, e.g. SH01.")
    name = models.CharField(max_length=200)
    city = models.CharField(max_length=100, blank=True, default="")
    country = models.CharField(max_length=100, blank=True, default="")

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class StudySite(models.Model):
    """A site taking part in a study, with its prefix for subject numbers."""

    study = models.ForeignKey(Study, on_delete=models.PROTECT, related_name="study_sites")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="study_sites")
    subject_prefix = models.CharField(
        max_length=8, help_text="Prefix of subject numbers at this site, e.g. 01 gives 01-001."
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["study", "site__code"]
        constraints = [
            models.UniqueConstraint(fields=["study", "site"], name="accounts_studysite_unique"),
            models.UniqueConstraint(
                fields=["study", "subject_prefix"], name="accounts_studysite_unique_prefix"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.study.key} @ {self.site.code}"


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="memberships")
    site = models.ForeignKey(
        Site,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="memberships",
        help_text="Empty: every site of the study.",
    )
    role = models.CharField(max_length=32, choices=[(r.value, ROLE_LABELS[r]) for r in Role])

    class Meta:
        ordering = ["study", "user", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "study", "site", "role"], name="accounts_membership_unique"
            )
        ]

    def __str__(self) -> str:
        where = self.site.code if self.site else "all sites"
        return f"{self.user} {self.role} in {self.study.key} at {where}"
