"""The usage cache: a credential's traffic per day as its provider's analytics last told it.

A cache, not a record: rows are replaced by each refresh of their days (forecourt.usage.refresh),
and a page reads only these tables, never the provider, so a slow or down gateway never holds a
page up. `UsageRefresh` says when a credential's rows were last refreshed (shown beside them) and
why the last attempt failed, if it did.

The rows point at their credentials without a constraint in the database (Django's collector still
deletes them with a credential): a cache must not tie access_credential's locks to its tables, or
dropping them in a downgrade while an older release serves can deadlock with its reads (PostgreSQL).
"""

from django.db import models

from forecourt.access.models import Credential


class DailyUsage(models.Model):
    """One credential's traffic on one UTC day (forecourt.providers.usage.UsageDay, stored).
    Latency in milliseconds; percentiles null when the provider keeps none (Tyk)."""

    credential = models.ForeignKey(Credential, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    day = models.DateField()
    requests = models.PositiveBigIntegerField(default=0)
    errors_4xx = models.PositiveBigIntegerField(default=0)
    errors_5xx = models.PositiveBigIntegerField(default=0)
    errors_other = models.PositiveBigIntegerField(default=0)
    latency_avg_ms = models.FloatField(null=True, blank=True)
    latency_max_ms = models.FloatField(null=True, blank=True)
    latency_p50_ms = models.FloatField(null=True, blank=True)
    latency_p99_ms = models.FloatField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["credential", "day"], name="usage_one_row_per_credential_day")]
        indexes = [models.Index(fields=["day"], name="usage_day")]

    def __str__(self) -> str:
        return f"credential #{self.credential_id} on {self.day}: {self.requests} requests"


class UsageRefresh(models.Model):
    """When a credential's usage was last read from its provider, and the last failure's reason."""

    credential = models.OneToOneField(Credential, on_delete=models.CASCADE, primary_key=True, related_name="+",
                                      db_constraint=False)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    attempted_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"credential #{self.credential_id} refreshed at {self.refreshed_at}"


class DailyApiUsage(models.Model):
    """One credential's traffic to one API on one UTC day (forecourt.providers.usage.ApiUsage,
    stored), replaced with the credential's DailyUsage rows of that day in the same transaction. The
    API is the gateway's `api_id` (not a ProductAPI: the traffic is the gateway's, and outlives a
    product's change); `api_name` is the gateway's, shown only when no ProductAPI has that api_id."""

    credential = models.ForeignKey(Credential, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    day = models.DateField()
    api_id = models.CharField(max_length=100)
    api_name = models.CharField(max_length=255, blank=True)
    requests = models.PositiveBigIntegerField(default=0)
    errors_4xx = models.PositiveBigIntegerField(default=0)
    errors_5xx = models.PositiveBigIntegerField(default=0)
    errors_other = models.PositiveBigIntegerField(default=0)
    latency_avg_ms = models.FloatField(null=True, blank=True)
    latency_max_ms = models.FloatField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["credential", "day", "api_id"],
                                               name="usage_one_row_per_credential_day_api")]
        indexes = [models.Index(fields=["day", "api_id"], name="usage_api_day")]

    def __str__(self) -> str:
        return f"credential #{self.credential_id} to {self.api_id} on {self.day}: {self.requests} requests"
