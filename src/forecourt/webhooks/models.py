"""Webhook endpoints, the events recorded for them and each delivery of an event to an endpoint."""

import secrets
import uuid

from django.db import models
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from forecourt.audit import services as audit
from forecourt.ops.crypto import EncryptedTextField


def header_fingerprint(value: str) -> str:
    return "******** (" + salted_hmac("forecourt.webhooks.header", str(value)).hexdigest()[:8] + ")"


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


class Webhook(models.Model):
    """Where events are sent: one URL, the events it subscribes to, and the secret that signs them."""

    class Method(models.TextChoices):
        POST = "POST", "POST"  # an HTTP method, not translated
        PUT = "PUT", "PUT"  # an HTTP method, not translated

    name = models.CharField(_("name"), max_length=100, unique=True)
    url = models.CharField(_("URL"), max_length=500)
    method = models.CharField(_("method"), max_length=4, choices=Method.choices, default=Method.POST)
    # What deliveries send, name: value; each header's ID is in its WebhookHeader row, kept equal to
    # this by webhooks.headers.
    headers = models.JSONField(_("headers"), default=dict, blank=True,
                               help_text=_("Extra request headers, name: value."))
    timeout = models.PositiveSmallIntegerField(_("timeout (seconds)"), default=10)
    events = models.JSONField(_("events"), default=list, blank=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    secret = EncryptedTextField(_("secret"), default=new_secret, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name_plural = _("webhooks")
        ordering = ["name", "id"]
        verbose_name = _("webhook")

    def __str__(self) -> str:
        return self.name

    def audit_extra(self) -> dict[str, object]:
        """The audit log shows header names and a keyed fingerprint of each value, never the value
        (an Authorization header is a secret), so that a changed value still shows as a change; and
        the signing secret's fingerprint (not a form field, so not in the snapshot otherwise), so
        that a secret set by `forecourt apply` shows as a change too."""
        return {"headers": {name: header_fingerprint(value) for name, value in sorted((self.headers or {}).items())},
                "secret": audit.masked(self.secret)}


class WebhookHeader(models.Model):
    """One extra request header of a webhook, with an ID of its own (Tyk's /webhooks/{id}/headers)."""

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="header_rows")
    name = models.CharField(max_length=100)
    value = models.CharField(max_length=1000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["webhook", "id"]
        verbose_name = "webhook header"
        constraints = [models.UniqueConstraint(fields=["webhook", "name"], name="webhookheader_unique_name")]

    def __str__(self) -> str:
        return f"{self.name} of {self.webhook_id}"


class Event(models.Model):
    """Something that happened, kept so its deliveries can be retried and replayed."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=100)
    message = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["name", "created_at"], name="webhookevent_name")]

    def __str__(self) -> str:
        return f"{self.name} {self.id}"


class Delivery(models.Model):
    """One event sent (or being sent) to one endpoint, with the outcome of its last attempt."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    event = models.ForeignKey(Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(Webhook, verbose_name=_("endpoint"), on_delete=models.CASCADE,
                                 related_name="deliveries")
    delivery_id = models.UUIDField(_("delivery id"), default=uuid.uuid4, unique=True, editable=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    response_code = models.PositiveSmallIntegerField(_("response code"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    duration_ms = models.PositiveIntegerField(_("duration ms"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        indexes = [models.Index(fields=["status", "created_at"], name="webhookdelivery_status"),
                   models.Index(fields=["created_at", "id"], name="delivery_list_order")]

    def __str__(self) -> str:
        return f"{self.event.name} to {self.endpoint.name} ({self.status})"
