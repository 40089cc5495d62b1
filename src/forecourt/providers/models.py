from django.db import models

from forecourt.ops.crypto import EncryptedTextField


class Provider(models.Model):
    """A connection to a gateway's management API, e.g. a Tyk Dashboard."""

    class Type(models.TextChoices):
        TYK_PRO = "tyk-pro", "Tyk Dashboard (tyk-pro)"

    class Status(models.TextChoices):
        UP = "up", "Up"
        DOWN = "down", "Down"
        UNKNOWN = "unknown", "Unknown"

    name = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=20, choices=Type.choices, default=Type.TYK_PRO)
    url = models.URLField("URL", max_length=500, help_text="The Dashboard's address, e.g. https://dashboard:3000")
    secret = EncryptedTextField(help_text="The Dashboard user's API key. Stored encrypted.")
    org_id = models.CharField("organisation ID", max_length=100, blank=True)
    policy_tags = models.JSONField(default=list, blank=True,
                                   help_text="Only policies with one of these tags are imported; none: all.")
    insecure_skip_verify = models.BooleanField(default=False,
                                               help_text="Accept any TLS certificate (testing only).")
    gateway_url = models.URLField("gateway URL", max_length=500, blank=True,
                                  help_text="Where consumers call the APIs, shown with their credentials.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.UNKNOWN, editable=False)
    last_synced_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.TextField(blank=True, editable=False)
    sync_problems = models.JSONField(default=list, blank=True, editable=False,
                                     help_text="Policies the last sync skipped, with the reason.")
    sync_lock_until = models.DateTimeField(null=True, blank=True, editable=False,
                                           help_text="Set while a sync runs (one at a time per provider).")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
