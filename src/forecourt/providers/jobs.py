"""Background work for providers: the sync job, and scheduling it (at start-up and every RefreshInterval)."""

import logging
from datetime import timedelta

from django.db.models import Exists, IntegerField, OuterRef, Q, QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.utils import timezone

from forecourt import configuration
from forecourt.jobs import handler, queue
from forecourt.jobs.models import Job
from forecourt.jobs.registry import periodic

from . import registry, sync
from .models import Provider

log = logging.getLogger("forecourt.providers")

JOB = "providers.sync"


_PENDING = [Job.Status.QUEUED, Job.Status.RUNNING]


def enqueue_sync(provider_id: int) -> bool:
    """Queue a sync of one provider unless one is already queued or running; True if queued."""
    pending = Job.objects.filter(name=JOB, payload__provider_id=provider_id, status__in=_PENDING)
    if pending.exists():
        return False
    queue.enqueue(JOB, {"provider_id": provider_id}, max_attempts=1)
    return True


def enqueue_sync_all() -> int:
    """Queue a sync of every provider (the Admin Portal's "Sync all", the Admin API's
    /providers/all/synchronize); those already queued or running are left as they are.
    Answers how many were queued."""
    return sum(enqueue_sync(pk) for pk in Provider.objects.order_by("pk").values_list("pk", flat=True))


def first_sync(provider: Provider) -> None:
    """A new provider is synced at once, not at the next RefreshInterval: until then its list row
    says "Unknown" and 0 products with no sign that anything will happen. Called in the creating
    transaction (adminportal.registry's saver, which the Admin API's writes share), so the
    provider and its job commit together."""
    enqueue_sync(provider.pk)


def with_syncing(providers: QuerySet[Provider]) -> QuerySet[Provider]:
    """`providers` with `syncing`: True while a sync job for the provider is queued or running.
    A subquery, so a list of providers costs no extra query per row. The payload's provider id is
    compared as text cast to an integer, which every engine can compare with the provider's key."""
    job_provider = Cast(KeyTextTransform("provider_id", "payload"), IntegerField())
    pending = (Job.objects.filter(name=JOB, status__in=_PENDING).annotate(job_provider=job_provider)
               .filter(job_provider=OuterRef("pk")))
    return providers.annotate(syncing=Exists(pending))


def is_syncing(provider: Provider) -> bool:
    """Whether a sync job for `provider` is queued or running (for one provider's page)."""
    return Job.objects.filter(name=JOB, payload__provider_id=provider.pk, status__in=_PENDING).exists()


@handler(JOB)
def run_sync(provider_id: int) -> None:
    provider = Provider.objects.filter(pk=provider_id).first()
    if provider is None:
        return
    try:
        registry.client_for(provider).sync()
    except sync.AlreadyRunning:
        log.info("sync of provider %s skipped: another one is running", provider)
    except registry.ProviderError:
        pass  # recorded on the provider (status Down, last error); the schedule tries again


@periodic
def schedule_syncs(first: bool) -> None:
    """Queue a sync of every provider at start-up, and of those not synced for RefreshInterval minutes."""
    due = Provider.objects.all()
    if not first:
        minutes = configuration.get().refresh_interval
        cutoff = timezone.now() - timedelta(minutes=minutes)
        due = due.filter(Q(last_synced_at__isnull=True) | Q(last_synced_at__lt=cutoff))
    for provider_id in due.values_list("pk", flat=True):
        enqueue_sync(provider_id)
