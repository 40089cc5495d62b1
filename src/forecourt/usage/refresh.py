"""THE rule of refreshing the usage cache (forecourt.usage.models) from the providers' analytics.

One job per credential (`usage.refresh`), queued by the worker's schedule for every credential
whose cache is older than STALE_AFTER, and by a page that shows a stale one (`refresh_if_stale`):
the page then shows the cache as it is, with when it was refreshed, and never waits for the
provider. A refresh re-reads the days since the day before the last refresh (analytics of a day can
arrive late), or the last FIRST_DAYS days the first time, and replaces those days' rows (and their
per-API rows, DailyApiUsage) in one transaction; a provider that fails leaves the cache as it was
and its reason on `UsageRefresh`.
Revoked credentials are refreshed for REVOKED_FOR after their revocation (their last traffic), then
left alone: their rows stay, and pages still show them.
"""

import logging
from collections.abc import Iterable
from datetime import UTC, date, timedelta

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from forecourt.access.models import Credential
from forecourt.jobs import handler, queue
from forecourt.jobs.models import Job
from forecourt.jobs.registry import periodic
from forecourt.providers import registry
from forecourt.providers.usage import BadRange

from .models import DailyApiUsage, DailyUsage, UsageRefresh

log = logging.getLogger("forecourt.usage")

JOB = "usage.refresh"
STALE_AFTER = timedelta(hours=1)
FIRST_DAYS = 90  # the longest period the pages offer
REVOKED_FOR = timedelta(days=2)
PER_TICK = 500  # credentials queued per schedule tick at most: a big portal's first hour is spread out
_PENDING = [Job.Status.QUEUED, Job.Status.RUNNING]


def today() -> date:
    """Today, in UTC: the analytics' days are UTC days."""
    return timezone.now().astimezone(UTC).date()


def refreshable() -> QuerySet[Credential]:
    """The credentials whose usage is read: at a provider, of a kind it reports on, live or revoked lately."""
    recently = timezone.now() - REVOKED_FOR
    return Credential.objects.filter(
        Q(status=Credential.Status.ACTIVE)
        | Q(status__in=[Credential.Status.REVOKING, Credential.Status.REVOKED], revoked_at__gte=recently),
        provider__isnull=False, type__in=[Credential.Type.KEY, Credential.Type.OAUTH2_CLIENT])


def _pending() -> set[int]:
    jobs = Job.objects.filter(name=JOB, status__in=_PENDING)
    return {int(pk) for pk in jobs.values_list("payload__credential_id", flat=True) if pk is not None}


def _enqueue(credential_ids: Iterable[int]) -> int:
    pending = _pending()
    queued = 0
    for pk in credential_ids:
        if pk not in pending:
            queue.enqueue(JOB, {"credential_id": pk}, max_attempts=1)
            queued += 1
    return queued


def _stale(credentials: QuerySet[Credential]) -> QuerySet[Credential]:
    fresh = UsageRefresh.objects.filter(attempted_at__gte=timezone.now() - STALE_AFTER).values("credential_id")
    return credentials.exclude(pk__in=fresh)


def refresh_if_stale(credential_ids: Iterable[int]) -> int:
    """Queue a refresh of those of these credentials whose cache is stale (a page showing them);
    never waits. Answers how many were queued."""
    ids = list(credential_ids)
    if not ids:
        return 0
    return _enqueue(_stale(refreshable().filter(pk__in=ids)).values_list("pk", flat=True))


@periodic
def schedule_refreshes(first: bool) -> None:
    """Queue a refresh of every credential whose cache is older than STALE_AFTER (PER_TICK at a time)."""
    _enqueue(_stale(refreshable()).order_by("pk").values_list("pk", flat=True)[:PER_TICK])


def _start(refreshed: UsageRefresh | None, end: date) -> date:
    if refreshed is None or refreshed.refreshed_at is None:
        return end - timedelta(days=FIRST_DAYS - 1)
    last = refreshed.refreshed_at.astimezone(UTC).date()
    return max(min(last, end) - timedelta(days=1), end - timedelta(days=FIRST_DAYS - 1))


@handler(JOB)
def refresh(credential_id: int) -> None:
    """Read one credential's recent usage from its provider into the cache."""
    credential = refreshable().select_related("provider").filter(pk=credential_id).first()
    if credential is None or credential.provider is None:
        return
    end = today()
    start = _start(UsageRefresh.objects.filter(credential_id=credential_id).first(), end)
    now = timezone.now()
    try:
        days = registry.client_for(credential.provider).read_usage(credential, start, end)
    except (registry.ProviderError, BadRange) as exc:
        log.warning("usage of credential %s not refreshed: %s", credential_id, exc)
        UsageRefresh.objects.update_or_create(credential_id=credential_id,
                                              defaults={"attempted_at": now, "error": str(exc)[:1000]})
        return
    rows = [DailyUsage(credential_id=credential_id, day=d.day, requests=d.requests, errors_4xx=d.errors_4xx,
                       errors_5xx=d.errors_5xx, errors_other=d.errors_other, latency_avg_ms=d.latency_avg_ms,
                       latency_max_ms=d.latency_max_ms, latency_p50_ms=d.latency_p50_ms,
                       latency_p99_ms=d.latency_p99_ms)
            for d in days if start <= d.day <= end]
    api_rows = [DailyApiUsage(credential_id=credential_id, day=d.day, api_id=a.api_id[:100],
                              api_name=a.api_name[:255], requests=a.requests, errors_4xx=a.errors_4xx,
                              errors_5xx=a.errors_5xx,
                              errors_other=a.errors_other, latency_avg_ms=a.latency_avg_ms,
                              latency_max_ms=a.latency_max_ms)
                for d in days if start <= d.day <= end for a in d.apis]
    with transaction.atomic():
        DailyUsage.objects.filter(credential_id=credential_id, day__gte=start, day__lte=end).delete()
        DailyApiUsage.objects.filter(credential_id=credential_id, day__gte=start, day__lte=end).delete()
        DailyUsage.objects.bulk_create(rows)
        DailyApiUsage.objects.bulk_create(api_rows)
        UsageRefresh.objects.update_or_create(credential_id=credential_id,
                                              defaults={"refreshed_at": now, "attempted_at": now, "error": ""})
