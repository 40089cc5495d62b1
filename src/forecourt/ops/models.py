"""What the database knows about the Forecourt that runs it."""

from django.db import models
from django.utils.translation import gettext_lazy as _


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


class BackupRecord(models.Model):
    """One row for each backup archive `forecourt backup` wrote (or `forecourt restore` restored from).

    The archive may be written anywhere (`--output`), so `upgrade-check` cannot find every backup by
    looking in one folder: it looks here, then checks that the file is still at `path` with this
    `sha256` before it counts it. A row is written only after its archive is complete and renamed
    into place. The table is host bookkeeping, not portal data: it is left out of the archives (an
    archive could never hold its own row) and kept across restores (forecourt.lifecycle.restore).
    """

    class Source(models.TextChoices):
        BACKUP = "backup", _("written by forecourt backup")
        RESTORE = "restore", _("restored from by forecourt restore")

    path = models.TextField(help_text="The archive's absolute path when it was written.")
    created_at = models.DateTimeField(db_index=True, help_text="When the archive's database snapshot was taken.")
    recorded_at = models.DateTimeField(auto_now_add=True)
    version = models.CharField(max_length=40, help_text="The Forecourt version that wrote the archive.")
    dialect = models.CharField(max_length=20)
    migrations = models.JSONField(default=dict, help_text="The schema the archive holds: {app: last migration}.")
    sha256 = models.CharField(max_length=64, help_text="The whole archive file's SHA-256, hex.")
    size = models.BigIntegerField()
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.BACKUP)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.path} ({self.created_at:%Y-%m-%d %H:%M:%S})"
