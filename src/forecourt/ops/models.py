"""What the database knows about the Forecourt that runs it."""

from django.db import models


class SchemaVersion(models.Model):
    """One row each time a Forecourt version migrated this database (or first ran on it).

    The newest row says which version last migrated the database and when: what
    `upgrade-check`, `downgrade` and support questions start from.
    """

    version = models.CharField(max_length=40)
    migrated_at = models.DateTimeField(auto_now_add=True)
    applied = models.JSONField(default=list, help_text="Migrations applied by this run, as app.name.")

    class Meta:
        ordering = ["-migrated_at", "-id"]
        get_latest_by = ["migrated_at", "id"]

    def __str__(self) -> str:
        return f"{self.version} at {self.migrated_at:%Y-%m-%d %H:%M:%S}"

    @classmethod
    def last_version(cls) -> str | None:
        """The version that last migrated this database, or None before the first migration."""
        return cls.objects.order_by("-migrated_at", "-id").values_list("version", flat=True).first()


class InstanceSecret(models.Model):
    """Secrets generated once per installation and shared by every process and replica.

    A per-process random SECRET_KEY would log users out on every restart and break sessions
    between replicas; an operator may still set PORTAL_SESSION_KEY to choose it.
    """

    SECRET_KEY = "secret_key"  # noqa: S105 - the row's name, not a secret
    ENCRYPTION_KEY = "encryption_key"

    name = models.CharField(max_length=50, unique=True)
    value = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name
