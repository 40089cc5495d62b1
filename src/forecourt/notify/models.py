"""What the portal sent (or tried to send), kept so admins can see why a message did not arrive."""

from django.db import models


class EmailLog(models.Model):
    """One message to one or more recipients, with its rendered content and delivery outcome.

    The rendered subject and bodies are stored here rather than in the job payload, so the job
    carries only an id and what was sent can be inspected afterwards.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped"

    to = models.TextField(help_text="Recipient addresses, comma-separated.")
    subject = models.CharField(max_length=255)
    template = models.CharField(max_length=100)
    body_text = models.TextField(blank=True)
    body_html = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "e-mail log entry"
        verbose_name_plural = "e-mail log"
        indexes = [models.Index(fields=["status", "created_at"], name="emaillog_status"),
                   models.Index(fields=["created_at", "id"], name="emaillog_list_order")]

    def __str__(self) -> str:
        return f"{self.template} to {self.to} ({self.status})"

    def recipients(self) -> list[str]:
        return [address.strip() for address in self.to.split(",") if address.strip()]
