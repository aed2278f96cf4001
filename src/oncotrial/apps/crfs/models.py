"""Case report forms and the data management around them: item values, queries,
electronic signatures and locks.

Study-specific forms are defined in the protocol; each filled form is a FormInstance
holding one ItemValue per item (like REDCap and OpenClinica). Every change goes through
`crfs.services` and is audited field by field.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from oncotrial.apps.accounts.models import Site
from oncotrial.apps.studies.models import Study
from oncotrial.apps.subjects.models import Subject
from oncotrial.apps.visits.models import Visit


class FormInstance(models.Model):
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="forms")
    visit = models.ForeignKey(
        Visit, null=True, blank=True, on_delete=models.PROTECT, related_name="forms"
    )
    form_id = models.CharField(max_length=64, help_text="The protocol's form id.")
    repeat_index = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(
        default=1, help_text="Bumped on every save; a save based on an older one is refused."
    )

    class Meta:
        ordering = ["subject", "visit", "form_id", "repeat_index"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject", "visit", "form_id", "repeat_index"],
                name="crfs_forminstance_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject} {self.form_id}#{self.repeat_index}"


class ItemValue(models.Model):
    form_instance = models.ForeignKey(FormInstance, on_delete=models.CASCADE, related_name="items")
    item_id = models.CharField(max_length=64)
    value = models.JSONField(null=True)
    unit = models.CharField(max_length=32, blank=True, default="")
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["form_instance_id", "item_id"]
        constraints = [
            models.UniqueConstraint(fields=["form_instance", "item_id"], name="crfs_item_unique")
        ]


class Query(models.Model):
    """A question about a data point, raised by a person or by an automatic check."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ANSWERED = "answered", "Answered"
        CLOSED = "closed", "Closed"

    class Origin(models.TextChoices):
        MANUAL = "manual", "Manual"
        AUTOMATIC = "automatic", "Automatic check"

    study = models.ForeignKey(Study, on_delete=models.PROTECT, related_name="queries")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="queries")
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="queries")
    form_instance = models.ForeignKey(
        FormInstance, null=True, blank=True, on_delete=models.PROTECT, related_name="queries"
    )
    item_id = models.CharField(max_length=64, blank=True, default="")
    check_id = models.CharField(
        max_length=64, blank=True, default="", help_text="The check that raised it, if any."
    )
    origin = models.CharField(max_length=16, choices=Origin.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    text = models.TextField()
    raised_at = models.DateTimeField()
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-raised_at"]
        indexes = [models.Index(fields=["study", "site", "status"])]
        verbose_name_plural = "queries"


class QueryMessage(models.Model):
    class Action(models.TextChoices):
        OPEN = "open", "Opened"
        ANSWER = "answer", "Answered"
        REOPEN = "reopen", "Re-opened"
        CLOSE = "close", "Closed"

    query = models.ForeignKey(Query, on_delete=models.CASCADE, related_name="messages")
    action = models.CharField(max_length=16, choices=Action.choices)
    text = models.TextField()
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["query", "at", "id"]


class Signature(models.Model):
    """An electronic signature of a form, a visit or a whole casebook, with the meaning
    the signer gave it. Changing signed data invalidates the signature."""

    class Scope(models.TextChoices):
        FORM = "form", "Form"
        VISIT = "visit", "Visit"
        CASEBOOK = "casebook", "Casebook"

    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="signatures")
    scope = models.CharField(max_length=16, choices=Scope.choices)
    form_instance = models.ForeignKey(
        FormInstance, null=True, blank=True, on_delete=models.PROTECT, related_name="signatures"
    )
    visit = models.ForeignKey(
        Visit, null=True, blank=True, on_delete=models.PROTECT, related_name="signatures"
    )
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    printed_name = models.CharField(max_length=200)
    meaning = models.CharField(max_length=300)
    signed_at = models.DateTimeField()
    content_hash = models.CharField(
        max_length=64, help_text="SHA-256 of the signed data as it stood when signed."
    )
    invalidated_at = models.DateTimeField(null=True, blank=True)
    invalidated_reason = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-signed_at"]


class Lock(models.Model):
    """A data freeze at one level: form, visit, subject or the whole study."""

    class Scope(models.TextChoices):
        FORM = "form", "Form"
        VISIT = "visit", "Visit"
        SUBJECT = "subject", "Subject"
        STUDY = "study", "Study"

    study = models.ForeignKey(Study, on_delete=models.PROTECT, related_name="locks")
    scope = models.CharField(max_length=16, choices=Scope.choices)
    subject = models.ForeignKey(
        Subject, null=True, blank=True, on_delete=models.PROTECT, related_name="locks"
    )
    visit = models.ForeignKey(
        Visit, null=True, blank=True, on_delete=models.PROTECT, related_name="locks"
    )
    form_instance = models.ForeignKey(
        FormInstance, null=True, blank=True, on_delete=models.PROTECT, related_name="locks"
    )
    locked_at = models.DateTimeField()
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(blank=True, default="")
    unlocked_at = models.DateTimeField(null=True, blank=True)
    unlocked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unlock_reason = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-locked_at"]
        indexes = [models.Index(fields=["study", "scope", "unlocked_at"])]
