"""The audit log's rows. The actor is Django's user model (settings.AUTH_USER_MODEL, as the
migration has always said), not accounts.User by import: audit is below accounts (ARCHITECTURE.md,
"Layers"), whose services record their changes here."""

from django.conf import settings
from django.db import models


class AuditEntry(models.Model):
    """One admin change. Kept when the actor or the object is deleted (both are copied as text)."""

    class Action(models.TextChoices):
        CREATE = "create", "Created"
        UPDATE = "update", "Changed"
        DELETE = "delete", "Deleted"
        APPROVE = "approve", "Approved"
        REJECT = "reject", "Rejected"
        ACTIVATE = "activate", "Activated"
        DEACTIVATE = "deactivate", "Deactivated"
        OTHER = "other", "Other"

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+")
    actor_email = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=12, choices=Action.choices)
    object_type = models.CharField(max_length=100, db_index=True)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=255)
    changes = models.JSONField(default=dict, blank=True, help_text="{field: [before, after]}")
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "audit entry"
        verbose_name_plural = "audit log"

    def __str__(self) -> str:
        return f"{self.actor_email or 'system'} {self.action} {self.object_type} {self.object_repr}"
