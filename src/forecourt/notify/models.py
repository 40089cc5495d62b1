"""What the portal sent (or tried to send), kept so admins can see why a message did not arrive."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EmailLog(models.Model):
    """One message to one or more recipients, with its rendered content and delivery outcome.

    The rendered subject and bodies are stored here rather than in the job payload, so the job
    carries only an id and what was sent can be inspected afterwards.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped")

    to = models.TextField(_("to"), help_text=_("Recipient addresses, comma-separated."))
    subject = models.CharField(_("subject"), max_length=255)
    template = models.CharField(_("template"), max_length=100)
    body_text = models.TextField(_("body text"), blank=True)
    body_html = models.TextField(_("body html"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("e-mail log entry")
        verbose_name_plural = _("e-mail log")
        indexes = [models.Index(fields=["status", "created_at"], name="emaillog_status"),
                   models.Index(fields=["created_at", "id"], name="emaillog_list_order")]

    def __str__(self) -> str:
        return f"{self.template} to {self.to} ({self.status})"

    def recipients(self) -> list[str]:
        return [address.strip() for address in self.to.split(",") if address.strip()]
