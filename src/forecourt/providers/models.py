from django.db import models
from django.utils.translation import gettext_lazy as _

from forecourt.ops.crypto import EncryptedTextField


class Provider(models.Model):
    """A connection to a gateway's management API, e.g. a Tyk Dashboard."""

    class Type(models.TextChoices):
        TYK_PRO = "tyk-pro", _("Tyk Dashboard (tyk-pro)")

    class Status(models.TextChoices):
        UP = "up", _("Up")
        DOWN = "down", _("Down")
        UNKNOWN = "unknown", _("Unknown")

    name = models.CharField(_("name"), max_length=255, unique=True)
    type = models.CharField(_("type"), max_length=20, choices=Type.choices, default=Type.TYK_PRO)
    url = models.URLField(_("URL"), max_length=500, help_text=_("The Dashboard's address, e.g. https://dashboard:3000"))
    secret = EncryptedTextField(_("secret"), help_text=_("The Dashboard user's API key. Stored encrypted."))
    org_id = models.CharField(_("organisation ID"), max_length=100, blank=True)
    policy_tags = models.JSONField(_("policy tags"), default=list, blank=True,
                                   help_text=_("Only policies with one of these tags are imported; none: all."))
    insecure_skip_verify = models.BooleanField(_("insecure skip verify"), default=False,
                                               help_text=_("Accept any TLS certificate (testing only)."))
    gateway_url = models.URLField(_("gateway URL"), max_length=500, blank=True,
                                  help_text=_("Where consumers call the APIs, shown with their credentials."))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.UNKNOWN,
                              editable=False)
    last_synced_at = models.DateTimeField(_("last synced at"), null=True, blank=True, editable=False)
    last_error = models.TextField(_("last error"), blank=True, editable=False)
    sync_problems = models.JSONField(_("sync problems"), default=list, blank=True, editable=False,
                                     help_text=_("Policies the last sync skipped, with the reason."))
    sync_lock_until = models.DateTimeField(_("sync lock until"), null=True, blank=True, editable=False,
                                           help_text=_("Set while a sync runs (one at a time per provider)."))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("provider")
        verbose_name_plural = _("providers")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
