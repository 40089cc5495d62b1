"""The audit log's rows. The actor is Django's user model (settings.AUTH_USER_MODEL, as the
migration has always said), not accounts.User by import: audit is below accounts (ARCHITECTURE.md,
"Layers"), whose services record their changes here."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    """One admin change. Kept when the actor or the object is deleted (both are copied as text)."""

    class Action(models.TextChoices):
        CREATE = "create", _("Created")
        UPDATE = "update", _("Changed")
        DELETE = "delete", _("Deleted")
        APPROVE = "approve", _("Approved")
        REJECT = "reject", _("Rejected")
        ACTIVATE = "activate", _("Activated")
        DEACTIVATE = "deactivate", _("Deactivated")
        OTHER = "other", _("Other")

    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("actor"), on_delete=models.SET_NULL, null=True,
                              blank=True,
                              related_name="+")
    actor_email = models.CharField(_("actor email"), max_length=254, blank=True)
    action = models.CharField(_("action"), max_length=12, choices=Action.choices)
    object_type = models.CharField(_("object type"), max_length=100, db_index=True)
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object repr"), max_length=255)
    changes = models.JSONField(_("changes"), default=dict, blank=True, help_text="{field: [before, after]}")
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")

    def __str__(self) -> str:
        return f"{self.actor_email or 'system'} {self.action} {self.object_type} {self.object_repr}"
